import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EntityManager, In, MoreThan } from 'typeorm';
import { Clock } from '../../common/time/clock';
import { AppConfig } from '../../config/app-config';
import { TransactionRunner } from '../../database/transaction-runner';
import { WishEvent } from '../../wishes/wish-event.entity';
import { Wish } from '../../wishes/wish.entity';
import { RollupAccumulator } from './rollup-deltas';
import { BacklogEntry, DashboardRollup, MemberRollup, RollupQueueEntry, WorkerLease } from './rollup.entities';
import { RollupStore } from './rollup-store';

const LEASE_NAME = 'rollup';
/** A worker that stops renewing (crashed, stalled) loses the lease after this long. */
const LEASE_MS = 30_000;

class LeaseLost extends Error {}

/**
 * Applies queued wish events to the dashboard rollups, in batches, off the request path: a claim
 * only inserts one queue row, so claims never wait on the "city, today" row.
 *
 * Several instances may run it. One of them holds the lease (taken by a conditional update, as
 * TiDB has no SKIP LOCKED); each batch renews the lease in its own transaction, which locks the
 * lease row until commit — so batches of different instances never interleave, and a worker that
 * lost its lease finds out before writing anything.
 */
@Injectable()
export class RollupWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RollupWorker.name);
  private readonly owner = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly store: RollupStore,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.schedulersEnabled) return;
    this.timer = setInterval(() => {
      this.drainOnce().catch((error: unknown) => this.logger.error({ err: error }, 'rollup drain failed'));
    }, this.config.dashboard.rollupIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Applies everything queued so far; returns the number of events applied (0 when another instance holds the lease). */
  drainOnce(): Promise<number> {
    // One pass at a time in this process; a caller arriving meanwhile waits for the same pass.
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<number> {
    if (!(await this.acquire())) return 0;
    let applied = 0;
    try {
      for (;;) {
        const count = await this.tx.run((m) => this.applyBatch(m));
        applied += count;
        if (count < this.config.dashboard.rollupBatchSize) break;
      }
    } catch (error) {
      if (!(error instanceof LeaseLost)) throw error;
      this.logger.warn('rollup lease lost to another instance; stopping this pass');
    } finally {
      await this.release();
    }
    if (applied > 0) this.logger.debug({ applied }, 'rollups applied');
    return applied;
  }

  /**
   * Recomputes every rollup from wish_event (operators, after a bug fix; tests). Figures are
   * partial while it runs. Queue rows of the events it covers are deleted with them, so nothing
   * is counted twice; events that arrive meanwhile stay queued for the next pass.
   */
  async rebuild(wishesPerBatch = 500): Promise<{ wishes: number; events: number }> {
    if (this.running) await this.running.catch(() => undefined);
    if (!(await this.acquire())) throw new Error('another instance holds the rollup lease; try again when it is idle');
    const done = { wishes: 0, events: 0 };
    try {
      await this.tx.run(async (m) => {
        await this.renew(m);
        for (const entity of [DashboardRollup, MemberRollup, BacklogEntry]) await m.createQueryBuilder().delete().from(entity).execute();
      });
      let after = 0;
      for (;;) {
        const ids = await this.tx.run(async (m) => {
          await this.renew(m);
          const page = await m.find(Wish, { select: { id: true }, where: { id: MoreThan(after) }, order: { id: 'ASC' }, take: wishesPerBatch });
          if (page.length === 0) return [];
          const histories = await this.store.histories(m, page.map((wish) => wish.id));
          const acc = new RollupAccumulator();
          done.events += this.store.collect(histories, acc);
          await this.store.apply(m, acc);
          await this.store.refreshBacklog(m, histories);
          const eventIds = [...histories.values()].flatMap((history) => history.events.map((event) => event.id));
          for (let i = 0; i < eventIds.length; i += 500) await m.delete(RollupQueueEntry, { eventId: In(eventIds.slice(i, i + 500)) });
          return page.map((wish) => wish.id);
        });
        if (ids.length === 0) break;
        done.wishes += ids.length;
        after = ids[ids.length - 1];
      }
    } finally {
      await this.release();
    }
    this.logger.log(done, 'rollups rebuilt from wish_event');
    return done;
  }

  private async renew(m: EntityManager): Promise<void> {
    const renewed = await m
      .createQueryBuilder()
      .update(WorkerLease)
      .set({ leaseUntil: new Date(this.clock.now().getTime() + LEASE_MS) })
      .where('name = :name AND owner = :owner', { name: LEASE_NAME, owner: this.owner })
      .execute();
    if (!renewed.affected) throw new LeaseLost();
  }

  private async acquire(): Promise<boolean> {
    return this.tx.run(async (m) => {
      await m.createQueryBuilder().insert().into(WorkerLease).values({ name: LEASE_NAME, owner: null, leaseUntil: null }).orIgnore().execute();
      const now = this.clock.now();
      const taken = await m
        .createQueryBuilder()
        .update(WorkerLease)
        .set({ owner: this.owner, leaseUntil: new Date(now.getTime() + LEASE_MS) })
        .where('name = :name', { name: LEASE_NAME })
        .andWhere('(owner IS NULL OR owner = :owner OR lease_until IS NULL OR lease_until < :now)', { owner: this.owner, now })
        .execute();
      return Boolean(taken.affected);
    });
  }

  private async release(): Promise<void> {
    await this.tx.run((m) =>
      m.createQueryBuilder().update(WorkerLease).set({ owner: null, leaseUntil: null }).where('name = :name AND owner = :owner', { name: LEASE_NAME, owner: this.owner }).execute(),
    );
  }

  /** One batch in one transaction: renew the lease, apply the events' effects, delete their queue rows. */
  private async applyBatch(m: EntityManager): Promise<number> {
    await this.renew(m);
    const queued = await m.find(RollupQueueEntry, { order: { id: 'ASC' }, take: this.config.dashboard.rollupBatchSize });
    if (queued.length === 0) return 0;
    const eventIds = queued.map((entry) => entry.eventId);
    const events = await m.find(WishEvent, { select: { id: true, wishId: true }, where: { id: In(eventIds) } });
    const histories = await this.store.histories(m, events.map((event) => event.wishId));
    const acc = new RollupAccumulator();
    this.store.collect(histories, acc, new Set(eventIds));
    await this.store.apply(m, acc);
    await this.store.refreshBacklog(m, histories);
    await m.delete(RollupQueueEntry, { id: In(queued.map((entry) => entry.id)) });
    return queued.length;
  }
}
