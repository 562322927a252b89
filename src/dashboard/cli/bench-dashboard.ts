import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { loadAppConfig } from '../../config/app-config';
import { DAY } from '../../common/time/clock';
import { shanghaiDate } from '../../common/time/shanghai';

const USAGE = `Measures GET /api/v1/dashboard/summary on a seeded MySQL/MariaDB city (npm run seed first).

  npm run bench:dashboard -- [--requests 200] [--password bench12345]

Starts the compiled service on DB_* (as the seed left it), logs in as bench-city and bench-street,
times the summary for the whole city and for one street (this year, and the last three years),
then times the same figures computed by plain GROUP BY scans over wish / wish_event.`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' }, password: { type: 'string', default: 'bench12345' }, help: { type: 'boolean', default: false } } });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadAppConfig({ ...process.env, DEMO_DATA: 'false' });
  if (config.db.type !== 'mysql') throw new Error('the benchmark runs on MySQL/MariaDB: set DB_TYPE and DB_NAME as for the seed');
  const requests = Number(values.requests);
  const db = await createConnection({ host: config.db.host, port: config.db.port, user: config.db.user, password: config.db.password, database: config.db.database, timezone: 'Z' });

  const [[sizes]] = (await db.query(
    'SELECT (SELECT COUNT(*) FROM wish) AS wishes, (SELECT COUNT(*) FROM wish_event) AS events, (SELECT COUNT(*) FROM dashboard_rollup) AS rollups, (SELECT COUNT(*) FROM region WHERE level = \'community\') AS communities, @@innodb_buffer_pool_size AS bufferPool, VERSION() AS version',
  )) as unknown as [Array<Record<string, string | number>>];
  const [[city]] = (await db.query("SELECT id, path FROM region WHERE level = 'city' ORDER BY id LIMIT 1")) as unknown as [Array<{ id: number; path: string }>];
  const [[street]] = (await db.query("SELECT id, path, name FROM region WHERE level = 'street' ORDER BY id LIMIT 1")) as unknown as [Array<{ id: number; path: string; name: string }>];
  if (!city || !street) throw new Error('no seeded city found: run `npm run seed` on this database first');
  const [tables] = (await db.query(
    'SELECT TABLE_NAME AS name, DATA_LENGTH + INDEX_LENGTH AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (\'wish\', \'wish_event\', \'dashboard_rollup\', \'dashboard_member_rollup\', \'dashboard_backlog\') ORDER BY TABLE_NAME',
  )) as unknown as [Array<{ name: string; bytes: number }>];
  process.stdout.write(
    `dataset: ${sizes.wishes} wishes, ${sizes.events} events, ${sizes.rollups} rollup rows, ${sizes.communities} communities; ${sizes.version}, InnoDB buffer pool ${Math.round(Number(sizes.bufferPool) / 2 ** 20)} MiB\n` +
      `tables (data + indexes): ${tables.map((table) => `${table.name} ${Math.round(Number(table.bytes) / 2 ** 20)} MiB`).join(', ')}\n` +
      `load average at start: ${loadavg().map((n) => n.toFixed(2)).join(' ')} (${cpus().length} CPUs; the machine may be shared)\n`,
  );

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const service = spawn(process.execPath, [join(__dirname, '..', '..', 'main.js')], {
    env: { ...process.env, NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DEMO_DATA: 'false', SCHEDULERS_ENABLED: 'false', RATE_LIMIT_ENABLED: 'false', DB_POOL_SIZE: '10' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitForHealth(base, service);
    const today = shanghaiDate(new Date());
    const threeYears = shanghaiDate(new Date(Date.now() - 3 * 365 * DAY));
    const periods: Array<[string, Record<string, string>]> = [
      ['this year', {}],
      ['3 years', { from: threeYears, to: today }],
    ];
    const rows: string[][] = [];
    for (const [who, label, path] of [['bench-city', 'whole city', city.path], ['bench-street', `one street (${street.name})`, street.path]] as const) {
      const token = await login(base, who, values.password!);
      for (const [periodLabel, query] of periods) {
        const timings = await measure(base, token, query, requests);
        const from = query.from ?? `${today.slice(0, 4)}-01-01`;
        const scan = await scanFigures(db, path, from, query.to ?? today);
        rows.push([`${label}, ${periodLabel}`, ms(percentile(timings, 0.5)), ms(percentile(timings, 0.95)), ms(scan)]);
      }
    }
    const widths = [32, 12, 12, 22];
    const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join(' ');
    process.stdout.write(`\nGET /api/v1/dashboard/summary, ${requests} sequential requests after 20 warm-up requests\n`);
    process.stdout.write(`${line(['scope', 'p50', 'p95', 'same figures by scan'])}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
    for (const row of rows) process.stdout.write(`${line(row)}\n`);
    process.stdout.write(`load average at end: ${loadavg().map((n) => n.toFixed(2)).join(' ')}\n`);
  } finally {
    service.kill('SIGTERM');
    await db.end();
  }
}

async function waitForHealth(base: string, service: ChildProcess): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (service.exitCode !== null) throw new Error(`the service exited with ${service.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  throw new Error('the service did not become healthy within 60 s');
}

async function login(base: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${base}/api/v1/auth/password/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!response.ok) throw new Error(`login ${username} failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

async function measure(base: string, token: string, query: Record<string, string>, requests: number): Promise<number[]> {
  const url = `${base}/api/v1/dashboard/summary?${new URLSearchParams(query)}`;
  const get = async () => {
    const started = performance.now();
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`summary answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
    return performance.now() - started;
  };
  for (let i = 0; i < 20; i++) await get();
  const timings: number[] = [];
  for (let i = 0; i < requests; i++) timings.push(await get());
  return timings.sort((a, b) => a - b);
}

/**
 * The same figures without rollups: status counts, funnel, ratings and the five cycle times
 * (median and p90 over every interval, sorted in the client) by scanning wish and wish_event.
 * Returns the wall time of the best of three runs (one run when it takes over 5 s: at city scale a
 * scan takes minutes, and its variance does not matter next to the summary's milliseconds).
 */
async function scanFigures(db: Awaited<ReturnType<typeof createConnection>>, path: string, from: string, to: string): Promise<number> {
  const start = new Date(Date.parse(`${from}T00:00:00+08:00`));
  const end = new Date(Date.parse(`${to}T00:00:00+08:00`) + DAY);
  const prefix = `${path}%`;
  let best = Infinity;
  for (let run = 0; run < 3 && (run === 0 || best < 5000); run++) {
    const started = performance.now();
    await db.query('SELECT status, COUNT(*) AS n FROM wish WHERE region_path LIKE ? AND created_at >= ? AND created_at < ? GROUP BY status', [prefix, start, end]);
    await db.query('SELECT e.action, COUNT(*) AS n FROM wish_event e JOIN wish w ON w.id = e.wish_id WHERE w.region_path LIKE ? AND e.at >= ? AND e.at < ? GROUP BY e.action', [prefix, start, end]);
    await db.query('SELECT COUNT(rating) AS n, AVG(rating) AS mean, SUM(rating >= 4) AS high FROM wish WHERE region_path LIKE ? AND completed_at >= ? AND completed_at < ?', [prefix, start, end]);
    for (const [fromColumn, toColumn] of [['created_at', 'reviewed_at'], ['reviewed_at', 'claimed_at'], ['claimed_at', 'fulfilled_at'], ['fulfilled_at', 'completed_at'], ['created_at', 'completed_at']]) {
      const [rows] = (await db.query(
        `SELECT TIMESTAMPDIFF(SECOND, ${fromColumn}, ${toColumn}) AS d FROM wish WHERE region_path LIKE ? AND ${toColumn} >= ? AND ${toColumn} < ? AND ${fromColumn} IS NOT NULL ORDER BY d`,
        [prefix, start, end],
      )) as unknown as [Array<{ d: number }>];
      void percentile(rows.map((r) => r.d), 0.5);
      void percentile(rows.map((r) => r.d), 0.9);
    }
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
