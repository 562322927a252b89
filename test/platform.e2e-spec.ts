import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { UNPREFIXED_ROUTES } from '../src/bootstrap';
import { errorCatalog } from '../src/common/errors/domain-error';
import { User } from '../src/users/user.entity';
import { devLogin, Session } from './support/auth';
import { expectError } from './support/errors';
import { startTestApp, TestApp, testDatabases } from './support/test-app';

const CHINESE = /[\u4e00-\u9fa5]/;

/** Every route the Nest router serves, as `METHOD /path/{param}` in OpenAPI spelling. */
function nestRoutes(t: TestApp): string[] {
  const routes = new Set<string>();
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (method === undefined || path === undefined) continue;
        const joined = [base, path].map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
        const prefixed = UNPREFIXED_ROUTES.includes(joined) ? `/${joined}` : `/api/v1/${joined}`;
        routes.add(`${RequestMethod[method]} ${prefixed.replace(/:(\w+)/g, '{$1}')}`);
      }
    }
  }
  return [...routes].sort();
}

describe.each(testDatabases())('platform on %s', (kind) => {
  let t: TestApp;
  let me: Session;

  beforeAll(async () => {
    t = await startTestApp(kind, 'platform');
    me = await devLogin(t.http, 'platform-user');
  });
  afterAll(() => t?.close());

  describe('health and docs', () => {
    it('reports the database as up', async () => {
      const response = await t.http.get('/health');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    });

    it('serves the Swagger UI', async () => {
      const response = await t.http.get('/docs');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/text\/html/);
      expect(response.text).toContain('swagger-ui');
    });

    it('documents every route the router serves, and nothing else', async () => {
      const response = await t.http.get('/docs-json');
      expect(response.status).toBe(200);
      const documented = Object.entries(response.body.paths as Record<string, Record<string, unknown>>)
        .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
        .sort();
      const served = nestRoutes(t);
      expect(documented).toEqual(served);
      for (const known of [
        'GET /health',
        'GET /api/v1/regions',
        'GET /api/v1/regions/{id}',
        'GET /api/v1/regions/{id}/children',
        'POST /api/v1/admin/regions',
        'PATCH /api/v1/admin/regions/{id}',
        'DELETE /api/v1/admin/regions/{id}',
        'GET /api/v1/units',
        'POST /api/v1/admin/units/{id}/pairings',
        'DELETE /api/v1/admin/units/{id}/pairings/{communityId}',
        'POST /api/v1/auth/wechat/login',
        'POST /api/v1/auth/password/login',
        'POST /api/v1/auth/refresh',
        'POST /api/v1/auth/dev/login',
        'GET /api/v1/me',
        'PATCH /api/v1/me',
        'POST /api/v1/members/registrations',
        'GET /api/v1/members/registrations/mine',
        'GET /api/v1/admin/registrations',
        'POST /api/v1/admin/registrations/{id}/approve',
        'POST /api/v1/admin/registrations/{id}/reject',
      ]) {
        expect(documented).toContain(known);
      }
    });

    it('lists every error code with its status and Chinese message in the description', async () => {
      const doc = (await t.http.get('/docs-json')).body;
      const description: string = doc.info.description;
      expect(errorCatalog().size).toBeGreaterThan(20);
      for (const [code, spec] of errorCatalog()) {
        expect(description).toContain(`| \`${code}\` | ${spec.status} | ${spec.message} |`);
        expect(spec.message).toMatch(CHINESE);
      }
      expect(doc.components.securitySchemes).toHaveProperty('bearer');
    });
  });

  describe('request ids and errors outside the controllers', () => {
    it('answers an unknown route with 404 ROUTE_NOT_FOUND and the request id', async () => {
      const response = await t.http.get('/api/v1/no-such-thing');
      expectError(response, 404, 'ROUTE_NOT_FOUND');
      expect(response.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers an unknown method on a known path with a coded error', async () => {
      const response = await t.http.put('/api/v1/regions');
      expect([404, 405]).toContain(response.status);
      expect(response.body).toMatchObject({ statusCode: response.status, code: expect.stringMatching(/^(ROUTE_NOT_FOUND|METHOD_NOT_ALLOWED)$/), message: expect.stringMatching(CHINESE) });
    });

    it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
      const echoed = await t.http.get('/health').set('X-Request-Id', 'trace-abc_123.XYZ');
      expect(echoed.headers['x-request-id']).toBe('trace-abc_123.XYZ');
      const failed = await t.http.get('/api/v1/nope').set('X-Request-Id', 'trace-err-000001');
      expect(failed.body.requestId).toBe('trace-err-000001');

      const generated = await t.http.get('/health');
      expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const other = await t.http.get('/health');
      expect(other.headers['x-request-id']).not.toBe(generated.headers['x-request-id']);

      for (const unsafe of ['short', 'has space in it', 'x'.repeat(65), 'evil\u00e9chars!!']) {
        const response = await t.http.get('/health').set('X-Request-Id', unsafe);
        expect(response.headers['x-request-id']).not.toBe(unsafe);
        expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      }
    });

    it('answers malformed JSON with 400 MALFORMED_REQUEST', async () => {
      const response = await t.http.patch('/api/v1/me').set(me.auth).set('Content-Type', 'application/json').send('{"name": "张三",');
      expectError(response, 400, 'MALFORMED_REQUEST');
    });

    it('answers a body it cannot read with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const response = await t.http.patch('/api/v1/me').set(me.auth).set('Content-Type', 'application/xml').send('<name>张三</name>');
      expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('refuses prototype poisoning in JSON', async () => {
      const response = await t.http.patch('/api/v1/me').set(me.auth).set('Content-Type', 'application/json').send('{"__proto__": {"admin": true}}');
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(CHINESE);
    });
  });

  describe('validation of PATCH /me', () => {
    it.each([
      ['an unknown field', { name: '张三', isAdmin: true }, 'isAdmin', /是不允许的字段/],
      ['a number for the name', { name: 42 }, 'name', /必须是文本/],
      ['a string for the community id', { communityId: 'one' }, 'communityId', /必须是整数/],
      ['an array for the address', { address: ['a'] }, 'address', /必须是文本/],
      ['a 33-character name', { name: '张'.repeat(33) }, 'name', /长度超出限制/],
      ['a blank name', { name: '   ' }, 'name', /不能为空/],
      ['a landline as phone', { phone: '0471-1234567' }, 'phone', /格式不正确/],
      ['a 12-digit phone', { phone: '138001380001' }, 'phone', /格式不正确/],
      ['a phone with a bad prefix', { phone: '12800138000' }, 'phone', /格式不正确/],
      ['a NUL byte in the name', { name: '张\u0000三' }, 'name', /不能包含控制字符/],
      ['an escape character in the address', { address: '永安\u001b[31m社区' }, 'address', /不能包含控制字符/],
      ['a zero community id', { communityId: 0 }, 'communityId', /数值过小/],
    ])('refuses %s with 400 VALIDATION_FAILED naming the field', async (_label, body, field, wording) => {
      const response = await t.http.patch('/api/v1/me').set(me.auth).send(body);
      expectError(response, 400, 'VALIDATION_FAILED');
      expect(response.body.message).toMatch(wording);
      expect(response.body.message).toContain(field);
      expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('changes nothing when it refuses', async () => {
      await t.http.patch('/api/v1/me').set(me.auth).send({ name: '原名' }).expect(200);
      await t.http.patch('/api/v1/me').set(me.auth).send({ name: '新名', phone: 'bad' }).expect(400);
      expect((await t.http.get('/api/v1/me').set(me.auth)).body.name).toBe('原名');
    });

    it('accepts a 32-character name and trims surrounding spaces', async () => {
      const name = '张'.repeat(32);
      const response = await t.http.patch('/api/v1/me').set(me.auth).send({ name: `  ${name}  ` });
      expect(response.status).toBe(200);
      expect(response.body.name).toBe(name);
    });
  });

  describe('Chinese, emoji and personal data round-trip', () => {
    it('stores Chinese and 4-byte emoji exactly', async () => {
      const body = { name: '张三明🎉', address: '🏠永安社区3号楼 2单元 301室（东门进）' };
      const patched = await t.http.patch('/api/v1/me').set(me.auth).send(body);
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject(body);
      const read = await t.http.get('/api/v1/me').set(me.auth);
      expect(read.body).toMatchObject(body);
      const row = await t.dataSource.getRepository(User).findOneByOrFail({ id: me.userId });
      expect(row.name).toBe('张三明🎉');
      expect(Array.from(row.name!)).toHaveLength(4);
    });

    it('accepts a name of 32 emoji (4-byte characters) at the column limit', async () => {
      const name = '🌸'.repeat(32);
      const response = await t.http.patch('/api/v1/me').set(me.auth).send({ name });
      expect(response.status).toBe(200);
      expect((await t.http.get('/api/v1/me').set(me.auth)).body.name).toBe(name);
    });

    it('counts an emoji with a variation selector as the characters the column stores', async () => {
      // '❤️' is U+2764 U+FE0F: two characters for the database column.
      const name = '❤️'.repeat(17);
      const response = await t.http.patch('/api/v1/me').set(me.auth).send({ name });
      expectError(response, 400, 'VALIDATION_FAILED');
      const fits = '❤️'.repeat(16);
      const ok = await t.http.patch('/api/v1/me').set(me.auth).send({ name: fits });
      expect(ok.status).toBe(200);
      expect(ok.body.name).toBe(fits);
    });

    it('shows the phone to its owner and stores only ciphertext', async () => {
      const response = await t.http.patch('/api/v1/me').set(me.auth).send({ phone: '13800138000' });
      expect(response.status).toBe(200);
      expect(response.body.phone).toBe('13800138000');
      expect((await t.http.get('/api/v1/me').set(me.auth)).body.phone).toBe('13800138000');

      const [row] = await t.dataSource.query('SELECT phone_cipher AS phoneCipher FROM app_user WHERE id = ?', [me.userId]);
      expect(row.phoneCipher).toMatch(/^v1\./);
      expect(row.phoneCipher).not.toContain('13800138000');
      expect(row.phoneCipher).not.toContain('0013');
      const all = JSON.stringify(await t.dataSource.query('SELECT * FROM app_user WHERE id = ?', [me.userId]));
      expect(all).not.toContain('13800138000');
    });

    it('does not show one user the phone of another', async () => {
      const other = await devLogin(t.http, 'platform-other');
      const response = await t.http.get('/api/v1/me').set(other.auth);
      expect(response.body.id).toBe(other.userId);
      expect(response.body.phone).toBeNull();
    });
  });
});

describe('body size limit', () => {
  let t: TestApp;
  let me: Session;

  beforeAll(async () => {
    t = await startTestApp('sqlite', 'bodylimit', { env: { BODY_LIMIT_BYTES: '2048' } });
    me = await devLogin(t.http, 'big-body');
  });
  afterAll(() => t?.close());

  it('answers a body over BODY_LIMIT_BYTES with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await t.http.patch('/api/v1/me').set(me.auth).send({ address: '永'.repeat(1000) });
    expectError(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('still takes a body under the limit', async () => {
    const response = await t.http.patch('/api/v1/me').set(me.auth).send({ address: '永安社区' });
    expect(response.status).toBe(200);
  });
});
