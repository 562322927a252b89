import { defineErrors } from '../common/errors/domain-error';

export const AuthErrors = defineErrors({
  TOKEN_EXPIRED: [401, '登录已过期，请刷新或重新登录'],
  INVALID_CREDENTIALS: [401, '用户名或密码错误'],
  ACCOUNT_LOCKED: [423, '登录失败次数过多，账号已临时锁定，请稍后再试'],
  REFRESH_TOKEN_INVALID: [401, '刷新凭证无效，请重新登录'],
  REFRESH_TOKEN_REUSED: [401, '刷新凭证已被使用，为保护账号安全请重新登录'],
  DEV_LOGIN_DISABLED: [404, '接口不存在'],
  ROLE_SCOPE_INVALID: [422, '角色与其管辖范围不匹配'],
});
