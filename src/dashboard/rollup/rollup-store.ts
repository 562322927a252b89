import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { MemberRegistration } from '../../members/member-registration.entity';
import { WishEvent } from '../../wishes/wish-event.entity';
import { Wish } from '../../wishes/wish.entity';
import {
  decodeHistograms,
  DURATION_COLUMNS,
  encodeHistograms,
  MEMBER_NUMBERS,
  MemberKey,
  MemberValues,
  mergeValues,
  memberKeyString,
  PackedHistograms,
  ROLLUP_NUMBERS,
  RollupAccumulator,
  RollupKey,
  rollupKeyString,
  RollupValues,
} from './rollup-deltas';
import { BacklogEntry, DashboardRollup, MemberRollup } from './rollup.entities';
import { backlogOf, byTimeline, DURATION_METRICS, effectsOf, TimelineEvent, UnitOf, WishFacts } from './wish-effects';

const CHUNK = 300;

export interface WishHistory {
  facts: WishFacts;
  events: TimelineEvent[];
  unitOf: UnitOf;
}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The member ids a timeline names as claimers (claim: the actor; assign/reassign: the assignee). */
function claimersIn(events: readonly TimelineEvent[]): number[] {
  const ids: number[] = [];
  for (const event of events) {
    if (event.action === 'claim' && event.actorId !== null) ids.push(event.actorId);
    const assignee = event.detail?.memberId;
    if ((event.action === 'assign' || event.action === 'reassign') && typeof assignee === 'number') ids.push(assignee);
  }
  return ids;
}

/** The packed histograms of a stored row; a malformed value reads as none. */
export function parsePackedHistograms(text: string | null | undefined): PackedHistograms {
  if (!text) return {};
  try {
    return JSON.parse(text) as PackedHistograms;
  } catch {
    return {};
  }
}

export function rollupValuesOf(row: { histograms: string | null }): RollupValues {
  const numbers: RollupValues['numbers'] = {};
  const values = row as unknown as Partial<Record<string, unknown>>;
  for (const column of ROLLUP_NUMBERS) numbers[column] = Number(values[column] ?? 0);
  return { numbers, histograms: decodeHistograms(parsePackedHistograms(row.histograms)) };
}

/**
 * Reads what rolling up needs (wish histories, claimers' units) and writes rollup rows, member
 * rows and backlog entries — always through the caller's transaction manager.
 */
@Injectable()
export class RollupStore {
  /** The full timelines of these wishes, with their fixed facts and their claimers' units. */
  async histories(m: EntityManager, wishIds: number[]): Promise<Map<number, WishHistory>> {
    const out = new Map<number, WishHistory>();
    if (wishIds.length === 0) return out;
    const wishes: Wish[] = [];
    const events: WishEvent[] = [];
    for (const ids of chunks([...new Set(wishIds)])) {
      wishes.push(...(await m.find(Wish, { select: { id: true, communityId: true, regionPath: true, category: true, channel: true }, where: { id: In(ids) } })));
      events.push(...(await m.find(WishEvent, { where: { wishId: In(ids) } })));
    }
    const byWish = new Map<number, TimelineEvent[]>();
    for (const event of events) {
      const list = byWish.get(event.wishId) ?? [];
      list.push({ id: event.id, action: event.action, fromStatus: event.fromStatus, toStatus: event.toStatus, actorId: event.actorId, detail: event.detail, at: event.at });
      byWish.set(event.wishId, list);
    }
    const units = await this.registeredUnits(
      m,
      [...byWish.values()].flatMap((timeline) => claimersIn(timeline)),
    );
    for (const wish of wishes) {
      const timeline = (byWish.get(wish.id) ?? []).sort(byTimeline);
      out.set(wish.id, {
        facts: { id: wish.id, communityId: wish.communityId, regionPath: wish.regionPath, category: wish.category, channel: wish.channel },
        events: timeline,
        unitOf: (memberId) => units.get(`${memberId}|${wish.communityId}`) ?? null,
      });
    }
    return out;
  }

  /** `member|community → unit` from approved 双报到 registrations (approval is final, so this never changes). */
  private async registeredUnits(m: EntityManager, memberIds: number[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const ids of chunks([...new Set(memberIds)])) {
      const rows = await m.find(MemberRegistration, { select: { userId: true, communityId: true, unitId: true }, where: { userId: In(ids), status: 'approved' } });
      for (const row of rows) out.set(`${row.userId}|${row.communityId}`, row.unitId);
    }
    return out;
  }

