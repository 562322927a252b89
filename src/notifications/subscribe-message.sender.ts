import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { OutboxPayload } from '../outbox/outbox-message.entity';
import { OutboxDelivery, OutboxPermanentError } from '../outbox/outbox.worker';
import { WechatApiError, WechatClient } from '../wechat/wechat.client';
import { WX } from '../wechat/wechat.errors';
import type { SubscribePayload } from './notifications.service';
import { SubscriptionCreditsService } from './subscription-credits.service';

/** WeChat refusals that no retry can change: the row is parked as dead with WeChat's reason. */
const FINAL_REFUSALS: ReadonlySet<number> = new Set([WX.BAD_OPENID, WX.BAD_ARGUMENT, WX.BAD_TEMPLATE_ID, WX.BAD_PAGE]);

/**
 * Outbox handler of `wechat.subscribe`: spends one of the user's credits for the template, then
 * sends. Outcomes:
 * - `sent`;
 * - `skipped_no_credit`: the user has not allowed another message of this template — no WeChat call;
 * - `refused_no_authorisation` (43101): WeChat disagrees with our count; the count is set to 0;
 * - dead (40003 bad openid, 47003 bad value, 40037 bad template, 41030 bad page): a configuration or
 *   data problem for an operator, with WeChat's errmsg;
 * - retried later (-1 busy, 5xx, network, a token refused twice): the credit is given back first.
 * The inbox row written with the message is there in every case.
 */
@Injectable()
export class SubscribeMessageSender {
  private readonly logger = new Logger(SubscribeMessageSender.name);

  constructor(
    private readonly client: WechatClient,
    private readonly credits: SubscriptionCreditsService,
  ) {}

  async deliver(raw: OutboxPayload, delivery: OutboxDelivery): Promise<string> {
    const message = raw as unknown as SubscribePayload;
    if (!(await this.credits.spend(message.userId, message.templateId))) return 'skipped_no_credit';
    try {
      await this.client.sendSubscribeMessage({ touser: message.touser, templateId: message.templateId, page: message.page ?? undefined, data: message.data });
      return 'sent';
    } catch (error) {
      if (error instanceof WechatApiError && error.errcode === WX.NO_SUBSCRIPTION) {
        await this.credits.clear(message.userId, message.templateId);
        return 'refused_no_authorisation';
      }
      await this.credits.refund(message.userId, message.templateId);
      if (error instanceof WechatApiError && FINAL_REFUSALS.has(error.errcode)) {
        throw new OutboxPermanentError(`WeChat ${error.errcode}: ${error.errmsg}`);
      }
      const reason = error instanceof WechatApiError ? `WeChat ${error.errcode}: ${error.errmsg}` : error instanceof DomainError ? error.code : (error as Error).message;
      this.logger.warn({ outboxId: delivery.id, attempt: delivery.attempt, reason }, 'subscribe message not sent; will retry');
      throw error;
    }
  }
}
