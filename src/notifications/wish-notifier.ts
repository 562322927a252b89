import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DAY } from '../common/time/clock';
import { rawDate, rawQuery } from '../database/raw-query';
import { RoleGrant } from '../users/user.entity';
import { STATUS_LABEL, WishAction } from '../wishes/wish-state';
import type { WishEvent } from '../wishes/wish-event.entity';
import type { Wish } from '../wishes/wish.entity';
import { NOTICE_FACTS_COLUMNS, WISH_WITH_NAMES } from '../wishes/wish-read.sql';
import { ClaimEnd, wishNoticeText } from './notification-content';
import { NotificationsService } from './notifications.service';
import type { NotificationKind } from './wechat-templates';

type WishKind = Exclude<NotificationKind, 'overdue_digest'>;
type WishFacts = Pick<Wish, 'id' | 'title' | 'residentId' | 'claimerId' | 'claimedAt'> & { communityName: string | null; memberName: string | null };
interface Target {
  userId: number | null;
  kind: WishKind;
  claimEnd?: ClaimEnd;
}

/** Actions somebody is told about (submit, edit, confirm, auto_complete and a member's own release tell nobody). */
const NOTIFYING: ReadonlySet<WishAction> = new Set<WishAction>(['approve', 'auto_approve', 'reject', 'claim', 'assign', 'reassign', 'release', 'timeout_release', 'fulfil', 'dispute', 'withdraw', 'cancel']);

/**
 * Who hears about a wish transition (a WishEventBus listener, so it runs inside the transition's
 * transaction and its rows commit or roll back with it):
 *
 * | action | resident | member | office |
 * | --- | --- | --- | --- |
 * | approve, auto_approve | wish_approved | | |
 * | reject | wish_rejected | | |
 * | claim | wish_claimed | | |
 * | assign | wish_claimed | claim_assigned | |
 * | reassign | | claim_assigned (new), claim_released (previous) | |
 * | release by the office | | claim_released | |
 * | timeout_release | | claim_released | claim_timed_out (the community's admins) |
 * | fulfil | wish_fulfilled | | |
 * | dispute | | claim_disputed | |
 * | withdraw / cancel of a claimed wish | | claim_released | |
 *
 * Nobody is told about their own action, and offline wishes (no resident account) tell no resident.
 */
@Injectable()
export class WishNotifier {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly config: AppConfig,
  ) {}

  async onWishEvent(m: EntityManager, event: WishEvent): Promise<void> {
    if (!NOTIFYING.has(event.action)) return;
    const wish = await this.wishFacts(m, event.wishId);
    if (!wish) return;
    const targets = await this.targetsOf(m, event, wish);
    if (targets.every((target) => target.userId === null)) return;
    const timeout = this.config.timeouts;
    const deadline = wish.claimedAt ? new Date(wish.claimedAt.getTime() + timeout.claimTimeoutDays * DAY) : undefined;

    const seen = new Set<number>();
    for (const target of targets) {
      if (target.userId === null || target.userId === event.actorId || seen.has(target.userId)) continue;
      seen.add(target.userId);
      const text = wishNoticeText(target.kind, {
        wishTitle: wish.title,
        memberName: wish.memberName,
        reason: event.reason,
        deadline,
        claimEnd: target.claimEnd,
        claimTimeoutDays: timeout.claimTimeoutDays,
        confirmWindowDays: timeout.confirmWindowDays,
      });
      await this.notifications.notify(m, {
        userId: target.userId,
        kind: target.kind,
        wishId: wish.id,
        ...text,
        fields: { wishTitle: wish.title, status: STATUS_LABEL[event.toStatus], communityName: wish.communityName, memberName: wish.memberName, reason: event.reason, at: event.at, deadline },
      });
    }
  }

  /**
   * The wish as the transition left it, with its community's and its claimer's names. One raw
   * query, not three entity reads: this runs inside every claim's transaction (issue #7).
   */
  private async wishFacts(m: EntityManager, wishId: number): Promise<WishFacts | null> {
    const [row] = await rawQuery<Omit<WishFacts, 'claimedAt'> & { claimedAt: unknown }>(
      m,
      `SELECT ${NOTICE_FACTS_COLUMNS} ${WISH_WITH_NAMES} WHERE w.id = :wishId`,
      { wishId },
    );
    return row ? { ...row, claimedAt: rawDate(row.claimedAt) } : null;
  }

  /** `wish` is as the transition left it (a released wish has no claimer any more: the event's detail names the previous one). */
  private async targetsOf(m: EntityManager, event: WishEvent, wish: Pick<Wish, 'residentId' | 'claimerId'>): Promise<Target[]> {
    const previousClaimer = typeof event.detail?.previousClaimerId === 'number' ? event.detail.previousClaimerId : null;
    switch (event.action) {
      case 'approve':
      case 'auto_approve':
        return [{ userId: wish.residentId, kind: 'wish_approved' }];
      case 'reject':
        return [{ userId: wish.residentId, kind: 'wish_rejected' }];
      case 'claim':
        return [{ userId: wish.residentId, kind: 'wish_claimed' }];
      case 'assign':
        return [
          { userId: wish.residentId, kind: 'wish_claimed' },
          { userId: wish.claimerId, kind: 'claim_assigned' },
        ];
      case 'reassign':
        return [
          { userId: wish.claimerId, kind: 'claim_assigned' },
          { userId: previousClaimer, kind: 'claim_released', claimEnd: 'reassigned' },
        ];
      case 'release':
        return event.actorKind === 'admin' ? [{ userId: previousClaimer, kind: 'claim_released', claimEnd: 'office' }] : [];
      case 'timeout_release': {
        const admins = await m.getRepository(RoleGrant).find({ where: { role: 'community_admin', regionId: event.communityId }, select: { id: true, userId: true } });
        return [
          { userId: previousClaimer, kind: 'claim_released', claimEnd: 'timeout' },
          ...admins.map((grant): Target => ({ userId: grant.userId, kind: 'claim_timed_out' })),
        ];
      }
      case 'fulfil':
        return [{ userId: wish.residentId, kind: 'wish_fulfilled' }];
      case 'dispute':
        return [{ userId: wish.claimerId, kind: 'claim_disputed' }];
      case 'withdraw':
      case 'cancel':
        if (event.fromStatus !== 'claimed') return [];
        return [{ userId: wish.claimerId, kind: 'claim_released', claimEnd: event.action === 'withdraw' ? 'withdrawn' : 'cancelled' }];
      default:
        return [];
    }
  }
}
