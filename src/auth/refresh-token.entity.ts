import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';
import { User } from '../users/user.entity';

/**
 * A refresh token is stored only as its SHA-256. Rotation: using one marks it used (a
 * conditional update, so two concurrent uses cannot both win) and issues the next in the same
 * family; presenting a used token again revokes the whole family (it was stolen or replayed).
 */
@Entity('refresh_token')
export class RefreshToken {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index('idx_refresh_token_user')
  @Column({ type: 'int' })
  userId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Index('uq_refresh_token_hash', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  tokenHash!: string;

  @Index('idx_refresh_token_family')
  @Column({ type: 'varchar', length: 36 })
  familyId!: string;

  @TimestampColumn()
  expiresAt!: Date;

  @TimestampColumn({ nullable: true })
  usedAt!: Date | null;

  @TimestampColumn({ nullable: true })
  revokedAt!: Date | null;

  @TimestampColumn()
  createdAt!: Date;
}
