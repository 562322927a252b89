import { DAY } from '../src/common/time/clock';
import { WishEvent } from '../src/wishes/wish-event.entity';
import { MemberClaimLoad, Wish } from '../src/wishes/wish.entity';
import type { Session } from './support/auth';
import { allowFulfilWithoutPhotos, uploadPhoto } from './support/photos';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, newMember, WishWorld, wishBody } from './support/wish-world';

describe.each(testDatabases())('wish lifecycle on %s', (kind) => {
  let t: TestApp;
  let w: WishWorld;

  beforeAll(async () => {
    t = await startTestApp(kind, 'lifecycle', { env: { RESIDENT_DAILY_SUBMISSIONS: '1000', RESIDENT_OPEN_WISH_LIMIT: '1000', CLAIM_LIMIT: '50' } });
    w = await buildWishWorld(t);
    // Evidence photos are covered by uploads.e2e-spec.ts; here fulfilments are text only.
    await allowFulfilWithoutPhotos(t, w.communityA1.id, w.communityA2.id, w.communityB1.id);
  });
  afterAll(() => t?.close());

  const post = (path: string, who: Session, body: object = {}) => t.http.post(`/api/v1${path}`).set(who.auth).send(body);

  async function submit(who: Session = w.residentA, overrides: Record<string, unknown> = {}): Promise<number> {
    const response = await post('/wishes', who, wishBody(w.communityA1.id, overrides));
    expect(response.status).toBe(201);
    return response.body.id;
  }

  async function openWish(): Promise<number> {
    const id = await submit();
    expect((await post(`/admin/wishes/${id}/approve`, w.adminA1)).status).toBe(200);
    return id;
  }

  async function claimedWish(member: Session = w.memberA1): Promise<number> {
    const id = await openWish();
    expect((await post(`/wishes/${id}/claim`, member)).status).toBe(200);
    return id;
  }

  async function fulfilledWish(): Promise<number> {
    const id = await claimedWish();
    expect((await post(`/wishes/${id}/fulfil`, w.memberA1, { note: '已修好' })).status).toBe(200);
    return id;
  }

  async function status(id: number): Promise<string> {
    return (await t.dataSource.getRepository(Wish).findOneByOrFail({ id })).status;
  }

  async function activeClaims(userId: number): Promise<number> {
    return (await t.dataSource.getRepository(MemberClaimLoad).findOneBy({ userId }))?.activeClaims ?? 0;
  }

  it('runs the whole happy path, and the timeline has every event in order', async () => {
    const submitted = await post('/wishes', w.residentA, wishBody(w.communityA1.id, { title: '一个电饭煲🍚', kind: 'personal', estimatedCost: 200, expectedBy: '2026-12-31' }));
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({ status: 'pending_review', statusLabel: '待审核', title: '一个电饭煲🍚', residentName: '张*明', estimatedCost: 200, expectedBy: '2026-12-31', channel: 'mini_program', communityName: '甲一社区' });
    const id = submitted.body.id;

    t.clock.advance(2 * 3600_000);
    const approved = await post(`/admin/wishes/${id}/approve`, w.adminA1);
    expect(approved.body).toMatchObject({ status: 'open', reviewedAt: t.clock.now().toISOString() });

    t.clock.advance(3600_000);
    const claimed = await post(`/wishes/${id}/claim`, w.memberA1);
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ status: 'claimed', claimer: { id: w.memberA1.userId, name: '陈建国' }, contact: { name: '张三明', phone: '13800001111', address: '甲一社区 3 号楼 301' } });

    t.clock.advance(DAY);
    const photo = await uploadPhoto(t, w.memberA1);
    const fulfilled = await post(`/wishes/${id}/fulfil`, w.memberA1, { note: '电饭煲已送到家里，教会了老人使用。', photoIds: [photo] });
    expect(fulfilled.body).toMatchObject({ status: 'fulfilled', fulfilmentNote: '电饭煲已送到家里，教会了老人使用。', fulfilmentPhotos: [{ id: photo }] });

    t.clock.advance(3600_000);
    const confirmed = await post(`/wishes/${id}/confirm`, w.residentA, { rating: 5, comment: '谢谢党员同志！👍' });
    expect(confirmed.body).toMatchObject({ status: 'completed', rating: 5, ratingComment: '谢谢党员同志！👍', completedAt: t.clock.now().toISOString() });

    const timeline = await t.http.get(`/api/v1/wishes/${id}/events`).set(w.residentA.auth);
    expect(timeline.status).toBe(200);
    expect(timeline.body.map((e: { action: string; fromStatus: string | null; toStatus: string }) => [e.action, e.fromStatus, e.toStatus])).toEqual([
      ['submit', null, 'pending_review'],
      ['approve', 'pending_review', 'open'],
      ['claim', 'open', 'claimed'],
      ['fulfil', 'claimed', 'fulfilled'],
      ['confirm', 'fulfilled', 'completed'],
    ]);
    const times = timeline.body.map((e: { at: string }) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(timeline.body[1]).not.toHaveProperty('actorId');
    const adminTimeline = await t.http.get(`/api/v1/wishes/${id}/events`).set(w.adminA1.auth);
    expect(adminTimeline.body[1]).toMatchObject({ actorRole: 'community_admin', actorId: w.adminA1.userId });
    expect(await activeClaims(w.memberA1.userId)).toBe(0);

    const mine = await t.http.get('/api/v1/wishes/mine').set(w.residentA.auth);
    expect(mine.body.items.find((item: { id: number }) => item.id === id)).toMatchObject({ status: 'completed', claimer: { id: w.memberA1.userId } });
    const claims = await t.http.get('/api/v1/members/me/claims?status=completed').set(w.memberA1.auth);
    expect(claims.body.items.map((item: { id: number }) => item.id)).toContain(id);
  });

  it('offline entry → claim → fulfil → the office confirms on behalf of the resident', async () => {
    const entered = await post('/admin/wishes', w.adminA1, {
      ...wishBody(w.communityA1.id, { title: '增设老年休闲座椅', kind: 'public' }),
      resident: { name: '王秀英', phone: '13700002222', address: '甲一社区 12 号楼 401' },
    });
    expect(entered.status).toBe(201);
    expect(entered.body).toMatchObject({ status: 'open', channel: 'offline', residentName: '王*英', contact: { name: '王秀英', phone: '13700002222' } });
    const id = entered.body.id;

    expect((await post(`/wishes/${id}/claim`, w.memberA1)).status).toBe(200);
    expect((await post(`/wishes/${id}/fulfil`, w.memberA1, { note: '座椅已安装' })).status).toBe(200);
    // Another community's office cannot confirm it; the resident has no account to confirm with.
    expect((await post(`/admin/wishes/${id}/confirm`, w.adminA2, { rating: 4 })).status).toBe(404);
    const confirmed = await post(`/admin/wishes/${id}/confirm`, w.adminA1, { rating: 4, comment: '居民电话确认满意' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'completed', rating: 4 });

    const events = await t.dataSource.getRepository(WishEvent).find({ where: { wishId: id }, order: { id: 'ASC' } });
    expect(events.map((e) => [e.action, e.actorKind])).toEqual([
      ['submit', 'admin'],
      ['approve', 'admin'],
      ['claim', 'member'],
      ['fulfil', 'member'],
      ['confirm', 'admin'],
    ]);
  });

  it('refuses an office confirming a wish the resident submitted in the mini-program', async () => {
    const id = await fulfilledWish();
    const response = await post(`/admin/wishes/${id}/confirm`, w.adminA1, { rating: 5 });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('WISH_RESIDENT_MUST_CONFIRM');
    expect(await status(id)).toBe('fulfilled');
  });

  it('an offline entry with publish=false waits for review', async () => {
    const entered = await post('/admin/wishes', w.adminStreetA, { ...wishBody(w.communityA2.id), channel: 'hotline', publish: false, resident: { name: '赵大爷', phone: '13600003333', address: '甲二社区 1 号楼' } });
    expect(entered.status).toBe(201);
    expect(entered.body).toMatchObject({ status: 'pending_review', channel: 'hotline' });
  });

  it('refuses an offline entry whose resident is not an object (an array, null, text) with 400, writing nothing', async () => {
    const before = await t.dataSource.getRepository(WishEvent).count();
    for (const resident of [[], [{ name: '王秀英', phone: '13700002222', address: '甲一社区' }], null, '王秀英']) {
      const response = await post('/admin/wishes', w.adminA1, { ...wishBody(w.communityA1.id), resident });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', message: '请求参数有误：resident必须是对象' });
    }
    expect(await t.dataSource.getRepository(WishEvent).count()).toBe(before);
  });

  it('an auto-approve community publishes at once, with a system approve event', async () => {
    await t.http.patch(`/api/v1/admin/regions/${w.communityA2.id}`).set(w.adminA2.auth).send({ autoApprove: true }).expect(200);
    const response = await post('/wishes', w.residentB, wishBody(w.communityA2.id));
    expect(response.body.status).toBe('open');
    const events = await t.dataSource.getRepository(WishEvent).find({ where: { wishId: response.body.id }, order: { id: 'ASC' } });
    expect(events.map((e) => [e.action, e.actorKind, e.actorId])).toEqual([
      ['submit', 'resident', w.residentB.userId],
      ['auto_approve', 'system', null],
    ]);
    await t.http.patch(`/api/v1/admin/regions/${w.communityA2.id}`).set(w.adminA2.auth).send({ autoApprove: false }).expect(200);
  });

  describe('release and dispute', () => {
    it('release by the claimer goes back to open, frees the slot, and needs a reason', async () => {
      const id = await claimedWish();
      expect(await activeClaims(w.memberA1.userId)).toBe(1);
      const noReason = await post(`/wishes/${id}/release`, w.memberA1, {});
      expect(noReason.status).toBe(400);
      const released = await post(`/wishes/${id}/release`, w.memberA1, { reason: '临时出差，无法完成' });
      expect(released.status).toBe(200);
      expect(released.body.status).toBe('open');
      expect(released.body).not.toHaveProperty('claimer');
      expect(await activeClaims(w.memberA1.userId)).toBe(0);
      // open again: another member can claim it
      expect((await post(`/wishes/${id}/claim`, w.memberA1b)).status).toBe(200);
      expect(await activeClaims(w.memberA1.userId)).toBe(0);
      expect(await activeClaims(w.memberA1b.userId)).toBe(1);
      expect((await post(`/wishes/${id}/release`, w.memberA1b, { reason: '还回去' })).status).toBe(200);
    });

    it('only the claimer may release or fulfil; others get 404', async () => {
      const id = await claimedWish();
      expect((await post(`/wishes/${id}/release`, w.memberA1b, { reason: 'x' })).status).toBe(404);
      expect((await post(`/wishes/${id}/fulfil`, w.memberA1b, { note: 'x' })).status).toBe(404);
      expect(await status(id)).toBe('claimed');
      expect((await post(`/admin/wishes/${id}/release`, w.adminA1, { reason: '长期未处理，收回' })).status).toBe(200);
      expect(await status(id)).toBe('open');
    });

    it('a dispute sends a fulfilled wish back to the same claimer', async () => {
      const id = await fulfilledWish();
      const disputed = await post(`/wishes/${id}/dispute`, w.residentA, { reason: '灯还是不亮' });
      expect(disputed.status).toBe(200);
      expect(disputed.body).toMatchObject({ status: 'claimed', claimer: { id: w.memberA1.userId } });
      expect(disputed.body).not.toHaveProperty('fulfilledAt');
      expect(await activeClaims(w.memberA1.userId)).toBe(1);
      expect((await post(`/wishes/${id}/fulfil`, w.memberA1, { note: '换了整套灯具' })).status).toBe(200);
      expect((await post(`/wishes/${id}/confirm`, w.residentA, { rating: 4 })).status).toBe(200);
      expect(await activeClaims(w.memberA1.userId)).toBe(0);
    });

    it('assign and reassign move the claim between members', async () => {
      const id = await openWish();
      const assigned = await post(`/admin/wishes/${id}/assign`, w.adminA1, { memberId: w.memberA1.userId, reason: '就近安排' });
      expect(assigned.status).toBe(200);
      expect(assigned.body).toMatchObject({ status: 'claimed', claimer: { id: w.memberA1.userId } });
      const reassigned = await post(`/admin/wishes/${id}/assign`, w.adminA1, { memberId: w.memberA1b.userId, reason: '原党员请假' });
      expect(reassigned.body).toMatchObject({ status: 'claimed', claimer: { id: w.memberA1b.userId } });
      expect(await activeClaims(w.memberA1.userId)).toBe(0);
      expect(await activeClaims(w.memberA1b.userId)).toBe(1);
      const notHere = await post(`/admin/wishes/${id}/assign`, w.adminA1, { memberId: w.memberA2.userId, reason: 'x' });
      expect(notHere.status).toBe(422);
      expect(notHere.body.code).toBe('ASSIGNEE_NOT_REGISTERED');
      const events = await t.http.get(`/api/v1/wishes/${id}/events`).set(w.adminA1.auth);
      expect(events.body.map((e: { action: string }) => e.action)).toEqual(['submit', 'approve', 'assign', 'reassign']);
      expect((await post(`/admin/wishes/${id}/cancel`, w.adminA1, { reason: '居民已自行解决' })).status).toBe(200);
      expect(await activeClaims(w.memberA1b.userId)).toBe(0);
    });
  });

  describe('withdraw and cancel', () => {
    const makers: Record<string, () => Promise<number>> = {
      pending_review: () => submit(),
      open: () => openWish(),
      claimed: () => claimedWish(),
    };

    it.each(Object.keys(makers))('the resident withdraws from %s', async (from) => {
      const id = await makers[from]();
      const response = await post(`/wishes/${id}/withdraw`, w.residentA, { reason: '已经解决了' });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'cancelled', closedAt: expect.any(String) });
      const last = await t.dataSource.getRepository(WishEvent).findOne({ where: { wishId: id }, order: { id: 'DESC' } });
      expect(last).toMatchObject({ action: 'withdraw', fromStatus: from, toStatus: 'cancelled', reason: '已经解决了' });
    });

    it.each(Object.keys(makers))('the office cancels from %s with a reason', async (from) => {
      const id = await makers[from]();
      expect((await post(`/admin/wishes/${id}/cancel`, w.adminA1, {})).status).toBe(400);
      const response = await post(`/admin/wishes/${id}/cancel`, w.adminStreetA, { reason: '重复提交' });
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('cancelled');
    });

    it('withdrawing a claimed wish frees the member\'s slot', async () => {
      const id = await claimedWish(w.memberA1b);
      expect(await activeClaims(w.memberA1b.userId)).toBe(1);
      await post(`/wishes/${id}/withdraw`, w.residentA).expect(200);
      expect(await activeClaims(w.memberA1b.userId)).toBe(0);
    });
  });

  describe('illegal transitions', () => {
    it('refuses every action that does not start from the current state, naming the status', async () => {
      const completed = await fulfilledWish();
      await post(`/wishes/${completed}/confirm`, w.residentA, { rating: 5 }).expect(200);
      const attempts: Array<[string, Session, object]> = [
        [`/wishes/${completed}/withdraw`, w.residentA, {}],
        [`/wishes/${completed}/confirm`, w.residentA, { rating: 3 }],
        [`/wishes/${completed}/dispute`, w.residentA, { reason: 'x' }],
        [`/wishes/${completed}/release`, w.memberA1, { reason: 'x' }],
        [`/wishes/${completed}/fulfil`, w.memberA1, { note: 'x' }],
        [`/admin/wishes/${completed}/approve`, w.adminA1, {}],
        [`/admin/wishes/${completed}/reject`, w.adminA1, { reason: 'x' }],
        [`/admin/wishes/${completed}/cancel`, w.adminA1, { reason: 'x' }],
        [`/admin/wishes/${completed}/assign`, w.adminA1, { memberId: w.memberA1b.userId, reason: 'x' }],
      ];
      for (const [path, who, body] of attempts) {
        const response = await post(path, who, body);
        expect({ path, status: response.status, code: response.body.code }).toEqual({ path, status: 409, code: 'WISH_ILLEGAL_TRANSITION' });
        expect(response.body.message).toContain('已完成');
      }
      expect(await t.dataSource.getRepository(WishEvent).count({ where: { wishId: completed } })).toBe(5);
    });

    it('refuses claiming a pending wish, confirming an open one, fulfilling twice', async () => {
      const pending = await submit();
      expect((await post(`/wishes/${pending}/claim`, w.memberA1)).body.code).toBe('WISH_ILLEGAL_TRANSITION');
      const open = await openWish();
      expect((await post(`/wishes/${open}/confirm`, w.residentA, { rating: 5 })).body.code).toBe('WISH_ILLEGAL_TRANSITION');
      const fulfilled = await fulfilledWish();
      expect((await post(`/wishes/${fulfilled}/fulfil`, w.memberA1, { note: 'again' })).body.code).toBe('WISH_ILLEGAL_TRANSITION');
      const rejected = await submit();
      await post(`/admin/wishes/${rejected}/reject`, w.adminA1, { reason: '不属于微心愿范围' }).expect(200);
      expect((await post(`/admin/wishes/${rejected}/approve`, w.adminA1)).status).toBe(409);
    });

    it('answers 404 for the wrong role or scope, so ids cannot be probed', async () => {
      const id = await submit();
      expect((await post(`/admin/wishes/${id}/approve`, w.adminA2)).status).toBe(404);
      expect((await post(`/admin/wishes/${id}/approve`, w.adminStreetB)).status).toBe(404);
      expect((await post(`/wishes/${id}/withdraw`, w.residentB)).status).toBe(404);
      expect((await t.http.get(`/api/v1/wishes/${id}`).set(w.residentB.auth)).status).toBe(404);
      expect((await t.http.get('/api/v1/wishes/999999').set(w.residentA.auth)).body.code).toBe('WISH_NOT_FOUND');
      // A unit admin cannot act as an office on wishes.
      expect((await post(`/admin/wishes/${id}/approve`, w.unitAdminGov)).status).toBe(403);
      expect(await status(id)).toBe('pending_review');
    });
  });

  describe('claim rules', () => {
    it('a member not registered in the community gets 403 MEMBER_NOT_REGISTERED', async () => {
      const id = await openWish();
      const response = await post(`/wishes/${id}/claim`, w.memberA2);
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('MEMBER_NOT_REGISTERED');
      expect(await status(id)).toBe('open');
    });

    it('a member cannot claim a wish they submitted', async () => {
      const id = await submit(w.memberA1b);
      await post(`/admin/wishes/${id}/approve`, w.adminA1).expect(200);
      const response = await post(`/wishes/${id}/claim`, w.memberA1b);
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('WISH_CLAIM_OWN');
    });

    it('a member holds at most CLAIM_LIMIT active claims', async () => {
      const limited = await startTestApp(kind, 'claimlimit', { env: { CLAIM_LIMIT: '2', RESIDENT_DAILY_SUBMISSIONS: '100', RESIDENT_OPEN_WISH_LIMIT: '100' } });
      try {
        const world = await buildWishWorld(limited);
        await allowFulfilWithoutPhotos(limited, world.communityA1.id);
        const ids: number[] = [];
        for (let i = 0; i < 3; i++) {
          const created = await limited.http.post('/api/v1/wishes').set(world.residentA.auth).send(wishBody(world.communityA1.id));
          await limited.http.post(`/api/v1/admin/wishes/${created.body.id}/approve`).set(world.adminA1.auth).send({}).expect(200);
          ids.push(created.body.id);
        }
        await limited.http.post(`/api/v1/wishes/${ids[0]}/claim`).set(world.memberA1.auth).expect(200);
        await limited.http.post(`/api/v1/wishes/${ids[1]}/claim`).set(world.memberA1.auth).expect(200);
        const third = await limited.http.post(`/api/v1/wishes/${ids[2]}/claim`).set(world.memberA1.auth);
        expect(third.status).toBe(409);
        expect(third.body.code).toBe('CLAIM_LIMIT_REACHED');
        expect((await limited.dataSource.getRepository(Wish).findOneByOrFail({ id: ids[2] })).status).toBe('open');
        expect(await limited.dataSource.getRepository(WishEvent).count({ where: { wishId: ids[2] } })).toBe(2);
        // fulfilling one frees a slot
        await limited.http.post(`/api/v1/wishes/${ids[0]}/fulfil`).set(world.memberA1.auth).send({ note: 'done' }).expect(200);
        await limited.http.post(`/api/v1/wishes/${ids[2]}/claim`).set(world.memberA1.auth).expect(200);
      } finally {
        await limited.close();
      }
    });
  });

  describe('editing', () => {
    it('the resident edits title and description while pending or open, with an edit event', async () => {
      const id = await submit();
      const edited = await t.http.patch(`/api/v1/wishes/${id}`).set(w.residentA.auth).send({ title: '楼道灯坏了（3号楼）' });
      expect(edited.status).toBe(200);
      expect(edited.body.title).toBe('楼道灯坏了（3号楼）');
      await post(`/admin/wishes/${id}/approve`, w.adminA1).expect(200);
      await t.http.patch(`/api/v1/wishes/${id}`).set(w.residentA.auth).send({ description: '补充：二楼也坏了' }).expect(200);
      await post(`/wishes/${id}/claim`, w.memberA1).expect(200);
      const locked = await t.http.patch(`/api/v1/wishes/${id}`).set(w.residentA.auth).send({ title: '改不了' });
      expect(locked.status).toBe(409);
      expect(locked.body.code).toBe('WISH_ILLEGAL_TRANSITION');
      expect((await t.http.patch(`/api/v1/wishes/${id}`).set(w.residentB.auth).send({ title: '别人的' })).status).toBe(404);
      const events = await t.dataSource.getRepository(WishEvent).find({ where: { wishId: id, action: 'edit' } });
      expect(events).toHaveLength(2);
      expect(events.every((e) => e.fromStatus === e.toStatus)).toBe(true);
    });

    it('refuses status, claimer or other fields in an edit (mass assignment)', async () => {
      const id = await submit();
      for (const body of [{ status: 'completed' }, { claimerId: w.memberA1.userId }, { communityId: w.communityB1.id }, { rating: 5 }]) {
        const response = await t.http.patch(`/api/v1/wishes/${id}`).set(w.residentA.auth).send(body);
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
      }
      expect(await status(id)).toBe('pending_review');
    });
  });

  describe('idempotency', () => {
    it('the same key from the same user returns the first wish', async () => {
      const body = wishBody(w.communityA1.id);
      const first = await t.http.post('/api/v1/wishes').set({ ...w.residentA.auth, 'Idempotency-Key': 'submit-key-0001' }).send(body);
      const second = await t.http.post('/api/v1/wishes').set({ ...w.residentA.auth, 'Idempotency-Key': 'submit-key-0001' }).send(body);
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body.id).toBe(first.body.id);
      expect(await t.dataSource.getRepository(Wish).count({ where: { idempotencyKey: 'submit-key-0001' } })).toBe(1);
    });

    it('different users with the same key get two wishes', async () => {
      const a = await t.http.post('/api/v1/wishes').set({ ...w.residentA.auth, 'Idempotency-Key': 'shared-key-0002' }).send(wishBody(w.communityA1.id));
      const b = await t.http.post('/api/v1/wishes').set({ ...w.residentB.auth, 'Idempotency-Key': 'shared-key-0002' }).send(wishBody(w.communityA1.id));
      expect(a.body.id).not.toBe(b.body.id);
    });

    it('concurrent retries with one key create exactly one wish', async () => {
      const body = wishBody(w.communityA1.id);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => t.http.post('/api/v1/wishes').set({ ...w.residentB.auth, 'Idempotency-Key': 'burst-key-0003' }).send(body)),
      );
      expect(results.every((r) => r.status === 201)).toBe(true);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      expect(await t.dataSource.getRepository(Wish).count({ where: { idempotencyKey: 'burst-key-0003' } })).toBe(1);
    });

    it('refuses a malformed key', async () => {
      const response = await t.http.post('/api/v1/wishes').set({ ...w.residentA.auth, 'Idempotency-Key': 'short' }).send(wishBody(w.communityA1.id));
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('IDEMPOTENCY_KEY_INVALID');
    });
  });

  describe('bad input', () => {
    it.each([
      ['missing title', { title: undefined }],
      ['empty title', { title: '   ' }],
      ['title of 41 characters', { title: '灯'.repeat(41) }],
      ['description of 501 characters', { description: '字'.repeat(501) }],
      ['unknown category', { category: '娱乐' }],
      ['unknown kind', { kind: 'private' }],
      ['negative cost', { estimatedCost: -1 }],
      ['fractional cost', { estimatedCost: 9.5 }],
      ['bad date', { expectedBy: '2026-13-01' }],
      ['ten photos', { photoIds: Array.from({ length: 10 }, (_, i) => `p${i}`) }],
      ['a status', { status: 'open' }],
      ['a claimer', { claimerId: 1 }],
      ['NUL in text', { description: 'abc\u0000def' }],
      ['string community', { communityId: 'abc' }],
    ])('refuses %s with 400 and stores nothing', async (_label, overrides) => {
      const before = await t.dataSource.getRepository(Wish).count();
      const response = await post('/wishes', w.residentA, wishBody(w.communityA1.id, overrides));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.stringMatching(/[\u4e00-\u9fa5]/) });
      expect(await t.dataSource.getRepository(Wish).count()).toBe(before);
    });

    it('refuses a cost over the cap with 422, a street as community with 422', async () => {
      expect((await post('/wishes', w.residentA, wishBody(w.communityA1.id, { estimatedCost: 501 }))).body.code).toBe('WISH_COST_OVER_CAP');
      expect((await post('/wishes', w.residentA, wishBody(w.streetA.id))).body.code).toBe('REGION_NOT_A_COMMUNITY');
    });

    it.each([0, 6, 2.5, '5'])('refuses rating %p', async (rating) => {
      const id = await fulfilledWish();
      const response = await post(`/wishes/${id}/confirm`, w.residentA, { rating });
      expect(response.status).toBe(400);
      expect(await status(id)).toBe('fulfilled');
    });

    it('accepts emoji and rare characters and returns them unchanged', async () => {
      const title = '𠮷野家门口🐶太吵了😤';
      const description = '每天晚上 10 点后还有狗叫🐕，希望协调一下。𪚥';
      const id = await submit(w.residentA, { title, description, category: '环境整治' });
      const detail = await t.http.get(`/api/v1/wishes/${id}`).set(w.residentA.auth);
      expect(detail.body).toMatchObject({ title, description });
      const stored = await t.dataSource.getRepository(Wish).findOneByOrFail({ id });
      expect(stored.title).toBe(title);
    });
  });

  describe('limits per resident', () => {
    it('enforces open wishes at once and submissions per day (Shanghai calendar)', async () => {
      const limited = await startTestApp(kind, 'limits', { env: { RESIDENT_OPEN_WISH_LIMIT: '2', RESIDENT_DAILY_SUBMISSIONS: '3' } });
      try {
        const world = await buildWishWorld(limited);
        const send = () => limited.http.post('/api/v1/wishes').set(world.residentA.auth).send(wishBody(world.communityA1.id));
        const first = await send();
        expect((await send()).status).toBe(201);
        const third = await send();
        expect(third.status).toBe(409);
        expect(third.body.code).toBe('WISH_OPEN_LIMIT_REACHED');
        await limited.http.post(`/api/v1/wishes/${first.body.id}/withdraw`).set(world.residentA.auth).send({}).expect(200);
        expect((await send()).status).toBe(201);
        await limited.http.post(`/api/v1/wishes/${first.body.id + 1}/withdraw`).set(world.residentA.auth).send({}).expect(200);
        const fourthToday = await send();
        expect(fourthToday.status).toBe(429);
        expect(fourthToday.body.code).toBe('WISH_DAILY_LIMIT_REACHED');
        limited.clock.advance(DAY);
        expect((await send()).status).toBe(201);
      } finally {
        await limited.close();
      }
    });
  });

  it('the member wall shows open wishes of registered communities only, masked', async () => {
    const member = await newMember(t, 'wall-member', [w.communityA2.id], w.unitGov.id);
    const inA2 = await post('/admin/wishes', w.adminA2, { ...wishBody(w.communityA2.id, { title: '甲二的心愿' }), resident: { name: '钱多多', phone: '13500004444', address: '甲二社区' } });
    const wall = await t.http.get('/api/v1/wishes').set(member.auth);
    expect(wall.status).toBe(200);
    expect(wall.body.items.every((item: { communityId: number; status: string }) => item.communityId === w.communityA2.id && item.status === 'open')).toBe(true);
    const item = wall.body.items.find((i: { id: number }) => i.id === inA2.body.id);
    expect(item).toMatchObject({ title: '甲二的心愿', residentName: '钱*多' });
    expect(item).not.toHaveProperty('contact');
    const elsewhere = await t.http.get(`/api/v1/wishes?communityId=${w.communityA1.id}`).set(member.auth);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.code).toBe('MEMBER_NOT_REGISTERED');
  });

  it('pages through the wall with a cursor without duplicates or gaps', async () => {
    const member = await newMember(t, 'pager', [w.communityB1.id], w.unitSchool.id);
    const admin = await (await import('./support/auth')).devLogin(t.http, 'admin-b1', [{ role: 'community_admin', regionId: w.communityB1.id }]);
    const created: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await post('/admin/wishes', admin, { ...wishBody(w.communityB1.id), resident: { name: '孙某某', phone: '13500005555', address: '乙一社区' } });
      created.push(response.body.id);
      if (i % 3 === 0) t.clock.advance(1000); // some share a timestamp, some do not
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const response: { status: number; body: { items: { id: number }[]; nextCursor: string | null } } = await t.http.get(`/api/v1/wishes?limit=3${cursor ? `&cursor=${cursor}` : ''}`).set(member.auth);
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...response.body.items.map((i: { id: number }) => i.id));
      cursor = response.body.nextCursor;
    } while (cursor);
    expect(seen.sort((a, b) => a - b)).toEqual([...created].sort((a, b) => a - b));
  });
});
