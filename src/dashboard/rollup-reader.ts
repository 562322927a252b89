import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, SelectQueryBuilder, WhereExpressionBuilder } from 'typeorm';
import type { DashboardView } from './dashboard-scope';
import { DayRange, splitRange } from './period';
import { mergeInto, quantile, sampleCount } from './rollup/histogram';
import { DURATION_COLUMNS, mergeValues, ROLLUP_NUMBERS, RollupNumber, RollupValues, STATUS_GAUGES } from './rollup/rollup-deltas';
import { DashboardRollup } from './rollup/rollup.entities';
import { rollupValuesOf } from './rollup/rollup-store';
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

/** A rollup row as read for figures: its bucket, its numbers and its histograms (JSON). */
export type RollupRow = Pick<DashboardRollup, 'bucket' | 'histograms'> & Partial<Record<RollupNumber, number | string>>;

/** Adds row values of the same key list into per-key totals. */
export function sumInto(target: Map<string, RollupValues>, key: string, row: RollupRow): void {
  const values = target.get(key) ?? emptyValues();
  mergeValues(values, rollupValuesOf(row));
  target.set(key, values);
}

export { mergeInto, sampleCount };

/** Reads rollup rows for a view, a period and dimension filters. Never touches the wish table. */
@Injectable()
export class RollupReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The rows that together cover the period once: whole months from month rows, edge days from day rows. */
  async rowsFor(view: DashboardView, range: DayRange, filter: DimensionFilter, grainOf: 'split' | 'days' = 'split'): Promise<RollupRow[]> {
    // Raw rows, not entities: hydrating a thousand wide entities costs more than the query itself.
    const qb = this.dataSource.getRepository(DashboardRollup).createQueryBuilder('r').select('r.bucket', 'bucket').addSelect('r.histograms', 'histograms');
    for (const number of ROLLUP_NUMBERS) qb.addSelect(`r.${snake(number)}`, number);
    this.scope(qb, view);
    this.dimensions(qb, filter);
    if (grainOf === 'days') qb.andWhere("r.grain = 'd' AND r.bucket BETWEEN :from AND :to", range);
    else periodCondition(qb, range);
    return qb.getRawMany<RollupRow>();
  }

  /** Sums the whole view over the period. */
  async total(view: DashboardView, range: DayRange, filter: DimensionFilter): Promise<RollupValues> {
    const values = emptyValues();
    for (const row of await this.rowsFor(view, range, filter)) mergeValues(values, rollupValuesOf(row));
    return values;
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
    const column = { region: 'r.region_id', unit: 'r.unit_id', category: 'r.category', channel: 'r.channel' }[groupBy];
    qb.select(`${column}`, 'key');
    for (const number of ROLLUP_NUMBERS) qb.addSelect(`SUM(r.${snake(number)})`, number);
    if (groupBy === 'region') {
      qb.innerJoin('region', 'g', 'g.id = r.region_id').andWhere('g.level = :level', { level: regionLevel });
      pathCondition(qb, 'g.path', view.regionPaths);
      qb.andWhere('r.unit_id IN (:...units)', { units: view.unitIds });
    } else if (groupBy === 'unit') {
      qb.andWhere('r.region_id IN (:...regions)', { regions: view.regionIds });
      qb.andWhere(view.unitIds.includes(0) ? 'r.unit_id <> 0' : 'r.unit_id IN (:...units)', { units: view.unitIds });
    } else {
      this.scope(qb, view);
    }
    this.dimensions(qb, filter);
    periodCondition(qb, range);
    qb.groupBy(column);
    const raw = await qb.getRawMany<Record<string, string | number | null>>();
    return raw.map((row) => ({
      key: String(row.key),
      numbers: Object.fromEntries(ROLLUP_NUMBERS.map((number) => [number, Number(row[number] ?? 0)])) as Partial<Record<RollupNumber, number>>,
    }));
  }

  private scope(qb: WhereExpressionBuilder, view: DashboardView): void {
    qb.andWhere('r.region_id IN (:...regions)', { regions: view.regionIds.length ? view.regionIds : [0] });
    qb.andWhere('r.unit_id IN (:...units)', { units: view.unitIds });
  }

  private dimensions(qb: WhereExpressionBuilder, filter: DimensionFilter): void {
    if (filter.category) qb.andWhere('r.category = :category', { category: filter.category });
    if (filter.channel) qb.andWhere('r.channel = :channel', { channel: filter.channel });
  }
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

export type { SelectQueryBuilder };
