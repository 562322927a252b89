import { RefreshToken } from '../src/auth/refresh-token.entity';
import { MINUTE } from '../src/common/time/clock';
import { User } from '../src/users/user.entity';
import { createStaffUser } from '../src/cli/staff';
import { devLogin } from './support/auth';
import { FakeWechat } from './support/fake-wechat';
import { buildCity, City } from './support/fixtures';
import { startTestApp, TestApp, testDatabases } from './support/test-app';

describe.each(testDatabases())('auth on %s', (kind) => {
  const wechat = new FakeWechat();
  let t: TestApp;
  let city: City;

  beforeAll(async () => {
    await wechat.start();
    t = await startTestApp(kind, 'auth', { env: { ...wechat.env(), PASSWORD_MAX_FAILURES: '3', PASSWORD_LOCK_MINUTES: '15' } });
    city = await buildCity(t.dataSource);
    await createStaffUser(t.app, { username: 'office-a1', password: 'correct-horse-9', name: '甲一办', roles: [{ role: 'community_admin', regionId: city.communityA1.id }] });
  });
  afterAll(async () => {
    await t?.close();
    await wechat.stop();
  });

  describe('WeChat login', () => {
    it('creates a resident on first login, finds the same user next time, keeps session_key server-side', async () => {
      const first = await t.http.post('/api/v1/auth/wechat/login').send({ code: wechat.issueCode('o-resident-1', 'u-1') });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
        user: { id: expect.any(Number), name: null, roles: [{ role: 'resident' }] },
      });
      expect(JSON.stringify(first.body)).not.toMatch(/session_key|sessionKey|o-resident-1/);

      const second = await t.http.post('/api/v1/auth/wechat/login').send({ code: wechat.issueCode('o-resident-1') });
      expect(second.status).toBe(200);
      expect(second.body.user.id).toBe(first.body.user.id);

      const stored = await t.dataSource.getRepository(User).findOne({ where: { openid: 'o-resident-1' }, select: { id: true, sessionKeyCipher: true, unionid: true } });
      expect(stored?.unionid).toBe('u-1');
      expect(stored?.sessionKeyCipher).toMatch(/^v1\./);
      const call = wechat.callsTo('jscode2session').at(-1)!;
      expect(call.query).toMatchObject({ appid: wechat.appId, secret: wechat.secret, grant_type: 'authorization_code' });

      const me = await t.http.get('/api/v1/me').set({ Authorization: `Bearer ${second.body.accessToken}` });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: first.body.user.id, wechatBound: true, roles: [{ role: 'resident' }] });
    });

    it('answers a used or unknown code with 400 WECHAT_CODE_INVALID', async () => {
      const code = wechat.issueCode('o-once');
      expect((await t.http.post('/api/v1/auth/wechat/login').send({ code })).status).toBe(200);
      const reused = await t.http.post('/api/v1/auth/wechat/login').send({ code });
      expect(reused.status).toBe(400);
      expect(reused.body).toMatchObject({ statusCode: 400, code: 'WECHAT_CODE_INVALID', message: expect.stringMatching(/[\u4e00-\u9fa5]/) });
    });

    it.each([
      [45011, 429, 'WECHAT_RATE_LIMITED'],
      [40226, 403, 'WECHAT_USER_BLOCKED'],
      [40013, 503, 'WECHAT_UNAVAILABLE'],
      [40125, 503, 'WECHAT_UNAVAILABLE'],
    ])('maps WeChat errcode %i to %i %s', async (errcode, status, code) => {
      wechat.failNext('jscode2session', errcode);
      const response = await t.http.post('/api/v1/auth/wechat/login').send({ code: wechat.issueCode('o-err') });
      expect(response.status).toBe(status);
      expect(response.body.code).toBe(code);
    });

    it('retries -1 (system busy) and succeeds when WeChat recovers', async () => {
      const before = wechat.callsTo('jscode2session').length;
      wechat.failNext('jscode2session', -1, 2);
      const response = await t.http.post('/api/v1/auth/wechat/login').send({ code: wechat.issueCode('o-busy') });
      expect(response.status).toBe(200);
      expect(wechat.callsTo('jscode2session').length - before).toBe(3);
    });

    it('gives up after the configured retries with 503 WECHAT_BUSY', async () => {
      wechat.failNext('jscode2session', -1, 3);
      const response = await t.http.post('/api/v1/auth/wechat/login').send({ code: wechat.issueCode('o-busy-2') });
      expect(response.status).toBe(503);
      expect(response.body.code).toBe('WECHAT_BUSY');
    });

    it('treats HTTP 5xx from WeChat as unavailable after retries', async () => {
      wechat.httpErrorNext('jscode2session', 502, 3);
      const response = await t.http.post('/api/v1/auth/wechat/login').send({ code: wechat.issueCode('o-5xx') });
      expect(response.status).toBe(503);
      expect(response.body.code).toBe('WECHAT_UNAVAILABLE');
    });

    it('refuses a missing or malformed code before calling WeChat', async () => {
      const before = wechat.calls.length;
      for (const body of [{}, { code: '' }, { code: 12 }, { code: 'x'.repeat(200) }, { code: 'ok', extra: true }]) {
        const response = await t.http.post('/api/v1/auth/wechat/login').send(body);
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
      }
      expect(wechat.calls.length).toBe(before);
    });
  });

  describe('refresh rotation', () => {
    it('returns a new pair, and a used refresh token cannot be used again (its family is revoked)', async () => {
      const session = await devLogin(t.http, 'rotate-me');
      const first = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken });
      expect(first.status).toBe(200);
      expect(first.body.refreshToken).not.toBe(session.refreshToken);
      expect(first.body.user.id).toBe(session.userId);

      const replay = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken });
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('REFRESH_TOKEN_REUSED');

      // The replay revoked the whole family, including the token issued by the legitimate refresh.
      const afterTheft = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: first.body.refreshToken });
      expect(afterTheft.status).toBe(401);
      expect(afterTheft.body.code).toBe('REFRESH_TOKEN_INVALID');
    });

    it('lets exactly one of two concurrent refreshes win', async () => {
      const session = await devLogin(t.http, 'rotate-race');
      const results = await Promise.all([1, 2].map(() => t.http.post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    });

    it('refuses unknown and expired refresh tokens', async () => {
      const unknown = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: 'nope' });
      expect(unknown.status).toBe(401);
      expect(unknown.body.code).toBe('REFRESH_TOKEN_INVALID');

      const session = await devLogin(t.http, 'expire-me');
      await t.dataSource.getRepository(RefreshToken).update({ userId: session.userId }, { expiresAt: new Date(t.clock.now().getTime() - 1000) });
      const expired = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken });
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe('REFRESH_TOKEN_INVALID');
    });
  });

  describe('access tokens', () => {
    it('answers 401 without a token, with a forged one, and with an expired one', async () => {
      expect((await t.http.get('/api/v1/me')).body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
      const forged = await t.http.get('/api/v1/me').set({ Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.bad' });
      expect(forged.body).toMatchObject({ statusCode: 401, code: 'TOKEN_INVALID' });
      const jwt = t.app.get((await import('@nestjs/jwt')).JwtService);
      const expired = jwt.sign({ sub: 1, typ: 'access', roles: [] }, { expiresIn: -10 });
      const response = await t.http.get('/api/v1/me').set({ Authorization: `Bearer ${expired}` });
      expect(response.body).toMatchObject({ statusCode: 401, code: 'TOKEN_EXPIRED' });
    });

    it('answers 403 when the role is missing (function-level check)', async () => {
      const resident = await devLogin(t.http, 'plain-resident');
      const response = await t.http.get('/api/v1/admin/registrations').set(resident.auth);
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    });
  });

  describe('password login', () => {
    it('logs office staff in with their scoped role', async () => {
      const response = await t.http.post('/api/v1/auth/password/login').send({ username: 'office-a1', password: 'correct-horse-9' });
      expect(response.status).toBe(200);
      expect(response.body.user).toMatchObject({ name: '甲一办', roles: [{ role: 'community_admin', regionId: city.communityA1.id }] });
    });

    it('gives the same answer for an unknown user and a wrong password', async () => {
      const unknown = await t.http.post('/api/v1/auth/password/login').send({ username: 'nobody', password: 'x' });
      const wrong = await t.http.post('/api/v1/auth/password/login').send({ username: 'office-a1', password: 'wrong' });
      expect(unknown.status).toBe(401);
      expect(unknown.body.code).toBe('INVALID_CREDENTIALS');
      expect(wrong.body).toMatchObject({ statusCode: 401, code: 'INVALID_CREDENTIALS', message: unknown.body.message });
      // reset the counter for the next test
      expect((await t.http.post('/api/v1/auth/password/login').send({ username: 'office-a1', password: 'correct-horse-9' })).status).toBe(200);
    });

    it('locks the account after repeated failures, even for the right password, until the lock expires', async () => {
      await createStaffUser(t.app, { username: 'office-lock', password: 'right-password-1', roles: [{ role: 'community_admin', regionId: city.communityA2.id }] });
      const attempt = (password: string) => t.http.post('/api/v1/auth/password/login').send({ username: 'office-lock', password });
      expect((await attempt('bad-1')).status).toBe(401);
      expect((await attempt('bad-2')).status).toBe(401);
      const third = await attempt('bad-3');
      expect(third.status).toBe(423);
      expect(third.body.code).toBe('ACCOUNT_LOCKED');
      expect(Number(third.headers['retry-after'])).toBe(15 * 60);

      const right = await attempt('right-password-1');
      expect(right.status).toBe(423);

      t.clock.advance(15 * MINUTE + 1000);
      expect((await attempt('right-password-1')).status).toBe(200);
    });

    it('counts parallel guesses: a burst cannot get more tries than the limit', async () => {
      await createStaffUser(t.app, { username: 'office-burst', password: 'right-password-2', roles: [{ role: 'community_admin', regionId: city.communityA2.id }] });
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => t.http.post('/api/v1/auth/password/login').send({ username: 'office-burst', password: `guess-${i}` })));
      expect(results.filter((r) => r.status === 423).length).toBeGreaterThanOrEqual(1);
      const after = await t.http.post('/api/v1/auth/password/login').send({ username: 'office-burst', password: 'right-password-2' });
      expect(after.status).toBe(423);
    });
  });

  describe('dev login', () => {
    it('creates the user with the requested scoped roles and adds new ones later', async () => {
      const first = await devLogin(t.http, 'dev-admin', [{ role: 'community_admin', regionId: city.communityA1.id }], '甲一社工');
      const again = await t.http.post('/api/v1/auth/dev/login').send({ openid: 'dev-admin', roles: [{ role: 'region_admin', regionId: city.streetA.id }] });
      expect(again.status).toBe(200);
      expect(again.body.user.id).toBe(first.userId);
      expect(again.body.user.roles).toEqual([
        { role: 'resident' },
        { role: 'community_admin', regionId: city.communityA1.id },
        { role: 'region_admin', regionId: city.streetA.id },
      ]);
    });

    it.each([
      [{ role: 'community_admin' }],
      [{ role: 'community_admin', regionId: 999999 }],
      [{ role: 'unit_admin', regionId: 1 }],
      [{ role: 'resident', unitId: 1 }],
    ])('refuses a role with a wrong scope %j with 422 ROLE_SCOPE_INVALID', async (claim) => {
      const response = await t.http.post('/api/v1/auth/dev/login').send({ openid: 'dev-bad-scope', roles: [claim] });
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('ROLE_SCOPE_INVALID');
    });

    it('refuses a community_admin scoped to a street', async () => {
      const response = await t.http.post('/api/v1/auth/dev/login').send({ openid: 'dev-bad-level', roles: [{ role: 'community_admin', regionId: city.streetA.id }] });
      expect(response.status).toBe(422);
    });
  });
});

describe('dev login switched off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', 'devoff', { env: { DEV_LOGIN_ENABLED: 'false' } });
  });
  afterAll(() => t?.close());

  it('answers 404 as if the route did not exist', async () => {
    const response = await t.http.post('/api/v1/auth/dev/login').send({ openid: 'anyone' });
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('DEV_LOGIN_DISABLED');
    expect(await t.dataSource.getRepository(User).count()).toBe(0);
  });

  it('answers 503 WECHAT_NOT_CONFIGURED when no WeChat credentials are set', async () => {
    const response = await t.http.post('/api/v1/auth/wechat/login').send({ code: 'abc' });
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('WECHAT_NOT_CONFIGURED');
  });
});

