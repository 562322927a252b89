import { Injectable, Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { defineErrors } from '../common/errors/domain-error';
import { Clock, MINUTE } from '../common/time/clock';

export const WechatPushErrors = defineErrors({
  WECHAT_PUSH_SIGNATURE_INVALID: [403, '微信推送签名无效'],
  WECHAT_PUSH_STALE: [403, '微信推送已过期'],
});

/** A push older (or newer) than this is refused, so a captured request cannot be replayed later. */
export const PUSH_MAX_SKEW_MS = 5 * MINUTE;

/** The query WeChat signs every push (and the URL check) with. Unchecked input: a repeated parameter arrives as an array. */
export interface PushSignature {
  signature?: unknown;
  timestamp?: unknown;
  nonce?: unknown;
}

/** A pushed event in JSON format (明文模式): `Event` names it; the other fields depend on the event. */
export type WechatPushEvent = Record<string, unknown> & { Event?: unknown };
export type WechatPushHandler = (event: WechatPushEvent) => Promise<void>;

/** `sha1(sort([token, timestamp, nonce]).join(''))`, as WeChat signs its message pushes. */
export function pushSignature(token: string, timestamp: string, nonce: string): string {
  return createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
}

/**
 * WeChat's message push (小程序后台 → 开发管理 → 消息推送, JSON, 明文模式): checks the signature and
 * the age of each push and hands its event to the module that registered for it. Feature modules
 * register in `onModuleInit` (media: `wxa_media_check`); events nobody handles are acknowledged and dropped.
 */
@Injectable()
export class WechatPushes {
  private readonly logger = new Logger(WechatPushes.name);
  private readonly handlers = new Map<string, WechatPushHandler>();

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  on(event: string, handler: WechatPushHandler): void {
    if (this.handlers.has(event)) throw new Error(`a handler for WeChat push event ${event} is already registered`);
    this.handlers.set(event, handler);
  }

  /** Throws unless the request was signed with WECHAT_PUSH_TOKEN within the last 5 minutes. */
  assertSigned(query: PushSignature): void {
    const token = this.config.wechat.pushToken;
    const { signature, timestamp, nonce } = query;
    if (!token) {
      this.logger.error('a WeChat push arrived but WECHAT_PUSH_TOKEN is not set; refused');
      throw WechatPushErrors.WECHAT_PUSH_SIGNATURE_INVALID.error();
    }
    if (typeof signature !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string' || !signature || !nonce || !/^\d{1,12}$/.test(timestamp)) {
      throw WechatPushErrors.WECHAT_PUSH_SIGNATURE_INVALID.error();
    }
    const expected = Buffer.from(pushSignature(token, timestamp, nonce));
    const given = Buffer.from(signature.toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      this.logger.warn('WeChat push with a wrong signature refused');
      throw WechatPushErrors.WECHAT_PUSH_SIGNATURE_INVALID.error();
    }
    if (Math.abs(this.clock.now().getTime() - Number(timestamp) * 1000) > PUSH_MAX_SKEW_MS) {
      this.logger.warn({ timestamp }, 'WeChat push with a stale timestamp refused');
      throw WechatPushErrors.WECHAT_PUSH_STALE.error();
    }
  }

  async dispatch(event: WechatPushEvent): Promise<void> {
    const name = typeof event.Event === 'string' ? event.Event : undefined;
    const handler = name ? this.handlers.get(name) : undefined;
    if (!handler) {
      this.logger.log({ event: name ?? null, msgType: event.MsgType ?? null }, 'WeChat push without a handler acknowledged');
      return;
    }
    await handler(event);
  }
}
