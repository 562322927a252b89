import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { AccessService } from '../auth/access.service';
import type { Principal } from '../auth/principal';
import { Region, RegionLevel } from '../regions/region.entity';
import { Unit } from '../units/unit.entity';
import { DashboardErrors } from './dashboard.errors';

/**
 * Whose figures a dashboard question is about.
 *
 * Rollup rows exist per region (every ancestor of a wish's community) and per unit (0 = all
 * units), so a question is answered by summing the rows of a few disjoint regions for a few units.
 */
export interface DashboardView {
  /** Regions whose rows are summed; disjoint subtrees. */
  regionIds: number[];
  /** Their materialised paths, for tables filtered by path prefix. */
  regionPaths: string[];
  /** Units whose rows are summed; [0] means all units. */
  unitIds: number[];
  /** Those of `regionIds` that are communities: they keep no total rows (see rollup-deltas.ts). */
  communityIds: number[];
}

export interface ViewFilter {
  regionId?: number;
  unitId?: number;
}

/** Keeps only the outermost of nested paths, so no subtree is counted twice. */
export function outermost(paths: string[]): string[] {
  const unique = [...new Set(paths)].sort((a, b) => a.length - b.length);
  return unique.filter((path, i) => !unique.slice(0, i).some((outer) => path.startsWith(outer)));
}

export function regionIdOfPath(path: string): number {
  const parts = path.split('/').filter(Boolean);
  return Number(parts[parts.length - 1]);
}

export function isAllUnits(view: DashboardView): boolean {
  return view.unitIds.length === 1 && view.unitIds[0] === 0;
}

/**
 * Decides the view for a caller and their filters:
 * - region offices (community_admin, region_admin) see their subtree; `regionId` narrows it to a
 *   region inside it, `unitId` to one unit's part of it;
 * - unit admins see their own units wherever their members served; `regionId` narrows that to a region.
 * Anything outside the caller's scope answers DASHBOARD_SCOPE_NOT_FOUND (404).
 */
@Injectable()
export class DashboardScope {
  /** A region's level never changes, so it is cached for the life of the process. */
  private readonly levels = new Map<number, RegionLevel>();

  constructor(
    private readonly access: AccessService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async resolve(principal: Principal, filter: ViewFilter): Promise<DashboardView> {
    const scopePaths = outermost(await this.access.adminRegionPaths(principal));
    const ownUnits = this.access.adminUnitIds(principal);
    if (scopePaths.length === 0 && ownUnits.length === 0) throw DashboardErrors.DASHBOARD_SCOPE_NOT_FOUND.error();

    let unitIds = [0];
    // Looking at one's own unit(s): their figures anywhere, not bounded by a region office's subtree.
    let ownUnitView = false;
    if (filter.unitId !== undefined) {
      if (ownUnits.includes(filter.unitId)) {
        ownUnitView = true;
      } else if (scopePaths.length === 0 || !(await this.dataSource.getRepository(Unit).exists({ where: { id: filter.unitId } }))) {
        throw DashboardErrors.DASHBOARD_SCOPE_NOT_FOUND.error();
      }
      unitIds = [filter.unitId];
    } else if (scopePaths.length === 0) {
      ownUnitView = true;
      unitIds = [...new Set(ownUnits)];
    }

    if (filter.regionId !== undefined) {
      const path = await this.access.pathOf(filter.regionId);
      if (!path) throw DashboardErrors.DASHBOARD_SCOPE_NOT_FOUND.error();
      if (!ownUnitView && !scopePaths.some((scope) => path.startsWith(scope))) throw DashboardErrors.DASHBOARD_SCOPE_NOT_FOUND.error();
      return this.view([filter.regionId], [path], unitIds);
    }
    if (ownUnitView) {
      const roots = await this.dataSource.getRepository(Region).find({ select: { id: true, path: true }, where: { parentId: IsNull() } });
      return this.view(roots.map((root) => root.id), roots.map((root) => root.path), unitIds);
    }
    return this.view(scopePaths.map(regionIdOfPath), scopePaths, unitIds);
  }

  private async view(regionIds: number[], regionPaths: string[], unitIds: number[]): Promise<DashboardView> {
    const missing = regionIds.filter((id) => !this.levels.has(id));
    if (missing.length > 0) {
      const rows = await this.dataSource.getRepository(Region).find({ select: { id: true, level: true }, where: { id: In(missing) } });
      for (const row of rows) this.levels.set(row.id, row.level);
    }
    return { regionIds, regionPaths, unitIds, communityIds: regionIds.filter((id) => this.levels.get(id) === 'community') };
  }

  /** Names for the page's scope picker: the regions at the top of the caller's scope and the units they may filter by. */
  async describe(principal: Principal): Promise<{ regions: Region[]; units: Unit[] }> {
    const scopePaths = outermost(await this.access.adminRegionPaths(principal));
    const ids = scopePaths.map(regionIdOfPath);
    const regions = ids.length ? await this.dataSource.getRepository(Region).find({ where: { id: In(ids) }, order: { name: 'ASC' } }) : [];
    const ownUnits = this.access.adminUnitIds(principal);
    const units = await this.dataSource
      .getRepository(Unit)
      .createQueryBuilder('u')
      .where(
        ownUnits.length
          ? 'u.id IN (:...own)'
          : '1 = 0',
        { own: ownUnits },
      )
      .orWhere(
        scopePaths.length
          ? `u.id IN (SELECT p.unit_id FROM unit_pairing p INNER JOIN region c ON c.id = p.community_id WHERE ${scopePaths.map((_, i) => `c.path LIKE :scope${i}`).join(' OR ')})`
          : '1 = 0',
        Object.fromEntries(scopePaths.map((path, i) => [`scope${i}`, `${path}%`])),
      )
      .orderBy('u.name', 'ASC')
      .getMany();
    return { regions, units };
  }
}
