import { defineErrors } from '../common/errors/domain-error';

export const ContentErrors = defineErrors({
  CONTENT_REJECTED: [422, '内容包含不当信息，请修改后再提交'],
});
