import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { ErrorFactory } from '../common/errors/domain-error';
import { Region } from '../regions/region.entity';
import { claimsOf, Principal } from './principal';

/**
 * The one place that answers "may this caller act on that region / unit?".
 *
 * Region-scoped admins (community_admin, region_admin) cover their region's whole subtree: a
 * region is in scope when its materialised path starts with the admin region's path. Paths never
 * change (regions do not move), so they are cached for the life of the process.
 *
 * A refusal is reported with the caller's "not found" error, so ids cannot be probed.
 */
@Injectable()
export class AccessService {
  private readonly paths = new Map<number, string>();

  constructor(@InjectRepository(Region) private readonly regions: Repository<Region>) {}

  async pathsOf(regionIds: number[]): Promise<Map<number, string>> {
    const missing = [...new Set(regionIds)].filter((id) => !this.paths.has(id));
    if (missing.length > 0) {
      const rows = await this.regions.find({ select: { id: true, path: true }, where: { id: In(missing) } });
      for (const row of rows) this.paths.set(row.id, row.path);
    }
    const out = new Map<number, string>();
    for (const id of regionIds) {
      const path = this.paths.get(id);
      if (path) out.set(id, path);
    }
    return out;
  }

  async pathOf(regionId: number): Promise<string | undefined> {
    return (await this.pathsOf([regionId])).get(regionId);
  }

  /** Materialised paths of the regions this caller administers (empty for non-admins). */
  async adminRegionPaths(principal: Principal): Promise<string[]> {
    const ids = [...claimsOf(principal, 'community_admin'), ...claimsOf(principal, 'region_admin')]
      .map((claim) => claim.regionId)
      .filter((id): id is number => typeof id === 'number');
    return [...(await this.pathsOf(ids)).values()];
  }

  adminUnitIds(principal: Principal): number[] {
    return claimsOf(principal, 'unit_admin')
      .map((claim) => claim.unitId)
      .filter((id): id is number => typeof id === 'number');
  }

  /** True when `path` lies in one of the caller's administered subtrees. */
  async administersPath(principal: Principal, path: string): Promise<boolean> {
    return (await this.adminRegionPaths(principal)).some((scope) => path.startsWith(scope));
  }

  async administersRegion(principal: Principal, regionId: number): Promise<boolean> {
    const path = await this.pathOf(regionId);
    return path !== undefined && (await this.administersPath(principal, path));
  }

  /** Throws `notFound` unless the caller administers the region. */
  async assertAdministersRegion(principal: Principal, regionId: number, notFound: ErrorFactory): Promise<void> {
    if (!(await this.administersRegion(principal, regionId))) throw notFound.error();
  }
}
