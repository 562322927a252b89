import { Column, Entity, Index, ManyToOne, JoinColumn, PrimaryGeneratedColumn } from 'typeorm';
import { CodeColumn, TimestampColumn } from '../database/columns';

export const REGION_LEVELS = ['city', 'district', 'street', 'community', 'grid'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** The level a child of each level must have (a grid has no children). */
export const CHILD_LEVEL: Record<RegionLevel, RegionLevel | null> = {
  city: 'district',
  district: 'street',
  street: 'community',
  community: 'grid',
  grid: null,
};

/**
 * 行政区划: city → district → street → community → grid. `path` is the materialised chain of ids
 * (`/1/4/9/`), so "everything under this street" is one indexed prefix query. A region never
 * changes parent, so its path never changes and may be cached.
 */
@Entity('region')
@Index('uq_region_parent_name', ['parentId', 'name'], { unique: true })
export class Region {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'int', nullable: true })
  parentId!: number | null;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'parent_id' })
  parent?: Region | null;

  @CodeColumn(16)
  level!: RegionLevel;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Index('uq_region_path', { unique: true })
  @Column({ type: 'varchar', length: 255 })
  path!: string;

  /** Community setting: wishes skip review and go straight to `open`. */
  @Column({ type: 'boolean', default: false })
  autoApprove!: boolean;

  /** Community setting: a fulfilment must come with at least one evidence photo (反馈照片). */
  @Column({ type: 'boolean', default: true })
  requireFulfilmentPhotos!: boolean;

  @TimestampColumn()
  createdAt!: Date;
}
