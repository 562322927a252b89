import { createHash } from 'node:crypto';
import { parseWechatTemplates, WechatTemplates } from '../notifications/wechat-templates';
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
      /** Per-query timeout; a timed-out connection is dropped (see StuckConnectionSubscriber). */
      queryTimeoutMs: number;
      connectTimeoutMs: number;
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
    /** Token of WeChat's message push (signature of POST /wechat/callback); pushes are refused without it. */
    pushToken?: string;
    /** Subscribe-message template per notification kind; kinds without one go to the inbox only. */
    templates: WechatTemplates;
    miniprogramState: 'formal' | 'trial' | 'developer';
    /** Re-read interval of an instance waiting for another one's access-token refresh. */
    tokenPollMs: number;
  };
  readonly outbox!: {
    pollMs: number;
    maxAttempts: number;
    backoffBaseMs: number;
  };
  readonly timeouts!: {
    claimTimeoutDays: number;
    claimRemindBeforeHours: number;
    confirmWindowDays: number;
    sweepMs: number;
    /** Shanghai hour from which the daily overdue digest is sent. */
    digestHour: number;
  };
  /** Background loops (outbox worker, timeout sweep) run in this instance; tests drive them by hand. */
  readonly schedulersEnabled!: boolean;
  readonly media!: {
    /** Folder of the local photo store. */
    dir: string;
    maxBytes: number;
    maxSidePx: number;
    /** Period of the orphan sweep; 0 = off. */
    orphanSweepMs: number;
    /** `wechat`: photos stay hidden from others until WeChat's mediaCheckAsync passes them. */
    check: 'off' | 'wechat';
    /** HMAC key of the short-lived photo URLs handed to WeChat's checker (derived from JWT_SECRET). */
    urlSigningKey: Buffer;
  };
  readonly content!: {
    /** Office-maintained sensitive words, added to the built-in list. */
    extraWordsFile?: string;
  };
  readonly dashboard!: {
    /** Period of the rollup worker (it runs only where schedulersEnabled). */
    rollupIntervalMs: number;
    rollupBatchSize: number;
    /** Overdue thresholds in days: open and unclaimed, claimed and unfulfilled, fulfilled and unconfirmed. */
    overdueOpenDays: number;
    overdueClaimedDays: number;
    overdueFulfilledDays: number;
  };
  /** Request rate limits (per user, or per IP before login); counters in Redis when `redisUrl` is set. */
  readonly rateLimit!: {
    enabled: boolean;
    defaultPerMinute: number;
    authPerMinute: number;
    submitPerMinute: number;
  };
  /** Shared Redis (rate-limit counters across instances); absent: in-process counters. */
  readonly redisUrl?: string;
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
  if (env.MEDIA_CHECK === 'wechat') {
    // WeChat fetches each photo from our public https address and pushes the verdict back, signed.
    if (!env.WECHAT_APPID || !env.WECHAT_SECRET) problems.push('MEDIA_CHECK=wechat needs WECHAT_APPID and WECHAT_SECRET');
    if (!env.PUBLIC_BASE_URL?.startsWith('https://')) problems.push('MEDIA_CHECK=wechat needs an https PUBLIC_BASE_URL that WeChat can fetch photos from');
    if (!env.WECHAT_PUSH_TOKEN) problems.push('MEDIA_CHECK=wechat needs WECHAT_PUSH_TOKEN to accept the pushed verdicts');
  }
  const templates = parseWechatTemplates(env.WECHAT_TEMPLATES);
  problems.push(...templates.problems);
  if (Object.keys(templates.templates).length > 0 && (!env.WECHAT_APPID || !env.WECHAT_SECRET)) {
    problems.push('WECHAT_TEMPLATES needs WECHAT_APPID and WECHAT_SECRET (subscribe messages are sent with the access token)');
  }
  if (env.CLAIM_REMIND_BEFORE_HOURS >= env.CLAIM_TIMEOUT_DAYS * 24) {
    problems.push('CLAIM_REMIND_BEFORE_HOURS must be shorter than CLAIM_TIMEOUT_DAYS (the reminder comes before the release)');
  }
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
          queryTimeoutMs: env.DB_QUERY_TIMEOUT_MS,
          connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
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
      pushToken: env.WECHAT_PUSH_TOKEN,
      templates: templates.templates,
      miniprogramState: env.WECHAT_MINIPROGRAM_STATE,
      tokenPollMs: env.WECHAT_TOKEN_POLL_MS,
    },
    outbox: { pollMs: env.OUTBOX_POLL_MS, maxAttempts: env.OUTBOX_MAX_ATTEMPTS, backoffBaseMs: env.OUTBOX_BACKOFF_BASE_MS },
    timeouts: {
      claimTimeoutDays: env.CLAIM_TIMEOUT_DAYS,
      claimRemindBeforeHours: env.CLAIM_REMIND_BEFORE_HOURS,
      confirmWindowDays: env.CONFIRM_WINDOW_DAYS,
      sweepMs: env.TIMEOUT_SWEEP_MS,
      digestHour: env.DIGEST_HOUR,
    },
    schedulersEnabled: env.SCHEDULERS_ENABLED ?? env.NODE_ENV !== 'test',
    media: {
      dir: env.UPLOAD_DIR,
      maxBytes: env.UPLOAD_MAX_BYTES,
      maxSidePx: env.UPLOAD_MAX_SIDE_PX,
      // Hourly by default; tests start the sweep only when they ask for it.
      orphanSweepMs: env.UPLOAD_ORPHAN_SWEEP_MS ?? (env.NODE_ENV === 'test' ? 0 : 3600_000),
      check: env.MEDIA_CHECK,
      urlSigningKey: createHash('sha256').update(`photo-url:${env.JWT_SECRET}`).digest(),
    },
    content: { extraWordsFile: env.CONTENT_EXTRA_WORDS_FILE },
    dashboard: {
      rollupIntervalMs: env.ROLLUP_INTERVAL_MS,
      rollupBatchSize: env.ROLLUP_BATCH_SIZE,
      overdueOpenDays: env.OVERDUE_OPEN_DAYS,
      overdueClaimedDays: env.OVERDUE_CLAIMED_DAYS,
      overdueFulfilledDays: env.OVERDUE_FULFILLED_DAYS,
    },
    rateLimit: {
      enabled: env.RATE_LIMIT_ENABLED,
      defaultPerMinute: env.RATE_LIMIT_DEFAULT_PER_MINUTE,
      authPerMinute: env.RATE_LIMIT_AUTH_PER_MINUTE,
      submitPerMinute: env.RATE_LIMIT_SUBMIT_PER_MINUTE,
    },
    redisUrl: env.REDIS_URL,
    wishes: {
      costCapYuan: env.WISH_COST_CAP_YUAN,
      claimLimit: env.CLAIM_LIMIT,
      residentOpenLimit: env.RESIDENT_OPEN_WISH_LIMIT,
      residentDailySubmissions: env.RESIDENT_DAILY_SUBMISSIONS,
    },
  } satisfies AppConfig);
}
