import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CodeColumn, TimestampColumn } from '../database/columns';
import type { Actor, WishAction, WishStatus } from './wish-state';
import { Wish } from './wish.entity';

/**
 * Append-only log of every transition: the audit trail and the source of the dashboard's cycle
 * times. Rows are inserted in the transition's transaction and never updated or deleted.
 */
@Entity('wish_event')
@Index('idx_wish_event_wish', ['wishId', 'at', 'id'])
@Index('idx_wish_event_community_at', ['communityId', 'at'])
export class WishEvent {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'int' })
  wishId!: number;

  @ManyToOne(() => Wish, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'wish_id' })
  wish?: Wish;

  /** Copied from the wish so events can be aggregated per community without a join. */
  @Column({ type: 'int' })
  communityId!: number;

  @CodeColumn(20)
  action!: WishAction;

  @CodeColumn(20, { nullable: true })
  fromStatus!: WishStatus | null;

  @CodeColumn(20)
  toStatus!: WishStatus;

  /** Null for the scheduler (`system`). */
  @Column({ type: 'int', nullable: true })
  actorId!: number | null;

  @CodeColumn(16)
  actorKind!: Actor;

  /** The role the actor acted in (resident, member, community_admin, region_admin, system). */
  @CodeColumn(24)
  actorRole!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  reason!: string | null;

  /** Small structured details: rating, assignee, previous claimer… */
  @Column({ type: 'simple-json', nullable: true })
  detail!: Record<string, unknown> | null;

  @TimestampColumn()
  at!: Date;
}
