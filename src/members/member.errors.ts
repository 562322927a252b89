import { defineErrors } from '../common/errors/domain-error';

export const MemberErrors = defineErrors({
  REGISTRATION_NOT_FOUND: [404, '报到记录不存在'],
  REGISTRATION_EXISTS: [409, '你已在该社区报到（待审核或已通过），无需重复提交'],
  REGISTRATION_NOT_PENDING: [409, '该报到申请已处理'],
});
