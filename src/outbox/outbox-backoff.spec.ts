import { backoffDelayMs } from './outbox.worker';

describe('outbox backoff', () => {
  it('doubles per attempt, between half and all of base·2^(n-1)', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, 2000, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, 2000, () => 1))).toEqual([2000, 4000, 8000, 16000]);
    expect(backoffDelayMs(3, 2000, () => 0.5)).toBe(6000);
  });

  it('is capped at an hour, even for absurd attempt counts', () => {
    expect(backoffDelayMs(30, 2000, () => 1)).toBe(3600_000);
    expect(backoffDelayMs(1000, 2000, () => 1)).toBe(3600_000);
  });
});
