import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Clock } from '../time/clock';

export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  endsAt: number;
  blockedUntil: number;
}

/** Expired windows are dropped every this many increments, so idle keys do not accumulate. */
const SWEEP_EVERY = 1000;

/**
 * In-process rate-limit counters read against the injectable Clock, so tests move time instead of
 * waiting out a window (the library's own storage reads Date.now()).
 *
 * Fixed windows, the same semantics as the Redis storage used with several instances: the first hit
 * opens a window of `ttl` ms; the hit after `limit` blocks the key for `blockDuration` ms, during
 * which every hit is refused; once the block and the window are over the count starts again.
 */
export class ClockThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private increments = 0;

  constructor(private readonly clock: Clock) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const now = this.clock.now().getTime();
    if (++this.increments % SWEEP_EVERY === 0) this.sweep(now);
    const id = `${throttlerName}:${key}`;
    let window = this.windows.get(id);
    if (!window || (window.endsAt <= now && window.blockedUntil <= now)) {
      window = { hits: 0, endsAt: now + ttl, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    const seconds = (until: number) => Math.max(1, Math.ceil((until - now) / 1000));
    if (window.blockedUntil > now) {
      return { totalHits: window.hits, timeToExpire: seconds(window.endsAt), isBlocked: true, timeToBlockExpire: seconds(window.blockedUntil) };
    }
    window.hits += 1;
    if (window.hits > limit) {
      window.blockedUntil = now + blockDuration;
      return { totalHits: window.hits, timeToExpire: seconds(window.endsAt), isBlocked: true, timeToBlockExpire: seconds(window.blockedUntil) };
    }
    return { totalHits: window.hits, timeToExpire: seconds(window.endsAt), isBlocked: false, timeToBlockExpire: 0 };
  }

  private sweep(now: number): void {
    for (const [id, window] of this.windows) {
      if (window.endsAt <= now && window.blockedUntil <= now) this.windows.delete(id);
    }
  }
}
