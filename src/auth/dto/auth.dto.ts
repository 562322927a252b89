import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsNotEmpty, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { IsId, MaxChars, NoControlChars, Optional, Trim } from '../../common/http/dto-rules';
import { UserSummary } from '../../users/dto/me.dto';
import { ROLES, Role } from '../../users/roles';

export class TokensView {
  @ApiProperty() accessToken!: string;
  @ApiProperty({ description: 'Opaque; single use — each refresh returns a new one' }) refreshToken!: string;
  @ApiProperty({ description: 'Access token lifetime in seconds' }) expiresIn!: number;
  @ApiProperty({ type: UserSummary }) user!: UserSummary;
}

export class WechatLoginBody {
  @ApiProperty({ description: 'The code from wx.login()' })
  @IsString() @IsNotEmpty() @MaxLength(128) @Matches(/^[\x21-\x7e]+$/)
  code!: string;
}

export class WechatPhoneBody {
  @ApiProperty({ description: 'The code from the getPhoneNumber button' })
  @IsString() @IsNotEmpty() @MaxLength(128) @Matches(/^[\x21-\x7e]+$/)
  code!: string;
}

export class RefreshBody {
  @ApiProperty()
  @IsString() @IsNotEmpty() @MaxLength(128)
  refreshToken!: string;
}

export class PasswordLoginBody {
  @ApiProperty({ example: 'yongan-admin' })
  @Trim() @IsString() @IsNotEmpty() @MaxLength(64)
  username!: string;

  @ApiProperty()
  @IsString() @IsNotEmpty() @MaxLength(128)
  password!: string;
}

export class RoleClaimBody {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({ description: 'Required for community_admin (a community) and region_admin' })
  @Optional() @IsId()
  regionId?: number;

  @ApiPropertyOptional({ description: 'Required for unit_admin' })
  @Optional() @IsId()
  unitId?: number;
}

export class DevLoginBody {
  @ApiProperty({ example: 'demo-resident-1', description: 'Any stable string; the user is created on first use' })
  @IsString() @MinLength(1) @MaxLength(64) @Matches(/^[A-Za-z0-9_-]+$/)
  openid!: string;

  @ApiPropertyOptional({ example: '张三明' })
  @Optional() @Trim() @IsString() @IsNotEmpty() @MaxChars(32) @NoControlChars()
  name?: string;

  @ApiPropertyOptional({ type: [RoleClaimBody], description: 'Grants added on login (never removed)' })
  @Optional() @IsArray() @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => RoleClaimBody)
  roles?: RoleClaimBody[];
}
