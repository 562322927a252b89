import { defineErrors } from '../common/errors/domain-error';

export const DashboardErrors = defineErrors({
  /** The region or unit asked for does not exist, or lies outside the caller's scope (ids cannot be probed). */
  DASHBOARD_SCOPE_NOT_FOUND: [404, '该地区或单位不存在，或不在你的管辖范围内'],
  DASHBOARD_RANGE_INVALID: [400, '时间范围有误：开始日期不能晚于结束日期'],
  DASHBOARD_RANGE_TOO_LONG: [400, '时间范围过长，请缩短查询区间'],
});
