import type { WishStatus } from '../../wishes/wish-state';
import { addSample, Histogram, mergeInto } from './histogram';
import { ancestorIds, DURATION_METRICS, DurationMetric, EventEffect, FLOW_COUNTERS, FlowCounter, WishFacts } from './wish-effects';

/**
 * Turns event effects into additive deltas of rollup rows (pure).
 *
 * A rollup row is keyed by (region, unit, grain, bucket, category, channel):
 * - region: every ancestor of the wish's community (community, street, district, city), so a
 *   question about any region reads that region's own rows and never its children's;
 * - unit: 0 for "all units", or the unit whose member held the claim (a unit's own figures);
 * - grain 'd' with a Shanghai day 'YYYY-MM-DD', or 'm' with the month's first day: a long period
 *   reads whole months and only the days at its edges.
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

/** Sums deltas by row key. */
export class RollupAccumulator {
  readonly rollups = new Map<string, { key: RollupKey; values: RollupValues }>();
  readonly members = new Map<string, { key: MemberKey; values: MemberValues }>();

  /** Adds one event's effect on every row it touches. */
  add(facts: WishFacts, effect: EventEffect): void {
    const regions = ancestorIds(facts.regionPath);
    const base = { category: facts.category, channel: facts.channel };
    // The unit credited with a step: the one holding the claim after it, or (release, withdrawal) before it.
    const creditedUnit = effect.unitAfter ?? effect.unitBefore;

    const flow = (values: RollupValues) => {
      if (effect.counter) bump(values.numbers, effect.counter, 1);
      for (const [metric, value] of effect.durations) {
        const [samples, total] = DURATION_COLUMNS[metric];
        bump(values.numbers, samples, 1);
        bump(values.numbers, total, value);
        addSample((values.histograms[metric] ??= {}), value);
      }
      if (effect.rating !== null) {
        bump(values.numbers, 'ratingCount', 1);
        bump(values.numbers, 'ratingSum', effect.rating);
        if (effect.rating >= 4) bump(values.numbers, 'ratingHigh', 1);
      }
    };
    const gaugeFrom = (values: RollupValues) => {
      if (effect.statusFrom) bump(values.numbers, STATUS_GAUGES[effect.statusFrom], -1);
    };
    const gaugeTo = (values: RollupValues) => bump(values.numbers, STATUS_GAUGES[effect.statusTo], 1);
    const statusChanged = effect.statusFrom !== effect.statusTo;

    for (const regionId of regions) {
      for (const grain of ['d', 'm'] as const) {
        const day = grain === 'd' ? effect.day : monthOf(effect.day);
        const cohort = grain === 'd' ? effect.cohortDay : monthOf(effect.cohortDay);
        flow(this.rollup({ regionId, unitId: 0, grain, bucket: day, ...base }));
        if (statusChanged) {
          const all = this.rollup({ regionId, unitId: 0, grain, bucket: cohort, ...base });
          gaugeFrom(all);
          gaugeTo(all);
        }
        if (creditedUnit !== null) flow(this.rollup({ regionId, unitId: creditedUnit, grain, bucket: day, ...base }));
        if (statusChanged || effect.unitBefore !== effect.unitAfter) {
          if (effect.unitBefore !== null) gaugeFrom(this.rollup({ regionId, unitId: effect.unitBefore, grain, bucket: cohort, ...base }));
          if (effect.unitAfter !== null) gaugeTo(this.rollup({ regionId, unitId: effect.unitAfter, grain, bucket: cohort, ...base }));
        }
      }
    }

    for (const change of effect.members) {
      const values = this.member({ memberId: change.memberId, bucket: effect.day, communityId: facts.communityId, ...base }, change.unitId);
      bump(values.numbers, change.change, 1);
      if (change.rating !== null) {
        bump(values.numbers, 'ratingCount', 1);
        bump(values.numbers, 'ratingSum', change.rating);
      }
    }
  }

  get size(): number {
    return this.rollups.size + this.members.size;
  }

  private rollup(key: RollupKey): RollupValues {
    const id = rollupKeyString(key);
    let entry = this.rollups.get(id);
    if (!entry) this.rollups.set(id, (entry = { key, values: { numbers: {}, histograms: {} } }));
    return entry.values;
  }

  private member(key: MemberKey, unitId: number | null): MemberValues {
    const id = memberKeyString(key);
    let entry = this.members.get(id);
    if (!entry) this.members.set(id, (entry = { key, values: { unitId, numbers: {} } }));
    entry.values.unitId ??= unitId;
    return entry.values;
  }
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
