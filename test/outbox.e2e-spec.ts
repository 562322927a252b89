import { AppConfig } from '../src/config/app-config';
import { FakeClock, HOUR, MINUTE } from '../src/common/time/clock';
import { TransactionRunner } from '../src/database/transaction-runner';
import { Notification } from '../src/notifications/notification.entity';
import { SUBSCRIBE_TOPIC, SubscribePayload } from '../src/notifications/notifications.service';
import { SubscribeMessageSender } from '../src/notifications/subscribe-message.sender';
import { OutboxMessage } from '../src/outbox/outbox-message.entity';
import { OutboxService } from '../src/outbox/outbox.service';
import { DrainReport, OutboxWorker } from '../src/outbox/outbox.worker';
import { WishEventBus } from '../src/wishes/wish-event-bus';
import { WishEvent } from '../src/wishes/wish-event.entity';
import { Wish } from '../src/wishes/wish.entity';
import type { Session } from './support/auth';
import { expectError } from './support/errors';
import { FakeWechat } from './support/fake-wechat';
import { clearOutbox, creditsOf, giveOpenid, inboxOf, outboxRows, setCredits, TEMPLATE, TEMPLATES_JSON } from './support/notifications';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, WishWorld, wishBody } from './support/wish-world';

const BACKOFF_BASE_MS = 1000;
const MAX_ATTEMPTS = 4;

