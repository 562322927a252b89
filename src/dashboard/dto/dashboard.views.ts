import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { WISH_CATEGORIES, WISH_CHANNELS } from '../../wishes/wish.entity';
import { WISH_STATUSES } from '../../wishes/wish-state';
import { BACKLOG_STAGES } from '../rollup/wish-effects';

const secondsNote = 'seconds; read from a log-spaced histogram, at most 5 % off the exact value';

export class PeriodView {
  @ApiProperty({ example: '2026-01-01' }) from!: string;
  @ApiProperty({ example: '2026-12-31' }) to!: string;
  @ApiProperty({ example: 'Asia/Shanghai' }) timezone!: string;
}

export class StatusCountsView {
  @ApiProperty() pending_review!: number;
  @ApiProperty() open!: number;
  @ApiProperty() claimed!: number;
  @ApiProperty() fulfilled!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty() cancelled!: number;
  @ApiProperty() total!: number;
}

export class FunnelView {
  @ApiProperty() submitted!: number;
  @ApiProperty({ description: 'approve + auto_approve' }) approved!: number;
  @ApiProperty({ description: 'claim + assign' }) claimed!: number;
  @ApiProperty() fulfilled!: number;
  @ApiProperty({ description: 'confirm + auto_complete' }) completed!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({ description: 'withdrawn by the resident' }) withdrawn!: number;
  @ApiProperty({ description: 'cancelled by an office' }) cancelled!: number;
  @ApiProperty({ description: 'release + timeout_release' }) released!: number;
  @ApiProperty() disputed!: number;
}

export class CycleTimeView {
  @ApiProperty() samples!: number;
  @ApiProperty({ nullable: true, type: Number, description: `Median, ${secondsNote}` }) medianSeconds!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: `90th percentile, ${secondsNote}` }) p90Seconds!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Mean, exact (seconds)' }) meanSeconds!: number | null;
}

export class CycleTimesView {
  @ApiProperty({ type: CycleTimeView, description: 'submitted → approved/rejected by an office (automatic approvals excluded)' }) review!: CycleTimeView;
  @ApiProperty({ type: CycleTimeView, description: 'open (published or released) → claimed/assigned' }) toClaim!: CycleTimeView;
  @ApiProperty({ type: CycleTimeView, description: 'claimed (or disputed) → fulfilled' }) toFulfil!: CycleTimeView;
  @ApiProperty({ type: CycleTimeView, description: 'fulfilled → confirmed or auto-completed' }) toConfirm!: CycleTimeView;
  @ApiProperty({ type: CycleTimeView, description: 'submitted → completed' }) endToEnd!: CycleTimeView;
}

export class SatisfactionView {
  @ApiProperty() ratings!: number;
  @ApiProperty({ nullable: true, type: Number, example: 4.62 }) mean!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.9656, description: 'Share of 4–5 star ratings (0–1)' }) highShare!: number | null;
}

export class OverdueThresholdsView {
  @ApiProperty() open!: number;
  @ApiProperty() claimed!: number;
  @ApiProperty() fulfilled!: number;
}

export class OverdueCountsView {
  @ApiProperty({ description: 'open and unclaimed longer than thresholdsDays.open' }) open!: number;
  @ApiProperty({ description: 'claimed and unfulfilled longer than thresholdsDays.claimed' }) claimed!: number;
  @ApiProperty({ description: 'fulfilled and unconfirmed longer than thresholdsDays.fulfilled' }) fulfilled!: number;
  @ApiProperty({ type: OverdueThresholdsView }) thresholdsDays!: OverdueThresholdsView;
}

export class SummaryView {
  @ApiProperty({ type: PeriodView }) period!: PeriodView;
  @ApiProperty({ type: StatusCountsView, description: 'Wishes submitted in the period, by their status now' }) statusCounts!: StatusCountsView;
  @ApiProperty({ type: FunnelView, description: 'Transitions that happened in the period' }) funnel!: FunnelView;
  @ApiProperty({ type: CycleTimesView, description: 'Intervals that ended in the period' }) cycleTimes!: CycleTimesView;
  @ApiProperty({ type: SatisfactionView }) satisfaction!: SatisfactionView;
  @ApiProperty({ type: OverdueCountsView, description: 'Now, regardless of the period' }) overdue!: OverdueCountsView;
  @ApiProperty({ description: 'Events not yet rolled up (the figures lag by these; normally 0 within seconds)' }) pendingEvents!: number;
}

export class TrendPointView {
  @ApiProperty({ example: '2026-03-02', description: 'The day, the Monday of the week, or the first of the month' }) period!: string;
  @ApiProperty({ type: FunnelView }) funnel!: FunnelView;
  @ApiProperty({ type: CycleTimesView }) cycleTimes!: CycleTimesView;
  @ApiProperty({ type: SatisfactionView }) satisfaction!: SatisfactionView;
}

export class TrendView {
  @ApiProperty({ type: PeriodView }) period!: PeriodView;
  @ApiProperty({ enum: ['day', 'week', 'month'] }) interval!: string;
  @ApiProperty({ type: [TrendPointView] }) points!: TrendPointView[];
}

