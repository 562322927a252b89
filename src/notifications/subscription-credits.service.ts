import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { SubscriptionsView } from './dto/notification.dto';
import { SubscriptionCredit } from './notification.entity';
import { NotificationErrors } from './notification.errors';
import { NotificationKind } from './wechat-templates';

/** A ceiling on stored credits, so a misbehaving client cannot pile up thousands. */
const MAX_CREDITS = 100;

/**
 * Counts the subscribe messages each user has allowed, per template. WeChat keeps that count but
 * offers no way to read it, so the service keeps its own: one per accepted template in each
 * wx.requestSubscribeMessage, minus one per send. Sending without credit would only earn 43101.
 */
@Injectable()
export class SubscriptionCreditsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** POST /me/subscriptions: the templates the user just accepted, one credit each. */
  async add(principal: Principal, templateIds: string[]): Promise<SubscriptionsView> {
    const known = this.templatesById();
    const unknown = templateIds.filter((id) => !known.has(id));
    if (unknown.length > 0) throw NotificationErrors.SUBSCRIPTION_TEMPLATE_UNKNOWN.error(undefined, { templateIds: unknown });
    const now = this.clock.now();
    await this.tx.run(async (m) => {
      for (const templateId of new Set(templateIds)) {
        // Portable upsert: make sure the row exists, then a relative increment (no read-modify-write).
        await m.createQueryBuilder().insert().into(SubscriptionCredit).values({ userId: principal.id, templateId, credits: 0, updatedAt: now }).orIgnore().execute();
        await m
          .createQueryBuilder()
          .update(SubscriptionCredit)
          .set({ credits: () => 'credits + 1', updatedAt: now })
          .where('user_id = :userId AND template_id = :templateId AND credits < :max', { userId: principal.id, templateId, max: MAX_CREDITS })
          .execute();
      }
    });
    return this.list(principal);
  }

  async list(principal: Principal): Promise<SubscriptionsView> {
    const known = this.templatesById();
    const rows = known.size
      ? await this.dataSource.getRepository(SubscriptionCredit).findBy({ userId: principal.id, templateId: In([...known.keys()]) })
      : [];
    const credits = new Map(rows.map((row) => [row.templateId, row.credits]));
    return { templates: [...known].map(([templateId, kind]) => ({ kind, templateId, credits: credits.get(templateId) ?? 0 })) };
  }

  /** Spends one credit; false (and nothing spent) when none is left. */
  async spend(userId: number, templateId: string): Promise<boolean> {
    const now = this.clock.now();
    const result = await this.tx.run((m) =>
      m
        .createQueryBuilder()
        .update(SubscriptionCredit)
        .set({ credits: () => 'credits - 1', updatedAt: now })
        .where('user_id = :userId AND template_id = :templateId AND credits > 0', { userId, templateId })
        .execute(),
    );
    return Boolean(result.affected);
  }

  /** Gives back a credit whose message WeChat did not deliver. */
  async refund(userId: number, templateId: string): Promise<void> {
    const now = this.clock.now();
    await this.tx.run((m) =>
      m
        .createQueryBuilder()
        .update(SubscriptionCredit)
        .set({ credits: () => 'credits + 1', updatedAt: now })
        .where('user_id = :userId AND template_id = :templateId AND credits < :max', { userId, templateId, max: MAX_CREDITS })
        .execute(),
    );
  }

  /** WeChat said 43101 (no authorisation left): our count was wrong, believe WeChat. */
  async clear(userId: number, templateId: string): Promise<void> {
    const now = this.clock.now();
    await this.tx.run((m) => m.getRepository(SubscriptionCredit).update({ userId, templateId }, { credits: 0, updatedAt: now }));
  }

  private templatesById(): Map<string, NotificationKind> {
    const byId = new Map<string, NotificationKind>();
    for (const [kind, template] of Object.entries(this.config.wechat.templates)) if (template) byId.set(template.templateId, kind as NotificationKind);
    return byId;
  }
}
