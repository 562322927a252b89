import 'reflect-metadata';
import { JwtService } from '@nestjs/jwt';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Connection, createConnection, RowDataPacket } from 'mysql2/promise';
import { load, LoadResult } from './load';

const USAGE = `Load benchmark of the service against a bare Fastify + mysql2 server running the same SQL.

  npm run bench -- [--duration 10] [--warmup 3] [--rounds 3] [--connections 50] [--only wall,mine,...]
                   [--wishes 20000 --communities 100] [--reseed] [--cpu-prof]

MariaDB/MySQL on DB_HOST/DB_PORT/DB_USER/DB_PASSWORD (default root@127.0.0.1:3306), database
DB_NAME (default wish_bench). The city is seeded once (npm run seed) and reused while it has the
requested size; --reseed rebuilds it. Scenarios: wall, mine, detail, claim, submit, dashboard.
Each scenario is measured in --rounds rounds alternating the service and the bare server; prints the
medians of req/s, p50/p95/p99 and CPU per response, unexpected responses of all rounds, the ratios
(and each round's), and the service's peak RSS; writes the same as JSON to bench-results/<timestamp>.json.`;

/*
 * Why in src/: `nest build` compiles the harness with the project's tsconfig (strict, same Node
 * target), so `npm run bench` is "build, then node dist/bench/bench.js" like the other CLIs. The app
 * never imports anything from here; autocannon is a devDependency only this folder requires.
 *
 * Flow: seed (or reuse) the city → remove what earlier runs wrote → start the compiled service
 * (NODE_ENV=production, info logs to bench-results/service-<stamp>.log) and the bare server
 * (bare-server.ts) side by side → per scenario: warm up both, then measure them in alternating
 * rounds (service, bare, service, bare…), so both see the same machine and its drift: on this shared
 * 2-core machine one run of the bare server can be 25 % faster than the next, so a single pair of
 * runs swung the ratio by ±0.1 → check the claim storm in the database → print the rounds' medians
 * and write JSON. Tokens are minted with the service's JWT secret and payload shape, as the
 * mini-program would hold them.
 */

/** Both the seed and the service get these, so the seeded phone numbers decrypt. Bench-only values. */
const FIELD_ENCRYPTION_KEY = Buffer.from('wish-bench-field-key-32-bytes!!!').toString('base64');
const JWT_SECRET = 'wish-bench-jwt-secret-not-for-production-use';
/** Members win many wishes in the claim storm; the default limit (3) would turn it into a limit test. */
const CLAIM_LIMIT = 100;
const SERVICE_PORT = 3901;
const BARE_PORT = 3902;
const OPEN_PER_COMMUNITY = 25;
/**
 * The service runs as `npm run start:prod` starts it. The heap cap keeps V8 from letting garbage pile
 * up to 300 MB+ under load before a full collection (the live heap is ~70 MB at rest); malloc arenas
 * were never the issue (a few MB), so MALLOC_ARENA_MAX is not set.
 */
const SERVICE_NODE_FLAGS = ['--max-old-space-size=256'];

