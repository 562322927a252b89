import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './snake-naming.strategy';
import { StuckConnectionSubscriber } from './stuck-connection.subscriber';

export const MIGRATIONS_GLOB = join(__dirname, 'migrations', '*.{ts,js}');

/**
 * The one DataSource definition, used by Nest (`DatabaseModule`) and by the TypeORM CLI
 * (`npm run migration:*`, through the default export below).
 *
 * - MySQL/MariaDB: schema only through migrations, utf8mb4, UTC (`timezone: 'Z'`).
 * - SQLite (embedded default): schema built from the entities; one connection, so writes are
 *   serialised by `TransactionRunner`.
 */
export function buildDataSourceOptions(db: AppConfig['db']): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    namingStrategy: new SnakeNamingStrategy(),
    logging: ['error', 'warn'] as ('error' | 'warn')[],
  };
  if (db.type === 'sqlite') {
    if (db.path !== ':memory:') mkdirSync(dirname(db.path), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: db.path,
      synchronize: true,
      enableWAL: db.path !== ':memory:',
      prepareDatabase: (sqlite: { pragma(sql: string): unknown }) => {
        sqlite.pragma('foreign_keys = ON');
        sqlite.pragma('busy_timeout = 5000');
      },
    };
  }
  const credentials = db.url
    ? { url: db.url }
    : { host: db.host, port: db.port, username: db.user, password: db.password, database: db.database };
  return {
    ...common,
    type: db.flavor,
    ...credentials,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    poolSize: db.poolSize,
    supportBigNumbers: true,
    bigNumberStrings: false,
    synchronize: false,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'typeorm_migrations',
    migrationsRun: db.migrationsRun,
    // trace: false — mysql2 otherwise captures a stack trace on every query so a failing one can point at
    // its caller (2.5 % of the busy time on the hot reads, issue #7). A query error still carries its
    // SQL, code and message, and TypeORM's QueryFailedError its own stack.
    extra: { connectionLimit: db.poolSize, enableKeepAlive: true, trace: false },
    // Bounded waits on a server that stops answering: the request fails with 503 instead of hanging.
    connectTimeout: db.connectTimeoutMs,
    enableQueryTimeout: true,
    maxQueryExecutionTime: db.queryTimeoutMs,
    subscribers: [StuckConnectionSubscriber],
  };
}
