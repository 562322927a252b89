import { IsNull } from 'typeorm';
import { RefreshToken } from '../src/auth/refresh-token.entity';
import { FieldCipher } from '../src/common/crypto/field-cipher';
import { MemberRegistration } from '../src/members/member-registration.entity';
import { Region } from '../src/regions/region.entity';
import { RoleGrant, User } from '../src/users/user.entity';
import { WishEvent } from '../src/wishes/wish-event.entity';
import { Wish } from '../src/wishes/wish.entity';
import { expectError } from './support/errors';
import { FakeWechat } from './support/fake-wechat';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, newMember, WishWorld, wishBody } from './support/wish-world';

/**
 * PIPL data rights: a resident downloads their own data; deleting the account anonymises the person
 * while the wishes, their history and the community's figures stay.
 */
describe.each(testDatabases())('data rights on %s', (kind) => {
  const wechat = new FakeWechat();
  let t: TestApp;
  let w: WishWorld;

  beforeAll(async () => {
    await wechat.start();
    t = await startTestApp(kind, 'datarights', { env: { ...wechat.env(), RESIDENT_OPEN_WISH_LIMIT: '20', RESIDENT_DAILY_SUBMISSIONS: '20' } });
    w = await buildWishWorld(t);
    // Fulfilment evidence is tested with the uploads; here a note is enough.
    await t.dataSource.getRepository(Region).update({ id: w.communityA1.id }, { requireFulfilmentPhotos: false });
  });
  afterAll(async () => {
    await t?.close();
    await wechat.stop();
  });

  /** A resident through WeChat login with a profile and wishes in several states. */
  async function residentWithHistory(openid: string) {
    const login = await t.http.post('/api/v1/auth/wechat/login').send({ code: wechat.issueCode(openid, `union-${openid}`) });
    expect(login.status).toBe(200);
    const auth = { Authorization: `Bearer ${login.body.accessToken}` };
    await t.http.patch('/api/v1/me').set(auth).send({ name: '赵秀兰', phone: '13811112222', address: '甲一社区 7 号楼 101', communityId: w.communityA1.id }).expect(200);
    const post = async () => {
      const response = await t.http.post('/api/v1/wishes').set(auth).send(wishBody(w.communityA1.id));
      expect(response.status).toBe(201);
      return response.body.id as number;
    };
    const pending = await post();
    const open = await post();
    await t.http.post(`/api/v1/admin/wishes/${open}/approve`).set(w.adminA1.auth).send({}).expect(200);
    const claimed = await post();
    await t.http.post(`/api/v1/admin/wishes/${claimed}/approve`).set(w.adminA1.auth).send({}).expect(200);
    await t.http.post(`/api/v1/wishes/${claimed}/claim`).set(w.memberA1.auth).expect(200);
    const completed = await post();
    await t.http.post(`/api/v1/admin/wishes/${completed}/approve`).set(w.adminA1.auth).send({}).expect(200);
    await t.http.post(`/api/v1/wishes/${completed}/claim`).set(w.memberA1b.auth).expect(200);
    await t.http.post(`/api/v1/wishes/${completed}/fulfil`).set(w.memberA1b.auth).send({ note: '已经修好了' }).expect(200);
    return { login, auth, userId: login.body.user.id as number, wishes: { pending, open, claimed, fulfilled: completed } };
  }

  it('exports the resident\'s own data as a JSON download', async () => {
    const r = await residentWithHistory('o-export-1');
    const response = await t.http.get('/api/v1/me/export').set(r.auth);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['content-disposition']).toBe(`attachment; filename="my-data-${r.userId}.json"`);
    const data = response.body;
    expect(data.profile).toEqual({
      id: r.userId,
      name: '赵秀兰',
      phone: '13811112222',
      address: '甲一社区 7 号楼 101',
      communityId: w.communityA1.id,
      username: null,
      wechatBound: true,
      createdAt: expect.any(String),
    });
    expect(data.roles).toEqual([{ role: 'resident' }]);
    expect(data.wishes.map((wish: { id: number }) => wish.id)).toEqual(Object.values(r.wishes));
    expect(data.wishes[0]).toMatchObject({ residentName: '赵秀兰', phone: '13811112222', address: '甲一社区 7 号楼 101', status: 'pending_review' });
    expect(data.events.filter((e: { wishId: number }) => e.wishId === r.wishes.claimed).map((e: { action: string }) => e.action)).toEqual(['submit', 'approve', 'claim']);
    // Staff who acted are not named, and nothing about other people leaks in.
    expect(JSON.stringify(data.events)).not.toMatch(/actorId/);
    expect(JSON.stringify(data)).not.toMatch(/o-export-1|union-o-export-1|session/i);

    const member = await t.http.get('/api/v1/me/export').set(w.memberA1.auth);
    expect(member.body.registrations).toEqual([expect.objectContaining({ communityId: w.communityA1.id, status: 'approved', phone: '13911112222' })]);
    expect(member.body.claims).toEqual(expect.arrayContaining([expect.objectContaining({ wishId: r.wishes.claimed, status: 'claimed' })]));
    expect(JSON.stringify(member.body.claims)).not.toMatch(/13811112222|7 号楼/);
    expectError(await t.http.get('/api/v1/me/export'), 401, 'UNAUTHENTICATED');
  });

  it('deletes an account by anonymising it, keeping wishes, events and figures', async () => {
    const r = await residentWithHistory('o-delete-1');
    const wishIds = Object.values(r.wishes);
    const eventsBefore = await t.dataSource.getRepository(WishEvent).find({ order: { id: 'ASC' } });
    const wishCountBefore = await t.dataSource.getRepository(Wish).count();

    const deleted = await t.http.delete('/api/v1/me').set(r.auth);
    expect(deleted.status).toBe(204);

    const user = await t.dataSource.getRepository(User).findOne({ where: { id: r.userId }, select: { id: true, name: true, openid: true, unionid: true, sessionKeyCipher: true, phoneCipher: true, address: true, username: true, passwordHash: true, deletedAt: true } });
    expect(user).toEqual({ id: r.userId, name: '已注销用户', openid: null, unionid: null, sessionKeyCipher: null, phoneCipher: null, address: null, username: null, passwordHash: null, deletedAt: t.clock.now() });
    expect(await t.dataSource.getRepository(RoleGrant).countBy({ userId: r.userId })).toBe(0);
    expect(await t.dataSource.getRepository(RefreshToken).countBy({ userId: r.userId, revokedAt: IsNull() })).toBe(0);
    expectError(await t.http.post('/api/v1/auth/refresh').send({ refreshToken: r.login.body.refreshToken }), 401, 'REFRESH_TOKEN_INVALID');

    // Every wish is still there, with the person's details gone.
    expect(await t.dataSource.getRepository(Wish).count()).toBe(wishCountBefore);
    const wishes = await t.dataSource.getRepository(Wish).find({ where: wishIds.map((id) => ({ id })), order: { id: 'ASC' } });
    expect(wishes.map((wish) => [wish.residentId, wish.residentName, wish.residentPhoneCipher, wish.residentAddress])).toEqual(wishIds.map(() => [r.userId, '已注销用户', null, null]));
    // Nobody had taken up the pending and the open wish: withdrawn. The claimed and the fulfilled one stay for the members.
    expect(Object.fromEntries(wishes.map((wish) => [wish.id, wish.status]))).toEqual({
      [r.wishes.pending]: 'cancelled',
      [r.wishes.open]: 'cancelled',
      [r.wishes.claimed]: 'claimed',
      [r.wishes.fulfilled]: 'fulfilled',
    });
    // The history is only appended to: every earlier event unchanged, plus one withdraw per untaken wish.
    const eventsAfter = await t.dataSource.getRepository(WishEvent).find({ order: { id: 'ASC' } });
    expect(eventsAfter.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(eventsAfter.slice(eventsBefore.length).map((e) => [e.wishId, e.action, e.fromStatus, e.toStatus, e.actorId])).toEqual([
      [r.wishes.pending, 'withdraw', 'pending_review', 'cancelled', r.userId],
      [r.wishes.open, 'withdraw', 'open', 'cancelled', r.userId],
    ]);
    // The member can still see and finish the claimed wish (without a phone to call: it is erased).
    const claimed = await t.http.get(`/api/v1/wishes/${r.wishes.claimed}`).set(w.memberA1.auth);
    expect(claimed.status).toBe(200);
    expect(claimed.body.contact).toMatchObject({ phone: null });
    await t.http.post(`/api/v1/wishes/${r.wishes.claimed}/fulfil`).set(w.memberA1.auth).send({ note: '已送达' }).expect(200);

    // Repeating is harmless; a new WeChat login with the same account starts afresh.
    expect((await t.http.delete('/api/v1/me').set(r.auth)).status).toBe(204);
    const again = await t.http.post('/api/v1/auth/wechat/login').send({ code: wechat.issueCode('o-delete-1') });
    expect(again.status).toBe(200);
    expect(again.body.user.id).not.toBe(r.userId);
    const fresh = await t.http.get('/api/v1/me').set({ Authorization: `Bearer ${again.body.accessToken}` });
    expect(fresh.body).toMatchObject({ name: null, phone: null, address: null, communityId: null });
    expect((await t.http.get('/api/v1/wishes/mine').set({ Authorization: `Bearer ${again.body.accessToken}` })).body.items).toEqual([]);
  });

  it('closes a deleted member\'s registrations and hands their claims back', async () => {
    const member = await newMember(t, 'member-leaving', [w.communityA1.id], w.unitGov.id, '孙卫东');
    const wish = await t.http.post('/api/v1/wishes').set(w.residentB.auth).send(wishBody(w.communityA1.id));
    await t.http.post(`/api/v1/admin/wishes/${wish.body.id}/approve`).set(w.adminA1.auth).send({}).expect(200);
    await t.http.post(`/api/v1/wishes/${wish.body.id}/claim`).set(member.auth).expect(200);

    expect((await t.http.delete('/api/v1/me').set(member.auth)).status).toBe(204);

    const released = await t.dataSource.getRepository(Wish).findOneByOrFail({ id: wish.body.id });
    expect({ status: released.status, claimerId: released.claimerId }).toEqual({ status: 'open', claimerId: null });
    const registrations = await t.dataSource.getRepository(MemberRegistration).findBy({ userId: member.userId });
    const cipher = t.app.get(FieldCipher);
    expect(registrations.map((row) => [row.status, row.openSlot, row.name, cipher.decrypt(row.phoneCipher)])).toEqual([['withdrawn', null, '已注销用户', '']]);
    // The office's registration list still works with the erased row in it.
    const list = await t.http.get('/api/v1/admin/registrations').query({ status: 'withdrawn' }).set(w.adminA1.auth);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([expect.objectContaining({ userId: member.userId, name: '已注销用户', phone: '' })]);
    // Another member can take the wish now.
    await t.http.post(`/api/v1/wishes/${wish.body.id}/claim`).set(w.memberA1b.auth).expect(200);
  });
});
