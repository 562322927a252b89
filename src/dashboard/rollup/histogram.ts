/**
 * Log-spaced duration histograms (pure; no Nest, no database).
 *
 * A duration of d seconds falls in bucket b = floor(ln d / ln 1.1) and is read back as the
 * geometric middle of its bucket, 1.1^(b + ½). Any value in [1.1^b, 1.1^(b+1)) is then within a
 * factor √1.1 of the value read back, so a median or p90 read from a histogram is off by at most
 * √1.1 − 1 ≈ 4.9 % (relative) from the true sample at that rank. Durations under one second go
 * to a bucket of their own, read back as 0.
 *
 * Histograms are sparse maps `bucket → count`; adding two is adding their counts, so rows for
 * days, months, communities and streets merge freely in any order. A rollup row stores each one
 * packed (`pack`): cheap to parse and to add into a dense sum (`DenseSum`), which is what a
 * dashboard question does with every row it reads.
 */
export const BUCKET_RATIO = 1.1;
export const MAX_RELATIVE_ERROR = Math.sqrt(BUCKET_RATIO) - 1;
/** Bucket of durations under one second. */
export const ZERO_BUCKET = -1;

const LOG_RATIO = Math.log(BUCKET_RATIO);

export type Histogram = Record<string, number>;

export function bucketOf(seconds: number): number {
  if (!(seconds >= 1)) return ZERO_BUCKET;
  // The epsilon keeps exact powers of 1.1 in their own bucket despite floating-point rounding.
  return Math.floor(Math.log(seconds) / LOG_RATIO + 1e-9);
}

/** The value a bucket stands for: the geometric middle of its bounds. */
export function bucketValue(bucket: number): number {
  return bucket === ZERO_BUCKET ? 0 : Math.pow(BUCKET_RATIO, bucket + 0.5);
}

export function addSample(histogram: Histogram, seconds: number, count = 1): void {
  const key = String(bucketOf(seconds));
  histogram[key] = (histogram[key] ?? 0) + count;
}

/** Adds `from` into `into` (in place). */
export function mergeInto(into: Histogram, from: Histogram | undefined): Histogram {
  if (!from) return into;
  for (const [bucket, count] of Object.entries(from)) {
    const sum = (into[bucket] ?? 0) + count;
    if (sum === 0) delete into[bucket];
    else into[bucket] = sum;
  }
  return into;
}

export function sampleCount(histogram: Histogram): number {
  let n = 0;
  for (const count of Object.values(histogram)) n += count;
  return n;
}

/**
 * The q-quantile (0 < q ≤ 1) by nearest rank: the value of the bucket holding the ⌈q·n⌉-th
 * smallest sample. Null when the histogram is empty.
 */
export function quantile(histogram: Histogram, q: number): number | null {
  const entries = Object.entries(histogram)
    .map(([bucket, count]) => [Number(bucket), count] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((n, [, count]) => n + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bucket, count] of entries) {
    seen += count;
    if (seen >= rank) return bucketValue(bucket);
  }
  return bucketValue(entries[entries.length - 1][0]);
}

/** Stored form: the counts of consecutive buckets from the first, `[first, n(first), n(first + 1), …]`; empty when no samples. */
export type PackedHistogram = number[];

export function pack(histogram: Histogram): PackedHistogram {
  const buckets = Object.keys(histogram)
    .map(Number)
    .filter((bucket) => histogram[bucket] !== 0);
  if (buckets.length === 0) return [];
  const first = Math.min(...buckets);
  const packed = new Array<number>(Math.max(...buckets) - first + 2).fill(0);
  packed[0] = first;
  for (const bucket of buckets) packed[bucket - first + 1] = histogram[bucket];
  return packed;
}

export function unpack(packed: PackedHistogram | undefined): Histogram {
  const histogram: Histogram = {};
  if (!packed || packed.length < 2) return histogram;
  for (let i = 1; i < packed.length; i++) if (packed[i] !== 0) histogram[packed[0] + i - 1] = packed[i];
  return histogram;
}

/** Sums packed histograms into an array indexed by bucket (no string keys, no allocation per bucket). */
export class DenseSum {
  private readonly counts: number[] = [];

  add(packed: PackedHistogram | undefined): void {
    if (!packed || packed.length < 2) return;
    const offset = packed[0] - ZERO_BUCKET - 1;
    for (let i = 1; i < packed.length; i++) this.counts[offset + i] = (this.counts[offset + i] ?? 0) + packed[i];
  }

  histogram(): Histogram {
    const histogram: Histogram = {};
    this.counts.forEach((count, i) => {
      if (count) histogram[i + ZERO_BUCKET] = count;
    });
    return histogram;
  }
}
