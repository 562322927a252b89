import { addSample, bucketOf, bucketValue, Histogram, MAX_RELATIVE_ERROR, mergeInto, quantile } from './histogram';

describe('duration histograms', () => {
  it('reads any duration back within the stated bound (≤ 5 %)', () => {
    expect(MAX_RELATIVE_ERROR).toBeLessThanOrEqual(0.05);
    for (let seconds = 1; seconds < 400 * 86_400; seconds = Math.ceil(seconds * 1.037)) {
      const read = bucketValue(bucketOf(seconds));
      expect(Math.abs(read - seconds) / seconds).toBeLessThanOrEqual(MAX_RELATIVE_ERROR + 1e-12);
    }
  });

  it('keeps sub-second durations (automatic steps) at zero', () => {
    expect(bucketValue(bucketOf(0))).toBe(0);
    expect(bucketValue(bucketOf(0.4))).toBe(0);
  });

  it('takes the median and p90 by nearest rank', () => {
    const h: Histogram = {};
    for (const seconds of [60, 60, 3600, 7200, 86_400, 86_400, 86_400, 172_800, 604_800, 1_209_600]) addSample(h, seconds);
    expect(Math.abs((quantile(h, 0.5) as number) - 86_400) / 86_400).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
    expect(Math.abs((quantile(h, 0.9) as number) - 604_800) / 604_800).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
    expect(quantile({}, 0.5)).toBeNull();
  });

  it('merges in any order to the same histogram, and drops buckets that cancel out', () => {
    const a: Histogram = {};
    const b: Histogram = {};
    addSample(a, 100);
    addSample(a, 5000);
    addSample(b, 100);
    expect(mergeInto({ ...a }, b)).toEqual(mergeInto({ ...b }, a));
    expect(mergeInto({ ...a }, { [String(bucketOf(5000))]: -1, [String(bucketOf(100))]: -1 })).toEqual({});
  });
});
