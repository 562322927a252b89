import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { CodeColumn, TimestampColumn } from '../database/columns';
import { User } from '../users/user.entity';
import { Wish } from '../wishes/wish.entity';
import type { NotificationKind } from './wechat-templates';

/**
 * The in-app inbox. Every notification lands here, in the transaction of the change it is about,
 * whether or not WeChat later delivers it as a subscribe message.
 */
@Entity('notification')
@Index('idx_notification_user', ['userId', 'createdAt', 'id'])
export class Notification {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'int' })
  userId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @CodeColumn(32)
  kind!: NotificationKind;

  @Column({ type: 'varchar', length: 64 })
  title!: string;

  @Column({ type: 'varchar', length: 500 })
  body!: string;

  /** The wish it is about (none for digests). */
  @Column({ type: 'int', nullable: true })
  wishId!: number | null;

  @ManyToOne(() => Wish, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'wish_id' })
  wish?: Wish | null;

  @TimestampColumn({ nullable: true })
  readAt!: Date | null;

  @TimestampColumn()
  createdAt!: Date;
}

/**
 * Remaining WeChat authorisations of one user for one template. Each accepted
 * wx.requestSubscribeMessage adds one; each send spends one by a checked decrement
 * (`credits > 0`), so a user without credit costs no WeChat call (no 43101 storm).
 */
@Entity('subscription_credit')
export class SubscriptionCredit {
  @PrimaryColumn({ type: 'int' })
  userId!: number;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  templateId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'int', default: 0 })
  credits!: number;

  @TimestampColumn()
  updatedAt!: Date;
}

/**
 * Notices that must go out once only (the reminder of one claim, one community's digest of one day).
 * The key is inserted in the transaction that writes the notice: a second sweep, in this instance or
 * another, fails on the primary key and writes nothing.
 */
@Entity('notice_sent')
export class NoticeSent {
  @PrimaryColumn({ type: 'varchar', length: 191 })
  dedupeKey!: string;

  @TimestampColumn()
  createdAt!: Date;
}
