import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, ObjectLiteral, SelectQueryBuilder, WhereExpressionBuilder } from 'typeorm';
import { DashboardView, isAllUnits } from './dashboard-scope';
import { DayRange, splitRange } from './period';
import { DenseSum, mergeInto, quantile, sampleCount } from './rollup/histogram';
import { ALL, DURATION_COLUMNS, ROLLUP_NUMBERS, RollupNumber, RollupValues, STATUS_GAUGES } from './rollup/rollup-deltas';
import { DashboardRollup } from './rollup/rollup.entities';
import { parsePackedHistograms } from './rollup/rollup-store';
import { DURATION_METRICS, DurationMetric } from './rollup/wish-effects';

export interface DimensionFilter {
  category?: string;
  channel?: string;
}

export interface CycleTime {
  samples: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
  meanSeconds: number | null;
}

export interface Figures {
  statusCounts: Record<keyof typeof STATUS_GAUGES | 'total', number>;
  funnel: { submitted: number; approved: number; claimed: number; fulfilled: number; completed: number; rejected: number; withdrawn: number; cancelled: number; released: number; disputed: number };
  cycleTimes: Record<DurationMetric, CycleTime>;
  satisfaction: { ratings: number; mean: number | null; highShare: number | null };
}

export const FUNNEL_COUNTERS = ['submitted', 'approved', 'claimed', 'fulfilled', 'completed', 'rejected', 'withdrawn', 'cancelled', 'released', 'disputed'] as const;

/** The funnel counters, read from summed rollup numbers. */
export function funnelOf(n: (column: RollupNumber) => number): Figures['funnel'] {
  return Object.fromEntries(FUNNEL_COUNTERS.map((column) => [column, n(column)])) as Figures['funnel'];
}

export const emptyValues = (): RollupValues => ({ numbers: {}, histograms: {} });

/** Turns summed rollup values into the dashboard's figures (medians and p90 from the merged histograms). */
export function figuresOf(values: RollupValues): Figures {
  const n = (column: RollupNumber) => values.numbers[column] ?? 0;
  const statusCounts = Object.fromEntries(Object.entries(STATUS_GAUGES).map(([status, column]) => [status, n(column)])) as Figures['statusCounts'];
  statusCounts.total = Object.values(STATUS_GAUGES).reduce((sum, column) => sum + n(column), 0);
  const cycleTimes = Object.fromEntries(
    DURATION_METRICS.map((metric) => {
      const [samplesColumn, secondsColumn] = DURATION_COLUMNS[metric];
      const histogram = values.histograms[metric] ?? {};
      const samples = n(samplesColumn);
      return [
        metric,
        {
          samples,
          medianSeconds: roundOrNull(quantile(histogram, 0.5)),
          p90Seconds: roundOrNull(quantile(histogram, 0.9)),
          meanSeconds: samples > 0 ? Math.round(n(secondsColumn) / samples) : null,
        },
      ];
    }),
  ) as Figures['cycleTimes'];
  const ratings = n('ratingCount');
  return {
    statusCounts,
    funnel: funnelOf(n),
    cycleTimes,
    satisfaction: {
      ratings,
      mean: ratings > 0 ? Math.round((n('ratingSum') / ratings) * 100) / 100 : null,
      highShare: ratings > 0 ? Math.round((n('ratingHigh') / ratings) * 10_000) / 10_000 : null,
    },
  };
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}

/** A rollup row as read for figures: its bucket, its numbers and its histograms (packed JSON). */
export type RollupRow = Pick<DashboardRollup, 'bucket' | 'histograms'> & Partial<Record<RollupNumber, number | string>>;

/** Sums rows as read (the hot path of every summary and trend): histograms are added packed, without building maps per row. */
export class RowSum {
  private readonly numbers = new Array<number>(ROLLUP_NUMBERS.length).fill(0);
  private readonly histograms = new Map<DurationMetric, DenseSum>(DURATION_METRICS.map((metric) => [metric, new DenseSum()]));

  add(row: RollupRow): this {
    ROLLUP_NUMBERS.forEach((column, i) => (this.numbers[i] += Number(row[column] ?? 0)));
    const packed = parsePackedHistograms(row.histograms);
    for (const [metric, sum] of this.histograms) sum.add(packed[metric]);
    return this;
  }

