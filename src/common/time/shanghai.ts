import { DAY, HOUR } from './clock';

/** China Standard Time: UTC+8 all year (no daylight saving). Times are stored in UTC and shown in CST. */
export const SHANGHAI_OFFSET_MS = 8 * HOUR;

/** The UTC instant at which the Shanghai calendar day containing `at` began. */
export function startOfShanghaiDay(at: Date): Date {
  const local = at.getTime() + SHANGHAI_OFFSET_MS;
  return new Date(local - (((local % DAY) + DAY) % DAY) - SHANGHAI_OFFSET_MS);
}

/** YYYY-MM-DD of `at` in Shanghai. */
export function shanghaiDate(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}
