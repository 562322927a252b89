import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;
export type FakeEndpoint = 'jscode2session' | 'stable_token' | 'getuserphonenumber' | 'subscribe_send' | 'msg_sec_check' | 'media_check_async';

const ROUTES: Record<string, FakeEndpoint> = {
  '/sns/jscode2session': 'jscode2session',
  '/cgi-bin/stable_token': 'stable_token',
  '/wxa/business/getuserphonenumber': 'getuserphonenumber',
  '/cgi-bin/message/subscribe/send': 'subscribe_send',
  '/wxa/msg_sec_check': 'msg_sec_check',
  '/wxa/media_check_async': 'media_check_async',
};

export interface RecordedCall {
  endpoint: FakeEndpoint;
  query: Record<string, string>;
  body: Json | undefined;
}

/** A subscribe message WeChat accepted (errcode 0). */
export interface DeliveredMessage {
  touser: string;
  templateId: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogramState?: string;
}

/** A photo sent to media_check_async: WeChat would fetch `mediaUrl` and push a verdict for `traceId` later. */
export interface MediaCheckRequest {
  traceId: string;
  mediaUrl: string;
  openid: string;
  scene: number;
}

type Suggest = 'pass' | 'review' | 'risky';

/** Endpoints that take `?access_token=` and check it as WeChat does. */
const NEEDS_TOKEN: ReadonlySet<FakeEndpoint> = new Set(['getuserphonenumber', 'subscribe_send', 'msg_sec_check', 'media_check_async']);

/** WeChat's value limits per subscribe-message field type, in characters (shared/WECHAT.md). */
const VALUE_LIMITS: Record<string, number> = { thing: 20, number: 32, letter: 32, symbol: 5, character_string: 32, phrase: 5, name: 10, phone_number: 17, time: 40, date: 40 };

const TOKEN_TTL_SECONDS = 7200;
/** WeChat hands out the next token in the last 5 minutes of the current one, and accepts both meanwhile. */
const TOKEN_HANDOVER_MS = 5 * 60_000;

/**
 * A local stand-in for api.weixin.qq.com speaking the same protocol (shared/WECHAT.md): checks
 * appid/secret, issues single-use login codes, answers `{ errcode, errmsg }` errors. Tests can
 * queue failures per endpoint (`failNext`) or an HTTP 5xx (`httpErrorNext`), and read the calls.
 *
 * Access tokens behave like stable_token's: one current token (7200 s) per app, handed out again
 * until its last 5 minutes, then a new one while the old keeps working until it expires;
 * `force_refresh` invalidates the old one at once. Endpoints that take `access_token` answer
 * 40001 for an unknown token and 42001 for an expired one. Time is read from `clock` (give it the
 * app's FakeClock so both agree). Subscribe messages are checked (template id, openid, each
 * value against its field type's length limit → 47003) and the accepted ones kept in `delivered`.
 */
export class FakeWechat {
  readonly appId = 'wx-test-appid';
  readonly secret = 'wx-test-secret';
  readonly calls: RecordedCall[] = [];
  readonly delivered: DeliveredMessage[] = [];
  readonly mediaChecks: MediaCheckRequest[] = [];
  /** msg_sec_check verdicts by marker: text (content or title) containing a marker gets its verdict; else pass. */
  private readonly textVerdicts: Array<{ marker: string; suggest: Suggest; label: number }> = [];
  private readonly codes = new Map<string, { openid: string; unionid?: string }>();
  private readonly queued = new Map<FakeEndpoint, Array<{ errcode?: number; errmsg?: string; httpStatus?: number }>>();
  private readonly delays = new Map<FakeEndpoint, number>();
  /** Every token ever issued and still accepted → its expiry (ms, on `clock`). */
  private readonly tokens = new Map<string, number>();
  private currentToken?: string;
  private server?: Server;
  baseUrl = '';

  constructor(private readonly clock: { now(): Date } = { now: () => new Date() }) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Environment that points the service at this fake. */
  env(): Record<string, string> {
    return { WECHAT_API_BASE_URL: this.baseUrl, WECHAT_APPID: this.appId, WECHAT_SECRET: this.secret };
  }

  /** A fresh single-use wx.login code for this openid. */
  issueCode(openid: string, unionid?: string): string {
    const code = `code-${randomBytes(6).toString('hex')}`;
    this.codes.set(code, { openid, unionid });
    return code;
  }

