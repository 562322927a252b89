import type { WishStatus } from '../../wishes/wish-state';
import { bucketOf, Histogram, mergeInto, pack, PackedHistogram, unpack } from './histogram';
import { ancestorIds, DURATION_METRICS, DurationMetric, EventEffect, FLOW_COUNTERS, FlowCounter, WishFacts } from './wish-effects';

/**
 * Turns event effects into additive deltas of rollup rows (pure).
 *
 * A rollup row is keyed by (region, unit, grain, bucket, category, channel):
 * - region: every ancestor of the wish's community (community, street, district, city), so a
 *   question about any region reads that region's own rows and never its children's;
 * - unit: 0 for "all units", or the unit whose member held the claim (a unit's own figures);
 * - grain 'd' with a Shanghai day 'YYYY-MM-DD', or 'm' with the month's first day: a long period
 *   reads whole months and only the days at its edges;
 * - category and channel: the wish's own, or both ALL ('') in a total row.
 *
 * Which rows exist (the reader relies on exactly this):
 * - a community has detail rows only, for all units and per unit (a community gets a wish every
 *   few days, so its rows are few and a total would only repeat them);
 * - a region above has detail rows for all units (category and channel filters, their breakdowns)
 *   and total rows for all units and per unit. An unfiltered question about a street or the city
 *   then reads one row per day or month, however many wishes there are; a unit's figures there by
 *   category or channel are the sum of that unit's community rows below.
 * An event adds to its community's rows; a region's rows above are sums of its communities' rows.
 */
export type Grain = 'd' | 'm';

export const STATUS_GAUGES = {
  pending_review: 'nowPendingReview',
  open: 'nowOpen',
  claimed: 'nowClaimed',
  fulfilled: 'nowFulfilled',
  completed: 'nowCompleted',
  rejected: 'nowRejected',
  cancelled: 'nowCancelled',
} as const satisfies Record<WishStatus, string>;
export type StatusGauge = (typeof STATUS_GAUGES)[WishStatus];

export const DURATION_COLUMNS = {
  review: ['reviewSamples', 'reviewSeconds'],
  toClaim: ['toClaimSamples', 'toClaimSeconds'],
  toFulfil: ['toFulfilSamples', 'toFulfilSeconds'],
  toConfirm: ['toConfirmSamples', 'toConfirmSeconds'],
  endToEnd: ['endToEndSamples', 'endToEndSeconds'],
} as const satisfies Record<DurationMetric, readonly [string, string]>;

/** Every additive numeric column of a rollup row. */
export const ROLLUP_NUMBERS = [
  ...FLOW_COUNTERS,
  ...(Object.values(STATUS_GAUGES) as StatusGauge[]),
  'ratingCount',
  'ratingSum',
  'ratingHigh',
  ...DURATION_METRICS.flatMap((metric) => DURATION_COLUMNS[metric]),
] as const;
export type RollupNumber = (typeof ROLLUP_NUMBERS)[number];

export type Histograms = Partial<Record<DurationMetric, Histogram>>;
/** The `histograms` column: JSON `{ metric: packed histogram }` (see `pack`). */
export type PackedHistograms = Partial<Record<DurationMetric, PackedHistogram>>;

export function encodeHistograms(histograms: Histograms): string {
  const packed: PackedHistograms = {};
  for (const metric of DURATION_METRICS) {
    const histogram = histograms[metric] ? pack(histograms[metric]) : [];
    if (histogram.length > 0) packed[metric] = histogram;
  }
  return JSON.stringify(packed);
}

export function decodeHistograms(packed: PackedHistograms): Histograms {
  const histograms: Histograms = {};
  for (const metric of DURATION_METRICS) if (packed[metric]) histograms[metric] = unpack(packed[metric]);
  return histograms;
}

export interface RollupKey {
  regionId: number;
  unitId: number;
  grain: Grain;
  bucket: string;
  category: string;
  channel: string;
}

export interface RollupValues {
  numbers: Partial<Record<RollupNumber, number>>;
  histograms: Histograms;
}

export interface MemberKey {
  memberId: number;
  bucket: string;
  communityId: number;
  category: string;
  channel: string;
}

