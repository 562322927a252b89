import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeWechat } from '../support/fake-wechat';
import { startTestApp, TestApp, testDatabases } from '../support/test-app';
import { ACCESS_MATRIX, parseExpectations, ROLE_NAMES, RoleName } from './access-matrix';
import { DbFingerprint, documentedRoutes, fill, isCodedError, RouteDoc, SchemaObject, send } from './harness';
import { recordSecurityFigure } from './report';
import { securityEnv, SecurityWorld } from './world';

/**
 * Generated bad input (fast-check) against every route: bodies built from the route's own DTO
 * property names with wrong types, huge strings, deep nesting, odd unicode, odd numbers and dates;
 * odd query strings and path parameters. Sent as the role the matrix lets through, so requests get
 * past authentication and reach validation and the services. Never a 5xx; every 4xx is the coded
 * error shape; a refused request leaves the database exactly as it was.
 *
 * The total per CI run is at least 10 000 requests over both databases (SQLite takes the larger share).
 */
const REQUESTS: Record<string, number> = { sqlite: Number(process.env.FUZZ_REQUESTS_SQLITE ?? 7_000), mysql: Number(process.env.FUZZ_REQUESTS_MYSQL ?? 3_600) };

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '\uFEFF',
  '\u202Eevil',
  '\u200B\u200D',
  '🎉👨‍👩‍👧‍👦🏳️‍🌈',
  '𠀀𪚥',
  'NaN',
  'Infinity',
  '-0',
  '1e308',
  '0x1F',
  'null',
  'true',
  '[]',
  '{}',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '../../etc/passwd',
  '%00',
  '2026-02-30',
  '2026-13-01',
  '31/12/2026',
  '2026-12-31T25:61:00Z',
  '+275760-09-13',
  '0000-00-00',
  '２０２６-１２-３１',
  '13800138000',
  '１３８００１３８０００',
];
const ODD_NUMBERS = [0, -0, -1, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, Number.MIN_VALUE, 5, 9_999_999_999];

const oddString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 100_000 }).map((n) => '永'.repeat(n / 3)) },
);
const oddNumber = fc.oneof(fc.constantFrom(...ODD_NUMBERS), fc.double(), fc.integer());
const leaf = fc.oneof(oddString, oddNumber, fc.boolean(), fc.constant(null));
const nested = (depth: number) =>
  fc.constantFrom('a', 'title', 'communityId').map((key) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { [key]: value };
    return value;
  });
const wild: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 12 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), leaf, { maxKeys: 4 }) },
  { weight: 1, arbitrary: nested(50) },
);

/** A value of the declared type, to mix with wrong ones so some requests get deeper than the first check. */
function plausible(schema: SchemaObject): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'integer':
    case 'number':
      return fc.integer({ min: -2, max: 2 ** 31 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(schema.items ? plausible(schema.items) : oddString, { maxLength: 10 });
    case 'object':
      return fc.dictionary(fc.string({ maxLength: 8 }), leaf, { maxKeys: 3 });
    default:
      return fc.string({ maxLength: 50 });
  }
}

function bodyArbitrary(route: RouteDoc, valid: Record<string, unknown> | undefined): fc.Arbitrary<unknown> {
  const props = route.body ?? {};
  const names = Object.keys(props);
  const fieldValue = (name: string) => fc.oneof({ weight: 2, arbitrary: wild }, { weight: 1, arbitrary: plausible(props[name]) });
  const fromDto = names.length > 0 ? fc.record(Object.fromEntries(names.map((n) => [n, fieldValue(n)])), { requiredKeys: [] }) : fc.constant({});
  const arbitraries: Array<fc.WeightedArbitrary<unknown>> = [
    { weight: 5, arbitrary: fromDto },
    { weight: 1, arbitrary: wild },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('__proto__x', 'constructor', 'status', 'claimerId', 'roles', '', '\u0000'), leaf, { maxKeys: 3 }) },
  ];
  if (valid && names.length > 0) {
    // The valid body with one field replaced: gets past every other field's check.
    arbitraries.push({ weight: 4, arbitrary: fc.tuple(fc.constantFrom(...names), wild).map(([name, value]) => ({ ...valid, [name]: value })) });
  }
  return fc.oneof(...arbitraries);
}

const oddPathParam = fc.oneof(
  fc.constantFrom('abc', '-1', '0', '1.5', '1e3', '99999999999999999999', '2147483648', '%00', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '%ff', '%F0%9F%8E%89', ' 1', '%EF%BC%91', 'null', 'undefined'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
  fc.integer({ min: 1, max: 3_000 }).map((n) => 'x'.repeat(n)),
);

/**
 * Query values stay under 250 characters (4 keys, ≤ 9 bytes each once percent-encoded): a request line over Node's 16 KB header limit is answered by Node's
 * HTTP parser itself (431, before Fastify or Nest), which this service does not shape.
 */
const queryArbitrary = (route: RouteDoc): fc.Arbitrary<Record<string, string | string[]>> =>
  fc.dictionary(
    fc.oneof({ weight: 4, arbitrary: route.query.length ? fc.constantFrom(...route.query) : fc.constant('q') }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }),
    fc.oneof(oddString.map((s) => s.slice(0, 250)), fc.array(fc.constantFrom('1', 'a', ''), { minLength: 2, maxLength: 3 })),
    { maxKeys: 4 },
  );

