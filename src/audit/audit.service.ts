import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AccessService } from '../auth/access.service';
import type { Principal } from '../auth/principal';
import type { RequestOrigin } from '../common/http/request-origin';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { Clock } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { AuditAction, AuditLog, AuditTargetType } from './audit-log.entity';
import { AuditErrors } from './audit.errors';
import { AuditEntryView, AuditQuery } from './dto/audit.dto';

export interface AuditEntry {
  actor: { id: number; role: string };
  /** The request the actor made (`principal.origin`): its IP, user agent and id go on the row. */
  origin: RequestOrigin | undefined;
  action: AuditAction;
  target: { type: AuditTargetType; id?: number | null; regionPath: string | null };
  detail?: Record<string, unknown> | null;
}

/**
 * The audit log of office actions. `record` is called by the use cases themselves — inside their
 * transaction when they have one, so the row commits or rolls back with the action — with the
 * request's origin (IP, user agent, request id) the caller's Principal carries.
 */
@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditLog) private readonly rows: Repository<AuditLog>,
    private readonly access: AccessService,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends one row. With `manager` it is written in that transaction; with `null` (a read such as
   * viewing a contact, or a streamed export) in a transaction of its own.
   */
  async record(manager: EntityManager | null, entry: AuditEntry): Promise<void> {
    const { origin } = entry;
    const row: Omit<AuditLog, 'id'> = {
      actorId: entry.actor.id,
      actorRole: entry.actor.role,
      action: entry.action,
      targetType: entry.target.type,
      targetId: entry.target.id ?? null,
      regionPath: entry.target.regionPath,
      detail: entry.detail && Object.keys(entry.detail).length > 0 ? entry.detail : null,
      ip: origin?.ip.slice(0, 45) ?? null,
      userAgent: origin?.userAgent ?? null,
      requestId: origin?.requestId ?? null,
      at: this.clock.now(),
    };
    // TypeORM's insert type cannot see through the simple-json column's Record type; the row is complete.
    const values = row as QueryDeepPartialEntity<AuditLog>;
    if (manager) await manager.insert(AuditLog, values);
    else await this.tx.run((m) => m.insert(AuditLog, values));
  }

  /**
   * Records an office decision about something in a community: the role the caller acted in is the
   * one of their grants that covers the community (their narrowest office first).
   */
  async recordInCommunity(manager: EntityManager, principal: Principal, communityId: number, entry: Omit<AuditEntry, 'actor' | 'origin' | 'target'> & { target: Omit<AuditEntry['target'], 'regionPath'> }): Promise<void> {
    const regionPath = (await this.access.pathOf(communityId)) ?? null;
    let role = 'community_admin';
    for (const claim of principal.roles) {
      if (claim.role !== 'community_admin' && claim.role !== 'region_admin') continue;
      const scope = claim.regionId ? await this.access.pathOf(claim.regionId) : undefined;
      if (scope && regionPath?.startsWith(scope)) {
        role = claim.role;
        break;
      }
    }
    await this.record(manager, { ...entry, actor: { id: principal.id, role }, origin: principal.origin, target: { ...entry.target, regionPath } });
  }

  /** Rows about targets in the caller's subtrees, newest first. Region offices only (the controller checks the role). */
  async list(principal: Principal, query: AuditQuery): Promise<Page<AuditEntryView>> {
    if (query.from && query.to && query.from >= query.to) throw AuditErrors.AUDIT_RANGE_INVALID.error();
    const scopes = await this.access.adminRegionPaths({ ...principal, roles: principal.roles.filter((claim) => claim.role === 'region_admin') });
    if (scopes.length === 0) return { items: [], nextCursor: null };
    const qb = this.rows.createQueryBuilder('a').where(
      new Brackets((scope) => scopes.forEach((path, i) => scope.orWhere(`a.region_path LIKE :scope${i}`, { [`scope${i}`]: `${path}%` }))),
    );
    if (query.actorId) qb.andWhere('a.actor_id = :actorId', { actorId: query.actorId });
    if (query.action) qb.andWhere('a.action = :action', { action: query.action });
    if (query.from) qb.andWhere('a.at >= :from', { from: query.from });
    if (query.to) qb.andWhere('a.at < :to', { to: query.to });
    const cursor = decodeCursor(query.cursor);
    if (cursor) qb.andWhere('(a.at < :at OR (a.at = :at AND a.id < :id))', { at: cursor.at, id: cursor.id });
    const rows = await qb.orderBy('a.at', 'DESC').addOrderBy('a.id', 'DESC').take(query.limit + 1).getMany();
    return toPage(rows, query.limit, (row) => ({ at: row.at, id: row.id }), toView);
  }
}

function toView(row: AuditLog): AuditEntryView {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actorId: row.actorId,
    actorRole: row.actorRole,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    detail: row.detail,
    ip: row.ip,
    userAgent: row.userAgent,
    requestId: row.requestId,
  };
}

/** The deepest region containing all the given paths ('/1/2/' and '/1/3/' → '/1/'); null for none. */
export function commonRegionPath(paths: string[]): string | null {
  if (paths.length === 0) return null;
  const split = paths.map((path) => path.split('/').filter(Boolean));
  const common: string[] = [];
  for (let i = 0; i < split[0].length && split.every((parts) => parts[i] === split[0][i]); i++) common.push(split[0][i]);
  return common.length > 0 ? `/${common.join('/')}/` : null;
}
