import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import * as bcrypt from 'bcryptjs';
import { DataSource, EntityManager } from 'typeorm';
import { PASSWORD_HASH_ROUNDS } from '../auth/auth.service';
import { FieldCipher } from '../common/crypto/field-cipher';
import { Clock, DAY } from '../common/time/clock';
import { MemberRegistration } from '../members/member-registration.entity';
import { Region } from '../regions/region.entity';
import { createChild } from '../regions/regions.service';
import { Unit, UnitPairing, UnitKind } from '../units/unit.entity';
import type { RoleClaim } from '../users/roles';
import { RoleGrant, scopeKeyOf, User } from '../users/user.entity';
import { WishRepository } from '../wishes/wish.repository';
import { DemoCast, writeDemoWishes } from './demo-wishes';
import { TransactionRunner } from './transaction-runner';

export const DEMO_PASSWORD = 'demo12345';

/**
 * A small, true-to-life city for trying the service: 乌兰察布市 → 集宁区 → 新体路街道 → 永安社区
 * and neighbours, paired units, office staff of every level, residents and members. Runs only on an
 * empty database.
 */
export async function seedDemoData(app: INestApplicationContext): Promise<boolean> {
  const dataSource = app.get(DataSource);
  if ((await dataSource.getRepository(Region).count()) > 0) return false;
  const clock = app.get(Clock);
  const cipher = app.get(FieldCipher);
  const passwordHash = await bcrypt.hash(DEMO_PASSWORD, PASSWORD_HASH_ROUNDS);
  await app.get(TransactionRunner).run(async (m) => {
    const now = clock.now();
    const regions = m.getRepository(Region);
    const child = (parent: Region | null, name: string, autoApprove = false) => createChild(regions, parent?.id ?? null, name, now, autoApprove);

    const city = await child(null, '乌兰察布市');
    const jining = await child(city, '集宁区');
    const xintilu = await child(jining, '新体路街道');
    const yongan = await child(xintilu, '永安社区');
    const anlin = await child(xintilu, '安林社区', true);
    const qiaodong = await child(jining, '桥东街道');
    const chunguang = await child(qiaodong, '春光社区');
    await child(qiaodong, '民建社区');
    await child(yongan, '永安社区第一网格');
    await child(yongan, '永安社区第二网格');

    const unit = async (name: string, kind: UnitKind, region: Region, communities: Region[]) => {
      const saved = await m.getRepository(Unit).save({ name, kind, regionId: region.id, createdAt: now });
      for (const community of communities) await m.getRepository(UnitPairing).save({ unitId: saved.id, communityId: community.id, createdAt: now });
      return saved;
    };
    const organisation = await unit('市委组织部机关', 'government', city, [yongan, anlin]);
    const school = await unit('集宁区第一中学', 'school', jining, [yongan]);
    const hospital = await unit('乌兰察布市中心医院', 'hospital', city, [chunguang]);

    const person = (fields: Partial<User> & { roles: RoleClaim[]; phone?: string }) =>
      createPerson(m, { ...fields, phoneCipher: fields.phone ? cipher.encrypt(fields.phone) : null }, now);
    await person({ username: 'city-admin', passwordHash, name: '王市', roles: [{ role: 'region_admin', regionId: city.id }] });
    await person({ username: 'xintilu-admin', passwordHash, name: '赵街道', roles: [{ role: 'region_admin', regionId: xintilu.id }] });
    await person({ username: 'yongan-admin', passwordHash, name: '刘社区', roles: [{ role: 'community_admin', regionId: yongan.id }] });
    await person({ username: 'anlin-admin', passwordHash, name: '孙社区', roles: [{ role: 'community_admin', regionId: anlin.id }] });
    await person({ username: 'zuzhibu-admin', passwordHash, name: '周单位', roles: [{ role: 'unit_admin', unitId: organisation.id }] });

    const residents = [
      ['demo-resident-1', '张桂兰', '13800000001', '永安社区 3 号楼 2 单元 301', yongan],
      ['demo-resident-2', '李德明', '13800000002', '永安社区 7 号楼 1 单元 102', yongan],
      ['demo-resident-3', '王秀英', '13800000003', '安林社区 12 号楼 401', anlin],
    ] as const;
    for (const [openid, name, phone, address, community] of residents) {
      await person({ openid: `dev:${openid}`, name, phone, address, communityId: community.id, roles: [{ role: 'resident' }] });
    }

    const members = [
      ['demo-member-1', '陈建国', '13900000001', organisation, [yongan, anlin], 'approved'],
      ['demo-member-2', '杨晓燕', '13900000002', school, [yongan], 'approved'],
      ['demo-member-3', '马志强', '13900000003', hospital, [chunguang], 'approved'],
      ['demo-member-4', '高志远', '13900000004', organisation, [yongan], 'pending'],
    ] as const;
    for (const [openid, name, phone, employer, communities, status] of members) {
      const user = await person({ openid: `dev:${openid}`, name, phone, roles: status === 'approved' ? [{ role: 'resident' }, { role: 'member' }] : [{ role: 'resident' }] });
      for (const community of communities) {
        await m.getRepository(MemberRegistration).save({
          userId: user.id,
          unitId: employer.id,
          communityId: community.id,
          name,
          phoneCipher: cipher.encrypt(phone),
          skills: ['水电维修', '陪伴老人'],
          status,
          openSlot: 1,
          decisionReason: null,
          decidedBy: null,
          decidedAt: status === 'approved' ? now : null,
          createdAt: new Date(now.getTime() - 30 * DAY),
        });
      }
    }
  });
  const cast = await loadCast(dataSource);
  const wishes = await app.get(TransactionRunner).run((m) => writeDemoWishes(m, app.get(WishRepository), cipher, cast, clock.now()));
  new Logger('DemoSeed').log(`demo data created (乌兰察布市 / 集宁区 / 新体路街道 / 永安社区 …, ${wishes} wishes in every status)`);
  return true;
}

