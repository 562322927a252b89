import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Principal, requestTag } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { contentCheckDetail, ContentDecision, ContentGuard } from '../content/content-guard';
import { FieldCipher } from '../common/crypto/field-cipher';
import { Clock } from '../common/time/clock';
import { rawQuery } from '../database/raw-query';
import { TransactionRunner } from '../database/transaction-runner';
import { UploadsService } from '../media/uploads.service';
import { RegionsService } from '../regions/regions.service';
import type { User } from '../users/user.entity';
import { OfflineWishBody, SubmitWishBody } from './dto/wish.dto';
import { WishView } from './dto/wish.view';
import { WishLimits } from './wish-limits';
import { WishReadRepository } from './wish-read.repository';
import { WishRelations } from './wish-relations';
import { WishRepository } from './wish.repository';
import type { Actor } from './wish-state';
import { freshWishState, NewWish, Wish } from './wish.entity';
import { WishErrors } from './wish.errors';

type SubmissionActor = { id: number | null; kind: Actor; role: string };

/** New wishes: a resident's own (mini-program), and those an office enters for a resident (door to door, hotline). */
@Injectable()
export class WishSubmissions {
  private readonly logger = new Logger(WishSubmissions.name);

  constructor(
    private readonly wishes: WishRepository,
    private readonly reads: WishReadRepository,
    private readonly relations: WishRelations,
    private readonly limits: WishLimits,
    private readonly regions: RegionsService,
    private readonly content: ContentGuard,
    private readonly photos: UploadsService,
    private readonly cipher: FieldCipher,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  /** A resident posts a wish. The same Idempotency-Key from the same user returns the first wish. */
  async submit(principal: Principal, body: SubmitWishBody, idempotencyKey?: string): Promise<{ wish: WishView; replayed: boolean }> {
    if (idempotencyKey) {
      const earlier = await this.reads.findByIdempotencyKey(principal.id, idempotencyKey);
      if (earlier) return { wish: await this.relations.view(principal, earlier), replayed: true };
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
        const [profile] = await rawQuery<Pick<User, 'name' | 'phoneCipher' | 'address'>>(m, 'SELECT name, phone_cipher AS phoneCipher, address FROM app_user WHERE id = :id', { id: principal.id });
        // Spreads last: a literal that opens with a spread takes V8's slow path for every property
        // after it (24 µs for this one, against 0.3 µs; issue #7).
        const wish = await this.wishes.insertWish(m, {
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
          ...this.fields(body),
          ...freshWishState(now),
        });
        await this.photos.attach(m, principal.id, photoIds, { wishId: wish.id, role: 'wish' }, now);
        await this.recordSubmission(m, wish, { id: principal.id, kind: 'resident', role: 'resident' }, now, screening);
        // Even an auto-approve community does not publish what the content check wants a person to read.
        if (community.autoApprove && screening.verdict === 'pass') await this.publish(m, wish, { id: null, kind: 'system', role: 'system' }, 'auto_approve', now);
        return wish.id;
      });
      const wish = await this.reads.requireById(id);
      this.logger.log({ wishId: id, communityId: community.id, status: wish.status, actor: principal.id, ...requestTag(principal) }, 'wish submitted');
      return { wish: await this.relations.view(principal, wish), replayed: false };
    } catch (error) {
      // Two identical requests racing: the unique (created_by, idempotency_key) index lets one insert win.
      if (idempotencyKey) {
        const winner = await this.reads.findByIdempotencyKey(principal.id, idempotencyKey);
        if (winner) return { wish: await this.relations.view(principal, winner), replayed: true };
      }
      throw error;
    }
  }

  /** The office enters a wish collected door to door (or by phone) for a resident. */
  async submitOffline(principal: Principal, body: OfflineWishBody): Promise<WishView> {
    const community = await this.regions.requireCommunity(body.communityId);
    const adminRole = await this.relations.adminRoleFor(principal, community.path);
    if (!adminRole) throw WishErrors.WISH_NOT_FOUND.error('社区不在你的管辖范围内');
    this.assertCostWithinCap(body.estimatedCost);
    // Written down by the office, so the local list only; a hit is refused, never published.
    const screening = this.content.screenLocally(body.title, body.description);
    const now = this.clock.now();
    const actor = { id: principal.id, kind: 'admin' as const, role: adminRole };
    const id = await this.tx.run(async (m) => {
      const wish = await this.wishes.insertWish(m, {
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
        ...this.fields(body),
        ...freshWishState(now),
      });
      await this.recordSubmission(m, wish, actor, now, screening);
      if (body.publish ?? true) await this.publish(m, wish, actor, 'approve', now);
      await this.audit.record(m, { actor, origin: principal.origin, action: 'wish.offline_entry', target: { type: 'wish', id: wish.id, regionPath: wish.regionPath }, detail: { channel: wish.channel } });
      return wish.id;
    });
    this.logger.log({ wishId: id, communityId: community.id, actor: principal.id, ...requestTag(principal) }, 'offline wish entered');
    return this.relations.view(principal, await this.reads.requireById(id));
  }

  private async recordSubmission(m: EntityManager, wish: Wish, actor: SubmissionActor, now: Date, screening: ContentDecision): Promise<void> {
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
  private async publish(m: EntityManager, wish: Wish, actor: SubmissionActor, action: 'approve' | 'auto_approve', now: Date): Promise<void> {
    const result = await this.wishes.applyTransition(m, { wish, action, to: 'open', actor, set: { reviewedAt: now }, now });
    if (!result.ok) throw new Error(`could not publish freshly inserted wish ${wish.id}`);
  }

  private fields(body: Pick<SubmitWishBody, 'title' | 'description' | 'category' | 'kind' | 'estimatedCost' | 'expectedBy'>): Pick<NewWish, 'title' | 'description' | 'category' | 'kind' | 'estimatedCost' | 'expectedBy'> {
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
}
