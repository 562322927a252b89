import { forwardRef, Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { WechatErrors, WX } from './wechat.errors';
import { WechatTokenService } from './wechat-token.service';

export interface WechatSession {
  openid: string;
  sessionKey: string;
  unionid?: string;
}

/** A WeChat answer that carried a non-zero errcode. */
export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly path: string,
  ) {
    super(`WeChat ${path} errcode ${errcode}: ${errmsg}`);
    this.name = 'WechatApiError';
  }
}

type Json = Record<string, unknown>;

/** Answers meaning "this access token is not (or no longer) valid": get the token again and retry once. */
const TOKEN_REFUSED: ReadonlySet<number> = new Set([WX.INVALID_CREDENTIAL, WX.TOKEN_EXPIRED, WX.INVALID_TOKEN]);

export interface SubscribeMessage {
  touser: string;
  templateId: string;
  page?: string;
  data: Record<string, { value: string }>;
}

/** Scenes of WeChat's content checks (v2): 1 profile, 2 comment, 3 forum, 4 social log. */
export const SecurityScene = { profile: 1, comment: 2, forum: 3, socialLog: 4 } as const;
export type SecurityScene = (typeof SecurityScene)[keyof typeof SecurityScene];
export const SECURITY_SUGGESTS = ['pass', 'review', 'risky'] as const;
export type SecuritySuggest = (typeof SECURITY_SUGGESTS)[number];
/** A content-check verdict: `label` 100 is normal, 20001 politics, 20002 porn… (WECHAT.md). */
export interface SecurityVerdict {
  suggest: SecuritySuggest;
  label: number;
  traceId?: string;
}

export interface CallOptions {
  /** Overrides WECHAT_RETRIES for this call (0: the caller — e.g. the outbox — does its own retrying). */
  retries?: number;
}

/**
 * The only way the service reaches WeChat. Base URL, appid and secret come from configuration
 * (tests point the base URL at a local fake). `-1` (system busy), network failures and 5xx are
 * retried with exponential backoff; everything else is returned to the caller as a WechatApiError
 * or mapped to a coded error. The secret and session_key are never logged.
 */
@Injectable()
export class WechatClient {
  private readonly logger = new Logger(WechatClient.name);
  private readonly wechat: AppConfig['wechat'];

  constructor(
    config: AppConfig,
    // The token service fetches tokens through this client; forwardRef breaks the cycle.
    @Inject(forwardRef(() => WechatTokenService)) private readonly tokens: WechatTokenService,
  ) {
    this.wechat = config.wechat;
  }

  get configured(): boolean {
    return Boolean(this.wechat.appId && this.wechat.secret);
  }

  /** `sns/jscode2session`: exchanges a wx.login code for openid + session_key. */
  async code2Session(code: string): Promise<WechatSession> {
    const { appId, secret } = this.credentials();
    try {
      const body = await this.call('GET', '/sns/jscode2session', { appid: appId, secret, js_code: code, grant_type: 'authorization_code' });
      if (typeof body.openid !== 'string' || typeof body.session_key !== 'string') {
        this.logger.error({ path: '/sns/jscode2session' }, 'WeChat answered without openid/session_key');
        throw WechatErrors.WECHAT_UNAVAILABLE.error();
      }
      return { openid: body.openid, sessionKey: body.session_key, unionid: typeof body.unionid === 'string' ? body.unionid : undefined };
    } catch (error) {
      throw this.toLoginError(error);
    }
  }

