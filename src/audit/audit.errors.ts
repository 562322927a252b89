import { defineErrors } from '../common/errors/domain-error';

export const AuditErrors = defineErrors({
  AUDIT_RANGE_INVALID: [400, '查询时间范围有误：开始时间须早于结束时间'],
});
