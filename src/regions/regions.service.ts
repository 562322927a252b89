import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { AccessService } from '../auth/access.service';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/time/clock';
import { isForeignKeyViolation, isUniqueViolation } from '../database/driver-errors';
import { rawDate, rawQuery } from '../database/raw-query';
import { TransactionRunner } from '../database/transaction-runner';
import { CreateRegionBody, RegionView, UpdateRegionBody } from './dto/region.dto';
import { CHILD_LEVEL, Region } from './region.entity';
import { RegionErrors } from './region.errors';

@Injectable()
export class RegionsService {
  constructor(
    @InjectRepository(Region) private readonly regions: Repository<Region>,
    private readonly access: AccessService,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  async roots(): Promise<RegionView[]> {
    const rows = await this.regions.find({ where: { parentId: IsNull() }, order: { name: 'ASC' } });
    return rows.map(RegionView.of);
  }

  async get(id: number): Promise<RegionView> {
    return RegionView.of(await this.require(id));
  }

  async children(id: number): Promise<RegionView[]> {
    await this.require(id);
    const rows = await this.regions.find({ where: { parentId: id }, order: { name: 'ASC' } });
    return rows.map(RegionView.of);
  }

  /** A community by id, or REGION_NOT_A_COMMUNITY / REGION_NOT_FOUND. */
  async requireCommunity(id: number): Promise<Region> {
    const region = await this.require(id);
    if (region.level !== 'community') throw RegionErrors.REGION_NOT_A_COMMUNITY.error();
    return region;
  }

  async create(principal: Principal, body: CreateRegionBody): Promise<RegionView> {
    await this.access.assertAdministersRegion(principal, body.parentId, RegionErrors.REGION_NOT_FOUND);
    const created = await this.tx
      .run((manager) => createChild(manager.getRepository(Region), body.parentId, body.name, this.clock.now(), body.autoApprove))
      .catch(nameTaken);
    return RegionView.of(created);
  }

  async update(principal: Principal, id: number, body: UpdateRegionBody): Promise<RegionView> {
    await this.access.assertAdministersRegion(principal, id, RegionErrors.REGION_NOT_FOUND);
    return this.tx.run(async (manager) => {
      const repo = manager.getRepository(Region);
      // Read again inside the transaction: the scope check above may have used a cached path of a region deleted since.
      const region = await repo.findOneBy({ id });
      if (!region) throw RegionErrors.REGION_NOT_FOUND.error();
      const communitySetting = body.autoApprove !== undefined || body.requireFulfilmentPhotos !== undefined;
      if (communitySetting && region.level !== 'community') throw RegionErrors.REGION_NOT_A_COMMUNITY.error();
      if (body.name !== undefined && body.name !== region.name) {
        await assertNameFree(repo, region.parentId, body.name);
        region.name = body.name;
      }
      if (body.autoApprove !== undefined) region.autoApprove = body.autoApprove;
      if (body.requireFulfilmentPhotos !== undefined) region.requireFulfilmentPhotos = body.requireFulfilmentPhotos;
      return RegionView.of(await repo.save(region));
    }).catch(nameTaken);
  }

  async remove(principal: Principal, id: number): Promise<void> {
    await this.access.assertAdministersRegion(principal, id, RegionErrors.REGION_NOT_FOUND);
    // An admin may not delete the very region that defines their scope.
    const own = await this.access.adminRegionPaths(principal);
    const region = await this.require(id);
    if (own.includes(region.path)) throw RegionErrors.REGION_NOT_FOUND.error();
    await this.tx.run(async (manager) => {
      try {
        await manager.getRepository(Region).delete({ id });
      } catch (error) {
        // Children and rows that reference the region are protected by RESTRICT foreign keys.
        if (isForeignKeyViolation(error)) throw RegionErrors.REGION_IN_USE.error();
        throw error;
      }
    });
  }

  /** Raw: every submission and fulfilment reads its community (issue #7). */
  private async require(id: number): Promise<Region> {
    const [row] = await rawQuery<Omit<Region, 'autoApprove' | 'requireFulfilmentPhotos' | 'createdAt'> & { autoApprove: unknown; requireFulfilmentPhotos: unknown; createdAt: unknown }>(
      this.regions.manager,
      `SELECT id, parent_id AS parentId, level, name, path, auto_approve AS autoApprove, require_fulfilment_photos AS requireFulfilmentPhotos, created_at AS createdAt
       FROM region WHERE id = :id`,
      { id },
    );
    if (!row) throw RegionErrors.REGION_NOT_FOUND.error();
    // Booleans come back as 0/1 from both databases.
    return { ...row, autoApprove: Boolean(row.autoApprove), requireFulfilmentPhotos: Boolean(row.requireFulfilmentPhotos), createdAt: rawDate(row.createdAt)! };
  }
}

/** Two offices creating the same name at once: the unique (parent_id, name) key refuses the second. */
function nameTaken(error: unknown): never {
  if (isUniqueViolation(error)) throw RegionErrors.REGION_NAME_TAKEN.error();
  throw error;
}

async function assertNameFree(repo: Repository<Region>, parentId: number | null, name: string): Promise<void> {
  const taken = await repo.exists({ where: { parentId: parentId ?? IsNull(), name } });
  if (taken) throw RegionErrors.REGION_NAME_TAKEN.error();
}

/**
 * Inserts a child region and sets its materialised path (which needs the new id). Used by the
 * admin API, the CLI and the demo seed.
 */
export async function createChild(repo: Repository<Region>, parentId: number | null, name: string, now: Date, autoApprove = false): Promise<Region> {
  const parent = parentId === null ? null : await repo.findOneBy({ id: parentId });
  if (parentId !== null && !parent) throw RegionErrors.REGION_NOT_FOUND.error();
  const level = parent ? CHILD_LEVEL[parent.level] : 'city';
  if (!level) throw RegionErrors.REGION_HAS_NO_CHILD_LEVEL.error();
  if (autoApprove && level !== 'community') throw RegionErrors.REGION_NOT_A_COMMUNITY.error();
  await assertNameFree(repo, parentId, name);
  // The path needs the id; insert with a unique placeholder, then set it.
  const placeholder = `~${now.getTime()}-${Math.random().toString(36).slice(2)}`;
  const region = await repo.save(repo.create({ parentId, level, name, path: placeholder, autoApprove, requireFulfilmentPhotos: true, createdAt: now }));
  region.path = `${parent?.path ?? '/'}${region.id}/`;
  await repo.update({ id: region.id }, { path: region.path });
  return region;
}
