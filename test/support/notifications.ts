import { Notification, SubscriptionCredit } from '../../src/notifications/notification.entity';
import { OutboxMessage } from '../../src/outbox/outbox-message.entity';
import { User } from '../../src/users/user.entity';
import type { Session } from './auth';
import type { TestApp } from './test-app';

/** Template ids the notification suites configure (WECHAT_TEMPLATES). */
export const TEMPLATE = {
  approved: 'tmpl-approved-000001',
  rejected: 'tmpl-rejected-000001',
  claimed: 'tmpl-claimed-0000001',
  fulfilled: 'tmpl-fulfilled-00001',
  assigned: 'tmpl-assigned-000001',
  released: 'tmpl-released-000001',
  disputed: 'tmpl-disputed-000001',
  expiring: 'tmpl-expiring-000001',
} as const;

const wishFields = (second: Record<string, { source: string; type: string }>) => ({ thing1: { source: 'wishTitle', type: 'thing' }, ...second });

/** A realistic WECHAT_TEMPLATES: field keys named after their types, as in 小程序后台. */
export const TEMPLATES_JSON = JSON.stringify({
  wish_approved: { templateId: TEMPLATE.approved, page: 'pages/wish/detail?id={wishId}', fields: wishFields({ phrase2: { source: 'status', type: 'phrase' }, time3: { source: 'at', type: 'time' } }) },
  wish_rejected: { templateId: TEMPLATE.rejected, page: 'pages/wish/detail?id={wishId}', fields: wishFields({ thing2: { source: 'reason', type: 'thing' } }) },
  wish_claimed: { templateId: TEMPLATE.claimed, page: 'pages/wish/detail?id={wishId}', fields: wishFields({ name2: { source: 'memberName', type: 'name' }, time3: { source: 'at', type: 'time' } }) },
  wish_fulfilled: { templateId: TEMPLATE.fulfilled, page: 'pages/wish/detail?id={wishId}', fields: wishFields({ thing2: { source: 'body', type: 'thing' } }) },
  claim_assigned: { templateId: TEMPLATE.assigned, fields: wishFields({ thing2: { source: 'reason', type: 'thing' }, time3: { source: 'deadline', type: 'time' } }) },
  claim_released: { templateId: TEMPLATE.released, fields: wishFields({ thing2: { source: 'body', type: 'thing' } }) },
  claim_disputed: { templateId: TEMPLATE.disputed, fields: wishFields({ thing2: { source: 'reason', type: 'thing' } }) },
  claim_expiring: { templateId: TEMPLATE.expiring, page: 'pages/wish/detail?id={wishId}', fields: wishFields({ time2: { source: 'deadline', type: 'time' } }) },
});

/**
 * Dev-login users carry `dev:` openids, which never get WeChat messages; this gives one a real-looking
 * openid, as a WeChat login would have.
 */
export async function giveOpenid(t: TestApp, who: Session, openid: string): Promise<void> {
  await t.dataSource.getRepository(User).update({ id: who.userId }, { openid });
}

export async function setCredits(t: TestApp, who: Session, templateId: string, credits: number): Promise<void> {
  await t.dataSource.getRepository(SubscriptionCredit).save({ userId: who.userId, templateId, credits, updatedAt: t.clock.now() });
}

export async function creditsOf(t: TestApp, who: Session, templateId: string): Promise<number> {
  return (await t.dataSource.getRepository(SubscriptionCredit).findOneBy({ userId: who.userId, templateId }))?.credits ?? 0;
}

export async function inboxOf(t: TestApp, who: Session): Promise<Notification[]> {
  return t.dataSource.getRepository(Notification).find({ where: { userId: who.userId }, order: { id: 'ASC' } });
}

export async function outboxRows(t: TestApp): Promise<OutboxMessage[]> {
  return t.dataSource.getRepository(OutboxMessage).find({ order: { id: 'ASC' } });
}

export async function clearOutbox(t: TestApp): Promise<void> {
  await t.dataSource.createQueryBuilder().delete().from(OutboxMessage).execute();
}
