import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { CodeColumn, TimestampColumn } from '../database/columns';

export const AUDIT_ACTIONS = [
  // wishes (office actions; the wish's own history is in wish_event)
  'wish.offline_entry',
  'wish.approve',
  'wish.reject',
  'wish.assign',
  'wish.reassign',
  'wish.cancel',
  'wish.release',
  'wish.confirm',
  'wish.dispute',
  'wish.view_contact',
  // 双报到
  'registration.approve',
  'registration.reject',
  // the ledger (台账)
  'ledger.export',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_TARGETS = ['wish', 'registration', 'ledger'] as const;
export type AuditTargetType = (typeof AUDIT_TARGETS)[number];

/**
 * Append-only record of what office staff did with residents' data and wishes: who, what, when,
 * from where. Rows are inserted (in the action's own transaction where it has one) and never
 * updated or deleted by the service; region offices read the rows about their subtree.
 *
 * `regionPath` is the materialised path of the target's community (or of the exported scope), so
 * "rows about my subtree" is one indexed prefix scan.
 */
@Entity('audit_log')
@Index('idx_audit_log_scope', ['regionPath', 'at', 'id'])
@Index('idx_audit_log_actor', ['actorId', 'at'])
@Index('idx_audit_log_target', ['targetType', 'targetId'])
export class AuditLog {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The user who acted (kept as a bare id: an audit row outlives any account change). */
  @Column({ type: 'int', nullable: true })
  actorId!: number | null;

  /** The role they acted in (community_admin, region_admin, unit_admin, member). */
  @CodeColumn(24)
  actorRole!: string;

  @CodeColumn(32)
  action!: AuditAction;

  @CodeColumn(24)
  targetType!: AuditTargetType;

  @Column({ type: 'int', nullable: true })
  targetId!: number | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  regionPath!: string | null;

  /** Small structured facts (reason, assignee, filters of an export); never a phone or address. */
  @Column({ type: 'simple-json', nullable: true })
  detail!: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;

  @TimestampColumn()
  at!: Date;
}

const OFFICE_WISH_ACTIONS = ['approve', 'reject', 'assign', 'reassign', 'cancel', 'release', 'confirm', 'dispute'] as const;

/** The audit action of a wish transition done by an office (approve → wish.approve …), if it is one that is audited. */
export function wishAuditAction(action: string): AuditAction | undefined {
  return (OFFICE_WISH_ACTIONS as readonly string[]).includes(action) ? (`wish.${action}` as AuditAction) : undefined;
}
