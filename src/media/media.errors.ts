import { defineErrors } from '../common/errors/domain-error';

export const MediaErrors = defineErrors({
  UPLOAD_NOT_MULTIPART: [415, '请以 multipart/form-data 格式上传图片'],
  UPLOAD_FILE_MISSING: [400, '请选择要上传的图片'],
  UPLOAD_MALFORMED: [400, '上传内容格式有误，请重新上传'],
  UPLOAD_TOO_LARGE: [413, '图片过大，请压缩后再上传'],
  UPLOAD_TYPE_REFUSED: [422, '只能上传 JPG、PNG 或 WebP 格式的图片'],
  UPLOAD_UNREADABLE: [422, '图片已损坏或尺寸过大，无法读取'],
  UPLOAD_NOT_FOUND: [404, '图片不存在'],
  UPLOAD_INVALID: [422, '图片不存在、不属于你或已被其他心愿使用，请重新上传'],
});
