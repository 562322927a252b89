import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { Principal } from '../auth/principal';
import { PaginationErrors } from '../common/pagination';
import { Clock } from '../common/time/clock';
import { shanghaiDate } from '../common/time/shanghai';
import { MemberRegistration } from '../members/member-registration.entity';
import { Region } from '../regions/region.entity';
import { Unit, UnitPairing } from '../units/unit.entity';
import { DashboardScope, DashboardView } from './dashboard-scope';
import { QuotaQuery } from './dto/dashboard.query';
import { QuotaGroupView, QuotaMemberView, QuotaUnitView, QuotaView } from './dto/dashboard.views';
import { MemberRollup } from './rollup/rollup.entities';

interface Registered {
  userId: number;
  name: string;
  communityId: number;
  unitId: number;
}

/**
 * The yearly quota (每名报到党员每年至少认领并完成一个心愿; 每个结对单位每年至少一个项目): who in scope
 * has not completed a wish this year, and the completion rate per community and unit. A member's
 * completions count wherever they served; the year is the Asia/Shanghai calendar year.
 */
@Injectable()
export class QuotaService {
  constructor(
    private readonly scope: DashboardScope,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async quota(principal: Principal, query: QuotaQuery): Promise<QuotaView> {
    const view = await this.scope.resolve(principal, query);
    const year = query.year ?? Number(shanghaiDate(this.clock.now()).slice(0, 4));
    const registered = await this.registered(view);
    const memberIds = [...new Set(registered.map((r) => r.userId))];
    const perMember = await this.memberYear(memberIds, year);
    const completedOf = (userId: number) => perMember.get(userId)?.completed ?? 0;

    const communityIds = [...new Set(registered.map((r) => r.communityId))];
    const pairedUnits = await this.pairedUnits(view);
    const unitIds = [...new Set([...registered.map((r) => r.unitId), ...pairedUnits])].filter((id) => view.unitIds.includes(0) || view.unitIds.includes(id));
    const [communities, units, unitCompletions] = await Promise.all([
      communityIds.length ? this.dataSource.getRepository(Region).find({ select: { id: true, name: true }, where: { id: In(communityIds) } }) : [],
      unitIds.length ? this.dataSource.getRepository(Unit).find({ select: { id: true, name: true }, where: { id: In(unitIds) } }) : [],
      this.unitYear(unitIds, year),
    ]);
    const communityName = new Map(communities.map((c) => [c.id, c.name]));
    const unitName = new Map(units.map((u) => [u.id, u.name]));

    const group = (id: number, name: string, rows: Registered[], completedWishes?: number): QuotaGroupView => {
      const members = [...new Set(rows.map((r) => r.userId))];
      const done = members.filter((userId) => completedOf(userId) > 0).length;
      return {
        id,
        name,
        registered: members.length,
        done,
        rate: members.length ? Math.round((done / members.length) * 10_000) / 10_000 : null,
        completedWishes: completedWishes ?? members.reduce((sum, userId) => sum + completedOf(userId), 0),
      };
    };

    const communityRows = communityIds
      .map((id) => group(id, communityName.get(id) ?? String(id), registered.filter((r) => r.communityId === id)))
      .sort((a, b) => (a.rate ?? 1) - (b.rate ?? 1) || a.name.localeCompare(b.name, 'zh-CN'));
    const unitRows: QuotaUnitView[] = unitIds
      .map((id) => ({
        ...group(id, unitName.get(id) ?? String(id), registered.filter((r) => r.unitId === id), unitCompletions.get(id) ?? 0),
        paired: pairedUnits.includes(id),
      }))
      .sort((a, b) => a.completedWishes - b.completedWishes || a.name.localeCompare(b.name, 'zh-CN'));

    // One line per member (a member registered in two communities is one person with one quota).
    const firstRegistration = new Map<number, Registered>();
    for (const row of registered) if (!firstRegistration.has(row.userId)) firstRegistration.set(row.userId, row);
    const missing: QuotaMemberView[] = [...firstRegistration.values()]
      .filter((row) => completedOf(row.userId) === 0)
      .map((row) => ({
        memberId: row.userId,
        name: row.name,
        communityId: row.communityId,
        communityName: communityName.get(row.communityId) ?? '',
        unitId: row.unitId,
        unitName: unitName.get(row.unitId) ?? '',
        claimedThisYear: perMember.get(row.userId)?.claimed ?? 0,
      }))
      .sort((a, b) => a.communityName.localeCompare(b.communityName, 'zh-CN') || a.name.localeCompare(b.name, 'zh-CN') || a.memberId - b.memberId);
    const offset = decodeOffset(query.cursor);
    const items = missing.slice(offset, offset + query.limit);

    return {
      year,
      overall: group(0, '全部', registered),
      communities: communityRows,
      units: unitRows,
      unitsWithoutCompletion: unitRows.filter((unit) => unit.paired && unit.completedWishes === 0),
      membersWithoutCompletion: {
        total: missing.length,
        items,
        nextCursor: offset + query.limit < missing.length ? Buffer.from(String(offset + query.limit)).toString('base64url') : null,
      },
    };
  }

  /** Approved registrations in scope: of communities in the view's regions, and of the view's units. */
  private async registered(view: DashboardView): Promise<Registered[]> {
    const qb = this.dataSource
      .getRepository(MemberRegistration)
      .createQueryBuilder('r')
      .select(['r.userId', 'r.name', 'r.communityId', 'r.unitId'])
      .innerJoin(Region, 'c', 'c.id = r.community_id')
      .where("r.status = 'approved'")
      .andWhere(`(${view.regionPaths.map((_, i) => `c.path LIKE :p${i}`).join(' OR ') || '1 = 0'})`, Object.fromEntries(view.regionPaths.map((path, i) => [`p${i}`, `${path}%`])))
      .orderBy('r.id', 'ASC');
    if (!view.unitIds.includes(0)) qb.andWhere('r.unit_id IN (:...units)', { units: view.unitIds });
    return (await qb.getMany()).map((r) => ({ userId: r.userId, name: r.name, communityId: r.communityId, unitId: r.unitId }));
  }

  private async pairedUnits(view: DashboardView): Promise<number[]> {
    const qb = this.dataSource
      .getRepository(UnitPairing)
      .createQueryBuilder('p')
      .select('DISTINCT p.unit_id', 'unitId')
      .innerJoin(Region, 'c', 'c.id = p.community_id')
      .where(`(${view.regionPaths.map((_, i) => `c.path LIKE :p${i}`).join(' OR ') || '1 = 0'})`, Object.fromEntries(view.regionPaths.map((path, i) => [`p${i}`, `${path}%`])));
    if (!view.unitIds.includes(0)) qb.andWhere('p.unit_id IN (:...units)', { units: view.unitIds });
    return (await qb.getRawMany<{ unitId: number }>()).map((row) => Number(row.unitId));
  }

  private async memberYear(memberIds: number[], year: number): Promise<Map<number, { claimed: number; completed: number }>> {
    const out = new Map<number, { claimed: number; completed: number }>();
    for (let i = 0; i < memberIds.length; i += 1000) {
      const rows = await this.dataSource
        .getRepository(MemberRollup)
        .createQueryBuilder('m')
        .select('m.member_id', 'memberId')
        .addSelect('SUM(m.claimed)', 'claimed')
        .addSelect('SUM(m.completed)', 'completed')
        .where('m.member_id IN (:...ids)', { ids: memberIds.slice(i, i + 1000) })
        .andWhere('m.bucket BETWEEN :from AND :to', { from: `${year}-01-01`, to: `${year}-12-31` })
        .groupBy('m.member_id')
        .getRawMany<{ memberId: number; claimed: string | number; completed: string | number }>();
      for (const row of rows) out.set(Number(row.memberId), { claimed: Number(row.claimed), completed: Number(row.completed) });
    }
    return out;
  }

  private async unitYear(unitIds: number[], year: number): Promise<Map<number, number>> {
    if (unitIds.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(MemberRollup)
      .createQueryBuilder('m')
      .select('m.unit_id', 'unitId')
      .addSelect('SUM(m.completed)', 'completed')
      .where('m.unit_id IN (:...ids)', { ids: unitIds })
      .andWhere('m.bucket BETWEEN :from AND :to', { from: `${year}-01-01`, to: `${year}-12-31` })
      .groupBy('m.unit_id')
      .getRawMany<{ unitId: number; completed: string | number }>();
    return new Map(rows.map((row) => [Number(row.unitId), Number(row.completed)]));
  }
}

function decodeOffset(cursor: string | undefined): number {
  if (!cursor) return 0;
  const value = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(value) || value < 0) throw PaginationErrors.CURSOR_INVALID.error();
  return value;
}
