import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Clock, DAY, HOUR } from '../common/time/clock';
import { wishNoticeText } from '../notifications/notification-content';
import { NoticeSent } from '../notifications/notification.entity';
import { NotificationsService } from '../notifications/notifications.service';
import { STATUS_LABEL } from '../wishes/wish-state';
import { Wish } from '../wishes/wish.entity';
import { WishService } from '../wishes/wish.service';
import { OverdueDigest } from './overdue-digest.service';
import { PeriodicTask } from './periodic-task';

export interface TimeoutReport {
  reminded: number;
  released: number;
  completed: number;
  digests: number;
}

/** Wishes handled per kind and pass; a fuller backlog makes the loop come back at once. */
const BATCH = 200;
/** Page size when walking the claims inside the reminder window. */
const REMINDER_PAGE = 500;

type Candidate = Pick<Wish, 'id' | 'version' | 'title' | 'claimerId' | 'claimedAt' | 'communityId'>;

/**
 * The scheduled side of the wish lifecycle (DESIGN.md §2), run every TIMEOUT_SWEEP_MS in every
 * instance and safe to run anywhere at once, because each action is decided by the database:
 *
 * - a claim not fulfilled within CLAIM_TIMEOUT_DAYS is released back to open (`timeout_release`,
 *   actor system; the member and the community's office are told by the notifier), through a
 *   conditional transition that also checks the wish's version — of two instances one wins;
 * - CLAIM_REMIND_BEFORE_HOURS before that, the member gets one reminder per claim: the key
 *   (wish, claimed_at) is inserted with the notice, so a second sweep writes nothing;
 * - a fulfilled wish not confirmed within CONFIRM_WINDOW_DAYS is completed (`auto_complete`, no rating);
 * - the daily overdue digest to each community's office (OverdueDigest).
 *
 * Time comes from the Clock; `runOnce(now)` is what tests call.
 */
@Injectable()
export class WishTimeouts implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WishTimeouts.name);
  private readonly loop: PeriodicTask;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly wishes: WishService,
    private readonly notifications: NotificationsService,
    private readonly digest: OverdueDigest,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {
    this.loop = new PeriodicTask(
      'wish-timeouts',
      config.timeouts.sweepMs,
      async () => {
        const report = await this.runOnce(this.clock.now());
        return report.released >= BATCH || report.completed >= BATCH;
      },
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.schedulersEnabled) this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async runOnce(now: Date): Promise<TimeoutReport> {
    const report: TimeoutReport = {
      reminded: await this.remind(now),
      released: await this.release(now),
      completed: await this.complete(now),
      digests: await this.digest.runOnce(now),
    };
    if (report.reminded || report.released || report.completed || report.digests) this.logger.log({ ...report }, 'timeout sweep');
    return report;
  }

  private get claimTimeoutMs(): number {
    return this.config.timeouts.claimTimeoutDays * DAY;
  }

  /** Claims inside the reminder window (due for a reminder, not yet for release) that have not had theirs. */
  private async remind(now: Date): Promise<number> {
    const windowStart = new Date(now.getTime() - this.claimTimeoutMs);
    const remindFrom = new Date(now.getTime() - this.claimTimeoutMs + this.config.timeouts.claimRemindBeforeHours * HOUR);
    let sent = 0;
    let after: { at: Date; id: number } | undefined;
    for (;;) {
      const qb = this.candidates('claimed', 'claimed_at', remindFrom)
        .andWhere('w.claimed_at > :windowStart', { windowStart })
        .orderBy('w.claimed_at', 'ASC')
        .addOrderBy('w.id', 'ASC')
        .limit(REMINDER_PAGE);
      if (after) qb.andWhere('(w.claimed_at > :afterAt OR (w.claimed_at = :afterAt AND w.id > :afterId))', { afterAt: after.at, afterId: after.id });
      const page = await qb.getMany();
      if (page.length === 0) break;
      // Most of the window has been reminded already: skip those with one read instead of a failed insert each.
      const keys = new Map(page.map((wish) => [reminderKey(wish), wish]));
      const done = await this.dataSource.getRepository(NoticeSent).find({ select: { dedupeKey: true }, where: { dedupeKey: In([...keys.keys()]) } });
      for (const { dedupeKey } of done) keys.delete(dedupeKey);
      for (const [key, wish] of keys) if (await this.sendReminder(key, wish, now)) sent += 1;
      if (page.length < REMINDER_PAGE) break;
      const last = page[page.length - 1];
      after = { at: last.claimedAt!, id: last.id };
    }
    return sent;
  }

  private async sendReminder(key: string, wish: Candidate, now: Date): Promise<boolean> {
    const deadline = new Date(wish.claimedAt!.getTime() + this.claimTimeoutMs);
    return this.notifications.once(key, async (m) => {
      // The claim the reminder is about must still be running (re-read inside the transaction).
      const current = await m.getRepository(Wish).findOne({ where: { id: wish.id }, select: { id: true, status: true, claimerId: true, claimedAt: true } });
      if (current?.status !== 'claimed' || current.claimerId !== wish.claimerId || current.claimedAt?.getTime() !== wish.claimedAt?.getTime()) return;
      const text = wishNoticeText('claim_expiring', {
        wishTitle: wish.title,
        deadline,
        claimTimeoutDays: this.config.timeouts.claimTimeoutDays,
        confirmWindowDays: this.config.timeouts.confirmWindowDays,
      });
      await this.notifications.notify(m, {
        userId: wish.claimerId!,
        kind: 'claim_expiring',
        wishId: wish.id,
        ...text,
        fields: { wishTitle: wish.title, status: STATUS_LABEL.claimed, at: now, deadline },
      });
    });
  }

  private async release(now: Date): Promise<number> {
    const due = await this.candidates('claimed', 'claimed_at', new Date(now.getTime() - this.claimTimeoutMs)).orderBy('w.claimed_at', 'ASC').limit(BATCH).getMany();
    return this.applyEach(due, 'timeout_release', now);
  }

  private async complete(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.timeouts.confirmWindowDays * DAY);
    const due = await this.candidates('fulfilled', 'fulfilled_at', cutoff).orderBy('w.fulfilled_at', 'ASC').limit(BATCH).getMany();
    return this.applyEach(due, 'auto_complete', now);
  }

  private async applyEach(due: Candidate[], action: 'timeout_release' | 'auto_complete', now: Date): Promise<number> {
    let done = 0;
    for (const wish of due) {
      try {
        if (await this.wishes.applySystemTransition(wish.id, action, now, wish.version)) done += 1;
      } catch (error) {
        // One wish failing must not stop the sweep; the next sweep tries it again.
        this.logger.error({ wishId: wish.id, action, reason: (error as Error).message }, 'scheduled transition failed');
      }
    }
    return done;
  }

  /** Wishes in `status` whose `column` time is at or before `cutoff`, on the (status, time) index. */
  private candidates(status: 'claimed' | 'fulfilled', column: 'claimed_at' | 'fulfilled_at', cutoff: Date) {
    return this.dataSource
      .getRepository(Wish)
      .createQueryBuilder('w')
      .select(['w.id', 'w.version', 'w.title', 'w.claimerId', 'w.claimedAt', 'w.communityId'])
      .where(`w.status = :status AND w.${column} <= :cutoff`, { status, cutoff });
  }
}

/** One reminder per claim: a new claim of the same wish has a new claimed_at, hence a new key. */
function reminderKey(wish: Pick<Wish, 'id' | 'claimedAt'>): string {
  return `claim-reminder:${wish.id}:${wish.claimedAt!.getTime()}`;
}
