import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsId, Optional } from '../../common/http/dto-rules';
import { WISH_CATEGORIES, WISH_CHANNELS, WishCategory, WishChannel } from '../../wishes/wish.entity';
import { BACKLOG_STAGES, BacklogStage } from '../rollup/wish-effects';

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Where and what: the filters shared by every dashboard question, with or without a period. */
export class DashboardScopeFilter {
  @ApiPropertyOptional({ description: 'A region inside the caller\'s scope (a street, a community…); default: the whole scope' })
  @Optional() @Type(() => Number) @IsId()
  regionId?: number;

  @ApiPropertyOptional({ description: 'Only what members of this unit did (unit admins: one of their units)' })
  @Optional() @Type(() => Number) @IsId()
  unitId?: number;

  @ApiPropertyOptional({ enum: WISH_CATEGORIES })
  @Optional() @IsIn(WISH_CATEGORIES)
  category?: WishCategory;

  @ApiPropertyOptional({ enum: WISH_CHANNELS })
  @Optional() @IsIn(WISH_CHANNELS)
  channel?: WishChannel;
}

/** The filters every period question takes. Days are Asia/Shanghai calendar days. */
export class DashboardFilterQuery extends DashboardScopeFilter {
  @ApiPropertyOptional({ example: '2026-01-01', description: 'First day (Asia/Shanghai), inclusive. Default: 1 January of the year of `to`.' })
  @Optional() @IsString() @Matches(DAY)
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31', description: 'Last day (Asia/Shanghai), inclusive. Default: today.' })
  @Optional() @IsString() @Matches(DAY)
  to?: string;
}

export const TREND_INTERVALS = ['day', 'week', 'month'] as const;

export class TrendQuery extends DashboardFilterQuery {
  @ApiPropertyOptional({ enum: TREND_INTERVALS, default: 'day', description: 'Weeks start on Monday; at most 400 points' })
  @Optional() @IsIn(TREND_INTERVALS)
  interval: (typeof TREND_INTERVALS)[number] = 'day';
}

export const BREAKDOWN_DIMENSIONS = ['community', 'street', 'unit', 'category', 'channel', 'member'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];
export const BREAKDOWN_SORTS = [
  'name',
  'submitted',
  'approved',
  'claimed',
  'fulfilled',
  'completed',
  'rejected',
  'withdrawn',
  'cancelled',
  'released',
  'completionRate',
  'ratingMean',
  'highShare',
  'meanEndToEndSeconds',
] as const;
export type BreakdownSort = (typeof BREAKDOWN_SORTS)[number];

export class BreakdownQuery extends DashboardFilterQuery {
  @ApiProperty({ enum: BREAKDOWN_DIMENSIONS, description: 'member: the leaderboard, ranked by completed wishes' })
  @IsIn(BREAKDOWN_DIMENSIONS)
  by!: BreakdownDimension;

  @ApiPropertyOptional({ enum: BREAKDOWN_SORTS, description: 'Default: completed for members, submitted otherwise' })
  @Optional() @IsIn(BREAKDOWN_SORTS)
  sort?: BreakdownSort;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @Optional() @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 200 })
  @Optional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit = 200;
}

export class OverdueQuery extends DashboardScopeFilter {
  @ApiPropertyOptional({ enum: BACKLOG_STAGES, description: 'Only this list (needed to page on with `cursor`)' })
  @Optional() @IsIn(BACKLOG_STAGES)
  kind?: BacklogStage;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @Optional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit = 20;

  @ApiPropertyOptional({ description: 'Opaque cursor from the list\'s `nextCursor`' })
  @Optional() @IsString() @MaxLength(200) @Matches(/^[A-Za-z0-9_-]+$/)
  cursor?: string;
}

export class QuotaQuery {
  @ApiPropertyOptional({ example: 2026, description: 'Default: this year (Asia/Shanghai)' })
  @Optional() @Type(() => Number) @IsInt() @Min(2000) @Max(2100)
  year?: number;

  @ApiPropertyOptional()
  @Optional() @Type(() => Number) @IsId()
  regionId?: number;

  @ApiPropertyOptional()
  @Optional() @Type(() => Number) @IsId()
  unitId?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50, description: 'Members without a completed wish per page' })
  @Optional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit = 50;

  @ApiPropertyOptional({ description: 'Opaque cursor from `membersWithoutCompletion.nextCursor`' })
  @Optional() @IsString() @MaxLength(200) @Matches(/^[A-Za-z0-9_-]+$/)
  cursor?: string;
}
