import { Wish } from '../src/wishes/wish.entity';
import type { Session } from './support/auth';
import { allowFulfilWithoutPhotos } from './support/photos';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, WishWorld, wishBody } from './support/wish-world';

/**
 * Each role sees exactly the fields it should (DESIGN.md §3). Absence of the resident's phone,
 * address and openid is asserted, not only the presence of the allowed fields.
 */
describe.each(testDatabases())('wish privacy on %s', (kind) => {
  let t: TestApp;
  let w: WishWorld;
  let wishId: number;
  const PHONE = '13800001111';
  const ADDRESS = '甲一社区 3 号楼 301';

  beforeAll(async () => {
    t = await startTestApp(kind, 'privacy');
    w = await buildWishWorld(t);
    await allowFulfilWithoutPhotos(t, w.communityA1.id);
    const submitted = await t.http.post('/api/v1/wishes').set(w.residentA.auth).send(wishBody(w.communityA1.id, { kind: 'personal', title: '一台电风扇' }));
    wishId = submitted.body.id;
    await t.http.post(`/api/v1/admin/wishes/${wishId}/approve`).set(w.adminA1.auth).send({}).expect(200);
    await t.http.post(`/api/v1/wishes/${wishId}/claim`).set(w.memberA1.auth).expect(200);
  });
  afterAll(() => t?.close());

  const PUBLIC_FIELDS = ['id', 'title', 'description', 'category', 'kind', 'status', 'statusLabel', 'channel', 'communityId', 'communityName', 'residentName', 'photos', 'createdAt', 'reviewedAt', 'claimedAt'];

  function assertNoSecrets(body: unknown): void {
    const text = JSON.stringify(body);
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain(ADDRESS);
    expect(text).not.toContain('dev:resident-a');
    expect(text).not.toMatch(/openid|phoneCipher|sessionKey|regionPath|idempotencyKey/i);
  }

  type Expectation = { who: () => Session; status: number; contact?: boolean; claimer?: boolean };
  const cases: Record<string, Expectation> = {
    'the resident who posted it': { who: () => w.residentA, status: 200, contact: false, claimer: true },
    'the member holding the claim': { who: () => w.memberA1, status: 200, contact: true, claimer: true },
    'another member registered in the community': { who: () => w.memberA1b, status: 200, contact: false, claimer: false },
    'the community office': { who: () => w.adminA1, status: 200, contact: true, claimer: true },
    'the street office above it': { who: () => w.adminStreetA, status: 200, contact: true, claimer: true },
    'the unit admin of the claimer': { who: () => w.unitAdminGov, status: 200, contact: false, claimer: true },
    'another resident': { who: () => w.residentB, status: 404 },
    'a member registered elsewhere': { who: () => w.memberA2, status: 404 },
    'the office of a sibling community': { who: () => w.adminA2, status: 404 },
    'the office of another street': { who: () => w.adminStreetB, status: 404 },
  };

  it.each(Object.entries(cases))('detail as %s', async (_label, expected) => {
    const response = await t.http.get(`/api/v1/wishes/${wishId}`).set(expected.who().auth);
    expect(response.status).toBe(expected.status);
    if (expected.status !== 200) {
      expect(response.body.code).toBe('WISH_NOT_FOUND');
      assertNoSecrets(response.body);
      return;
    }
    const allowed = [...PUBLIC_FIELDS, ...(expected.contact ? ['contact'] : []), ...(expected.claimer ? ['claimer'] : [])];
    expect(Object.keys(response.body).sort()).toEqual(allowed.sort());
    expect(response.body.residentName).toBe('张*明');
    if (expected.contact) {
      expect(response.body.contact).toEqual({ name: '张三明', phone: PHONE, address: ADDRESS });
    } else {
      assertNoSecrets(response.body);
    }
    if (expected.claimer) expect(response.body.claimer).toEqual({ id: w.memberA1.userId, name: '陈建国' });
  });

  it('the timeline is visible to the same people, with actor ids for offices only', async () => {
    const asResident = await t.http.get(`/api/v1/wishes/${wishId}/events`).set(w.residentA.auth);
    expect(asResident.status).toBe(200);
    expect(asResident.body.every((e: object) => !('actorId' in e))).toBe(true);
    const asOffice = await t.http.get(`/api/v1/wishes/${wishId}/events`).set(w.adminA1.auth);
    expect(asOffice.body.some((e: { actorId?: number }) => e.actorId === w.memberA1.userId)).toBe(true);
    expect((await t.http.get(`/api/v1/wishes/${wishId}/events`).set(w.residentB.auth)).status).toBe(404);
  });

  it('lists never carry the contact: the wall, my wishes, my claims', async () => {
    const lists: Array<[string, Session]> = [
      ['/api/v1/wishes?status=claimed', w.memberA1b],
      ['/api/v1/wishes', w.adminA1],
      ['/api/v1/wishes/mine', w.residentA],
      ['/api/v1/members/me/claims', w.memberA1],
    ];
    for (const [path, who] of lists) {
      const response = await t.http.get(path).set(who.auth);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      const item = response.body.items.find((i: { id: number }) => i.id === wishId);
      expect({ path, found: Boolean(item) }).toEqual({ path, found: true });
      expect(item).not.toHaveProperty('contact');
      assertNoSecrets(response.body);
    }
  });

  it('a member on the wall does not see who claimed a wish', async () => {
    const response = await t.http.get('/api/v1/wishes?status=claimed').set(w.memberA1b.auth);
    const item = response.body.items.find((i: { id: number }) => i.id === wishId);
    expect(item).not.toHaveProperty('claimer');
  });

  it('the claimer loses the contact once the wish is completed; offices keep it', async () => {
    await t.http.post(`/api/v1/wishes/${wishId}/fulfil`).set(w.memberA1.auth).send({ note: '已送到' }).expect(200);
    expect((await t.http.get(`/api/v1/wishes/${wishId}`).set(w.memberA1.auth)).body.contact).toEqual({ name: '张三明', phone: PHONE, address: ADDRESS });
    await t.http.post(`/api/v1/wishes/${wishId}/confirm`).set(w.residentA.auth).send({ rating: 5 }).expect(200);
    const asClaimer = await t.http.get(`/api/v1/wishes/${wishId}`).set(w.memberA1.auth);
    expect(asClaimer.body).not.toHaveProperty('contact');
    assertNoSecrets(asClaimer.body);
    expect((await t.http.get(`/api/v1/wishes/${wishId}`).set(w.adminA1.auth)).body.contact.phone).toBe(PHONE);
  });

  it('stores the phone encrypted, never in clear', async () => {
    const raw = await t.dataSource.query(`SELECT resident_phone_cipher AS c FROM wish WHERE id = ?`, [wishId]);
    expect(raw[0].c).toMatch(/^v1\./);
    expect(raw[0].c).not.toContain(PHONE);
    const entity = await t.dataSource.getRepository(Wish).findOneByOrFail({ id: wishId });
    expect(entity.residentPhoneCipher).not.toContain(PHONE);
  });
});
