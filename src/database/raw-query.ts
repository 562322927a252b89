import type { EntityManager, ObjectLiteral } from 'typeorm';
import type { MysqlDriver } from 'typeorm/driver/mysql/MysqlDriver';

/** The part of mysql2's callback API used here (TypeORM's MysqlDriver holds a mysql2 pool). */
interface PooledConnection {
  query(options: { sql: string; values: unknown[]; timeout?: number }, done: (error: (Error & { code?: string }) | null, rows: unknown) => void): void;
  release(): void;
  destroy(): void;
}
interface MysqlPool {
  getConnection(done: (error: Error | null, connection: PooledConnection) => void): void;
}

/**
 * Runs hand-written SQL with named parameters (`:id`, `:...ids`), escaped by the driver exactly as
 * the query builder's are (lists spread, dates in SQLite's storage format). For the hot paths whose
 * queries are written out in the repositories, each with a comment saying why.
 *
 * On MySQL/MariaDB outside a transaction the query goes to TypeORM's own mysql2 pool directly: the
 * query runner TypeORM builds around every `manager.query` (a runner object, connect/release,
 * subscriber broadcasts, a copy of the rows) was ~30 µs per query, a tenth of a wish-detail request
 * (issue #7). What the runner gave these queries is kept: the DB_QUERY_TIMEOUT_MS timeout, and a
 * connection whose query timed out is destroyed, not returned to the pool (StuckConnectionSubscriber
 * explains why). Inside a transaction the transaction's own connection is used, through TypeORM.
 */
export function rawQuery<Row = Record<string, unknown>>(manager: EntityManager, sql: string, params: ObjectLiteral = {}): Promise<Row[]> {
  const driver = manager.connection.driver;
  const [query, parameters] = driver.escapeQueryWithParameters(sql, params);
  if (manager.queryRunner || (driver.options.type !== 'mysql' && driver.options.type !== 'mariadb')) return manager.query(query, parameters);
  const mysql = driver as MysqlDriver;
  return pooledQuery<Row>(mysql.pool as MysqlPool, query, parameters, mysql.options.enableQueryTimeout ? mysql.options.maxQueryExecutionTime : undefined);
}

function pooledQuery<Row>(pool: MysqlPool, sql: string, values: unknown[], timeout: number | undefined): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    pool.getConnection((failed, connection) => {
      if (failed) return reject(failed);
      connection.query({ sql, values, timeout }, (error, rows) => {
        if (error?.code === 'PROTOCOL_SEQUENCE_TIMEOUT') connection.destroy();
        else connection.release();
        if (error) reject(error);
        else resolve(rows as Row[]);
      });
    });
  });
}

/** What a raw write did: rows it changed and, for an INSERT, the id the database generated. */
export interface RawWriteResult {
  affected: number;
  insertId: number;
}

/**
 * A hand-written INSERT/UPDATE/DELETE inside a transaction (`TransactionRunner.run`'s manager), for
 * the writes every claim and submission makes, where TypeORM's query builders cost more than the
 * statements (issue #7). Same named parameters and escaping as rawQuery; the result is the same
 * shape on both databases (mysql2's affectedRows/insertId, better-sqlite3's changes/lastInsertRowid).
 */
export async function rawExecute(manager: EntityManager, sql: string, params: ObjectLiteral = {}): Promise<RawWriteResult> {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('rawExecute writes inside a transaction: pass the manager of TransactionRunner.run');
  const [query, parameters] = manager.connection.driver.escapeQueryWithParameters(sql, params);
  const result = await runner.query(query, parameters, true);
  const raw: unknown = result.raw;
  const insertId = typeof raw === 'object' && raw !== null ? Number((raw as { insertId?: unknown }).insertId ?? 0) : Number(raw ?? 0);
  return { affected: result.affected ?? 0, insertId };
}

/** A datetime column as raw SQL returns it: a Date from MySQL, 'YYYY-MM-DD HH:MM:SS.SSS' UTC text from SQLite. */
export function rawDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(`${String(value).replace(' ', 'T')}Z`);
}