  /** Adds every effect of the chosen events (all events when `eventIds` is omitted) to the accumulator. */
  collect(histories: Map<number, WishHistory>, acc: RollupAccumulator, eventIds?: Set<number>): number {
    let counted = 0;
    for (const history of histories.values()) {
      for (const effect of effectsOf(history.events, history.unitOf)) {
        if (eventIds && !eventIds.has(effect.eventId)) continue;
        acc.add(history.facts, effect);
        counted += 1;
      }
    }
    return counted;
  }

  /** Merges the accumulated deltas into the stored rows. The caller holds the worker lease, so nobody else writes these rows meanwhile. */
  async apply(m: EntityManager, acc: RollupAccumulator): Promise<void> {
    await this.applyRollups(m, acc.take());
    await this.applyMembers(m, [...acc.members.values()]);
  }

  private async applyRollups(m: EntityManager, deltas: Array<{ key: RollupKey; values: RollupValues }>): Promise<void> {
    if (deltas.length === 0) return;
    const merged = new Map(deltas.map(({ key, values }) => [rollupKeyString(key), { key, values: mergeValues({ numbers: {}, histograms: {} }, values) }]));
    const regions = [...new Set(deltas.map((d) => d.key.regionId))];
    const buckets = [...new Set(deltas.map((d) => d.key.bucket))];
    for (const regionIds of chunks(regions, 100)) {
      for (const bucketList of chunks(buckets, 200)) {
        const existing = await m.find(DashboardRollup, { where: { regionId: In(regionIds), bucket: In(bucketList) } });
        for (const row of existing) {
          const entry = merged.get(rollupKeyString(row));
          if (entry) mergeValues(entry.values, rollupValuesOf(row));
        }
      }
    }
    const rows = [...merged.values()].map(({ key, values }) => {
      const row: Record<string, unknown> = { ...key, histograms: encodeHistograms(values.histograms) };
      for (const column of ROLLUP_NUMBERS) row[column] = values.numbers[column] ?? 0;
      return row;
    });
    const keyColumns = ['region_id', 'unit_id', 'grain', 'bucket', 'category', 'channel'];
    const valueColumns = [...ROLLUP_NUMBERS.map(snake), 'histograms'];
    for (const part of chunks(rows, 200)) {
      await m.createQueryBuilder().insert().into(DashboardRollup).values(part).orUpdate(valueColumns, keyColumns).execute();
    }
  }

  private async applyMembers(m: EntityManager, deltas: Array<{ key: MemberKey; values: MemberValues }>): Promise<void> {
    if (deltas.length === 0) return;
    const merged = new Map(deltas.map(({ key, values }) => [memberKeyString(key), { key, values: { unitId: values.unitId, numbers: { ...values.numbers } } }]));
    const members = [...new Set(deltas.map((d) => d.key.memberId))];
    const buckets = [...new Set(deltas.map((d) => d.key.bucket))];
    for (const memberIds of chunks(members, 200)) {
      const existing = await m.find(MemberRollup, { where: { memberId: In(memberIds), bucket: In(buckets) } });
      for (const row of existing) {
        const entry = merged.get(memberKeyString(row));
        if (!entry) continue;
        entry.values.unitId ??= row.unitId;
        for (const column of MEMBER_NUMBERS) entry.values.numbers[column] = (entry.values.numbers[column] ?? 0) + Number(row[column] ?? 0);
      }
    }
    const rows = [...merged.values()].map(({ key, values }) => {
      const row: Record<string, unknown> = { ...key, unitId: values.unitId };
      for (const column of MEMBER_NUMBERS) row[column] = values.numbers[column] ?? 0;
      return row;
    });
    const keyColumns = ['member_id', 'bucket', 'community_id', 'category', 'channel'];
    const valueColumns = ['unit_id', ...MEMBER_NUMBERS.map(snake)];
    for (const part of chunks(rows, 300)) {
      await m.createQueryBuilder().insert().into(MemberRollup).values(part).orUpdate(valueColumns, keyColumns).execute();
    }
  }

  /** Replaces the backlog entries of these wishes by where each stands now. */
  async refreshBacklog(m: EntityManager, histories: Map<number, WishHistory>): Promise<void> {
    const ids = [...histories.keys()];
    for (const part of chunks(ids)) await m.delete(BacklogEntry, { wishId: In(part) });
    const entries: BacklogEntry[] = [];
    for (const { facts, events, unitOf } of histories.values()) {
      const state = backlogOf(events, unitOf);
      if (!state) continue;
      entries.push({
        wishId: facts.id,
        stage: state.stage,
        since: state.since,
        communityId: facts.communityId,
        regionPath: facts.regionPath,
        unitId: state.unitId,
        claimerId: state.claimerId,
        category: facts.category,
        channel: facts.channel,
      });
    }
    for (const part of chunks(entries)) await m.insert(BacklogEntry, part);
  }
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export { DURATION_COLUMNS, DURATION_METRICS };
