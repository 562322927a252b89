import { Injectable } from '@nestjs/common';

/**
 * The one source of "now". Services never call `new Date()` for domain times, so tests can
 * move time (lockouts, timeouts, windows) without sleeping.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock a test can set and advance. */
export class FakeClock extends Clock {
  private current: Date;

  constructor(start: Date | string = '2026-03-01T02:00:00.000Z') {
    super();
    this.current = new Date(start);
  }

  override now(): Date {
    return new Date(this.current.getTime());
  }

  set(at: Date | string): void {
    this.current = new Date(at);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
