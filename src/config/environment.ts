import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBase64,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

/**
 * Every environment variable the service reads, validated once at start-up.
 * `.env.example` documents each of them; keep the two in step.
 */
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  return value; // left as-is so IsBoolean reports it
};
const toInt = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  return /^-?\d+$/.test(String(value).trim()) ? Number(value) : value;
};
const blankToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

export const EXAMPLE_JWT_SECRET = 'change-me-to-a-long-random-string';

export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsOptional() @IsString()
  HOST = '0.0.0.0';

  @IsOptional() @Transform(blankToUndefined) @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  PUBLIC_BASE_URL?: string;

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsOptional() @Transform(toBool) @IsBoolean()
  TRUST_PROXY = false;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(50 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  @IsOptional() @IsIn(['sqlite', 'mysql', 'mariadb'])
  DB_TYPE: 'sqlite' | 'mysql' | 'mariadb' = 'sqlite';

  @IsOptional() @IsString()
  SQLITE_PATH = 'data/wish.sqlite';

  @IsOptional() @Transform(toBool) @IsBoolean()
  ALLOW_SQLITE_IN_PRODUCTION = false;

  @IsOptional() @Transform(blankToUndefined) @IsUrl({ require_tld: false, protocols: ['mysql'] })
  DB_URL?: string;

  @IsOptional() @IsString()
  DB_HOST = '127.0.0.1';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  DB_PORT = 3306;

  @IsOptional() @IsString()
  DB_USER = 'root';

  @IsOptional() @IsString()
  DB_PASSWORD = '';

  @IsOptional() @IsString() @MinLength(1) @MaxLength(64)
  DB_NAME = 'wish';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200)
  DB_POOL_SIZE = 10;

  @IsOptional() @Transform(toBool) @IsBoolean()
  DB_MIGRATIONS_RUN = false;

  /** MySQL: a query unanswered after this long fails (503) and its connection is dropped, so a frozen server cannot hang requests. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  DB_QUERY_TIMEOUT_MS = 30_000;

  /** MySQL: opening a new pooled connection (TCP + handshake) gives up after this long. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(120_000)
  DB_CONNECT_TIMEOUT_MS = 10_000;

  @IsOptional() @Transform(toBool) @IsBoolean()
  DEMO_DATA?: boolean;

  @IsOptional() @IsString() @MinLength(16)
  JWT_SECRET = EXAMPLE_JWT_SECRET;

  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(24 * 3600)
  JWT_ACCESS_TTL_SECONDS = 900;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(365)
  REFRESH_TTL_DAYS = 30;

  @IsOptional() @Transform(toBool) @IsBoolean()
  DEV_LOGIN_ENABLED?: boolean;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100)
  PASSWORD_MAX_FAILURES = 5;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(24 * 60)
  PASSWORD_LOCK_MINUTES = 15;

  @IsOptional() @Transform(blankToUndefined) @IsBase64()
  FIELD_ENCRYPTION_KEY?: string;

  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  WECHAT_API_BASE_URL = 'https://api.weixin.qq.com';

  @IsOptional() @Transform(blankToUndefined) @IsString()
  WECHAT_APPID?: string;

  @IsOptional() @Transform(blankToUndefined) @IsString()
  WECHAT_SECRET?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(60_000)
  WECHAT_TIMEOUT_MS = 5000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(5)
  WECHAT_RETRIES = 2;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(10_000)
  WECHAT_RETRY_BASE_MS = 200;

  /** Secret shared with WeChat's message push (小程序后台 → 消息推送 → Token, 3–32 characters). */
  @IsOptional() @Transform(blankToUndefined) @IsString() @Matches(/^[A-Za-z0-9]{3,32}$/)
  WECHAT_PUSH_TOKEN?: string;

  /** Folder of the local photo store (LocalDiskStorage). */
  @IsOptional() @IsString() @MinLength(1)
  UPLOAD_DIR = 'data/uploads';

  @IsOptional() @Transform(toInt) @IsInt() @Min(64 * 1024) @Max(50 * 1024 * 1024)
  UPLOAD_MAX_BYTES = 10 * 1024 * 1024;

  @IsOptional() @Transform(toInt) @IsInt() @Min(320) @Max(8192)
  UPLOAD_MAX_SIDE_PX = 2048;

  /** How often orphaned uploads are removed (and unsent photo checks re-sent); 0 turns the sweep off. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(7 * 24 * 3600_000)
  UPLOAD_ORPHAN_SWEEP_MS?: number;

  /** off: photos are shown once they pass the local checks; wechat: hidden from others until mediaCheckAsync passes them. */
  @IsOptional() @IsIn(['off', 'wechat'])
  MEDIA_CHECK: 'off' | 'wechat' = 'off';

  /** An extra sensitive-word list maintained by the office (one word per line, # comments). */
  @IsOptional() @Transform(blankToUndefined) @IsString()
  CONTENT_EXTRA_WORDS_FILE?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(100_000)
  WISH_COST_CAP_YUAN = 500;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100)
  CLAIM_LIMIT = 3;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  RESIDENT_OPEN_WISH_LIMIT = 5;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  RESIDENT_DAILY_SUBMISSIONS = 3;

  /** How often each instance's outbox worker looks for due messages. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(50) @Max(600_000)
  OUTBOX_POLL_MS = 1000;

  /** Tries of one outbox message before it is parked as `dead`. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(50)
  OUTBOX_MAX_ATTEMPTS = 8;

  /** First retry delay of an outbox message; doubled per try (with jitter), capped at one hour. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(3600_000)
  OUTBOX_BACKOFF_BASE_MS = 2000;

  /** Subscribe-message templates per notification kind, as JSON (see src/notifications/wechat-templates.ts). */
  @IsOptional() @Transform(blankToUndefined) @IsString()
  WECHAT_TEMPLATES?: string;

  /** Which mini-program version a subscribe message opens. */
  @IsOptional() @IsIn(['formal', 'trial', 'developer'])
  WECHAT_MINIPROGRAM_STATE: 'formal' | 'trial' | 'developer' = 'formal';

  /** How often an instance waiting for another instance's access-token refresh re-reads the shared row. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(5000)
  WECHAT_TOKEN_POLL_MS = 100;

  /** A claim not fulfilled within this many days is released back to open. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(365)
  CLAIM_TIMEOUT_DAYS = 14;

  /** The member is reminded this many hours before the claim times out. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(24 * 365)
  CLAIM_REMIND_BEFORE_HOURS = 48;

  /** A fulfilled wish the resident has not confirmed within this many days is completed automatically. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(365)
  CONFIRM_WINDOW_DAYS = 7;

  /** How often the timeout sweep (reminders, releases, auto-completion, digest) runs. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) @Max(24 * 3600_000)
  TIMEOUT_SWEEP_MS = 60_000;

  /** Hour of the day (Asia/Shanghai) from which the daily overdue digest goes to community offices. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(23)
  DIGEST_HOUR = 8;

  /** Runs the outbox worker and the timeout sweep in this instance (default: on, except under NODE_ENV=test). */
  @IsOptional() @Transform(toBool) @IsBoolean()
  SCHEDULERS_ENABLED?: boolean;
  /** How often each instance's rollup worker applies queued wish events to the dashboard figures. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  ROLLUP_INTERVAL_MS = 2000;

  /** Wish events applied per rollup transaction. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  ROLLUP_BATCH_SIZE = 500;

  /** Dashboard overdue list: open and unclaimed for more than this many days. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(365)
  OVERDUE_OPEN_DAYS = 7;

  /** Dashboard overdue list: claimed and not fulfilled for more than this many days (before CLAIM_TIMEOUT_DAYS releases it). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(365)
  OVERDUE_CLAIMED_DAYS = 7;

  /** Dashboard overdue list: fulfilled and not confirmed for more than this many days. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(365)
  OVERDUE_FULFILLED_DAYS = 7;

  /** Turns the request rate limits on (default) or off (the test suites that create many users quickly). */
  @IsOptional() @Transform(toBool) @IsBoolean()
  RATE_LIMIT_ENABLED = true;

  /** Requests per minute per signed-in user (or per client IP when not signed in), over all routes. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  RATE_LIMIT_DEFAULT_PER_MINUTE = 120;

  /** Login and token refresh attempts per minute per client IP (WeChat, password, dev login, refresh). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  RATE_LIMIT_AUTH_PER_MINUTE = 10;

  /** Wish submissions (POST /wishes) per minute per user. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  RATE_LIMIT_SUBMIT_PER_MINUTE = 10;

  /** Redis shared by all instances (rate-limit counters), e.g. redis://127.0.0.1:6379/0; unset: counters in process memory. */
  @IsOptional() @Transform(blankToUndefined) @IsUrl({ require_tld: false, protocols: ['redis', 'rediss'] })
  REDIS_URL?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`配置无效 / invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses and checks the raw environment; throws ConfigError naming every bad variable. */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  // Class fields are own properties even without a default (ES2022 class fields), so this lists every variable.
  const known = Object.keys(new EnvironmentVariables());
  const picked: Record<string, unknown> = {};
  for (const key of known) {
    if (raw[key] !== undefined) picked[key] = raw[key];
  }
  const env = plainToInstance(EnvironmentVariables, picked);
  const problems = validateSync(env, { skipMissingProperties: false }).map(
    (error) => `${error.property}=${JSON.stringify(error.value)}: ${Object.values(error.constraints ?? {}).join('; ')}`,
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return env;
}
