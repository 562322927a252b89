import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNotEmpty, IsString } from 'class-validator';
import { IsId, MaxChars, NoControlChars, Optional, Trim } from '../../common/http/dto-rules';
import { UNIT_KINDS, Unit, UnitKind } from '../unit.entity';

export class UnitView {
  @ApiProperty() id!: number;
  @ApiProperty({ example: '市委组织部机关' }) name!: string;
  @ApiProperty({ enum: UNIT_KINDS }) kind!: UnitKind;
  @ApiProperty() regionId!: number;
  @ApiProperty({ type: [Number], description: 'Communities this unit is paired with' }) pairedCommunityIds!: number[];

  static of(unit: Unit, pairedCommunityIds: number[]): UnitView {
    return { id: unit.id, name: unit.name, kind: unit.kind, regionId: unit.regionId, pairedCommunityIds };
  }
}

export class UnitListQuery {
  @ApiPropertyOptional({ description: 'Only units paired with this community' })
  @Optional() @Type(() => Number) @IsId()
  communityId?: number;
}

export class CreateUnitBody {
  @ApiProperty({ maxLength: 100 })
  @Trim() @IsString() @IsNotEmpty() @MaxChars(100) @NoControlChars()
  name!: string;

  @ApiProperty({ enum: UNIT_KINDS })
  @IsIn(UNIT_KINDS)
  kind!: UnitKind;

  @ApiProperty({ description: 'The region whose office manages the unit (must be in your scope)' })
  @IsId()
  regionId!: number;
}

export class UpdateUnitBody {
  @ApiPropertyOptional({ maxLength: 100 })
  @Optional() @Trim() @IsString() @IsNotEmpty() @MaxChars(100) @NoControlChars()
  name?: string;

  @ApiPropertyOptional({ enum: UNIT_KINDS })
  @Optional() @IsIn(UNIT_KINDS)
  kind?: UnitKind;
}

export class PairingBody {
  @ApiProperty()
  @IsId()
  communityId!: number;
}
