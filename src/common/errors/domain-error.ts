/**
 * Coded errors. Each feature declares its codes with `defineErrors` (HTTP status + Chinese
 * message for the end user); services throw `Errors.CODE.error()`. The global filter turns
 * them into `{ statusCode, code, message }`. Because the catalog is a typed record, a code
 * cannot exist without its status and message.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export interface ErrorFactory extends ErrorSpec {
  readonly code: string;
  /** Builds the error; `message` replaces the default Chinese message when more precise. */
  error(message?: string, details?: unknown): DomainError;
}

const catalog = new Map<string, ErrorSpec>();

/** All codes declared anywhere, for the OpenAPI description. */
export function errorCatalog(): ReadonlyMap<string, ErrorSpec> {
  return catalog;
}

export function defineErrors<const T extends Record<string, readonly [status: number, message: string]>>(
  specs: T,
): { readonly [K in keyof T]: ErrorFactory } {
  const out: Record<string, ErrorFactory> = {};
  for (const [code, [status, message]] of Object.entries(specs)) {
    const existing = catalog.get(code);
    if (existing && (existing.status !== status || existing.message !== message)) {
      throw new Error(`error code ${code} declared twice with different meanings`);
    }
    catalog.set(code, { status, message });
    out[code] = {
      code,
      status,
      message,
      error: (override?: string, details?: unknown) => {
        const make = () => new DomainError(code, status, override ?? message, details);
        return status >= 500 ? make() : withoutStackTrace(make);
      },
    };
  }
  return out as { readonly [K in keyof T]: ErrorFactory };
}

/**
 * A 4xx is an expected answer (a lost claim race, a bad field), logged by code and never with a
 * stack: capturing one on every 409 of a claim storm was measurable (issue #7). 5xx keep theirs.
 */
function withoutStackTrace<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Codes shared by every feature. */
export const CommonErrors = defineErrors({
  VALIDATION_FAILED: [400, '请求参数有误'],
  MALFORMED_REQUEST: [400, '请求格式有误'],
  UNAUTHENTICATED: [401, '请先登录'],
  TOKEN_INVALID: [401, '登录已失效，请重新登录'],
  FORBIDDEN: [403, '没有权限执行此操作'],
  NOT_FOUND: [404, '资源不存在'],
  ROUTE_NOT_FOUND: [404, '接口不存在'],
  METHOD_NOT_ALLOWED: [405, '不支持该请求方法'],
  CONFLICT: [409, '操作冲突，请刷新后重试'],
  PAYLOAD_TOO_LARGE: [413, '请求内容过大'],
  URI_TOO_LONG: [414, '请求地址过长'],
  UNSUPPORTED_MEDIA_TYPE: [415, '不支持的内容类型'],
  RATE_LIMITED: [429, '操作过于频繁，请稍后再试'],
  INTERNAL_ERROR: [500, '服务器内部错误，请稍后再试'],
  DATABASE_UNAVAILABLE: [503, '服务暂时不可用，请稍后再试'],
});
