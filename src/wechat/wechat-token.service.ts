import { forwardRef, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { FieldCipher } from '../common/crypto/field-cipher';
import { Clock, MINUTE } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { WechatClient } from './wechat.client';
import { WechatErrors } from './wechat.errors';
import { WechatToken } from './wechat-token.entity';

/** WeChat issues the next token in the last 5 minutes of the old one and accepts both meanwhile: refresh inside that window. */
export const REFRESH_MARGIN_MS = 5 * MINUTE;
/** How long one instance may hold the refresh lease (a stable_token call with the client's retries fits well inside). */
export const REFRESH_LEASE_MS = 30_000;

/**
 * The mini-program's access token, cached in the database and shared by every instance.
 *
 * - A token is used while more than 5 minutes of it remain; then it is refreshed through
 *   `POST /cgi-bin/stable_token` (never `force_refresh`, which is limited and would invalidate the
 *   token other instances are using).
 * - Single flight: in this process concurrent callers share one promise; across instances a lease
 *   on the shared row, taken by a conditional update, lets one instance refresh while the others
 *   re-read the row every WECHAT_TOKEN_POLL_MS until the token appears.
 * - A failed refresh throws: the caller never gets back the token that was just found stale or
 *   refused (the bug WECHAT.md warns about).
 * - `invalidate(token)` forgets a token WeChat refused (40001/42001/40014), but only while it is
 *   still the cached one, so a late 40001 for an old token cannot wipe a newer token.
 *
 * Lease and expiry times come from the Clock; only the waiting uses real (short) timers.
 */
@Injectable()
export class WechatTokenService {
  private readonly logger = new Logger(WechatTokenService.name);
  /** Names this instance as holder of the refresh lease. */
  private readonly instanceId = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private cached?: { token: string; expiresAt: Date };
  private inflight?: { generation: number; promise: Promise<string> };
  /** Bumped when the cached token is invalidated, so a lookup started before that cannot hand it out again. */
  private generation = 0;
  private rowExists = false;

  constructor(
    // WechatClient calls back into this service for its authenticated calls; forwardRef breaks the cycle.
    @Inject(forwardRef(() => WechatClient)) private readonly client: WechatClient,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly cipher: FieldCipher,
    private readonly config: AppConfig,
  ) {}

  /** A token with more than 5 minutes to live; refreshes it (once for all callers and instances) when needed. */
  async getAccessToken(): Promise<string> {
    if (this.cached && this.usable(this.cached.expiresAt)) return this.cached.token;
    if (!this.inflight || this.inflight.generation !== this.generation) {
      const generation = this.generation;
      const promise = this.obtain(generation).finally(() => {
        if (this.inflight?.promise === promise) this.inflight = undefined;
      });
      this.inflight = { generation, promise };
    }
    return this.inflight.promise;
  }

  /** Forgets `token` after WeChat refused it, here and in the shared row — only if it is still the current one. */
  async invalidate(token: string): Promise<void> {
    if (this.cached?.token === token) {
      this.cached = undefined;
      this.generation += 1;
    }
    const appId = this.appId();
    const now = this.clock.now();
    const result = await this.tx.run((m) =>
      m
        .createQueryBuilder()
        .update(WechatToken)
        .set({ tokenCipher: null, tokenFingerprint: null, expiresAt: null, updatedAt: now })
        .where('app_id = :appId AND token_fingerprint = :fingerprint', { appId, fingerprint: fingerprint(token) })
        .execute(),
    );
    if (result.affected) this.logger.warn({ appId }, 'WeChat refused the cached access token; it is forgotten and will be fetched again');
  }

  private async obtain(generation: number): Promise<string> {
    const appId = this.appId();
    const pollMs = this.config.wechat.tokenPollMs;
    // Wait at most about one lease for another instance's refresh; after that its lease has run out and ours can be taken.
    const maxPolls = Math.ceil(REFRESH_LEASE_MS / pollMs) + 1;
    for (let poll = 0; ; poll++) {
      const stored = await this.readStored(appId);
      if (stored) return this.remember(stored, generation);
      if (await this.takeLease(appId)) return this.refreshUnderLease(appId, generation);
      if (poll >= maxPolls) {
        this.logger.error({ appId }, 'gave up waiting for another instance to refresh the WeChat access token');
        throw WechatErrors.WECHAT_UNAVAILABLE.error();
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  private async refreshUnderLease(appId: string, generation: number): Promise<string> {
    try {
      // Another instance may have stored a fresh token between our read and our lease.
      const stored = await this.readStored(appId);
      if (stored) return this.remember(stored, generation);
      const fetched = await this.client.fetchStableToken();
      const now = this.clock.now();
      const expiresAt = new Date(now.getTime() + fetched.expiresInSeconds * 1000);
      await this.tx.run((m) =>
        m
          .createQueryBuilder()
          .update(WechatToken)
          .set({ tokenCipher: this.cipher.encrypt(fetched.accessToken), tokenFingerprint: fingerprint(fetched.accessToken), expiresAt, updatedAt: now })
          .where('app_id = :appId', { appId })
          .execute(),
      );
      this.logger.log({ appId, expiresAt }, 'WeChat access token refreshed');
      return this.remember({ token: fetched.accessToken, expiresAt }, generation);
    } finally {
      await this.releaseLease(appId);
    }
  }

  private remember(entry: { token: string; expiresAt: Date }, generation: number): string {
    // A lookup that began before an invalidation must not re-cache what it found then.
    if (generation === this.generation) this.cached = entry;
    return entry.token;
  }

  private async readStored(appId: string): Promise<{ token: string; expiresAt: Date } | undefined> {
    const row = await this.dataSource.getRepository(WechatToken).findOneBy({ appId });
    if (row) this.rowExists = true;
    if (!row?.tokenCipher || !row.expiresAt || !this.usable(row.expiresAt)) return undefined;
    try {
      return { token: this.cipher.decrypt(row.tokenCipher), expiresAt: row.expiresAt };
    } catch {
      // Encrypted with another FIELD_ENCRYPTION_KEY (rotated): as good as missing.
      return undefined;
    }
  }

  /** The refresh lease, by conditional update: of all instances asking at once, exactly one sees `affected = 1`. */
  private async takeLease(appId: string): Promise<boolean> {
    const now = this.clock.now();
    const result = await this.tx.run(async (m) => {
      if (!this.rowExists) {
        await m.createQueryBuilder().insert().into(WechatToken).values({ appId, updatedAt: now }).orIgnore().execute();
      }
      return m
        .createQueryBuilder()
        .update(WechatToken)
        .set({ refreshingUntil: new Date(now.getTime() + REFRESH_LEASE_MS), refreshingBy: this.instanceId, updatedAt: now })
        .where('app_id = :appId AND (refreshing_until IS NULL OR refreshing_until < :now)', { appId, now })
        .execute();
    });
    this.rowExists = true;
    return Boolean(result.affected);
  }

  private async releaseLease(appId: string): Promise<void> {
    try {
      await this.tx.run((m) =>
        m
          .createQueryBuilder()
          .update(WechatToken)
          .set({ refreshingUntil: null, refreshingBy: null })
          .where('app_id = :appId AND refreshing_by = :me', { appId, me: this.instanceId })
          .execute(),
      );
    } catch (error) {
      // The lease runs out by itself; a failure here only delays the next refresh by REFRESH_LEASE_MS.
      this.logger.warn({ appId, reason: (error as Error).message }, 'could not release the access-token refresh lease');
    }
  }

  private usable(expiresAt: Date): boolean {
    return expiresAt.getTime() - this.clock.now().getTime() > REFRESH_MARGIN_MS;
  }

  private appId(): string {
    if (!this.config.wechat.appId || !this.config.wechat.secret) throw WechatErrors.WECHAT_NOT_CONFIGURED.error();
    return this.config.wechat.appId;
  }
}

function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 32);
}
