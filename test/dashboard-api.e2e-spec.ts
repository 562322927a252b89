import * as ExcelJS from 'exceljs';
import { DAY, HOUR } from '../src/common/time/clock';
import { MAX_RELATIVE_ERROR } from '../src/dashboard/rollup/histogram';
import type { Session } from './support/auth';
import { devLogin } from './support/auth';
import { allowFulfilWithoutPhotos, drain, WishDriver } from './support/dashboard-world';
import { expectError } from './support/errors';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, newMember, WishWorld } from './support/wish-world';

/** Within the histogram's stated bound of the exact value. */
function expectNear(actual: number | null, exact: number): void {
  expect(actual).not.toBeNull();
  if (exact === 0) expect(actual).toBe(0);
  else expect(Math.abs((actual as number) - exact) / exact).toBeLessThanOrEqual(MAX_RELATIVE_ERROR + 1e-9);
}

/** Reads a downloaded workbook into { sheetName: rows of cell values }. */
async function readWorkbook(buffer: Buffer): Promise<Record<string, unknown[][]>> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  const out: Record<string, unknown[][]> = {};
  workbook.eachSheet((sheet) => {
    const rows: unknown[][] = [];
    sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    out[sheet.name] = rows;
  });
  return out;
}

describe.each(testDatabases())('dashboard API on %s', (kind) => {
  let t: TestApp;
  let w: WishWorld;
  let drive: WishDriver;
  let memberB1: Session;
  let resident: Session;
  let member: Session;
  const ids: Record<string, number> = {};

  const get = (path: string, who: Session, query: Record<string, string | number> = {}) => t.http.get(`/api/v1/dashboard/${path}`).query(query).set(who.auth);

  beforeAll(async () => {
    t = await startTestApp(kind, 'dashboard-api', { env: { OVERDUE_CLAIMED_DAYS: '14', RESIDENT_DAILY_SUBMISSIONS: '1000', RESIDENT_OPEN_WISH_LIMIT: '1000', CLAIM_LIMIT: '50' } });
    w = await buildWishWorld(t);
    await allowFulfilWithoutPhotos(t);
    drive = new WishDriver(t);
    memberB1 = await newMember(t, 'member-b1', [w.communityB1.id], w.unitSchool.id, '刘海燕');
    resident = w.residentB;
    member = w.memberA2;

    // 2026-03-01 10:00 Shanghai. W9: an offline (hotline) entry in A2, left open.
    ids.w9 = await drive.offline(w.adminA2, w.communityA2.id, { category: '环境整治', channel: 'hotline' });
    // W1: the whole happy path in A1.
    ids.w1 = await drive.submit(w.residentA, w.communityA1.id);
    t.clock.advance(2 * HOUR);
    await drive.approve(ids.w1, w.adminA1);
    t.clock.advance(HOUR);
    await drive.claim(ids.w1, w.memberA1);
    t.clock.advance(DAY);
    await drive.fulfil(ids.w1, w.memberA1);
    t.clock.advance(HOUR);
    await drive.confirm(ids.w1, w.residentA, 5);

    // W2 (2026-03-02 14:00 Shanghai): claimed by a school member, released, claimed again at midnight Shanghai.
    ids.w2 = await drive.submit(w.residentA, w.communityA1.id, { category: '生活物资', kind: 'personal' });
    t.clock.advance(4 * HOUR);
    await drive.approve(ids.w2, w.adminA1);
    t.clock.advance(3 * HOUR);
    await drive.claim(ids.w2, w.memberA1b);
    t.clock.advance(HOUR);
    await drive.release(ids.w2, w.memberA1b);
    t.clock.advance(2 * HOUR); // 2026-03-02T16:00Z = 2026-03-03 00:00 Shanghai
    await drive.claim(ids.w2, w.memberA1);
    t.clock.advance(2 * DAY);
    await drive.fulfil(ids.w2, w.memberA1);
    t.clock.advance(HOUR);
    await drive.confirm(ids.w2, w.residentA, 3);

    // 2026-03-04T17:00Z = 2026-03-05 01:00 Shanghai: the rest at once.
    ids.w3 = await drive.offline(w.adminA1, w.communityA1.id, { category: '助老助残' });
    ids.w4 = await drive.submit(w.residentB, w.communityA1.id);
    await drive.approve(ids.w4, w.adminA1);
    await drive.claim(ids.w4, w.memberA1b);
    await drive.withdraw(ids.w4, w.residentB);
    ids.w5 = await drive.submit(w.residentB, w.communityA2.id);
    await drive.reject(ids.w5, w.adminA2);
    ids.w6 = await drive.submit(w.residentB, w.communityB1.id);
    await drive.approve(ids.w6, w.adminStreetB);
    await drive.claim(ids.w6, memberB1);
    await drive.fulfil(ids.w6, memberB1);
    ids.w7 = await drive.submit(w.residentA, w.communityA2.id);
    ids.w8 = await drive.submit(w.residentA, w.communityA1.id);
    await drive.approve(ids.w8, w.adminA1);
    await drive.claim(ids.w8, w.memberA1);
    expect(await drain(t)).toBe(30);
  }, 20_000);
  afterAll(() => t?.close());

  describe('summary', () => {
    it('counts statuses, the funnel, cycle times and ratings for a street office', async () => {
      const response = await get('summary', w.adminStreetA);
      expect(response.status).toBe(200);
      const body = response.body;
      expect(body.period).toEqual({ from: '2026-01-01', to: '2026-03-05', timezone: 'Asia/Shanghai' });
      expect(body.statusCounts).toEqual({ pending_review: 1, open: 2, claimed: 1, fulfilled: 0, completed: 2, rejected: 1, cancelled: 1, total: 8 });
      expect(body.funnel).toEqual({ submitted: 8, approved: 6, claimed: 5, fulfilled: 2, completed: 2, rejected: 1, withdrawn: 1, cancelled: 0, released: 1, disputed: 0 });
      expect(body.cycleTimes.review.samples).toBe(7);
      expect(body.cycleTimes.review.medianSeconds).toBe(0);
      expectNear(body.cycleTimes.review.p90Seconds, 4 * 3600);
      expect(body.cycleTimes.toClaim.samples).toBe(5);
      expectNear(body.cycleTimes.toClaim.medianSeconds, 3600);
      expectNear(body.cycleTimes.toClaim.p90Seconds, 3 * 3600);
      expectNear(body.cycleTimes.toFulfil.medianSeconds, DAY / 1000);
      expectNear(body.cycleTimes.toFulfil.p90Seconds, (2 * DAY) / 1000);
      expect(body.cycleTimes.toFulfil.meanSeconds).toBe((3 * DAY) / 2000);
      expectNear(body.cycleTimes.toConfirm.medianSeconds, 3600);
      expectNear(body.cycleTimes.endToEnd.medianSeconds, 28 * 3600);
      expectNear(body.cycleTimes.endToEnd.p90Seconds, 59 * 3600);
      expect(body.satisfaction).toEqual({ ratings: 2, mean: 4, highShare: 0.5 });
      expect(body.overdue).toEqual({ open: 0, claimed: 0, fulfilled: 0, thresholdsDays: { open: 7, claimed: 14, fulfilled: 7 } });
      expect(body.pendingEvents).toBe(0);
    });

    it('scopes a community office to its community and a street office to its street', async () => {
      const a1 = (await get('summary', w.adminA1)).body;
      expect(a1.statusCounts).toMatchObject({ completed: 2, open: 1, cancelled: 1, claimed: 1, total: 5 });
      const a2 = (await get('summary', w.adminA2)).body;
      expect(a2.statusCounts).toMatchObject({ rejected: 1, pending_review: 1, open: 1, total: 3 });
      const b = (await get('summary', w.adminStreetB)).body;
      expect(b.statusCounts).toMatchObject({ fulfilled: 1, total: 1 });
      const narrowed = (await get('summary', w.adminStreetA, { regionId: w.communityA2.id })).body;
      expect(narrowed.statusCounts).toEqual(a2.statusCounts);
    });

    it('answers 404 for a region or unit outside the scope', async () => {
      expectError(await get('summary', w.adminA1, { regionId: w.communityA2.id }), 404, 'DASHBOARD_SCOPE_NOT_FOUND');
      expectError(await get('summary', w.adminA1, { regionId: w.streetA.id }), 404, 'DASHBOARD_SCOPE_NOT_FOUND');
      expectError(await get('summary', w.adminStreetB, { regionId: w.communityA1.id }), 404, 'DASHBOARD_SCOPE_NOT_FOUND');
      expectError(await get('summary', w.adminStreetB, { regionId: 999_999 }), 404, 'DASHBOARD_SCOPE_NOT_FOUND');
      expectError(await get('summary', w.unitAdminGov, { unitId: w.unitSchool.id }), 404, 'DASHBOARD_SCOPE_NOT_FOUND');
      expectError(await get('summary', w.adminA1, { unitId: 999_999 }), 404, 'DASHBOARD_SCOPE_NOT_FOUND');
    });

    it('refuses residents and members (403)', async () => {
      expectError(await get('summary', resident), 403, 'FORBIDDEN');
      expectError(await get('summary', member), 403, 'FORBIDDEN');
      expect((await t.http.get('/api/v1/dashboard/summary')).status).toBe(401);
    });

    it('shows a unit admin what its members did', async () => {
      const gov = (await get('summary', w.unitAdminGov)).body;
      expect(gov.funnel).toEqual({ submitted: 0, approved: 0, claimed: 3, fulfilled: 2, completed: 2, rejected: 0, withdrawn: 0, cancelled: 0, released: 0, disputed: 0 });
      expect(gov.statusCounts).toMatchObject({ completed: 2, claimed: 1, total: 3 });
      expect(gov.satisfaction).toEqual({ ratings: 2, mean: 4, highShare: 0.5 });
      const schoolAdmin = await devLogin(t.http, 'unit-admin-school', [{ role: 'unit_admin', unitId: w.unitSchool.id }]);
      const school = (await get('summary', schoolAdmin)).body;
      expect(school.funnel).toMatchObject({ claimed: 3, released: 1, withdrawn: 1, fulfilled: 1, completed: 0 });
      expect(school.statusCounts).toMatchObject({ fulfilled: 1, total: 1 });
      // A street office may look at one unit's part of its street.
      const govInStreetA = (await get('summary', w.adminStreetA, { unitId: w.unitGov.id })).body;
      expect(govInStreetA.funnel.claimed).toBe(3);
      const schoolInStreetA = (await get('summary', w.adminStreetA, { unitId: w.unitSchool.id })).body;
      expect(schoolInStreetA.funnel).toMatchObject({ claimed: 2, released: 1, withdrawn: 1, fulfilled: 0 });
    });

    it('filters by category, channel and period; whole months read the same as their days', async () => {
      const food = (await get('summary', w.adminStreetA, { category: '生活物资' })).body;
      expect(food.funnel).toMatchObject({ submitted: 1, claimed: 2, released: 1, completed: 1 });
      const offline = (await get('summary', w.adminStreetA, { channel: 'offline' })).body;
      expect(offline.funnel).toMatchObject({ submitted: 1, approved: 1, claimed: 0 });
      const firstDay = (await get('summary', w.adminStreetA, { from: '2026-03-01', to: '2026-03-01' })).body;
      expect(firstDay.funnel).toMatchObject({ submitted: 2, approved: 2, claimed: 1, completed: 0 });
      const march = (await get('summary', w.adminStreetA, { from: '2026-03-01', to: '2026-03-31' })).body;
      const sameDays = (await get('summary', w.adminStreetA, { from: '2026-02-15', to: '2026-03-05' })).body;
      expect(march.funnel).toEqual(sameDays.funnel);
      expect(march.cycleTimes).toEqual(sameDays.cycleTimes);
      const february = (await get('summary', w.adminStreetA, { from: '2026-02-01', to: '2026-02-28' })).body;
      expect(february.funnel.submitted).toBe(0);
      expectError(await get('summary', w.adminStreetA, { from: '2026-03-05', to: '2026-03-01' }), 400, 'DASHBOARD_RANGE_INVALID');
      expectError(await get('summary', w.adminStreetA, { from: '2026-02-30' }), 400, 'DASHBOARD_RANGE_INVALID');
      expectError(await get('summary', w.adminStreetA, { category: '外卖' }), 400, 'VALIDATION_FAILED');
      expectError(await get('summary', w.adminStreetA, { other: 1 }), 400, 'VALIDATION_FAILED');
    });

    it('lags behind until the worker has drained the queue', async () => {
      const before = (await get('summary', w.adminStreetB)).body;
      const id = await drive.submit(w.residentB, w.communityB1.id, { category: '其他' });
      const lagging = (await get('summary', w.adminStreetB)).body;
      expect(lagging.pendingEvents).toBeGreaterThan(0);
      expect(lagging.funnel.submitted).toBe(before.funnel.submitted);
      await drain(t);
      const after = (await get('summary', w.adminStreetB)).body;
      expect(after.funnel.submitted).toBe(before.funnel.submitted + 1);
      await drive.withdraw(id, w.residentB);
      await drain(t);
      expect((await get('summary', w.adminStreetB)).body.statusCounts).toMatchObject({ cancelled: 1, pending_review: 0 });
    });
  });

  describe('trend', () => {
    it('buckets by Asia/Shanghai day', async () => {
      const response = await get('trend', w.adminStreetA, { from: '2026-03-01', to: '2026-03-05', interval: 'day' });
      expect(response.status).toBe(200);
      const byDay = Object.fromEntries(response.body.points.map((p: { period: string; funnel: Record<string, number> }) => [p.period, p.funnel]));
      expect(Object.keys(byDay)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05']);
      expect(byDay['2026-03-01']).toMatchObject({ submitted: 2, approved: 2, claimed: 1, fulfilled: 0 });
      expect(byDay['2026-03-02']).toMatchObject({ submitted: 1, approved: 1, claimed: 1, released: 1, fulfilled: 1, completed: 1 });
      // The second claim of W2 happened at 16:00 UTC, which is midnight in Shanghai.
      expect(byDay['2026-03-03']).toMatchObject({ submitted: 0, claimed: 1 });
      expect(byDay['2026-03-04']).toMatchObject({ submitted: 0, claimed: 0, completed: 0 });
      expect(byDay['2026-03-05']).toMatchObject({ submitted: 5, approved: 3, claimed: 2, fulfilled: 1, completed: 1, rejected: 1, withdrawn: 1 });
    });

    it('groups weeks from Monday and months from month rows', async () => {
      const weeks = (await get('trend', w.adminStreetA, { from: '2026-03-01', to: '2026-03-05', interval: 'week' })).body;
      expect(weeks.points.map((p: { period: string; funnel: { submitted: number } }) => [p.period, p.funnel.submitted])).toEqual([
        ['2026-02-23', 2],
        ['2026-03-02', 6],
      ]);
      const months = (await get('trend', w.adminStreetA, { from: '2026-01-01', to: '2026-03-31', interval: 'month' })).body;
      expect(months.points.map((p: { period: string; funnel: { submitted: number } }) => [p.period, p.funnel.submitted])).toEqual([
        ['2026-01-01', 0],
        ['2026-02-01', 0],
        ['2026-03-01', 8],
      ]);
      expectNear(months.points[2].cycleTimes.endToEnd.medianSeconds, 28 * 3600);
      expectError(await get('trend', w.adminStreetA, { from: '2024-01-01', to: '2026-03-01', interval: 'day' }), 400, 'DASHBOARD_RANGE_TOO_LONG');
    });
  });

  describe('breakdown', () => {
    it('tables communities, sortable', async () => {
      const desc = (await get('breakdown', w.adminStreetA, { by: 'community' })).body;
      expect(desc.rows.map((r: { name: string; submitted: number }) => [r.name, r.submitted])).toEqual([
        ['甲一社区', 5],
        ['甲二社区', 3],
      ]);
      expect(desc.rows[0]).toMatchObject({ key: String(w.communityA1.id), completed: 2, completionRate: 0.4, ratingMean: 4, highShare: 0.5 });
      expect(desc.rows[0].meanEndToEndSeconds).toBe(((28 + 59) * 3600) / 2);
      const asc = (await get('breakdown', w.adminStreetA, { by: 'community', sort: 'submitted', order: 'asc' })).body;
      expect(asc.rows.map((r: { name: string }) => r.name)).toEqual(['甲二社区', '甲一社区']);
      const a1 = (await get('breakdown', w.adminA1, { by: 'community' })).body;
      expect(a1.rows.map((r: { name: string }) => r.name)).toEqual(['甲一社区']);
      const streets = (await t.http.get('/api/v1/dashboard/breakdown').query({ by: 'street' }).set((await devLogin(t.http, 'district-admin', [{ role: 'region_admin', regionId: w.district.id }])).auth)).body;
      expect(streets.rows.map((r: { name: string; submitted: number }) => [r.name, r.submitted])).toEqual([
        ['甲街道', 8],
        ['乙街道', 2],
      ]);
    });

    it('tables categories, channels and units', async () => {
      const categories = (await get('breakdown', w.adminStreetA, { by: 'category' })).body;
      const byCategory = Object.fromEntries(categories.rows.map((r: { key: string; submitted: number }) => [r.key, r.submitted]));
      expect(byCategory).toMatchObject({ 设施维修: 5, 生活物资: 1, 助老助残: 1, 环境整治: 1, 其他: 0 });
      const channels = (await get('breakdown', w.adminStreetA, { by: 'channel' })).body;
      expect(channels.rows.map((r: { key: string; name: string; submitted: number }) => [r.key, r.name, r.submitted])).toEqual([
        ['mini_program', '小程序', 6],
        ['hotline', '热线电话', 1],
        ['offline', '线下走访', 1],
      ]);
      const units = (await get('breakdown', w.adminStreetA, { by: 'unit', sort: 'completed' })).body;
      expect(units.rows.map((r: { name: string; claimed: number; completed: number; released: number }) => [r.name, r.claimed, r.completed, r.released])).toEqual([
        ['测试机关', 3, 2, 0],
        ['测试学校', 2, 0, 1],
      ]);
    });

    it('gives the same figures from total rows, detail rows and the community rows of a unit', async () => {
      const district = await devLogin(t.http, 'district-admin-rows', [{ role: 'region_admin', regionId: w.district.id }]);
      const sum = (parts: Array<Record<string, number>>) => {
        const out: Record<string, number> = {};
        for (const part of parts) for (const [key, value] of Object.entries(part)) out[key] = (out[key] ?? 0) + value;
        return out;
      };
      const categories = ['设施维修', '生活物资', '助老助残', '环境整治', '其他'];
      const channels = ['mini_program', 'offline', 'hotline'];
      // Unfiltered questions read total rows (of a unit too); filtered ones read detail rows, or for a unit its community rows.
      for (const [who, query] of [[district, {}], [w.adminStreetA, {}], [w.adminStreetA, { unitId: w.unitGov.id }], [district, { unitId: w.unitSchool.id }]] as const) {
        const whole = (await get('summary', who, query)).body;
        expect(whole.funnel.claimed).toBeGreaterThan(0);
        for (const [dimension, values] of [['category', categories], ['channel', channels]] as const) {
          const parts = await Promise.all(values.map(async (value) => (await get('summary', who, { ...query, [dimension]: value })).body));
          expect(sum(parts.map((part) => part.funnel))).toEqual(whole.funnel);
          expect(sum(parts.map((part) => part.statusCounts))).toEqual(whole.statusCounts);
          expect(sum(parts.map((part) => ({ ratings: part.satisfaction.ratings })))).toEqual({ ratings: whole.satisfaction.ratings });
        }
      }
      // A unit's streets by category come from its community rows; each must match that street's own summary.
      const filter = { unitId: w.unitGov.id, category: '设施维修' };
      const streets = (await get('breakdown', district, { by: 'street', ...filter })).body.rows as Array<{ key: string; claimed: number; completed: number }>;
      expect(streets.some((row) => row.claimed > 0)).toBe(true);
      for (const row of streets) {
        const own = (await get('summary', district, { regionId: Number(row.key), ...filter })).body;
        expect([row.claimed, row.completed]).toEqual([own.funnel.claimed, own.funnel.completed]);
      }
      const units = (await get('breakdown', district, { by: 'unit', category: '设施维修' })).body.rows as Array<{ key: string; claimed: number; released: number }>;
      expect(units.some((row) => row.claimed > 0)).toBe(true);
      for (const row of units) {
        const own = (await get('summary', district, { unitId: Number(row.key), category: '设施维修' })).body;
        expect([row.claimed, row.released]).toEqual([own.funnel.claimed, own.funnel.released]);
      }
    });

    it('ranks members by completed wishes, not claims', async () => {
      const board = (await get('breakdown', w.adminStreetA, { by: 'member' })).body;
      expect(board.sort).toBe('completed');
      expect(board.rows.map((r: { key: string; completed: number; claimed: number; released: number }) => [r.key, r.completed, r.claimed, r.released])).toEqual([
        [String(w.memberA1.userId), 2, 3, 0],
        [String(w.memberA1b.userId), 0, 2, 1],
      ]);
      expect(board.rows[0]).toMatchObject({ name: '陈建国', unitName: '测试机关', ratingMean: 4 });
      const byClaims = (await get('breakdown', w.unitAdminGov, { by: 'member', sort: 'claimed' })).body;
      expect(byClaims.rows.map((r: { key: string }) => r.key)).toEqual([String(w.memberA1.userId)]);
      expectError(await get('breakdown', w.adminStreetA, { by: 'resident' }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('overdue', () => {
    it('lists what waits longer than the thresholds, oldest first, from timestamps alone', async () => {
      const now = (await get('overdue', w.adminStreetA)).body;
      expect(now.lists.map((l: { kind: string; total: number }) => [l.kind, l.total])).toEqual([
        ['open', 0],
        ['claimed', 0],
        ['fulfilled', 0],
      ]);

      t.clock.advance(8 * DAY);
      const week = (await get('overdue', w.adminStreetA)).body;
      const open = week.lists.find((l: { kind: string }) => l.kind === 'open');
      expect(open).toMatchObject({ thresholdDays: 7, total: 2, nextCursor: null });
      expect(open.items.map((i: { wishId: number }) => i.wishId)).toEqual([ids.w9, ids.w3]);
      expect(open.items[0]).toMatchObject({ communityName: '甲二社区', status: 'open', residentName: '王*英', timelineUrl: `/api/v1/wishes/${ids.w9}/events` });
      expect(open.items[0].days).toBeGreaterThanOrEqual(11);
      expect(week.lists.find((l: { kind: string }) => l.kind === 'claimed').total).toBe(0);
      const streetB = (await get('overdue', w.adminStreetB)).body;
      const fulfilled = streetB.lists.find((l: { kind: string }) => l.kind === 'fulfilled');
      expect(fulfilled.items.map((i: { wishId: number; claimerName: string; unitName: string }) => [i.wishId, i.claimerName, i.unitName])).toEqual([[ids.w6, '刘海燕', '测试学校']]);
      expect((await get('summary', w.adminStreetA)).body.overdue).toMatchObject({ open: 2, claimed: 0, fulfilled: 0 });

      const paged = (await get('overdue', w.adminStreetA, { kind: 'open', limit: 1 })).body;
      expect(paged.lists).toHaveLength(1);
      expect(paged.lists[0].items.map((i: { wishId: number }) => i.wishId)).toEqual([ids.w9]);
      const next = (await get('overdue', w.adminStreetA, { kind: 'open', limit: 1, cursor: paged.lists[0].nextCursor })).body;
      expect(next.lists[0].items.map((i: { wishId: number }) => i.wishId)).toEqual([ids.w3]);
      expect(next.lists[0].nextCursor).toBeNull();

      t.clock.advance(7 * DAY);
      const later = (await get('overdue', w.adminA1)).body;
      expect(later.lists.find((l: { kind: string }) => l.kind === 'claimed').items.map((i: { wishId: number }) => i.wishId)).toEqual([ids.w8]);
      expect(later.lists.find((l: { kind: string }) => l.kind === 'open').items.map((i: { wishId: number }) => i.wishId)).toEqual([ids.w3]);
      const gov = (await get('overdue', w.unitAdminGov, { kind: 'claimed' })).body;
      expect(gov.lists[0].items.map((i: { wishId: number }) => i.wishId)).toEqual([ids.w8]);

      // Claiming an overdue wish takes it off the open list once rolled up.
      await drive.claim(ids.w3, w.memberA1);
      await drain(t);
      const after = (await get('overdue', w.adminA1, { kind: 'open' })).body;
      expect(after.lists[0].items).toEqual([]);
      t.clock.set('2026-03-05T01:00:00.000Z');
    });
  });

  describe('quota', () => {
    it('lists members and paired units without a completed wish this year', async () => {
      const response = await get('quota', w.adminStreetA, { year: 2026 });
      expect(response.status).toBe(200);
      const body = response.body;
      expect(body.overall).toMatchObject({ registered: 3, done: 1, rate: 0.3333, completedWishes: 2 });
      const communities = Object.fromEntries(body.communities.map((c: { name: string; registered: number; done: number; rate: number }) => [c.name, [c.registered, c.done, c.rate]]));
      expect(communities).toEqual({ 甲一社区: [2, 1, 0.5], 甲二社区: [1, 0, 0] });
      const units = Object.fromEntries(body.units.map((u: { name: string; registered: number; done: number; completedWishes: number; paired: boolean }) => [u.name, [u.registered, u.done, u.completedWishes, u.paired]]));
      expect(units).toEqual({ 测试机关: [2, 1, 2, true], 测试学校: [1, 0, 0, false] });
      expect(body.unitsWithoutCompletion).toEqual([]);
      expect(body.membersWithoutCompletion.total).toBe(2);
      const missing = Object.fromEntries(body.membersWithoutCompletion.items.map((m: { memberId: number; claimedThisYear: number }) => [m.memberId, m.claimedThisYear]));
      expect(missing).toEqual({ [w.memberA1b.userId]: 2, [w.memberA2.userId]: 0 });

      const streetB = (await get('quota', w.adminStreetB, { year: 2026 })).body;
      expect(streetB.unitsWithoutCompletion.map((u: { name: string }) => u.name)).toEqual(['测试学校']);
      expect(streetB.membersWithoutCompletion.items.map((m: { memberId: number }) => m.memberId)).toEqual([memberB1.userId]);

      const lastYear = (await get('quota', w.adminStreetA, { year: 2025 })).body;
      expect(lastYear.overall).toMatchObject({ registered: 3, done: 0 });
      const page = (await get('quota', w.adminStreetA, { year: 2025, limit: 2 })).body;
      expect(page.membersWithoutCompletion.items).toHaveLength(2);
      const rest = (await get('quota', w.adminStreetA, { year: 2025, limit: 2, cursor: page.membersWithoutCompletion.nextCursor })).body;
      expect(rest.membersWithoutCompletion.items).toHaveLength(1);
      expect(rest.membersWithoutCompletion.nextCursor).toBeNull();

      const gov = (await get('quota', w.unitAdminGov, { year: 2026 })).body;
      expect(gov.overall).toMatchObject({ registered: 2, done: 1 });
      expect(gov.units.map((u: { name: string }) => u.name)).toEqual(['测试机关']);
    });
  });

  describe('export.xlsx', () => {
    const download = (who: Session, query: Record<string, string | number> = {}) =>
      t.http
        .get('/api/v1/dashboard/export.xlsx')
        .query(query)
        .set(who.auth)
        .buffer(true)
        .parse((res, callback) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => callback(null, Buffer.concat(chunks)));
        });

    it('streams the ledger with every timestamp in Shanghai time, plus a summary sheet', async () => {
      const response = await download(w.adminStreetA, { to: '2026-03-05' });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(response.headers['content-disposition']).toContain('attachment;');
      const sheets = await readWorkbook(response.body as Buffer);
      expect(Object.keys(sheets)).toEqual(['台账', '汇总']);
      const [header, ...rows] = sheets['台账'];
      expect(header).toEqual(expect.arrayContaining(['编号', '标题', '提交时间', '认领时间', '确认时间', '全程(小时)', '认领人', '认领单位', '评分', '街道', '社区']));
      expect(rows.map((row) => row[0]).sort((a, b) => Number(a) - Number(b))).toEqual([ids.w9, ids.w1, ids.w2, ids.w3, ids.w4, ids.w5, ids.w7, ids.w8].sort((a, b) => a - b));
      const col = (name: string) => header.indexOf(name);
      const w1 = rows.find((row) => row[0] === ids.w1)!;
      // 2026-03-01T02:00Z is 10:00 in Shanghai; Excel shows the Shanghai wall time.
      expect((w1[col('提交时间')] as Date).toISOString()).toBe('2026-03-01T10:00:00.000Z');
      expect(w1[col('全程(小时)')]).toBe(28);
      expect(w1[col('审核时长(小时)')]).toBe(2);
      expect(w1[col('评分')]).toBe(5);
      expect(w1[col('认领人')]).toBe('陈建国');
      expect(w1[col('认领单位')]).toBe('测试机关');
      expect(w1[col('街道')]).toBe('甲街道');
      expect(w1[col('社区')]).toBe('甲一社区');
      expect(w1[col('居民')]).toBe('张*明');
      expect(w1[col('状态')]).toBe('已完成');
      const summary = Object.fromEntries(sheets['汇总'].slice(1).map((row) => [row[0], row[1]]));
      expect(summary).toMatchObject({ 台账行数: 8, 提交: 8, '完成（已确认）': 2, 平均评分: 4 });
    });

    it('applies the same filters and scope', async () => {
      const food = await readWorkbook((await download(w.adminStreetA, { category: '生活物资' })).body as Buffer);
      expect(food['台账'].slice(1).map((row) => row[0])).toEqual([ids.w2]);
      const gov = await readWorkbook((await download(w.unitAdminGov)).body as Buffer);
      expect(gov['台账'].slice(1).map((row) => row[0]).sort()).toEqual([ids.w1, ids.w2, ids.w3, ids.w8].sort());
      expectError(await t.http.get('/api/v1/dashboard/export.xlsx').query({ regionId: w.communityB1.id }).set(w.adminA1.auth), 404, 'DASHBOARD_SCOPE_NOT_FOUND');
      expectError(await t.http.get('/api/v1/dashboard/export.xlsx').set(resident.auth), 403, 'FORBIDDEN');
    });
  });

  describe('scope', () => {
    it('names the regions and units the caller may pick', async () => {
      const street = (await get('scope', w.adminStreetA)).body;
      expect(street.regions).toEqual([{ id: w.streetA.id, name: '甲街道', level: 'street' }]);
      expect(street.units.map((u: { name: string }) => u.name)).toEqual(['测试机关']);
      expect(street.today).toBe('2026-03-05');
      const unit = (await get('scope', w.unitAdminGov)).body;
      expect(unit).toMatchObject({ regions: [], units: [{ id: w.unitGov.id, name: '测试机关' }] });
    });
  });
});
