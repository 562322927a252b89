import { defineErrors } from '../common/errors/domain-error';

export const RegionErrors = defineErrors({
  REGION_NOT_FOUND: [404, '行政区划不存在'],
  REGION_NOT_A_COMMUNITY: [422, '请选择一个社区'],
  REGION_HAS_NO_CHILD_LEVEL: [422, '网格下不能再设下级'],
  REGION_IN_USE: [409, '该区划下还有下级或业务数据，不能删除'],
  REGION_NAME_TAKEN: [409, '同一上级下已有同名区划'],
});
