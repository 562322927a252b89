import { randomBytes } from 'node:crypto';
import { loadAppConfig } from './app-config';
import { ConfigError, EXAMPLE_JWT_SECRET } from './environment';

/** Runs `load` and returns the ConfigError it throws (fails the test when it does not throw). */
function configErrorOf(raw: Record<string, unknown>): ConfigError {
  try {
    loadAppConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const PRODUCTION_OK = {
  NODE_ENV: 'production',
  JWT_SECRET: 'k'.repeat(12) + randomBytes(24).toString('hex'),
  DB_TYPE: 'mysql',
  DB_HOST: 'db.internal',
  DB_NAME: 'wish',
  FIELD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

describe('loadAppConfig', () => {
  it('starts with no environment at all on safe development defaults', () => {
    const config = loadAppConfig({});
    expect(config.env).toBe('development');
    expect(config.http).toEqual({ port: 3000, host: '0.0.0.0', publicBaseUrl: undefined, trustProxy: false, bodyLimitBytes: 1024 * 1024 });
    expect(config.db).toEqual({ type: 'sqlite', path: 'data/wish.sqlite', migrationsRun: false });
    expect(config.logLevel).toBe('info');
    expect(config.demoData).toBe(true);
    expect(config.auth).toMatchObject({ jwtSecret: EXAMPLE_JWT_SECRET, accessTtlSeconds: 900, refreshTtlDays: 30, devLoginEnabled: true, passwordMaxFailures: 5, passwordLockMinutes: 15 });
    expect(config.fieldEncryptionKey).toHaveLength(32);
    expect(config.wechat).toMatchObject({ baseUrl: 'https://api.weixin.qq.com', appId: undefined, secret: undefined, timeoutMs: 5000, retries: 2, retryBaseMs: 200 });
    expect(config.wishes).toEqual({ costCapYuan: 500, claimLimit: 3, residentOpenLimit: 5, residentDailySubmissions: 3 });
  });

  it('parses numbers, booleans and trims trailing slashes from URLs', () => {
    const config = loadAppConfig({
      PORT: '8080',
      TRUST_PROXY: 'yes',
      BODY_LIMIT_BYTES: '2048',
      DEV_LOGIN_ENABLED: 'off',
      DEMO_DATA: '0',
      PUBLIC_BASE_URL: 'https://wish.example.cn/',
      WECHAT_API_BASE_URL: 'http://127.0.0.1:9999//',
      DB_TYPE: 'mysql',
      DB_PORT: '3307',
      DB_MIGRATIONS_RUN: 'true',
    });
    expect(config.http).toMatchObject({ port: 8080, trustProxy: true, bodyLimitBytes: 2048, publicBaseUrl: 'https://wish.example.cn' });
    expect(config.auth.devLoginEnabled).toBe(false);
    expect(config.demoData).toBe(false);
    expect(config.wechat.baseUrl).toBe('http://127.0.0.1:9999');
    expect(config.db).toMatchObject({ type: 'mysql', port: 3307, host: '127.0.0.1', user: 'root', database: 'wish', poolSize: 10, migrationsRun: true });
  });

  it('treats blank optional values as unset', () => {
    const config = loadAppConfig({ PUBLIC_BASE_URL: '', FIELD_ENCRYPTION_KEY: '', WECHAT_APPID: '', DEV_LOGIN_ENABLED: '' });
    expect(config.http.publicBaseUrl).toBeUndefined();
    expect(config.wechat.appId).toBeUndefined();
    expect(config.auth.devLoginEnabled).toBe(true);
  });

  it('lists every bad value together in one ConfigError', () => {
    const error = configErrorOf({ PORT: 'eighty', DB_TYPE: 'oracle', LOG_LEVEL: 'loud', TRUST_PROXY: 'maybe', BODY_LIMIT_BYTES: '10', JWT_SECRET: 'short' });
    expect(error.problems).toHaveLength(6);
    for (const name of ['PORT', 'DB_TYPE', 'LOG_LEVEL', 'TRUST_PROXY', 'BODY_LIMIT_BYTES', 'JWT_SECRET']) {
      expect(error.problems.some((problem) => problem.startsWith(`${name}=`))).toBe(true);
      expect(error.message).toContain(name);
    }
    expect(error.message).toMatch(/^配置无效/);
  });

  it('refuses a field encryption key that is not 32 bytes', () => {
    const error = configErrorOf({ FIELD_ENCRYPTION_KEY: randomBytes(16).toString('base64') });
    expect(error.problems).toEqual([expect.stringContaining('FIELD_ENCRYPTION_KEY must decode to exactly 32 bytes')]);
  });

  it('derives a stable development field key from the JWT secret, and uses the given key as is', () => {
    expect(loadAppConfig({ JWT_SECRET: 'a'.repeat(32) }).fieldEncryptionKey.equals(loadAppConfig({ JWT_SECRET: 'a'.repeat(32) }).fieldEncryptionKey)).toBe(true);
    expect(loadAppConfig({ JWT_SECRET: 'a'.repeat(32) }).fieldEncryptionKey.equals(loadAppConfig({ JWT_SECRET: 'b'.repeat(32) }).fieldEncryptionKey)).toBe(false);
    const key = randomBytes(32);
    expect(loadAppConfig({ FIELD_ENCRYPTION_KEY: key.toString('base64') }).fieldEncryptionKey.equals(key)).toBe(true);
  });

  describe('in production', () => {
    it('starts with proper values, dev login and demo data off', () => {
      const config = loadAppConfig(PRODUCTION_OK);
      expect(config.env).toBe('production');
      expect(config.auth.devLoginEnabled).toBe(false);
      expect(config.demoData).toBe(false);
      expect(config.db.type).toBe('mysql');
      expect(config.fieldEncryptionKey.equals(Buffer.from(PRODUCTION_OK.FIELD_ENCRYPTION_KEY, 'base64'))).toBe(true);
    });

    it('allows SQLite only when asked for deliberately', () => {
      expect(loadAppConfig({ ...PRODUCTION_OK, DB_TYPE: 'sqlite', ALLOW_SQLITE_IN_PRODUCTION: 'true' }).db.type).toBe('sqlite');
    });

    it.each([
      ['DEV_LOGIN_ENABLED=true', { DEV_LOGIN_ENABLED: 'true' }, /DEV_LOGIN_ENABLED must be false/],
      ['the example JWT secret', { JWT_SECRET: EXAMPLE_JWT_SECRET }, /JWT_SECRET is the example value/],
      ['a short JWT secret', { JWT_SECRET: 'sixteen-chars-ok' }, /JWT_SECRET must be at least 32 characters/],
      ['SQLite without ALLOW_SQLITE_IN_PRODUCTION', { DB_TYPE: 'sqlite' }, /DB_TYPE=sqlite in production/],
      ['no FIELD_ENCRYPTION_KEY', { FIELD_ENCRYPTION_KEY: undefined }, /FIELD_ENCRYPTION_KEY is required in production/],
    ])('refuses %s', (_label, override, expected) => {
      const error = configErrorOf({ ...PRODUCTION_OK, ...override });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(expected);
    });

    it('reports every unsafe setting at once', () => {
      const error = configErrorOf({ NODE_ENV: 'production', DEV_LOGIN_ENABLED: 'true' });
      expect(error.problems).toEqual([
        expect.stringMatching(/DEV_LOGIN_ENABLED/),
        expect.stringMatching(/JWT_SECRET is the example value/),
        expect.stringMatching(/DB_TYPE=sqlite/),
        expect.stringMatching(/FIELD_ENCRYPTION_KEY is required/),
      ]);
    });
  });
});
