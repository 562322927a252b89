import { SHANGHAI_OFFSET_MS } from '../common/time/shanghai';
import type { FieldSource, FieldType, WechatTemplate } from './wechat-templates';

/**
 * Turns a notification into the `data` of a subscribe message. Pure.
 *
 * WeChat refuses a whole message (47003) when one value breaks its field type's rule, so every
 * value is cut to the type's limit, counted in characters (code points, via Array.from — never
 * bytes or UTF-16 units, or an emoji would be split in half).
 */

/** Maximum characters per field type (shared/WECHAT.md). */
export const FIELD_LIMITS: Record<Exclude<FieldType, 'time' | 'date'>, number> = {
  thing: 20,
  number: 32,
  letter: 32,
  symbol: 5,
  character_string: 32,
  phrase: 5,
  name: 10,
  phone_number: 17,
};

/** Types whose value is free text, where a cut is shown with an ellipsis. */
const ELLIPSIS_TYPES: ReadonlySet<FieldType> = new Set(['thing']);

export type FieldValues = Partial<Record<FieldSource, string | Date | null | undefined>>;

/** `2026年11月22日 15:30` in Asia/Shanghai. */
export function formatShanghaiTime(at: Date): string {
  return `${formatShanghaiDate(at)} ${new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(11, 16)}`;
}

/** `2026年11月22日` in Asia/Shanghai. */
export function formatShanghaiDate(at: Date): string {
  const [year, month, day] = new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10).split('-');
  return `${year}年${month}月${day}日`;
}

/** Cuts `text` to `max` characters; with `ellipsis` the last kept character becomes '…'. */
export function truncateChars(text: string, max: number, ellipsis = false): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return ellipsis && max > 1 ? `${chars.slice(0, max - 1).join('')}…` : chars.slice(0, max).join('');
}

/** One field's value: dates formatted, text flattened to one line and cut to the type's limit, never empty. */
export function formatFieldValue(value: string | Date | null | undefined, type: FieldType): string {
  if (type === 'time' || type === 'date') {
    const at = value instanceof Date ? value : value ? new Date(value) : undefined;
    if (!at || Number.isNaN(at.getTime())) return '-';
    return type === 'time' ? formatShanghaiTime(at) : formatShanghaiDate(at);
  }
  let text = value instanceof Date ? formatShanghaiTime(value) : (value ?? '');
  // Line breaks and control characters are not allowed in a value; runs of spaces read as one.
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001F\u007F]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  if (type === 'phrase' || type === 'name') text = text.replace(/\s+/g, '');
  if (!text) return type === 'thing' || type === 'phrase' || type === 'name' ? '无' : '-';
  return truncateChars(text, FIELD_LIMITS[type], ELLIPSIS_TYPES.has(type));
}

/** The `data` object of subscribe/send: `{ thing1: { value }, time2: { value } … }`. */
export function renderTemplateData(template: WechatTemplate, values: FieldValues): Record<string, { value: string }> {
  const data: Record<string, { value: string }> = {};
  for (const [key, field] of Object.entries(template.fields)) data[key] = { value: formatFieldValue(values[field.source], field.type) };
  return data;
}

/** The page opened from the message, with `{wishId}` filled in (or dropped with its parameter when there is no wish). */
export function renderPage(template: WechatTemplate, wishId: number | null): string | undefined {
  if (!template.page) return undefined;
  if (wishId !== null) return template.page.replace(/\{wishId\}/g, String(wishId));
  const [path, query = ''] = template.page.split('?');
  const kept = query.split('&').filter((pair) => pair && !pair.includes('{wishId}'));
  return kept.length ? `${path}?${kept.join('&')}` : path;
}
