import { shanghaiDate } from '../../common/time/shanghai';
import type { WishAction, WishStatus } from '../../wishes/wish-state';

/**
 * What each wish event contributes to the dashboard (pure; no Nest, no database).
 *
 * An event's contribution depends only on the wish's own history up to that event, never on
 * what has been applied before, so events can be rolled up in any order, in batches, by any
 * instance, or all over again from wish_event — and always add up to the same numbers.
 */

export const FLOW_COUNTERS = ['submitted', 'approved', 'rejected', 'claimed', 'released', 'fulfilled', 'disputed', 'completed', 'withdrawn', 'cancelled'] as const;
export type FlowCounter = (typeof FLOW_COUNTERS)[number];

/** The funnel step each action counts as (edit and reassign move no step). */
export const COUNTER_OF: Readonly<Record<WishAction, FlowCounter | null>> = {
  submit: 'submitted',
  auto_approve: 'approved',
  approve: 'approved',
  reject: 'rejected',
  edit: null,
  hold_for_review: null,
  claim: 'claimed',
  assign: 'claimed',
  reassign: null,
  release: 'released',
  timeout_release: 'released',
  fulfil: 'fulfilled',
  dispute: 'disputed',
  confirm: 'completed',
  auto_complete: 'completed',
  withdraw: 'withdrawn',
  cancel: 'cancelled',
};

/**
 * Cycle times, each sampled when the interval it measures ends:
 * - review: submission (or a hold for review after an edit) → the office's approve/reject
 *   (automatic approvals are not a review);
 * - toClaim: the wish (last) became open → claimed or assigned;
 * - toFulfil: the current claimer took it (claim/assign/reassign, or a dispute sent it back) → fulfilled;
 * - toConfirm: fulfilled → confirmed or auto-completed;
 * - endToEnd: submission → completed.
 */
export const DURATION_METRICS = ['review', 'toClaim', 'toFulfil', 'toConfirm', 'endToEnd'] as const;
export type DurationMetric = (typeof DURATION_METRICS)[number];

/** Stages an office can act on, each with the time it was entered (the overdue lists). */
export const BACKLOG_STAGES = ['open', 'claimed', 'fulfilled'] as const;
export type BacklogStage = (typeof BACKLOG_STAGES)[number];

export interface TimelineEvent {
  id: number;
  action: WishAction;
  fromStatus: WishStatus | null;
  toStatus: WishStatus;
  actorId: number | null;
  detail: Record<string, unknown> | null;
  at: Date;
}

/** What never changes about a wish. */
export interface WishFacts {
  id: number;
  communityId: number;
  regionPath: string;
  category: string;
  channel: string;
}

/** The unit a member serves this wish's community for (their approved 双报到 registration). */
export type UnitOf = (memberId: number) => number | null;

export interface MemberChange {
  memberId: number;
  unitId: number | null;
  change: 'claimed' | 'released' | 'fulfilled' | 'completed';
  rating: number | null;
}

export interface EventEffect {
  eventId: number;
  /** Shanghai calendar day of the event: flows, durations and ratings count there. */
  day: string;
  /** Shanghai calendar day the wish was submitted: its current status counts there. */
  cohortDay: string;
  counter: FlowCounter | null;
  /** The unit whose member held the claim before and after the event. */
  unitBefore: number | null;
  unitAfter: number | null;
  statusFrom: WishStatus | null;
  statusTo: WishStatus;
  durations: Array<[DurationMetric, number]>;
  rating: number | null;
  members: MemberChange[];
}

export interface BacklogState {
  stage: BacklogStage;
  since: Date;
  claimerId: number | null;
  unitId: number | null;
}

/** Orders a wish's events as its timeline does: by time, then id. */
export function byTimeline(a: TimelineEvent, b: TimelineEvent): number {
  return a.at.getTime() - b.at.getTime() || a.id - b.id;
}

const seconds = (from: Date | null, to: Date): number | null => (from ? Math.max(0, (to.getTime() - from.getTime()) / 1000) : null);

