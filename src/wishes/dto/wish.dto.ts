import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { IsId, IsMobilePhoneCN, MaxChars, Nested, NoControlChars, Optional, Trim } from '../../common/http/dto-rules';
import { PageQuery } from '../../common/pagination';
import { WISH_CATEGORIES, WISH_KINDS, WishCategory, WishKind } from '../wish.entity';
import { WISH_STATUSES, WishStatus } from '../wish-state';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const PHOTO_ID = /^[A-Za-z0-9_-]{1,64}$/;

class WishContentFields {
  @ApiProperty({ description: 'The community the wish belongs to' })
  @IsId()
  communityId!: number;

  @ApiProperty({ maxLength: 40, example: '楼道灯坏了，晚上上下楼看不见' })
  @Trim() @IsString() @IsNotEmpty() @MaxChars(40) @NoControlChars()
  title!: string;

  @ApiProperty({ maxLength: 500, example: '3 号楼 2 单元三楼到四楼的楼道灯坏了一个多月，家里老人晚上出门不方便。' })
  @Trim() @IsString() @IsNotEmpty() @MaxChars(500) @NoControlChars()
  description!: string;

  @ApiProperty({ enum: WISH_CATEGORIES })
  @IsIn(WISH_CATEGORIES)
  category!: WishCategory;

  @ApiProperty({ enum: WISH_KINDS, description: 'personal: for one household; public: for the neighbourhood' })
  @IsIn(WISH_KINDS)
  kind!: WishKind;

  @ApiPropertyOptional({ description: 'Estimated cost in whole yuan, at most WISH_COST_CAP_YUAN', minimum: 0 })
  @Optional() @IsInt() @Min(0) @Max(1_000_000)
  estimatedCost?: number;

  @ApiPropertyOptional({ example: '2026-12-31', description: 'Hoped-for date, YYYY-MM-DD' })
  @Optional() @IsString() @Matches(DATE)
  expectedBy?: string;
}

export class SubmitWishBody extends WishContentFields {
  @ApiPropertyOptional({ type: [String], maxItems: 9, description: 'Ids from POST /uploads, the caller\'s own and not used elsewhere (up to 9); else 422 UPLOAD_INVALID' })
  @Optional() @IsArray() @ArrayMaxSize(9) @ArrayUnique() @IsString({ each: true }) @Matches(PHOTO_ID, { each: true })
  photoIds?: string[];

  @ApiPropertyOptional({ description: 'Contact phone for this wish; defaults to the profile phone' })
  @Optional() @Trim() @IsString() @IsMobilePhoneCN()
  phone?: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'Address for this wish; defaults to the profile address' })
  @Optional() @Trim() @IsString() @IsNotEmpty() @MaxChars(200) @NoControlChars()
  address?: string;
}

export class ResidentContactBody {
  @ApiProperty({ maxLength: 32, example: '张桂兰' })
  @Trim() @IsString() @IsNotEmpty() @MaxChars(32) @NoControlChars()
  name!: string;

  @ApiProperty({ example: '13800000001' })
  @Trim() @IsString() @IsMobilePhoneCN()
  phone!: string;

  @ApiProperty({ maxLength: 200, example: '永安社区 3 号楼 2 单元 301' })
  @Trim() @IsString() @IsNotEmpty() @MaxChars(200) @NoControlChars()
  address!: string;
}

export class OfflineWishBody extends WishContentFields {
  @ApiProperty({ type: ResidentContactBody, description: 'The resident the wish is for (collected door to door)' })
  @Nested(() => ResidentContactBody)
  resident!: ResidentContactBody;

  @ApiPropertyOptional({ enum: ['offline', 'hotline'], default: 'offline' })
  @Optional() @IsIn(['offline', 'hotline'])
  channel?: 'offline' | 'hotline';

  @ApiPropertyOptional({ default: true, description: 'Publish at once (the office has reviewed it while entering)' })
  @Optional() @IsBoolean()
  publish?: boolean;
}

export class EditWishBody {
  @ApiPropertyOptional({ maxLength: 40 })
  @Optional() @Trim() @IsString() @IsNotEmpty() @MaxChars(40) @NoControlChars()
  title?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @Optional() @Trim() @IsString() @IsNotEmpty() @MaxChars(500) @NoControlChars()
  description?: string;
}

export class ReasonBody {
  @ApiProperty({ maxLength: 200 })
  @Trim() @IsString() @IsNotEmpty() @MaxChars(200) @NoControlChars()
  reason!: string;
}

export class OptionalReasonBody {
  @ApiPropertyOptional({ maxLength: 200 })
  @Optional() @Trim() @IsString() @IsNotEmpty() @MaxChars(200) @NoControlChars()
  reason?: string;
}

export class FulfilBody {
  @ApiProperty({ maxLength: 500, example: '已更换楼道灯泡并检查了线路。' })
  @Trim() @IsString() @IsNotEmpty() @MaxChars(500) @NoControlChars()
  note!: string;

  @ApiPropertyOptional({
    type: [String],
    minItems: 1,
    maxItems: 9,
    description: 'Ids from POST /uploads of evidence photos (反馈照片), the caller\'s own. Required (422 FULFIL_PHOTOS_REQUIRED) where the community requires fulfilment photos (the default).',
  })
  @Optional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(9) @ArrayUnique() @IsString({ each: true }) @Matches(PHOTO_ID, { each: true })
  photoIds?: string[];
}

export class ConfirmBody {
  @ApiProperty({ minimum: 1, maximum: 5 })
  @IsInt() @Min(1) @Max(5)
  rating!: number;

  @ApiPropertyOptional({ maxLength: 200, example: '灯修好了，谢谢！' })
  @Optional() @Trim() @IsString() @IsNotEmpty() @MaxChars(200) @NoControlChars()
  comment?: string;
}

export class AssignBody extends ReasonBody {
  @ApiProperty({ description: 'User id of a member with an approved registration in the wish\'s community' })
  @IsId()
  memberId!: number;
}

export class WishListQuery extends PageQuery {
  @ApiPropertyOptional()
  @Optional() @Type(() => Number) @IsId()
  communityId?: number;

  @ApiPropertyOptional({ enum: WISH_STATUSES, description: 'Default for members: open' })
  @Optional() @IsIn(WISH_STATUSES)
  status?: WishStatus;

  @ApiPropertyOptional({ enum: WISH_CATEGORIES })
  @Optional() @IsIn(WISH_CATEGORIES)
  category?: WishCategory;
}

export class StatusPageQuery extends PageQuery {
  @ApiPropertyOptional({ enum: WISH_STATUSES })
  @Optional() @IsIn(WISH_STATUSES)
  status?: WishStatus;
}