describe.each(testDatabases())('outbox on %s', (kind) => {
  const clock = new FakeClock('2026-03-01T02:00:00.000Z');
  const wechat = new FakeWechat(clock);
  const env = () => ({
    ...wechat.env(),
    WECHAT_TEMPLATES: TEMPLATES_JSON,
    // The outbox does the retrying here, so each failed send is one outbox attempt.
    WECHAT_RETRIES: '0',
    OUTBOX_BACKOFF_BASE_MS: String(BACKOFF_BASE_MS),
    OUTBOX_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    RESIDENT_DAILY_SUBMISSIONS: '1000',
    RESIDENT_OPEN_WISH_LIMIT: '1000',
  });
  let t: TestApp;
  let w: WishWorld;
  let worker: OutboxWorker;
  /** Rows of the `test.gate` topic each worker delivered, by worker. */
  const gateDeliveries: Array<{ worker: string; key: string }> = [];
  let gate: { open: () => void; opened: Promise<void>; started: number; onStarted?: () => void } | undefined;
  /** A wish whose transition a test listener makes fail after the notifications were written. */
  let failFor: number | undefined;

  const post = (path: string, who: Session, body: object = {}) => t.http.post(`/api/v1${path}`).set(who.auth).send(body);
  const drain = () => worker.drainOnce();
  const row = async (id: number) => t.dataSource.getRepository(OutboxMessage).findOneByOrFail({ id });

  async function submit(title?: string): Promise<number> {
    const response = await post('/wishes', w.residentA, wishBody(w.communityA1.id, title ? { title } : {}));
    expect(response.status).toBe(201);
    return response.body.id;
  }

  /** A wish approved by the office: resident A gets `wish_approved`, by WeChat when a credit allows. */
  async function approved(title?: string): Promise<number> {
    const id = await submit(title);
    expect((await post(`/admin/wishes/${id}/approve`, w.adminA1)).status).toBe(200);
    return id;
  }

  function secondWorker(): OutboxWorker {
    const other = new OutboxWorker(t.dataSource, t.app.get(TransactionRunner), clock, t.app.get(AppConfig));
    const sender = t.app.get(SubscribeMessageSender);
    other.registerHandler(SUBSCRIBE_TOPIC, (payload, delivery) => sender.deliver(payload, delivery));
    return other;
  }

  /** A handler that records who delivered what and can be held until the test opens the gate. */
  const gated = (name: string) => async (payload: Record<string, unknown>) => {
    if (gate && name === 'first') {
      gate.started += 1;
      gate.onStarted?.();
      await gate.opened;
    }
    gateDeliveries.push({ worker: name, key: String(payload.key) });
    return 'delivered';
  };

  beforeAll(async () => {
    await wechat.start();
    t = await startTestApp(kind, 'outbox', { clock, env: env() });
    w = await buildWishWorld(t);
    worker = t.app.get(OutboxWorker);
    worker.registerHandler('test.gate', gated('first'));
    worker.registerHandler('test.idempotent', async () => 'recounted', { idempotent: true });
    await giveOpenid(t, w.residentA, 'o-resident-a');
    t.app.get(WishEventBus).subscribe('test-failure', async (_m, event) => {
      if (event.wishId === failFor && event.action === 'approve') throw new Error('a later step of the transition failed');
    });
  });
  afterAll(async () => {
    await t?.close();
    await wechat.stop();
  });
  beforeEach(async () => {
    await clearOutbox(t);
    await setCredits(t, w.residentA, TEMPLATE.approved, 0);
    wechat.resetRecords();
    wechat.clearQueuedFailures();
  });

  it('writes the message in the transition, sends it once, and spends one credit', async () => {
    const subscribed = await post('/me/subscriptions', w.residentA, { templateIds: [TEMPLATE.approved] });
    expect(subscribed.status).toBe(200);
    const id = await approved('给独居的王奶奶买一个电饭煲🍚，她的旧锅坏了好久了做饭很不方便');

    const [queued] = await outboxRows(t);
    expect(queued).toMatchObject({ topic: SUBSCRIBE_TOPIC, status: 'pending', attempts: 0 });
    const payload = queued.payload as unknown as SubscribePayload;
    expect(payload).toMatchObject({ userId: w.residentA.userId, templateId: TEMPLATE.approved, touser: 'o-resident-a', page: `pages/wish/detail?id=${id}` });
    const [inboxRow] = (await inboxOf(t, w.residentA)).filter((n) => n.wishId === id);
    expect(inboxRow).toMatchObject({ kind: 'wish_approved', id: payload.notificationId });

    expect(await drain()).toEqual<DrainReport>({ leased: 1, done: 1, retried: 0, dead: 0, lost: 0 });
    expect(wechat.delivered).toEqual([
      {
        touser: 'o-resident-a',
        templateId: TEMPLATE.approved,
        page: `pages/wish/detail?id=${id}`,
        // thing ≤ 20 characters, cut by characters (the emoji stays whole); time in Shanghai.
        data: { thing1: { value: '给独居的王奶奶买一个电饭煲🍚，她的旧锅…' }, phrase2: { value: '待认领' }, time3: { value: '2026年03月01日 10:00' } },
        miniprogramState: 'formal',
      },
    ]);
    expect(await row(queued.id)).toMatchObject({ status: 'done', outcome: 'sent', attempts: 1, leaseOwner: null, doneAt: clock.now() });
    expect(await creditsOf(t, w.residentA, TEMPLATE.approved)).toBe(0);

    expect((await drain()).leased).toBe(0);
    expect(wechat.delivered).toHaveLength(1);
  });

  it('WeChat fails the first two sends (-1, then 502): retried with backoff, the third succeeds, exactly one message', async () => {
    await setCredits(t, w.residentA, TEMPLATE.approved, 1);
    await approved();
    wechat.failNext('subscribe_send', -1, 1, 'system error');
    wechat.httpErrorNext('subscribe_send', 502);

    expect(await drain()).toMatchObject({ leased: 1, retried: 1 });
    const [first] = await outboxRows(t);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('WECHAT_BUSY'), leaseOwner: null });
    const delay = first.availableAt.getTime() - clock.now().getTime();
    expect(delay).toBeGreaterThanOrEqual(BACKOFF_BASE_MS / 2);
    expect(delay).toBeLessThanOrEqual(BACKOFF_BASE_MS);
    expect((await drain()).leased).toBe(0); // not due yet
    // The credit was given back: the message was not delivered.
    expect(await creditsOf(t, w.residentA, TEMPLATE.approved)).toBe(1);

    clock.advance(BACKOFF_BASE_MS);
    expect(await drain()).toMatchObject({ leased: 1, retried: 1 });
    const second = await row(first.id);
    expect(second).toMatchObject({ attempts: 2, lastError: expect.stringContaining('WECHAT_UNAVAILABLE') });
    expect(second.availableAt.getTime() - clock.now().getTime()).toBeLessThanOrEqual(2 * BACKOFF_BASE_MS);

    clock.advance(2 * BACKOFF_BASE_MS);
    expect(await drain()).toMatchObject({ leased: 1, done: 1 });
    expect(wechat.callsTo('subscribe_send')).toHaveLength(3);
    expect(wechat.delivered).toHaveLength(1);
    expect(await row(first.id)).toMatchObject({ status: 'done', outcome: 'sent', attempts: 3 });
    expect(await creditsOf(t, w.residentA, TEMPLATE.approved)).toBe(0);
  });

  it('a rolled-back transition leaves no outbox row, no inbox row and no event', async () => {
    await setCredits(t, w.residentA, TEMPLATE.approved, 1);
    const id = await submit();
    const inboxBefore = (await inboxOf(t, w.residentA)).length;
    failFor = id;
    try {
      const response = await post(`/admin/wishes/${id}/approve`, w.adminA1);
      expectError(response, 500, 'INTERNAL_ERROR');
    } finally {
      failFor = undefined;
    }
    expect((await t.dataSource.getRepository(Wish).findOneByOrFail({ id })).status).toBe('pending_review');
    expect(await outboxRows(t)).toEqual([]);
    expect(await inboxOf(t, w.residentA)).toHaveLength(inboxBefore);
    expect(await t.dataSource.getRepository(WishEvent).countBy({ wishId: id, action: 'approve' })).toBe(0);
    expect((await drain()).leased).toBe(0);
    expect(wechat.callsTo('subscribe_send')).toHaveLength(0);
  });

  it('without a credit: no WeChat call, the row completes as skipped_no_credit, the inbox has the message', async () => {
    const id = await approved();
    expect(await drain()).toMatchObject({ done: 1 });
    expect(wechat.callsTo('subscribe_send')).toHaveLength(0);
    expect((await outboxRows(t))[0]).toMatchObject({ status: 'done', outcome: 'skipped_no_credit' });
    const inbox = await t.http.get('/api/v1/me/notifications').set(w.residentA.auth);
    expect(inbox.body.items[0]).toMatchObject({ kind: 'wish_approved', wishId: id, read: false });
  });

  it('43101 is final: credits of that template go to 0, nothing is retried, the inbox still has it', async () => {
    await setCredits(t, w.residentA, TEMPLATE.approved, 2);
    const id = await approved();
    wechat.failNext('subscribe_send', 43101, 1, 'user refuse to accept the msg');
    expect(await drain()).toMatchObject({ done: 1, retried: 0 });
    expect((await outboxRows(t))[0]).toMatchObject({ status: 'done', outcome: 'refused_no_authorisation', attempts: 1 });
    expect(await creditsOf(t, w.residentA, TEMPLATE.approved)).toBe(0);
    clock.advance(HOUR);
    expect((await drain()).leased).toBe(0);
    expect(wechat.callsTo('subscribe_send')).toHaveLength(1);
    expect((await inboxOf(t, w.residentA)).filter((n) => n.wishId === id).map((n) => n.kind)).toEqual(['wish_approved']);
  });

  it.each([
    [47003, 'argument invalid! data.thing1.value'],
    [40003, 'invalid openid'],
    [40037, 'invalid template_id'],
    [41030, 'invalid page'],
  ])('%i is final: the row is dead with WeChat\'s reason and the credit is given back', async (errcode, errmsg) => {
    await setCredits(t, w.residentA, TEMPLATE.approved, 1);
    await approved();
    wechat.failNext('subscribe_send', errcode, 1, errmsg);
    expect(await drain()).toMatchObject({ dead: 1 });
    expect((await outboxRows(t))[0]).toMatchObject({ status: 'dead', outcome: 'failed', attempts: 1, lastError: expect.stringContaining(`WeChat ${errcode}: ${errmsg}`) });
    expect(await creditsOf(t, w.residentA, TEMPLATE.approved)).toBe(1);
  });

  it(`gives up after OUTBOX_MAX_ATTEMPTS (${MAX_ATTEMPTS}) failed tries: dead, never sent`, async () => {
    await setCredits(t, w.residentA, TEMPLATE.approved, 1);
    await approved();
    wechat.failNext('subscribe_send', -1, MAX_ATTEMPTS);
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      expect(await drain()).toMatchObject({ retried: 1 });
      clock.advance(HOUR);
    }
    expect(await drain()).toMatchObject({ dead: 1 });
    expect((await outboxRows(t))[0]).toMatchObject({ status: 'dead', outcome: 'gave_up', attempts: MAX_ATTEMPTS });
    clock.advance(HOUR);
    expect((await drain()).leased).toBe(0);
    expect(wechat.delivered).toHaveLength(0);
    expect(await creditsOf(t, w.residentA, TEMPLATE.approved)).toBe(1);
  });

  it('people without a real openid (dev login) and kinds without a template get the inbox row only', async () => {
    const before = (await inboxOf(t, w.memberA1)).length;
    // resident B logged in through dev login: openid "dev:resident-b".
    const id = (await post('/wishes', w.residentB, wishBody(w.communityA1.id))).body.id;
    expect((await post(`/admin/wishes/${id}/approve`, w.adminA1)).status).toBe(200);
    expect((await inboxOf(t, w.residentB)).map((n) => n.kind)).toContain('wish_approved');
    // claim_timed_out (to the office) has no template configured.
    expect(await outboxRows(t)).toEqual([]);
    expect((await inboxOf(t, w.memberA1)).length).toBe(before);
  });

  it('a delivery interrupted mid-way is parked as dead (never sent twice); an idempotent topic is retried', async () => {
    const repo = t.dataSource.getRepository(OutboxMessage);
    const stalled = { status: 'sending' as const, attempts: 1, availableAt: clock.now(), leaseOwner: 'crashed-host:1#7', leaseUntil: new Date(clock.now().getTime() - MINUTE), lastError: null, outcome: null, dedupeKey: null, createdAt: clock.now(), doneAt: null };
    const message = await repo.save(repo.create({ ...stalled, topic: SUBSCRIBE_TOPIC, payload: { notificationId: 1, userId: w.residentA.userId, templateId: TEMPLATE.approved, touser: 'o-resident-a', page: null, data: {} } }));
    const recount = await repo.save(repo.create({ ...stalled, topic: 'test.idempotent', payload: {} }));

    expect(await drain()).toMatchObject({ leased: 1, done: 1 });
    expect(await row(message.id)).toMatchObject({ status: 'dead', outcome: 'unknown', leaseOwner: null, lastError: expect.stringContaining('outcome unknown') });
    expect(await row(recount.id)).toMatchObject({ status: 'done', outcome: 'recounted', attempts: 2 });
    expect(wechat.callsTo('subscribe_send')).toHaveLength(0);
  });

  it('a worker whose lease ran out and was taken over does not start those rows: each is delivered once', async () => {
    const outbox = t.app.get(OutboxService);
    await t.app.get(TransactionRunner).run(async (m) => {
      for (let n = 0; n < 6; n++) await outbox.enqueue(m, 'test.gate', { key: `gate-${n}` });
    });
    gateDeliveries.length = 0;
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const fourStarted = new Promise<void>((resolve) => {
      gate = { open, opened, started: 0, onStarted: () => gate!.started === 4 && resolve() };
    });
    const second = new OutboxWorker(t.dataSource, t.app.get(TransactionRunner), clock, t.app.get(AppConfig));
    second.registerHandler('test.gate', gated('second'));

    try {
      const firstDrain = worker.drainOnce(); // leases all six, starts four (its parallel lanes), which hang
      await fourStarted;
      clock.advance(3 * MINUTE); // the two rows it leased but has not started are up for grabs
      expect(await second.drainOnce()).toMatchObject({ leased: 2, done: 2 });
      open();
      expect(await firstDrain).toMatchObject({ leased: 6, done: 4, lost: 2 });
    } finally {
      gate?.open();
      gate = undefined;
    }
    const keys = gateDeliveries.map((d) => d.key).sort();
    expect(keys).toEqual(['gate-0', 'gate-1', 'gate-2', 'gate-3', 'gate-4', 'gate-5']);
    expect(gateDeliveries.filter((d) => d.worker === 'second')).toHaveLength(2);
    expect((await outboxRows(t)).map((r) => r.status)).toEqual(Array(6).fill('done'));
  });

  it('two workers draining 40 messages at once never send one twice', async () => {
    const count = 40;
    await setCredits(t, w.residentA, TEMPLATE.approved, count);
    const outbox = t.app.get(OutboxService);
    await t.app.get(TransactionRunner).run(async (m) => {
      for (let n = 0; n < count; n++) {
        const payload: SubscribePayload = { notificationId: n, userId: w.residentA.userId, templateId: TEMPLATE.approved, touser: 'o-resident-a', page: null, data: { thing1: { value: `消息${n}` } } };
        await outbox.enqueue(m, SUBSCRIBE_TOPIC, { ...payload });
      }
    });
    wechat.delay('subscribe_send', 5);
    // On MariaDB the second worker is a second application on the same database (another pool,
    // another token cache); on the in-memory SQLite a second worker instance in this one.
    const other = kind === 'mysql' ? await startTestApp(kind, 'outbox-b', { clock, env: { ...env(), DB_NAME: String(t.dataSource.options.database) } }) : undefined;
    try {
      const workers = [worker, other ? other.app.get(OutboxWorker) : secondWorker()];
      const totals = workers.map(() => ({ done: 0, leased: 0 }));
      for (let round = 0; round < 10 && totals.reduce((sum, x) => sum + x.done, 0) < count; round++) {
        const reports = await Promise.all(workers.map((x) => x.drainOnce()));
        reports.forEach((report, i) => {
          totals[i].done += report.done;
          totals[i].leased += report.leased;
          expect(report.dead + report.retried).toBe(0);
        });
      }
      const sent = wechat.delivered.map((message) => message.data.thing1.value);
      expect(sent).toHaveLength(count);
      expect(new Set(sent).size).toBe(count);
      expect(wechat.callsTo('subscribe_send')).toHaveLength(count);
      expect(totals).toEqual([expect.objectContaining({ done: expect.any(Number) }), expect.objectContaining({ done: expect.any(Number) })]);
      expect(totals.map((x) => x.done > 0)).toEqual([true, true]);
      expect(totals[0].done + totals[1].done).toBe(count);
      expect(await creditsOf(t, w.residentA, TEMPLATE.approved)).toBe(0);
      expect(new Set((await outboxRows(t)).map((r) => r.status))).toEqual(new Set(['done']));
    } finally {
      wechat.delay('subscribe_send', 0);
      await other?.close();
    }
  });

  it('the inbox row and the outbox row reference each other', async () => {
    await setCredits(t, w.residentA, TEMPLATE.approved, 1);
    const id = await approved();
    const [queued] = await outboxRows(t);
    const notification = await t.dataSource.getRepository(Notification).findOneByOrFail({ id: (queued.payload as unknown as SubscribePayload).notificationId });
    expect(notification).toMatchObject({ wishId: id, userId: w.residentA.userId, kind: 'wish_approved' });
  });
});