function numberIn(detail: Record<string, unknown> | null, key: string): number | null {
  const value = detail?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Replays a wish's timeline (sorted with `byTimeline`) and returns every event's effect, in
 * the same order. The replay state is only what earlier events of the same wish said.
 */
export function effectsOf(history: readonly TimelineEvent[], unitOf: UnitOf): EventEffect[] {
  const effects: EventEffect[] = [];
  let submittedAt: Date | null = null;
  let reviewRequestedAt: Date | null = null;
  let openedAt: Date | null = null;
  let workStartedAt: Date | null = null;
  let fulfilledAt: Date | null = null;
  let holder: number | null = null;
  let holderUnit: number | null = null;
  let cohortDay: string | null = null;

  for (const event of history) {
    const at = event.at;
    if (event.action === 'submit' || submittedAt === null) {
      submittedAt ??= at;
      reviewRequestedAt ??= at;
      cohortDay ??= shanghaiDate(at);
    }
    const durations: Array<[DurationMetric, number]> = [];
    const members: MemberChange[] = [];
    const unitBefore = holderUnit;
    let rating: number | null = null;
    const sample = (metric: DurationMetric, from: Date | null) => {
      const value = seconds(from, at);
      if (value !== null) durations.push([metric, value]);
    };

    switch (event.action) {
      case 'approve':
      case 'reject':
        sample('review', reviewRequestedAt);
        if (event.action === 'approve') openedAt = at;
        break;
      case 'hold_for_review':
        reviewRequestedAt = at;
        openedAt = null;
        break;
      case 'auto_approve':
        openedAt = at;
        break;
      case 'claim':
      case 'assign': {
        sample('toClaim', openedAt);
        holder = event.action === 'claim' ? event.actorId : numberIn(event.detail, 'memberId');
        holderUnit = holder === null ? null : unitOf(holder);
        workStartedAt = at;
        if (holder !== null) members.push({ memberId: holder, unitId: holderUnit, change: 'claimed', rating: null });
        break;
      }
      case 'reassign': {
        if (holder !== null) members.push({ memberId: holder, unitId: holderUnit, change: 'released', rating: null });
        holder = numberIn(event.detail, 'memberId');
        holderUnit = holder === null ? null : unitOf(holder);
        workStartedAt = at;
        if (holder !== null) members.push({ memberId: holder, unitId: holderUnit, change: 'claimed', rating: null });
        break;
      }
      case 'release':
      case 'timeout_release':
        if (holder !== null) members.push({ memberId: holder, unitId: holderUnit, change: 'released', rating: null });
        holder = null;
        holderUnit = null;
        openedAt = at;
        workStartedAt = null;
        break;
      case 'fulfil':
        sample('toFulfil', workStartedAt);
        fulfilledAt = at;
        if (holder !== null) members.push({ memberId: holder, unitId: holderUnit, change: 'fulfilled', rating: null });
        break;
      case 'dispute':
        fulfilledAt = null;
        workStartedAt = at;
        break;
      case 'confirm':
      case 'auto_complete':
        sample('toConfirm', fulfilledAt);
        sample('endToEnd', submittedAt);
        rating = event.action === 'confirm' ? numberIn(event.detail, 'rating') : null;
        if (holder !== null) members.push({ memberId: holder, unitId: holderUnit, change: 'completed', rating });
        break;
      case 'withdraw':
      case 'cancel':
        holder = null;
        holderUnit = null;
        break;
      case 'submit':
      case 'edit':
        break;
    }

    effects.push({
      eventId: event.id,
      day: shanghaiDate(at),
      cohortDay: cohortDay ?? shanghaiDate(at),
      counter: COUNTER_OF[event.action],
      unitBefore,
      unitAfter: holderUnit,
      statusFrom: event.fromStatus,
      statusTo: event.toStatus,
      durations,
      rating,
      members,
    });
  }
  return effects;
}

/** Where the wish stands now, for the overdue lists; null when nobody needs to act (or it waits for review). */
export function backlogOf(history: readonly TimelineEvent[], unitOf: UnitOf): BacklogState | null {
  let state: BacklogState | null = null;
  let holder: number | null = null;
  let since: Date | null = null;
  for (const event of history) {
    switch (event.action) {
      case 'claim':
        holder = event.actorId;
        since = event.at;
        break;
      case 'assign':
      case 'reassign':
        holder = numberIn(event.detail, 'memberId');
        since = event.at;
        break;
      case 'dispute':
        since = event.at;
        break;
      case 'release':
      case 'timeout_release':
      case 'withdraw':
      case 'cancel':
        holder = null;
        since = event.at;
        break;
      case 'edit':
        break;
      default:
        since = event.at;
    }
    const status = event.toStatus;
    state =
      status === 'open' || status === 'claimed' || status === 'fulfilled'
        ? { stage: status, since: since ?? event.at, claimerId: status === 'open' ? null : holder, unitId: status === 'open' || holder === null ? null : unitOf(holder) }
        : null;
  }
  return state;
}

/** The ids on a materialised path, outermost first: '/1/4/9/' → [1, 4, 9]. */
export function ancestorIds(path: string): number[] {
  return path
    .split('/')
    .filter(Boolean)
    .map(Number)
    .filter((id) => Number.isSafeInteger(id) && id > 0);
}
