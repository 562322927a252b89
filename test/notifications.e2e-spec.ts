import { FakeClock, MINUTE } from '../src/common/time/clock';
import { Notification } from '../src/notifications/notification.entity';
import { OutboxMessage } from '../src/outbox/outbox-message.entity';
import { OutboxWorker } from '../src/outbox/outbox.worker';
import { User } from '../src/users/user.entity';
import type { Session } from './support/auth';
import { expectError } from './support/errors';
import { FakeWechat } from './support/fake-wechat';
import { clearOutbox, giveOpenid, inboxOf, TEMPLATE, TEMPLATES_JSON } from './support/notifications';
import { allowFulfilWithoutPhotos } from './support/photos';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, WishWorld, wishBody } from './support/wish-world';

describe.each(testDatabases())('notifications on %s', (kind) => {
  const clock = new FakeClock('2026-03-01T02:00:00.000Z');
  const wechat = new FakeWechat(clock);
  let t: TestApp;
  let w: WishWorld;

  const post = (path: string, who: Session, body: object = {}) => t.http.post(`/api/v1${path}`).set(who.auth).send(body);
  const get = (path: string, who: Session) => t.http.get(`/api/v1${path}`).set(who.auth);

  /** The kinds `who` received since `since` (an inbox length), oldest first. */
  async function newKinds(who: Session, since: number): Promise<string[]> {
    return (await inboxOf(t, who)).slice(since).map((n) => n.kind);
  }
  const inboxSize = async (who: Session) => (await inboxOf(t, who)).length;

  async function openWish(title?: string): Promise<number> {
    const submitted = await post('/wishes', w.residentA, wishBody(w.communityA1.id, title ? { title } : {}));
    expect(submitted.status).toBe(201);
    expect((await post(`/admin/wishes/${submitted.body.id}/approve`, w.adminA1)).status).toBe(200);
    return submitted.body.id;
  }
  async function claimedWish(member = w.memberA1): Promise<number> {
    const id = await openWish();
    expect((await post(`/wishes/${id}/claim`, member)).status).toBe(200);
    return id;
  }

  beforeAll(async () => {
    await wechat.start();
    t = await startTestApp(kind, 'notifications', {
      clock,
      env: { ...wechat.env(), WECHAT_TEMPLATES: TEMPLATES_JSON, RESIDENT_DAILY_SUBMISSIONS: '1000', RESIDENT_OPEN_WISH_LIMIT: '1000', CLAIM_LIMIT: '50' },
    });
    w = await buildWishWorld(t);
    await allowFulfilWithoutPhotos(t, w.communityA1.id);
  });
  afterAll(async () => {
    await t?.close();
    await wechat.stop();
  });

  describe('who is told what', () => {
    it('the resident hears of approval, claim (with the member\'s name) and fulfilment; the member of a dispute', async () => {
      const resident = await inboxSize(w.residentA);
      const member = await inboxSize(w.memberA1);
      const id = await claimedWish();
      expect((await post(`/wishes/${id}/fulfil`, w.memberA1, { note: '已修好' })).status).toBe(200);
      expect((await post(`/wishes/${id}/dispute`, w.residentA, { reason: '灯还是不亮' })).status).toBe(200);

      expect(await newKinds(w.residentA, resident)).toEqual(['wish_approved', 'wish_claimed', 'wish_fulfilled']);
      const claimed = (await inboxOf(t, w.residentA)).find((n) => n.wishId === id && n.kind === 'wish_claimed');
      expect(claimed?.body).toContain('陈建国');
      expect(await newKinds(w.memberA1, member)).toEqual(['claim_disputed']);
      expect((await inboxOf(t, w.memberA1)).at(-1)).toMatchObject({ wishId: id, title: '居民认为心愿尚未完成', body: expect.stringContaining('原因：灯还是不亮') });
    });

    it('a rejection tells the resident why', async () => {
      const before = await inboxSize(w.residentA);
      const id = (await post('/wishes', w.residentA, wishBody(w.communityA1.id))).body.id;
      expect((await post(`/admin/wishes/${id}/reject`, w.adminA1, { reason: '不属于微心愿范围' })).status).toBe(200);
      const [rejected] = (await inboxOf(t, w.residentA)).slice(before);
      expect(rejected).toMatchObject({ kind: 'wish_rejected', wishId: id, body: expect.stringContaining('原因：不属于微心愿范围') });
    });

    it('assignment tells the member and the resident; a reassignment tells the new and the previous member', async () => {
      const [resident, first, second] = [await inboxSize(w.residentA), await inboxSize(w.memberA1), await inboxSize(w.memberA1b)];
      const id = await openWish();
      expect((await post(`/admin/wishes/${id}/assign`, w.adminA1, { memberId: w.memberA1.userId, reason: '陈建国住得最近' })).status).toBe(200);
      expect((await post(`/admin/wishes/${id}/assign`, w.adminA1, { memberId: w.memberA1b.userId, reason: '陈建国出差' })).status).toBe(200);

      expect(await newKinds(w.residentA, resident)).toEqual(['wish_approved', 'wish_claimed']);
      expect(await newKinds(w.memberA1, first)).toEqual(['claim_assigned', 'claim_released']);
      expect((await inboxOf(t, w.memberA1)).at(-1)?.body).toContain('改派给其他党员。原因：陈建国出差');
      expect(await newKinds(w.memberA1b, second)).toEqual(['claim_assigned']);
      expect((await inboxOf(t, w.memberA1b)).at(-1)?.body).toMatch(/指派给你.*前完成/);
    });

    it('a release by the office tells the member; a member\'s own release tells nobody', async () => {
      const member = await inboxSize(w.memberA1);
      const resident = await inboxSize(w.residentA);
      const byOffice = await claimedWish();
      expect((await post(`/admin/wishes/${byOffice}/release`, w.adminA1, { reason: '长期联系不上' })).status).toBe(200);
      const own = await claimedWish();
      expect((await post(`/wishes/${own}/release`, w.memberA1, { reason: '临时出差' })).status).toBe(200);

      expect(await newKinds(w.memberA1, member)).toEqual(['claim_released']);
      expect((await inboxOf(t, w.memberA1)).at(-1)).toMatchObject({ wishId: byOffice, body: expect.stringContaining('社区解除了你对心愿') });
      expect(await newKinds(w.residentA, resident)).toEqual(['wish_approved', 'wish_claimed', 'wish_approved', 'wish_claimed']);
    });

    it('withdrawing or cancelling a claimed wish tells its member', async () => {
      const member = await inboxSize(w.memberA1);
      const withdrawn = await claimedWish();
      expect((await post(`/wishes/${withdrawn}/withdraw`, w.residentA, {})).status).toBe(200);
      const cancelled = await claimedWish();
      expect((await post(`/admin/wishes/${cancelled}/cancel`, w.adminA1, { reason: '居民已搬离' })).status).toBe(200);
      const released = (await inboxOf(t, w.memberA1)).slice(member);
      expect(released.map((n) => [n.kind, n.wishId])).toEqual([
        ['claim_released', withdrawn],
        ['claim_released', cancelled],
      ]);
      expect(released[0].body).toContain('居民已撤回心愿');
      expect(released[1].body).toContain('社区已取消心愿');
    });

    it('an offline wish (no resident account) tells no resident; the member still hears of its assignment', async () => {
      const member = await inboxSize(w.memberA1);
      const entered = await post('/admin/wishes', w.adminA1, { ...wishBody(w.communityA1.id), resident: { name: '王秀英', phone: '13700002222', address: '甲一社区 12 号楼 401' } });
      expect(entered.status).toBe(201);
      expect((await post(`/admin/wishes/${entered.body.id}/assign`, w.adminA1, { memberId: w.memberA1.userId, reason: '就近' })).status).toBe(200);
      expect(await t.dataSource.getRepository(Notification).countBy({ wishId: entered.body.id })).toBe(1);
      expect(await newKinds(w.memberA1, member)).toEqual(['claim_assigned']);
    });
  });

  describe('the inbox API', () => {
    let reader: Session;
    let ids: number[];

    beforeAll(async () => {
      // Somebody nothing else in this file notifies (every account is also a resident), so the counts below are exact.
      reader = w.adminStreetB;
      ids = [];
      for (let n = 0; n < 3; n++) {
        clock.advance(MINUTE);
        const submitted = await post('/wishes', reader, wishBody(w.communityA1.id, { title: `读信测试 ${n}` }));
        expect((await post(`/admin/wishes/${submitted.body.id}/approve`, w.adminA1)).status).toBe(200);
        ids.push(submitted.body.id);
      }
    });

    it('pages newest first with an opaque cursor and counts the unread', async () => {
      const first = await get('/me/notifications?limit=2', reader);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ unreadCount: 3, nextCursor: expect.any(String) });
      expect(first.body.items.map((n: { wishId: number }) => n.wishId)).toEqual([ids[2], ids[1]]);
      expect(first.body.items[0]).toEqual({
        id: expect.any(Number),
        kind: 'wish_approved',
        title: '心愿已通过审核',
        body: '你的心愿「读信测试 2」已通过审核并公开，等待党员认领。',
        wishId: ids[2],
        read: false,
        readAt: null,
        createdAt: clock.now().toISOString(),
      });
      const second = await get(`/me/notifications?limit=2&cursor=${first.body.nextCursor}`, reader);
      expect(second.body.items.map((n: { wishId: number }) => n.wishId)).toEqual([ids[0]]);
      expect(second.body.nextCursor).toBeNull();
    });

    it('marks one read (idempotent, keeps the first time), filters unread, and marks all read', async () => {
      const page = await get('/me/notifications', reader);
      const target = page.body.items[1];
      const firstRead = await post(`/me/notifications/${target.id}/read`, reader);
      expect(firstRead.status).toBe(200);
      expect(firstRead.body).toMatchObject({ id: target.id, read: true, readAt: clock.now().toISOString() });
      const readAt = firstRead.body.readAt;
      clock.advance(MINUTE);
      expect((await post(`/me/notifications/${target.id}/read`, reader)).body.readAt).toBe(readAt);

      const unread = await get('/me/notifications?unread=true', reader);
      expect(unread.body.items.map((n: { id: number }) => n.id)).not.toContain(target.id);
      expect(unread.body).toMatchObject({ unreadCount: 2 });
      expect(unread.body.items).toHaveLength(2);

      const all = await post('/me/notifications/read-all', reader);
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ updated: 2 });
      expect((await get('/me/notifications', reader)).body.unreadCount).toBe(0);
      expect((await post('/me/notifications/read-all', reader)).body).toEqual({ updated: 0 });
    });

    it('someone else\'s notification is 404, bad input is 400, no token is 401', async () => {
      const mine = (await get('/me/notifications', reader)).body.items[0];
      expectError(await post(`/me/notifications/${mine.id}/read`, w.residentB), 404, 'NOTIFICATION_NOT_FOUND');
      expectError(await post('/me/notifications/999999/read', reader), 404, 'NOTIFICATION_NOT_FOUND');
      expectError(await post('/me/notifications/abc/read', reader), 400, 'VALIDATION_FAILED');
      expectError(await get('/me/notifications?unread=maybe', reader), 400, 'VALIDATION_FAILED');
      expectError(await get('/me/notifications?cursor=bm90LWEtY3Vyc29y', reader), 400, 'CURSOR_INVALID');
      expectError(await get('/me/notifications?limit=101', reader), 400, 'VALIDATION_FAILED');
      expectError(await t.http.get('/api/v1/me/notifications'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('subscription credits', () => {
    it('lists every configured template with the caller\'s credits; each accepted template adds one', async () => {
      const listed = await get('/me/subscriptions', w.memberA2);
      expect(listed.status).toBe(200);
      expect(listed.body.templates).toHaveLength(Object.keys(TEMPLATE).length);
      expect(listed.body.templates).toContainEqual({ kind: 'claim_expiring', templateId: TEMPLATE.expiring, credits: 0 });

      expect((await post('/me/subscriptions', w.memberA2, { templateIds: [TEMPLATE.expiring, TEMPLATE.assigned] })).status).toBe(200);
      const again = await post('/me/subscriptions', w.memberA2, { templateIds: [TEMPLATE.expiring] });
      expect(again.body.templates).toContainEqual({ kind: 'claim_expiring', templateId: TEMPLATE.expiring, credits: 2 });
      expect(again.body.templates).toContainEqual({ kind: 'claim_assigned', templateId: TEMPLATE.assigned, credits: 1 });
      // Credits are per person.
      expect((await get('/me/subscriptions', w.memberA1b)).body.templates).toContainEqual({ kind: 'claim_expiring', templateId: TEMPLATE.expiring, credits: 0 });
    });

    it('refuses unknown template ids (422), more than 10, duplicates, empty lists and junk (400)', async () => {
      const unknown = await post('/me/subscriptions', w.memberA2, { templateIds: [TEMPLATE.expiring, 'tmpl-not-configured-1'] });
      expectError(unknown, 422, 'SUBSCRIPTION_TEMPLATE_UNKNOWN');
      expect((await get('/me/subscriptions', w.memberA2)).body.templates).toContainEqual({ kind: 'claim_expiring', templateId: TEMPLATE.expiring, credits: 2 });
      for (const templateIds of [Array.from({ length: 11 }, (_, n) => `tmpl-extra-${String(n).padStart(6, '0')}`), [TEMPLATE.expiring, TEMPLATE.expiring], [], [42], 'tmpl-approved-000001', ['<script>']]) {
        expectError(await post('/me/subscriptions', w.memberA2, { templateIds }), 400, 'VALIDATION_FAILED');
      }
      expectError(await post('/me/subscriptions', w.memberA2, { templateIds: [TEMPLATE.expiring], extra: 1 }), 400, 'VALIDATION_FAILED');
    });
  });

  it('messages keep within WeChat\'s limits whatever the text: a long emoji title, a long reason, a long name', async () => {
    await clearOutbox(t);
    wechat.resetRecords();
    await giveOpenid(t, w.residentA, 'o-limits-resident');
    await giveOpenid(t, w.memberA1, 'o-limits-member');
    await post('/me/subscriptions', w.residentA, { templateIds: [TEMPLATE.approved, TEMPLATE.claimed, TEMPLATE.rejected] });
    await post('/me/subscriptions', w.memberA1, { templateIds: [TEMPLATE.disputed] });
    await t.http.patch('/api/v1/me').set(w.memberA1.auth).send({ name: '欧阳陈建国同志爱心志愿者服务队队长' }).expect(200);

    const id = await claimedWish();
    expect((await post(`/wishes/${id}/fulfil`, w.memberA1, { note: '已完成' })).status).toBe(200);
    expect((await post(`/wishes/${id}/dispute`, w.residentA, { reason: '🙏'.repeat(30) + '灯还是不亮，晚上楼道里还是一片漆黑，老人上下楼很危险' })).status).toBe(200);
    const rejectedId = (await post('/wishes', w.residentA, wishBody(w.communityA1.id, { title: '🍚'.repeat(40) }))).body.id;
    expect((await post(`/admin/wishes/${rejectedId}/reject`, w.adminA1, { reason: '重复提交'.repeat(20) })).status).toBe(200);

    const report = await t.app.get(OutboxWorker).drainOnce();
    expect(report).toMatchObject({ dead: 0, retried: 0 });
    // The fake refuses (47003) any value over its type's limit: every message got through.
    const outcomes = (await t.dataSource.getRepository(OutboxMessage).find()).map((row) => row.outcome);
    expect(outcomes.filter((outcome) => outcome === 'sent').length).toBe(wechat.delivered.length);
    expect(wechat.delivered.map((m) => m.templateId).sort()).toEqual([TEMPLATE.approved, TEMPLATE.claimed, TEMPLATE.disputed, TEMPLATE.rejected].sort());
    for (const message of wechat.delivered) {
      for (const [key, { value }] of Object.entries(message.data)) {
        const limit = key.startsWith('thing') ? 20 : key.startsWith('name') ? 10 : key.startsWith('phrase') ? 5 : 40;
        expect(Array.from(value).length).toBeLessThanOrEqual(limit);
      }
    }
    const claimed = wechat.delivered.find((m) => m.templateId === TEMPLATE.claimed)!;
    expect(claimed.data.name2.value).toBe('欧阳陈建国同志爱心志');
    const rejected = wechat.delivered.find((m) => m.templateId === TEMPLATE.rejected)!;
    expect(rejected.data.thing1.value).toBe('🍚'.repeat(19) + '…');
  });

  // Last: it erases resident B.
  it('an erased account is told nothing', async () => {
    const id = (await post('/wishes', w.residentB, wishBody(w.communityA1.id))).body.id;
    await t.dataSource.getRepository(User).update({ id: w.residentB.userId }, { deletedAt: clock.now(), openid: null });
    expect((await post(`/admin/wishes/${id}/approve`, w.adminA1)).status).toBe(200);
    expect(await t.dataSource.getRepository(Notification).countBy({ wishId: id })).toBe(0);
  });
});
