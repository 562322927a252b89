import { addSample, bucketOf, bucketValue, DenseSum, Histogram, MAX_RELATIVE_ERROR, mergeInto, pack, quantile, unpack } from './histogram';

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

  it('packs into consecutive counts and sums packed histograms as merging does', () => {
    const histograms: Histogram[] = [[0.2, 60, 61, 3600], [86_400, 3600], [], [1_209_600, 0.5]].map((samples) => {
      const h: Histogram = {};
      for (const seconds of samples) addSample(h, seconds);
      return h;
    });
    expect(pack({})).toEqual([]);
    expect(pack(histograms[1])).toEqual([bucketOf(3600), 1, ...new Array(bucketOf(86_400) - bucketOf(3600) - 1).fill(0), 1]);
    const dense = new DenseSum();
    const merged: Histogram = {};
    for (const h of histograms) {
      expect(unpack(pack(h))).toEqual(h);
      dense.add(pack(h));
      mergeInto(merged, h);
    }
    expect(dense.histogram()).toEqual(merged);
  });
});
