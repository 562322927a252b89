import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager, In, SelectQueryBuilder } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { decodeCursor } from '../common/pagination';
import { TransactionRunner } from '../database/transaction-runner';
import type { Actor, WishAction, WishStatus } from './wish-state';
import { claimSlotDelta } from './wish-state';
import { WishEventBus } from './wish-event-bus';
import { WishEvent } from './wish-event.entity';
import { MemberClaimLoad, Wish } from './wish.entity';

export interface TransitionWrite {
  /** The wish as read inside this transaction. */
  wish: Pick<Wish, 'id' | 'status' | 'communityId' | 'claimerId'>;
  action: WishAction;
  to: WishStatus;
  actor: { id: number | null; kind: Actor; role: string };
  reason?: string | null;
  detail?: Record<string, unknown> | null;
  /** Columns to set together with the status. */
  set?: QueryDeepPartialEntity<Wish>;
  now: Date;
  /** The member taking a claim slot (claim, assign, reassign); defaults to the current claimer. */
  newClaimerId?: number | null;
  /** Enforce the active-claim limit on the new claimer (claim, assign, reassign; not dispute). */
  claimLimit?: number;
}

export type TransitionOutcome = { ok: true; event: WishEvent } | { ok: false; reason: 'lost_race' | 'claim_limit' };

export interface ListFilter {
  communityIds?: number[];
  pathPrefixes?: string[];
  residentId?: number;
  claimerId?: number;
  claimerUnitIds?: number[];
  statuses?: WishStatus[];
  category?: string;
  cursor?: string;
  limit: number;
}

