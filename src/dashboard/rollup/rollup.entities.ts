import { Column, ColumnOptions, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { CodeColumn, TimestampColumn } from '../../database/columns';
import type { Grain } from './rollup-deltas';
import type { BacklogStage } from './wish-effects';

const Count = (options: Pick<ColumnOptions, 'nullable'> = {}) => Column({ type: 'int', default: 0, ...options });
/** Sums of seconds outgrow an INT; a double holds whole seconds exactly up to 2^53. */
const Seconds = () => Column({ type: 'double', default: 0 });

/**
 * Events waiting to be rolled up. A row is written by the wish event bus in the transition's own
 * transaction (so a rolled-back transition leaves none) and deleted by the rollup worker in the
 * transaction that applies it (so every event counts exactly once).
 */
@Entity('dashboard_rollup_queue')
export class RollupQueueEntry {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index('uq_dashboard_rollup_queue_event', { unique: true })
  @Column({ type: 'int' })
  eventId!: number;

  @TimestampColumn()
  enqueuedAt!: Date;
}

/**
 * Who may apply rollups right now. Taken and renewed by conditional updates (portable to TiDB,
 * which has no SKIP LOCKED); every batch renews it inside its own transaction, which also
 * serialises batches of different instances on this one row.
 */
@Entity('dashboard_worker_lease')
export class WorkerLease {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  name!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  owner!: string | null;

  @TimestampColumn({ nullable: true })
  leaseUntil!: Date | null;
}

/**
 * Dashboard figures per (region, unit, grain, bucket, category, channel): counts of funnel steps on
 * that day or month, current status of the wishes submitted then, ratings, and cycle times as sums
 * (for means) and log-spaced histograms (for medians and p90; see histogram.ts for the bound).
 */
@Entity('dashboard_rollup')
// An unfiltered question reads the total rows of a region: one per day or month, found exactly here
// instead of among the detail rows that share their buckets in the primary key.
@Index('idx_dashboard_rollup_totals', ['regionId', 'unitId', 'category', 'channel', 'grain', 'bucket'])
export class DashboardRollup {
  /** An ancestor region of the wish's community (community, street, district or city). */
  @PrimaryColumn({ type: 'int' })
  regionId!: number;

  /** 0 for all units; otherwise the unit whose member held the claim. */
  @PrimaryColumn({ type: 'int' })
  unitId!: number;

  @PrimaryColumn({ type: 'varchar', length: 1 })
  grain!: Grain;

  /** Shanghai day 'YYYY-MM-DD' (grain d) or the month's first day (grain m). */
  @PrimaryColumn({ type: 'varchar', length: 10 })
  bucket!: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  category!: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  channel!: string;

  @Count() submitted!: number;
  @Count() approved!: number;
  @Count() rejected!: number;
  @Count() claimed!: number;
  @Count() released!: number;
  @Count() fulfilled!: number;
  @Count() disputed!: number;
  @Count() completed!: number;
  @Count() withdrawn!: number;
  @Count() cancelled!: number;

  /** Wishes submitted in this bucket that are now in each status. */
  @Count() nowPendingReview!: number;
  @Count() nowOpen!: number;
  @Count() nowClaimed!: number;
  @Count() nowFulfilled!: number;
  @Count() nowCompleted!: number;
  @Count() nowRejected!: number;
  @Count() nowCancelled!: number;

  @Count() ratingCount!: number;
  @Count() ratingSum!: number;
  /** Ratings of 4 or 5 stars. */
  @Count() ratingHigh!: number;

  @Count() reviewSamples!: number;
  @Seconds() reviewSeconds!: number;
  @Count() toClaimSamples!: number;
  @Seconds() toClaimSeconds!: number;
  @Count() toFulfilSamples!: number;
  @Seconds() toFulfilSeconds!: number;
  @Count() toConfirmSamples!: number;
  @Seconds() toConfirmSeconds!: number;
  @Count() endToEndSamples!: number;
  @Seconds() endToEndSeconds!: number;

  /** JSON `{ metric: { bucket: count } }`, sparse. */
  @Column({ type: 'text' })
  histograms!: string;
}

/** Each member's steps per Shanghai day and community: the leaderboard and the yearly quota. */
@Entity('dashboard_member_rollup')
@Index('idx_dashboard_member_rollup_community', ['communityId', 'bucket'])
@Index('idx_dashboard_member_rollup_unit', ['unitId', 'bucket'])
export class MemberRollup {
  @PrimaryColumn({ type: 'int' })
  memberId!: number;

  @PrimaryColumn({ type: 'varchar', length: 10 })
  bucket!: string;

  @PrimaryColumn({ type: 'int' })
  communityId!: number;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  category!: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  channel!: string;

  /** The member's unit in that community (双报到). */
  @Column({ type: 'int', nullable: true })
  unitId!: number | null;

  @Count() claimed!: number;
  @Count() released!: number;
  @Count() fulfilled!: number;
  @Count() completed!: number;
  @Count() ratingCount!: number;
  @Count() ratingSum!: number;
}

/**
 * Wishes waiting for someone (open, claimed, fulfilled) with the time they entered that stage:
 * the overdue lists and counts read it by (stage, scope, since) instead of scanning wishes.
 */
@Entity('dashboard_backlog')
@Index('idx_dashboard_backlog_path', ['stage', 'regionPath', 'since'])
@Index('idx_dashboard_backlog_unit', ['stage', 'unitId', 'since'])
@Index('idx_dashboard_backlog_since', ['stage', 'since'])
export class BacklogEntry {
  @PrimaryColumn({ type: 'int' })
  wishId!: number;

  @CodeColumn(16)
  stage!: BacklogStage;

  @TimestampColumn()
  since!: Date;

  @Column({ type: 'int' })
  communityId!: number;

  @Column({ type: 'varchar', length: 255 })
  regionPath!: string;

  @Column({ type: 'int', nullable: true })
  unitId!: number | null;

  @Column({ type: 'int', nullable: true })
  claimerId!: number | null;

  @CodeColumn(16)
  category!: string;

  @CodeColumn(16)
  channel!: string;
}

export const DASHBOARD_ENTITIES = [RollupQueueEntry, WorkerLease, DashboardRollup, MemberRollup, BacklogEntry];
