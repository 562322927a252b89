import { FakeWechat } from '../support/fake-wechat';
import { startTestApp, TestApp, testDatabases } from '../support/test-app';
import { ACCESS_MATRIX, allowedFields, MatrixRow, parseExpectations, ROLE_NAMES, RoleName } from './access-matrix';
import { concretePath, DbFingerprint, documentedRoutes, fill, isCodedError, RouteDoc, send } from './harness';
import { recordSecurityFigure } from './report';
import { RESIDENT_SECRETS, securityEnv, SecurityWorld } from './world';

/** Fields a client must never set: each is refused by the whitelist wherever the route's DTO does not declare it. */
const FORBIDDEN_EXTRAS = (w: SecurityWorld): Record<string, unknown> => ({
  id: 999_999,
  status: 'completed',
  claimerId: w.w.memberA2.userId,
  residentId: w.w.residentB.userId,
  userId: w.w.residentB.userId,
  createdBy: w.w.residentB.userId,
  role: 'region_admin',
  roles: [{ role: 'region_admin', regionId: w.w.city.id }],
  communityId: w.w.communityB1.id,
  regionPath: '/',
  rating: 5,
  version: 99,
  reviewedAt: '2020-01-01T00:00:00Z',
  isAdmin: true,
});

/** Routes whose body is not a whitelisted DTO, and why that is safe. */
const NOT_A_DTO: Record<string, string> = {
  // WeChat's own event format; the signature is checked before the body is read (403 here).
  'POST /api/v1/wechat/callback': 'signed WeChat push',
};

const isSuccess = (status: number) => status >= 200 && status < 300;

