import { intervalsOf, resolveRange, splitRange, weekStart } from './period';

describe('dashboard periods (Asia/Shanghai days)', () => {
  it('defaults to this Shanghai year so far', () => {
    // 2026-12-31T17:00Z is already 1 January 2027 in Shanghai.
    expect(resolveRange(new Date('2026-12-31T17:00:00Z'))).toEqual({ from: '2027-01-01', to: '2027-01-01' });
    expect(resolveRange(new Date('2026-03-01T02:00:00Z'))).toEqual({ from: '2026-01-01', to: '2026-03-01' });
  });

  it('refuses reversed, impossible and decade-long ranges', () => {
    const now = new Date('2026-03-01T02:00:00Z');
    expect(() => resolveRange(now, '2026-03-02', '2026-03-01')).toThrow(expect.objectContaining({ code: 'DASHBOARD_RANGE_INVALID' }));
    expect(() => resolveRange(now, '2026-02-30')).toThrow(expect.objectContaining({ code: 'DASHBOARD_RANGE_INVALID' }));
    expect(() => resolveRange(now, '2010-01-01', '2026-01-01')).toThrow(expect.objectContaining({ code: 'DASHBOARD_RANGE_TOO_LONG' }));
  });

  it('reads whole months from month rows and only the edges from day rows', () => {
    expect(splitRange({ from: '2024-03-15', to: '2026-03-05' })).toEqual({
      months: { from: '2024-04-01', to: '2026-02-01' },
      days: [
        { from: '2024-03-15', to: '2024-03-31' },
        { from: '2026-03-01', to: '2026-03-05' },
      ],
    });
    expect(splitRange({ from: '2026-02-01', to: '2026-02-28' })).toEqual({ months: { from: '2026-02-01', to: '2026-02-01' }, days: [] });
    expect(splitRange({ from: '2026-02-03', to: '2026-02-20' })).toEqual({ months: null, days: [{ from: '2026-02-03', to: '2026-02-20' }] });
    expect(splitRange({ from: '2024-02-01', to: '2024-02-29' }).months).toEqual({ from: '2024-02-01', to: '2024-02-01' });
  });

  it('starts weeks on Monday and lists every interval', () => {
    expect(weekStart('2026-03-01')).toBe('2026-02-23');
    expect(weekStart('2026-03-02')).toBe('2026-03-02');
    expect(intervalsOf({ from: '2026-01-30', to: '2026-03-02' }, 'month')).toEqual(['2026-01-01', '2026-02-01', '2026-03-01']);
    expect(intervalsOf({ from: '2026-02-27', to: '2026-03-02' }, 'day')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  });
});
