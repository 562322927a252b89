import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CodeColumn, TimestampColumn } from '../database/columns';
import { Region } from '../regions/region.entity';

export const UNIT_KINDS = ['government', 'enterprise', 'institution', 'school', 'hospital', 'other'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** 单位: an employer whose in-post party members serve communities. */
@Entity('unit')
export class Unit {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index('uq_unit_name', { unique: true })
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @CodeColumn(16)
  kind!: UnitKind;

  /** The region whose office manages this unit's record (admins of that subtree may edit it). */
  @Column({ type: 'int' })
  regionId!: number;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'region_id' })
  region?: Region;

  @TimestampColumn()
  createdAt!: Date;
}

/** 结对/包联: a unit paired with a community. */
@Entity('unit_pairing')
@Index('uq_unit_pairing', ['unitId', 'communityId'], { unique: true })
export class UnitPairing {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'int' })
  unitId!: number;

  @ManyToOne(() => Unit, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'unit_id' })
  unit?: Unit;

  @Index('idx_unit_pairing_community')
  @Column({ type: 'int' })
  communityId!: number;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'community_id' })
  community?: Region;

  @TimestampColumn()
  createdAt!: Date;
}
