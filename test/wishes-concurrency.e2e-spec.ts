import { WishEvent } from '../src/wishes/wish-event.entity';
import { MemberClaimLoad, Wish } from '../src/wishes/wish.entity';
import type { Session } from './support/auth';
import { devLogin } from './support/auth';
import { buildCity, City } from './support/fixtures';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { newMember, wishBody } from './support/wish-world';

/**
 * The contended step (DESIGN.md §2): many members press "claim" at once; the database decides.
 * Runs on SQLite (serialised transactions) and MariaDB (a real pool, real row locks).
 */
describe.each(testDatabases())('concurrent claims on %s', (kind) => {
  let t: TestApp;
  let city: City;
  let admin: Session;
  let members: Session[];

  beforeAll(async () => {
    t = await startTestApp(kind, 'claims', { env: { CLAIM_LIMIT: '2' } });
    city = await buildCity(t.dataSource);
    admin = await devLogin(t.http, 'race-admin', [{ role: 'community_admin', regionId: city.communityA1.id }]);
    members = [];
    for (let i = 0; i < 50; i++) members.push(await newMember(t, `racer-${i}`, [city.communityA1.id], city.unitGov.id));
  }, 60_000);
  afterAll(() => t?.close());

  async function openWishes(count: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const response = await t.http
        .post('/api/v1/admin/wishes')
        .set(admin.auth)
        .send({ ...wishBody(city.communityA1.id), resident: { name: '居民', phone: '13800000000', address: '甲一社区' } });
      expect(response.body.status).toBe('open');
      ids.push(response.body.id);
    }
    return ids;
  }

  it('50 members claiming one wish at once: exactly one wins, 49 get 409 WISH_ALREADY_CLAIMED, one event', async () => {
    const [id] = await openWishes(1);
    const results = await Promise.all(members.map((member) => t.http.post(`/api/v1/wishes/${id}/claim`).set(member.auth)));

    const winners = results.filter((r) => r.status === 200);
    const losers = results.filter((r) => r.status === 409);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(49);
    expect(losers.every((r) => r.body.code === 'WISH_ALREADY_CLAIMED')).toBe(true);

    const wish = await t.dataSource.getRepository(Wish).findOneByOrFail({ id });
    expect(wish.status).toBe('claimed');
    expect(wish.claimerId).toBe(winners[0].body.claimer.id);
    const claimEvents = await t.dataSource.getRepository(WishEvent).find({ where: { wishId: id, action: 'claim' } });
    expect(claimEvents).toHaveLength(1);
    expect(claimEvents[0].actorId).toBe(wish.claimerId);
    const loads = await t.dataSource.getRepository(MemberClaimLoad).find();
    expect(loads.reduce((sum, load) => sum + load.activeClaims, 0)).toBe(1);
  });

  it('20 wishes × 20 members at once: 20 winners, every wish claimed once, nobody over the claim limit', async () => {
    const ids = await openWishes(20);
    const racers = members.slice(20, 40);
    const before = new Map((await t.dataSource.getRepository(MemberClaimLoad).find()).map((l) => [l.userId, l.activeClaims]));
    const attempts = racers.flatMap((member) => ids.map((id) => ({ member, id })));
    // Interleave so every wish is contended by every member at the same moment.
    const results = await Promise.all(attempts.map(({ member, id }) => t.http.post(`/api/v1/wishes/${id}/claim`).set(member.auth)));

    expect(results.filter((r) => r.status >= 500)).toHaveLength(0);
    expect(results.filter((r) => r.status === 200)).toHaveLength(20);
    expect(new Set(results.filter((r) => r.status === 409).map((r) => r.body.code))).toEqual(new Set(['WISH_ALREADY_CLAIMED', 'CLAIM_LIMIT_REACHED']));

    const wishes = await t.dataSource.getRepository(Wish).findBy(ids.map((id) => ({ id })));
    expect(wishes.every((w) => w.status === 'claimed' && w.claimerId !== null)).toBe(true);
    const perMember = new Map<number, number>();
    for (const w of wishes) perMember.set(w.claimerId!, (perMember.get(w.claimerId!) ?? 0) + 1);
    expect(Math.max(...perMember.values())).toBeLessThanOrEqual(2);

    for (const id of ids) expect(await t.dataSource.getRepository(WishEvent).count({ where: { wishId: id, action: 'claim' } })).toBe(1);
    // The slot counters agree with the wishes actually held.
    for (const [userId, held] of perMember) {
      const load = await t.dataSource.getRepository(MemberClaimLoad).findOneByOrFail({ userId });
      expect(load.activeClaims - (before.get(userId) ?? 0)).toBe(held);
    }
  }, 60_000);
});
