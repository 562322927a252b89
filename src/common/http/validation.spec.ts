import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsNotEmpty, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { DomainError } from '../errors/domain-error';
import { UpdateMeBody } from '../../users/dto/me.dto';
import { Nested } from './dto-rules';
import { FieldProblem, createValidationPipe, validationMessage } from './validation';

class Tag {
  @IsString() @IsNotEmpty() @MaxLength(4)
  label!: string;
}

class Sample {
  @IsString() @IsNotEmpty() @MaxLength(8)
  title!: string;

  @IsInt() @Min(1) @Max(10)
  count!: number;

  @IsIn(['a', 'b'])
  kind!: string;

  @IsArray() @ValidateNested({ each: true }) @Type(() => Tag)
  tags!: Tag[];
}

const valid = { title: 'ok', count: 3, kind: 'a', tags: [{ label: 'x' }] };

class Labelled {
  @Nested(() => Tag)
  tag!: Tag;
}

async function refusal(value: unknown, metatype: new () => object = Sample): Promise<DomainError & { details: FieldProblem[] }> {
  try {
    await createValidationPipe().transform(value, { type: 'body', metatype });
  } catch (error) {
    if (error instanceof DomainError) return error as DomainError & { details: FieldProblem[] };
    throw error;
  }
  throw new Error('expected the pipe to refuse the value');
}

describe('validation pipe', () => {
  it('passes a valid body through as an instance of the DTO', async () => {
    const out = await createValidationPipe().transform({ ...valid }, { type: 'body', metatype: Sample });
    expect(out).toBeInstanceOf(Sample);
    expect(out).toMatchObject(valid);
  });

  it('answers VALIDATION_FAILED (400) with a Chinese message and the fields in details', async () => {
    const error = await refusal({ ...valid, count: 'three' });
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(error.message).toBe('请求参数有误：count必须是整数');
    expect(error.details).toEqual([{ field: 'count', constraints: ['isInt', expect.any(String), expect.any(String)] }]);
    expect(error.details[0].constraints.slice(1).sort()).toEqual(['max', 'min']);
  });

  it('names an unknown field as not allowed', async () => {
    const error = await refusal({ ...valid, admin: true });
    expect(error.message).toBe('请求参数有误：admin是不允许的字段');
    expect(error.details).toEqual([{ field: 'admin', constraints: ['whitelistValidation'] }]);
  });

  it('says a missing field is empty rather than too long or not text', async () => {
    const { title: _omitted, ...rest } = valid;
    const error = await refusal(rest);
    expect(error.details[0].field).toBe('title');
    expect(error.details[0].constraints.slice(0, 2)).toEqual(['isNotEmpty', 'isString']);
    expect(error.message).toBe('请求参数有误：title不能为空');
  });

  it('says a wrong type is a wrong type, not a wrong length', async () => {
    const error = await refusal({ ...valid, title: 12 });
    expect(error.message).toBe('请求参数有误：title必须是文本');
  });

  it('reports a length problem when the type is right', async () => {
    const error = await refusal({ ...valid, title: '一二三四五六七八九' });
    expect(error.message).toBe('请求参数有误：title长度超出限制');
  });

  it('names nested fields by their path', async () => {
    const error = await refusal({ ...valid, tags: [{ label: 'x' }, { label: 'toolong' }] });
    expect(error.details).toEqual([{ field: 'tags.1.label', constraints: ['maxLength'] }]);
    expect(error.message).toBe('请求参数有误：tags.1.label长度超出限制');
  });

  it('refuses a body that is not an object', async () => {
    const error = await refusal('just text');
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/^请求参数有误/);
  });

  it('Nested takes one object of its type and refuses arrays, null and scalars', async () => {
    const out = await createValidationPipe().transform({ tag: { label: 'x' } }, { type: 'body', metatype: Labelled });
    expect((out as Labelled).tag).toBeInstanceOf(Tag);
    for (const tag of [[], [{ label: 'x' }], null, 'x', 3]) {
      const error = await refusal({ tag }, Labelled);
      expect(error.message).toBe('请求参数有误：tag必须是对象');
    }
    expect((await refusal({ tag: { label: 'toolong' } }, Labelled)).details).toEqual([{ field: 'tag.label', constraints: ['maxLength'] }]);
  });

  it('lists at most five problems, then 等', async () => {
    const error = await refusal({ title: 1, count: 'x', kind: 'z', tags: 'no', a: 1, b: 2 });
    expect(error.details.length).toBeGreaterThan(5);
    expect(error.message.split('；')).toHaveLength(5);
    expect(error.message.endsWith('等')).toBe(true);
  });

  it('checks the real profile DTO: control characters and phone format', async () => {
    expect((await refusal({ name: 'a\u0000b' }, UpdateMeBody)).message).toBe('请求参数有误：name不能包含控制字符');
    expect((await refusal({ phone: '12345' }, UpdateMeBody)).message).toBe('请求参数有误：phone格式不正确');
  });
});

describe('validationMessage', () => {
  it('falls back to 不合法 for a constraint without Chinese wording', () => {
    expect(validationMessage([{ field: 'x', constraints: ['somethingNew'] }])).toBe('请求参数有误：x不合法');
  });

  it('is Chinese for every problem listed', () => {
    const message = validationMessage([
      { field: 'name', constraints: ['isNotEmpty'] },
      { field: 'phone', constraints: ['matches'] },
    ]);
    expect(message).toBe('请求参数有误：name不能为空；phone格式不正确');
  });
});

describe('MaxChars on stored text', () => {
  const pipe = createValidationPipe();
  const check = (name: string) => pipe.transform({ name }, { type: 'body', metatype: UpdateMeBody });

  it('counts characters as the database column does (code points)', async () => {
    await expect(check('🌸'.repeat(32))).resolves.toMatchObject({ name: '🌸'.repeat(32) });
    await expect(check('❤️'.repeat(16))).resolves.toMatchObject({ name: '❤️'.repeat(16) });
    const error = await refusal({ name: '❤️'.repeat(17) }, UpdateMeBody);
    expect(error.message).toBe('请求参数有误：name长度超出限制');
    expect(error.details).toEqual([{ field: 'name', constraints: ['maxChars'] }]);
  });
});
