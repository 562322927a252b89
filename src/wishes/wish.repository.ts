import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { rawExecute, rawExecuteValues, rawQuery } from '../database/raw-query';
import { TransactionRunner } from '../database/transaction-runner';
import type { Actor, WishAction, WishStatus } from './wish-state';
import { claimSlotDelta } from './wish-state';
import { WishEventBus } from './wish-event-bus';
import { WishEvent } from './wish-event.entity';
import { MemberClaimLoad, NewWish, Wish } from './wish.entity';

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

interface ColumnValues {
  columns: string[];
  values: unknown[];
}

export type TransitionOutcome = { ok: true; event: WishEvent } | { ok: false; reason: 'lost_race' | 'claim_limit' };

/** The command side of wishes: the writes of submissions and transitions, and the checks they need. (Reads: WishReadRepository.) */
@Injectable()
export class WishRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly eventBus: WishEventBus,
  ) {}

  /**
   * Reads the status with a locking read on MySQL, so a transaction that lost a race sees the
   * winner's committed state rather than its own snapshot. (SQLite transactions run one at a time.)
   */
  async currentStatus(manager: EntityManager, id: number): Promise<WishStatus | null> {
    const lock = manager.connection.options.type === 'better-sqlite3' ? '' : ' LOCK IN SHARE MODE';
    const [row] = await rawQuery<{ status: WishStatus }>(manager, `SELECT status FROM wish WHERE id = :id${lock}`, { id });
    return row?.status ?? null;
  }

  /*
   * Raw SQL for the submission's limit counts and the claim-load check: they run on every submit or
   * claim, where building them with TypeORM cost more than running them (issue #7).
   */

  async countActiveOfResident(residentId: number, statuses: readonly WishStatus[]): Promise<number> {
    const [row] = await rawQuery<{ n: number | string }>(this.dataSource.manager, 'SELECT COUNT(*) AS n FROM wish WHERE resident_id = :residentId AND status IN (:...statuses)', {
      residentId,
      statuses,
    });
    return Number(row.n);
  }

  async countSubmittedSince(createdBy: number, since: Date): Promise<number> {
    const [row] = await rawQuery<{ n: number | string }>(
      this.dataSource.manager,
      "SELECT COUNT(*) AS n FROM wish WHERE created_by = :createdBy AND channel = 'mini_program' AND created_at >= :since",
      { createdBy, since },
    );
    return Number(row.n);
  }

  /** The wish as inserted, with its generated id. */
  async insertWish(manager: EntityManager, wish: NewWish): Promise<Wish> {
    const { columns, values } = this.columnValues(wish);
    const { insertId } = await rawExecuteValues(manager, `INSERT INTO wish (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, values);
    return { id: insertId, ...wish };
  }

  /**
   * The one place wish events are written; subscribers of the bus write their follow-up rows in the
   * same transaction. Raw, like the slot updates below: every transition writes one (issue #7).
   */
  async insertEvent(manager: EntityManager, event: Omit<WishEvent, 'id' | 'wish'>): Promise<WishEvent> {
    const { insertId } = await rawExecute(
      manager,
      `INSERT INTO wish_event (wish_id, community_id, action, from_status, to_status, actor_id, actor_kind, actor_role, reason, detail, at)
       VALUES (:wishId, :communityId, :action, :fromStatus, :toStatus, :actorId, :actorKind, :actorRole, :reason, :detail, :at)`,
      { ...event, detail: event.detail === null ? null : JSON.stringify(event.detail) },
    );
    const row: WishEvent = { id: insertId, ...event };
    await this.eventBus.publishInTransaction(manager, row);
    return row;
  }

  /**
   * Applies one transition: a conditional update on (id, expected status), the claimer's slot
   * count, and the event — all in the caller's transaction. The conditional update's affected-row
   * count decides races: of N concurrent claims exactly one sees `affected = 1`.
   */
  async applyTransition(manager: EntityManager, write: TransitionWrite): Promise<TransitionOutcome> {
    const { wish, to, now } = write;
    const from = wish.status;
    const changes = this.columnValues({ status: to, updatedAt: now }, this.columnValues(write.set ?? {}));
    const updated = await rawExecuteValues(
      manager,
      `UPDATE wish SET ${changes.columns.map((column) => `${column} = ?`).join(', ')}, version = version + 1 WHERE id = ? AND status = ?`,
      [...changes.values, wish.id, from],
    );
    if (!updated.affected) return { ok: false, reason: 'lost_race' };

    const newClaimer = write.newClaimerId ?? wish.claimerId;
    if (write.action === 'reassign') {
      if (wish.claimerId) await this.releaseSlot(manager, wish.claimerId);
      if (newClaimer && !(await this.takeSlot(manager, newClaimer, write.claimLimit))) return { ok: false, reason: 'claim_limit' };
    } else {
      const delta = claimSlotDelta(from, to);
      if (delta > 0 && newClaimer && !(await this.takeSlot(manager, newClaimer, write.claimLimit))) return { ok: false, reason: 'claim_limit' };
      if (delta < 0 && wish.claimerId) await this.releaseSlot(manager, wish.claimerId);
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

  /*
   * A new wish's INSERT and a transition's UPDATE are written out rather than built by TypeORM's
   * query builders (13 % of a submission's and 9 % of a claim's busy time, issue #7). The properties
   * still map to their columns and values through the entity metadata, exactly as the builders did
   * (column names, simple-json as JSON text, dates as each driver stores them); the map from property
   * to column is built once, and the values go to the driver as positional parameters.
   */
  private columns?: Map<string, { sql: string; metadata: ColumnMetadata }>;

  /** Quoted column names and driver-ready values of the properties given (undefined ones left out), appended to `into`. */
  private columnValues(properties: QueryDeepPartialEntity<Wish>, into: ColumnValues = { columns: [], values: [] }): ColumnValues {
    const driver = this.dataSource.driver;
    this.columns ??= new Map(this.dataSource.getMetadata(Wish).columns.map((column) => [column.propertyName, { sql: driver.escape(column.databaseName), metadata: column }]));
    for (const property in properties) {
      const value = (properties as Record<string, unknown>)[property];
      if (value === undefined) continue;
      const column = this.columns.get(property);
      if (!column) throw new Error(`wish has no column for property ${property}`);
      into.columns.push(column.sql);
      into.values.push(driver.preparePersistentValue(value, column.metadata));
    }
    return into;
  }

  /**
   * Makes sure the member has a claim-load row, in its own short statement before the claim's
   * transaction: creating it inside contended claim transactions would take gap locks that
   * deadlock two first claims by the same member.
   */
  async ensureClaimLoad(userId: number): Promise<void> {
    if ((await rawQuery(this.dataSource.manager, 'SELECT 1 AS found FROM member_claim_load WHERE user_id = :userId', { userId })).length) return;
    await this.tx.run((m) => m.createQueryBuilder().insert().into(MemberClaimLoad).values({ userId, activeClaims: 0 }).orIgnore().execute());
  }

  /** Checked increment: succeeds only while the member holds fewer than `limit` active claims. */
  private async takeSlot(manager: EntityManager, userId: number, limit?: number): Promise<boolean> {
    const underLimit = limit === undefined ? '' : ' AND active_claims < :limit';
    return (await rawExecute(manager, `UPDATE member_claim_load SET active_claims = active_claims + 1 WHERE user_id = :userId${underLimit}`, { userId, limit })).affected > 0;
  }

  private async releaseSlot(manager: EntityManager, userId: number): Promise<void> {
    await rawExecute(manager, 'UPDATE member_claim_load SET active_claims = active_claims - 1 WHERE user_id = :userId AND active_claims > 0', { userId });
  }
}
