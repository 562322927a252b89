import type { EntityManager, ObjectLiteral } from 'typeorm';

/**
 * Runs hand-written SQL with named parameters (`:id`, `:...ids`), escaped by the driver exactly as
 * the query builder's are (lists spread, dates in SQLite's storage format). For the hot paths whose
 * queries are written out in the repositories, each with a comment saying why.
 */
export function rawQuery<Row = Record<string, unknown>>(manager: EntityManager, sql: string, params: ObjectLiteral = {}): Promise<Row[]> {
  const [query, parameters] = manager.connection.driver.escapeQueryWithParameters(sql, params);
  return manager.query(query, parameters);
}

/** A datetime column as raw SQL returns it: a Date from MySQL, 'YYYY-MM-DD HH:MM:SS.SSS' UTC text from SQLite. */
export function rawDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(`${String(value).replace(' ', 'T')}Z`);
}
