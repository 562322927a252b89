import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { WechatErrors, WX } from './wechat.errors';

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

  constructor(config: AppConfig) {
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

  /**
   * One call with retries. Returns the parsed body when errcode is absent or 0; throws
   * WechatApiError for any other errcode, or WECHAT_UNAVAILABLE / WECHAT_BUSY when retries run out.
   */
  async call(method: 'GET' | 'POST', path: string, query: Record<string, string | undefined>, body?: Json): Promise<Json> {
    const url = new URL(this.wechat.baseUrl + path);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    let attempt = 0;
    for (;;) {
      const outcome = await this.once(method, url, path, body);
      const retryable = outcome instanceof WechatApiError ? outcome.errcode === WX.BUSY : outcome instanceof Error;
      if (!retryable || attempt >= this.wechat.retries) {
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
