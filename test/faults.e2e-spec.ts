import { recordSecurityFigure } from './security/report';
import { ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfig, loadAppConfig } from '../src/config/app-config';
import { FieldCipher } from '../src/common/crypto/field-cipher';
import { buildDataSourceOptions } from '../src/database/data-source';
import { MemberRegistration } from '../src/members/member-registration.entity';
import { devLogin, Session } from './support/auth';
import { buildCity, City } from './support/fixtures';
import { freePort, PrivateMariaDb } from './support/private-mariadb';
import { buildService } from './support/service-build';
import { startTestApp, TestApp } from './support/test-app';
import { newMember, wishBody } from './support/wish-world';

/**
 * Faults (issue 6): the database crashing or freezing under a running app, and the service itself
 * killed in the middle of a burst of claims. Everything runs against a MariaDB server of this
 * file's own (own datadir and port), so stopping it cannot disturb the suites sharing the local
 * server; it needs the `mariadbd` binary, which every MariaDB install (and CI) has.
 */

/** Short bounds so a frozen server costs the test 1.5 s per request, not the production 30 s. */
const TIMEOUTS = { DB_QUERY_TIMEOUT_MS: '1500', DB_CONNECT_TIMEOUT_MS: '1500' };
const RESIDENT = { name: '居民', phone: '13800000000', address: '甲一社区 1 号楼' };

interface ClaimSeen {
  wishId: number;
  memberId: number;
}

type Query = <T>(sql: string, params?: unknown[]) => Promise<T>;

/**
 * The claim invariants, read straight from the tables after the fault:
 * - a wish is `claimed` with exactly one claim event whose actor is its claimer, or `open` with
 *   no claim event and no claimer (a transition is its status and its event, or neither);
 * - every claim the client saw succeed (200) is in the database, held by that member;
 * - each member's claim-load counter equals the wishes they hold.
 */
async function expectClaimInvariants(query: Query, wishIds: number[], succeeded: ClaimSeen[]): Promise<{ claimed: number }> {
  const rows = await query<{ id: number; status: string; claimerId: number | null; claimEvents: number; eventActor: number | null }[]>(
    `SELECT w.id, w.status, w.claimer_id AS claimerId,
            (SELECT COUNT(*) FROM wish_event e WHERE e.wish_id = w.id AND e.action = 'claim') AS claimEvents,
            (SELECT MAX(e.actor_id) FROM wish_event e WHERE e.wish_id = w.id AND e.action = 'claim') AS eventActor
       FROM wish w WHERE w.id IN (?) ORDER BY w.id`,
    [wishIds],
  );
  expect(rows).toHaveLength(wishIds.length);
  const broken = rows.filter((w) =>
    w.status === 'claimed'
      ? Number(w.claimEvents) !== 1 || w.eventActor !== w.claimerId || w.claimerId === null
      : w.status !== 'open' || Number(w.claimEvents) !== 0 || w.claimerId !== null,
  );
  expect(broken).toEqual([]);

  const byId = new Map(rows.map((w) => [w.id, w]));
  const lost = succeeded.filter((seen) => byId.get(seen.wishId)?.status !== 'claimed' || byId.get(seen.wishId)?.claimerId !== seen.memberId);
  expect(lost).toEqual([]);

  const loads = await query<{ userId: number; activeClaims: number; held: number }[]>(
    `SELECT l.user_id AS userId, l.active_claims AS activeClaims,
            (SELECT COUNT(*) FROM wish w WHERE w.claimer_id = l.user_id AND w.status = 'claimed') AS held
       FROM member_claim_load l`,
  );
  expect(loads.filter((l) => Number(l.activeClaims) !== Number(l.held))).toEqual([]);
  return { claimed: rows.filter((w) => w.status === 'claimed').length };
}

/** Each wish contended by two members; the claim limit (3) refuses some too. */
function attempts(wishIds: number[], members: { userId: number }[]): { wishId: number; member: number }[] {
  return wishIds.flatMap((wishId, i) => [
    { wishId, member: i % members.length },
    { wishId, member: (i + 5) % members.length },
  ]);
}

