import autocannon from 'autocannon';

/** What one load run measured. Latencies are collected per response, so p95 is exact (autocannon's own table has no p95). */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** Socket errors and timeouts (no response at all). */
  errors: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Fixed duration in seconds, or… */
  duration?: number;
  /** …a fixed number of requests (the claim storm: every response must be counted). */
  amount?: number;
  /** Builds the next request; called once per request, in order. */
  next: () => { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string };
}

const percentile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : 0);

export async function load(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    timeout: 10,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration ?? 10 }),
    requests: [
      {
        setupRequest: (request) => {
          const next = options.next();
          return { ...request, method: next.method, path: next.path, headers: { ...next.headers, ...(next.body ? { 'content-type': 'application/json' } : {}) }, body: next.body };
        },
      },
    ],
  }, (error, result) => (error ? reject(error) : resolve(result)));
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const result = await done;
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    statuses,
    errors: result.errors + result.timeouts,
  };
}
