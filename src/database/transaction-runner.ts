import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs one use case's writes in one transaction.
 *
 * better-sqlite3 gives TypeORM a single connection, so two overlapping transactions would share
 * it ("cannot start a transaction within a transaction", or worse, one request's write landing in
 * another's transaction and being rolled back with it). On SQLite every transaction therefore
 * waits its turn in a queue; on MySQL each takes its own pooled connection.
 *
 * Rule for every module: writes go through `run`; never nest `run` calls (on SQLite a nested
 * call would wait for itself) — pass the `EntityManager` down instead.
 */
@Injectable()
export class TransactionRunner {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly serial: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.serial = dataSource.options.type === 'better-sqlite3';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serial) return this.dataSource.transaction(work);
    const result = this.tail.then(() => this.dataSource.transaction(work));
    this.tail = result.catch(() => undefined);
    return result;
  }
}
