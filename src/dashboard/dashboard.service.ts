import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/time/clock';
import { shanghaiDate } from '../common/time/shanghai';
import { AppConfig } from '../config/app-config';
import { Region } from '../regions/region.entity';
import { Unit } from '../units/unit.entity';
import { User } from '../users/user.entity';
import { WISH_CATEGORIES, WISH_CHANNELS } from '../wishes/wish.entity';
import { DashboardScope, DashboardView } from './dashboard-scope';
import { BreakdownQuery, BreakdownSort, DashboardFilterQuery, TrendQuery } from './dto/dashboard.query';
import { BreakdownRowView, BreakdownView, PeriodView, ScopeView, SummaryView, TrendView } from './dto/dashboard.views';
import { OverdueService } from './overdue.service';
import { DayRange, intervalOf, intervalsOf, resolveRange } from './period';
import { emptyValues, Figures, figuresOf, funnelOf, RollupReader, RowSum } from './rollup-reader';
import { RollupNumber } from './rollup/rollup-deltas';
import { MemberRollup, RollupQueueEntry } from './rollup/rollup.entities';

export const CHANNEL_LABEL: Record<string, string> = { mini_program: '小程序', offline: '线下走访', hotline: '热线电话' };

/** The summary, trend and breakdown questions, answered from rollup rows only. */
@Injectable()
export class DashboardService {
  constructor(
    private readonly scope: DashboardScope,
    private readonly reader: RollupReader,
    private readonly overdue: OverdueService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async describeScope(principal: Principal): Promise<ScopeView> {
    const { regions, units } = await this.scope.describe(principal);
    const { overdueOpenDays: open, overdueClaimedDays: claimed, overdueFulfilledDays: fulfilled } = this.config.dashboard;
    return {
      regions: regions.map((region) => ({ id: region.id, name: region.name, level: region.level })),
      units: units.map((unit) => ({ id: unit.id, name: unit.name })),
      overdueThresholdsDays: { open, claimed, fulfilled },
      today: shanghaiDate(this.clock.now()),
    };
  }

  async summary(principal: Principal, query: DashboardFilterQuery): Promise<SummaryView> {
    const view = await this.scope.resolve(principal, query);
    const range = resolveRange(this.clock.now(), query.from, query.to);
    const [values, overdue, pendingEvents] = await Promise.all([
      this.reader.total(view, range, query),
      this.overdue.counts(view, query),
      this.dataSource.getRepository(RollupQueueEntry).count(),
    ]);
    return { period: periodView(range), ...figuresOf(values), overdue, pendingEvents };
  }

  async trend(principal: Principal, query: TrendQuery): Promise<TrendView> {
    const view = await this.scope.resolve(principal, query);
    const range = resolveRange(this.clock.now(), query.from, query.to);
    const labels = intervalsOf(range, query.interval);
    // Months can be read from month rows (plus the edge days); days and weeks need day rows.
    const rows = await this.reader.rowsFor(view, range, query, query.interval === 'month' ? 'split' : 'days');
    const byInterval = new Map<string, RowSum>();
    for (const row of rows) {
      const label = intervalOf(row.bucket, query.interval);
      byInterval.set(label, (byInterval.get(label) ?? new RowSum()).add(row));
    }
    return {
      period: periodView(range),
      interval: query.interval,
      points: labels.map((label) => {
        const { funnel, cycleTimes, satisfaction } = figuresOf(byInterval.get(label)?.values() ?? emptyValues());
        return { period: label, funnel, cycleTimes, satisfaction };
      }),
    };
  }

  async breakdown(principal: Principal, query: BreakdownQuery): Promise<BreakdownView> {
    const view = await this.scope.resolve(principal, query);
    const range = resolveRange(this.clock.now(), query.from, query.to);
    const sort: BreakdownSort = query.sort ?? (query.by === 'member' ? 'completed' : 'submitted');
    const rows = query.by === 'member' ? await this.leaderboard(view, range, query) : await this.groupRows(view, range, query);
    const direction = query.order === 'asc' ? 1 : -1;
    rows.sort((a, b) => direction * compare(a[sort], b[sort]) || a.name.localeCompare(b.name, 'zh-CN') || a.key.localeCompare(b.key));
    return { period: periodView(range), by: query.by, sort, order: query.order, rows: rows.slice(0, query.limit) };
  }

  private async groupRows(view: DashboardView, range: DayRange, query: BreakdownQuery): Promise<BreakdownRowView[]> {
    const filter = { category: query.category, channel: query.channel };
    switch (query.by) {
      case 'community':
      case 'street': {
        const sums = await this.reader.sums(view, range, filter, 'region', query.by);
        // Every region of that level in scope gets a row, so a community with nothing stands out.
        const qb = this.dataSource.getRepository(Region).createQueryBuilder('g').select(['g.id', 'g.name']).where('g.level = :level', { level: query.by });
        qb.andWhere(`(${view.regionPaths.map((_, i) => `g.path LIKE :p${i}`).join(' OR ') || '1 = 0'})`, Object.fromEntries(view.regionPaths.map((path, i) => [`p${i}`, `${path}%`])));
        const regions = await qb.getMany();
        return fill(regions.map((region) => ({ key: String(region.id), name: region.name })), sums);
      }
      case 'unit': {
        const sums = await this.reader.sums(view, range, filter, 'unit');
        const ids = sums.map((row) => Number(row.key));
        const units = ids.length ? await this.dataSource.getRepository(Unit).find({ select: { id: true, name: true }, where: { id: In(ids) } }) : [];
        return fill(units.map((unit) => ({ key: String(unit.id), name: unit.name })), sums);
      }
      case 'category':
        return fill(WISH_CATEGORIES.filter((c) => !query.category || c === query.category).map((c) => ({ key: c, name: c })), await this.reader.sums(view, range, filter, 'category'));
      case 'channel':
        return fill(WISH_CHANNELS.filter((c) => !query.channel || c === query.channel).map((c) => ({ key: c, name: CHANNEL_LABEL[c] })), await this.reader.sums(view, range, filter, 'channel'));
      case 'member':
        throw new Error('member breakdown is the leaderboard');
    }
  }

  /** Members ranked by wishes completed (not claimed) in the period, from the per-member rollup. */
  private async leaderboard(view: DashboardView, range: DayRange, query: BreakdownQuery): Promise<BreakdownRowView[]> {
    const qb = this.dataSource
      .getRepository(MemberRollup)
      .createQueryBuilder('m')
      .select('m.member_id', 'memberId')
      .addSelect('MAX(m.unit_id)', 'unitId')
      .addSelect('SUM(m.claimed)', 'claimed')
      .addSelect('SUM(m.released)', 'released')
      .addSelect('SUM(m.fulfilled)', 'fulfilled')
      .addSelect('SUM(m.completed)', 'completed')
      .addSelect('SUM(m.rating_count)', 'ratingCount')
      .addSelect('SUM(m.rating_sum)', 'ratingSum')
      .where('m.bucket BETWEEN :from AND :to', range)
      .andWhere(
        `m.community_id IN (SELECT c.id FROM region c WHERE c.level = 'community' AND (${view.regionPaths.map((_, i) => `c.path LIKE :p${i}`).join(' OR ') || '1 = 0'}))`,
        Object.fromEntries(view.regionPaths.map((path, i) => [`p${i}`, `${path}%`])),
      );
    if (!view.unitIds.includes(0)) qb.andWhere('m.unit_id IN (:...units)', { units: view.unitIds });
    if (query.category) qb.andWhere('m.category = :category', { category: query.category });
    if (query.channel) qb.andWhere('m.channel = :channel', { channel: query.channel });
    qb.groupBy('m.member_id').orderBy('completed', 'DESC').addOrderBy('m.member_id', 'ASC');
    const raw = await qb.getRawMany<Record<string, string | number | null>>();
    const memberIds = raw.map((row) => Number(row.memberId));
    const unitIds = [...new Set(raw.map((row) => Number(row.unitId)).filter((id) => id > 0))];
    const [users, units] = await Promise.all([
      memberIds.length ? this.dataSource.getRepository(User).find({ select: { id: true, name: true }, where: { id: In(memberIds) } }) : [],
      unitIds.length ? this.dataSource.getRepository(Unit).find({ select: { id: true, name: true }, where: { id: In(unitIds) } }) : [],
    ]);
    const names = new Map(users.map((user) => [user.id, user.name ?? `党员 ${user.id}`]));
    const unitNames = new Map(units.map((unit) => [unit.id, unit.name]));
    return raw.map((row) => {
      const n = (key: string) => Number(row[key] ?? 0);
      const ratings = n('ratingCount');
      return {
        key: String(row.memberId),
        name: names.get(Number(row.memberId)) ?? `党员 ${row.memberId}`,
        unitName: unitNames.get(Number(row.unitId)) ?? '',
        submitted: 0,
        approved: 0,
        claimed: n('claimed'),
        fulfilled: n('fulfilled'),
        completed: n('completed'),
        rejected: 0,
        withdrawn: 0,
        cancelled: 0,
        released: n('released'),
        completionRate: n('claimed') > 0 ? ratio(n('completed'), n('claimed')) : null,
        ratingMean: ratings > 0 ? Math.round((n('ratingSum') / ratings) * 100) / 100 : null,
        highShare: null,
        meanEndToEndSeconds: null,
      };
    });
  }
}

function periodView(range: DayRange): PeriodView {
  return { from: range.from, to: range.to, timezone: 'Asia/Shanghai' };
}

function ratio(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'string' && typeof b === 'string') return a.localeCompare(b, 'zh-CN');
  return Number(a) - Number(b);
}

/** One table row per named key, with zeros where no rollup row exists. */
/** Breakdown tables show the funnel without disputes (a dispute sends a wish back; it is not a stage). */
function countsWithoutDisputed({ disputed: _disputed, ...counts }: Figures['funnel']): Omit<Figures['funnel'], 'disputed'> {
  return counts;
}

function fill(named: Array<{ key: string; name: string }>, sums: Array<{ key: string; numbers: Partial<Record<RollupNumber, number>> }>): BreakdownRowView[] {
  const byKey = new Map(sums.map((row) => [row.key, row.numbers]));
  return named.map(({ key, name }) => {
    const numbers = byKey.get(key) ?? {};
    const n = (column: RollupNumber) => numbers[column] ?? 0;
    return {
      key,
      name,
      ...countsWithoutDisputed(funnelOf(n)),
      completionRate: ratio(n('completed'), n('submitted')),
      ratingMean: n('ratingCount') > 0 ? Math.round((n('ratingSum') / n('ratingCount')) * 100) / 100 : null,
      highShare: ratio(n('ratingHigh'), n('ratingCount')),
      meanEndToEndSeconds: n('endToEndSamples') > 0 ? Math.round(n('endToEndSeconds') / n('endToEndSamples')) : null,
    };
  });
}
