import { MINUTE } from '../src/common/time/clock';
import { MemberRegistration } from '../src/members/member-registration.entity';
import { devLogin, Session } from './support/auth';
import { expectError } from './support/errors';
import { buildCity, City } from './support/fixtures';
import { startTestApp, TestApp, testDatabases } from './support/test-app';

interface RegistrationBody {
  unitId: number;
  communityId: number;
  name: string;
  phone: string;
  skills?: string[];
}

describe.each(testDatabases())('双报到 registrations on %s', (kind) => {
  let t: TestApp;
  let city: City;
  let a1Admin: Session;
  let a2Admin: Session;
  let streetAAdmin: Session;
  let streetBAdmin: Session;
  let govUnitAdmin: Session;
  let memberSeq = 0;

  beforeAll(async () => {
    t = await startTestApp(kind, 'registrations');
    city = await buildCity(t.dataSource);
    a1Admin = await devLogin(t.http, 'office-a1', [{ role: 'community_admin', regionId: city.communityA1.id }]);
    a2Admin = await devLogin(t.http, 'office-a2', [{ role: 'community_admin', regionId: city.communityA2.id }]);
    streetAAdmin = await devLogin(t.http, 'office-street-a', [{ role: 'region_admin', regionId: city.streetA.id }]);
    streetBAdmin = await devLogin(t.http, 'office-street-b', [{ role: 'region_admin', regionId: city.streetB.id }]);
    govUnitAdmin = await devLogin(t.http, 'office-unit-gov', [{ role: 'unit_admin', unitId: city.unitGov.id }]);
  });
  afterAll(() => t?.close());

  const newMember = () => devLogin(t.http, `member-${++memberSeq}`);
  const body = (overrides: Partial<RegistrationBody> = {}): RegistrationBody => ({
    unitId: city.unitGov.id,
    communityId: city.communityA1.id,
    name: '李建国',
    phone: '13900139000',
    ...overrides,
  });
  const register = (session: Session, overrides: Partial<RegistrationBody> = {}) => t.http.post('/api/v1/members/registrations').set(session.auth).send(body(overrides));
  const approve = (session: Session, id: number) => t.http.post(`/api/v1/admin/registrations/${id}/approve`).set(session.auth);
  const reject = (session: Session, id: number, reason?: unknown) => t.http.post(`/api/v1/admin/registrations/${id}/reject`).set(session.auth).send(reason === undefined ? {} : { reason });
  async function registered(session: Session, overrides: Partial<RegistrationBody> = {}): Promise<number> {
    const response = await register(session, overrides);
    expect(response.status).toBe(201);
    return response.body.id;
  }

  describe('registering', () => {
    it('creates a pending registration and shows it to the member', async () => {
      const member = await newMember();
      const response = await register(member, { skills: ['水电维修', '陪伴老人'] });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.any(Number),
        userId: member.userId,
        unitId: city.unitGov.id,
        unitName: '测试机关',
        communityId: city.communityA1.id,
        communityName: '甲一社区',
        name: '李建国',
        phone: '13900139000',
        skills: ['水电维修', '陪伴老人'],
        status: 'pending',
        decisionReason: null,
        createdAt: t.clock.now().toISOString(),
        decidedAt: null,
      });
      const mine = await t.http.get('/api/v1/members/registrations/mine').set(member.auth);
      expect(mine.status).toBe(200);
      expect(mine.body).toEqual([response.body]);
    });

    it('stores the phone encrypted', async () => {
      const member = await newMember();
      const id = await registered(member, { phone: '13712345678' });
      const [row] = await t.dataSource.query('SELECT phone_cipher AS phoneCipher FROM member_registration WHERE id = ?', [id]);
      expect(row.phoneCipher).toMatch(/^v1\./);
      expect(row.phoneCipher).not.toContain('13712345678');
      expect(row.phoneCipher).not.toContain('12345678');
      expect(JSON.stringify(await t.dataSource.query('SELECT * FROM member_registration WHERE id = ?', [id]))).not.toContain('13712345678');
    });

    it('refuses a second registration with the same community while one is pending or approved', async () => {
      const member = await newMember();
      const first = await registered(member);
      expectError(await register(member, { unitId: city.unitSchool.id }), 409, 'REGISTRATION_EXISTS');
      // Another community is a separate registration.
      expect((await register(member, { communityId: city.communityA2.id })).status).toBe(201);

      expect((await approve(a1Admin, first)).status).toBe(200);
      expectError(await register(member), 409, 'REGISTRATION_EXISTS');
      const mine = await t.http.get('/api/v1/members/registrations/mine').set(member.auth);
      expect(mine.body.map((r: { communityId: number; status: string }) => [r.communityId, r.status]).sort()).toEqual(
        [[city.communityA1.id, 'approved'], [city.communityA2.id, 'pending']].sort(),
      );
    });

    it('lets exactly one of several identical concurrent registrations through', async () => {
      const member = await newMember();
      const results = await Promise.all(Array.from({ length: 6 }, () => register(member)));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      for (const loser of results.filter((r) => r.status === 409)) expectError(loser, 409, 'REGISTRATION_EXISTS');
      expect(await t.dataSource.getRepository(MemberRegistration).countBy({ userId: member.userId })).toBe(1);
    });

    it('lets a rejected member apply again', async () => {
      const member = await newMember();
      const first = await registered(member);
      const rejected = await reject(a1Admin, first, '单位信息与组织关系不符');
      expect(rejected.status).toBe(200);
      const second = await register(member, { unitId: city.unitSchool.id });
      expect(second.status).toBe(201);
      expect(second.body.status).toBe('pending');
      expect(second.body.id).not.toBe(first);
      expectError(await register(member), 409, 'REGISTRATION_EXISTS');
      const mine = await t.http.get('/api/v1/members/registrations/mine').set(member.auth);
      expect(mine.body.map((r: { id: number; status: string }) => [r.id, r.status])).toEqual(
        expect.arrayContaining([[first, 'rejected'], [second.body.id, 'pending']]),
      );
      expect(mine.body).toHaveLength(2);
    });

    it('refuses a region that is not a community, an unknown community and an unknown unit', async () => {
      const member = await newMember();
      expectError(await register(member, { communityId: city.streetA.id }), 422, 'REGION_NOT_A_COMMUNITY');
      expectError(await register(member, { communityId: 999999 }), 404, 'REGION_NOT_FOUND');
      expectError(await register(member, { unitId: 999999 }), 404, 'UNIT_NOT_FOUND');
      expect((await t.http.get('/api/v1/members/registrations/mine').set(member.auth)).body).toEqual([]);
    });

    it.each([
      ['no name', { name: undefined }],
      ['a bad phone', { phone: '1390013900' }],
      ['a unit id as text', { unitId: 'gov' }],
      ['too many skills', { skills: Array.from({ length: 11 }, (_, i) => `技能${i}`) }],
      ['repeated skills', { skills: ['维修', '维修'] }],
      ['an empty skill', { skills: [''] }],
      ['a NUL byte in the name', { name: '李\u0000建国' }],
      ['an unknown field', { status: 'approved' }],
    ])('refuses %s with 400 VALIDATION_FAILED', async (_label, overrides) => {
      const member = await newMember();
      expectError(await t.http.post('/api/v1/members/registrations').set(member.auth).send({ ...body(), ...overrides }), 400, 'VALIDATION_FAILED');
    });

    it('needs a login', async () => {
      expectError(await t.http.post('/api/v1/members/registrations').send(body()), 401, 'UNAUTHENTICATED');
      expectError(await t.http.get('/api/v1/members/registrations/mine'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('deciding', () => {
    it('approves: the registration is approved and the member role arrives with the next token refresh', async () => {
      const member = await newMember();
      const id = await registered(member);
      t.clock.advance(5 * MINUTE);
      const response = await approve(a1Admin, id);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id, status: 'approved', decisionReason: null, decidedAt: t.clock.now().toISOString() });

      const before = await t.http.get('/api/v1/me').set(member.auth);
      expect(before.body.roles).toEqual([{ role: 'resident' }, { role: 'member' }]);
      const refreshed = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: member.refreshToken });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.user.roles).toEqual([{ role: 'resident' }, { role: 'member' }]);

      // A second approval elsewhere does not grant the role twice.
      const other = await registered(member, { communityId: city.communityA2.id });
      expect((await approve(a2Admin, other)).status).toBe(200);
      const again = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: refreshed.body.refreshToken });
      expect(again.body.user.roles).toEqual([{ role: 'resident' }, { role: 'member' }]);
    });

    it('does not grant the member role on rejection', async () => {
      const member = await newMember();
      const id = await registered(member);
      expect((await reject(a1Admin, id, '不是本社区党员')).status).toBe(200);
      const refreshed = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: member.refreshToken });
      expect(refreshed.body.user.roles).toEqual([{ role: 'resident' }]);
    });

    it('answers 404 REGISTRATION_NOT_FOUND to offices of other communities and streets, and to unit admins', async () => {
      const member = await newMember();
      const id = await registered(member);
      for (const outsider of [a2Admin, streetBAdmin, govUnitAdmin]) {
        expectError(await approve(outsider, id), 404, 'REGISTRATION_NOT_FOUND');
        expectError(await reject(outsider, id, '越权'), 404, 'REGISTRATION_NOT_FOUND');
      }
      // The same answer as for an id that does not exist: ids cannot be probed.
      const unknown = await approve(a2Admin, 99999999);
      expectError(unknown, 404, 'REGISTRATION_NOT_FOUND');
      expect((await approve(a2Admin, id)).body.message).toBe(unknown.body.message);
      const mine = await t.http.get('/api/v1/members/registrations/mine').set(member.auth);
      expect(mine.body[0].status).toBe('pending');
    });

    it('lets the street office above the community decide', async () => {
      const member = await newMember();
      const id = await registered(member);
      const response = await approve(streetAAdmin, id);
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('approved');
      const [row] = await t.dataSource.query('SELECT decided_by AS decidedBy FROM member_registration WHERE id = ?', [id]);
      expect(row.decidedBy).toBe(streetAAdmin.userId);
    });

    it('requires a reason to reject', async () => {
      const member = await newMember();
      const id = await registered(member);
      expectError(await reject(a1Admin, id), 400, 'VALIDATION_FAILED');
      expectError(await reject(a1Admin, id, '   '), 400, 'VALIDATION_FAILED');
      expectError(await reject(a1Admin, id, 42), 400, 'VALIDATION_FAILED');
      expectError(await reject(a1Admin, id, '理'.repeat(201)), 400, 'VALIDATION_FAILED');
      expect((await t.http.get('/api/v1/members/registrations/mine').set(member.auth)).body[0].status).toBe('pending');

      const response = await reject(a1Admin, id, '  请先在单位党组织完成报到  ');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'rejected', decisionReason: '请先在单位党组织完成报到', decidedAt: t.clock.now().toISOString() });
      expect((await t.http.get('/api/v1/members/registrations/mine').set(member.auth)).body[0]).toMatchObject({ status: 'rejected', decisionReason: '请先在单位党组织完成报到' });
    });

    it('answers 409 REGISTRATION_NOT_PENDING to a second decision', async () => {
      const member = await newMember();
      const approved = await registered(member);
      expect((await approve(a1Admin, approved)).status).toBe(200);
      expectError(await approve(a1Admin, approved), 409, 'REGISTRATION_NOT_PENDING');
      expectError(await reject(streetAAdmin, approved, '改主意了'), 409, 'REGISTRATION_NOT_PENDING');

      const rejected = await registered(member, { communityId: city.communityA2.id });
      expect((await reject(a2Admin, rejected, '信息不全')).status).toBe(200);
      expectError(await approve(a2Admin, rejected), 409, 'REGISTRATION_NOT_PENDING');
      const mine = await t.http.get('/api/v1/members/registrations/mine').set(member.auth);
      expect(mine.body.find((r: { id: number }) => r.id === rejected)).toMatchObject({ status: 'rejected', decisionReason: '信息不全' });
    });

    it('lets exactly one of several offices deciding at once win', async () => {
      const member = await newMember();
      const id = await registered(member);
      const deciders = [a1Admin, streetAAdmin, a1Admin, streetAAdmin, a1Admin, streetAAdmin];
      const results = await Promise.all(deciders.map((admin) => approve(admin, id)));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
      for (const loser of results.filter((r) => r.status === 409)) expectError(loser, 409, 'REGISTRATION_NOT_PENDING');
    });

    it('settles an approval racing a rejection: one wins and the record agrees with it', async () => {
      const member = await newMember();
      const id = await registered(member);
      const [approval, rejection] = await Promise.all([approve(a1Admin, id), reject(streetAAdmin, id, '重复报到')]);
      expect([approval.status, rejection.status].sort()).toEqual([200, 409]);
      const expected = approval.status === 200 ? 'approved' : 'rejected';
      const [mine] = (await t.http.get('/api/v1/members/registrations/mine').set(member.auth)).body;
      expect(mine.status).toBe(expected);
      const roles = (await t.http.get('/api/v1/me').set(member.auth)).body.roles.map((r: { role: string }) => r.role);
      expect(roles.includes('member')).toBe(expected === 'approved');
    });

    it('refuses residents with 403 FORBIDDEN and bad ids with 400', async () => {
      const member = await newMember();
      const id = await registered(member);
      expectError(await approve(member, id), 403, 'FORBIDDEN');
      expectError(await reject(member, id, '自己拒绝'), 403, 'FORBIDDEN');
      expectError(await t.http.get('/api/v1/admin/registrations').set(member.auth), 403, 'FORBIDDEN');
      expectError(await t.http.post('/api/v1/admin/registrations/abc/approve').set(a1Admin.auth), 400, 'VALIDATION_FAILED');
    });
  });

  describe('admin list', () => {
    // Registrations made for this block: unitGov members in A1, A2 and B1, a unitSchool member in A1.
    let ownIds: { a1Gov: number[]; a2Gov: number; b1Gov: number; a1School: number };

    beforeAll(async () => {
      const regs: number[] = [];
      for (let i = 0; i < 3; i++) {
        t.clock.advance(MINUTE);
        regs.push(await registered(await newMember(), { name: `甲一党员${i}` }));
      }
      // Two at the very same instant: the id breaks the tie.
      const a2Gov = await registered(await newMember(), { communityId: city.communityA2.id });
      const b1Gov = await registered(await newMember(), { communityId: city.communityB1.id });
      t.clock.advance(MINUTE);
      const a1School = await registered(await newMember(), { unitId: city.unitSchool.id });
      ownIds = { a1Gov: regs, a2Gov, b1Gov, a1School };
    });

    /** Ids the database says a scope should see, newest first. */
    async function expectedIds(filter: (row: MemberRegistration) => boolean): Promise<number[]> {
      const rows = await t.dataSource.getRepository(MemberRegistration).find();
      return rows
        .filter(filter)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
        .map((row) => row.id);
    }

    /** Follows nextCursor from the first page to the end; fails on a repeated id. */
    async function walk(session: Session, query: Record<string, string | number>): Promise<number[]> {
      const seen: number[] = [];
      let cursor: string | null | undefined;
      for (let page = 0; page < 200; page++) {
        const response = await t.http.get('/api/v1/admin/registrations').set(session.auth).query({ ...query, ...(cursor ? { cursor } : {}) });
        expect(response.status).toBe(200);
        expect(response.body.items.length).toBeLessThanOrEqual(Number(query.limit ?? 20));
        seen.push(...response.body.items.map((item: { id: number }) => item.id));
        cursor = response.body.nextCursor;
        if (cursor === null) break;
        expect(typeof cursor).toBe('string');
      }
      expect(cursor).toBeNull();
      expect(new Set(seen).size).toBe(seen.length);
      return seen;
    }

    it('shows a community office only its own community', async () => {
      const expected = await expectedIds((row) => row.communityId === city.communityA1.id);
      expect(expected).toEqual(expect.arrayContaining([...ownIds.a1Gov, ownIds.a1School]));
      expect(expected).not.toContain(ownIds.a2Gov);
      expect(await walk(a1Admin, { limit: 100 })).toEqual(expected);
    });

    it('shows a unit admin its own members in every community, and nobody else', async () => {
      const expected = await expectedIds((row) => row.unitId === city.unitGov.id);
      expect(expected).toEqual(expect.arrayContaining([...ownIds.a1Gov, ownIds.a2Gov, ownIds.b1Gov]));
      expect(expected).not.toContain(ownIds.a1School);
      expect(await walk(govUnitAdmin, { limit: 100 })).toEqual(expected);
    });

    it('shows a street office every community under it', async () => {
      const expected = await expectedIds((row) => row.communityId === city.communityA1.id || row.communityId === city.communityA2.id);
      expect(expected).toEqual(expect.arrayContaining([ownIds.a2Gov, ownIds.a1School]));
      expect(expected).not.toContain(ownIds.b1Gov);
      expect(await walk(streetAAdmin, { limit: 100 })).toEqual(expected);
      expect(await walk(streetBAdmin, { limit: 100 })).toEqual(await expectedIds((row) => row.communityId === city.communityB1.id));
    });

    it('walks every page with limit=1 without repeats or gaps, in newest-first order', async () => {
      const expected = await expectedIds((row) => row.communityId === city.communityA1.id || row.communityId === city.communityA2.id);
      expect(await walk(streetAAdmin, { limit: 1 })).toEqual(expected);
      expect(await walk(streetAAdmin, { limit: 2 })).toEqual(expected);
      const first = await t.http.get('/api/v1/admin/registrations').set(streetAAdmin.auth).query({ limit: 1 });
      expect(first.body.items).toHaveLength(1);
      expect(first.body.items[0]).toMatchObject({ id: expected[0], phone: expect.stringMatching(/^1\d{10}$/), unitName: expect.any(String), communityName: expect.any(String) });
    });

    it('filters by status, community and unit within the scope', async () => {
      const pending = await walk(streetAAdmin, { limit: 3, status: 'pending' });
      expect(pending).toEqual(await expectedIds((row) => row.status === 'pending' && [city.communityA1.id, city.communityA2.id].includes(row.communityId)));
      const a2 = await walk(streetAAdmin, { limit: 100, communityId: city.communityA2.id });
      expect(a2).toEqual(await expectedIds((row) => row.communityId === city.communityA2.id));
      const school = await walk(streetAAdmin, { limit: 100, unitId: city.unitSchool.id });
      expect(school).toEqual(await expectedIds((row) => row.unitId === city.unitSchool.id && [city.communityA1.id, city.communityA2.id].includes(row.communityId)));
      // A filter cannot widen the scope.
      expect(await walk(a1Admin, { limit: 100, communityId: city.communityB1.id })).toEqual([]);
    });

    it('answers a garbage cursor with 400 CURSOR_INVALID and a bad limit with 400 VALIDATION_FAILED', async () => {
      for (const cursor of ['not-a-cursor', 'AAAA', Buffer.from('[1,2,3]').toString('base64url'), Buffer.from('[9000000000000000,1]').toString('base64url')]) {
        expectError(await t.http.get('/api/v1/admin/registrations').set(a1Admin.auth).query({ cursor }), 400, 'CURSOR_INVALID');
      }
      for (const limit of ['0', '101', 'ten', '1.5']) {
        expectError(await t.http.get('/api/v1/admin/registrations').set(a1Admin.auth).query({ limit }), 400, 'VALIDATION_FAILED');
      }
      expectError(await t.http.get('/api/v1/admin/registrations').set(a1Admin.auth).query({ status: 'done' }), 400, 'VALIDATION_FAILED');
    });

    it('answers the default page size of 20', async () => {
      const response = await t.http.get('/api/v1/admin/registrations').set(streetAAdmin.auth);
      expect(response.status).toBe(200);
      const total = (await expectedIds((row) => [city.communityA1.id, city.communityA2.id].includes(row.communityId))).length;
      expect(response.body.items).toHaveLength(Math.min(20, total));
      expect(response.body.nextCursor === null).toBe(total <= 20);
    });
  });
});
