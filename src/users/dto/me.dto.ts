import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString } from 'class-validator';
import { IsId, IsMobilePhoneCN, MaxChars, NoControlChars, Optional, Trim } from '../../common/http/dto-rules';
import { ROLES, Role, RoleClaim } from '../roles';

export class RoleClaimView implements RoleClaim {
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiPropertyOptional() regionId?: number;
  @ApiPropertyOptional() unitId?: number;
}

export class UserSummary {
  @ApiProperty() id!: number;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ type: [RoleClaimView] }) roles!: RoleClaimView[];
}

export class MeView extends UserSummary {
  @ApiProperty({ nullable: true, type: String, description: 'Own phone, in full (only ever shown to its owner)' })
  phone!: string | null;
  @ApiProperty({ nullable: true, type: String }) address!: string | null;
  @ApiProperty({ nullable: true, type: Number }) communityId!: number | null;
  @ApiProperty({ nullable: true, type: String }) communityName!: string | null;
  @ApiProperty({ description: 'Logged in through WeChat at least once' }) wechatBound!: boolean;
  @ApiProperty({ nullable: true, type: String }) username!: string | null;
}

export class UpdateMeBody {
  @ApiPropertyOptional({ maxLength: 32, example: '张三明' })
  @Optional() @Trim() @IsString() @IsNotEmpty() @MaxChars(32) @NoControlChars()
  name?: string;

  @ApiPropertyOptional({ example: '13800138000' })
  @Optional() @Trim() @IsString() @IsMobilePhoneCN()
  phone?: string;

  @ApiPropertyOptional({ maxLength: 200, example: '永安社区 3 号楼 2 单元 301' })
  @Optional() @Trim() @IsString() @IsNotEmpty() @MaxChars(200) @NoControlChars()
  address?: string;

  @ApiPropertyOptional({ description: 'The community the user lives in' })
  @Optional() @IsId()
  communityId?: number;
}
