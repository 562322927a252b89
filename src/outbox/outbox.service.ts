import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/time/clock';
import { OutboxMessage, OutboxPayload } from './outbox-message.entity';

export interface EnqueueOptions {
  /** A message with the same key already enqueued (ever) makes this one a no-op. */
  dedupeKey?: string;
  /** Not delivered before this time (defaults to now). */
  availableAt?: Date;
}

/**
 * Writes side effects to the outbox. Always called with the manager of the transaction that makes
 * the change the message is about, so both commit or roll back together; delivery is OutboxWorker's.
 */
@Injectable()
export class OutboxService {
  constructor(private readonly clock: Clock) {}

  async enqueue(manager: EntityManager, topic: string, payload: OutboxPayload, options: EnqueueOptions = {}): Promise<void> {
    const now = this.clock.now();
    const insert = manager
      .createQueryBuilder()
      .insert()
      .into(OutboxMessage)
      .values({
        topic,
        payload,
        status: 'pending',
        attempts: 0,
        availableAt: options.availableAt ?? now,
        leaseOwner: null,
        leaseUntil: null,
        lastError: null,
        outcome: null,
        dedupeKey: options.dedupeKey ?? null,
        createdAt: now,
        doneAt: null,
      });
    // Only a keyed message may be dropped as a duplicate; an unkeyed insert must fail loudly.
    if (options.dedupeKey) insert.orIgnore();
    await insert.execute();
  }
}
