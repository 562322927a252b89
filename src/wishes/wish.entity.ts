import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { CodeColumn, TimestampColumn } from '../database/columns';
import { Region } from '../regions/region.entity';
import { User } from '../users/user.entity';
import type { WishStatus } from './wish-state';

export const WISH_CATEGORIES = ['生活物资', '设施维修', '助老助残', '就业帮扶', '学业辅导', '环境整治', '医疗健康', '其他'] as const;
export type WishCategory = (typeof WISH_CATEGORIES)[number];
export const WISH_KINDS = ['personal', 'public'] as const;
export type WishKind = (typeof WISH_KINDS)[number];
export const WISH_CHANNELS = ['mini_program', 'offline', 'hotline'] as const;
export type WishChannel = (typeof WISH_CHANNELS)[number];

/**
 * 微心愿. `status` changes only through the transition table (wish-state.ts), each change
 * together with a wish_event row. Resident contact details are copied at submission (phone
 * encrypted) and shown only to the claimer and offices in scope.
 */
@Entity('wish')
@Index('idx_wish_wall', ['communityId', 'status', 'createdAt', 'id'])
@Index('idx_wish_resident', ['residentId', 'createdAt', 'id'])
@Index('idx_wish_claimer', ['claimerId', 'status', 'createdAt'])
@Index('idx_wish_scope', ['regionPath', 'status', 'createdAt'])
@Index('uq_wish_idempotency', ['createdBy', 'idempotencyKey'], { unique: true })
// The timeout sweep's queries: claims running out, fulfilments nobody confirmed.
@Index('idx_wish_status_claimed', ['status', 'claimedAt'])
@Index('idx_wish_status_fulfilled', ['status', 'fulfilledAt'])
export class Wish {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 40 })
  title!: string;

  @Column({ type: 'varchar', length: 500 })
  description!: string;

  @CodeColumn(16)
  category!: WishCategory;

  @CodeColumn(16)
  kind!: WishKind;

  /** Whole yuan; capped by WISH_COST_CAP_YUAN ("micro" means small). */
  @Column({ type: 'int', nullable: true })
  estimatedCost!: number | null;

  /** YYYY-MM-DD, the resident's hoped-for date. */
  @Column({ type: 'varchar', length: 10, nullable: true })
  expectedBy!: string | null;

  @Column({ type: 'simple-json' })
  photoIds!: string[];

  @Column({ type: 'int' })
  communityId!: number;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'community_id' })
  community?: Region;

  /** The community's materialised path, copied so "all wishes under this street" is one prefix scan. */
  @Column({ type: 'varchar', length: 255 })
  regionPath!: string;

  /** The resident's account, when they have one (null for wishes entered offline for someone without the app). */
  @Column({ type: 'int', nullable: true })
  residentId!: number | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'resident_id' })
  resident?: User | null;

  @Column({ type: 'varchar', length: 32 })
  residentName!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  residentPhoneCipher!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  residentAddress!: string | null;

  /** Who entered the wish: the resident, or the office worker for offline/hotline entries. */
  @Column({ type: 'int' })
  createdBy!: number;

  @CodeColumn(16)
  channel!: WishChannel;

  @CodeColumn(20)
  status!: WishStatus;

  @Column({ type: 'int', nullable: true })
  claimerId!: number | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'claimer_id' })
  claimer?: User | null;

  /** The claimer's unit through their registration in this community (for unit statistics). */
  @Column({ type: 'int', nullable: true })
  claimerUnitId!: number | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  fulfilmentNote!: string | null;

  @Column({ type: 'simple-json' })
  fulfilmentPhotoIds!: string[];

  @Column({ type: 'tinyint', nullable: true })
  rating!: number | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  ratingComment!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  idempotencyKey!: string | null;

  /** Bumped by every transition. */
  @Column({ type: 'int', default: 1 })
  version!: number;

  @TimestampColumn()
  createdAt!: Date;

  @TimestampColumn({ nullable: true })
  reviewedAt!: Date | null;

  @TimestampColumn({ nullable: true })
  claimedAt!: Date | null;

  @TimestampColumn({ nullable: true })
  fulfilledAt!: Date | null;

  @TimestampColumn({ nullable: true })
  completedAt!: Date | null;

  /** When the wish was withdrawn, cancelled or rejected. */
  @TimestampColumn({ nullable: true })
  closedAt!: Date | null;

  @TimestampColumn()
  updatedAt!: Date;
}

/** A wish as it is inserted: every column but the generated id. */
export type NewWish = Omit<Wish, 'id' | 'community' | 'resident' | 'claimer'>;

type FreshState = Pick<
  Wish,
  | 'status' | 'claimerId' | 'claimerUnitId' | 'fulfilmentNote' | 'fulfilmentPhotoIds' | 'rating' | 'ratingComment' | 'version'
  | 'createdAt' | 'updatedAt' | 'reviewedAt' | 'claimedAt' | 'fulfilledAt' | 'completedAt' | 'closedAt'
>;

/** The columns of a wish that has just been submitted: nothing reviewed, claimed or rated yet. */
export function freshWishState(submittedAt: Date): FreshState {
  return {
    status: 'pending_review',
    claimerId: null,
    claimerUnitId: null,
    fulfilmentNote: null,
    fulfilmentPhotoIds: [],
    rating: null,
    ratingComment: null,
    version: 1,
    createdAt: submittedAt,
    updatedAt: submittedAt,
    reviewedAt: null,
    claimedAt: null,
    fulfilledAt: null,
    completedAt: null,
    closedAt: null,
  };
}

/**
 * A member's number of wishes in `claimed` state, kept by the transitions. Claiming increments
 * it with a conditional update (`… WHERE active_claims < limit`), so parallel claims by one member
 * cannot exceed the limit.
 */
@Entity('member_claim_load')
export class MemberClaimLoad {
  @PrimaryColumn({ type: 'int' })
  userId!: number;

  @Column({ type: 'int', default: 0 })
  activeClaims!: number;
}
