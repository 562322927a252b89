import { FieldCipher } from '../../src/common/crypto/field-cipher';
import { MemberRegistration } from '../../src/members/member-registration.entity';
import { devLogin, Session } from './auth';
import { buildCity, City } from './fixtures';
import type { TestApp } from './test-app';

export interface WishWorld extends City {
  residentA: Session;
  residentB: Session;
  memberA1: Session;
  memberA1b: Session;
  memberA2: Session;
  adminA1: Session;
  adminA2: Session;
  adminStreetA: Session;
  adminStreetB: Session;
  unitAdminGov: Session;
}

/** Gives a member an approved 双报到 registration (the registration flow itself is tested elsewhere). */
export async function registerMember(t: TestApp, userId: number, communityId: number, unitId: number): Promise<void> {
  const cipher = t.app.get(FieldCipher);
  await t.dataSource.getRepository(MemberRegistration).insert({
    userId,
    unitId,
    communityId,
    name: `党员${userId}`,
    phoneCipher: cipher.encrypt('13911112222'),
    skills: [],
    status: 'approved',
    openSlot: 1,
    decisionReason: null,
    decidedBy: null,
    decidedAt: t.clock.now(),
    createdAt: t.clock.now(),
  });
}

/** A member logged in and registered in the given communities. */
export async function newMember(t: TestApp, openid: string, communityIds: number[], unitId: number, name = '党员'): Promise<Session> {
  const session = await devLogin(t.http, openid, [{ role: 'member' }], name);
  for (const communityId of communityIds) await registerMember(t, session.userId, communityId, unitId);
  return session;
}

/** The cast of the wish suites: residents, members registered here and elsewhere, offices at each level. */
export async function buildWishWorld(t: TestApp): Promise<WishWorld> {
  const city = await buildCity(t.dataSource);
  const residentA = await devLogin(t.http, 'resident-a', [], '张三明');
  await t.http.patch('/api/v1/me').set(residentA.auth).send({ phone: '13800001111', address: '甲一社区 3 号楼 301', communityId: city.communityA1.id }).expect(200);
  const residentB = await devLogin(t.http, 'resident-b', [], '李四');
  return {
    ...city,
    residentA,
    residentB,
    memberA1: await newMember(t, 'member-a1', [city.communityA1.id], city.unitGov.id, '陈建国'),
    memberA1b: await newMember(t, 'member-a1b', [city.communityA1.id], city.unitSchool.id, '杨晓燕'),
    memberA2: await newMember(t, 'member-a2', [city.communityA2.id], city.unitGov.id, '马志强'),
    adminA1: await devLogin(t.http, 'admin-a1', [{ role: 'community_admin', regionId: city.communityA1.id }], '甲一社工'),
    adminA2: await devLogin(t.http, 'admin-a2', [{ role: 'community_admin', regionId: city.communityA2.id }], '甲二社工'),
    adminStreetA: await devLogin(t.http, 'admin-street-a', [{ role: 'region_admin', regionId: city.streetA.id }], '甲街道'),
    adminStreetB: await devLogin(t.http, 'admin-street-b', [{ role: 'region_admin', regionId: city.streetB.id }], '乙街道'),
    unitAdminGov: await devLogin(t.http, 'unit-admin-gov', [{ role: 'unit_admin', unitId: city.unitGov.id }], '机关管理员'),
  };
}

let counter = 0;
/** A valid wish body for community `communityId`. */
export function wishBody(communityId: number, overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    communityId,
    title: `楼道灯坏了 ${counter}`,
    description: '3 号楼 2 单元三楼到四楼的楼道灯坏了，老人晚上上下楼看不见。',
    category: '设施维修',
    kind: 'public',
    ...overrides,
  };
}
