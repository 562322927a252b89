import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, Like } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DAY, HOUR } from '../common/time/clock';
import { shanghaiDate, startOfShanghaiDay } from '../common/time/shanghai';
import { NoticeSent } from '../notifications/notification.entity';
import { NotificationsService } from '../notifications/notifications.service';
import { RoleGrant } from '../users/user.entity';
import { Wish } from '../wishes/wish.entity';
import type { WishStatus } from '../wishes/wish-state';

/** What a community office is told about each morning. */
export interface OverdueCounts {
  /** Waiting for the office's review (any age: only the office can move them). */
  pendingReview: number;
  /** Open and unclaimed for more than OVERDUE_OPEN_DAYS (since published or last released). */
  open: number;
  /** Claimed and not fulfilled for more than OVERDUE_CLAIMED_DAYS. */
  claimed: number;
  /** Fulfilled and not confirmed by the resident for more than OVERDUE_FULFILLED_DAYS. */
  fulfilled: number;
}

const FIELD_OF: Partial<Record<WishStatus, keyof OverdueCounts>> = { pending_review: 'pendingReview', open: 'open', claimed: 'claimed', fulfilled: 'fulfilled' };

/**
 * The daily digest to each community's admins (inbox, and WeChat when an `overdue_digest` template
 * is configured): from DIGEST_HOUR (Asia/Shanghai) on, once per community per day — the key
 * (day, community) is inserted with the notices, so other instances and later sweeps skip it.
 * Communities with nothing overdue get no message.
 */
@Injectable()
export class OverdueDigest {
  /** The Shanghai day this instance has finished (saves the queries on the other sweeps of the day). */
  private finishedDay?: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly notifications: NotificationsService,
    private readonly config: AppConfig,
  ) {}

  /** Sends today's digests that are due and not sent yet; answers how many communities got one. */
  async runOnce(now: Date): Promise<number> {
    const day = shanghaiDate(now);
    if (this.finishedDay === day) return 0;
    const sinceMidnight = now.getTime() - startOfShanghaiDay(now).getTime();
    if (sinceMidnight < this.config.timeouts.digestHour * HOUR) return 0;

    const admins = await this.communityAdmins();
    const sentToday = await this.dataSource.getRepository(NoticeSent).find({ select: { dedupeKey: true }, where: { dedupeKey: Like(`overdue-digest:${day}:%`) } });
    const done = new Set(sentToday.map((row) => row.dedupeKey));
    const pending = [...admins.keys()].filter((communityId) => !done.has(digestKey(day, communityId)));
    const counts = pending.length ? await this.overdueCounts(now) : new Map<number, OverdueCounts>();

    let sent = 0;
    for (const communityId of pending) {
      const overdue = counts.get(communityId);
      const wrote = await this.notifications.once(digestKey(day, communityId), async (m) => {
        if (!overdue) return; // nothing overdue: the key alone records that the day is done
        const text = digestText(overdue, this.config.dashboard);
        for (const userId of admins.get(communityId) ?? []) {
          await this.notifications.notify(m, { userId, kind: 'overdue_digest', wishId: null, ...text, fields: { at: now } });
        }
      });
      if (wrote && overdue) sent += 1;
    }
    this.finishedDay = day;
    return sent;
  }

  /** community id → its community_admin users. */
  private async communityAdmins(): Promise<Map<number, number[]>> {
    const grants = await this.dataSource.getRepository(RoleGrant).find({ where: { role: 'community_admin' }, select: { id: true, userId: true, regionId: true } });
    const byCommunity = new Map<number, number[]>();
    for (const grant of grants) {
      if (grant.regionId === null) continue;
      byCommunity.set(grant.regionId, [...(byCommunity.get(grant.regionId) ?? []), grant.userId]);
    }
    return byCommunity;
  }

  /** Overdue wishes per community, in one grouped query over the (status, time) indexes. */
  private async overdueCounts(now: Date): Promise<Map<number, OverdueCounts>> {
    const { overdueOpenDays, overdueClaimedDays, overdueFulfilledDays } = this.config.dashboard;
    const before = (days: number) => new Date(now.getTime() - days * DAY);
    const rows = await this.dataSource
      .getRepository(Wish)
      .createQueryBuilder('w')
      .select('w.community_id', 'communityId')
      .addSelect('w.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where(
        new Brackets((any) =>
          any
            .where("w.status = 'pending_review'")
            // An open wish's last change is its publication or its release (or an edit, which restarts the wait too).
            .orWhere("w.status = 'open' AND w.updated_at < :openBefore", { openBefore: before(overdueOpenDays) })
            .orWhere("w.status = 'claimed' AND w.claimed_at < :claimedBefore", { claimedBefore: before(overdueClaimedDays) })
            .orWhere("w.status = 'fulfilled' AND w.fulfilled_at < :fulfilledBefore", { fulfilledBefore: before(overdueFulfilledDays) }),
        ),
      )
      .groupBy('w.community_id')
      .addGroupBy('w.status')
      .getRawMany<{ communityId: number | string; status: WishStatus; n: number | string }>();
    const counts = new Map<number, OverdueCounts>();
    for (const row of rows) {
      const field = FIELD_OF[row.status];
      if (!field) continue;
      const communityId = Number(row.communityId);
      const entry = counts.get(communityId) ?? { pendingReview: 0, open: 0, claimed: 0, fulfilled: 0 };
      entry[field] += Number(row.n);
      counts.set(communityId, entry);
    }
    return counts;
  }
}

function digestKey(day: string, communityId: number): string {
  return `overdue-digest:${day}:${communityId}`;
}

/** The digest's inbox text. Pure. */
export function digestText(c: OverdueCounts, days: { overdueOpenDays: number; overdueClaimedDays: number; overdueFulfilledDays: number }): { title: string; body: string } {
  const parts = [
    c.pendingReview ? `待审核 ${c.pendingReview} 个` : '',
    c.open ? `超过 ${days.overdueOpenDays} 天无人认领 ${c.open} 个` : '',
    c.claimed ? `认领超过 ${days.overdueClaimedDays} 天未完成 ${c.claimed} 个` : '',
    c.fulfilled ? `完成超过 ${days.overdueFulfilledDays} 天居民未确认 ${c.fulfilled} 个` : '',
  ].filter(Boolean);
  const total = c.pendingReview + c.open + c.claimed + c.fulfilled;
  return { title: `今日待办：${total} 个心愿需要关注`, body: `${parts.join('；')}。请在工作台「逾期」列表中查看并处理。` };
}

