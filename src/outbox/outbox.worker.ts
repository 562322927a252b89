import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource, EntityManager, In } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Clock, DAY, HOUR, MINUTE } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { PeriodicTask } from '../scheduler/periodic-task';
import { OutboxMessage, OutboxPayload } from './outbox-message.entity';

export interface OutboxDelivery {
  id: number;
  topic: string;
  /** 1 on the first try. */
  attempt: number;
}

/**
 * Delivers one message. Resolves with an outcome word stored on the row (`sent`, `skipped_no_credit`…);
 * throws OutboxPermanentError when trying again cannot help, anything else to be retried later.
 */
export type OutboxHandler = (payload: OutboxPayload, delivery: OutboxDelivery) => Promise<string | void>;

export interface OutboxHandlerOptions {
  /**
   * Delivering twice is harmless (a recount, a status check). A delivery interrupted mid-way (the
   * process died) is then simply retried; for other topics it is parked as dead, because whether it
   * reached the other side is unknown and a second copy (a second WeChat message) is worse than none.
   */
  idempotent?: boolean;
}

/** Thrown by a handler when retrying cannot help (bad openid, bad template…): the row goes to `dead` at once. */
export class OutboxPermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboxPermanentError';
  }
}

export interface DrainReport {
  leased: number;
  done: number;
  retried: number;
  dead: number;
  /** Rows another worker took over before this one started them. */
  lost: number;
}

const BATCH = 20;
/** Deliveries running at once within one drain (each mostly waits on WeChat). */
const PARALLEL = 4;
/** How long a leased row stays reserved for this worker before it starts it. */
const LEASE_MS = 2 * MINUTE;
/** How long a started delivery may take before it counts as interrupted (WeChat calls time out in seconds). */
const SENDING_TIMEOUT_MS = 10 * MINUTE;
const BACKOFF_CAP_MS = HOUR;
/** Finished rows are kept this long for inspection, then deleted. */
const DONE_RETENTION_MS = 7 * DAY;
const PURGE_EVERY_MS = HOUR;

