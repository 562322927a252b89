import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { CodeColumn, TimestampColumn } from '../database/columns';

/**
 * pending → sending → done, or back to pending (retry with backoff), or dead.
 * `sending` marks a delivery that has started: such a row is never picked again (see OutboxWorker).
 */
export type OutboxStatus = 'pending' | 'sending' | 'done' | 'dead';

/** Whatever the topic's handler needs, as JSON. */
export type OutboxPayload = Record<string, string | number | boolean | null | object>;

/**
 * The transactional outbox: a side effect (a WeChat message, a content check…) written in the same
 * transaction as the change that causes it, and delivered later by OutboxWorker. A rolled-back
 * change therefore leaves no row, and a committed one is delivered even if the process dies.
 */
@Entity('outbox')
@Index('idx_outbox_due', ['status', 'availableAt'])
@Index('uq_outbox_dedupe', ['dedupeKey'], { unique: true })
export class OutboxMessage {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Selects the handler (`wechat.subscribe`, …). */
  @Column({ type: 'varchar', length: 64 })
  topic!: string;

  @Column({ type: 'simple-json' })
  payload!: OutboxPayload;

  @CodeColumn(12)
  status!: OutboxStatus;

  /** Deliveries started so far. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** Not picked before this time (backoff). */
  @TimestampColumn()
  availableAt!: Date;

  /** The worker (instance + drain) holding the row, until `leaseUntil`. */
  @Column({ type: 'varchar', length: 80, nullable: true })
  leaseOwner!: string | null;

  @TimestampColumn({ nullable: true })
  leaseUntil!: Date | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  /** How a finished row ended, as the handler reported it (`sent`, `skipped_no_credit`…). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  outcome!: string | null;

  /** Optional: a second row with the same key is not enqueued. */
  @Column({ type: 'varchar', length: 191, nullable: true })
  dedupeKey!: string | null;

  @TimestampColumn()
  createdAt!: Date;

  @TimestampColumn({ nullable: true })
  doneAt!: Date | null;
}
