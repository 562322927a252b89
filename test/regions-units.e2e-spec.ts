import { devLogin, Session } from './support/auth';
import { expectError } from './support/errors';
import { buildCity, City } from './support/fixtures';
import { startTestApp, TestApp, testDatabases } from './support/test-app';

describe.each(testDatabases())('regions and units on %s', (kind) => {
  let t: TestApp;
  let city: City;
  let streetAdmin: Session;
  let a1Admin: Session;
  let resident: Session;

  beforeAll(async () => {
    t = await startTestApp(kind, 'regionsunits');
    city = await buildCity(t.dataSource);
    streetAdmin = await devLogin(t.http, 'street-a-admin', [{ role: 'region_admin', regionId: city.streetA.id }]);
    a1Admin = await devLogin(t.http, 'a1-admin', [{ role: 'community_admin', regionId: city.communityA1.id }]);
    resident = await devLogin(t.http, 'plain-resident');
  });
  afterAll(() => t?.close());

  const createRegion = (session: Session, body: object) => t.http.post('/api/v1/admin/regions').set(session.auth).send(body);

  describe('public region tree', () => {
    it('lists the roots without a token', async () => {
      const response = await t.http.get('/api/v1/regions');
      expect(response.status).toBe(200);
      expect(response.body).toEqual([{ id: city.city.id, parentId: null, level: 'city', name: '测试市', path: `/${city.city.id}/`, autoApprove: false, requireFulfilmentPhotos: true }]);
    });

    it('shows one region and its children', async () => {
      const one = await t.http.get(`/api/v1/regions/${city.communityA1.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual({
        id: city.communityA1.id,
        parentId: city.streetA.id,
        level: 'community',
        name: '甲一社区',
        path: `/${city.city.id}/${city.district.id}/${city.streetA.id}/${city.communityA1.id}/`,
        autoApprove: false,
        requireFulfilmentPhotos: true,
      });
      const children = await t.http.get(`/api/v1/regions/${city.district.id}/children`);
      expect(children.status).toBe(200);
      expect(children.body.map((r: { name: string; level: string }) => [r.name, r.level])).toEqual([
        ['乙街道', 'street'],
        ['甲街道', 'street'],
      ].sort(([a], [b]) => (a < b ? -1 : 1)));
      const leaf = await t.http.get(`/api/v1/regions/${city.communityB1.id}/children`);
      expect(leaf.body).toEqual([]);
    });

    it.each(['abc', '0', '-1', '1.5', '99999999999', '2147483648'])('refuses the id %j with 400 VALIDATION_FAILED', async (id) => {
      expectError(await t.http.get(`/api/v1/regions/${id}`), 400, 'VALIDATION_FAILED');
      expectError(await t.http.get(`/api/v1/regions/${id}/children`), 400, 'VALIDATION_FAILED');
    });

    it('answers an unknown id with 404 REGION_NOT_FOUND', async () => {
      expectError(await t.http.get('/api/v1/regions/2147483647'), 404, 'REGION_NOT_FOUND');
      expectError(await t.http.get('/api/v1/regions/987654/children'), 404, 'REGION_NOT_FOUND');
    });
  });

  describe('region administration', () => {
    it('creates a community under the own street and a grid under it, with derived level and path', async () => {
      const community = await createRegion(streetAdmin, { parentId: city.streetA.id, name: ' 甲三社区 ' });
      expect(community.status).toBe(201);
      expect(community.body).toEqual({ id: expect.any(Number), parentId: city.streetA.id, level: 'community', name: '甲三社区', path: `${city.streetA.path}${community.body.id}/`, autoApprove: false, requireFulfilmentPhotos: true });
      expect((await t.http.get(`/api/v1/regions/${community.body.id}`)).body).toEqual(community.body);

      const grid = await createRegion(streetAdmin, { parentId: community.body.id, name: '第一网格' });
      expect(grid.status).toBe(201);
      expect(grid.body).toMatchObject({ level: 'grid', parentId: community.body.id, path: `${community.body.path}${grid.body.id}/` });

      expectError(await createRegion(streetAdmin, { parentId: grid.body.id, name: '更下级' }), 422, 'REGION_HAS_NO_CHILD_LEVEL');
      const children = await t.http.get(`/api/v1/regions/${city.streetA.id}/children`);
      expect(children.body.map((r: { name: string }) => r.name)).toContain('甲三社区');
    });

    it('lets a community office add grids to its own community only', async () => {
      const grid = await createRegion(a1Admin, { parentId: city.communityA1.id, name: '甲一网格' });
      expect(grid.status).toBe(201);
      expect(grid.body.level).toBe('grid');
      expectError(await createRegion(a1Admin, { parentId: city.streetA.id, name: '越权社区' }), 404, 'REGION_NOT_FOUND');
      expectError(await createRegion(a1Admin, { parentId: city.communityA2.id, name: '越权网格' }), 404, 'REGION_NOT_FOUND');
    });

    it('answers 404 for a parent outside the scope or unknown, without creating anything', async () => {
      expectError(await createRegion(streetAdmin, { parentId: city.streetB.id, name: '乙三社区' }), 404, 'REGION_NOT_FOUND');
      expectError(await createRegion(streetAdmin, { parentId: 999999, name: '无' }), 404, 'REGION_NOT_FOUND');
      const names = (await t.http.get(`/api/v1/regions/${city.streetB.id}/children`)).body.map((r: { name: string }) => r.name);
      expect(names).toEqual(['乙一社区']);
    });

    it('refuses a duplicate name under the same parent, allows it under another', async () => {
      expectError(await createRegion(streetAdmin, { parentId: city.streetA.id, name: '甲一社区' }), 409, 'REGION_NAME_TAKEN');
      const a2Grid = await createRegion(streetAdmin, { parentId: city.communityA2.id, name: '甲一网格' });
      expect(a2Grid.status).toBe(201);
    });

    it('validates the body', async () => {
      for (const body of [{ parentId: city.streetA.id }, { parentId: city.streetA.id, name: '' }, { parentId: 'x', name: '社区' }, { parentId: city.streetA.id, name: '社\u0000区' }, { parentId: city.streetA.id, name: '长'.repeat(65) }, { parentId: city.streetA.id, name: '社区', level: 'city' }]) {
        expectError(await createRegion(streetAdmin, body), 400, 'VALIDATION_FAILED');
      }
    });

    it('sets autoApprove on a community, and refuses it anywhere else', async () => {
      const on = await t.http.patch(`/api/v1/admin/regions/${city.communityA2.id}`).set(streetAdmin.auth).send({ autoApprove: true });
      expect(on.status).toBe(200);
      expect(on.body).toMatchObject({ id: city.communityA2.id, autoApprove: true, name: '甲二社区' });
      expect((await t.http.get(`/api/v1/regions/${city.communityA2.id}`)).body.autoApprove).toBe(true);
      const off = await t.http.patch(`/api/v1/admin/regions/${city.communityA2.id}`).set(streetAdmin.auth).send({ autoApprove: false });
      expect(off.body.autoApprove).toBe(false);

      expectError(await t.http.patch(`/api/v1/admin/regions/${city.streetA.id}`).set(streetAdmin.auth).send({ autoApprove: true }), 422, 'REGION_NOT_A_COMMUNITY');
      expectError(await createRegion(a1Admin, { parentId: city.communityA1.id, name: '自动网格', autoApprove: true }), 422, 'REGION_NOT_A_COMMUNITY');
      const created = await createRegion(streetAdmin, { parentId: city.streetA.id, name: '甲四社区', autoApprove: true });
      expect(created.status).toBe(201);
      expect(created.body.autoApprove).toBe(true);
    });

    it('renames within the scope, refusing a sibling\'s name', async () => {
      const created = await createRegion(streetAdmin, { parentId: city.streetA.id, name: '待改名社区' });
      const renamed = await t.http.patch(`/api/v1/admin/regions/${created.body.id}`).set(streetAdmin.auth).send({ name: '已改名社区' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ name: '已改名社区', path: created.body.path });
      expect((await t.http.patch(`/api/v1/admin/regions/${created.body.id}`).set(streetAdmin.auth).send({ name: '已改名社区' })).status).toBe(200);
      expectError(await t.http.patch(`/api/v1/admin/regions/${created.body.id}`).set(streetAdmin.auth).send({ name: '甲二社区' }), 409, 'REGION_NAME_TAKEN');
      expectError(await t.http.patch(`/api/v1/admin/regions/${city.communityB1.id}`).set(streetAdmin.auth).send({ name: '偷改' }), 404, 'REGION_NOT_FOUND');
      expect((await t.http.get(`/api/v1/regions/${city.communityB1.id}`)).body.name).toBe('乙一社区');
    });

    it('deletes a leaf (204), refuses a region in use (409), and then treats the deleted id as unknown', async () => {
      const parent = await createRegion(streetAdmin, { parentId: city.streetA.id, name: '将删社区' });
      const leaf = await createRegion(streetAdmin, { parentId: parent.body.id, name: '将删网格' });
      expectError(await t.http.delete(`/api/v1/admin/regions/${parent.body.id}`).set(streetAdmin.auth), 409, 'REGION_IN_USE');

      const deleted = await t.http.delete(`/api/v1/admin/regions/${leaf.body.id}`).set(streetAdmin.auth);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expectError(await t.http.get(`/api/v1/regions/${leaf.body.id}`), 404, 'REGION_NOT_FOUND');
      expectError(await t.http.delete(`/api/v1/admin/regions/${leaf.body.id}`).set(streetAdmin.auth), 404, 'REGION_NOT_FOUND');
      expectError(await t.http.patch(`/api/v1/admin/regions/${leaf.body.id}`).set(streetAdmin.auth).send({ name: '复活' }), 404, 'REGION_NOT_FOUND');
      expectError(await createRegion(streetAdmin, { parentId: leaf.body.id, name: '孤儿' }), 404, 'REGION_NOT_FOUND');

      expect((await t.http.delete(`/api/v1/admin/regions/${parent.body.id}`).set(streetAdmin.auth)).status).toBe(204);
    });

    it('refuses to delete a community that units are paired with', async () => {
      expectError(await t.http.delete(`/api/v1/admin/regions/${city.communityA1.id}`).set(streetAdmin.auth), 409, 'REGION_IN_USE');
      expect((await t.http.get(`/api/v1/regions/${city.communityA1.id}`)).status).toBe(200);
    });

    it('does not let an admin delete the region that defines their own scope', async () => {
      expectError(await t.http.delete(`/api/v1/admin/regions/${city.streetA.id}`).set(streetAdmin.auth), 404, 'REGION_NOT_FOUND');
      const lonely = await createRegion(streetAdmin, { parentId: city.streetA.id, name: '独立社区' });
      const lonelyAdmin = await devLogin(t.http, 'lonely-admin', [{ role: 'community_admin', regionId: lonely.body.id }]);
      expectError(await t.http.delete(`/api/v1/admin/regions/${lonely.body.id}`).set(lonelyAdmin.auth), 404, 'REGION_NOT_FOUND');
      expect((await t.http.get(`/api/v1/regions/${lonely.body.id}`)).status).toBe(200);
    });

    it('answers 403 FORBIDDEN to a resident and 401 without a token', async () => {
      expectError(await createRegion(resident, { parentId: city.streetA.id, name: '居民社区' }), 403, 'FORBIDDEN');
      expectError(await t.http.patch(`/api/v1/admin/regions/${city.communityA1.id}`).set(resident.auth).send({ autoApprove: true }), 403, 'FORBIDDEN');
      expectError(await t.http.delete(`/api/v1/admin/regions/${city.communityB1.id}`).set(resident.auth), 403, 'FORBIDDEN');
      expectError(await t.http.post('/api/v1/admin/regions').send({ parentId: city.streetA.id, name: '匿名社区' }), 401, 'UNAUTHENTICATED');
      // A unit admin administers no region.
      const unitAdmin = await devLogin(t.http, 'gov-unit-admin', [{ role: 'unit_admin', unitId: city.unitGov.id }]);
      expectError(await createRegion(unitAdmin, { parentId: city.streetA.id, name: '单位社区' }), 403, 'FORBIDDEN');
    });
  });

  describe('units', () => {
    const createUnit = (session: Session, body: object) => t.http.post('/api/v1/admin/units').set(session.auth).send(body);

    it('lists units for any logged-in user, filtered by community through the pairings', async () => {
      expectError(await t.http.get('/api/v1/units'), 401, 'UNAUTHENTICATED');
      const all = await t.http.get('/api/v1/units').set(resident.auth);
      expect(all.status).toBe(200);
      expect(all.body).toEqual(
        expect.arrayContaining([
          { id: city.unitGov.id, name: '测试机关', kind: 'government', regionId: city.city.id, pairedCommunityIds: [city.communityA1.id, city.communityA2.id] },
          { id: city.unitSchool.id, name: '测试学校', kind: 'school', regionId: city.district.id, pairedCommunityIds: [city.communityB1.id] },
        ]),
      );
      const a1 = await t.http.get(`/api/v1/units?communityId=${city.communityA1.id}`).set(resident.auth);
      expect(a1.body.map((u: { id: number }) => u.id)).toEqual([city.unitGov.id]);
      const b1 = await t.http.get(`/api/v1/units?communityId=${city.communityB1.id}`).set(resident.auth);
      expect(b1.body.map((u: { id: number }) => u.id)).toEqual([city.unitSchool.id]);
      const none = await t.http.get(`/api/v1/units?communityId=${city.streetA.id}`).set(resident.auth);
      expect(none.body).toEqual([]);
      expectError(await t.http.get('/api/v1/units?communityId=abc').set(resident.auth), 400, 'VALIDATION_FAILED');
      expectError(await t.http.get('/api/v1/units?region=1').set(resident.auth), 400, 'VALIDATION_FAILED');
    });

    it('shows one unit, 404 UNIT_NOT_FOUND for an unknown one', async () => {
      const one = await t.http.get(`/api/v1/units/${city.unitSchool.id}`).set(resident.auth);
      expect(one.body).toMatchObject({ id: city.unitSchool.id, name: '测试学校', pairedCommunityIds: [city.communityB1.id] });
      expectError(await t.http.get('/api/v1/units/999999').set(resident.auth), 404, 'UNIT_NOT_FOUND');
      expectError(await t.http.get('/api/v1/units/x').set(resident.auth), 400, 'VALIDATION_FAILED');
    });

    it('creates a unit managed by a region in scope only', async () => {
      const created = await createUnit(streetAdmin, { name: ' 甲街道卫生院 ', kind: 'hospital', regionId: city.streetA.id });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(Number), name: '甲街道卫生院', kind: 'hospital', regionId: city.streetA.id, pairedCommunityIds: [] });
      expectError(await createUnit(streetAdmin, { name: '乙街道企业', kind: 'enterprise', regionId: city.streetB.id }), 404, 'REGION_NOT_FOUND');
      expectError(await createUnit(streetAdmin, { name: '测试机关', kind: 'government', regionId: city.streetA.id }), 409, 'UNIT_NAME_TAKEN');
      expectError(await createUnit(streetAdmin, { name: '怪单位', kind: 'alien', regionId: city.streetA.id }), 400, 'VALIDATION_FAILED');
      expectError(await createUnit(resident, { name: '居民单位', kind: 'other', regionId: city.streetA.id }), 403, 'FORBIDDEN');
    });

    it('updates a unit in scope: each field alone, an empty body, a taken name', async () => {
      const created = await createUnit(streetAdmin, { name: '甲街道小学', kind: 'school', regionId: city.streetA.id });
      const id = created.body.id;
      const renamed = await t.http.patch(`/api/v1/admin/units/${id}`).set(streetAdmin.auth).send({ name: '甲街道第一小学' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id, name: '甲街道第一小学', kind: 'school' });
      const rekinded = await t.http.patch(`/api/v1/admin/units/${id}`).set(streetAdmin.auth).send({ kind: 'institution' });
      expect(rekinded.status).toBe(200);
      expect(rekinded.body).toMatchObject({ id, name: '甲街道第一小学', kind: 'institution' });
      const unchanged = await t.http.patch(`/api/v1/admin/units/${id}`).set(streetAdmin.auth).send({});
      expect(unchanged.status).toBe(200);
      expect(unchanged.body).toMatchObject({ id, name: '甲街道第一小学', kind: 'institution' });
      expectError(await t.http.patch(`/api/v1/admin/units/${id}`).set(streetAdmin.auth).send({ name: '测试学校' }), 409, 'UNIT_NAME_TAKEN');
      expectError(await t.http.patch(`/api/v1/admin/units/${id}`).set(streetAdmin.auth).send({ regionId: city.city.id }), 400, 'VALIDATION_FAILED');
      // unitGov is managed by the city office: out of a street office's scope.
      expectError(await t.http.patch(`/api/v1/admin/units/${city.unitGov.id}`).set(streetAdmin.auth).send({ name: '改名' }), 404, 'UNIT_NOT_FOUND');
      expectError(await t.http.patch('/api/v1/admin/units/999999').set(streetAdmin.auth).send({ name: '改名' }), 404, 'UNIT_NOT_FOUND');
      expect((await t.http.get(`/api/v1/units/${city.unitGov.id}`).set(resident.auth)).body.name).toBe('测试机关');
    });

    it('pairs and unpairs a unit with a community in scope', async () => {
      const unit = (await createUnit(streetAdmin, { name: '甲街道供电所', kind: 'enterprise', regionId: city.streetA.id })).body;
      const paired = await t.http.post(`/api/v1/admin/units/${unit.id}/pairings`).set(streetAdmin.auth).send({ communityId: city.communityA1.id });
      expect(paired.status).toBe(200);
      expect(paired.body.pairedCommunityIds).toEqual([city.communityA1.id]);
      const again = await t.http.post(`/api/v1/admin/units/${unit.id}/pairings`).set(streetAdmin.auth).send({ communityId: city.communityA1.id });
      expect(again.status).toBe(200);
      expect(again.body.pairedCommunityIds).toEqual([city.communityA1.id]);
      const listed = await t.http.get(`/api/v1/units?communityId=${city.communityA1.id}`).set(resident.auth);
      expect(listed.body.map((u: { id: number }) => u.id)).toContain(unit.id);

      expectError(await t.http.post(`/api/v1/admin/units/${unit.id}/pairings`).set(streetAdmin.auth).send({ communityId: city.communityB1.id }), 404, 'REGION_NOT_FOUND');
      expectError(await t.http.post(`/api/v1/admin/units/${unit.id}/pairings`).set(streetAdmin.auth).send({ communityId: city.streetA.id }), 422, 'REGION_NOT_A_COMMUNITY');
      expectError(await t.http.post('/api/v1/admin/units/999999/pairings').set(streetAdmin.auth).send({ communityId: city.communityA1.id }), 404, 'UNIT_NOT_FOUND');
      expectError(await t.http.delete(`/api/v1/admin/units/${city.unitSchool.id}/pairings/${city.communityB1.id}`).set(streetAdmin.auth), 404, 'REGION_NOT_FOUND');
      expect((await t.http.get(`/api/v1/units/${city.unitSchool.id}`).set(resident.auth)).body.pairedCommunityIds).toEqual([city.communityB1.id]);

      const unpaired = await t.http.delete(`/api/v1/admin/units/${unit.id}/pairings/${city.communityA1.id}`).set(streetAdmin.auth);
      expect(unpaired.status).toBe(200);
      expect(unpaired.body.pairedCommunityIds).toEqual([]);
      const after = await t.http.get(`/api/v1/units?communityId=${city.communityA1.id}`).set(resident.auth);
      expect(after.body.map((u: { id: number }) => u.id)).not.toContain(unit.id);
    });

    it('lets a community office pair any unit with its own community', async () => {
      const paired = await t.http.post(`/api/v1/admin/units/${city.unitSchool.id}/pairings`).set(a1Admin.auth).send({ communityId: city.communityA1.id });
      expect(paired.status).toBe(200);
      expect(paired.body.pairedCommunityIds).toEqual([city.communityA1.id, city.communityB1.id].sort((a, b) => a - b));
      expectError(await t.http.post(`/api/v1/admin/units/${city.unitSchool.id}/pairings`).set(a1Admin.auth).send({ communityId: city.communityA2.id }), 404, 'REGION_NOT_FOUND');
      const unpaired = await t.http.delete(`/api/v1/admin/units/${city.unitSchool.id}/pairings/${city.communityA1.id}`).set(a1Admin.auth);
      expect(unpaired.body.pairedCommunityIds).toEqual([city.communityB1.id]);
    });

    it('deletes a unit in scope, refuses one with registrations (409 UNIT_IN_USE) or out of scope (404)', async () => {
      const spare = (await createUnit(streetAdmin, { name: '将撤销单位', kind: 'other', regionId: city.streetA.id })).body;
      await t.http.post(`/api/v1/admin/units/${spare.id}/pairings`).set(streetAdmin.auth).send({ communityId: city.communityA2.id }).expect(200);
      expect((await t.http.delete(`/api/v1/admin/units/${spare.id}`).set(streetAdmin.auth)).status).toBe(204);
      expectError(await t.http.get(`/api/v1/units/${spare.id}`).set(resident.auth), 404, 'UNIT_NOT_FOUND');
      const a2Units = await t.http.get(`/api/v1/units?communityId=${city.communityA2.id}`).set(resident.auth);
      expect(a2Units.body.map((u: { id: number }) => u.id)).toEqual([city.unitGov.id]);

      const busy = (await createUnit(streetAdmin, { name: '有党员的单位', kind: 'enterprise', regionId: city.streetA.id })).body;
      const member = await devLogin(t.http, 'busy-unit-member');
      const registration = await t.http.post('/api/v1/members/registrations').set(member.auth).send({ unitId: busy.id, communityId: city.communityA1.id, name: '李党员', phone: '13900139000' });
      expect(registration.status).toBe(201);
      expectError(await t.http.delete(`/api/v1/admin/units/${busy.id}`).set(streetAdmin.auth), 409, 'UNIT_IN_USE');
      expect((await t.http.get(`/api/v1/units/${busy.id}`).set(resident.auth)).status).toBe(200);

      expectError(await t.http.delete(`/api/v1/admin/units/${city.unitGov.id}`).set(streetAdmin.auth), 404, 'UNIT_NOT_FOUND');
      expectError(await t.http.delete(`/api/v1/admin/units/${city.unitGov.id}`).set(resident.auth), 403, 'FORBIDDEN');
    });
  });
});
