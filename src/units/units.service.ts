import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AccessService } from '../auth/access.service';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/time/clock';
import { isForeignKeyViolation, isUniqueViolation } from '../database/driver-errors';
import { TransactionRunner } from '../database/transaction-runner';
import { RegionErrors } from '../regions/region.errors';
import { RegionsService } from '../regions/regions.service';
import { CreateUnitBody, UnitView, UpdateUnitBody } from './dto/unit.dto';
import { Unit, UnitPairing } from './unit.entity';
import { UnitErrors } from './unit.errors';

@Injectable()
export class UnitsService {
  constructor(
    @InjectRepository(Unit) private readonly units: Repository<Unit>,
    @InjectRepository(UnitPairing) private readonly pairings: Repository<UnitPairing>,
    private readonly regions: RegionsService,
    private readonly access: AccessService,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  async list(communityId?: number): Promise<UnitView[]> {
    const units = communityId
      ? await this.units.createQueryBuilder('u').innerJoin(UnitPairing, 'p', 'p.unit_id = u.id AND p.community_id = :communityId', { communityId }).orderBy('u.name').getMany()
      : await this.units.find({ order: { name: 'ASC' } });
    return this.withPairings(units);
  }

  async get(id: number): Promise<UnitView> {
    return (await this.withPairings([await this.require(id)]))[0];
  }

  async require(id: number): Promise<Unit> {
    const unit = await this.units.findOneBy({ id });
    if (!unit) throw UnitErrors.UNIT_NOT_FOUND.error();
    return unit;
  }

  async create(principal: Principal, body: CreateUnitBody): Promise<UnitView> {
    await this.access.assertAdministersRegion(principal, body.regionId, RegionErrors.REGION_NOT_FOUND);
    const unit = await this.tx.run(async (m) => {
      try {
        return await m.getRepository(Unit).save(m.getRepository(Unit).create({ ...body, createdAt: this.clock.now() }));
      } catch (error) {
        if (isUniqueViolation(error)) throw UnitErrors.UNIT_NAME_TAKEN.error();
        throw error;
      }
    });
    return UnitView.of(unit, []);
  }

  async update(principal: Principal, id: number, body: UpdateUnitBody): Promise<UnitView> {
    const unit = await this.requireManaged(principal, id);
    // The DTO instance carries its absent optional fields as undefined; an update with nothing to set fails in TypeORM.
    const changes = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as UpdateUnitBody;
    if (Object.keys(changes).length === 0) return this.get(id);
    await this.tx.run(async (m) => {
      try {
        await m.getRepository(Unit).update({ id: unit.id }, changes);
      } catch (error) {
        if (isUniqueViolation(error)) throw UnitErrors.UNIT_NAME_TAKEN.error();
        throw error;
      }
    });
    return this.get(id);
  }

  async remove(principal: Principal, id: number): Promise<void> {
    await this.requireManaged(principal, id);
    await this.tx.run(async (m) => {
      try {
        await m.getRepository(Unit).delete({ id });
      } catch (error) {
        if (isForeignKeyViolation(error)) throw UnitErrors.UNIT_IN_USE.error();
        throw error;
      }
    });
  }

  /** Pairing needs the community in the caller's scope (a community office pairs units with itself). */
  async pair(principal: Principal, unitId: number, communityId: number): Promise<UnitView> {
    await this.require(unitId);
    await this.regions.requireCommunity(communityId);
    await this.access.assertAdministersRegion(principal, communityId, RegionErrors.REGION_NOT_FOUND);
    await this.tx.run((m) =>
      m.createQueryBuilder().insert().into(UnitPairing).values({ unitId, communityId, createdAt: this.clock.now() }).orIgnore().execute(),
    );
    return this.get(unitId);
  }

  async unpair(principal: Principal, unitId: number, communityId: number): Promise<UnitView> {
    await this.require(unitId);
    await this.access.assertAdministersRegion(principal, communityId, RegionErrors.REGION_NOT_FOUND);
    await this.tx.run((m) => m.getRepository(UnitPairing).delete({ unitId, communityId }));
    return this.get(unitId);
  }

  private async requireManaged(principal: Principal, id: number): Promise<Unit> {
    const unit = await this.require(id);
    if (!(await this.access.administersRegion(principal, unit.regionId))) throw UnitErrors.UNIT_NOT_FOUND.error();
    return unit;
  }

  private async withPairings(units: Unit[]): Promise<UnitView[]> {
    if (units.length === 0) return [];
    const rows = await this.pairings.find({ where: { unitId: In(units.map((u) => u.id)) }, order: { communityId: 'ASC' } });
    return units.map((unit) => UnitView.of(unit, rows.filter((p) => p.unitId === unit.id).map((p) => p.communityId)));
  }
}