  values(): RollupValues {
    const values = emptyValues();
    ROLLUP_NUMBERS.forEach((column, i) => (values.numbers[column] = this.numbers[i]));
    for (const [metric, sum] of this.histograms) values.histograms[metric] = sum.histogram();
    return values;
  }
}

export { mergeInto, sampleCount };

/** Reads rollup rows for a view, a period and dimension filters. Never touches the wish table. */
@Injectable()
export class RollupReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The rows that together cover the period once: whole months from month rows, edge days from day rows. */
  async rowsFor(view: DashboardView, range: DayRange, filter: DimensionFilter, grainOf: 'split' | 'days' = 'split'): Promise<RollupRow[]> {
    // Raw rows, not entities: hydrating wide entities costs more than the query itself.
    const qb = this.dataSource.getRepository(DashboardRollup).createQueryBuilder('r').select('r.bucket', 'bucket').addSelect('r.histograms', 'histograms');
    for (const number of ROLLUP_NUMBERS) qb.addSelect(`r.${snake(number)}`, number);
    qb.andWhere(storedRows(view, filter, { split: false, units: 'view' }));
    dimensions(qb, filter);
    if (grainOf === 'days') qb.andWhere("r.grain = 'd' AND r.bucket BETWEEN :from AND :to", range);
    else periodCondition(qb, range);
    return qb.getRawMany<RollupRow>();
  }

  /** Sums the whole view over the period. */
  async total(view: DashboardView, range: DayRange, filter: DimensionFilter): Promise<RollupValues> {
    const sum = new RowSum();
    for (const row of await this.rowsFor(view, range, filter)) sum.add(row);
    return sum.values();
  }

  /**
   * Counter and duration sums grouped by one column, computed by the database (no histograms):
   * the breakdown tables. `regionLevel` groups by the regions of that level below the view.
   */
  async sums(
    view: DashboardView,
    range: DayRange,
    filter: DimensionFilter,
    groupBy: 'region' | 'unit' | 'category' | 'channel',
    regionLevel?: 'community' | 'street',
  ): Promise<Array<{ key: string; numbers: Partial<Record<RollupNumber, number>> }>> {
    const qb = this.dataSource.getRepository(DashboardRollup).createQueryBuilder('r');
    let column = { region: 'r.region_id', unit: 'r.unit_id', category: 'r.category', channel: 'r.channel' }[groupBy];
    if (groupBy === 'region') column = regionGroups(qb, view, filter, regionLevel ?? 'community');
    else if (groupBy === 'unit') qb.andWhere(storedRows(view, filter, { split: false, units: 'each' }));
    else qb.andWhere(storedRows(view, filter, { split: true, units: 'view' }));
    qb.select(column, 'key');
    for (const number of ROLLUP_NUMBERS) qb.addSelect(`SUM(r.${snake(number)})`, number);
    dimensions(qb, filter);
    periodCondition(qb, range);
    qb.groupBy(column);
    const raw = await qb.getRawMany<Record<string, string | number | null>>();
    return raw.map((row) => ({
      key: String(row.key),
      numbers: Object.fromEntries(ROLLUP_NUMBERS.map((number) => [number, Number(row[number] ?? 0)])) as Partial<Record<RollupNumber, number>>,
    }));
  }
}

function isFiltered(filter: DimensionFilter): boolean {
  return Boolean(filter.category || filter.channel);
}

function dimensions(qb: WhereExpressionBuilder, filter: DimensionFilter): void {
  if (filter.category) qb.andWhere('r.category = :category', { category: filter.category });
  if (filter.channel) qb.andWhere('r.channel = :channel', { channel: filter.channel });
}

/**
 * The stored rows that hold a view's figures once (which rows exist: rollup-deltas.ts).
 * - Communities of the view: their detail rows.
 * - Regions above: their total rows, unless the question filters or splits by category or channel;
 *   then their detail rows for all units, or for a unit the detail rows of the communities below.
 * `units: 'each'` reads every single unit's rows instead of the view's units (the unit breakdown).
 */