describe.each(testDatabases())('authorization matrix on %s', (kind) => {
  const wechat = new FakeWechat();
  let t: TestApp;
  let world: SecurityWorld;
  let routes: RouteDoc[];
  let fingerprint: DbFingerprint;
  let checks = 0;
  let massChecks = 0;

  beforeAll(async () => {
    await wechat.start();
    t = await startTestApp(kind, 'security-authz', { env: securityEnv(wechat) });
    world = await SecurityWorld.build(t, wechat);
    routes = documentedRoutes(t);
    fingerprint = new DbFingerprint(t);
  }, 120_000);
  afterAll(async () => {
    recordSecurityFigure('routeRoleChecks', checks);
    recordSecurityFigure('massAssignmentChecks', massChecks);
    await t?.close();
    await wechat.stop();
  });

  it('has exactly one row for every route the application serves', () => {
    const served = routes.map((r) => r.key);
    expect({ missingRows: served.filter((key) => !(key in ACCESS_MATRIX)), rowsWithoutRoute: Object.keys(ACCESS_MATRIX).filter((key) => !served.includes(key)) }).toEqual({
      missingRows: [],
      rowsWithoutRoute: [],
    });
    expect(served.length).toBeGreaterThan(60);
  });

  const rowFor = (key: string): [RouteDoc, MatrixRow] => [routes.find((r) => r.key === key)!, ACCESS_MATRIX[key]];

  describe.each(Object.keys(ACCESS_MATRIX))('%s', (key) => {
    it('answers every role as the matrix says and shows each only its fields', async () => {
      const [route, row] = rowFor(key);
      expect(route).toBeDefined();
      const expected = parseExpectations(row);
      const shared = row.fresh ? undefined : await world.target(row.target);
      const problems: string[] = [];
      for (const role of ROLE_NAMES) {
        const params = shared ?? (await world.target(row.target));
        const session = role === 'anonymous' ? undefined : row.clone ? await world.cloneOf(role) : world.session(role);
        const unique = `${role}-${world.next()}`;
        const before = route.method !== 'GET' ? await fingerprint.take() : undefined;
        const response = await send(t, {
          method: route.method,
          path: concretePath(route.path, params),
          session,
          query: row.query,
          body: row.body ? fill(row.body, world, params, unique) : undefined,
          upload: row.upload,
        });
        checks += 1;
        const want = expected[role];
        const got = `${response.status}${response.body?.code ? `:${response.body.code}` : ''}`;
        if (response.status !== want.status || (want.code && response.body?.code !== want.code)) {
          problems.push(`${role}: expected ${want.status}${want.code ? `:${want.code}` : ''}, got ${got}`);
          continue;
        }
        if (response.status >= 400) {
          if (!isCodedError(response)) problems.push(`${role}: ${response.status} without the coded error shape: ${response.text.slice(0, 200)}`);
          // A refusal changes nothing.
          if (before !== undefined && (await fingerprint.take()) !== before) problems.push(`${role}: refused with ${got} but the database changed`);
          continue;
        }
        problems.push(...exposureProblems(row, role, response.body, response.text ?? ''));
      }
      expect(problems).toEqual([]);
    });
  });

  /** Exact key sets, and no resident contact or openid where the role is not entitled. */
  function exposureProblems(row: MatrixRow, role: RoleName, body: unknown, text: string): string[] {
    const problems: string[] = [];
    const allowed = allowedFields(row, role);
    if (allowed && body && typeof body === 'object') {
      const keys = Object.keys(body).sort();
      if (JSON.stringify(keys) !== JSON.stringify(allowed)) problems.push(`${role}: keys ${keys.join(',')} ≠ allowed ${allowed.join(',')}`);
    }
    if (row.items && Array.isArray((body as { items?: unknown[] })?.items)) {
      const permitted = new Set(row.items.split(/\s+/));
      for (const item of (body as { items: Array<Record<string, unknown>> }).items) {
        const extra = Object.keys(item).filter((k) => !permitted.has(k));
        if (extra.length > 0) problems.push(`${role}: list item shows ${extra.join(',')}`);
      }
    }
    if (!row.contact?.includes(role)) {
      for (const secret of [RESIDENT_SECRETS.phone, RESIDENT_SECRETS.address]) if (text.includes(secret)) problems.push(`${role}: answer contains resident A's ${secret === RESIDENT_SECRETS.phone ? 'phone' : 'address'}`);
    }
    if (text.includes(RESIDENT_SECRETS.openid) || /"(openid|unionid|sessionKey|session_key|phoneCipher|passwordHash)"/.test(text)) problems.push(`${role}: answer contains an openid or a secret column`);
    return problems;
  }

  describe('mass assignment', () => {
    /** The role the matrix lets through (first 2xx), which gets past auth and scope to the body. */
    const privileged = (row: MatrixRow): RoleName => {
      const expected = parseExpectations(row);
      // Public routes that refuse everyone (a wrong password, a forged code) are probed anonymously.
      return ROLE_NAMES.find((role) => role !== 'anonymous' && isSuccess(expected[role].status)) ?? 'anonymous';
    };

    it.each(Object.keys(ACCESS_MATRIX).filter((key) => ACCESS_MATRIX[key].body && !(key in NOT_A_DTO)))(
      '%s refuses fields its DTO does not declare (400, nothing written)',
      async (key) => {
        const [route, row] = rowFor(key);
        const role = privileged(row);
        const params = await world.target(row.target);
        const session = role === 'anonymous' ? undefined : row.clone ? await world.cloneOf(role) : world.session(role);
        const declared = new Set(Object.keys(route.body ?? {}));
        const extras = Object.fromEntries(Object.entries(FORBIDDEN_EXTRAS(world)).filter(([name]) => !declared.has(name)));
        const valid = fill(row.body, world, params, `mass-${world.next()}`) as Record<string, unknown>;
        const before = await fingerprint.take();
        const response = await send(t, { method: route.method, path: concretePath(route.path, params), session, query: row.query, body: { ...valid, ...extras } });
        massChecks += 1;
        expect({ status: response.status, code: response.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
        const named = (response.body.details as Array<{ field: string }>).map((d) => d.field);
        expect(named).toEqual(expect.arrayContaining(Object.keys(extras)));
        expect(await fingerprint.take()).toBe(before);
        // The same body without the extras gets the matrix's answer: the 400 was the extras, nothing else.
        const clean = await send(t, { method: route.method, path: concretePath(route.path, params), session, query: row.query, body: valid });
        expect(clean.status).toBe(parseExpectations(row)[role].status);
      },
    );

    /** Fields a route legitimately takes, with a value outside the caller's scope: refused, never applied. */
    it.each([
      ['POST /api/v1/admin/wishes', 'communityId of another community', (w: SecurityWorld) => ({ communityId: w.w.communityB1.id }), 404, 'WISH_NOT_FOUND'],
      ['POST /api/v1/admin/regions', 'parentId outside the scope', (w: SecurityWorld) => ({ parentId: w.w.communityB1.id }), 404, 'REGION_NOT_FOUND'],
      ['POST /api/v1/admin/units', 'regionId outside the scope', (w: SecurityWorld) => ({ regionId: w.w.streetB.id }), 404, 'REGION_NOT_FOUND'],
      ['POST /api/v1/admin/units/{id}/pairings', 'a community outside the scope', (w: SecurityWorld) => ({ communityId: w.w.communityB1.id }), 404, 'REGION_NOT_FOUND'],
      ['POST /api/v1/admin/wishes/{id}/assign', 'a member registered elsewhere', (w: SecurityWorld) => ({ memberId: w.w.memberA2.userId }), 422, 'ASSIGNEE_NOT_REGISTERED'],
      ['POST /api/v1/admin/wishes/{id}/assign', 'the resident as the assignee', (w: SecurityWorld) => ({ memberId: w.w.residentA.userId }), 422, 'ASSIGNEE_NOT_REGISTERED'],
      ['POST /api/v1/wishes', 'a street as the community', (w: SecurityWorld) => ({ communityId: w.w.streetA.id }), 422, 'REGION_NOT_A_COMMUNITY'],
      ['POST /api/v1/wishes', "another user's photo", (w: SecurityWorld) => ({ photoIds: [w.uploadId] }), 422, 'UPLOAD_INVALID'],
      ['POST /api/v1/wishes/{id}/fulfil', "the resident's photo as evidence", (w: SecurityWorld) => ({ photoIds: [w.uploadId] }), 422, 'UPLOAD_INVALID'],
    ] as const)('%s with %s is refused (%d %s) and nothing is written', async (key, _label, override, status, code) => {
      const [route, row] = rowFor(key);
      const role = key === 'POST /api/v1/wishes' ? 'residentB' : privileged(row)!;
      const params = await world.target(row.target);
      const session = world.session(role as Exclude<RoleName, 'anonymous'>);
      const body = { ...(fill(row.body, world, params, `scope-${world.next()}`) as object), ...override(world) };
      const before = await fingerprint.take();
      const response = await send(t, { method: route.method, path: concretePath(route.path, params), session, body });
      massChecks += 1;
      expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
      expect(await fingerprint.take()).toBe(before);
    });
  });
});