export const MEMBER_NUMBERS = ['claimed', 'released', 'fulfilled', 'completed', 'ratingCount', 'ratingSum'] as const;
export type MemberNumber = (typeof MEMBER_NUMBERS)[number];

export interface MemberValues {
  unitId: number | null;
  numbers: Partial<Record<MemberNumber, number>>;
}

export function rollupKeyString(key: RollupKey): string {
  return `${key.regionId}|${key.unitId}|${key.grain}|${key.bucket}|${key.category}|${key.channel}`;
}

export function memberKeyString(key: MemberKey): string {
  return `${key.memberId}|${key.bucket}|${key.communityId}|${key.category}|${key.channel}`;
}

/** First day of the month of a 'YYYY-MM-DD'. */
export function monthOf(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** Category and channel of a total row. */
export const ALL = '';

export interface Row {
  key: RollupKey;
  values: RollupValues;
}

const COLUMN = Object.fromEntries(ROLLUP_NUMBERS.map((column, i) => [column, i])) as Record<RollupNumber, number>;

/**
 * A row while it is being summed: numbers by column index, histogram buckets in maps. A bulk
 * rollup (the seed: millions of rows) spends most of its time adding rows into the rows above.
 */
interface Cells {
  numbers: number[];
  histograms: Partial<Record<DurationMetric, Map<number, number>>>;
}

/** A community's row and the regions above the community, which its figures add to. */
interface CommunityRow {
  key: RollupKey;
  cells: Cells;
  above: number[];
}

/** Sums deltas by row key. */
export class RollupAccumulator {
  private readonly communityRows = new Map<string, CommunityRow>();
  readonly members = new Map<string, { key: MemberKey; values: MemberValues }>();

  /** Adds one event's effect to every row of its community it touches. */
  add(facts: WishFacts, effect: EventEffect): void {
    // The unit credited with a step: the one holding the claim after it, or (release, withdrawal) before it.
    const creditedUnit = effect.unitAfter ?? effect.unitBefore;

    const flow = ({ numbers, histograms }: Cells) => {
      if (effect.counter) numbers[COLUMN[effect.counter]] += 1;
      for (const [metric, value] of effect.durations) {
        const [samples, total] = DURATION_COLUMNS[metric];
        numbers[COLUMN[samples]] += 1;
        numbers[COLUMN[total]] += value;
        const bucket = bucketOf(value);
        const histogram = (histograms[metric] ??= new Map());
        histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
      }
      if (effect.rating !== null) {
        numbers[COLUMN.ratingCount] += 1;
        numbers[COLUMN.ratingSum] += effect.rating;
        if (effect.rating >= 4) numbers[COLUMN.ratingHigh] += 1;
      }
    };
    const gaugeFrom = ({ numbers }: Cells) => {
      if (effect.statusFrom) numbers[COLUMN[STATUS_GAUGES[effect.statusFrom]]] -= 1;
    };
    const gaugeTo = ({ numbers }: Cells) => {
      numbers[COLUMN[STATUS_GAUGES[effect.statusTo]]] += 1;
    };
    const statusChanged = effect.statusFrom !== effect.statusTo;

    for (const grain of ['d', 'm'] as const) {
      const day = grain === 'd' ? effect.day : monthOf(effect.day);
      const cohort = grain === 'd' ? effect.cohortDay : monthOf(effect.cohortDay);
      const row = (unitId: number, bucket: string) => this.communityRow(facts, unitId, grain, bucket);
      flow(row(0, day));
      if (statusChanged) {
        const all = row(0, cohort);
        gaugeFrom(all);
        gaugeTo(all);
      }
      if (creditedUnit !== null) flow(row(creditedUnit, day));
      if (statusChanged || effect.unitBefore !== effect.unitAfter) {
        if (effect.unitBefore !== null) gaugeFrom(row(effect.unitBefore, cohort));
        if (effect.unitAfter !== null) gaugeTo(row(effect.unitAfter, cohort));
      }
    }

    for (const change of effect.members) {
      const values = this.member({ memberId: change.memberId, bucket: effect.day, communityId: facts.communityId, category: facts.category, channel: facts.channel }, change.unitId);
      bump(values.numbers, change.change, 1);
      if (change.rating !== null) {
        bump(values.numbers, 'ratingCount', 1);
        bump(values.numbers, 'ratingSum', change.rating);
      }
    }
  }

  /**
   * Removes the community rows that `done` picks (all when omitted) and returns them with the rows
   * of the regions above that they add up to. The rows above are complete only if every community
   * row of their bucket is taken at once (the seed takes whole days and months).
   */
  take(done?: (key: RollupKey) => boolean): Row[] {
    const taken = new Map<string, { key: RollupKey; cells: Cells }>();
    for (const [id, row] of this.communityRows) {
      if (done && !done(row.key)) continue;
      this.communityRows.delete(id);
      taken.set(id, row);
      const { unitId, grain, bucket, category, channel } = row.key;
      const into = (regionId: number, category: string, channel: string) => {
        const aboveId = `${regionId}|${unitId}|${grain}|${bucket}|${category}|${channel}`;
        const above = taken.get(aboveId);
        if (above) addCells(above.cells, row.cells);
        else taken.set(aboveId, { key: { regionId, unitId, grain, bucket, category, channel }, cells: addCells(emptyCells(), row.cells) });
      };
      for (const regionId of row.above) {
        if (unitId === 0) into(regionId, category, channel);
        into(regionId, ALL, ALL);
      }
    }
    return [...taken.values()].map(({ key, cells }) => ({ key, values: valuesOf(cells) }));
  }

  private communityRow(facts: WishFacts, unitId: number, grain: Grain, bucket: string): Cells {
    // The key string is built without a key object: most calls find a row that already exists.
    const id = `${facts.communityId}|${unitId}|${grain}|${bucket}|${facts.category}|${facts.channel}`;
    let row = this.communityRows.get(id);
    if (!row) {
      const key = { regionId: facts.communityId, unitId, grain, bucket, category: facts.category, channel: facts.channel };
      this.communityRows.set(id, (row = { key, cells: emptyCells(), above: ancestorIds(facts.regionPath).slice(0, -1) }));
    }
    return row.cells;
  }

  private member(key: MemberKey, unitId: number | null): MemberValues {
    const id = memberKeyString(key);
    let entry = this.members.get(id);
    if (!entry) this.members.set(id, (entry = { key, values: { unitId, numbers: {} } }));
    entry.values.unitId ??= unitId;
    return entry.values;
  }
}

function emptyCells(): Cells {
  return { numbers: new Array<number>(ROLLUP_NUMBERS.length).fill(0), histograms: {} };
}

/** Adds `delta` into `into` (in place). */
function addCells(into: Cells, delta: Cells): Cells {
  for (let i = 0; i < delta.numbers.length; i++) into.numbers[i] += delta.numbers[i];
  for (const metric of DURATION_METRICS) {
    const from = delta.histograms[metric];
    if (!from) continue;
    const target = (into.histograms[metric] ??= new Map());
    for (const [bucket, count] of from) target.set(bucket, (target.get(bucket) ?? 0) + count);
  }
  return into;
}

function valuesOf({ numbers, histograms }: Cells): RollupValues {
  const out: RollupValues = { numbers: {}, histograms: {} };
  ROLLUP_NUMBERS.forEach((column, i) => {
    if (numbers[i] !== 0) out.numbers[column] = numbers[i];
  });
  for (const metric of DURATION_METRICS) {
    const histogram = histograms[metric];
    if (histogram) out.histograms[metric] = Object.fromEntries(histogram);
  }
  return out;
}

function bump<K extends string>(numbers: Partial<Record<K, number>>, key: K, by: number): void {
  numbers[key] = (numbers[key] ?? 0) + by;
}

/** Adds `delta` into `into` (in place). */
export function mergeValues(into: RollupValues, delta: RollupValues): RollupValues {
  for (const [key, value] of Object.entries(delta.numbers) as [RollupNumber, number][]) bump(into.numbers, key, value);
  for (const metric of DURATION_METRICS) {
    if (delta.histograms[metric]) into.histograms[metric] = mergeInto(into.histograms[metric] ?? {}, delta.histograms[metric]);
  }
  return into;
}

export type { FlowCounter };