function storedRows(view: DashboardView, filter: DimensionFilter, options: { split: boolean; units: 'view' | 'each' }): Brackets {
  const upper = view.regionIds.map((id, i) => ({ id, path: view.regionPaths[i] })).filter(({ id }) => !view.communityIds.includes(id));
  const everyUnit = options.units === 'each' && isAllUnits(view);
  const units = everyUnit ? 'r.unit_id <> 0' : 'r.unit_id IN (:...scopeUnits)';
  const unitRows = everyUnit || !isAllUnits(view);
  const detail = options.split || isFiltered(filter);
  const parts: Array<[string, ObjectLiteral]> = [];
  if (view.communityIds.length > 0) parts.push([`r.region_id IN (:...scopeCommunities) AND ${units}`, { scopeCommunities: view.communityIds }]);
  if (upper.length > 0 && !detail) {
    parts.push([`r.region_id IN (:...scopeUpper) AND ${units} AND r.category = :all AND r.channel = :all`, { scopeUpper: upper.map((r) => r.id), all: ALL }]);
  } else if (upper.length > 0 && !unitRows) {
    parts.push([`r.region_id IN (:...scopeUpper) AND r.unit_id = 0 AND r.category <> :all AND r.channel <> :all`, { scopeUpper: upper.map((r) => r.id), all: ALL }]);
  } else if (upper.length > 0) {
    const below = upper.map((_, i) => `c.path LIKE :scopePath${i}`).join(' OR ');
    const paths = Object.fromEntries(upper.map(({ path }, i) => [`scopePath${i}`, `${path}%`]));
    parts.push([`${units} AND r.region_id IN (SELECT c.id FROM region c WHERE c.level = 'community' AND (${below}))`, paths]);
  }
  return new Brackets((where) => {
    if (parts.length === 0) where.where('1 = 0');
    for (const [sql, params] of parts) where.orWhere(`(${sql})`, { scopeUnits: view.unitIds, ...params });
  });
}

/**
 * Restricts to the rows of the regions of one level below the view and returns the column to
 * group them by. A street's detail rows hold all units only, so a unit's street figures by
 * category or channel are its community rows grouped by their street (a community's parent).
 */
function regionGroups(qb: SelectQueryBuilder<DashboardRollup>, view: DashboardView, filter: DimensionFilter, level: 'community' | 'street'): string {
  const fromCommunities = level === 'street' && isFiltered(filter) && !isAllUnits(view);
  qb.innerJoin('region', 'g', 'g.id = r.region_id').andWhere('g.level = :level', { level: fromCommunities ? 'community' : level });
  pathCondition(qb, 'g.path', view.regionPaths);
  qb.andWhere('r.unit_id IN (:...units)', { units: view.unitIds });
  if (level === 'street' && !isFiltered(filter)) qb.andWhere('r.category = :all AND r.channel = :all', { all: ALL });
  return fromCommunities ? 'g.parent_id' : 'r.region_id';
}

/** `(month rows of the whole months) OR (day rows of the edge days)`. */
export function periodCondition(qb: WhereExpressionBuilder, range: DayRange): void {
  const { months, days } = splitRange(range);
  qb.andWhere(
    new Brackets((period) => {
      if (months) period.orWhere("(r.grain = 'm' AND r.bucket BETWEEN :monthFrom AND :monthTo)", { monthFrom: months.from, monthTo: months.to });
      days.forEach((edge, i) => period.orWhere(`(r.grain = 'd' AND r.bucket BETWEEN :dayFrom${i} AND :dayTo${i})`, { [`dayFrom${i}`]: edge.from, [`dayTo${i}`]: edge.to }));
    }),
  );
}

/** `column LIKE '/1/4/%' OR …` for the view's subtrees. */
export function pathCondition(qb: WhereExpressionBuilder, column: string, paths: string[]): void {
  qb.andWhere(
    new Brackets((scope) => {
      if (paths.length === 0) scope.where('1 = 0');
      paths.forEach((path, i) => scope.orWhere(`${column} LIKE :path${i}`, { [`path${i}`]: `${path}%` }));
    }),
  );
}

export function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

