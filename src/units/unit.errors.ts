import { defineErrors } from '../common/errors/domain-error';

export const UnitErrors = defineErrors({
  UNIT_NOT_FOUND: [404, '单位不存在'],
  UNIT_NAME_TAKEN: [409, '已有同名单位'],
  UNIT_IN_USE: [409, '该单位已有党员报到记录，不能删除'],
});
