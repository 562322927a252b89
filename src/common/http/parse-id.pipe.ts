import { Injectable, PipeTransform } from '@nestjs/common';
import { CommonErrors } from '../errors/domain-error';

const MAX_ID = 2_147_483_647;

/** Path ids: positive integers within the INT column range, else a coded 400. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > MAX_ID) {
      throw CommonErrors.VALIDATION_FAILED.error('请求参数有误：id 必须是正整数');
    }
    return Number(value);
  }
}
