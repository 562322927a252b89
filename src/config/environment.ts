import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBase64,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
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

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(100_000)
  WISH_COST_CAP_YUAN = 500;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100)
  CLAIM_LIMIT = 3;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  RESIDENT_OPEN_WISH_LIMIT = 5;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  RESIDENT_DAILY_SUBMISSIONS = 3;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`配置无效 / invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses and checks the raw environment; throws ConfigError naming every bad variable. */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const known = Object.keys(new EnvironmentVariables());
  const picked: Record<string, unknown> = {};
  for (const key of [...known, 'DB_URL', 'PUBLIC_BASE_URL', 'DEMO_DATA', 'DEV_LOGIN_ENABLED', 'FIELD_ENCRYPTION_KEY', 'WECHAT_APPID', 'WECHAT_SECRET']) {
    if (raw[key] !== undefined) picked[key] = raw[key];
  }
  const env = plainToInstance(EnvironmentVariables, picked);
  const problems = validateSync(env, { skipMissingProperties: false }).map(
    (error) => `${error.property}=${JSON.stringify(error.value)}: ${Object.values(error.constraints ?? {}).join('; ')}`,
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return env;
}