type Target = 'service' | 'bare';
type Request = ReturnType<Parameters<typeof load>[0]['next']>;
interface Scenario {
  name: string;
  /** Statuses that are a correct answer (409 for a claim that lost its race). */
  expected: number[];
  /** Returns a request generator for one target and phase; may write fixtures first. */
  prepare: (target: Target, phase: 'warmup' | 'measure', amount?: number) => Promise<() => Request>;
  /** The claim storm is run by amount (every response counted) instead of by duration. */
  byAmount?: boolean;
  /** Overrides --connections (the dashboard target is a latency: one office at a time). */
  connections?: number;
}
/** `cpuMsPerRequest`: CPU time the server process used during the measured run, per response; unlike req/s it hardly depends on what else loads the machine. */
type Measured = LoadResult & { unexpected: number; cpuMsPerRequest: number };
interface Row {
  scenario: string;
  connections: number;
  /** Per target: the median of each figure over the measured rounds; responses and unexpected ones summed over all of them. */
  service: Measured & { peakRssMb: number };
  bare: Measured;
  ratio: { rps: number; p99: number };
  /** Each round as measured, in order. */
  rounds: Array<{ service: RoundSummary; bare: RoundSummary; ratio: { rps: number; p99: number } }>;
  checks?: Record<string, unknown>;
}
type RoundSummary = Pick<Measured, 'rps' | 'p50' | 'p99' | 'cpuMsPerRequest' | 'unexpected'>;
const TARGETS: Target[] = ['service', 'bare'];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** A target's figures over its rounds: each one's median (rate, latencies and CPU separately); counts summed, so no bad answer of any round is lost. */
function medianOf(runs: Measured[]): Measured {
  const statuses: Record<string, number> = {};
  for (const run of runs) for (const [status, count] of Object.entries(run.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  const sum = (pick: (run: Measured) => number) => runs.reduce((n, run) => n + pick(run), 0);
  return {
    requests: sum((run) => run.requests),
    seconds: sum((run) => run.seconds),
    rps: median(runs.map((run) => run.rps)),
    p50: median(runs.map((run) => run.p50)),
    p95: median(runs.map((run) => run.p95)),
    p99: median(runs.map((run) => run.p99)),
    cpuMsPerRequest: median(runs.map((run) => run.cpuMsPerRequest)),
    statuses,
    errors: sum((run) => run.errors),
    unexpected: sum((run) => run.unexpected),
  };
}

const summary = ({ rps, p50, p99, cpuMsPerRequest, unexpected }: Measured): RoundSummary => ({ rps, p50, p99, cpuMsPerRequest, unexpected });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (what: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${what}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      wishes: { type: 'string', default: '20000' },
      communities: { type: 'string', default: '100' },
      only: { type: 'string' },
      reseed: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const duration = Number(values.duration);
  const warmup = Number(values.warmup);
  const rounds = Math.max(1, Math.trunc(Number(values.rounds)));
  const connections = Number(values.connections);
  const db = {
    DB_TYPE: process.env.DB_TYPE ?? 'mariadb',
    DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
    DB_PORT: process.env.DB_PORT ?? '3306',
    DB_USER: process.env.DB_USER ?? 'root',
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_NAME: process.env.DB_NAME ?? 'wish_bench',
    DB_POOL_SIZE: process.env.DB_POOL_SIZE ?? '10',
  };
  const dist = join(__dirname, '..');
  const outDir = join(process.cwd(), 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');

  await ensureCity(db, dist, Number(values.wishes), Number(values.communities), values.reseed!);
  const sql = await createConnection({ host: db.DB_HOST, port: Number(db.DB_PORT), user: db.DB_USER, password: db.DB_PASSWORD, database: db.DB_NAME, timezone: 'Z' });
  const children: ChildProcess[] = [];
  try {
    await cleanUp(sql);
    const city = await loadCity(sql);
    log(`city: ${city.members.length} members, ${city.residents.length} residents with wishes, ${city.visible.length} open wishes on walls`);

    const serviceLog = join(outDir, `service-${stamp}.log`);
    // --cpu-prof: V8 writes each server's profile to bench-results/ when it exits (summary: node dist/bench/cpu-profile.js FILE).
    const profile = (target: Target) => (values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', outDir, '--cpu-prof-name', `${target}-${stamp}.cpuprofile`] : []);
    const service = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...profile('service'), join(dist, 'main.js')], {
      env: {
        ...process.env,
        ...db,
        NODE_ENV: 'production',
        PORT: String(SERVICE_PORT),
        HOST: '127.0.0.1',
        JWT_SECRET,
        FIELD_ENCRYPTION_KEY,
        DEV_LOGIN_ENABLED: 'false',
        RATE_LIMIT_ENABLED: 'false',
        // The outbox, timeout sweep and rollup workers are background work, not request handling;
        // they would poll the database during the runs and (outbox) try to reach WeChat.
        SCHEDULERS_ENABLED: 'false',
        DEMO_DATA: 'false',
        LOG_LEVEL: 'info',
        CLAIM_LIMIT: String(CLAIM_LIMIT),
        RESIDENT_OPEN_WISH_LIMIT: '1000',
        RESIDENT_DAILY_SUBMISSIONS: '1000',
      },
      stdio: ['ignore', openSync(serviceLog, 'w'), 'inherit'],
    });
    children.push(service);
    const bare = spawn(process.execPath, [...profile('bare'), join(__dirname, 'bare-server.js')], {
      env: { ...process.env, ...db, PORT: String(BARE_PORT), CLAIM_LIMIT: String(CLAIM_LIMIT) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(bare);
    await Promise.all([waitFor(`http://127.0.0.1:${SERVICE_PORT}/health`, service), waitFor(`http://127.0.0.1:${BARE_PORT}/api/v1/wishes/mine`, bare)]);
    log(`service pid ${service.pid} (log: ${serviceLog}), bare server pid ${bare.pid}`);

    const jwt = new JwtService({ secret: JWT_SECRET });
    const tokens = new Map<number, string>();
    const auth = (userId: number, roles: object[]) => {
      if (!tokens.has(userId)) tokens.set(userId, jwt.sign({ sub: userId, typ: 'access', roles }, { algorithm: 'HS256', expiresIn: 3600 }));
      return { authorization: `Bearer ${tokens.get(userId)}`, 'x-bench-user': String(userId) };
    };
    const member = (id: number) => auth(id, [{ role: 'member' }]);
    const resident = (id: number) => auth(id, [{ role: 'resident' }]);
    const roundRobin = <T>(items: T[], make: (item: T, i: number) => Request) => {
      let i = 0;
      return () => make(items[i++ % items.length], i);
    };
    let runSeq = 0;

    const all: Scenario[] = [
      {
        name: 'wall',
        expected: [200],
        prepare: async () => roundRobin(city.members, (m) => ({ method: 'GET', path: '/api/v1/wishes?limit=20', headers: member(m.userId) })),
      },
      {
        name: 'mine',
        expected: [200],
        prepare: async () => roundRobin(city.residents, (r) => ({ method: 'GET', path: '/api/v1/wishes/mine', headers: resident(r) })),
      },
      {
        name: 'detail',
        expected: [200],
        prepare: async () => roundRobin(city.visible, (v) => ({ method: 'GET', path: `/api/v1/wishes/${v.wishId}`, headers: member(v.memberId) })),
      },
      {
        name: 'claim',
        expected: [200, 409],
        byAmount: true,
        // Every wish gets one attempt from each member of its community, back to back, so the
        // connections race for it; exactly one attempt per wish should win.
        prepare: async (target, phase, amount = connections * 10) => {
          const attempts = stormAttempts(city);
          const pairs = await insertStormWishes(sql, city, `${target}-${phase}-${runSeq++}`, Math.ceil(amount / attempts), attempts);
          return roundRobin(pairs, (p) => ({ method: 'POST', path: `/api/v1/wishes/${p.wishId}/claim`, headers: member(p.memberId) }));
        },
      },
      {
        name: 'submit',
        expected: [201],
        prepare: async (target, phase) => {
          // A key per request of every run: a repeated key would be answered as a replay, not a submission.
          const tag = `bench-${stamp}-${target[0]}${phase[0]}${runSeq++}`;
          return roundRobin(city.submitters, (r, i) => ({
            method: 'POST',
            path: '/api/v1/wishes',
            headers: { ...resident(r.userId), 'idempotency-key': `${tag}-${i}`.slice(-64) },
            body: JSON.stringify({ communityId: r.communityId, title: '楼道灯坏了', description: '三号楼二单元的楼道灯坏了，晚上上下楼看不见。', category: '设施维修', kind: 'public' }),
          }));
        },
      },
      {
        name: 'dashboard',
        expected: [200],
        connections: 1,
        prepare: async () => () => ({ method: 'GET', path: '/api/v1/dashboard/summary', headers: auth(city.cityAdmin, [{ role: 'region_admin', regionId: city.cityId }]) }),
      },
    ];
    const scenarios = all.filter((s) => !values.only || values.only.split(',').includes(s.name));

    const rss = new RssSampler(service.pid!);
    const idleRssMb = rss.current();
    const results: Row[] = [];
    for (const scenario of scenarios) {
      let peak = 0;
      let winners = 0;
      const claimsBefore = scenario.name === 'claim' ? await claimTotals(sql) : undefined;
      const clients = scenario.connections ?? connections;
      const urlOf = (target: Target) => `http://127.0.0.1:${target === 'service' ? SERVICE_PORT : BARE_PORT}`;
      // Warm-up once per target; the claim storm sizes its measured runs from the warm-up's rate.
      const amounts: Partial<Record<Target, number>> = {};
      for (const target of TARGETS) {
        if (scenario.byAmount) {
          const warm = await load({ url: urlOf(target), connections: clients, amount: clients * 10, next: await scenario.prepare(target, 'warmup', clients * 10) });
          winners += warm.statuses['200'] ?? 0;
          amounts[target] = Math.max(clients * 10, Math.round(warm.rps * duration));
        } else {
          await load({ url: urlOf(target), connections: clients, duration: warmup, next: await scenario.prepare(target, 'warmup') });
        }
      }
      // Measured runs alternate service, bare, service, bare…: both see the same drift of the machine.
      const runs: Record<Target, Measured[]> = { service: [], bare: [] };
      for (let round = 1; round <= rounds; round++) {
        for (const target of TARGETS) {
          const pid = (target === 'service' ? service : bare).pid!;
          const next = await scenario.prepare(target, 'measure', amounts[target]);
          if (target === 'service') rss.start();
          const cpuBefore = cpuMs(pid);
          const result = await load({ url: urlOf(target), connections: clients, ...(scenario.byAmount ? { amount: amounts[target] } : { duration }), next });
          const cpuMsPerRequest = (cpuMs(pid) - cpuBefore) / Math.max(1, result.requests);
          if (target === 'service') peak = Math.max(peak, rss.stop());
          if (scenario.byAmount) winners += result.statuses['200'] ?? 0;
          const unexpected = Object.entries(result.statuses).reduce((n, [status, count]) => n + (scenario.expected.includes(Number(status)) ? 0 : count), result.errors);
          runs[target].push({ ...result, unexpected, cpuMsPerRequest });
          log(`${scenario.name} ${target} (round ${round}/${rounds}): ${result.rps.toFixed(0)} req/s, p99 ${result.p99.toFixed(1)} ms, ${cpuMsPerRequest.toFixed(2)} CPU ms/req, ${JSON.stringify(result.statuses)}${result.errors ? `, ${result.errors} errors` : ''}`);
        }
      }
      const s = medianOf(runs.service);
      const b = medianOf(runs.bare);
      const row: Row = {
        scenario: scenario.name,
        connections: clients,
        service: { ...s, peakRssMb: peak },
        bare: b,
        ratio: { rps: s.rps / b.rps, p99: s.p99 / b.p99 },
        rounds: runs.service.map((run, i) => ({ service: summary(run), bare: summary(runs.bare[i]), ratio: { rps: run.rps / runs.bare[i].rps, p99: run.p99 / runs.bare[i].p99 } })),
      };
      if (claimsBefore) row.checks = { winners, ...(await verifyStorm(sql, claimsBefore)) };
      results.push(row);
    }
    const peakRssMb = rss.highWaterMb();
    print(results, { idleRssMb, peakRssMb }, { duration, warmup, connections, rounds });
    const file = join(outDir, `${stamp}.json`);
    writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), options: { duration, warmup, connections, rounds, db: db.DB_NAME, wishes: city.wishCount }, idleRssMb, peakRssMb, results }, null, 2));
    log(`written ${file}`);
  } finally {
    await Promise.all(children.map((child) => stop(child)));
    await sql.end();
  }
}

// ── The city ─────────────────────────────────────────────────────────────────

interface City {
  wishCount: number;
  cityId: number;
  cityAdmin: number;
  members: Array<{ userId: number; communityId: number }>;
  membersOf: Map<number, number[]>;
  residents: number[];
  submitters: Array<{ userId: number; communityId: number }>;
  /** (wish, member registered in its community) pairs for the detail scenario. */
  visible: Array<{ wishId: number; memberId: number }>;
  storm: { residentId: number };
}

async function ensureCity(db: Record<string, string>, dist: string, wishes: number, communities: number, reseed: boolean): Promise<void> {
  const admin = await createConnection({ host: db.DB_HOST, port: Number(db.DB_PORT), user: db.DB_USER, password: db.DB_PASSWORD });
  let ready = false;
  try {
    const [found] = await admin.query<RowDataPacket[]>('SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [db.DB_NAME, 'wish']);
    if (found.length && !reseed) {
      const [[sizes]] = await admin.query<RowDataPacket[]>(
        `SELECT (SELECT COUNT(*) FROM \`${db.DB_NAME}\`.wish WHERE idempotency_key IS NULL) AS wishes, (SELECT COUNT(*) FROM \`${db.DB_NAME}\`.region WHERE level = 'community') AS communities`,
      );
      ready = Number(sizes.wishes) === wishes && Number(sizes.communities) === communities;
      if (!ready) log(`${db.DB_NAME} holds ${sizes.wishes} seeded wishes in ${sizes.communities} communities; reseeding`);
    }
  } finally {
    await admin.end();
  }
  if (ready) return void log(`reusing the seeded city in ${db.DB_NAME} (${wishes} wishes, ${communities} communities; --reseed to rebuild)`);
  log(`seeding ${wishes} wishes in ${communities} communities into ${db.DB_NAME} (about ${Math.ceil(wishes / 10_000)} s per 10 000 wishes on this machine)…`);
  const seed = spawn(process.execPath, ['--max-old-space-size=4096', join(dist, 'dashboard', 'cli', 'seed-city.js'), '--wishes', String(wishes), '--communities', String(communities), '--reset'], {
    env: { ...process.env, ...db, FIELD_ENCRYPTION_KEY },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => seed.on('exit', resolve));
  if (code !== 0) throw new Error(`the seed exited with ${code}`);
}

/** Removes what earlier bench runs wrote (their wishes carry an idempotency key) and recounts claim slots. */
async function cleanUp(sql: Connection): Promise<void> {
  await sql.query(
    'DELETE q FROM dashboard_rollup_queue q JOIN wish_event e ON e.id = q.event_id JOIN wish w ON w.id = e.wish_id WHERE w.idempotency_key IS NOT NULL',
  );
  await sql.query('DELETE e FROM wish_event e JOIN wish w ON w.id = e.wish_id WHERE w.idempotency_key IS NOT NULL');
  await sql.query('DELETE n FROM notification n JOIN wish w ON w.id = n.wish_id WHERE w.idempotency_key IS NOT NULL');
  await sql.query('DELETE FROM wish WHERE idempotency_key IS NOT NULL');
  await sql.query('DELETE FROM member_claim_load');
  await sql.query(
    "INSERT INTO member_claim_load (user_id, active_claims) SELECT claimer_id, COUNT(*) FROM wish WHERE claimer_id IS NOT NULL AND status IN ('claimed', 'fulfilled') GROUP BY claimer_id",
  );
}

async function loadCity(sql: Connection): Promise<City> {
  const [[counts]] = await sql.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM wish');
  const [[city]] = await sql.query<RowDataPacket[]>("SELECT id FROM region WHERE level = 'city' ORDER BY id LIMIT 1");
  const [[cityAdmin]] = await sql.query<RowDataPacket[]>("SELECT id FROM app_user WHERE username = 'bench-city'");
  const [members] = await sql.query<RowDataPacket[]>("SELECT user_id AS userId, community_id AS communityId FROM member_registration WHERE status = 'approved' ORDER BY id");
  const membersOf = new Map<number, number[]>();
  for (const m of members) membersOf.set(m.communityId, [...(membersOf.get(m.communityId) ?? []), m.userId]);
  // A realistic wall: every community shows at least a page of open wishes.
  const [residentRows] = await sql.query<RowDataPacket[]>('SELECT id AS userId, community_id AS communityId FROM app_user WHERE openid LIKE ? ORDER BY id', ['seed-resident-%']);
  const [[{ n: openBefore }]] = await sql.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM wish WHERE status = 'open'");
  const wall: unknown[][] = [];
  const now = Date.now();
  let k = 0;
  for (const [communityId] of membersOf) {
    const [[{ n }]] = await sql.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM wish WHERE community_id = ? AND status = 'open'", [communityId]);
    for (let i = Number(n); i < OPEN_PER_COMMUNITY; i++, k++) wall.push(benchWish(residentRows[k % residentRows.length].userId, communityId, `bench-wall-${k}`, new Date(now - k * 60_000)));
  }
  await insertWishes(sql, wall);
  const [open] = await sql.query<RowDataPacket[]>("SELECT id, community_id AS communityId FROM wish WHERE status = 'open' ORDER BY id");
  const visible = open.flatMap((w) => (membersOf.get(w.communityId) ?? []).slice(0, 2).map((memberId) => ({ wishId: w.id as number, memberId })));
  const [residents] = await sql.query<RowDataPacket[]>('SELECT DISTINCT resident_id AS id FROM wish WHERE resident_id IS NOT NULL AND idempotency_key IS NULL ORDER BY resident_id');
  log(`${wall.length} open wishes added to walls (had ${openBefore})`);
  return {
    wishCount: Number(counts.n),
    cityId: city.id,
    cityAdmin: cityAdmin.id,
    members: members as City['members'],
    membersOf,
    residents: residents.map((r) => r.id as number),
    // The storm's wishes all belong to the first resident, who would soon hit the open-wish limit.
    submitters: residentRows.slice(1) as City['submitters'],
    visible: shuffle(visible),
    storm: { residentId: residentRows[0].userId },
  };
}

const WISH_COLUMNS = ['title', 'description', 'category', 'kind', 'photo_ids', 'community_id', 'region_path', 'resident_id', 'resident_name', 'created_by', 'channel', 'status', 'fulfilment_photo_ids', 'idempotency_key', 'version', 'created_at', 'reviewed_at', 'updated_at'];
function benchWish(residentId: number, communityId: number, key: string, at: Date): unknown[] {
  return ['压测心愿：帮忙修理自行车', '自行车链条断了，想请党员帮忙看看。', '其他', 'personal', '[]', communityId, '', residentId, '压测居民', residentId, 'mini_program', 'open', '[]', key, 1, at, at, at];
}
async function insertWishes(sql: Connection, rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    await sql.query(`INSERT INTO wish (${WISH_COLUMNS.join(', ')}) VALUES ?`, [rows.slice(i, i + 2000)]);
  }
  await sql.query("UPDATE wish w JOIN region r ON r.id = w.community_id SET w.region_path = r.path WHERE w.region_path IS NULL OR w.region_path = ''");
}

const stormAttempts = (city: City) => Math.min(4, Math.min(...[...city.membersOf.values()].map((m) => m.length)));

/** Fresh open wishes for one storm run, each followed by `attempts` claims from different members of its community. */
async function insertStormWishes(sql: Connection, city: City, tag: string, count: number, attempts: number): Promise<Array<{ wishId: number; memberId: number }>> {
  const communities = [...city.membersOf.keys()];
  const rows = Array.from({ length: count }, (_, i) => benchWish(city.storm.residentId, communities[i % communities.length], `storm-${tag}-${i}`, new Date()));
  await insertWishes(sql, rows);
  const [wishes] = await sql.query<RowDataPacket[]>("SELECT id, community_id AS communityId FROM wish WHERE idempotency_key LIKE ? ORDER BY id", [`storm-${tag}-%`]);
  return wishes.flatMap((w, i) => {
    const members = city.membersOf.get(w.communityId)!;
    return Array.from({ length: attempts }, (_, a) => ({ wishId: w.id as number, memberId: members[(i + a) % members.length] }));
  });
}

async function claimTotals(sql: Connection) {
  const [[row]] = await sql.query<RowDataPacket[]>(
    "SELECT (SELECT COUNT(*) FROM wish WHERE idempotency_key LIKE 'storm-%' AND status = 'claimed') AS claimed, (SELECT COALESCE(SUM(active_claims), 0) FROM member_claim_load) AS slots",
  );
  return { claimed: Number(row.claimed), slots: Number(row.slots) };
}

/** After both targets' storms: claimed wishes = winners (200s), one claim event each, one slot each. */
async function verifyStorm(sql: Connection, before: { claimed: number; slots: number }): Promise<Record<string, unknown>> {
  const after = await claimTotals(sql);
  const [[events]] = await sql.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS wishes, SUM(n) AS events, SUM(n <> 1) AS wrong FROM (SELECT w.id, (SELECT COUNT(*) FROM wish_event e WHERE e.wish_id = w.id AND e.action = 'claim') AS n FROM wish w WHERE w.idempotency_key LIKE 'storm-%' AND w.status = 'claimed') x",
  );
  return { claimedWishes: after.claimed - before.claimed, slotsTaken: after.slots - before.slots, claimEvents: Number(events.events ?? 0), wishesWithoutExactlyOneClaimEvent: Number(events.wrong ?? 0) };
}

function shuffle<T>(items: T[]): T[] {
  let seed = 7;
  for (let i = items.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

// ── Processes ────────────────────────────────────────────────────────────────

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      if ((await fetch(url, { headers: { 'x-bench-user': '0' } })).status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  throw new Error(`${url} did not answer within 60 s`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** CPU time (user + system) a process has used so far, in ms: /proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms (USER_HZ is 100 on Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Samples VmRSS of a process every 100 ms while a measured run lasts; VmHWM is its lifetime peak. */
class RssSampler {
  private timer?: NodeJS.Timeout;
  private peak = 0;
  constructor(private readonly pid: number) {}
  private read(field: 'VmRSS' | 'VmHWM'): number {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  }
  start(): void {
    this.peak = 0;
    this.timer = setInterval(() => (this.peak = Math.max(this.peak, this.read('VmRSS'))), 100);
  }
  current(): number {
    return this.read('VmRSS');
  }
  stop(): number {
    clearInterval(this.timer);
    return Math.max(this.peak, this.read('VmRSS'));
  }
  highWaterMb(): number {
    return this.read('VmHWM');
  }
}

// ── Report ───────────────────────────────────────────────────────────────────

function print(rows: Row[], { idleRssMb, peakRssMb }: { idleRssMb: number; peakRssMb: number }, options: { duration: number; warmup: number; connections: number; rounds: number }): void {
  const f = (n: number, d = 1) => n.toFixed(d);
  const widths = [10, 8, 9, 9, 9, 6, 4, 8, 12, 12];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');
  const out: string[] = [
    `\n${options.connections} connections (dashboard: 1), ${options.warmup} s warm-up, then ${options.rounds} measured rounds of ${options.duration} s alternating service and bare (claim: a fixed number of requests sized to about the same time); figures are the medians of the rounds, bad answers summed`,
    line(['scenario', 'target', 'req/s', 'p50 ms', 'p99 ms', 'bad', 'RSS', 'CPU ms', 'ratio req/s', 'ratio p99']),
  ];
  for (const row of rows) {
    out.push(line([row.scenario, 'service', f(row.service.rps, 0), f(row.service.p50), f(row.service.p99), String(row.service.unexpected), f(row.service.peakRssMb, 0), f(row.service.cpuMsPerRequest, 2), f(row.ratio.rps, 2), f(row.ratio.p99, 2)]));
    out.push(line(['', 'bare', f(row.bare.rps, 0), f(row.bare.p50), f(row.bare.p99), String(row.bare.unexpected), '', f(row.bare.cpuMsPerRequest, 2), '', '']));
    if (row.scenario === 'dashboard') out.push(`           dashboard p95: service ${f(row.service.p95)} ms, bare ${f(row.bare.p95)} ms`);
    if (row.rounds.length > 1) out.push(`           ratio req/s by round: ${row.rounds.map((round) => f(round.ratio.rps, 2)).join(', ')}; p99: ${row.rounds.map((round) => f(round.ratio.p99, 2)).join(', ')}`);
    if (row.checks) out.push(`           claim check (both targets, all rounds and warm-ups): ${JSON.stringify(row.checks)}`);
  }
  out.push(`service RSS: ${f(idleRssMb, 0)} MB idle after start-up, peak ${f(peakRssMb, 0)} MB (VmHWM over the whole run; RSS column: peak VmRSS while that scenario was measured)`);
  out.push('CPU ms: CPU time of that server process per response while measured (user + system; the database and the load generator not included)');
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