/**
 * Exponential backoff with jitter: attempt n waits between half and all of base·2^(n-1) (capped at
 * an hour), so messages that failed together do not all come back together.
 */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Drains the outbox. Safe with any number of instances, on MySQL, MariaDB, TiDB and SQLite:
 *
 * 1. **Lease** a batch, each row by a conditional update (`SET lease_owner, lease_until WHERE id = ?
 *    AND status = 'pending' AND available_at <= now AND (lease_until IS NULL OR lease_until < now)`).
 *    Candidates are picked with `FOR UPDATE SKIP LOCKED` where the server has it (MySQL 8,
 *    MariaDB ≥ 10.6), so workers do not queue behind each other; elsewhere (TiDB, SQLite) with a
 *    plain read, and the conditional update alone settles who gets a row.
 * 2. **Start** each row: `pending → sending, attempts + 1` guarded by `lease_owner = me`; a worker
 *    whose lease ran out and was taken over starts nothing.
 * 3. **Deliver** (the handler calls WeChat), outside any transaction.
 * 4. **Finish** guarded by `status = 'sending' AND lease_owner = me`: done with the handler's
 *    outcome, back to pending with backoff, or dead after OUTBOX_MAX_ATTEMPTS.
 *
 * Why `sending` is written before the call, in its own commit: a row is picked only while
 * `pending`, so once a delivery has started no worker — this one after a crash, or another after
 * a lease ran out — can pick it again. If the process dies between the call and step 4 (or step 4
 * cannot be written), the row stays `sending`; after SENDING_TIMEOUT_MS it is parked as `dead`
 * ("outcome unknown") instead of retried, unless its topic is idempotent. So a row is delivered at
 * most once; the in-app inbox row written with it means nothing is lost when a message is not sent.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxWorker.name);
  private readonly handlers = new Map<string, { handler: OutboxHandler; options: OutboxHandlerOptions }>();
  private readonly loop: PeriodicTask;
  private drains = 0;
  private skipLocked?: Promise<boolean>;
  private lastPurgeAt = 0;
  /** This worker's name in `lease_owner` (one per instance; each drain adds a sequence number). */
  readonly workerId: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {
    this.workerId = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.loop = new PeriodicTask('outbox', config.outbox.pollMs, async () => (await this.drainOnce()).leased === BATCH, this.logger);
  }

  registerHandler(topic: string, handler: OutboxHandler, options: OutboxHandlerOptions = {}): void {
    if (this.handlers.has(topic)) throw new Error(`outbox topic ${topic} already has a handler`);
    this.handlers.set(topic, { handler, options });
  }

  onApplicationBootstrap(): void {
    if (this.config.schedulersEnabled) this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass: park interrupted deliveries, lease a batch of due rows, deliver them. Tests call this directly. */
  async drainOnce(): Promise<DrainReport> {
    const report: DrainReport = { leased: 0, done: 0, retried: 0, dead: 0, lost: 0 };
    if (this.handlers.size === 0) return report;
    await this.recoverInterrupted();
    const owner = `${this.workerId}#${++this.drains}`;
    const rows = await this.lease(owner);
    report.leased = rows.length;
    let next = 0;
    const lane = async () => {
      while (next < rows.length) report[await this.deliver(rows[next++], owner)] += 1;
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, rows.length) }, lane));
    await this.purgeFinished();
    return report;
  }

  private async lease(owner: string): Promise<OutboxMessage[]> {
    const now = this.clock.now();
    const due = { pending: 'pending', now };
    const leaseUntil = new Date(now.getTime() + LEASE_MS);
    const skipLocked = await this.supportsSkipLocked();
    return this.tx.run(async (m) => {
      const pick = m
        .createQueryBuilder(OutboxMessage, 'o')
        .where('o.status = :pending AND o.available_at <= :now AND (o.lease_until IS NULL OR o.lease_until < :now) AND o.topic IN (:...topics)', { ...due, topics: [...this.handlers.keys()] })
        .orderBy('o.available_at', 'ASC')
        .addOrderBy('o.id', 'ASC')
        .limit(BATCH);
      if (skipLocked) pick.setLock('pessimistic_write').setOnLocked('skip_locked');
      const leased: OutboxMessage[] = [];
      // One row at a time, by primary key: a multi-row `id IN (…)` update may be run as a scan
      // (small tables) that walks into rows another worker has locked — a deadlock. Candidates come
      // in the same order for every worker, so these single-row locks cannot form a cycle either.
      for (const row of await pick.getMany()) {
        const taken = await m
          .createQueryBuilder()
          .update(OutboxMessage)
          .set({ leaseOwner: owner, leaseUntil })
          .where('id = :id AND status = :pending AND available_at <= :now AND (lease_until IS NULL OR lease_until < :now)', { ...due, id: row.id })
          .execute();
        if (taken.affected) leased.push(row);
      }
      return leased;
    });
  }

  private async deliver(row: OutboxMessage, owner: string): Promise<'done' | 'retried' | 'dead' | 'lost'> {
    const entry = this.handlers.get(row.topic);
    if (!entry) return 'lost';
    const startedAt = this.clock.now();
    const started = await this.tx.run((m) =>
      m
        .createQueryBuilder()
        .update(OutboxMessage)
        .set({ status: 'sending', attempts: () => 'attempts + 1', leaseUntil: new Date(startedAt.getTime() + SENDING_TIMEOUT_MS) })
        .where('id = :id AND status = :pending AND lease_owner = :owner', { id: row.id, pending: 'pending', owner })
        .execute(),
    );
    if (!started.affected) return 'lost';
    const attempt = row.attempts + 1;

    let outcome: string;
    try {
      outcome = (await entry.handler(row.payload, { id: row.id, topic: row.topic, attempt })) || 'done';
    } catch (error) {
      return this.failed(row, owner, attempt, error);
    }
    await this.finish(row, owner, { status: 'done', outcome, lastError: null, doneAt: this.clock.now() });
    this.logger.debug({ outboxId: row.id, topic: row.topic, attempt, outcome }, 'outbox message delivered');
    return 'done';
  }

  private async failed(row: OutboxMessage, owner: string, attempt: number, error: unknown): Promise<'retried' | 'dead'> {
    const reason = errorText(error);
    const now = this.clock.now();
    const permanent = error instanceof OutboxPermanentError;
    if (permanent || attempt >= this.config.outbox.maxAttempts) {
      await this.finish(row, owner, { status: 'dead', lastError: reason, outcome: permanent ? 'failed' : 'gave_up', doneAt: now });
      this.logger.error({ outboxId: row.id, topic: row.topic, attempt, reason }, permanent ? 'outbox message failed for good' : 'outbox message gave up after its last try');
      return 'dead';
    }
    const availableAt = new Date(now.getTime() + backoffDelayMs(attempt, this.config.outbox.backoffBaseMs));
    await this.finish(row, owner, { status: 'pending', availableAt, lastError: reason });
    this.logger.warn({ outboxId: row.id, topic: row.topic, attempt, reason, retryAt: availableAt }, 'outbox message failed; will retry');
    return 'retried';
  }

  /**
   * Leaves `sending`, guarded by our ownership. Retried a few times: if it cannot be written the row
   * stays `sending` and is later parked as "outcome unknown" — never delivered a second time.
   */
  private async finish(row: OutboxMessage, owner: string, set: Partial<Omit<OutboxMessage, 'payload'>>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.tx.run((m) =>
          m
            .createQueryBuilder()
            .update(OutboxMessage)
            .set({ ...set, leaseOwner: null, leaseUntil: null })
            .where('id = :id AND status = :sending AND lease_owner = :owner', { id: row.id, sending: 'sending', owner })
            .execute(),
        );
        if (!result.affected) this.logger.warn({ outboxId: row.id, topic: row.topic }, 'outbox row was parked as interrupted before its delivery finished');
        return;
      } catch (error) {
        if (attempt >= 3) {
          this.logger.error({ outboxId: row.id, topic: row.topic, reason: errorText(error) }, 'could not record the end of an outbox delivery');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  /** Deliveries that started but never finished (the process died): retried if idempotent, else parked as dead. */
  private async recoverInterrupted(): Promise<void> {
    const now = this.clock.now();
    const stalled = await this.dataSource
      .getRepository(OutboxMessage)
      .createQueryBuilder('o')
      .select(['o.id', 'o.topic'])
      .where('o.status = :sending AND o.lease_until < :now', { sending: 'sending', now })
      .limit(100)
      .getMany();
    for (const row of stalled) {
      const idempotent = this.handlers.get(row.topic)?.options.idempotent === true;
      const set: Partial<Omit<OutboxMessage, 'payload'>> = idempotent
        ? { status: 'pending', availableAt: now, lastError: 'interrupted during delivery; retried (idempotent topic)' }
        : { status: 'dead', outcome: 'unknown', doneAt: now, lastError: 'interrupted during delivery: outcome unknown, not retried so that it cannot arrive twice' };
      const result = await this.tx.run((m) => this.release(m, row.id, now, set));
      if (result) this.logger.error({ outboxId: row.id, topic: row.topic, retried: idempotent }, 'outbox delivery was interrupted');
    }
  }

  private async release(m: EntityManager, id: number, now: Date, set: Partial<Omit<OutboxMessage, 'payload'>>): Promise<boolean> {
    const result = await m
      .createQueryBuilder()
      .update(OutboxMessage)
      .set({ ...set, leaseOwner: null, leaseUntil: null })
      .where('id = :id AND status = :sending AND lease_until < :now', { id, sending: 'sending', now })
      .execute();
    return Boolean(result.affected);
  }

  /** Deletes delivered rows after DONE_RETENTION_MS (dead rows stay for an operator to look at). */
  private async purgeFinished(): Promise<void> {
    const now = this.clock.now();
    if (now.getTime() - this.lastPurgeAt < PURGE_EVERY_MS) return;
    this.lastPurgeAt = now.getTime();
    const before = new Date(now.getTime() - DONE_RETENTION_MS);
    const old = await this.dataSource
      .getRepository(OutboxMessage)
      .createQueryBuilder('o')
      .select('o.id', 'id')
      .where('o.status = :done AND o.available_at < :before AND o.done_at < :before', { done: 'done', before })
      .limit(1000)
      .getRawMany<{ id: number | string }>();
    if (old.length === 0) return;
    await this.tx.run((m) => m.getRepository(OutboxMessage).delete({ id: In(old.map((row) => Number(row.id))) }));
  }

  /** SKIP LOCKED exists on MySQL 8 and MariaDB ≥ 10.6, not on TiDB (pingcap/tidb#18207) nor SQLite. */
  private supportsSkipLocked(): Promise<boolean> {
    this.skipLocked ??= (async () => {
      if (this.dataSource.options.type === 'better-sqlite3') return false;
      const [row] = (await this.dataSource.query('SELECT VERSION() AS version')) as { version: string }[];
      const version = row?.version ?? '';
      if (/tidb/i.test(version)) return false;
      const [major, minor] = version.split('.').map((part) => parseInt(part, 10));
      return /mariadb/i.test(version) ? major > 10 || (major === 10 && minor >= 6) : major >= 8;
    })();
    return this.skipLocked;
  }
}

function errorText(error: unknown): string {
  // Coded errors (WECHAT_BUSY…) are named by their code: the message is Chinese for end users.
  const code = (error as { code?: unknown })?.code;
  const text = error instanceof Error ? `${typeof code === 'string' ? code : error.name}: ${error.message}` : String(error);
  return Array.from(text).slice(0, 500).join('');
}
