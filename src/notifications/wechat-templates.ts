/**
 * Subscribe-message templates, configured per notification kind (WECHAT_TEMPLATES, JSON) and
 * checked at start-up. Pure: no Nest, no database — `loadAppConfig` calls `parseWechatTemplates`.
 *
 * Example (template ids and keys come from 小程序后台 → 订阅消息 → 我的模板):
 *
 *   {
 *     "wish_claimed": {
 *       "templateId": "AbCdEf…",
 *       "page": "pages/wish/detail?id={wishId}",
 *       "fields": {
 *         "thing1": { "source": "wishTitle", "type": "thing" },
 *         "name2": { "source": "memberName", "type": "name" },
 *         "time3": { "source": "at", "type": "time" }
 *       }
 *     }
 *   }
 *
 * A kind without a template is delivered to the in-app inbox only.
 */

/** What a notification is about; each kind has its own inbox text and may have its own template. */
export const NOTIFICATION_KINDS = [
  // to the resident
  'wish_approved',
  'wish_rejected',
  'wish_claimed',
  'wish_fulfilled',
  // to the member
  'claim_assigned',
  'claim_released',
  'claim_disputed',
  'claim_expiring',
  // to the community office
  'claim_timed_out',
  'overdue_digest',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Values a template field can be filled from (see NotificationVars). */
export const FIELD_SOURCES = ['title', 'body', 'wishTitle', 'status', 'communityName', 'memberName', 'reason', 'at', 'deadline'] as const;
export type FieldSource = (typeof FIELD_SOURCES)[number];

/** WeChat's value types; the key of a field is its type followed by a number (`thing1`, `time3`). */
export const FIELD_TYPES = ['thing', 'number', 'letter', 'symbol', 'character_string', 'phrase', 'name', 'phone_number', 'time', 'date'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface TemplateField {
  source: FieldSource;
  type: FieldType;
}

export interface WechatTemplate {
  templateId: string;
  /** Mini-program page opened from the message; `{wishId}` is replaced by the wish's id. */
  page?: string;
  fields: Record<string, TemplateField>;
}

export type WechatTemplates = Partial<Record<NotificationKind, WechatTemplate>>;

const TEMPLATE_ID = /^[A-Za-z0-9_-]{10,64}$/;
const PAGE = /^[A-Za-z0-9_][A-Za-z0-9_\-/]{0,99}(\?[A-Za-z0-9_\-=&{}.%]{0,100})?$/;
/** At most this many data fields per template (WeChat's templates have up to 5; leave room). */
const MAX_FIELDS = 10;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses WECHAT_TEMPLATES; every problem is reported, by path, so one start-up shows them all. */
export function parseWechatTemplates(json: string | undefined): { templates: WechatTemplates; problems: string[] } {
  const templates: WechatTemplates = {};
  const problems: string[] = [];
  if (json === undefined) return { templates, problems };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return { templates, problems: [`WECHAT_TEMPLATES is not valid JSON: ${(error as Error).message}`] };
  }
  if (!isRecord(raw)) return { templates, problems: ['WECHAT_TEMPLATES must be a JSON object keyed by notification kind'] };

  const seenIds = new Map<string, string>();
  for (const [kind, entry] of Object.entries(raw)) {
    const where = `WECHAT_TEMPLATES.${kind}`;
    if (!(NOTIFICATION_KINDS as readonly string[]).includes(kind)) {
      problems.push(`${where}: unknown notification kind (known: ${NOTIFICATION_KINDS.join(', ')})`);
      continue;
    }
    if (!isRecord(entry)) {
      problems.push(`${where} must be an object {templateId, page?, fields}`);
      continue;
    }
    const { templateId, page, fields, ...extra } = entry;
    for (const key of Object.keys(extra)) problems.push(`${where}.${key}: unknown property`);
    if (typeof templateId !== 'string' || !TEMPLATE_ID.test(templateId)) problems.push(`${where}.templateId must be a WeChat template id`);
    else if (seenIds.has(templateId)) problems.push(`${where}.templateId is also used by ${seenIds.get(templateId)}: one template per kind`);
    else seenIds.set(templateId, kind);
    if (page !== undefined && (typeof page !== 'string' || !PAGE.test(page))) problems.push(`${where}.page must be a mini-program page path such as pages/wish/detail?id={wishId}`);
    if (!isRecord(fields) || Object.keys(fields).length === 0) {
      problems.push(`${where}.fields must map template keys (thing1, time2…) to {source, type}`);
      continue;
    }
    if (Object.keys(fields).length > MAX_FIELDS) problems.push(`${where}.fields has more than ${MAX_FIELDS} keys`);
    const parsedFields: Record<string, TemplateField> = {};
    for (const [key, field] of Object.entries(fields)) {
      const at = `${where}.fields.${key}`;
      if (!isRecord(field)) {
        problems.push(`${at} must be {source, type}`);
        continue;
      }
      const { source, type } = field;
      if (!(FIELD_SOURCES as readonly unknown[]).includes(source)) problems.push(`${at}.source must be one of ${FIELD_SOURCES.join(', ')}`);
      if (!(FIELD_TYPES as readonly unknown[]).includes(type)) problems.push(`${at}.type must be one of ${FIELD_TYPES.join(', ')}`);
      // WeChat names each key after its type; a mismatch would be refused with 47003 at every send.
      else if (!new RegExp(`^${type as string}\\d{1,2}$`).test(key)) problems.push(`${at}: a key of type ${type as string} is named ${type as string}<n>`);
      parsedFields[key] = { source: source as FieldSource, type: type as FieldType };
    }
    templates[kind as NotificationKind] = { templateId: templateId as string, ...(typeof page === 'string' ? { page } : {}), fields: parsedFields };
  }
  return { templates, problems };
}
