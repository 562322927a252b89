import { Column, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { CodeColumn, TimestampColumn } from '../database/columns';
import { Region } from '../regions/region.entity';
import { Unit } from '../units/unit.entity';
import type { Role } from './roles';

/**
 * One row per person. Mini-program users are found by WeChat `openid`; office staff by
 * `username` + password hash. Personal fields (phone) are stored encrypted; `session_key`
 * never leaves the server.
 */
@Entity('app_user')
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index('uq_user_openid', { unique: true })
  @Column({ type: 'varchar', length: 64, nullable: true })
  openid!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  unionid!: string | null;

  /** Encrypted WeChat session_key (server-side only). */
  @Column({ type: 'varchar', length: 255, nullable: true, select: false })
  sessionKeyCipher!: string | null;

  @Index('uq_user_username', { unique: true })
  @Column({ type: 'varchar', length: 64, nullable: true })
  username!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true, select: false })
  passwordHash!: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  name!: string | null;

  /** AES-256-GCM ciphertext of the phone number. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  phoneCipher!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  address!: string | null;

  /** The community the person lives in (picked in the mini-program). */
  @Column({ type: 'int', nullable: true })
  communityId!: number | null;

  @ManyToOne(() => Region, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'community_id' })
  community?: Region | null;

  @Column({ type: 'int', default: 0 })
  failedLoginCount!: number;

  @TimestampColumn({ nullable: true })
  lockedUntil!: Date | null;

  @TimestampColumn()
  createdAt!: Date;

  @TimestampColumn()
  updatedAt!: Date;

  /** When the person deleted their account: the row stays (wishes and statistics point at it), anonymised. */
  @TimestampColumn({ nullable: true })
  deletedAt!: Date | null;

  @OneToMany(() => RoleGrant, (grant) => grant.user)
  grants?: RoleGrant[];
}

/** (user, role, scope). `scopeKey` makes the triple unique even where the scope is empty. */
@Entity('role_grant')
@Index('uq_role_grant', ['userId', 'role', 'scopeKey'], { unique: true })
export class RoleGrant {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'int' })
  userId!: number;

  @ManyToOne(() => User, (user) => user.grants, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @CodeColumn(24)
  role!: Role;

  @Column({ type: 'int', nullable: true })
  regionId!: number | null;

  @ManyToOne(() => Region, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'region_id' })
  region?: Region | null;

  @Column({ type: 'int', nullable: true })
  unitId!: number | null;

  @ManyToOne(() => Unit, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'unit_id' })
  unit?: Unit | null;

  @Column({ type: 'varchar', length: 24 })
  scopeKey!: string;

  @TimestampColumn()
  createdAt!: Date;
}

export function scopeKeyOf(grant: { regionId?: number | null; unitId?: number | null }): string {
  if (grant.regionId) return `region:${grant.regionId}`;
  if (grant.unitId) return `unit:${grant.unitId}`;
  return '-';
}
