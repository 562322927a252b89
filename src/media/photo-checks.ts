import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Clock, DAY } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { User } from '../users/user.entity';
import { SECURITY_SUGGESTS, SecurityScene, SecuritySuggest, WechatClient } from '../wechat/wechat.client';
import { WechatPushes, WechatPushEvent } from '../wechat/wechat-push';
import { CheckStatus, Upload } from './upload.entity';

/** How long the URL handed to WeChat's checker stays valid (its verdict comes within about 30 minutes). */
const CHECK_URL_TTL_MS = DAY;
/** Unsent checks are re-sent for this long after the upload; later the photo just stays hidden. */
const RESEND_WINDOW_MS = DAY;
const RESEND_BATCH = 100;

/**
 * The content check of photos (MEDIA_CHECK=wechat): each upload is sent to WeChat's
 * mediaCheckAsync with a short-lived signed URL, and stays `pending` — hidden from everyone but its
 * owner and the offices — until the verdict is pushed to /wechat/callback. The upload row is its own
 * outbox: a check WeChat did not accept keeps `trace_id` empty and is sent again by the sweep.
 *
 * With MEDIA_CHECK=off photos are `pass` as soon as they are stored (after the type check and the
 * re-encoding that strips metadata). Photos uploaded by accounts without a WeChat openid (office
 * staff on the web) cannot be sent — mediaCheckAsync v2 requires the uploader's openid — and are
 * `pass` as well: offices are accountable for what they post.
 */
@Injectable()
export class PhotoChecks implements OnModuleInit {
  private readonly logger = new Logger(PhotoChecks.name);

  constructor(
    @InjectRepository(Upload) private readonly uploads: Repository<Upload>,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly wechat: WechatClient,
    private readonly pushes: WechatPushes,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.pushes.on('wxa_media_check', (event) => this.applyVerdict(event));
  }

  private get enabled(): boolean {
    return this.config.media.check === 'wechat';
  }

  /** The status a new upload starts in, and the openid to send its check with. */
  async initialStatus(ownerId: number): Promise<{ status: CheckStatus; openid: string | null }> {
    if (!this.enabled) return { status: 'pass', openid: null };
    const openid = await this.openidOf(ownerId);
    return openid ? { status: 'pending', openid } : { status: 'pass', openid: null };
  }

  /**
   * Asks WeChat to check one photo. Best effort: on failure the upload keeps no trace_id and the
   * sweep sends it again; the photo stays hidden meanwhile, so nothing is shown unchecked.
   */
  async send(uploadId: string, openid: string): Promise<boolean> {
    try {
      const { traceId } = await this.wechat.mediaCheckAsync({ mediaUrl: this.signedUrl(uploadId), openid, scene: SecurityScene.forum });
      await this.tx.run((m) =>
        m.createQueryBuilder().update(Upload).set({ traceId }).where('id = :uploadId AND trace_id IS NULL', { uploadId }).execute(),
      );
      this.logger.log({ uploadId, traceId }, 'photo sent to WeChat for checking');
      return true;
    } catch (error) {
      this.logger.warn({ uploadId, reason: (error as Error).message }, 'could not send the photo to WeChat for checking; the sweep will retry');
      return false;
    }
  }

  /** Sends again the checks WeChat did not accept (recent pending uploads without a trace_id). */
  async resendUnsent(now: Date): Promise<number> {
    if (!this.enabled) return 0;
    const unsent = await this.uploads.find({
      select: { id: true, ownerId: true },
      where: { status: 'pending', traceId: IsNull(), createdAt: MoreThan(new Date(now.getTime() - RESEND_WINDOW_MS)) },
      order: { createdAt: 'ASC' },
      take: RESEND_BATCH,
    });
    let sent = 0;
    for (const upload of unsent) {
      const openid = await this.openidOf(upload.ownerId);
      if (openid && (await this.send(upload.id, openid))) sent += 1;
    }
    return sent;
  }

  /** The public https URL WeChat fetches the photo from: `/uploads/:id/check-copy`, signed, valid for a day. */
  signedUrl(uploadId: string): string {
    const expires = Math.floor((this.clock.now().getTime() + CHECK_URL_TTL_MS) / 1000);
    return `${this.config.http.publicBaseUrl}/api/v1/uploads/${uploadId}/check-copy?expires=${expires}&signature=${this.sign(uploadId, expires)}`;
  }

  verifySignedUrl(uploadId: string, expires: unknown, signature: unknown): boolean {
    // Query values are unchecked input: a repeated parameter arrives as an array.
    if (typeof expires !== 'string' || typeof signature !== 'string' || !signature || !/^\d{1,12}$/.test(expires)) return false;
    if (Number(expires) * 1000 < this.clock.now().getTime()) return false;
    const expected = Buffer.from(this.sign(uploadId, Number(expires)));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * The verdict pushed by WeChat. Idempotent by trace_id: only a `pending` upload changes, so a
   * repeated push (WeChat repeats them) changes nothing. A push WeChat could not complete (errcode ≠ 0)
   * holds the photo for review rather than showing it unchecked.
   */
  async applyVerdict(event: WechatPushEvent): Promise<void> {
    const traceId = typeof event.trace_id === 'string' ? event.trace_id : '';
    if (!traceId) {
      this.logger.warn('wxa_media_check push without trace_id ignored');
      return;
    }
    const result = (event.result ?? {}) as { suggest?: unknown; label?: unknown };
    const checked = Number(event.errcode ?? 0) === 0 && SECURITY_SUGGESTS.includes(result.suggest as SecuritySuggest);
    const status: CheckStatus = checked ? (result.suggest as SecuritySuggest) : 'review';
    const label = Number(result.label) || null;
    const now = this.clock.now();
    const updated = await this.tx.run((m) =>
      m
        .createQueryBuilder()
        .update(Upload)
        .set({ status, checkLabel: label, checkedAt: now })
        .where('trace_id = :traceId AND status = :pending', { traceId, pending: 'pending' })
        .execute(),
    );
    if (!checked) this.logger.error({ traceId, errcode: event.errcode ?? null }, 'WeChat could not check a photo; it is held for review');
    if (updated.affected) this.logger.log({ traceId, status, label }, 'photo check verdict applied');
    else this.logger.log({ traceId }, 'photo check verdict for an unknown or already decided trace_id ignored');
  }

  private sign(uploadId: string, expires: number): string {
    return createHmac('sha256', this.config.media.urlSigningKey).update(`${uploadId}.${expires}`).digest('base64url');
  }

  private async openidOf(userId: number): Promise<string | null> {
    return (await this.users.findOne({ where: { id: userId }, select: { id: true, openid: true } }))?.openid ?? null;
  }
}
