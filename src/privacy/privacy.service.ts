import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import { Principal, requestTag } from '../auth/principal';
import { RefreshToken } from '../auth/refresh-token.entity';
import { FieldCipher } from '../common/crypto/field-cipher';
import { Clock } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { MemberRegistration } from '../members/member-registration.entity';
import { Notification } from '../notifications/notification.entity';
import { RoleGrant, User } from '../users/user.entity';
import { UserErrors } from '../users/user.errors';
import { toClaim } from '../users/users.service';
import { WishEvent } from '../wishes/wish-event.entity';
import { WishRepository } from '../wishes/wish.repository';
import type { WishStatus } from '../wishes/wish-state';
import { Wish } from '../wishes/wish.entity';
import { MyDataExport } from './dto/my-data.view';
import { PrivacyErrors } from './privacy.errors';

/** What an erased person is called everywhere their name was copied. */
export const ERASED_NAME = '已注销用户';
/** A resident's wishes nobody has taken up yet are withdrawn with the account. */
const WITHDRAWN_ON_ERASURE: readonly WishStatus[] = ['pending_review', 'open'];
const WITHDRAW_REASON = '居民注销账号，尚未认领的心愿随之撤回';
const RELEASE_REASON = '党员注销账号，心愿退回待认领';

const iso = (at: Date | null) => (at ? at.toISOString() : null);

/**
 * PIPL data rights of a signed-in person: a copy of their data, and erasure.
 *
 * Erasure anonymises rather than deletes, so the community's figures (wish counts, cycle times,
 * ratings, the ledger) stay true: the user row keeps its id and loses every identifying field; the
 * name, phone and address copied onto their wishes are replaced; their role grants, registrations
 * and sessions end. What happens to their wishes is what an office would want:
 * - pending or open (nobody is working on it): withdrawn, with a reason on the event;
 * - claimed or fulfilled (a member is on it or done): kept — the member can finish, the office can
 *   cancel, and a fulfilment nobody can confirm any more is completed by the confirmation timeout;
 * - as a member, claims they still hold go back to open for someone else; fulfilments stay.
 * All of it is one transaction. Later logins with the same WeChat account start a new account.
 */