/** Finds the people and places the demo wishes are about. */
async function loadCast(dataSource: DataSource): Promise<DemoCast> {
  const region = (name: string) => dataSource.getRepository(Region).findOneByOrFail({ name });
  const user = (where: { openid: string } | { username: string }) => dataSource.getRepository(User).findOneOrFail({ where, select: { id: true, name: true, address: true } });
  const registration = async (userId: number) => (await dataSource.getRepository(MemberRegistration).findOneByOrFail({ userId, status: 'approved' })).unitId;
  const [yongan, anlin, chunguang] = await Promise.all(['永安社区', '安林社区', '春光社区'].map(region));
  const resident = async (openid: string, phone: string) => {
    const found = await user({ openid: `dev:${openid}` });
    return { id: found.id, name: found.name ?? '居民', phone, address: found.address ?? '' };
  };
  const member = async (openid: string) => {
    const found = await user({ openid: `dev:${openid}` });
    return { id: found.id, unitId: await registration(found.id) };
  };
  return {
    communities: { yongan, anlin, chunguang },
    residents: { zhang: await resident('demo-resident-1', '13800000001'), li: await resident('demo-resident-2', '13800000002'), wang: await resident('demo-resident-3', '13800000003') },
    members: { chen: await member('demo-member-1'), yang: await member('demo-member-2'), ma: await member('demo-member-3') },
    admins: {
      yongan: { id: (await user({ username: 'yongan-admin' })).id, role: 'community_admin' },
      anlin: { id: (await user({ username: 'anlin-admin' })).id, role: 'community_admin' },
      xintilu: { id: (await user({ username: 'xintilu-admin' })).id, role: 'region_admin' },
    },
  };
}

async function createPerson(m: EntityManager, fields: Partial<User> & { roles: RoleClaim[] }, now: Date): Promise<User> {
  const { roles, ...userFields } = fields;
  const user = await m.getRepository(User).save(m.getRepository(User).create({ ...userFields, createdAt: now, updatedAt: now }));
  for (const claim of roles) {
    await m.getRepository(RoleGrant).save({ userId: user.id, role: claim.role, regionId: claim.regionId ?? null, unitId: claim.unitId ?? null, scopeKey: scopeKeyOf(claim), createdAt: now });
  }
  return user;
}
