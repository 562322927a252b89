import { Column, ColumnOptions } from 'typeorm';

/**
 * Column shapes used across entities, identical on SQLite and MySQL.
 * Times are UTC with milliseconds (`datetime(3)`), always set by the service from its Clock,
 * never by a database default (MySQL's CURRENT_TIMESTAMP would drop the milliseconds and
 * depend on the server's time zone).
 */
export function TimestampColumn(options: Pick<ColumnOptions, 'nullable'> = {}): PropertyDecorator {
  return Column({ type: 'datetime', precision: 3, nullable: options.nullable ?? false });
}

/** A varchar typed by a TS union (statuses, roles, channels): no DB enums, a new value is a code change. */
export function CodeColumn(length = 24, options: Pick<ColumnOptions, 'nullable' | 'default'> = {}): PropertyDecorator {
  return Column({ type: 'varchar', length, ...options });
}
