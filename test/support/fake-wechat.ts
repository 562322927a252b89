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

/**
 * A local stand-in for api.weixin.qq.com speaking the same protocol (shared/WECHAT.md): checks
 * appid/secret, issues single-use login codes, answers `{ errcode, errmsg }` errors. Tests can
 * queue failures per endpoint (`failNext`) or an HTTP 5xx (`httpErrorNext`), and read the calls.
 */
export class FakeWechat {
  readonly appId = 'wx-test-appid';
  readonly secret = 'wx-test-secret';
  readonly calls: RecordedCall[] = [];
  private readonly codes = new Map<string, { openid: string; unionid?: string }>();
  private readonly queued = new Map<FakeEndpoint, Array<{ errcode?: number; errmsg?: string; httpStatus?: number }>>();
  private server?: Server;
  baseUrl = '';

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

    const scripted = this.queued.get(endpoint)?.shift();
    if (scripted?.httpStatus) return send(scripted.httpStatus, '<html>bad gateway</html>');
    if (scripted) return send(200, { errcode: scripted.errcode, errmsg: scripted.errmsg });

    switch (endpoint) {
      case 'jscode2session': {
        if (query.appid !== this.appId) return send(200, { errcode: 40013, errmsg: 'invalid appid' });
        if (query.secret !== this.secret) return send(200, { errcode: 40125, errmsg: 'invalid appsecret' });
        const session = this.codes.get(query.js_code ?? '');
        if (!session) return send(200, { errcode: 40029, errmsg: 'invalid code' });
        this.codes.delete(query.js_code!);
        return send(200, { openid: session.openid, session_key: randomBytes(16).toString('base64'), ...(session.unionid ? { unionid: session.unionid } : {}) });
      }
      default:
        return send(200, { errcode: 0, errmsg: 'ok' });
    }
  }
}