@Injectable()
export class PrivacyService {
  private readonly logger = new Logger(PrivacyService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly wishes: WishRepository,
    private readonly cipher: FieldCipher,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  async export(principal: Principal): Promise<MyDataExport> {
    const m = this.dataSource.manager;
    const user = await m.findOneBy(User, { id: principal.id });
    if (!user || user.deletedAt) throw UserErrors.USER_NOT_FOUND.error();
    const [grants, registrations, wishes, claims, notifications] = await Promise.all([
      m.find(RoleGrant, { where: { userId: user.id }, order: { id: 'ASC' } }),
      m.find(MemberRegistration, { where: { userId: user.id }, order: { createdAt: 'ASC', id: 'ASC' } }),
      m.find(Wish, { where: { residentId: user.id }, order: { createdAt: 'ASC', id: 'ASC' } }),
      m.find(Wish, { where: { claimerId: user.id }, order: { claimedAt: 'ASC', id: 'ASC' } }),
      m.find(Notification, { where: { userId: user.id }, order: { createdAt: 'ASC', id: 'ASC' } }),
    ]);
    const events = wishes.length ? await m.find(WishEvent, { where: { wishId: In(wishes.map((w) => w.id)) }, order: { at: 'ASC', id: 'ASC' } }) : [];
    return {
      exportedAt: this.clock.now().toISOString(),
      profile: {
        id: user.id,
        name: user.name,
        phone: this.cipher.decryptNullable(user.phoneCipher),
        address: user.address,
        communityId: user.communityId,
        username: user.username,
        wechatBound: user.openid !== null,
        createdAt: user.createdAt.toISOString(),
      },
      roles: grants.map(toClaim),
      registrations: registrations.map((r) => ({
        id: r.id,
        unitId: r.unitId,
        communityId: r.communityId,
        name: r.name,
        phone: this.cipher.decrypt(r.phoneCipher),
        skills: r.skills,
        status: r.status,
        decisionReason: r.decisionReason,
        createdAt: r.createdAt.toISOString(),
        decidedAt: iso(r.decidedAt),
      })),
      wishes: wishes.map((w) => ({
        id: w.id,
        title: w.title,
        description: w.description,
        category: w.category,
        kind: w.kind,
        status: w.status,
        channel: w.channel,
        communityId: w.communityId,
        residentName: w.residentName,
        phone: this.cipher.decryptNullable(w.residentPhoneCipher),
        address: w.residentAddress,
        estimatedCost: w.estimatedCost,
        expectedBy: w.expectedBy,
        photoIds: w.photoIds,
        fulfilmentNote: w.fulfilmentNote,
        rating: w.rating,
        ratingComment: w.ratingComment,
        createdAt: w.createdAt.toISOString(),
        completedAt: iso(w.completedAt),
        closedAt: iso(w.closedAt),
      })),
      // Staff who acted are not named: their identity is their data, not the resident's.
      events: events.map((e) => ({ wishId: e.wishId, action: e.action, fromStatus: e.fromStatus, toStatus: e.toStatus, actorRole: e.actorRole, reason: e.reason, at: e.at.toISOString() })),
      claims: claims.map((w) => ({ wishId: w.id, title: w.title, status: w.status, claimedAt: iso(w.claimedAt), fulfilledAt: iso(w.fulfilledAt), fulfilmentNote: w.fulfilmentNote })),
      notifications: notifications.map((n) => ({ kind: n.kind, title: n.title, body: n.body, wishId: n.wishId, createdAt: n.createdAt.toISOString(), readAt: iso(n.readAt) })),
    };
  }

  /** Erases the caller's account (see the class comment). Repeating it is harmless. */
  async erase(principal: Principal): Promise<void> {
    const user = await this.dataSource.manager.findOneBy(User, { id: principal.id });
    if (!user) throw UserErrors.USER_NOT_FOUND.error();
    if (user.deletedAt) return;
    const summary = await this.tx.run(async (m) => {
      const now = this.clock.now();
      const withdrawn = await this.withdrawUntakenWishes(m, user.id, now);
      const released = await this.releaseHeldClaims(m, user.id, now);
      await m.update(Wish, { residentId: user.id }, { residentName: ERASED_NAME, residentPhoneCipher: null, residentAddress: null, updatedAt: now });
      await m.update(MemberRegistration, { userId: user.id, status: In(['pending', 'approved']) }, { status: 'withdrawn', openSlot: null, decidedAt: now });
      // phone_cipher is NOT NULL: an encrypted empty string, so every reader still decrypts it.
      await m.update(MemberRegistration, { userId: user.id }, { name: ERASED_NAME, phoneCipher: this.cipher.encrypt('') });
      await m.delete(Notification, { userId: user.id });
      await m.delete(RoleGrant, { userId: user.id });
      await m.update(RefreshToken, { userId: user.id, revokedAt: IsNull() }, { revokedAt: now });
      await m.update(User, { id: user.id }, {
        name: ERASED_NAME,
        openid: null,
        unionid: null,
        sessionKeyCipher: null,
        username: null,
        passwordHash: null,
        phoneCipher: null,
        address: null,
        communityId: null,
        failedLoginCount: 0,
        lockedUntil: null,
        deletedAt: now,
        updatedAt: now,
      });
      return { withdrawn, released };
    });
    this.logger.log({ userId: user.id, ...summary, ...requestTag(principal) }, 'account erased');
  }

  private async withdrawUntakenWishes(m: EntityManager, userId: number, now: Date): Promise<number> {
    const wishes = await m.find(Wish, { select: { id: true, status: true, communityId: true, claimerId: true }, where: { residentId: userId, status: In([...WITHDRAWN_ON_ERASURE]) } });
    for (const wish of wishes) {
      const outcome = await this.wishes.applyTransition(m, {
        wish,
        action: 'withdraw',
        to: 'cancelled',
        actor: { id: userId, kind: 'resident', role: 'resident' },
        reason: WITHDRAW_REASON,
        detail: { accountErased: true },
        set: { closedAt: now },
        now,
      });
      // A member claimed it in the meantime: start again rather than erase half.
      if (!outcome.ok) throw PrivacyErrors.ACCOUNT_DELETION_CONFLICT.error();
    }
    return wishes.length;
  }

  private async releaseHeldClaims(m: EntityManager, userId: number, now: Date): Promise<number> {
    const wishes = await m.find(Wish, { select: { id: true, status: true, communityId: true, claimerId: true }, where: { claimerId: userId, status: 'claimed' } });
    for (const wish of wishes) {
      const outcome = await this.wishes.applyTransition(m, {
        wish,
        action: 'release',
        to: 'open',
        actor: { id: userId, kind: 'member', role: 'member' },
        reason: RELEASE_REASON,
        detail: { previousClaimerId: userId, accountErased: true },
        set: { claimerId: null, claimerUnitId: null, claimedAt: null },
        now,
      });
      if (!outcome.ok) throw PrivacyErrors.ACCOUNT_DELETION_CONFLICT.error();
    }
    return wishes.length;
  }
}
