import { shanghaiDate } from '../common/time/shanghai';
import { DashboardErrors } from './dashboard.errors';

/**
 * Calendar periods in Asia/Shanghai, as 'YYYY-MM-DD' strings (pure). Rollup rows are bucketed by
 * Shanghai day and month, so every period here is a whole number of Shanghai days.
 */
export interface DayRange {
  /** First day, inclusive. */
  from: string;
  /** Last day, inclusive. */
  to: string;
}

export type TrendInterval = 'day' | 'week' | 'month';

const MAX_RANGE_DAYS = 366 * 10;
export const MAX_TREND_POINTS = 400;

const asDate = (day: string) => new Date(`${day}T00:00:00.000Z`);

export function addDays(day: string, days: number): string {
  return new Date(asDate(day).getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((asDate(to).getTime() - asDate(from).getTime()) / 86_400_000);
}

export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** Last day of the month containing `day`. */
export function monthEnd(day: string): string {
  const date = asDate(monthStart(day));
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
}

/** Monday of the ISO week containing `day`. */
export function weekStart(day: string): string {
  const weekday = (asDate(day).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

export function isValidDay(day: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(asDate(day).getTime()) && asDate(day).toISOString().slice(0, 10) === day;
}

/** The asked period, defaulting to this year so far; refuses reversed or decade-long ranges. */
export function resolveRange(now: Date, from?: string, to?: string): DayRange {
  const today = shanghaiDate(now);
  const end = to ?? today;
  const start = from ?? `${end.slice(0, 4)}-01-01`;
  if (!isValidDay(start) || !isValidDay(end)) throw DashboardErrors.DASHBOARD_RANGE_INVALID.error('日期无效，请使用 YYYY-MM-DD 格式');
  if (start > end) throw DashboardErrors.DASHBOARD_RANGE_INVALID.error();
  if (daysBetween(start, end) > MAX_RANGE_DAYS) throw DashboardErrors.DASHBOARD_RANGE_TOO_LONG.error();
  return { from: start, to: end };
}

/**
 * Splits a period into whole months (read from month rows) and the days at its edges (read from
 * day rows): three years read 36 month rows and at most 60 day rows per key.
 */
export function splitRange(range: DayRange): { months: DayRange | null; days: DayRange[] } {
  const firstFull = range.from === monthStart(range.from) ? range.from : addDays(monthEnd(range.from), 1);
  const lastFullEnd = range.to === monthEnd(range.to) ? range.to : addDays(monthStart(range.to), -1);
  if (firstFull > lastFullEnd) return { months: null, days: [range] };
  const days: DayRange[] = [];
  if (range.from < firstFull) days.push({ from: range.from, to: addDays(firstFull, -1) });
  if (lastFullEnd < range.to) days.push({ from: addDays(lastFullEnd, 1), to: range.to });
  return { months: { from: firstFull, to: monthStart(lastFullEnd) }, days };
}

/** The label of the interval a day (or a month row's first day) falls in. */
export function intervalOf(day: string, interval: TrendInterval): string {
  if (interval === 'day') return day;
  if (interval === 'week') return weekStart(day);
  return monthStart(day);
}

/** Every interval label of the period, in order (so a trend shows empty intervals as zeros). */
export function intervalsOf(range: DayRange, interval: TrendInterval): string[] {
  const labels: string[] = [];
  let cursor = intervalOf(range.from, interval);
  while (cursor <= range.to) {
    labels.push(cursor);
    if (labels.length > MAX_TREND_POINTS) throw DashboardErrors.DASHBOARD_RANGE_TOO_LONG.error('时间范围内的统计点过多，请缩短区间或改用按周、按月统计');
    cursor = interval === 'day' ? addDays(cursor, 1) : interval === 'week' ? addDays(cursor, 7) : addDays(monthEnd(cursor), 1);
  }
  return labels;
}