describe.each(testDatabases())('generated bad input on %s', (kind) => {
  const wechat = new FakeWechat();
  let t: TestApp;
  let world: SecurityWorld;
  let routes: RouteDoc[];
  let fingerprint: DbFingerprint;
  let sent = 0;
  let serverErrors = 0;
  const started = Date.now();

  beforeAll(async () => {
    await wechat.start();
    t = await startTestApp(kind, 'security-fuzz', { env: securityEnv(wechat) });
    world = await SecurityWorld.build(t, wechat);
    routes = documentedRoutes(t);
    fingerprint = new DbFingerprint(t);
  }, 120_000);
  afterAll(async () => {
    recordSecurityFigure('generatedInputs', sent);
    recordSecurityFigure('serverErrors', serverErrors);
    // eslint-disable-next-line no-console
    console.info(`fuzz on ${kind}: ${sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ${serverErrors} 5xx`);
    await t?.close();
    await wechat.stop();
  });

  const privileged = (key: string): RoleName => {
    const expected = parseExpectations(ACCESS_MATRIX[key]);
    return ROLE_NAMES.find((role) => role !== 'anonymous' && expected[role].status < 300) ?? 'anonymous';
  };

  it.each(Object.keys(ACCESS_MATRIX))('%s: no 5xx, coded 4xx, refusals write nothing', async (key) => {
    const route = routes.find((r) => r.key === key)!;
    const row = ACCESS_MATRIX[key];
    const role = privileged(key);
    const target = await world.target(row.target);
    const valid = row.body ? (fill(row.body, world, target, `fuzz-${world.next()}`) as Record<string, unknown>) : undefined;
    const numRuns = Math.ceil(REQUESTS[kind] / Object.keys(ACCESS_MATRIX).length);
    const input = fc.record({
      body: route.method === 'GET' || route.method === 'DELETE' ? fc.constant(undefined) : bodyArbitrary(route, valid),
      query: fc.oneof({ weight: 2, arbitrary: fc.constant(row.query as Record<string, string | string[]> | undefined) }, { weight: 3, arbitrary: queryArbitrary(route) }),
      params: fc.dictionary(fc.constantFrom(...(route.params.length ? route.params : ['_'])), oddPathParam, { maxKeys: route.params.length }),
    });
    let before = await fingerprint.take();
    await fc.assert(
      fc.asyncProperty(input, async ({ body, query, params }) => {
        const session = role === 'anonymous' ? undefined : row.clone ? await world.cloneOf(role) : world.session(role);
        if (row.clone) before = await fingerprint.take();
        const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => params[name] ?? encodeURIComponent(String(target[name])));
        const response = await send(t, { method: route.method, path, session, query, body });
        sent += 1;
        if (response.status >= 500) serverErrors += 1;
        const after = await fingerprint.take();
        const problem =
          response.status >= 500
            ? `5xx: ${response.status} ${response.text?.slice(0, 300)}`
            : response.status >= 400 && !isCodedError(response)
              ? `uncoded ${response.status}: ${response.text?.slice(0, 300)}`
              : response.status >= 400 && after !== before
                ? `refused with ${response.status} ${response.body?.code} but the database changed`
                : undefined;
        before = after;
        return problem === undefined ? true : (() => { throw new Error(`${key} ${path} ${JSON.stringify(body)?.slice(0, 500)}: ${problem}`); })();
      }),
      { numRuns, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
    );
  });

  describe('oversized bodies', () => {
    let base: string;
    beforeAll(async () => {
      const server = t.app.getHttpServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    /**
     * Streams `total` bytes (chunked, no Content-Length to decide on) and reports the answer and how
     * much had been sent when it arrived. An answer long before the end proves the server refused
     * while reading, not after buffering everything.
     */
    /** Streams `head` then filler up to `total` bytes (chunked), and notes how much was sent when the answer came. */
    function stream(path: string, headers: Record<string, string>, head: Buffer, total: number): Promise<{ status: number; body: string; sentWhenAnswered: number }> {
      return new Promise((resolve, reject) => {
        let sentBytes = 0;
        let answered = false;
        const method = path.endsWith('/uploads') ? 'POST' : 'PATCH';
        const req = httpRequest(`${base}${path}`, { method, headers: { ...headers, 'Transfer-Encoding': 'chunked' } }, (res) => {
          answered = true;
          const sentWhenAnswered = sentBytes;
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, body, sentWhenAnswered });
          });
        });
        req.on('error', (error) => (answered ? undefined : reject(error)));
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const pump = () => {
          while (!answered && sentBytes < total) {
            const piece = sentBytes === 0 ? head : chunk;
            sentBytes += piece.length;
            if (!req.write(piece)) return void req.once('drain', pump);
          }
          if (!answered) req.end();
        };
        pump();
      });
    }

    it('refuses a 50 MB JSON body over BODY_LIMIT_BYTES with 413 while it is still arriving', async () => {
      const { status, body, sentWhenAnswered } = await stream('/api/v1/me', { ...world.session('residentA').auth, 'Content-Type': 'application/json' }, Buffer.from('{"address":"'), 50 * 1024 * 1024);
      expect(status).toBe(413);
      expect(JSON.parse(body).code).toBe('PAYLOAD_TOO_LARGE');
      expect(sentWhenAnswered).toBeLessThan(10 * 1024 * 1024);
    });

    it('refuses a 50 MB upload over UPLOAD_MAX_BYTES with 413 while it is still arriving, storing nothing', async () => {
      const boundary = '----fuzzboundary';
      const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
      const before = await fingerprint.take();
      const { status, body, sentWhenAnswered } = await stream('/api/v1/uploads', { ...world.session('residentA').auth, 'Content-Type': `multipart/form-data; boundary=${boundary}` }, head, 50 * 1024 * 1024);
      expect(status).toBe(413);
      expect(JSON.parse(body).code).toBe('UPLOAD_TOO_LARGE');
      expect(sentWhenAnswered).toBeLessThan(30 * 1024 * 1024);
      expect(await fingerprint.take()).toBe(before);
      // The service is still there for the next request.
      await expect(fetch(`${base}/health`).then((res) => res.status)).resolves.toBe(200);
    });
  });
});
