import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { wishAuditAction } from '../audit/audit-log.entity';
import { AuditService } from '../audit/audit.service';
import { hasRole, Principal, requestTag } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { contentCheckDetail, ContentDecision, ContentGuard, UserText } from '../content/content-guard';
import { Clock } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { UploadsService } from '../media/uploads.service';
import { RegistrationsService } from '../members/registrations.service';
import { RegionsService } from '../regions/regions.service';
import { AssignBody, ConfirmBody, EditWishBody, FulfilBody } from './dto/wish.dto';
import { WishView } from './dto/wish.view';
import { WishReadRepository, WishRecord } from './wish-read.repository';
import { Relation, WishRelations } from './wish-relations';
import { WishRepository } from './wish.repository';
import { Actor, checkTransition, STATUS_LABEL, WishAction, WishStatus } from './wish-state';
import { Wish } from './wish.entity';
import { WishErrors } from './wish.errors';

interface TransitionOptions {
  reason?: string | null;
  /** User text of this action besides the reason (checked together with it before anything is written). */
  text?: (wish: WishRecord) => UserText[];
  detail?: (wish: WishRecord, screening: ContentDecision) => Record<string, unknown>;
  /** Extra checks after the state check (registration, ownership…). */
  guard?: (wish: WishRecord) => Promise<void>;
  /** Columns set together with the status. */
  set?: (wish: WishRecord, now: Date) => QueryDeepPartialEntity<Wish>;
  newClaimerId?: number;
  claimLimit?: number;
  /** More writes in the transition's own transaction, after the status change (attaching photos, a hold). */
  alsoInTransaction?: (manager: EntityManager, wish: WishRecord, now: Date, screening: ContentDecision) => Promise<void>;
}

/**
 * The actions on an existing wish (transitions). Each one: find the wish, decide who the caller is
 * to it (404 when they may not see it), check the transition table, then change status + claim
 * slots + event in one transaction. (New wishes: WishSubmissions; reads: WishQueries.)
 */
@Injectable()
export class WishService {
  private readonly logger = new Logger(WishService.name);

  constructor(
    private readonly wishes: WishRepository,
    private readonly reads: WishReadRepository,
    private readonly relations: WishRelations,
    private readonly registrations: RegistrationsService,
    private readonly regions: RegionsService,
    private readonly content: ContentGuard,
    private readonly photos: UploadsService,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

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
        unitId = await this.registrations.approvedUnitId(principal.id, wish.communityId);
        if (unitId === null) throw WishErrors.MEMBER_NOT_REGISTERED.error();
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
    const wish = await this.reads.requireById(id);
    const action: WishAction = wish.status === 'claimed' ? 'reassign' : 'assign';
    let unitId: number | null = null;
    return this.transition(principal, id, action, 'admin', {
      reason: body.reason,
      detail: (current) => ({ memberId: body.memberId, previousClaimerId: current.claimerId }),
      guard: async (current) => {
        unitId = await this.registrations.approvedUnitId(body.memberId, current.communityId);
        if (unitId === null) throw WishErrors.ASSIGNEE_NOT_REGISTERED.error();
        if (current.residentId === body.memberId) throw WishErrors.WISH_CLAIM_OWN.error('不能把心愿指派给提交它的居民本人');
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
    const wish = await this.reads.requireById(id);
    // Read once: the answer after the write is built for the same caller.
    const registeredIn = await this.relations.memberCommunities(principal);
    const relation = await this.relations.relationTo(principal, wish, registeredIn);
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

    const detail = options.detail?.(wish, screening) ?? null;
    await this.tx.run(async (m) => {
      const now = this.clock.now();
      const result = await this.wishes.applyTransition(m, {
        wish,
        action,
        to: check.to,
        actor,
        reason: options.reason ?? null,
        detail,
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
          origin: principal.origin,
          action: audited,
          target: { type: 'wish', id, regionPath: wish.regionPath },
          detail: { from: wish.status, to: check.to, ...(options.reason ? { reason: options.reason } : {}), ...(detail ?? {}) },
        });
      }
    });
    this.logger.log({ wishId: id, action, from: wish.status, to: check.to, actor: principal.id, as, ...requestTag(principal) }, 'wish transition');
    return this.relations.view(principal, await this.reads.requireById(id), registeredIn);
  }

  /** Who the caller acts as for this action, or 404 when they may not act on this wish at all. */
  private actorFor(principal: Principal, relation: Relation, wish: WishRecord, action: WishAction, as: Actor): { id: number; kind: Actor; role: string } {
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
}
