import { DynamicModule, ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { getOptionsToken, getStorageToken, normalizeIp, ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config';
import { Clock, MINUTE } from '../time/clock';
import { ClockThrottlerStorage } from './clock-throttler-storage';
import { RATE_LIMIT_KEY, RouteRateLimit } from './rate-limit.decorator';
import { RateLimitGuard } from './rate-limit.guard';
import { RedisThrottlerStorage } from './redis-throttler-storage';

/**
 * Request rate limits (DESIGN §3): `default` on every route per user or IP, and the stricter named
 * limits `auth` and `submit` on the routes marked with `@RateLimit(name)`. Counters live in Redis
 * when REDIS_URL is set (so N instances share them), else in process memory timed by the Clock.
 *
 * Import this module before AuthModule: global guards run in registration order, and the limit
 * should be counted before a request is refused for its token.
 */
@Module({})
export class ThrottlingModule {
  /**
   * With RATE_LIMIT_ENABLED=false no guard is registered at all: a guard that only decides to skip
   * still ran its metadata lookups and promises on every request (~8 % of a wish-detail request's CPU,
   * issue #7).
   */
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.rateLimit.enabled) return { module: ThrottlingModule };
    return {
      module: ThrottlingModule,
      providers: [
        {
          provide: getOptionsToken(),
          inject: [Reflector],
          useFactory: (reflector: Reflector): ThrottlerModuleOptions => {
            const limits = config.rateLimit;
            const onlyOn = (name: RouteRateLimit) => (context: ExecutionContext) =>
              reflector.getAllAndOverride<RouteRateLimit | undefined>(RATE_LIMIT_KEY, [context.getHandler(), context.getClass()]) !== name;
            return {
              throttlers: [
                { name: 'default', ttl: MINUTE, limit: limits.defaultPerMinute },
                // Per IP even when a token is sent along: logins are where guessing happens.
                { name: 'auth', ttl: MINUTE, limit: limits.authPerMinute, skipIf: onlyOn('auth'), getTracker: (req) => `ip:${normalizeIp(String(req.ip))}` },
                { name: 'submit', ttl: MINUTE, limit: limits.submitPerMinute, skipIf: onlyOn('submit') },
              ],
            };
          },
        },
        {
          provide: getStorageToken(),
          inject: [Clock],
          useFactory: (clock: Clock): ThrottlerStorage => (config.redisUrl ? new RedisThrottlerStorage(config.redisUrl) : new ClockThrottlerStorage(clock)),
        },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
    };
  }
}