/** Purpose-named queries over wishes and their events. */
@Injectable()
export class WishRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly eventBus: WishEventBus,
  ) {}

  private manager(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async findById(id: number, manager?: EntityManager): Promise<Wish | null> {
    return this.withNames(this.manager(manager).createQueryBuilder(Wish, 'w')).where('w.id = :id', { id }).getOne();
  }

  /**
   * Reads the status with a locking read on MySQL, so a transaction that lost a race sees the
   * winner's committed state rather than its own snapshot. (SQLite transactions run one at a time.)
   */
  async currentStatus(manager: EntityManager, id: number): Promise<WishStatus | null> {
    const qb = manager.createQueryBuilder(Wish, 'w').select(['w.id', 'w.status']).where('w.id = :id', { id });
    if (manager.connection.options.type !== 'better-sqlite3') qb.setLock('pessimistic_read');
    return (await qb.getOne())?.status ?? null;
  }

  async findByIdempotencyKey(createdBy: number, key: string): Promise<Wish | null> {
    return this.withNames(this.dataSource.manager.createQueryBuilder(Wish, 'w'))
      .where('w.created_by = :createdBy AND w.idempotency_key = :key', { createdBy, key })
      .getOne();
  }

  async countActiveOfResident(residentId: number, statuses: readonly WishStatus[]): Promise<number> {
    return this.dataSource.manager.count(Wish, { where: { residentId, status: In([...statuses]) } });
  }

  async countSubmittedSince(createdBy: number, since: Date): Promise<number> {
    return this.dataSource.manager
      .createQueryBuilder(Wish, 'w')
      .where('w.created_by = :createdBy AND w.channel = :channel AND w.created_at >= :since', { createdBy, channel: 'mini_program', since })
      .getCount();
  }

  async insertWish(manager: EntityManager, wish: Partial<Wish>): Promise<Wish> {
    return manager.getRepository(Wish).save(manager.getRepository(Wish).create(wish));
  }

  /** The one place wish events are written; subscribers of the bus write their follow-up rows in the same transaction. */
  async insertEvent(manager: EntityManager, event: Omit<WishEvent, 'id' | 'wish'>): Promise<WishEvent> {
    const saved = await manager.getRepository(WishEvent).save(manager.getRepository(WishEvent).create(event));
    await this.eventBus.publishInTransaction(manager, saved);
    return saved;
  }

  /**
   * Applies one transition: a conditional update on (id, expected status), the claimer's slot
   * count, and the event — all in the caller's transaction. The conditional update's affected-row
   * count decides races: of N concurrent claims exactly one sees `affected = 1`.
   */
  async applyTransition(manager: EntityManager, write: TransitionWrite): Promise<TransitionOutcome> {
    const { wish, to, now } = write;
    const from = wish.status;
    const updated = await manager
      .createQueryBuilder()
      .update(Wish)
      .set({ ...write.set, status: to, updatedAt: now, version: () => 'version + 1' })
      .where('id = :id AND status = :from', { id: wish.id, from })
      .execute();
    if (!updated.affected) return { ok: false, reason: 'lost_race' };

    const newClaimer = write.newClaimerId ?? wish.claimerId;
    if (write.action === 'reassign') {
      if (wish.claimerId) await this.moveSlot(manager, wish.claimerId, -1);
      if (newClaimer && !(await this.takeSlot(manager, newClaimer, write.claimLimit))) return { ok: false, reason: 'claim_limit' };
    } else {
      const delta = claimSlotDelta(from, to);
      if (delta > 0 && newClaimer && !(await this.takeSlot(manager, newClaimer, write.claimLimit))) return { ok: false, reason: 'claim_limit' };
      if (delta < 0 && wish.claimerId) await this.moveSlot(manager, wish.claimerId, -1);
    }

    const event = await this.insertEvent(manager, {
      wishId: wish.id,
      communityId: wish.communityId,
      action: write.action,
      fromStatus: from,
      toStatus: to,
      actorId: write.actor.id,
      actorKind: write.actor.kind,
      actorRole: write.actor.role,
      reason: write.reason ?? null,
      detail: write.detail ?? null,
      at: now,
    });
    return { ok: true, event };
  }

  /**
   * Makes sure the member has a claim-load row, in its own short statement before the claim's
   * transaction: creating it inside contended claim transactions would take gap locks that
   * deadlock two first claims by the same member.
   */
  async ensureClaimLoad(userId: number): Promise<void> {
    if (await this.dataSource.manager.exists(MemberClaimLoad, { where: { userId } })) return;
    await this.tx.run((m) => m.createQueryBuilder().insert().into(MemberClaimLoad).values({ userId, activeClaims: 0 }).orIgnore().execute());
  }

  /** Checked increment: succeeds only while the member holds fewer than `limit` active claims. */
  private async takeSlot(manager: EntityManager, userId: number, limit?: number): Promise<boolean> {
    const qb = manager
      .createQueryBuilder()
      .update(MemberClaimLoad)
      .set({ activeClaims: () => 'active_claims + 1' })
      .where('user_id = :userId', { userId });
    if (limit !== undefined) qb.andWhere('active_claims < :limit', { limit });
    return Boolean((await qb.execute()).affected);
  }

  private async moveSlot(manager: EntityManager, userId: number, delta: -1): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(MemberClaimLoad)
      .set({ activeClaims: () => `active_claims ${delta < 0 ? '-' : '+'} 1` })
      .where('user_id = :userId AND active_claims > 0', { userId })
      .execute();
  }

  /** Keyset page of wishes, newest first; `limit + 1` rows so the caller knows whether more exist. */
  async list(filter: ListFilter): Promise<Wish[]> {
    const qb = this.withNames(this.dataSource.manager.createQueryBuilder(Wish, 'w'));
    if (filter.communityIds) qb.andWhere('w.community_id IN (:...communityIds)', { communityIds: filter.communityIds.length ? filter.communityIds : [0] });
    if (filter.pathPrefixes) {
      const prefixes = filter.pathPrefixes;
      qb.andWhere(
        new Brackets((scope) => {
          if (prefixes.length === 0) scope.where('1 = 0');
          prefixes.forEach((prefix, i) => scope.orWhere(`w.region_path LIKE :prefix${i}`, { [`prefix${i}`]: `${prefix}%` }));
        }),
      );
    }
    if (filter.residentId !== undefined) qb.andWhere('w.resident_id = :residentId', { residentId: filter.residentId });
    if (filter.claimerId !== undefined) qb.andWhere('w.claimer_id = :claimerId', { claimerId: filter.claimerId });
    if (filter.claimerUnitIds) qb.andWhere('w.claimer_unit_id IN (:...unitIds)', { unitIds: filter.claimerUnitIds.length ? filter.claimerUnitIds : [0] });
    if (filter.statuses) qb.andWhere('w.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter.category) qb.andWhere('w.category = :category', { category: filter.category });
    const cursor = decodeCursor(filter.cursor);
    if (cursor) qb.andWhere('(w.created_at < :at OR (w.created_at = :at AND w.id < :cursorId))', { at: cursor.at, cursorId: cursor.id });
    return qb.orderBy('w.created_at', 'DESC').addOrderBy('w.id', 'DESC').limit(filter.limit + 1).getMany();
  }

  async events(wishId: number): Promise<WishEvent[]> {
    return this.dataSource.manager.find(WishEvent, { where: { wishId }, order: { at: 'ASC', id: 'ASC' } });
  }

  private withNames(qb: SelectQueryBuilder<Wish>): SelectQueryBuilder<Wish> {
    return qb
      .leftJoin('w.community', 'community')
      .addSelect(['community.id', 'community.name'])
      .leftJoin('w.claimer', 'claimer')
      .addSelect(['claimer.id', 'claimer.name']);
  }
}
