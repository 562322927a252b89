import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/bootstrap';
import { loadAppConfig } from '../../src/config/app-config';
import { FakeClock } from '../../src/common/time/clock';
import { createScratchDatabase, mysqlSettings } from './mysql';

export type DbKind = 'sqlite' | 'mysql';

/** The databases every e2e suite runs on: SQLite always, MySQL when reachable (always in CI). */
export function testDatabases(): DbKind[] {
  return process.env.TEST_MYSQL_AVAILABLE === '1' ? ['sqlite', 'mysql'] : ['sqlite'];
}

export interface TestApp {
  kind: DbKind;
  app: NestFastifyApplication;
  http: TestAgent;
  dataSource: DataSource;
  clock: FakeClock;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment for this app (e.g. WECHAT_API_BASE_URL of a fake server). */
  env?: Record<string, string>;
  clock?: FakeClock;
  /** Captures the JSON log lines (and sets LOG_LEVEL to debug unless env says otherwise). */
  logLines?: string[];
  /**
   * An explicit MySQL/MariaDB server and existing database (e.g. a test's private server) instead of
   * a scratch database on the shared one. The caller owns that database; close() does not drop it.
   */
  mysql?: { host: string; port: number; user: string; password: string; database: string };
}

/**
 * Boots the real application (same bootstrap as production) on a database of its own:
 * an in-memory SQLite, or a scratch MySQL database built by the migrations.
 */
export async function startTestApp(kind: DbKind, label: string, options: TestAppOptions = {}): Promise<TestApp> {
  const clock = options.clock ?? new FakeClock();
  const scratch = kind === 'mysql' && !options.mysql ? await createScratchDatabase(basename(label)) : undefined;
  const settings = options.mysql ?? mysqlSettings();
  // Photos go to a folder of this app's own, removed on close (unless the test names one).
  const uploadDir = options.env?.UPLOAD_DIR ? undefined : await mkdtemp(join(tmpdir(), 'wish-uploads-'));
  const config = loadAppConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: options.logLines ? 'debug' : (process.env.TEST_LOG_LEVEL ?? 'silent'),
    JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
    WECHAT_RETRY_BASE_MS: '0',
    // Suites create many users and logins in a burst; test/rate-limit.e2e-spec.ts turns the limits on.
    RATE_LIMIT_ENABLED: 'false',
    ...(uploadDir ? { UPLOAD_DIR: uploadDir } : {}),
    ...(kind === 'sqlite'
      ? { DB_TYPE: 'sqlite', SQLITE_PATH: ':memory:' }
      : {
          DB_TYPE: process.env.TEST_MYSQL_FLAVOR ?? 'mysql',
          DB_HOST: settings.host,
          DB_PORT: String(settings.port),
          DB_USER: settings.user,
          DB_PASSWORD: settings.password,
          DB_NAME: options.mysql?.database ?? scratch!.name,
          DB_POOL_SIZE: '20',
          DB_MIGRATIONS_RUN: 'true',
        }),
    ...options.env,
  });
  try {
    const logStream = options.logLines ? new Writable({ write: (chunk, _enc, done) => (options.logLines!.push(String(chunk)), done()) }) : undefined;
    const app = await createApp(config, { clock, logStream });
    return {
      kind,
      app,
      http: request(app.getHttpServer()),
      dataSource: app.get(DataSource),
      clock,
      close: async () => {
        await app.close();
        await scratch?.drop();
        if (uploadDir) await rm(uploadDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await scratch?.drop();
    if (uploadDir) await rm(uploadDir, { recursive: true, force: true });
    throw error;
  }
}