  /** The next `times` calls to `endpoint` answer this errcode. */
  failNext(endpoint: FakeEndpoint, errcode: number, times = 1, errmsg = 'fake error'): void {
    const list = this.queued.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) list.push({ errcode, errmsg });
    this.queued.set(endpoint, list);
  }

  /** The next `times` calls to `endpoint` answer with this HTTP status and no JSON. */
  httpErrorNext(endpoint: FakeEndpoint, httpStatus = 502, times = 1): void {
    const list = this.queued.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) list.push({ httpStatus });
    this.queued.set(endpoint, list);
  }

  callsTo(endpoint: FakeEndpoint): RecordedCall[] {
    return this.calls.filter((call) => call.endpoint === endpoint);
  }

  /** Every answer of `endpoint` waits this long (to widen race windows); 0 removes the delay. */
  delay(endpoint: FakeEndpoint, ms: number): void {
    this.delays.set(endpoint, ms);
  }

  /** Every token issued so far stops working (as after a force_refresh by someone else): calls answer 40001. */
  revokeTokens(): void {
    this.tokens.clear();
    this.currentToken = undefined;
  }

  /** The token stable_token currently hands out, if any. */
  get token(): string | undefined {
    return this.currentToken;
  }

  /** msg_sec_check answers `suggest` (with `label`) for any text containing `marker`; everything else passes. */
  judgeText(marker: string, suggest: Exclude<Suggest, 'pass'>, label = suggest === 'risky' ? 20001 : 21000): void {
    this.textVerdicts.push({ marker, suggest, label });
  }

  /** Forgets recorded calls and deliveries (tokens and queued failures stay). */
  resetRecords(): void {
    this.calls.length = 0;
    this.delivered.length = 0;
  }

  /** Drops failures queued with failNext / httpErrorNext and not used yet. */
  clearQueuedFailures(): void {
    this.queued.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const endpoint = ROUTES[url.pathname];
    const raw = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (chunk) => (data += chunk));
      req.on('end', () => resolve(data));
    });
    const body = raw ? (JSON.parse(raw) as Json) : undefined;
    const send = (status: number, payload: Json | string) => {
      res.writeHead(status, { 'content-type': typeof payload === 'string' ? 'text/html' : 'application/json' });
      res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    if (!endpoint) return send(404, { errcode: 40066, errmsg: 'invalid url' });
    const query = Object.fromEntries(url.searchParams.entries());
    this.calls.push({ endpoint, query, body });

    const delay = this.delays.get(endpoint);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));

    const scripted = this.queued.get(endpoint)?.shift();
    if (scripted?.httpStatus) return send(scripted.httpStatus, '<html>bad gateway</html>');
    if (scripted) return send(200, { errcode: scripted.errcode, errmsg: scripted.errmsg });

    if (NEEDS_TOKEN.has(endpoint)) {
      const refusal = this.checkToken(query.access_token);
      if (refusal) return send(200, refusal);
    }

    switch (endpoint) {
      case 'jscode2session': {
        if (query.appid !== this.appId) return send(200, { errcode: 40013, errmsg: 'invalid appid' });
        if (query.secret !== this.secret) return send(200, { errcode: 40125, errmsg: 'invalid appsecret' });
        const session = this.codes.get(query.js_code ?? '');
        if (!session) return send(200, { errcode: 40029, errmsg: 'invalid code' });
        this.codes.delete(query.js_code!);
        return send(200, { openid: session.openid, session_key: randomBytes(16).toString('base64'), ...(session.unionid ? { unionid: session.unionid } : {}) });
      }
      case 'stable_token':
        return send(200, this.stableToken(body));
      case 'subscribe_send':
        return send(200, this.subscribeSend(body));
      case 'msg_sec_check':
        return send(200, this.msgSecCheck(body));
      case 'media_check_async':
        return send(200, this.mediaCheckAsync(body));
      default:
        return send(200, { errcode: 0, errmsg: 'ok' });
    }
  }

  private stableToken(body: Json | undefined): Json {
    if (body?.grant_type !== 'client_credential') return { errcode: 40002, errmsg: 'invalid grant_type' };
    if (body.appid !== this.appId) return { errcode: 40013, errmsg: 'invalid appid' };
    if (body.secret !== this.secret) return { errcode: 40125, errmsg: 'invalid appsecret' };
    const now = this.clock.now().getTime();
    if (body.force_refresh === true) this.revokeTokens();
    const expiresAt = this.currentToken ? this.tokens.get(this.currentToken) : undefined;
    if (this.currentToken && expiresAt !== undefined && expiresAt - now > TOKEN_HANDOVER_MS) {
      return { access_token: this.currentToken, expires_in: Math.floor((expiresAt - now) / 1000) };
    }
    // Real tokens are opaque strings of 100+ characters (store ≥ 512).
    const token = `ACCESS_${randomBytes(96).toString('base64url')}`;
    this.tokens.set(token, now + TOKEN_TTL_SECONDS * 1000);
    this.currentToken = token;
    return { access_token: token, expires_in: TOKEN_TTL_SECONDS };
  }

  private checkToken(token: string | undefined): Json | undefined {
    if (!token) return { errcode: 41001, errmsg: 'access_token missing' };
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
    if (this.clock.now().getTime() >= expiresAt) return { errcode: 42001, errmsg: 'access_token expired' };
    return undefined;
  }

  /** v2: `{ errcode: 0, result: { suggest, label } }` — risky text still answers errcode 0. */
  private msgSecCheck(body: Json | undefined): Json {
    if (body?.version !== 2) return { errcode: 47001, errmsg: 'data format error: version' };
    if (typeof body.openid !== 'string' || !body.openid) return { errcode: 40003, errmsg: 'invalid openid' };
    if (![1, 2, 3, 4].includes(body.scene as number)) return { errcode: 47001, errmsg: 'data format error: scene' };
    if (typeof body.content !== 'string' || Array.from(body.content).length > 2500) return { errcode: 47001, errmsg: 'data format error: content' };
    const text = `${typeof body.title === 'string' ? body.title : ''}\n${body.content}`;
    const hit = this.textVerdicts.find((verdict) => text.includes(verdict.marker));
    const suggest = hit?.suggest ?? 'pass';
    const label = hit?.label ?? 100;
    return {
      errcode: 0,
      errmsg: 'ok',
      trace_id: `trace-${randomBytes(8).toString('hex')}`,
      result: { suggest, label },
      detail: [{ strategy: 'content_model', errcode: 0, suggest, label, prob: hit ? 90 : 0 }],
    };
  }

  private mediaCheckAsync(body: Json | undefined): Json {
    if (body?.version !== 2 || body.media_type !== 2) return { errcode: 47001, errmsg: 'data format error' };
    if (typeof body.openid !== 'string' || !body.openid) return { errcode: 40003, errmsg: 'invalid openid' };
    if (typeof body.media_url !== 'string' || !/^https?:\/\//.test(body.media_url)) return { errcode: 47001, errmsg: 'data format error: media_url' };
    const traceId = `trace-${randomBytes(8).toString('hex')}`;
    this.mediaChecks.push({ traceId, mediaUrl: body.media_url, openid: body.openid, scene: Number(body.scene) });
    return { errcode: 0, errmsg: 'ok', trace_id: traceId };
  }

  private subscribeSend(body: Json | undefined): Json {
    const touser = body?.touser;
    const templateId = body?.template_id;
    const data = body?.data as Record<string, { value?: unknown }> | undefined;
    if (typeof touser !== 'string' || !touser) return { errcode: 40003, errmsg: 'invalid openid' };
    if (typeof templateId !== 'string' || !templateId) return { errcode: 40037, errmsg: 'invalid template_id' };
    if (body?.page !== undefined && (typeof body.page !== 'string' || body.page.startsWith('/'))) return { errcode: 41030, errmsg: 'invalid page' };
    if (!['developer', 'trial', 'formal', undefined].includes(body?.miniprogram_state as string | undefined)) return { errcode: 47003, errmsg: 'argument invalid! miniprogram_state' };
    if (typeof data !== 'object' || data === null) return { errcode: 47003, errmsg: 'argument invalid! data' };
    for (const [key, field] of Object.entries(data)) {
      const type = key.replace(/\d+$/, '');
      const value = field?.value;
      const limit = VALUE_LIMITS[type];
      if (typeof value !== 'string' || value.length === 0 || limit === undefined || Array.from(value).length > limit) {
        return { errcode: 47003, errmsg: `argument invalid! data.${key}.value` };
      }
    }
    this.delivered.push({
      touser,
      templateId,
      page: body?.page as string | undefined,
      data: data as Record<string, { value: string }>,
      miniprogramState: body?.miniprogram_state as string | undefined,
    });
    return { errcode: 0, errmsg: 'ok', msgid: this.delivered.length };
  }
}
