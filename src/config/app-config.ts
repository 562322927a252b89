import { createHash } from 'node:crypto';
import { ConfigError, EXAMPLE_JWT_SECRET, validateEnvironment } from './environment';

export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | {
      type: 'mysql';
      /** MariaDB reports column metadata differently; TypeORM needs to know which server it talks to. */
      flavor: 'mysql' | 'mariadb';
      url?: string;
      host: string;
      port: number;
      user: string;
      password: string;
      database: string;
      poolSize: number;
    };

/**
 * The typed configuration every module injects. Built once from the environment by
 * `loadAppConfig`; a bad or unsafe value stops the process before anything listens.
 */
export class AppConfig {
  readonly env!: 'development' | 'production' | 'test';
  readonly http!: { port: number; host: string; publicBaseUrl?: string; trustProxy: boolean; bodyLimitBytes: number };
  readonly logLevel!: string;
  readonly db!: DatabaseConfig & { migrationsRun: boolean };
  readonly demoData!: boolean;
  readonly auth!: {
    jwtSecret: string;
    accessTtlSeconds: number;
    refreshTtlDays: number;
    devLoginEnabled: boolean;
    passwordMaxFailures: number;
    passwordLockMinutes: number;
  };
  /** 32-byte key for AES-256-GCM encryption of personal fields (phone numbers). */
  readonly fieldEncryptionKey!: Buffer;
  readonly wechat!: {
    baseUrl: string;
    appId?: string;
    secret?: string;
    timeoutMs: number;
    retries: number;
    retryBaseMs: number;
  };
  readonly wishes!: {
    costCapYuan: number;
    claimLimit: number;
    residentOpenLimit: number;
    residentDailySubmissions: number;
  };
}

export function loadAppConfig(raw: Record<string, unknown>): AppConfig {
  const env = validateEnvironment(raw);
  const production = env.NODE_ENV === 'production';
  const devLoginEnabled = env.DEV_LOGIN_ENABLED ?? !production;

  const problems: string[] = [];
  if (production) {
    if (devLoginEnabled) problems.push('DEV_LOGIN_ENABLED must be false in production (开发登录不得在生产环境开启)');
    if (env.JWT_SECRET === EXAMPLE_JWT_SECRET) problems.push('JWT_SECRET is the example value; set a long random secret');
    if (env.JWT_SECRET.length < 32) problems.push('JWT_SECRET must be at least 32 characters in production');
    if (env.DB_TYPE === 'sqlite' && !env.ALLOW_SQLITE_IN_PRODUCTION) {
      problems.push('DB_TYPE=sqlite in production; use mysql or set ALLOW_SQLITE_IN_PRODUCTION=true deliberately');
    }
    if (!env.FIELD_ENCRYPTION_KEY) problems.push('FIELD_ENCRYPTION_KEY is required in production (32 random bytes, base64)');
  }
  const fieldEncryptionKey = env.FIELD_ENCRYPTION_KEY
    ? Buffer.from(env.FIELD_ENCRYPTION_KEY, 'base64')
    : createHash('sha256').update(`dev-only-field-key:${env.JWT_SECRET}`).digest();
  if (fieldEncryptionKey.length !== 32) problems.push('FIELD_ENCRYPTION_KEY must decode to exactly 32 bytes');
  if (problems.length > 0) throw new ConfigError(problems);

  const db: DatabaseConfig =
    env.DB_TYPE === 'sqlite'
      ? { type: 'sqlite', path: env.SQLITE_PATH }
      : {
          type: 'mysql',
          flavor: env.DB_TYPE,
          url: env.DB_URL,
          host: env.DB_HOST,
          port: env.DB_PORT,
          user: env.DB_USER,
          password: env.DB_PASSWORD,
          database: env.DB_NAME,
          poolSize: env.DB_POOL_SIZE,
        };

  return Object.assign(new AppConfig(), {
    env: env.NODE_ENV,
    http: {
      port: env.PORT,
      host: env.HOST,
      publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
      trustProxy: env.TRUST_PROXY,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
    },
    logLevel: env.LOG_LEVEL,
    db: { ...db, migrationsRun: env.DB_MIGRATIONS_RUN },
    demoData: env.DEMO_DATA ?? (!production && env.DB_TYPE === 'sqlite'),
    auth: {
      jwtSecret: env.JWT_SECRET,
      accessTtlSeconds: env.JWT_ACCESS_TTL_SECONDS,
      refreshTtlDays: env.REFRESH_TTL_DAYS,
      devLoginEnabled,
      passwordMaxFailures: env.PASSWORD_MAX_FAILURES,
      passwordLockMinutes: env.PASSWORD_LOCK_MINUTES,
    },
    fieldEncryptionKey,
    wechat: {
      baseUrl: env.WECHAT_API_BASE_URL.replace(/\/+$/, ''),
      appId: env.WECHAT_APPID,
      secret: env.WECHAT_SECRET,
      timeoutMs: env.WECHAT_TIMEOUT_MS,
      retries: env.WECHAT_RETRIES,
      retryBaseMs: env.WECHAT_RETRY_BASE_MS,
    },
    wishes: {
      costCapYuan: env.WISH_COST_CAP_YUAN,
      claimLimit: env.CLAIM_LIMIT,
      residentOpenLimit: env.RESIDENT_OPEN_WISH_LIMIT,
      residentDailySubmissions: env.RESIDENT_DAILY_SUBMISSIONS,
    },
  } satisfies AppConfig);
}
