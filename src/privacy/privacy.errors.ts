import { defineErrors } from '../common/errors/domain-error';

export const PrivacyErrors = defineErrors({
  ACCOUNT_DELETION_CONFLICT: [409, '注销时心愿状态发生变化，请重试'],
});
