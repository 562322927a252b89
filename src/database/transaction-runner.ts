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
 * Rules for every module:
 * - writes go through `run`;
 * - never nest `run` calls (on SQLite a nested call would wait for itself): pass the
 *   `EntityManager` down instead;
 * - inside `run`, query only through the given manager. A repository call on the pool inside a
 *   transaction needs a second connection while holding the first; under load every connection
 *   ends up held by a transaction waiting for another, and the service stops. Read what a
 *   decision needs before `run`, and let a conditional update re-check it inside.
 */
const MAX_ATTEMPTS = 4;

function isDeadlock(error: unknown): boolean {
  const driver = (error as { driverError?: { errno?: number } })?.driverError ?? (error as { errno?: number });
  return driver?.errno === 1213;
}

@Injectable()
export class TransactionRunner {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly serial: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.serial = dataSource.options.type === 'better-sqlite3';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serial) return this.withDeadlockRetry(work);
    const result = this.tail.then(() => this.dataSource.transaction(work));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * InnoDB resolves a deadlock by rolling one transaction back (errno 1213); the documented remedy
   * is to run it again. The work must therefore be safe to repeat — it is, because nothing it did
   * survived the rollback.
   */
  private async withDeadlockRetry<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(work);
      } catch (error) {
        if (!isDeadlock(error) || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }
}