export class BreakdownRowView {
  @ApiProperty({ description: 'Region, unit or member id; the category or channel code' }) key!: string;
  @ApiProperty() name!: string;
  @ApiProperty() submitted!: number;
  @ApiProperty() approved!: number;
  @ApiProperty() claimed!: number;
  @ApiProperty() fulfilled!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty() withdrawn!: number;
  @ApiProperty() cancelled!: number;
  @ApiProperty() released!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'completed ÷ submitted in the period (0–1); members: completed ÷ claimed' }) completionRate!: number | null;
  @ApiProperty({ nullable: true, type: Number }) ratingMean!: number | null;
  @ApiProperty({ nullable: true, type: Number }) highShare!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Mean submitted → completed, seconds' }) meanEndToEndSeconds!: number | null;
  @ApiPropertyOptional({ description: 'Members: their unit' }) unitName?: string;
}

export class BreakdownView {
  @ApiProperty({ type: PeriodView }) period!: PeriodView;
  @ApiProperty({ enum: ['community', 'street', 'unit', 'category', 'channel', 'member'] }) by!: string;
  @ApiProperty() sort!: string;
  @ApiProperty({ enum: ['asc', 'desc'] }) order!: string;
  @ApiProperty({ type: [BreakdownRowView] }) rows!: BreakdownRowView[];
}

export class OverdueItemView {
  @ApiProperty() wishId!: number;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: WISH_CATEGORIES }) category!: string;
  @ApiProperty({ enum: WISH_CHANNELS }) channel!: string;
  @ApiProperty({ enum: WISH_STATUSES }) status!: string;
  @ApiProperty() communityId!: number;
  @ApiProperty() communityName!: string;
  @ApiProperty({ example: '张*兰' }) residentName!: string;
  @ApiProperty({ description: 'When the wish entered this stage (UTC ISO; shown in Asia/Shanghai)' }) since!: string;
  @ApiProperty({ description: 'Whole days in this stage' }) days!: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) claimerId?: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) claimerName?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) unitName?: string | null;
  @ApiProperty({ example: '/api/v1/wishes/42/events', description: 'The wish\'s timeline' }) timelineUrl!: string;
}

export class OverdueListView {
  @ApiProperty({ enum: BACKLOG_STAGES }) kind!: string;
  @ApiProperty() thresholdDays!: number;
  @ApiProperty() total!: number;
  @ApiProperty({ type: [OverdueItemView], description: 'Oldest first' }) items!: OverdueItemView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class OverdueView {
  @ApiProperty({ type: [OverdueListView] }) lists!: OverdueListView[];
}

export class QuotaGroupView {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Members with an approved registration' }) registered!: number;
  @ApiProperty({ description: 'Of them, members with at least one completed wish this year' }) done!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'done ÷ registered (0–1)' }) rate!: number | null;
  @ApiProperty({ description: 'Wishes completed this year by these members' }) completedWishes!: number;
}

export class QuotaUnitView extends QuotaGroupView {
  @ApiProperty({ description: 'Paired (结对) with a community in scope' }) paired!: boolean;
}

export class QuotaMemberView {
  @ApiProperty() memberId!: number;
  @ApiProperty() name!: string;
  @ApiProperty() communityId!: number;
  @ApiProperty() communityName!: string;
  @ApiProperty() unitId!: number;
  @ApiProperty() unitName!: string;
  @ApiProperty({ description: 'Wishes claimed this year (none completed)' }) claimedThisYear!: number;
}

export class QuotaMemberPage {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [QuotaMemberView] }) items!: QuotaMemberView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class QuotaView {
  @ApiProperty() year!: number;
  @ApiProperty({ type: QuotaGroupView, description: 'All members in scope' }) overall!: QuotaGroupView;
  @ApiProperty({ type: [QuotaGroupView] }) communities!: QuotaGroupView[];
  @ApiProperty({ type: [QuotaUnitView] }) units!: QuotaUnitView[];
  @ApiProperty({ type: [QuotaUnitView], description: 'Paired units whose members completed no wish this year' }) unitsWithoutCompletion!: QuotaUnitView[];
  @ApiProperty({ type: QuotaMemberPage, description: 'Registered members with no completed wish this year' }) membersWithoutCompletion!: QuotaMemberPage;
}

export class ScopeRegionView {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty() level!: string;
}

export class ScopeUnitView {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
}

export class ScopeView {
  @ApiProperty({ type: [ScopeRegionView], description: 'Top regions of the caller\'s scope (children via GET /regions/{id}/children)' }) regions!: ScopeRegionView[];
  @ApiProperty({ type: [ScopeUnitView], description: 'Units the caller may filter by' }) units!: ScopeUnitView[];
  @ApiProperty({ type: OverdueThresholdsView }) overdueThresholdsDays!: OverdueThresholdsView;
  @ApiProperty({ example: '2026-03-01', description: 'Today in Asia/Shanghai' }) today!: string;
}
