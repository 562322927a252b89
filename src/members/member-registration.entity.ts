import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CodeColumn, TimestampColumn } from '../database/columns';
import { Region } from '../regions/region.entity';
import { Unit } from '../units/unit.entity';
import { User } from '../users/user.entity';

/** `withdrawn`: closed because the member deleted their account (src/privacy). */
export const REGISTRATION_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/**
 * 双报到: a party member registers with a community through their unit. The community office
 * approves or rejects. `openSlot` is 1 while the registration is pending or approved and NULL once
 * rejected, so the unique key (user, community, open_slot) allows only one live registration per
 * community while letting a rejected member apply again.
 */
@Entity('member_registration')
@Index('uq_member_registration_open', ['userId', 'communityId', 'openSlot'], { unique: true })
@Index('idx_member_registration_community_status', ['communityId', 'status'])
export class MemberRegistration {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'int' })
  userId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Index('idx_member_registration_unit')
  @Column({ type: 'int' })
  unitId!: number;

  @ManyToOne(() => Unit, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'unit_id' })
  unit?: Unit;

  @Column({ type: 'int' })
  communityId!: number;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'community_id' })
  community?: Region;

  @Column({ type: 'varchar', length: 32 })
  name!: string;

  @Column({ type: 'varchar', length: 255 })
  phoneCipher!: string;

  @Column({ type: 'simple-json' })
  skills!: string[];

  @CodeColumn(16)
  status!: RegistrationStatus;

  @Column({ type: 'tinyint', nullable: true })
  openSlot!: 1 | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  decisionReason!: string | null;

  @Column({ type: 'int', nullable: true })
  decidedBy!: number | null;

  @TimestampColumn({ nullable: true })
  decidedAt!: Date | null;

  @TimestampColumn()
  createdAt!: Date;
}
