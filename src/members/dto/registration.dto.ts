import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsId, IsMobilePhoneCN, MaxChars, NoControlChars, Optional, Trim } from '../../common/http/dto-rules';
import { PageQuery } from '../../common/pagination';
import { REGISTRATION_STATUSES, RegistrationStatus } from '../member-registration.entity';

export class RegistrationBody {
  @ApiProperty({ description: 'The member\'s employer (单位)' })
  @IsId()
  unitId!: number;

  @ApiProperty({ description: 'The community registered with (居住地或结对社区)' })
  @IsId()
  communityId!: number;

  @ApiProperty({ maxLength: 32, example: '李建国' })
  @Trim() @IsString() @IsNotEmpty() @MaxChars(32) @NoControlChars()
  name!: string;

  @ApiProperty({ example: '13900139000' })
  @Trim() @IsString() @IsMobilePhoneCN()
  phone!: string;

  @ApiPropertyOptional({ type: [String], example: ['水电维修', '辅导功课'], maxItems: 10 })
  @Optional() @IsArray() @ArrayMaxSize(10) @ArrayUnique() @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(20, { each: true }) @NoControlChars({ each: true })
  skills?: string[];
}


export class RejectBody {
  @ApiProperty({ maxLength: 200 })
  @Trim() @IsString() @IsNotEmpty() @MaxChars(200) @NoControlChars()
  reason!: string;
}

export class RegistrationListQuery extends PageQuery {
  @ApiPropertyOptional()
  @Optional() @Type(() => Number) @IsId()
  communityId?: number;

  @ApiPropertyOptional()
  @Optional() @Type(() => Number) @IsId()
  unitId?: number;

  @ApiPropertyOptional({ enum: REGISTRATION_STATUSES })
  @Optional() @IsIn(REGISTRATION_STATUSES)
  status?: RegistrationStatus;
}

export class RegistrationView {
  @ApiProperty() id!: number;
  @ApiProperty() userId!: number;
  @ApiProperty() unitId!: number;
  @ApiProperty() unitName!: string;
  @ApiProperty() communityId!: number;
  @ApiProperty() communityName!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Shown to the member and to the offices that decide on or employ them' }) phone!: string;
  @ApiProperty({ type: [String] }) skills!: string[];
  @ApiProperty({ enum: REGISTRATION_STATUSES }) status!: RegistrationStatus;
  @ApiProperty({ nullable: true, type: String }) decisionReason!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) decidedAt!: string | null;
}

export class RegistrationPage {
  @ApiProperty({ type: [RegistrationView] }) items!: RegistrationView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
