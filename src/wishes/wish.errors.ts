import { defineErrors } from '../common/errors/domain-error';

export const WishErrors = defineErrors({
  WISH_NOT_FOUND: [404, '心愿不存在'],
  WISH_ALREADY_CLAIMED: [409, '手慢了，该心愿已被其他党员认领'],
  WISH_ILLEGAL_TRANSITION: [409, '当前状态下不能执行该操作'],
  WISH_REASON_REQUIRED: [400, '请填写原因'],
  WISH_CLAIM_OWN: [409, '不能认领自己提交的心愿'],
  WISH_RESIDENT_MUST_CONFIRM: [409, '该心愿由居民在小程序中提交，需由居民本人确认'],
  WISH_COST_OVER_CAP: [422, '预计费用超出微心愿上限'],
  WISH_OPEN_LIMIT_REACHED: [409, '你进行中的心愿已达上限，请等已有心愿完成后再提交'],
  WISH_DAILY_LIMIT_REACHED: [429, '今日提交心愿次数已达上限，请明天再试'],
  MEMBER_NOT_REGISTERED: [403, '你尚未在该社区报到（或报到未通过审核），不能认领'],
  ASSIGNEE_NOT_REGISTERED: [422, '该党员未在此社区报到，不能指派'],
  CLAIM_LIMIT_REACHED: [409, '你认领中的心愿已达上限，请先完成已认领的心愿'],
  FULFIL_PHOTOS_REQUIRED: [422, '本社区要求上传至少一张反馈照片'],
  IDEMPOTENCY_KEY_INVALID: [400, 'Idempotency-Key 格式不正确（8–64 位字母、数字、- 或 _）'],
});
