import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CodeColumn, TimestampColumn } from '../database/columns';
import { User } from '../users/user.entity';
import { Wish } from '../wishes/wish.entity';

export const PHOTO_MIMES = ['image/jpeg', 'image/png'] as const;
/** What is stored: JPEG or PNG (WebP is accepted and re-encoded, see image-processor.ts). */
export type PhotoMime = (typeof PHOTO_MIMES)[number];

/**
 * Where a photo stands with the content check. `pass` is shown to whoever may see the wish;
 * anything else only to its owner and the offices in scope.
 */
export const CHECK_STATUSES = ['pending', 'pass', 'review', 'risky'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const ATTACHMENT_ROLES = ['wish', 'fulfilment'] as const;
/** A wish's own photos, or the claimer's evidence photos (反馈照片). */
export type AttachmentRole = (typeof ATTACHMENT_ROLES)[number];

/**
 * One uploaded photo. The id is 128 random bits (22 characters base64url), so photos cannot be
 * enumerated. A photo is attached to at most one wish, once, by a conditional update; photos never
 * attached are removed by the orphan sweep after a day.
 */
@Entity('upload')
@Index('idx_upload_orphans', ['wishId', 'createdAt'])
@Index('idx_upload_check', ['status', 'createdAt'])
@Index('uq_upload_trace', ['traceId'], { unique: true })
export class Upload {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id!: string;

  @Column({ type: 'int' })
  ownerId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id' })
  owner?: User;

  @CodeColumn(16)
  mime!: PhotoMime;

  /** Size of the stored (re-encoded) file. */
  @Column({ type: 'int' })
  bytes!: number;

  @Column({ type: 'int' })
  width!: number;

  @Column({ type: 'int' })
  height!: number;

  /** Where the bytes live in the PhotoStorage. */
  @Column({ type: 'varchar', length: 128 })
  storageKey!: string;

  @CodeColumn(12)
  status!: CheckStatus;

  /** WeChat's mediaCheckAsync task id; the pushed verdict is matched by it. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  traceId!: string | null;

  /** WeChat's label of the verdict (100 normal, 20002 porn…). */
  @Column({ type: 'int', nullable: true })
  checkLabel!: number | null;

  @TimestampColumn({ nullable: true })
  checkedAt!: Date | null;

  @Column({ type: 'int', nullable: true })
  wishId!: number | null;

  @ManyToOne(() => Wish, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'wish_id' })
  wish?: Wish | null;

  @CodeColumn(12, { nullable: true })
  role!: AttachmentRole | null;

  @TimestampColumn({ nullable: true })
  attachedAt!: Date | null;

  @TimestampColumn()
  createdAt!: Date;
}
