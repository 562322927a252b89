import { defineErrors } from '../common/errors/domain-error';

export const UserErrors = defineErrors({
  USER_NOT_FOUND: [404, '用户不存在'],
  USERNAME_TAKEN: [409, '用户名已被使用'],
});
