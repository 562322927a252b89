import type { EntityManager, ObjectLiteral, QueryRunner } from 'typeorm';
import type { MysqlDriver } from 'typeorm/driver/mysql/MysqlDriver';

/**
 * Runs hand-written SQL with named parameters (`:id`, `:...ids`), escaped by the driver exactly as
 * the query builder's are (lists spread, dates in SQLite's storage format). For the hot paths whose
 * queries are written out in the repositories, each with a comment saying why.
 *
 * On MySQL/MariaDB the statement goes to mysql2 directly: to a connection of TypeORM's own pool, or
 * inside a transaction to the transaction's connection. The query runner TypeORM wraps around every
 * `manager.query` (connect/release, subscriber broadcasts and their promises, a copy of the rows)
 * cost ~30 µs per statement — a tenth of a wish-detail request, more on a claim's eight statements
 * (issue #7). What the runner gave these statements is kept: the DB_QUERY_TIMEOUT_MS timeout, and a
 * connection whose statement timed out is destroyed, not used again (StuckConnectionSubscriber says
 * why; a transaction on it then fails and the server rolls it back). Errors are mysql2's own, which
 * the error filter and driver-errors.ts recognise as they do TypeORM's wrapped ones.
 */
export function rawQuery<Row = Record<string, unknown>>(manager: EntityManager, sql: string, params: ObjectLiteral = {}): Promise<Row[]> {
  const [query, parameters] = manager.connection.driver.escapeQueryWithParameters(sql, params);
  return (onMysql(manager, query, parameters) ?? manager.query(query, parameters)) as Promise<Row[]>;
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
export function rawExecute(manager: EntityManager, sql: string, params: ObjectLiteral = {}): Promise<RawWriteResult> {
  const [query, parameters] = manager.connection.driver.escapeQueryWithParameters(sql, params);
  return rawExecuteValues(manager, query, parameters);
}

/**
 * rawExecute with positional `?` values that are already in the driver's form — prepared from the
 * entity's column metadata (`driver.preparePersistentValue`), as the wish INSERT and transition UPDATE
 * are. It skips the named-parameter pass, which on a 25-column INSERT cost more than the statement.
 */
export async function rawExecuteValues(manager: EntityManager, sql: string, values: unknown[]): Promise<RawWriteResult> {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('raw writes run inside a transaction: pass the manager of TransactionRunner.run');
  const sent = onMysql(manager, sql, values) as Promise<{ affectedRows: number; insertId: number }> | undefined;
  if (sent) return sent.then((header) => ({ affected: header.affectedRows, insertId: header.insertId }));
  const result = await runner.query(sql, values, true);
  return { affected: result.affected ?? 0, insertId: Number(result.raw ?? 0) };
}

/** The part of mysql2's callback API used here (TypeORM's MysqlDriver holds a mysql2 pool). */
interface Mysql2Statement {
  sql: string;
  values: unknown[];
  timeout?: number;
}
interface Mysql2Connection {
  query(statement: Mysql2Statement, done: (error: (Error & { code?: string }) | null, result: unknown) => void): void;
  release(): void;
  destroy(): void;
}
interface Mysql2Pool {
  getConnection(done: (error: Error | null, connection: Mysql2Connection) => void): void;
}

/**
 * Sends the statement to mysql2 for this manager (the transaction's connection, else a pooled one);
 * undefined on SQLite. One promise per statement, settled from mysql2's callbacks: every layer of
 * promises here was paid on each of the hot paths' statements (issue #7).
 */
function onMysql(manager: EntityManager, sql: string, values: unknown[]): Promise<unknown> | undefined {
  const type = manager.connection.options.type;
  if (type !== 'mysql' && type !== 'mariadb') return undefined;
  const driver = manager.connection.driver as MysqlDriver;
  const timeout = driver.options.enableQueryTimeout ? driver.options.maxQueryExecutionTime : undefined;
  const runner = manager.queryRunner as (QueryRunner & { databaseConnection?: Mysql2Connection }) | undefined;
  if (runner) {
    // The transaction's connection, taken by TypeORM when the transaction started.
    const connection = runner.databaseConnection;
    if (!connection || runner.isReleased) return runner.query(sql, values);
    return new Promise((resolve, reject) => send(connection, { sql, values, timeout }, false, resolve, reject));
  }
  return new Promise((resolve, reject) => {
    (driver.pool as Mysql2Pool).getConnection((failed, connection) => {
      if (failed) reject(failed);
      else send(connection, { sql, values, timeout }, true, resolve, reject);
    });
  });
}

function send(connection: Mysql2Connection, statement: Mysql2Statement, release: boolean, resolve: (result: unknown) => void, reject: (error: Error) => void): void {
  connection.query(statement, (error, result) => {
    if (error?.code === 'PROTOCOL_SEQUENCE_TIMEOUT') connection.destroy();
    else if (release) connection.release();
    if (error) reject(error);
    else resolve(result);
  });
}

/** A datetime column as raw SQL returns it: a Date from MySQL, 'YYYY-MM-DD HH:MM:SS.SSS' UTC text from SQLite. */
export function rawDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(`${String(value).replace(' ', 'T')}Z`);
}
