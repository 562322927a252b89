import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsNotEmpty, IsString } from 'class-validator';
import { IsId, MaxChars, NoControlChars, Optional } from '../../common/http/dto-rules';
import { REGION_LEVELS, Region, RegionLevel } from '../region.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class RegionView {
  @ApiProperty() id!: number;
  @ApiProperty({ nullable: true, type: Number }) parentId!: number | null;
  @ApiProperty({ enum: REGION_LEVELS }) level!: RegionLevel;
  @ApiProperty({ example: '永安社区' }) name!: string;
  @ApiProperty({ description: 'Materialised path of ids, e.g. /1/2/3/' }) path!: string;
  @ApiProperty({ description: 'Community setting: wishes skip review' }) autoApprove!: boolean;
  @ApiProperty({ description: 'Community setting: fulfilling a wish needs at least one evidence photo' }) requireFulfilmentPhotos!: boolean;

  static of(region: Region): RegionView {
    return {
      id: region.id,
      parentId: region.parentId,
      level: region.level,
      name: region.name,
      path: region.path,
      autoApprove: region.autoApprove,
      requireFulfilmentPhotos: region.requireFulfilmentPhotos,
    };
  }
}

export class CreateRegionBody {
  @ApiProperty({ description: 'Parent region; the new level follows the parent (street → community → grid)' })
  @IsId()
  parentId!: number;

  @ApiProperty({ maxLength: 64, example: '永安社区' })
  @Transform(trim) @IsString() @IsNotEmpty() @MaxChars(64) @NoControlChars()
  name!: string;

  @ApiPropertyOptional({ default: false })
  @Optional() @IsBoolean()
  autoApprove?: boolean;
}

export class UpdateRegionBody {
  @ApiPropertyOptional({ maxLength: 64 })
  @Optional() @Transform(trim) @IsString() @IsNotEmpty() @MaxChars(64) @NoControlChars()
  name?: string;

  @ApiPropertyOptional({ description: 'Communities only: new wishes go straight to open' })
  @Optional() @IsBoolean()
  autoApprove?: boolean;

  @ApiPropertyOptional({ description: 'Communities only: a fulfilment needs at least one evidence photo (default true)' })
  @Optional() @IsBoolean()
  requireFulfilmentPhotos?: boolean;
}
