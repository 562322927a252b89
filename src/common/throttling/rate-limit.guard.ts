import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { AccessTokenVerifier } from '../../auth/access-token.verifier';
import type { Principal } from '../../auth/principal';
import { CommonErrors } from '../errors/domain-error';

/**
 * The global rate limit. It runs before authentication (so floods of bad tokens are limited too)
 * and counts per user when the request carries a valid access token, else per client IP — the
 * address Fastify reports, which honours TRUST_PROXY (X-Forwarded-For is believed only behind
 * our own proxy). A refusal is the coded 429 RATE_LIMITED with Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly tokens: AccessTokenVerifier,
  ) {
    super(options, storage, reflector);
  }

  protected override async getTracker(req: { ip: string; headers: Record<string, string | undefined>; principal?: Principal }): Promise<string> {
    // Verified, not just decoded: a forged `sub` must not buy a fresh counter.
    const userId = req.principal?.id ?? this.tokens.userIdOf(req.headers.authorization);
    return userId !== undefined ? `user:${userId}` : `ip:${await super.getTracker(req)}`;
  }

  /** One counter per (limit, caller) over all the routes the limit covers, not one per route. */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw CommonErrors.RATE_LIMITED.error(undefined, { retryAfterSeconds: Math.max(1, detail.timeToBlockExpire) });
  }
}
