import { DataSource } from 'typeorm';
import { Region } from '../../src/regions/region.entity';
import { createChild } from '../../src/regions/regions.service';
import { Unit, UnitPairing } from '../../src/units/unit.entity';

export interface City {
  city: Region;
  district: Region;
  streetA: Region;
  communityA1: Region;
  communityA2: Region;
  streetB: Region;
  communityB1: Region;
  unitGov: Unit;
  unitSchool: Unit;
}

/**
 * The region tree most suites share:
 *   city → district → streetA → communityA1, communityA2
 *                   → streetB → communityB1
 * with two units (unitGov paired with A1 and A2, unitSchool with B1).
 */
export async function buildCity(dataSource: DataSource, now = new Date('2026-01-01T00:00:00Z')): Promise<City> {
  const repo = dataSource.getRepository(Region);
  const child = (parent: Region | null, name: string) => createChild(repo, parent?.id ?? null, name, now);
  const city = await child(null, '测试市');
  const district = await child(city, '测试区');
  const streetA = await child(district, '甲街道');
  const communityA1 = await child(streetA, '甲一社区');
  const communityA2 = await child(streetA, '甲二社区');
  const streetB = await child(district, '乙街道');
  const communityB1 = await child(streetB, '乙一社区');
  const units = dataSource.getRepository(Unit);
  const unitGov = await units.save({ name: '测试机关', kind: 'government', regionId: city.id, createdAt: now });
  const unitSchool = await units.save({ name: '测试学校', kind: 'school', regionId: district.id, createdAt: now });
  const pairings = dataSource.getRepository(UnitPairing);
  for (const [unit, community] of [[unitGov, communityA1], [unitGov, communityA2], [unitSchool, communityB1]] as const) {
    await pairings.save({ unitId: unit.id, communityId: community.id, createdAt: now });
  }
  return { city, district, streetA, communityA1, communityA2, streetB, communityB1, unitGov, unitSchool };
}
