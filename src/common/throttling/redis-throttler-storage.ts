import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import type { ThrottlerStorageRecord } from './clock-throttler-storage';

/**
 * Rate-limit counters in Redis, shared by every instance (an atomic Lua script per hit, timed by
 * the Redis server's clock). When Redis cannot be reached the request is let through and a warning
 * logged: a rate limiter must not take the whole service down with it.
 *
 * `enableOfflineQueue: false` and one retry make a command fail at once while Redis is away instead
 * of queueing requests behind a reconnect.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: Redis;
  private readonly inner: ThrottlerStorageRedisService;
  private lastWarning = 0;

  constructor(url: string) {
    this.redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, keyPrefix: 'wish:rl:' });
    // Connection errors are reported per command below; ioredis would otherwise print each retry.
    this.redis.on('error', () => undefined);
    this.inner = new ThrottlerStorageRedisService(this.redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      return await this.inner.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      const now = Date.now();
      if (now - this.lastWarning > 10_000) {
        this.lastWarning = now;
        this.logger.warn({ err: (error as Error).message }, 'rate-limit store unreachable; requests are not limited meanwhile');
      }
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /** Connects before the first request; a Redis that is down at start-up is retried in the background. */
  async onModuleInit(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'rate-limit store unreachable at start-up; requests are not limited until it is');
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect(false);
  }
}
