import { Transform, Type } from 'class-transformer';
import { IsInt, IsObject, Matches, Max, Min, ValidateIf, ValidateNested, ValidationOptions, registerDecorator } from 'class-validator';

/** Trims strings; leaves other values alone for the type validators to refuse. */
export const Trim = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

export const MOBILE_PHONE = /^1[3-9]\d{9}$/;
export const IsMobilePhoneCN = () => Matches(MOBILE_PHONE, { message: 'phone must be a mainland mobile number' });

/**
 * Refuses ASCII control characters (NUL, escapes…) in user text; newlines and tabs stay allowed.
 * Chinese, emoji and other Unicode pass.
 */
export function NoControlChars(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'noControlChars',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        // eslint-disable-next-line no-control-regex
        validate: (value: unknown) => typeof value !== 'string' || !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(value),
      },
    });
}

/**
 * At most `max` characters as the database column counts them: Unicode code points (MySQL
 * `varchar(n)` in utf8mb4). Use it instead of `MaxLength` for text that is stored: class-validator's
 * `MaxLength` counts an emoji with a variation selector ('❤️', U+2764 U+FE0F) as one character, so
 * a value it accepts can overflow the column ("Data too long", a 500 on MySQL).
 */
export function MaxChars(max: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'maxChars',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [max],
      options,
      validator: {
        // Non-strings are left to the type validators (IsString) to refuse.
        validate: (value: unknown) => typeof value !== 'string' || Array.from(value).length <= max,
      },
    });
}

/** A row id in a body: a positive integer within the INT column range. */
export function IsId(): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    IsInt()(target, key);
    Min(1)(target, key);
    Max(2_147_483_647)(target, key);
  };
}

/**
 * An optional field: it may be left out, but not sent as `null`. class-validator's IsOptional also
 * skips validation for null, which let `{"title": null}` through to the database as a 500; here a
 * null still meets the field's own validators and is refused unless they allow it.
 */
export function Optional(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object, value: unknown) => value !== undefined, options);
}

/**
 * One nested object of `type`, validated by its own rules. ValidateNested alone lets an array
 * through (it validates each element, and `[]` has none), so `"resident": []` reached the service
 * as a 500; IsObject refuses arrays, null and scalars first.
 */
export function Nested(type: () => new () => object): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    IsObject()(target, key);
    ValidateNested()(target, key);
    Type(type)(target, key);
  };
}
