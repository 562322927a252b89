import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser, RequireRoles } from '../auth/decorators';
import type { Principal } from '../auth/principal';
import { DashboardService } from './dashboard.service';
import { BreakdownQuery, DashboardFilterQuery, OverdueQuery, QuotaQuery, TrendQuery } from './dto/dashboard.query';
import { BreakdownView, OverdueView, QuotaView, ScopeView, SummaryView, TrendView } from './dto/dashboard.views';
import { LedgerExportService } from './ledger-export.service';
import { OverdueService } from './overdue.service';
import { QuotaService } from './quota.service';

const FIGURES_NOTE =
  'Figures come from rollups kept up to date by a worker within seconds of each transition (see `pendingEvents`), never from scanning wishes. ' +
  'Medians and p90 are read from log-spaced histograms (bucket ratio 1.1): each is at most 5 % (√1.1 − 1 ≈ 4.9 %) off the exact value. ' +
  'Days are Asia/Shanghai calendar days. Region offices see their subtree, unit admins their units; a region or unit outside the scope answers 404 DASHBOARD_SCOPE_NOT_FOUND.';

/** The office dashboard's JSON API (the page at /dashboard reads it). */
@ApiTags('dashboard')
@Controller('dashboard')
@RequireRoles('community_admin', 'region_admin', 'unit_admin')
@ApiNotFoundResponse({ description: 'DASHBOARD_SCOPE_NOT_FOUND: region or unit outside the caller\'s scope' })
export class DashboardController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly overdue: OverdueService,
    private readonly quota: QuotaService,
    private readonly ledger: LedgerExportService,
  ) {}

  @Get('scope')
  @ApiOperation({ summary: 'What the caller may look at: top regions, units to filter by, overdue thresholds' })
  @ApiOkResponse({ type: ScopeView })
  scope(@CurrentUser() user: Principal): Promise<ScopeView> {
    return this.dashboard.describeScope(user);
  }

  @Get('summary')
  @ApiOperation({ summary: 'Key figures: status counts, funnel, cycle times (median, p90), satisfaction, overdue counts', description: FIGURES_NOTE })
  @ApiOkResponse({ type: SummaryView })
  summary(@CurrentUser() user: Principal, @Query() query: DashboardFilterQuery): Promise<SummaryView> {
    return this.dashboard.summary(user, query);
  }

  @Get('trend')
  @ApiOperation({ summary: 'The key figures per day, week (from Monday) or month', description: FIGURES_NOTE })
  @ApiOkResponse({ type: TrendView })
  trend(@CurrentUser() user: Principal, @Query() query: TrendQuery): Promise<TrendView> {
    return this.dashboard.trend(user, query);
  }

  @Get('breakdown')
  @ApiOperation({
    summary: 'A sortable table by community, street, unit, category, channel, or the member leaderboard (ranked by completed wishes)',
    description: `${FIGURES_NOTE} Durations here are exact means (from sums), not histogram reads.`,
  })
  @ApiOkResponse({ type: BreakdownView })
  breakdown(@CurrentUser() user: Principal, @Query() query: BreakdownQuery): Promise<BreakdownView> {
    return this.dashboard.breakdown(user, query);
  }

  @Get('overdue')
  @ApiOperation({
    summary: 'Wishes open and unclaimed, claimed and unfulfilled, fulfilled and unconfirmed for longer than OVERDUE_*_DAYS, oldest first',
    description: 'Each list has its first page; pass `kind` with `cursor` to page on. Items link to the wish\'s timeline.',
  })
  @ApiOkResponse({ type: OverdueView })
  overdueLists(@CurrentUser() user: Principal, @Query() query: OverdueQuery): Promise<OverdueView> {
    return this.overdue.lists(user, query);
  }

  @Get('quota')
  @ApiOperation({ summary: 'Yearly quota: registered members and paired units with no completed wish this year; completion rate per community and unit' })
  @ApiOkResponse({ type: QuotaView })
  quotaReport(@CurrentUser() user: Principal, @Query() query: QuotaQuery): Promise<QuotaView> {
    return this.quota.quota(user, query);
  }

  @Get('export.xlsx')
  @ApiOperation({ summary: 'The ledger (台账) as .xlsx: one row per wish submitted in the period, plus a summary sheet (streamed)' })
  @ApiProduces('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOkResponse({ description: 'The workbook: sheets 台账 and 汇总', schema: { type: 'string', format: 'binary' } })
  async export(@CurrentUser() user: Principal, @Query() query: DashboardFilterQuery, @Res() reply: FastifyReply): Promise<void> {
    await this.ledger.export(user, query, reply);
  }
}