/** A random point between 30 % and 50 % of `total` responses. */
function somewhereInTheMiddle(total: number): number {
  return Math.floor(total * (0.3 + Math.random() * 0.2));
}

describe('faults on a private MariaDB server', () => {
  let db: PrivateMariaDb;

  beforeAll(async () => {
    db = await PrivateMariaDb.create();
  }, 30_000);
  afterAll(() => db?.destroy(), 30_000);

  describe('the database goes away under a running app', () => {
    let t: TestApp;
    let city: City;
    let admin: Session;
    let members: Session[];

    beforeAll(async () => {
      await db.createDatabase('wish');
      t = await startTestApp('mysql', 'faults', {
        mysql: { host: db.host, port: db.port, user: db.user, password: db.password, database: 'wish' },
        env: { DB_POOL_SIZE: '5', ...TIMEOUTS },
      });
      city = await buildCity(t.dataSource);
      admin = await devLogin(t.http, 'fault-admin', [{ role: 'community_admin', regionId: city.communityA1.id }]);
      members = [];
      for (let i = 0; i < 12; i++) members.push(await newMember(t, `fault-member-${i}`, [city.communityA1.id], city.unitGov.id));
    }, 30_000);
    // A failed test must not leave the server down or frozen for the next one.
    afterEach(async () => {
      if (db.frozen) db.resume();
      if (!db.running) await db.start();
    });
    afterAll(async () => {
      if (db.frozen) db.resume();
      if (!db.running) await db.start();
      await t?.close();
    });

    async function openWishes(count: number): Promise<number[]> {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        const response = await t.http.post('/api/v1/admin/wishes').set(admin.auth).send({ ...wishBody(city.communityA1.id), resident: RESIDENT });
        expect(response.status).toBe(201);
        ids.push(response.body.id);
      }
      return ids;
    }

    function expectUnavailable(response: { status: number; body: Record<string, unknown> }) {
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(response.body).toMatchObject({ statusCode: 503, message: '服务暂时不可用，请稍后再试', requestId: expect.any(String) });
    }

    it('crashed server (SIGKILL): reads and writes answer 503 DATABASE_UNAVAILABLE, /health reports it; after a restart the same app serves again', async () => {
      const [id] = await openWishes(1);
      await db.kill();

      expectUnavailable(await t.http.get(`/api/v1/wishes/${id}`).set(members[0].auth));
      expectUnavailable(await t.http.post(`/api/v1/wishes/${id}/claim`).set(members[0].auth));
      expectUnavailable(await t.http.get('/api/v1/me').set(admin.auth));
      const health = await t.http.get('/health');
      expectUnavailable(health);
      expect(health.body.details).toEqual({ database: 'down' });
      // The process is up: what needs no database still answers.
      expect((await t.http.get('/docs-json')).status).toBe(200);

      await db.start();
      expect((await t.http.get('/health')).body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
      const claimed = await t.http.post(`/api/v1/wishes/${id}/claim`).set(members[0].auth);
      expect(claimed.status).toBe(200);
      expect(claimed.body).toMatchObject({ status: 'claimed', claimer: { id: members[0].userId } });
      await expectClaimInvariants((sql, params) => db.query(sql, params, 'wish'), [id], [{ wishId: id, memberId: members[0].userId }]);
      recordSecurityFigure('faultsSurvived', 1);
    }, 30_000);

    it('frozen server (SIGSTOP): requests answer 503 within the query timeout instead of hanging; on SIGCONT the same app recovers', async () => {
      const [id] = await openWishes(1);
      db.pause();

      // Two rounds: the second runs on pooled connections whose query timed out in the first; a
      // connection kept with its unanswered query would make every later query on it wait forever.
      for (let round = 1; round <= 2; round++) {
        const started = Date.now();
        // More requests than the pool's 5 connections, so round 2 must reuse round 1's connections.
        const [health, claim, ...reads] = await Promise.all([
          t.http.get('/health').timeout(10_000),
          t.http.post(`/api/v1/wishes/${id}/claim`).set(members[1].auth).timeout(10_000),
          ...members.slice(2, 8).map((member) => t.http.get(`/api/v1/wishes/${id}`).set(member.auth).timeout(10_000)),
        ]);
        const elapsed = Date.now() - started;
        reads.forEach(expectUnavailable);
        expectUnavailable(claim);
        expectUnavailable(health);
        expect(health.body.details).toEqual({ database: 'down' });
        // Query timeout (1.5 s) plus, at worst, a new connection's handshake timeout (1.5 s).
        expect(elapsed).toBeLessThan(5_000);
      }

      db.resume();
      const claimed = await t.http.post(`/api/v1/wishes/${id}/claim`).set(members[1].auth);
      expect(claimed.status).toBe(200);
      expect((await t.http.get('/health')).status).toBe(200);
      // The claim that timed out was rolled back with its dropped connection, or never started: one claim event.
      await expectClaimInvariants((sql, params) => db.query(sql, params, 'wish'), [id], [{ wishId: id, memberId: members[1].userId }]);
      recordSecurityFigure('faultsSurvived', 1);
    }, 30_000);

    it('a crash in the middle of a burst of claims: after recovery every wish has its status and its event, or neither', async () => {
      const ids = await openWishes(48);
      const plan = attempts(ids, members);
      const killAt = somewhereInTheMiddle(plan.length);
      let answered = 0;
      let crash: Promise<void> | undefined;
      const responses = await Promise.all(
        plan.map(async ({ wishId, member }) => {
          const response = await t.http.post(`/api/v1/wishes/${wishId}/claim`).set(members[member].auth).timeout(15_000);
          answered += 1;
          if (answered === killAt) crash = db.kill();
          return { wishId, memberId: members[member].userId, status: response.status, code: response.body.code as string | undefined };
        }),
      );
      await crash;
      await db.start();

      // Each answer is a success, a coded refusal, or the outage — never a 500.
      expect(responses.filter((r) => ![200, 409, 503].includes(r.status))).toEqual([]);
      expect(new Set(responses.filter((r) => r.status === 503).map((r) => r.code))).toEqual(new Set(['DATABASE_UNAVAILABLE']));
      expect(responses.filter((r) => r.status === 503).length).toBeGreaterThan(0);
      const succeeded = responses.filter((r) => r.status === 200);
      expect(succeeded.length).toBeGreaterThan(0);

      const { claimed } = await expectClaimInvariants((sql, params) => db.query(sql, params, 'wish'), ids, succeeded);
      // A claim may commit while its answer is lost with the server, never the other way round.
      expect(claimed).toBeGreaterThanOrEqual(succeeded.length);

      // The same app, never restarted, takes claims again.
      const [fresh] = await openWishes(1);
      const member = members.find((m) => responses.every((r) => r.memberId !== m.userId || r.status !== 200)) ?? members[0];
      const again = await t.http.post(`/api/v1/wishes/${fresh}/claim`).set(member.auth);
      expect([200, 409]).toContain(again.status);
      if (again.status === 409) expect(again.body.code).toBe('CLAIM_LIMIT_REACHED');
      recordSecurityFigure('faultsSurvived', 1);
    }, 45_000);
  });

  describe('the service is killed (SIGKILL) in the middle of a burst of claims', () => {
    const DATABASE = 'killed';
    let build: Awaited<ReturnType<typeof buildService>>;
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    let stderr = '';
    let base: string;
    let config: AppConfig;
    let dataSource: DataSource;

    beforeAll(async () => {
      build = await buildService();
      await db.createDatabase(DATABASE);
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const env = {
        NODE_ENV: 'development',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        JWT_SECRET: 'faults-secret-that-is-long-enough-0123456789',
        // Explicit, so the test can write registrations the service reads.
        FIELD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
        DB_TYPE: 'mariadb',
        DB_HOST: db.host,
        DB_PORT: String(db.port),
        DB_USER: db.user,
        DB_PASSWORD: db.password,
        DB_NAME: DATABASE,
        DB_POOL_SIZE: '10',
        DB_MIGRATIONS_RUN: 'true',
        DEMO_DATA: 'false',
        DEV_LOGIN_ENABLED: 'true',
        RATE_LIMIT_ENABLED: 'false',
        SCHEDULERS_ENABLED: 'false',
      };
      config = loadAppConfig(env);
      // cwd is the build folder: main.js loads ./.env when present, and the repository's must not apply.
      child = spawn(process.execPath, [build.main], { cwd: dirname(build.main), env: { PATH: process.env.PATH, NODE_PATH: join(__dirname, '..', 'node_modules'), ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-4000)));
      exited = new Promise((resolve) => child!.once('exit', () => resolve()));
      void exited.then(() => (child = undefined));

      const deadline = Date.now() + 30_000;
      for (;;) {
        if (!child) throw new Error(`service exited during start:\n${stderr}`);
        const up = await fetch(`${base}/health`).then((r) => r.ok, () => false);
        if (up) break;
        if (Date.now() > deadline) throw new Error(`service not healthy after 30 s:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      dataSource = await new DataSource(buildDataSourceOptions({ ...config.db, migrationsRun: false })).initialize();
    }, 45_000);
    afterAll(async () => {
      if (child) {
        child.kill('SIGKILL');
        await exited;
      }
      await dataSource?.destroy();
      await build?.remove();
    });

    async function api(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    async function login(openid: string, roles: unknown[]): Promise<{ token: string; userId: number }> {
      const response = await api('POST', '/api/v1/auth/dev/login', undefined, { openid, roles });
      expect(response.status).toBe(200);
      return { token: response.body.accessToken as string, userId: (response.body.user as { id: number }).id };
    }

    it('loses no committed claim and leaves no claim without its event', async () => {
      const city = await buildCity(dataSource);
      const admin = await login('killed-admin', [{ role: 'community_admin', regionId: city.communityA1.id }]);
      const cipher = new FieldCipher(config);
      const members: { token: string; userId: number }[] = [];
      for (let i = 0; i < 30; i++) {
        const member = await login(`killed-member-${i}`, [{ role: 'member' }]);
        await dataSource.getRepository(MemberRegistration).insert({
          userId: member.userId,
          unitId: city.unitGov.id,
          communityId: city.communityA1.id,
          name: `党员${i}`,
          phoneCipher: cipher.encrypt('13911112222'),
          skills: [],
          status: 'approved',
          openSlot: 1,
          decisionReason: null,
          decidedBy: null,
          decidedAt: new Date(),
          createdAt: new Date(),
        });
        members.push(member);
      }
      const ids: number[] = [];
      for (let i = 0; i < 60; i++) {
        const response = await api('POST', '/api/v1/admin/wishes', admin.token, { ...wishBody(city.communityA1.id), resident: RESIDENT });
        expect(response.status).toBe(201);
        ids.push(response.body.id as number);
      }

      const plan = attempts(ids, members);
      const killAt = somewhereInTheMiddle(plan.length);
      let answered = 0;
      const outcomes = await Promise.allSettled(
        plan.map(async ({ wishId, member }) => {
          const response = await api('POST', `/api/v1/wishes/${wishId}/claim`, members[member].token);
          answered += 1;
          if (answered === killAt) child?.kill('SIGKILL');
          return { wishId, memberId: members[member].userId, status: response.status };
        }),
      );
      await exited;
      expect(child).toBeUndefined();

      const answers = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      // The kill landed mid-burst: some requests never got an answer.
      expect(answers.length).toBeGreaterThanOrEqual(killAt);
      expect(answers.length).toBeLessThan(plan.length);
      expect(answers.filter((a) => a.status !== 200 && a.status !== 409)).toEqual([]);
      const succeeded = answers.filter((a) => a.status === 200);
      expect(succeeded.length).toBeGreaterThan(0);

      const { claimed } = await expectClaimInvariants((sql, params) => dataSource.query(sql, params), ids, succeeded);
      expect(claimed).toBeGreaterThanOrEqual(succeeded.length);
      recordSecurityFigure('faultsSurvived', 1);
    }, 45_000);
  });
});
