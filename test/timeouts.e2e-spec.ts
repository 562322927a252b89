import { AppConfig } from '../src/config/app-config';
import { DAY, FakeClock, HOUR, MINUTE } from '../src/common/time/clock';
import { NoticeSent } from '../src/notifications/notification.entity';
import { NotificationsService } from '../src/notifications/notifications.service';
import { OutboxMessage } from '../src/outbox/outbox-message.entity';
import { OverdueDigest } from '../src/scheduler/overdue-digest.service';
import { WishTimeouts } from '../src/scheduler/wish-timeouts.service';
import { WishEvent } from '../src/wishes/wish-event.entity';
import { MemberClaimLoad, Wish } from '../src/wishes/wish.entity';
import { WishService } from '../src/wishes/wish.service';
import { devLogin, Session } from './support/auth';
import { FakeWechat } from './support/fake-wechat';
import { giveOpenid, inboxOf, setCredits, TEMPLATE, TEMPLATES_JSON } from './support/notifications';
import { allowFulfilWithoutPhotos } from './support/photos';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, WishWorld, wishBody } from './support/wish-world';

describe.each(testDatabases())('timeouts and reminders on %s', (kind) => {
  const clock = new FakeClock('2026-03-01T02:00:00.000Z');
  const wechat = new FakeWechat(clock);
  let t: TestApp;
  let w: WishWorld;

  const post = (path: string, who: Session, body: object = {}) => t.http.post(`/api/v1${path}`).set(who.auth).send(body);
  const run = () => t.app.get(WishTimeouts).runOnce(clock.now());
  const wish = (id: number) => t.dataSource.getRepository(Wish).findOneByOrFail({ id });
  const kindsAbout = async (who: Session, wishId: number) => (await inboxOf(t, who)).filter((n) => n.wishId === wishId).map((n) => n.kind);
  /** Another instance's sweep: its own services over the same database. */
  const otherInstance = () =>
    new WishTimeouts(
      t.dataSource,
      t.app.get(WishService),
      t.app.get(NotificationsService),
      new OverdueDigest(t.dataSource, t.app.get(NotificationsService), t.app.get(AppConfig)),
      clock,
      t.app.get(AppConfig),
    );

  async function claimedWish(member = w.memberA1, communityId = w.communityA1.id): Promise<number> {
    const submitted = await post('/wishes', w.residentA, wishBody(communityId));
    expect(submitted.status).toBe(201);
    const admin = communityId === w.communityA1.id ? w.adminA1 : w.adminA2;
    expect((await post(`/admin/wishes/${submitted.body.id}/approve`, admin)).status).toBe(200);
    expect((await post(`/wishes/${submitted.body.id}/claim`, member)).status).toBe(200);
    return submitted.body.id;
  }

  beforeAll(async () => {
    await wechat.start();
    t = await startTestApp(kind, 'timeouts', {
      clock,
      env: {
        ...wechat.env(),
        WECHAT_TEMPLATES: TEMPLATES_JSON,
        CLAIM_TIMEOUT_DAYS: '14',
        CLAIM_REMIND_BEFORE_HOURS: '48',
        CONFIRM_WINDOW_DAYS: '7',
        DIGEST_HOUR: '8',
        RESIDENT_DAILY_SUBMISSIONS: '1000',
        RESIDENT_OPEN_WISH_LIMIT: '1000',
        CLAIM_LIMIT: '50',
      },
    });
    w = await buildWishWorld(t);
    await allowFulfilWithoutPhotos(t, w.communityA1.id, w.communityA2.id);
  });
  afterAll(async () => {
    await t?.close();
    await wechat.stop();
  });

  it('reminds the member once, 48 h before the claim times out; then releases it as the system and tells member and office', async () => {
    await giveOpenid(t, w.memberA1, 'o-timeouts-member');
    await setCredits(t, w.memberA1, TEMPLATE.expiring, 1);
    const id = await claimedWish();
    const claimedAt = clock.now().getTime();

    clock.set(new Date(claimedAt + 12 * DAY - MINUTE));
    expect((await run()).reminded).toBe(0);
    clock.set(new Date(claimedAt + 12 * DAY + MINUTE));
    expect((await run()).reminded).toBe(1);
    const [reminder] = (await inboxOf(t, w.memberA1)).filter((n) => n.kind === 'claim_expiring' && n.wishId === id);
    expect(reminder).toMatchObject({ title: '认领即将超时', body: expect.stringContaining('3月15日 10:00 超时并自动释放') });
    // The reminder also goes out as a subscribe message, with the deadline in the template's time field.
    const queued = await t.dataSource.getRepository(OutboxMessage).find();
    expect(queued.map((row) => row.payload)).toContainEqual(
      expect.objectContaining({ templateId: TEMPLATE.expiring, touser: 'o-timeouts-member', data: expect.objectContaining({ time2: { value: '2026年03月15日 10:00' } }) }),
    );
    expect(await t.dataSource.getRepository(NoticeSent).countBy({ dedupeKey: `claim-reminder:${id}:${claimedAt}` })).toBe(1);

    // Later sweeps, in this instance and another, at the same time: no second reminder.
    clock.advance(HOUR);
    const again = await Promise.all([run(), otherInstance().runOnce(clock.now())]);
    expect(again.map((report) => report.reminded)).toEqual([0, 0]);
    expect(await kindsAbout(w.memberA1, id)).toEqual(['claim_expiring']);
    expect((await wish(id)).status).toBe('claimed');

    clock.set(new Date(claimedAt + 14 * DAY - MINUTE));
    expect((await run()).released).toBe(0);
    clock.set(new Date(claimedAt + 14 * DAY + MINUTE));
    expect((await run()).released).toBe(1);

    expect(await wish(id)).toMatchObject({ status: 'open', claimerId: null, claimedAt: null });
    const events = await t.dataSource.getRepository(WishEvent).find({ where: { wishId: id }, order: { id: 'ASC' } });
    expect(events.at(-1)).toMatchObject({
      action: 'timeout_release',
      fromStatus: 'claimed',
      toStatus: 'open',
      actorId: null,
      actorKind: 'system',
      actorRole: 'system',
      detail: { previousClaimerId: w.memberA1.userId, claimedAt: new Date(claimedAt).toISOString() },
      at: clock.now(),
    });
    expect(await kindsAbout(w.memberA1, id)).toEqual(['claim_expiring', 'claim_released']);
    expect((await inboxOf(t, w.memberA1)).at(-1)?.body).toContain('超过 14 天未完成，已自动释放');
    expect(await kindsAbout(w.adminA1, id)).toEqual(['claim_timed_out']);
    expect(await kindsAbout(w.adminA2, id)).toEqual([]);
    expect((await t.dataSource.getRepository(MemberClaimLoad).findOneBy({ userId: w.memberA1.userId }))?.activeClaims).toBe(0);

    // Released once: later sweeps find nothing; the wish can be claimed again, and that claim gets its own reminder.
    expect((await run()).released).toBe(0);
    expect((await post(`/wishes/${id}/claim`, w.memberA1b)).status).toBe(200);
    clock.advance(12 * DAY + MINUTE);
    expect((await run()).reminded).toBe(1);
    expect(await kindsAbout(w.memberA1b, id)).toEqual(['claim_expiring']);
  });

  it('auto-completes a fulfilled wish nobody confirmed within CONFIRM_WINDOW_DAYS, without a rating', async () => {
    const id = await claimedWish();
    expect((await post(`/wishes/${id}/fulfil`, w.memberA1, { note: '已送到' })).status).toBe(200);
    const fulfilledAt = clock.now().getTime();

    clock.set(new Date(fulfilledAt + 7 * DAY - MINUTE));
    expect((await run()).completed).toBe(0);
    clock.set(new Date(fulfilledAt + 7 * DAY + MINUTE));
    expect((await run()).completed).toBe(1);
    expect(await wish(id)).toMatchObject({ status: 'completed', rating: null, completedAt: clock.now() });
    const last = await t.dataSource.getRepository(WishEvent).findOneOrFail({ where: { wishId: id }, order: { id: 'DESC' } });
    expect(last).toMatchObject({ action: 'auto_complete', fromStatus: 'fulfilled', toStatus: 'completed', actorKind: 'system', actorId: null });
    expect((await run()).completed).toBe(0);
    expect(await t.dataSource.getRepository(WishEvent).countBy({ wishId: id, action: 'auto_complete' })).toBe(1);
  });

  it('sweeps running at once in several instances act once on every wish', async () => {
    const releasing = [await claimedWish(), await claimedWish(), await claimedWish(w.memberA1b)];
    const completing = await claimedWish();
    expect((await post(`/wishes/${completing}/fulfil`, w.memberA1, { note: '已完成' })).status).toBe(200);
    clock.advance(12 * DAY + HOUR);
    const reminders = await Promise.all([run(), run(), otherInstance().runOnce(clock.now())]);
    expect(reminders.reduce((sum, report) => sum + report.reminded, 0)).toBe(3);
    // The fulfilled one is past its 7-day window already.
    expect(reminders.reduce((sum, report) => sum + report.completed, 0)).toBe(1);

    clock.advance(2 * DAY);
    const reports = await Promise.all([run(), otherInstance().runOnce(clock.now()), otherInstance().runOnce(clock.now())]);
    expect(reports.reduce((sum, report) => sum + report.released, 0)).toBe(3);
    expect(reports.reduce((sum, report) => sum + report.completed, 0)).toBe(0);
    for (const id of releasing) {
      expect(await t.dataSource.getRepository(WishEvent).countBy({ wishId: id, action: 'timeout_release' })).toBe(1);
      expect((await wish(id)).status).toBe('open');
    }
    expect(await t.dataSource.getRepository(WishEvent).countBy({ wishId: completing, action: 'auto_complete' })).toBe(1);
    expect((await inboxOf(t, w.memberA1)).filter((n) => releasing.includes(n.wishId!) && n.kind === 'claim_released')).toHaveLength(2);
    expect((await inboxOf(t, w.memberA1)).filter((n) => releasing.includes(n.wishId!) && n.kind === 'claim_expiring')).toHaveLength(2);
    expect((await inboxOf(t, w.adminA1)).filter((n) => releasing.includes(n.wishId!))).toHaveLength(3);
  });

  it('a scheduled decision based on a stale read does nothing', async () => {
    const id = await claimedWish();
    const seen = await wish(id);
    // Between the sweep's read and its transition, the member fulfils the wish.
    expect((await post(`/wishes/${id}/fulfil`, w.memberA1, { note: '刚刚完成' })).status).toBe(200);
    expect(await t.app.get(WishService).applySystemTransition(id, 'timeout_release', clock.now(), seen.version)).toBe(false);
    expect((await wish(id)).status).toBe('fulfilled');
    expect(await t.dataSource.getRepository(WishEvent).countBy({ wishId: id, action: 'timeout_release' })).toBe(0);
  });

  it('sends each community office one overdue digest a day, from DIGEST_HOUR (Shanghai), only when something is overdue', async () => {
    // Community A2 has only this test's wishes: one published 8 days before the digest, one waiting for review.
    clock.set('2026-08-01T01:00:00.000Z'); // 09:00 in Shanghai
    const open = (await post('/wishes', w.residentA, wishBody(w.communityA2.id))).body.id;
    expect((await post(`/admin/wishes/${open}/approve`, w.adminA2)).status).toBe(200);
    clock.set('2026-08-09T22:30:00.000Z'); // 06:30 on 10 August in Shanghai
    expect((await post('/wishes', w.residentA, wishBody(w.communityA2.id))).status).toBe(201);

    const digestsOf = async (who: Session) => (await inboxOf(t, who)).filter((n) => n.kind === 'overdue_digest');
    const before = (await digestsOf(w.adminA2)).length;
    expect((await run()).digests).toBe(0); // before 08:00
    clock.set('2026-08-10T00:00:00.000Z'); // 08:00
    const [first, second] = await Promise.all([run(), otherInstance().runOnce(clock.now())]);
    expect(first.digests + second.digests).toBeGreaterThanOrEqual(1);
    const sent = (await digestsOf(w.adminA2)).slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ wishId: null, title: '今日待办：2 个心愿需要关注', body: '待审核 1 个；超过 7 天无人认领 1 个。请在工作台「逾期」列表中查看并处理。' });
    expect((await digestsOf(w.memberA2)).length).toBe(0);

    clock.advance(3 * HOUR);
    await run();
    expect((await digestsOf(w.adminA2)).length).toBe(before + 1);
    clock.set('2026-08-11T00:05:00.000Z'); // the next day, 08:05
    await run();
    expect((await digestsOf(w.adminA2)).length).toBe(before + 2);
  });

  it('a community with nothing overdue gets no digest', async () => {
    const lonely = await t.http.post('/api/v1/admin/regions').set(w.adminStreetA.auth).send({ parentId: w.streetA.id, name: '清静社区' });
    expect(lonely.status).toBe(201);
    const office = await devLogin(t.http, 'admin-quiet', [{ role: 'community_admin', regionId: lonely.body.id }], '清静社工');
    clock.set('2026-08-12T01:00:00.000Z');
    await run();
    expect((await inboxOf(t, office)).length).toBe(0);
    expect(await t.dataSource.getRepository(NoticeSent).countBy({ dedupeKey: `overdue-digest:2026-08-12:${lonely.body.id}` })).toBe(1);
  });
});
