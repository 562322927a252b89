import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { expectError } from './support/errors';
import { buildCity, City } from './support/fixtures';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { wishBody } from './support/wish-world';

/** A client address of its own for each test, so the per-IP counters of one test do not touch another's. */
const SECOND = 1000;
const freshIp = () => `10.${[1, 2, 3].map(() => randomBytes(1)[0]).join('.')}`;

const LIMITS = {
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_DEFAULT_PER_MINUTE: '20',
  RATE_LIMIT_AUTH_PER_MINUTE: '4',
  RATE_LIMIT_SUBMIT_PER_MINUTE: '2',
  // Behind our proxy: X-Forwarded-For names the client, which lets each test be a different client.
  TRUST_PROXY: 'true',
  RESIDENT_DAILY_SUBMISSIONS: '100',
  RESIDENT_OPEN_WISH_LIMIT: '100',
};

function expectRateLimited(response: Response, retryAfterAtMost = 60): void {
  expectError(response, 429, 'RATE_LIMITED');
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(retryAfterAtMost);
}

describe.each(testDatabases())('rate limits on %s', (kind) => {
  let t: TestApp;
  let city: City;

  beforeAll(async () => {
    t = await startTestApp(kind, 'ratelimit', { env: LIMITS });
    city = await buildCity(t.dataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  const login = (ip: string, openid: string) => t.http.post('/api/v1/auth/dev/login').set('X-Forwarded-For', ip).send({ openid });
  /** A fresh user, logged in from an address of its own. */
  const newUser = async (prefix: string) => {
    const response = await login(freshIp(), `${prefix}-${randomBytes(3).toString('hex')}`);
    expect(response.status).toBe(200);
    return { Authorization: `Bearer ${response.body.accessToken}` };
  };

  it('allows a few logins per minute per IP, then answers 429 RATE_LIMITED with Retry-After until the window is over', async () => {
    const ip = freshIp();
    for (let i = 0; i < 4; i++) expect((await login(ip, `rl-login-${i}`)).status).toBe(200);
    const refused = await login(ip, 'rl-login-5');
    expectRateLimited(refused);
    // Refresh and the other logins share the same per-IP budget.
    expectRateLimited(await t.http.post('/api/v1/auth/refresh').set('X-Forwarded-For', ip).send({ refreshToken: 'x'.repeat(43) }));
    expectRateLimited(await t.http.post('/api/v1/auth/password/login').set('X-Forwarded-For', ip).send({ username: 'nobody', password: 'whatever-123' }));
    // Another client is not affected.
    expect((await login(freshIp(), 'rl-login-other')).status).toBe(200);

    t.clock.advance(61 * SECOND);
    expect((await login(ip, 'rl-login-6')).status).toBe(200);
  });

  it('counts a signed-in user over all routes, whatever address they come from', async () => {
    const auth = await newUser('rl-user');
    // Each request from a different address: the counter is the user's.
    for (let i = 0; i < 20; i++) expect((await t.http.get('/api/v1/me').set(auth).set('X-Forwarded-For', freshIp())).status).toBe(200);
    expectRateLimited(await t.http.get(`/api/v1/regions`).set(auth).set('X-Forwarded-For', freshIp()));

    // A different user on the same address is still served.
    expect((await t.http.get('/api/v1/me').set(await newUser('rl-user-other'))).status).toBe(200);

    t.clock.advance(61 * SECOND);
    expect((await t.http.get('/api/v1/me').set(auth)).status).toBe(200);
  });

  it('counts anonymous callers and callers with bad tokens per IP, before the token is refused', async () => {
    const ip = freshIp();
    for (let i = 0; i < 10; i++) expect((await t.http.get('/api/v1/regions').set('X-Forwarded-For', ip)).status).toBe(200);
    // A forged or expired token does not buy a fresh counter: the guard verifies it and falls back to the IP.
    for (let i = 0; i < 10; i++) expectError(await t.http.get('/api/v1/me').set('Authorization', `Bearer forged.${i}.token`).set('X-Forwarded-For', ip), 401, 'TOKEN_INVALID');
    expectRateLimited(await t.http.get('/api/v1/me').set('Authorization', 'Bearer forged.again.token').set('X-Forwarded-For', ip));
    expectRateLimited(await t.http.get('/api/v1/regions').set('X-Forwarded-For', ip));
  });

  it('limits wish submissions per user more strictly than reading', async () => {
    const resident = { auth: await newUser('rl-resident') };
    for (let i = 0; i < 2; i++) expect((await t.http.post('/api/v1/wishes').set(resident.auth).send(wishBody(city.communityA1.id))).status).toBe(201);
    expectRateLimited(await t.http.post('/api/v1/wishes').set(resident.auth).send(wishBody(city.communityA1.id)));
    // Reading is still allowed: the submit limit is a separate counter.
    expect((await t.http.get('/api/v1/wishes/mine').set(resident.auth)).status).toBe(200);
    t.clock.advance(61 * SECOND);
    expect((await t.http.post('/api/v1/wishes').set(resident.auth).send(wishBody(city.communityA1.id))).status).toBe(201);
  });
});

describe.each(testDatabases())('rate limits without a trusted proxy on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(kind, 'ratelimitnoproxy', { env: { ...LIMITS, TRUST_PROXY: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('ignores X-Forwarded-For, so a client cannot pick a fresh address per request', async () => {
    for (let i = 0; i < 4; i++) expect((await t.http.post('/api/v1/auth/dev/login').set('X-Forwarded-For', freshIp()).send({ openid: `np-${i}` })).status).toBe(200);
    expectRateLimited(await t.http.post('/api/v1/auth/dev/login').set('X-Forwarded-For', freshIp()).send({ openid: 'np-5' }));
  });
});

/** Two instances sharing one Redis share the limits (the local Redis at 127.0.0.1:6379). */
describe.each(testDatabases())('rate limits across instances through Redis on %s', (kind) => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = { ...LIMITS, REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0' };
    a = await startTestApp(kind, 'ratelimitredisa', { env });
    b = await startTestApp(kind, 'ratelimitredisb', { env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('counts the logins of one client on both instances together', async () => {
    const ip = freshIp();
    const on = (app: TestApp, i: number) => app.http.post('/api/v1/auth/dev/login').set('X-Forwarded-For', ip).send({ openid: `redis-${i}` });
    expect((await on(a, 1)).status).toBe(200);
    expect((await on(b, 2)).status).toBe(200);
    expect((await on(a, 3)).status).toBe(200);
    expect((await on(b, 4)).status).toBe(200);
    expectRateLimited(await on(a, 5));
    expectRateLimited(await on(b, 6));
    // Another client is counted apart.
    expect((await b.http.post('/api/v1/auth/dev/login').set('X-Forwarded-For', freshIp()).send({ openid: 'redis-other' })).status).toBe(200);
  });
});
