import { AuditLog } from '../src/audit/audit-log.entity';
import { devLogin } from './support/auth';
import { expectError } from './support/errors';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, WishWorld, wishBody } from './support/wish-world';

const OFFICE = { 'User-Agent': 'OfficeBrowser/1.0 (audit test)' };

/**
 * Office actions land in the append-only audit log with who, what, when and from where (IP, user
 * agent, request id), in the action's own transaction; region offices read the rows about their
 * subtree, newest first, page by page.
 */
describe.each(testDatabases())('audit log on %s', (kind) => {
  let t: TestApp;
  let w: WishWorld;
  let wishId: number;
  let cancelledId: number;

  beforeAll(async () => {
    t = await startTestApp(kind, 'audit');
    w = await buildWishWorld(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const submit = async () => {
    const response = await t.http.post('/api/v1/wishes').set(w.residentA.auth).send(wishBody(w.communityA1.id, { phone: '13800002222' }));
    expect(response.status).toBe(201);
    return response.body.id as number;
  };
  const list = (query: Record<string, string | number> = {}, who = w.adminStreetA) => t.http.get('/api/v1/admin/audit').query(query).set(who.auth);

  it('records approve, detail views with the phone, assign, cancel, offline entry, registration decisions and the ledger export', async () => {
    wishId = await submit();
    await t.http.post(`/api/v1/admin/wishes/${wishId}/approve`).set(w.adminA1.auth).set(OFFICE).set('X-Request-Id', 'audit-trace-0001').send({}).expect(200);
    t.clock.advance(1000);
    const detail = await t.http.get(`/api/v1/wishes/${wishId}`).set(w.adminA1.auth).set(OFFICE);
    expect(detail.status).toBe(200);
    expect(detail.body.contact.phone).toBe('13800002222');
    t.clock.advance(1000);
    await t.http.post(`/api/v1/admin/wishes/${wishId}/assign`).set(w.adminStreetA.auth).set(OFFICE).send({ memberId: w.memberA1.userId, reason: '就近安排' }).expect(200);
    t.clock.advance(1000);
    // The member holding the claim sees the phone too: audited as well.
    await t.http.get(`/api/v1/wishes/${wishId}`).set(w.memberA1.auth).expect(200);
    // A member without the claim sees no phone: nothing to audit.
    await t.http.get(`/api/v1/wishes/${wishId}`).set(w.memberA1b.auth).expect(200);

    cancelledId = await submit();
    t.clock.advance(1000);
    await t.http.post(`/api/v1/admin/wishes/${cancelledId}/cancel`).set(w.adminA1.auth).set(OFFICE).send({ reason: '重复提交' }).expect(200);
    t.clock.advance(1000);
    const offline = await t.http
      .post('/api/v1/admin/wishes')
      .set(w.adminA1.auth)
      .send({ ...wishBody(w.communityA1.id), resident: { name: '王奶奶', phone: '13900003333', address: '甲一社区 5 号楼' } });
    expect(offline.status).toBe(201);
    t.clock.advance(1000);
    const applicant = await devLogin(t.http, 'audit-applicant');
    const registration = await t.http.post('/api/v1/members/registrations').set(applicant.auth).send({ unitId: w.unitGov.id, communityId: w.communityA1.id, name: '党员乙', phone: '13600005555' });
    expect(registration.status).toBe(201);
    await t.http.post(`/api/v1/admin/registrations/${registration.body.id}/approve`).set(w.adminA1.auth).send({}).expect(200);
    t.clock.advance(1000);
    const exported = await t.http.get('/api/v1/dashboard/export.xlsx').query({ to: '2026-03-05' }).set(w.adminStreetA.auth).set(OFFICE).buffer(true).parse((res, done) => {
      res.on('data', () => undefined);
      res.on('end', () => done(null, null));
    });
    expect(exported.status).toBe(200);

    const page = await list({ limit: 100 });
    expect(page.status).toBe(200);
    expect(page.body.items.map((row: { action: string }) => row.action)).toEqual([
      'ledger.export',
      'registration.approve',
      'wish.offline_entry',
      'wish.cancel',
      'wish.view_contact',
      'wish.assign',
      'wish.view_contact',
      'wish.approve',
    ]);
    const [exportRow, registrationRow, offlineRow, cancelRow, memberView, assignRow, adminView, approveRow] = page.body.items;
    expect(approveRow).toEqual({
      id: expect.any(Number),
      at: '2026-03-01T02:00:00.000Z',
      actorId: w.adminA1.userId,
      actorRole: 'community_admin',
      action: 'wish.approve',
      targetType: 'wish',
      targetId: wishId,
      detail: { from: 'pending_review', to: 'open' },
      ip: expect.stringMatching(/127\.0\.0\.1$/),
      userAgent: 'OfficeBrowser/1.0 (audit test)',
      requestId: 'audit-trace-0001',
    });
    expect(adminView).toMatchObject({ actorId: w.adminA1.userId, actorRole: 'community_admin', targetId: wishId, detail: null });
    expect(assignRow).toMatchObject({ actorId: w.adminStreetA.userId, actorRole: 'region_admin', detail: { from: 'open', to: 'claimed', reason: '就近安排', memberId: w.memberA1.userId } });
    expect(memberView).toMatchObject({ actorId: w.memberA1.userId, actorRole: 'member', targetId: wishId });
    expect(cancelRow).toMatchObject({ targetId: cancelledId, detail: { from: 'pending_review', to: 'cancelled', reason: '重复提交' } });
    expect(offlineRow).toMatchObject({ targetId: offline.body.id, actorRole: 'community_admin' });
    expect(registrationRow).toMatchObject({ targetType: 'registration', targetId: registration.body.id, actorRole: 'community_admin' });
    expect(exportRow).toMatchObject({ targetType: 'ledger', targetId: null, actorRole: 'region_admin', detail: { to: '2026-03-05' } });
    // Never a phone or address in the log itself.
    expect(JSON.stringify(page.body)).not.toMatch(/1380000|1390000|1360000|5 号楼/);
  });

  it('pages newest first with a cursor and filters by actor, action and time', async () => {
    const first = await list({ limit: 3 });
    expect(first.body.items).toHaveLength(3);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await list({ limit: 3, cursor: first.body.nextCursor });
    expect(second.body.items).toHaveLength(3);
    const third = await list({ limit: 3, cursor: second.body.nextCursor });
    expect(third.body.items).toHaveLength(2);
    expect(third.body.nextCursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items, ...third.body.items].map((row: { id: number }) => row.id);
    expect(new Set(ids).size).toBe(8);

    const byActor = await list({ actorId: w.adminStreetA.userId });
    expect(byActor.body.items.map((row: { action: string }) => row.action)).toEqual(['ledger.export', 'wish.assign']);
    const views = await list({ action: 'wish.view_contact' });
    expect(views.body.items).toHaveLength(2);
    const window = await list({ from: '2026-03-01T02:00:01.000Z', to: '2026-03-01T02:00:03.000Z' });
    expect(window.body.items.map((row: { action: string }) => row.action)).toEqual(['wish.assign', 'wish.view_contact']);
    expectError(await list({ from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' }), 400, 'AUDIT_RANGE_INVALID');
    expectError(await list({ action: 'wish.delete_everything' }), 400, 'VALIDATION_FAILED');
    expectError(await list({ cursor: 'not-a-cursor' }), 400, 'CURSOR_INVALID');
  });

  it('shows each region office only the rows about its subtree, and community offices none', async () => {
    const otherStreet = await list({}, w.adminStreetB);
    expect(otherStreet.status).toBe(200);
    expect(otherStreet.body).toEqual({ items: [], nextCursor: null });
    expectError(await list({}, w.adminA1), 403, 'FORBIDDEN');
    expectError(await list({}, w.memberA1), 403, 'FORBIDDEN');
  });

  it('writes nothing when the action fails, and offers no way to change a row', async () => {
    const before = await t.dataSource.getRepository(AuditLog).count();
    expectError(await t.http.post(`/api/v1/admin/wishes/${cancelledId}/approve`).set(w.adminA1.auth).send({}), 409, 'WISH_ILLEGAL_TRANSITION');
    expectError(await t.http.post(`/api/v1/admin/wishes/${wishId}/cancel`).set(w.adminStreetB.auth).send({ reason: '越权' }), 404, 'WISH_NOT_FOUND');
    expect(await t.dataSource.getRepository(AuditLog).count()).toBe(before);
    expect((await t.http.delete('/api/v1/admin/audit').set(w.adminStreetA.auth)).status).toBe(404);
    expect((await t.http.patch('/api/v1/admin/audit').set(w.adminStreetA.auth).send({})).status).toBe(404);
  });
});
