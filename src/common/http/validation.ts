import { ValidationError, ValidationPipe } from '@nestjs/common';
import { CommonErrors } from '../errors/domain-error';

/** Chinese wording for the class-validator constraints the DTOs use. */
const CONSTRAINT_TEXT: Record<string, string> = {
  whitelistValidation: '是不允许的字段',
  isDefined: '不能为空',
  isNotEmpty: '不能为空',
  isString: '必须是文本',
  isInt: '必须是整数',
  isNumber: '必须是数字',
  isBoolean: '必须是布尔值',
  isArray: '必须是数组',
  isIn: '取值不在允许范围内',
  isEnum: '取值不在允许范围内',
  min: '数值过小',
  max: '数值过大',
  minLength: '长度过短',
  maxLength: '长度超出限制',
  maxChars: '长度超出限制',
  length: '长度不符合要求',
  arrayMinSize: '数量过少',
  arrayMaxSize: '数量过多',
  arrayUnique: '不能有重复项',
  matches: '格式不正确',
  isMobilePhone: '不是有效的手机号',
  isDateString: '不是有效的日期',
  isISO8601: '不是有效的日期',
  isPositive: '必须大于 0',
  isObject: '必须是对象',
  noControlChars: '不能包含控制字符',
  nestedValidation: '格式不正确',
};

// The most telling constraint first: a missing field is "不能为空", not "长度超出限制".
const PRIORITY = ['whitelistValidation', 'isDefined', 'isNotEmpty', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isArray', 'isIn'];
const rank = (key: string) => (PRIORITY.includes(key) ? PRIORITY.indexOf(key) : PRIORITY.length);
const byPriority = (a: string, b: string) => rank(a) - rank(b);

export interface FieldProblem {
  field: string;
  constraints: string[];
}

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, constraints: Object.keys(error.constraints).sort(byPriority) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

export function validationMessage(problems: FieldProblem[]): string {
  const parts = problems.slice(0, 5).map((p) => `${p.field}${CONSTRAINT_TEXT[p.constraints[0]] ?? '不合法'}`);
  return `请求参数有误：${parts.join('；')}${problems.length > 5 ? '等' : ''}`;
}

/** The global pipe: whitelist, refuse unknown fields, transform to DTO classes, coded errors. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const problems = flatten(errors);
      return CommonErrors.VALIDATION_FAILED.error(validationMessage(problems), problems);
    },
  });
}