  /** `cgi-bin/stable_token` (never forced): only WechatTokenService calls this; everyone else asks it for the cached token. */
  async fetchStableToken(): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const { appId, secret } = this.credentials();
    let body: Json;
    try {
      body = await this.call('POST', '/cgi-bin/stable_token', {}, { grant_type: 'client_credential', appid: appId, secret, force_refresh: false });
    } catch (error) {
      if (!(error instanceof WechatApiError)) throw error;
      // 40013 bad appid, 40125 bad secret, 89503 IP not whitelisted…: our configuration, not the caller.
      this.logger.error({ errcode: error.errcode, errmsg: error.errmsg, path: error.path }, 'WeChat refused the access-token call');
      throw WechatErrors.WECHAT_UNAVAILABLE.error();
    }
    if (typeof body.access_token !== 'string' || !body.access_token || typeof body.expires_in !== 'number') {
      this.logger.error({ path: '/cgi-bin/stable_token' }, 'WeChat answered without access_token/expires_in');
      throw WechatErrors.WECHAT_UNAVAILABLE.error();
    }
    return { accessToken: body.access_token, expiresInSeconds: body.expires_in };
  }

  /**
   * A POST to an API that takes `?access_token=`. When WeChat says the token is invalid or expired
   * (40001/42001/40014), that exact token is forgotten, a token is fetched again (not forced) and
   * the call is retried once; a second refusal is thrown to the caller.
   */
  async callWithToken(path: string, body: Json, options: CallOptions = {}): Promise<Json> {
    const token = await this.tokens.getAccessToken();
    try {
      return await this.call('POST', path, { access_token: token }, body, options);
    } catch (error) {
      if (!(error instanceof WechatApiError) || !TOKEN_REFUSED.has(error.errcode)) throw error;
      this.logger.warn({ path, errcode: error.errcode }, 'WeChat refused the access token; fetching it again and retrying once');
      await this.tokens.invalidate(token);
      return this.call('POST', path, { access_token: await this.tokens.getAccessToken() }, body, options);
    }
  }

  /**
   * `cgi-bin/message/subscribe/send`. Not retried here: the outbox retries with backoff, and each
   * extra try of a send risks a duplicate message. Throws WechatApiError for WeChat's refusals
   * (43101, 47003, 40003…) and WECHAT_BUSY / WECHAT_UNAVAILABLE for -1, 5xx and network failures.
   */
  async sendSubscribeMessage(message: SubscribeMessage): Promise<void> {
    await this.callWithToken(
      '/cgi-bin/message/subscribe/send',
      {
        touser: message.touser,
        template_id: message.templateId,
        ...(message.page ? { page: message.page } : {}),
        data: message.data,
        miniprogram_state: this.wechat.miniprogramState,
        lang: 'zh_CN',
      },
      { retries: 0 },
    );
  }

  /**
   * `wxa/msg_sec_check` v2 on one piece of user text. Risky text still answers errcode 0: the verdict
   * is `result.suggest`. Throws WechatApiError (61010: the user has not opened the mini-program in
   * the last 2 hours) or WECHAT_BUSY / WECHAT_UNAVAILABLE; what unchecked text means is the caller's call.
   */
  async msgSecCheck(check: { openid: string; scene: SecurityScene; content: string; title?: string }): Promise<SecurityVerdict> {
    const path = '/wxa/msg_sec_check';
    const body = await this.callWithToken(path, {
      version: 2,
      openid: check.openid,
      scene: check.scene,
      content: check.content,
      ...(check.title ? { title: check.title } : {}),
    });
    const result = body.result as { suggest?: unknown; label?: unknown } | undefined;
    if (!result || !SECURITY_SUGGESTS.includes(result.suggest as SecuritySuggest)) {
      this.logger.error({ path }, 'WeChat answered msg_sec_check without result.suggest');
      throw WechatErrors.WECHAT_UNAVAILABLE.error();
    }
    return { suggest: result.suggest as SecuritySuggest, label: Number(result.label) || 0, traceId: typeof body.trace_id === 'string' ? body.trace_id : undefined };
  }

  /**
   * `wxa/media_check_async` v2 on an image: WeChat fetches `mediaUrl` (public https) and pushes its
   * verdict later to the message push URL as event `wxa_media_check`, matched by the trace_id returned here.
   */
  async mediaCheckAsync(check: { mediaUrl: string; openid: string; scene: SecurityScene }): Promise<{ traceId: string }> {
    const path = '/wxa/media_check_async';
    const body = await this.callWithToken(path, { media_url: check.mediaUrl, media_type: 2, version: 2, scene: check.scene, openid: check.openid });
    if (typeof body.trace_id !== 'string' || !body.trace_id) {
      this.logger.error({ path }, 'WeChat answered media_check_async without trace_id');
      throw WechatErrors.WECHAT_UNAVAILABLE.error();
    }
    return { traceId: body.trace_id };
  }

  /**
   * One call with retries. Returns the parsed body when errcode is absent or 0; throws
   * WechatApiError for any other errcode, or WECHAT_UNAVAILABLE / WECHAT_BUSY when retries run out.
   */
  async call(method: 'GET' | 'POST', path: string, query: Record<string, string | undefined>, body?: Json, options: CallOptions = {}): Promise<Json> {
    const retries = options.retries ?? this.wechat.retries;
    const url = new URL(this.wechat.baseUrl + path);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    let attempt = 0;
    for (;;) {
      const outcome = await this.once(method, url, path, body);
      const retryable = outcome instanceof WechatApiError ? outcome.errcode === WX.BUSY : outcome instanceof Error;
      if (!retryable || attempt >= retries) {
        if (outcome instanceof WechatApiError && outcome.errcode === WX.BUSY) throw WechatErrors.WECHAT_BUSY.error();
        if (outcome instanceof WechatApiError) throw outcome;
        if (outcome instanceof Error) throw WechatErrors.WECHAT_UNAVAILABLE.error();
        return outcome;
      }
      attempt += 1;
      const delay = this.wechat.retryBaseMs * 2 ** (attempt - 1);
      this.logger.warn({ path, attempt, delayMs: delay }, 'WeChat call failed, retrying');
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async once(method: string, url: URL, path: string, body?: Json): Promise<Json | Error> {
    try {
      const response = await fetch(url, {
        method,
        headers: body ? { 'content-type': 'application/json' } : undefined,
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.wechat.timeoutMs),
      });
      if (response.status >= 500) return new Error(`HTTP ${response.status}`);
      const parsed = (await response.json()) as Json;
      const errcode = typeof parsed.errcode === 'number' ? parsed.errcode : 0;
      if (errcode !== 0) return new WechatApiError(errcode, String(parsed.errmsg ?? ''), path);
      return parsed;
    } catch (error) {
      this.logger.warn({ path, reason: (error as Error).message }, 'WeChat unreachable');
      return error as Error;
    }
  }

  private credentials(): { appId: string; secret: string } {
    if (!this.wechat.appId || !this.wechat.secret) throw WechatErrors.WECHAT_NOT_CONFIGURED.error();
    return { appId: this.wechat.appId, secret: this.wechat.secret };
  }

  private toLoginError(error: unknown): unknown {
    if (!(error instanceof WechatApiError)) return error;
    switch (error.errcode) {
      case WX.INVALID_CODE:
      case WX.CODE_USED:
        return WechatErrors.WECHAT_CODE_INVALID.error();
      case WX.TOO_FREQUENT:
        return WechatErrors.WECHAT_RATE_LIMITED.error(undefined, { retryAfterSeconds: 60 });
      case WX.HIGH_RISK_USER:
        return WechatErrors.WECHAT_USER_BLOCKED.error();
      default:
        // 40013 bad appid, 40125 bad secret and anything unexpected: our configuration, not the user.
        this.logger.error({ errcode: error.errcode, errmsg: error.errmsg, path: error.path }, 'WeChat refused the login call');
        return WechatErrors.WECHAT_UNAVAILABLE.error();
    }
  }
}
