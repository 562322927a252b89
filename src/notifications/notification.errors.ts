import { defineErrors } from '../common/errors/domain-error';

export const NotificationErrors = defineErrors({
  NOTIFICATION_NOT_FOUND: [404, '通知不存在'],
  SUBSCRIPTION_TEMPLATE_UNKNOWN: [422, '订阅消息模板不存在或未启用'],
});
