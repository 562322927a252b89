import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { wishAuditAction } from '../audit/audit-log.entity';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../auth/access.service';
import { claimsOf, hasRole, Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { ContentDecision, ContentGuard, UserText } from '../content/content-guard';
import { FieldCipher } from '../common/crypto/field-cipher';
import { Page, toPage } from '../common/pagination';
import { Clock } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import type { WishPhotoViewer } from '../media/photo-access';
import { UploadsService } from '../media/uploads.service';
import { RegistrationsService } from '../members/registrations.service';
import { RegionsService } from '../regions/regions.service';
import { User } from '../users/user.entity';
import {
  AssignBody,
  ConfirmBody,
  EditWishBody,
  FulfilBody,
  OfflineWishBody,
  StatusPageQuery,
  SubmitWishBody,
  WishListQuery,
} from './dto/wish.dto';
import { toEventView, toWishView, WishEventView, WishView, WishViewerRights } from './dto/wish.view';
import { WishLimits } from './wish-limits';
import { WishRepository } from './wish.repository';
import { Actor, checkTransition, STATUS_LABEL, WishAction, WishStatus } from './wish-state';
import { freshWishState, Wish } from './wish.entity';
import { WishErrors } from './wish.errors';

/** Statuses a registered member sees on the wall and in details (not pending, rejected or cancelled ones). */
const VISIBLE_TO_MEMBERS: readonly WishStatus[] = ['open', 'claimed', 'fulfilled', 'completed'];
/** Statuses in which the member holding the claim sees the resident's contact. */
const CLAIM_HELD: readonly WishStatus[] = ['claimed', 'fulfilled'];

/** How the caller stands to one wish. */
interface Relation {
  resident: boolean;
  claimer: boolean;
  registeredMember: boolean;
  admin: boolean;
  unitAdmin: boolean;
  /** The admin role that covers the wish (for the event log). */
  adminRole?: string;
}

interface TransitionOptions {
  reason?: string | null;
  /** User text of this action besides the reason (checked together with it before anything is written). */
  text?: (wish: Wish) => UserText[];
  detail?: (wish: Wish, screening: ContentDecision) => Record<string, unknown>;
  /** Extra checks after the state check (registration, ownership…). */
  guard?: (wish: Wish) => Promise<void>;
  /** Columns set together with the status. */
  set?: (wish: Wish, now: Date) => QueryDeepPartialEntity<Wish>;
  newClaimerId?: number;
  claimLimit?: number;
  /** More writes in the transition's own transaction, after the status change (attaching photos, a hold). */
  alsoInTransaction?: (manager: EntityManager, wish: Wish, now: Date, screening: ContentDecision) => Promise<void>;
}

/**
 * The wish use cases. Each one: find the wish, decide who the caller is to it (404 when they may not
 * see it), check the transition table, then change status + claim slots + event in one transaction.
 */
@Injectable()
export class WishService {
  private readonly logger = new Logger(WishService.name);

  constructor(
    private readonly wishes: WishRepository,
    private readonly limits: WishLimits,
    private readonly access: AccessService,
    private readonly registrations: RegistrationsService,
    private readonly regions: RegionsService,
    private readonly content: ContentGuard,
    private readonly photos: UploadsService,
    private readonly cipher: FieldCipher,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  // ── Submission ─────────────────────────────────────────────────────────────

  /** A resident posts a wish. The same Idempotency-Key from the same user returns the first wish. */
  async submit(principal: Principal, body: SubmitWishBody, idempotencyKey?: string): Promise<{ wish: WishView; replayed: boolean }> {
    if (idempotencyKey) {
      const earlier = await this.wishes.findByIdempotencyKey(principal.id, idempotencyKey);
      if (earlier) return { wish: await this.viewFor(principal, earlier), replayed: true };
    }
    const community = await this.regions.requireCommunity(body.communityId);
    this.assertCostWithinCap(body.estimatedCost);
    await this.limits.assertResidentMaySubmit(principal.id);
    const photoIds = body.photoIds ?? [];
    await this.photos.assertAttachable(principal.id, photoIds, { role: 'wish' });
    // Before anything is stored: risky text is refused (422), text that needs a person waits for review.
    const screening = await this.content.screenUserText(principal.id, { title: body.title, content: body.description, scene: 'forum' });

    const now = this.clock.now();
    try {
      const id = await this.tx.run(async (m) => {
        const profile = await m.getRepository(User).findOne({ where: { id: principal.id }, select: { id: true, name: true, phoneCipher: true, address: true } });
        const wish = await this.wishes.insertWish(m, {
          ...this.fields(body),
          photoIds,
          communityId: community.id,
          regionPath: community.path,
          residentId: principal.id,
          residentName: profile?.name ?? '居民',
          residentPhoneCipher: body.phone ? this.cipher.encrypt(body.phone) : (profile?.phoneCipher ?? null),
          residentAddress: body.address ?? profile?.address ?? null,
          createdBy: principal.id,
          channel: 'mini_program',
          idempotencyKey: idempotencyKey ?? null,
          ...freshWishState(now),
        });
        await this.photos.attach(m, principal.id, photoIds, { wishId: wish.id, role: 'wish' }, now);
        await this.recordSubmission(m, wish, { id: principal.id, kind: 'resident', role: 'resident' }, now, screening);
        // Even an auto-approve community does not publish what the content check wants a person to read.
        if (community.autoApprove && screening.verdict === 'pass') await this.publish(m, wish, { id: null, kind: 'system', role: 'system' }, 'auto_approve', now);
        return wish.id;
      });
      const wish = await this.requireWish(id);
      this.logger.log({ wishId: id, communityId: community.id, status: wish.status, actor: principal.id }, 'wish submitted');
      return { wish: await this.viewFor(principal, wish), replayed: false };
    } catch (error) {
      // Two identical requests racing: the unique (created_by, idempotency_key) index lets one insert win.
      if (idempotencyKey) {
        const winner = await this.wishes.findByIdempotencyKey(principal.id, idempotencyKey);
        if (winner) return { wish: await this.viewFor(principal, winner), replayed: true };
      }
      throw error;
    }
  }

  /** The office enters a wish collected door to door (or by phone) for a resident. */
  async submitOffline(principal: Principal, body: OfflineWishBody): Promise<WishView> {
    const community = await this.regions.requireCommunity(body.communityId);
    const adminRole = await this.adminRoleFor(principal, community.path);
    if (!adminRole) throw WishErrors.WISH_NOT_FOUND.error('社区不在你的管辖范围内');
    this.assertCostWithinCap(body.estimatedCost);
    // Written down by the office, so the local list only; a hit is refused, never published.
    const screening = this.content.screenLocally(body.title, body.description);
    const now = this.clock.now();
    const actor = { id: principal.id, kind: 'admin' as const, role: adminRole };
    const id = await this.tx.run(async (m) => {
      const wish = await this.wishes.insertWish(m, {
        ...this.fields(body),
        photoIds: [],
        communityId: community.id,
        regionPath: community.path,
        residentId: null,
        residentName: body.resident.name,
        residentPhoneCipher: this.cipher.encrypt(body.resident.phone),
        residentAddress: body.resident.address,
        createdBy: principal.id,
        channel: body.channel ?? 'offline',
        idempotencyKey: null,
        ...freshWishState(now),
      });
      await this.recordSubmission(m, wish, actor, now, screening);
      if (body.publish ?? true) await this.publish(m, wish, actor, 'approve', now);
      await this.audit.record(m, { actor, action: 'wish.offline_entry', target: { type: 'wish', id: wish.id, regionPath: wish.regionPath }, detail: { channel: wish.channel } });
      return wish.id;
    });
    this.logger.log({ wishId: id, communityId: community.id, actor: principal.id }, 'offline wish entered');
    return this.viewFor(principal, await this.requireWish(id));
  }

  // ── Reading ────────────────────────────────────────────────────────────────

  async get(principal: Principal, id: number): Promise<WishView> {
    const wish = await this.requireWish(id);
    const relation = await this.relationTo(principal, wish);
    if (!this.canSee(relation, wish)) throw WishErrors.WISH_NOT_FOUND.error();
    const rights = this.rights(relation, wish);
    // Who looked at a resident's phone is audited (PIPL), whether an office or the member holding the claim.
    if (rights.contact && rights.contact.phone) {
      const actor = { id: principal.id, role: relation.admin ? (relation.adminRole ?? 'community_admin') : 'member' };
      await this.audit.record(null, { actor, action: 'wish.view_contact', target: { type: 'wish', id: wish.id, regionPath: wish.regionPath } });
    }
    return toWishView(wish, rights, await this.visiblePhotos(principal, [wish], relation.admin));
  }

  /**
   * How the caller stands to a wish, for the photos attached to it: the same rules as reading the
   * wish; offices in scope also see photos the content check has not passed. (Registered with media.)
   */
  async photoViewer(principal: Principal, wishId: number): Promise<WishPhotoViewer> {
    const wish = await this.wishes.findById(wishId);
    if (!wish) return { see: false, moderate: false };
    const relation = await this.relationTo(principal, wish);
    return { see: this.canSee(relation, wish), moderate: relation.admin };
  }

  async events(principal: Principal, id: number): Promise<WishEventView[]> {
    const wish = await this.requireWish(id);
    const relation = await this.relationTo(principal, wish);
    if (!this.canSee(relation, wish)) throw WishErrors.WISH_NOT_FOUND.error();
    return (await this.wishes.events(id)).map((event) => toEventView(event, relation.admin));
  }

  async mine(principal: Principal, query: StatusPageQuery): Promise<Page<WishView>> {
    const rows = await this.wishes.list({ residentId: principal.id, statuses: query.status ? [query.status] : undefined, cursor: query.cursor, limit: query.limit });
    return this.page(principal, rows, query.limit, { contact: false, claimer: true });
  }

  async claims(principal: Principal, query: StatusPageQuery): Promise<Page<WishView>> {
    const rows = await this.wishes.list({ claimerId: principal.id, statuses: query.status ? [query.status] : undefined, cursor: query.cursor, limit: query.limit });
    return this.page(principal, rows, query.limit, { contact: false, claimer: true });
  }

  /**
   * The wish wall. Members see the communities where they are registered (open wishes by default);
   * offices see their whole subtree in any status. Names are masked and no contact is shown.
   */
  async wall(principal: Principal, query: WishListQuery): Promise<Page<WishView>> {
    const adminPaths = await this.access.adminRegionPaths(principal);
    if (adminPaths.length > 0) {
      if (query.communityId) {
        const path = await this.access.pathOf(query.communityId);
        if (!path || !adminPaths.some((scope) => path.startsWith(scope))) return { items: [], nextCursor: null };
      }
      const rows = await this.wishes.list({
        pathPrefixes: query.communityId ? undefined : adminPaths,
        communityIds: query.communityId ? [query.communityId] : undefined,
        statuses: query.status ? [query.status] : undefined,
        category: query.category,
        cursor: query.cursor,
        limit: query.limit,
      });
      return this.page(principal, rows, query.limit, { contact: false, claimer: true }, true);
    }
    if (!hasRole(principal, 'member')) throw WishErrors.MEMBER_NOT_REGISTERED.error();
    const registered = await this.registrations.approvedCommunityIds(principal.id);
    if (query.communityId && !registered.includes(query.communityId)) throw WishErrors.MEMBER_NOT_REGISTERED.error();
    const status = query.status ?? 'open';
    if (!VISIBLE_TO_MEMBERS.includes(status)) return { items: [], nextCursor: null };
    const rows = await this.wishes.list({
      communityIds: query.communityId ? [query.communityId] : registered,
      statuses: [status],
      category: query.category,
      cursor: query.cursor,
      limit: query.limit,
    });
    return this.page(principal, rows, query.limit, { contact: false, claimer: false });
  }

  // ── Resident actions ───────────────────────────────────────────────────────

  /**
   * The new text passes the content check like a submission: risky is refused; when it needs a
   * person's review, a published wish goes back to pending_review (a system hold_for_review event).
   */
  async edit(principal: Principal, id: number, body: EditWishBody): Promise<WishView> {
    return this.transition(principal, id, 'edit', 'resident', {
      text: (wish) => [{ title: body.title ?? wish.title, content: body.description ?? wish.description, scene: 'forum' }],
      set: () => ({ ...(body.title !== undefined ? { title: body.title } : {}), ...(body.description !== undefined ? { description: body.description } : {}) }),
      detail: (_wish, screening) => ({ fields: Object.keys(body), ...contentCheckDetail(screening) }),
      alsoInTransaction: async (m, wish, now, screening) => {
        if (screening.verdict !== 'review' || wish.status !== 'open') return;
        const hold = checkTransition('hold_for_review', wish.status, 'system');
        if (!hold.ok) return;
        const held = await this.wishes.applyTransition(m, {
          wish,
          action: 'hold_for_review',
          to: hold.to,
          actor: { id: null, kind: 'system', role: 'system' },
          detail: contentCheckDetail(screening),
          now,
        });
        if (!held.ok) throw this.illegal('edit', (await this.wishes.currentStatus(m, id)) ?? wish.status);
      },
    });
  }

  async withdraw(principal: Principal, id: number, reason?: string): Promise<WishView> {
    return this.transition(principal, id, 'withdraw', 'resident', { reason, set: (_w, now) => ({ closedAt: now }) });
  }

  /** The resident confirms and rates; an office may do it on behalf of a resident without the app. */
  async confirm(principal: Principal, id: number, body: ConfirmBody, as: 'resident' | 'admin'): Promise<WishView> {
    return this.transition(principal, id, 'confirm', as, {
      text: () => (body.comment ? [{ content: body.comment, scene: 'comment' }] : []),
      detail: () => ({ rating: body.rating }),
      set: (_w, now) => ({ completedAt: now, rating: body.rating, ratingComment: body.comment ?? null }),
    });
  }

  /** Not fulfilled after all: back to the claimer. */
  async dispute(principal: Principal, id: number, reason: string, as: 'resident' | 'admin'): Promise<WishView> {
    return this.transition(principal, id, 'dispute', as, { reason, set: () => ({ fulfilledAt: null }) });
  }

  // ── Member actions ─────────────────────────────────────────────────────────

  /** The contended step: one conditional update decides the winner among concurrent claims. */
  async claim(principal: Principal, id: number): Promise<WishView> {
    let unitId: number | null = null;
    return this.transition(principal, id, 'claim', 'member', {
      guard: async (wish) => {
        if (wish.residentId === principal.id || wish.createdBy === principal.id) throw WishErrors.WISH_CLAIM_OWN.error();
        const registration = await this.registrations.approvedRegistration(principal.id, wish.communityId);
        if (!registration) throw WishErrors.MEMBER_NOT_REGISTERED.error();
        unitId = registration.unitId;
      },
      set: (_w, now) => ({ claimerId: principal.id, claimerUnitId: unitId, claimedAt: now }),
      newClaimerId: principal.id,
      claimLimit: this.config.wishes.claimLimit,
    });
  }

  async release(principal: Principal, id: number, reason: string, as: 'member' | 'admin'): Promise<WishView> {
    return this.transition(principal, id, 'release', as, {
      reason,
      detail: (wish) => ({ previousClaimerId: wish.claimerId }),
      set: () => ({ claimerId: null, claimerUnitId: null, claimedAt: null }),
    });
  }

  /** Evidence photos (1–9) are required unless the community turned the rule off; they are attached in the same transaction. */
  async fulfil(principal: Principal, id: number, body: FulfilBody): Promise<WishView> {
    const photoIds = body.photoIds ?? [];
    return this.transition(principal, id, 'fulfil', 'member', {
      guard: async (wish) => {
        if (photoIds.length === 0 && (await this.regions.requireCommunity(wish.communityId)).requireFulfilmentPhotos) {
          throw WishErrors.FULFIL_PHOTOS_REQUIRED.error();
        }
        await this.photos.assertAttachable(principal.id, photoIds, { wishId: wish.id, role: 'fulfilment' });
      },
      text: () => [{ content: body.note, scene: 'comment' }],
      set: (_w, now) => ({ fulfilledAt: now, fulfilmentNote: body.note, fulfilmentPhotoIds: photoIds }),
      alsoInTransaction: (m, wish, now) => this.photos.attach(m, principal.id, photoIds, { wishId: wish.id, role: 'fulfilment' }, now),
    });
  }

  // ── Office actions ─────────────────────────────────────────────────────────

  async approve(principal: Principal, id: number, reason?: string): Promise<WishView> {
    return this.transition(principal, id, 'approve', 'admin', { reason, set: (_w, now) => ({ reviewedAt: now }) });
  }

  async reject(principal: Principal, id: number, reason: string): Promise<WishView> {
    return this.transition(principal, id, 'reject', 'admin', { reason, set: (_w, now) => ({ reviewedAt: now, closedAt: now }) });
  }

  async cancel(principal: Principal, id: number, reason: string): Promise<WishView> {
    return this.transition(principal, id, 'cancel', 'admin', { reason, set: (_w, now) => ({ closedAt: now }) });
  }

  /** Assigns an open wish to a registered member, or reassigns a claimed one. */
  async assign(principal: Principal, id: number, body: AssignBody): Promise<WishView> {
    const wish = await this.requireWish(id);
    const action: WishAction = wish.status === 'claimed' ? 'reassign' : 'assign';
    let unitId: number | null = null;
    return this.transition(principal, id, action, 'admin', {
      reason: body.reason,
      detail: (current) => ({ memberId: body.memberId, previousClaimerId: current.claimerId }),
      guard: async (current) => {
        const registration = await this.registrations.approvedRegistration(body.memberId, current.communityId);
        if (!registration) throw WishErrors.ASSIGNEE_NOT_REGISTERED.error();
        if (current.residentId === body.memberId) throw WishErrors.WISH_CLAIM_OWN.error('不能把心愿指派给提交它的居民本人');
        unitId = registration.unitId;
      },
      set: (_w, now) => ({ claimerId: body.memberId, claimerUnitId: unitId, claimedAt: now }),
      newClaimerId: body.memberId,
      claimLimit: this.config.wishes.claimLimit,
    });
  }

  // ── System actions (the scheduler) ─────────────────────────────────────────

  /**
   * A transition by the scheduler (actor `system`): a claim that timed out goes back to open, a
   * fulfilment nobody confirmed completes (without a rating). `expectedVersion` is the version the
   * scheduler saw when it decided; the wish is re-read under a row lock, and nothing happens when it
   * changed since (fulfilled, released and claimed again…). False when nothing was done — also when
   * another instance did it first, so every instance may sweep.
   */
  async applySystemTransition(id: number, action: 'timeout_release' | 'auto_complete', now: Date, expectedVersion?: number): Promise<boolean> {
    const done = await this.tx.run(async (m) => {
      const qb = m.createQueryBuilder(Wish, 'w').select(['w.id', 'w.status', 'w.communityId', 'w.claimerId', 'w.claimedAt', 'w.version']).where('w.id = :id', { id });
      if (m.connection.options.type !== 'better-sqlite3') qb.setLock('pessimistic_write');
      const wish = await qb.getOne();
      if (!wish || (expectedVersion !== undefined && wish.version !== expectedVersion)) return false;
      const check = checkTransition(action, wish.status, 'system');
      if (!check.ok) return false;
      const result = await this.wishes.applyTransition(m, {
        wish,
        action,
        to: check.to,
        actor: { id: null, kind: 'system', role: 'system' },
        detail: action === 'timeout_release' ? { previousClaimerId: wish.claimerId, claimedAt: wish.claimedAt?.toISOString() ?? null } : null,
        set: action === 'timeout_release' ? { claimerId: null, claimerUnitId: null, claimedAt: null } : { completedAt: now },
        now,
      });
      return result.ok;
    });
    if (done) this.logger.log({ wishId: id, action, actor: 'system' }, 'wish transition');
    return done;
  }

  // ── The transition engine ──────────────────────────────────────────────────

  private async transition(principal: Principal, id: number, action: WishAction, as: Actor, options: TransitionOptions): Promise<WishView> {
    // Who may do what is decided on a plain read, before the transaction: inside it we only write,
    // so a transaction never waits for a second pooled connection. The conditional update below
    // re-checks the status the decision was based on.
    const wish = await this.requireWish(id);
    const relation = await this.relationTo(principal, wish);
    const actor = this.actorFor(principal, relation, wish, action, as);
    const check = checkTransition(action, wish.status, as, options.reason);
    if (!check.ok) {
      if (check.reason === 'reason_required') throw WishErrors.WISH_REASON_REQUIRED.error();
      throw this.illegal(action, wish.status);
    }
    await options.guard?.(wish);
    // Reasons, comments and notes are user text too: risky is refused here, before anything is written.
    const texts = [...(options.text?.(wish) ?? []), ...(options.reason ? [{ content: options.reason, scene: 'comment' as const }] : [])];
    const screening = await this.content.screenUserText(principal.id, ...texts);
    if (options.newClaimerId) await this.wishes.ensureClaimLoad(options.newClaimerId);

    await this.tx.run(async (m) => {
      const now = this.clock.now();
      const result = await this.wishes.applyTransition(m, {
        wish,
        action,
        to: check.to,
        actor,
        reason: options.reason ?? null,
        detail: options.detail?.(wish, screening) ?? null,
        set: options.set?.(wish, now),
        now,
        newClaimerId: options.newClaimerId,
        claimLimit: options.claimLimit,
      });
      if (!result.ok) {
        if (result.reason === 'claim_limit') throw WishErrors.CLAIM_LIMIT_REACHED.error();
        // Someone else changed the wish between our read and our conditional update.
        throw this.illegal(action, (await this.wishes.currentStatus(m, id)) ?? wish.status);
      }
      await options.alsoInTransaction?.(m, wish, now, screening);
      const audited = as === 'admin' ? wishAuditAction(action) : undefined;
      if (audited) {
        await this.audit.record(m, {
          actor,
          action: audited,
          target: { type: 'wish', id, regionPath: wish.regionPath },
          detail: { from: wish.status, to: check.to, ...(options.reason ? { reason: options.reason } : {}), ...(options.detail?.(wish, screening) ?? {}) },
        });
      }
    });
    this.logger.log({ wishId: id, action, from: wish.status, to: check.to, actor: principal.id, as }, 'wish transition');
    return this.viewFor(principal, await this.requireWish(id));
  }

  /** Who the caller acts as for this action, or 404 when they may not act on this wish at all. */
  private actorFor(principal: Principal, relation: Relation, wish: Wish, action: WishAction, as: Actor): { id: number; kind: Actor; role: string } {
    switch (as) {
      case 'resident':
        if (!relation.resident) throw WishErrors.WISH_NOT_FOUND.error();
        return { id: principal.id, kind: 'resident', role: 'resident' };
      case 'member':
        // Claiming needs a registration (checked in the guard, with its own code); other member actions need the claim.
        if (action === 'claim') {
          if (!hasRole(principal, 'member')) throw WishErrors.MEMBER_NOT_REGISTERED.error();
          if (!relation.registeredMember && !relation.claimer) throw WishErrors.MEMBER_NOT_REGISTERED.error();
        } else if (!relation.claimer) {
          throw WishErrors.WISH_NOT_FOUND.error();
        }
        return { id: principal.id, kind: 'member', role: 'member' };
      case 'admin':
        if (!relation.admin) throw WishErrors.WISH_NOT_FOUND.error();
        if ((action === 'confirm' || action === 'dispute') && wish.residentId !== null) throw WishErrors.WISH_RESIDENT_MUST_CONFIRM.error();
        return { id: principal.id, kind: 'admin', role: relation.adminRole ?? 'community_admin' };
      case 'system':
        throw new Error('system transitions are run by the scheduler, not by callers');
    }
  }

  private illegal(action: WishAction, status: WishStatus) {
    if (action === 'claim' && (status === 'claimed' || status === 'fulfilled' || status === 'completed')) return WishErrors.WISH_ALREADY_CLAIMED.error();
    return WishErrors.WISH_ILLEGAL_TRANSITION.error(`心愿当前状态为「${STATUS_LABEL[status]}」，不能执行该操作`, { status });
  }

  // ── Helpers ────────────────────────────────────────────────────────────────

  private async recordSubmission(m: EntityManager, wish: Wish, actor: { id: number | null; kind: Actor; role: string }, now: Date, screening: ContentDecision): Promise<void> {
    await this.wishes.insertEvent(m, {
      wishId: wish.id,
      communityId: wish.communityId,
      action: 'submit',
      fromStatus: null,
      toStatus: 'pending_review',
      actorId: actor.id,
      actorKind: actor.kind,
      actorRole: actor.role,
      reason: null,
      detail: { channel: wish.channel, ...contentCheckDetail(screening) },
      at: now,
    });
  }

  /** pending_review → open right after submission (auto-approve community, or an office's own entry). */
  private async publish(m: EntityManager, wish: Wish, actor: { id: number | null; kind: Actor; role: string }, action: 'approve' | 'auto_approve', now: Date): Promise<void> {
    const result = await this.wishes.applyTransition(m, { wish, action, to: 'open', actor, set: { reviewedAt: now }, now });
    if (!result.ok) throw new Error(`could not publish freshly inserted wish ${wish.id}`);
  }

  private fields(body: Pick<SubmitWishBody, 'title' | 'description' | 'category' | 'kind' | 'estimatedCost' | 'expectedBy'>): Partial<Wish> {
    return {
      title: body.title,
      description: body.description,
      category: body.category,
      kind: body.kind,
      estimatedCost: body.estimatedCost ?? null,
      expectedBy: body.expectedBy ?? null,
    };
  }


  private assertCostWithinCap(cost?: number): void {
    if (cost !== undefined && cost > this.config.wishes.costCapYuan) {
      throw WishErrors.WISH_COST_OVER_CAP.error(`预计费用不能超过 ${this.config.wishes.costCapYuan} 元`);
    }
  }

  private async requireWish(id: number): Promise<Wish> {
    const wish = await this.wishes.findById(id);
    if (!wish) throw WishErrors.WISH_NOT_FOUND.error();
    return wish;
  }

  private async adminRoleFor(principal: Principal, path: string): Promise<string | undefined> {
    for (const claim of [...claimsOf(principal, 'community_admin'), ...claimsOf(principal, 'region_admin')]) {
      const scope = claim.regionId ? await this.access.pathOf(claim.regionId) : undefined;
      if (scope && path.startsWith(scope)) return claim.role;
    }
    return undefined;
  }

  private async relationTo(principal: Principal, wish: Wish): Promise<Relation> {
    const adminRole = await this.adminRoleFor(principal, wish.regionPath);
    const registeredMember =
      hasRole(principal, 'member') && (await this.registrations.approvedCommunityIds(principal.id)).includes(wish.communityId);
    return {
      resident: wish.residentId === principal.id,
      claimer: wish.claimerId === principal.id,
      registeredMember,
      admin: adminRole !== undefined,
      unitAdmin: wish.claimerUnitId !== null && this.access.adminUnitIds(principal).includes(wish.claimerUnitId),
      adminRole,
    };
  }

  private canSee(relation: Relation, wish: Wish): boolean {
    return relation.resident || relation.claimer || relation.admin || relation.unitAdmin || (relation.registeredMember && VISIBLE_TO_MEMBERS.includes(wish.status));
  }

  private rights(relation: Relation, wish: Wish): WishViewerRights {
    const contact = relation.admin || (relation.claimer && CLAIM_HELD.includes(wish.status));
    return {
      contact: contact ? { phone: this.cipher.decryptNullable(wish.residentPhoneCipher) } : false,
      claimer: relation.resident || relation.claimer || relation.admin || relation.unitAdmin,
    };
  }

  private async viewFor(principal: Principal, wish: Wish): Promise<WishView> {
    const relation = await this.relationTo(principal, wish);
    return toWishView(wish, this.rights(relation, wish), await this.visiblePhotos(principal, [wish], relation.admin));
  }

  /** `moderator`: an office in scope of every row, which also sees photos the content check has not passed. */
  private async page(principal: Principal, rows: Wish[], limit: number, rights: WishViewerRights, moderator = false): Promise<Page<WishView>> {
    const visible = await this.visiblePhotos(principal, rows, moderator);
    return toPage(rows, limit, (w) => ({ at: w.createdAt, id: w.id }), (w) => toWishView(w, rights, visible));
  }

  private visiblePhotos(principal: Principal, wishes: Wish[], moderator: boolean): Promise<Set<string>> {
    return this.photos.visibleIds(principal.id, wishes.flatMap((w) => [...w.photoIds, ...w.fulfilmentPhotoIds]), moderator);
  }
}

/** What the submit/edit event records about a content check that asked for a person's review. */
function contentCheckDetail(screening: ContentDecision): Record<string, unknown> {
  if (screening.verdict !== 'review') return {};
  return { contentCheck: { verdict: screening.verdict, by: screening.by, ...(screening.label ? { label: screening.label } : {}), ...(screening.reason ? { reason: screening.reason } : {}) } };
}
