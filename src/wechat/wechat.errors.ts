import { defineErrors } from '../common/errors/domain-error';

export const WechatErrors = defineErrors({
  WECHAT_NOT_CONFIGURED: [503, '微信登录暂未开通'],
  WECHAT_CODE_INVALID: [400, '微信登录凭证无效或已使用，请重新登录'],
  WECHAT_RATE_LIMITED: [429, '微信登录过于频繁，请稍后再试'],
  WECHAT_USER_BLOCKED: [403, '该微信账号存在风险，已被微信限制登录'],
  WECHAT_BUSY: [503, '微信服务繁忙，请稍后再试'],
  WECHAT_UNAVAILABLE: [503, '暂时无法连接微信服务，请稍后再试'],
});

/** WeChat's own errcodes that the client reacts to (see shared/WECHAT.md). */
export const WX = {
  OK: 0,
  BUSY: -1,
  INVALID_CREDENTIAL: 40001,
  BAD_APPID: 40013,
  INVALID_TOKEN: 40014,
  INVALID_CODE: 40029,
  BAD_SECRET: 40125,
  CODE_USED: 40163,
  HIGH_RISK_USER: 40226,
  TOKEN_EXPIRED: 42001,
  TOO_FREQUENT: 45011,
  // subscribe/send
  BAD_OPENID: 40003,
  BAD_TEMPLATE_ID: 40037,
  BAD_PAGE: 41030,
  NO_SUBSCRIPTION: 43101,
  BAD_ARGUMENT: 47003,
  // content security: the openid has not used the mini-program in the last 2 hours
  USER_NOT_RECENT: 61010,
} as const;
