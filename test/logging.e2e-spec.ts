import { devLogin } from './support/auth';
import { FakeWechat } from './support/fake-wechat';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, WishWorld, wishBody } from './support/wish-world';

/**
 * Logs are JSON lines with a request id, and never carry a phone number, an address, an openid,
 * a token or a WeChat session key — even at debug level, even in error paths.
 */
describe.each(testDatabases())('logging on %s', (kind) => {
  const wechat = new FakeWechat();
  const lines: string[] = [];
  let t: TestApp;
  let w: WishWorld;

  beforeAll(async () => {
    await wechat.start();
    t = await startTestApp(kind, 'logging', { env: wechat.env(), logLines: lines });
    w = await buildWishWorld(t);
  });
  afterAll(async () => {
    await t?.close();
    await wechat.stop();
  });

  it('records requests with ids and keeps personal data and secrets out', async () => {
    const login = await t.http.post('/api/v1/auth/wechat/login').send({ code: wechat.issueCode('o-secret-openid-123') });
    expect(login.status).toBe(200);
    await t.http.post('/api/v1/auth/refresh').send({ refreshToken: login.body.refreshToken }).expect(200);
    const auth = { Authorization: `Bearer ${login.body.accessToken}` };
    await t.http.patch('/api/v1/me').set(auth).send({ name: '周秘密', phone: '13912345678', address: '机密路 88 号' }).expect(200);
    await t.http.patch('/api/v1/me').set(auth).send({ phone: '1391234567X' }).expect(400);
    const wish = await t.http.post('/api/v1/wishes').set(w.residentA.auth).set('X-Request-Id', 'trace-me-0001').send({ ...wishBody(w.communityA1.id), phone: '13787654321', address: '保密小区 1 号' });
    expect(wish.status).toBe(201);
    expect(wish.headers['x-request-id']).toBe('trace-me-0001');
    await t.http.post(`/api/v1/admin/wishes/${wish.body.id}/approve`).set(w.adminA1.auth).send({}).expect(200);
    await t.http.post(`/api/v1/wishes/${wish.body.id}/claim`).set(w.memberA1.auth).expect(200);
    await t.http.get(`/api/v1/wishes/${wish.body.id}`).set(w.memberA1.auth).expect(200);
    await t.http.get('/api/v1/wishes/mine?status=open').set(w.residentA.auth).expect(200);
    await t.http.post('/api/v1/members/registrations').set((await devLogin(t.http, 'log-member')).auth).send({ unitId: w.unitGov.id, communityId: w.communityA1.id, name: '党员甲', phone: '13600001234' }).expect(201);
    // Data rights and the audit log handle the same personal data: their lines must stay clean too.
    await t.http.get(`/api/v1/wishes/${wish.body.id}`).set(w.adminA1.auth).expect(200);
    await t.http.get('/api/v1/admin/audit').set(w.adminStreetA.auth).expect(200);
    await t.http.get('/api/v1/me/export').set(auth).expect(200);
    await t.http.delete('/api/v1/me').set(auth).expect(204);
    // The two fields of the access line a client chooses: a phone number in them is masked too.
    const probe = await t.http.get('/api/v1/wishes/13812349999').set(w.memberA1.auth).set('X-Request-Id', '13812349998');
    expect(probe.status).toBeGreaterThanOrEqual(400);

    const text = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(text).toContain('trace-me-0001');
    expect(text).toMatch(/"msg":"wish transition"/);
    // The access line and the lines a use case writes for its caller carry the request's id.
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const traced = parsed.filter((line) => line.reqId === 'trace-me-0001');
    expect(traced.map((line) => line.context ?? line.msg)).toEqual(expect.arrayContaining(['WishSubmissions', 'request completed']));
    expect(traced.find((line) => line.msg === 'request completed')).toMatchObject({ level: 'info', method: 'POST', url: '/api/v1/wishes', statusCode: 201 });
    // The access line has the path without the query, and 4xx at warn.
    const access = parsed.filter((line) => line.msg === 'request completed');
    expect(access.find((line) => String(line.url).startsWith('/api/v1/wishes/mine'))).toMatchObject({ url: '/api/v1/wishes/mine', statusCode: 200 });
    expect(access.find((line) => line.statusCode === 400)).toMatchObject({ level: 'warn', method: 'PATCH', url: '/api/v1/me', code: 'VALIDATION_FAILED' });
    expect(access.find((line) => line.statusCode === 200)).not.toHaveProperty('code');
    expect(access.find((line) => line.url === '/api/v1/wishes/138****9999')).toMatchObject({ reqId: '138****9998' });
    for (const secret of ['13812349999', '13812349998', '13912345678', '13787654321', '13600001234', '机密路 88 号', '保密小区 1 号', 'o-secret-openid-123', login.body.accessToken, login.body.refreshToken]) {
      expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    }
    expect(text).not.toMatch(/session_key|sessionKey"\s*:\s*"[^[]/);
  });
});
