import fc from 'fast-check';
import { DAY, HOUR, MINUTE } from '../src/common/time/clock';
import { shanghaiDate, startOfShanghaiDay } from '../src/common/time/shanghai';
import { bucketOf } from '../src/dashboard/rollup/histogram';
import { decodeHistograms } from '../src/dashboard/rollup/rollup-deltas';
import { BacklogEntry, DashboardRollup, MemberRollup } from '../src/dashboard/rollup/rollup.entities';
import { RollupWorker } from '../src/dashboard/rollup/rollup.worker';
import { MemberRegistration } from '../src/members/member-registration.entity';
import { WishEvent } from '../src/wishes/wish-event.entity';
import { Wish } from '../src/wishes/wish.entity';
import type { Session } from './support/auth';
import { allowFulfilWithoutPhotos, drain, WishDriver } from './support/dashboard-world';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, newMember, WishWorld } from './support/wish-world';

type Numbers = Record<string, number>;
interface Expected {
  rollups: Map<string, { numbers: Numbers; histograms: Record<string, Record<string, number>> }>;
  members: Map<string, Numbers>;
  backlog: Map<number, { stage: string; since: string; unitId: number | null; claimerId: number | null }>;
}

/**
 * The oracle: every figure recomputed by brute force from wish_event (plus the wishes' fixed
 * facts and the members' registrations), written independently of the worker's code.
 */
async function bruteForce(t: TestApp): Promise<Expected> {
  const events = await t.dataSource.getRepository(WishEvent).find();
  const wishes = new Map((await t.dataSource.getRepository(Wish).find()).map((wish) => [wish.id, wish]));
  const registrations = await t.dataSource.getRepository(MemberRegistration).find({ where: { status: 'approved' } });
  const unitOf = (member: number, community: number) => registrations.find((r) => r.userId === member && r.communityId === community)?.unitId ?? null;
  const out: Expected = { rollups: new Map(), members: new Map(), backlog: new Map() };
  // Rows of the wish's community hold its category and channel; regions above also keep total rows ('' and ''), and only those carry units.
  const add = (region: number, unit: number, grain: string, day: string, wish: Wish, total: boolean, change: (row: { numbers: Numbers; histograms: Record<string, Record<string, number>> }) => void) => {
    const bucket = grain === 'd' ? day : `${day.slice(0, 7)}-01`;
    const key = `${region}|${unit}|${grain}|${bucket}|${total ? '' : wish.category}|${total ? '' : wish.channel}`;
    const row = out.rollups.get(key) ?? { numbers: {}, histograms: {} };
    change(row);
    out.rollups.set(key, row);
  };
  const bump = (numbers: Numbers, key: string, by = 1) => (numbers[key] = (numbers[key] ?? 0) + by);
  const gauge: Record<string, string> = { pending_review: 'nowPendingReview', open: 'nowOpen', claimed: 'nowClaimed', fulfilled: 'nowFulfilled', completed: 'nowCompleted', rejected: 'nowRejected', cancelled: 'nowCancelled' };
  const counter: Record<string, string> = { submit: 'submitted', approve: 'approved', auto_approve: 'approved', reject: 'rejected', claim: 'claimed', assign: 'claimed', release: 'released', timeout_release: 'released', fulfil: 'fulfilled', dispute: 'disputed', confirm: 'completed', auto_complete: 'completed', withdraw: 'withdrawn', cancel: 'cancelled' };

  const byWish = new Map<number, WishEvent[]>();
  for (const event of events) byWish.set(event.wishId, [...(byWish.get(event.wishId) ?? []), event]);
  for (const [wishId, timeline] of byWish) {
    const wish = wishes.get(wishId)!;
    timeline.sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
    const regions = wish.regionPath.split('/').filter(Boolean).map(Number);
    const cohort = shanghaiDate(timeline[0].at);
    let holder: number | null = null;
    let reviewFrom = timeline[0].at;
    let openFrom: Date | null = null;
    let workFrom: Date | null = null;
    let fulfilFrom: Date | null = null;
    let since = timeline[0].at;
    for (const event of timeline) {
      const day = shanghaiDate(event.at);
      const before = holder === null ? null : unitOf(holder, wish.communityId);
      const memberBefore = holder;
      const samples: Array<[string, number]> = [];
      const secs = (from: Date | null) => (from ? (event.at.getTime() - from.getTime()) / 1000 : null);
      const memberChanges: Array<[number, string]> = [];
      const assignee = event.detail?.memberId as number | undefined;
      switch (event.action) {
        case 'approve':
        case 'reject':
          samples.push(['review', secs(reviewFrom)!]);
          if (event.action === 'approve') openFrom = event.at;
          break;
        case 'auto_approve':
          openFrom = event.at;
          break;
        case 'hold_for_review':
          reviewFrom = event.at;
          openFrom = null;
          break;
        case 'claim':
        case 'assign':
          if (openFrom) samples.push(['toClaim', secs(openFrom)!]);
          holder = event.action === 'claim' ? event.actorId : (assignee ?? null);
          workFrom = event.at;
          memberChanges.push([holder!, 'claimed']);
          break;
        case 'reassign':
          memberChanges.push([holder!, 'released']);
          holder = assignee ?? null;
          workFrom = event.at;
          memberChanges.push([holder!, 'claimed']);
          break;
        case 'release':
        case 'timeout_release':
          memberChanges.push([holder!, 'released']);
          holder = null;
          openFrom = event.at;
          break;
        case 'fulfil':
          if (workFrom) samples.push(['toFulfil', secs(workFrom)!]);
          fulfilFrom = event.at;
          memberChanges.push([holder!, 'fulfilled']);
          break;
        case 'dispute':
          workFrom = event.at;
          fulfilFrom = null;
          break;
        case 'confirm':
        case 'auto_complete':
          if (fulfilFrom) samples.push(['toConfirm', secs(fulfilFrom)!]);
          samples.push(['endToEnd', secs(timeline[0].at)!]);
          memberChanges.push([holder!, 'completed']);
          break;
        case 'withdraw':
        case 'cancel':
          holder = null;
          break;
      }
      const after = holder === null ? null : unitOf(holder, wish.communityId);
      const rating = event.action === 'confirm' ? (event.detail?.rating as number) : null;
      const flow = (row: { numbers: Numbers; histograms: Record<string, Record<string, number>> }) => {
        if (counter[event.action]) bump(row.numbers, counter[event.action]);
        for (const [metric, value] of samples) {
          bump(row.numbers, `${metric}Samples`);
          bump(row.numbers, `${metric}Seconds`, value);
          const histogram = (row.histograms[metric] ??= {});
          histogram[bucketOf(value)] = (histogram[bucketOf(value)] ?? 0) + 1;
        }
        if (rating !== null) {
          bump(row.numbers, 'ratingCount');
          bump(row.numbers, 'ratingSum', rating);
          if (rating >= 4) bump(row.numbers, 'ratingHigh');
        }
      };
      for (const region of regions) {
        const community = region === regions[regions.length - 1];
        for (const total of community ? [false] : [false, true]) {
          const units = community || total;
          for (const grain of ['d', 'm']) {
            add(region, 0, grain, day, wish, total, flow);
            if (units && (after ?? before) !== null) add(region, (after ?? before)!, grain, day, wish, total, flow);
            if (event.fromStatus !== event.toStatus) {
              add(region, 0, grain, cohort, wish, total, (row) => {
                if (event.fromStatus) bump(row.numbers, gauge[event.fromStatus], -1);
                bump(row.numbers, gauge[event.toStatus]);
              });
            }
            if (units && (event.fromStatus !== event.toStatus || before !== after)) {
              if (before !== null && event.fromStatus) add(region, before, grain, cohort, wish, total, (row) => bump(row.numbers, gauge[event.fromStatus!], -1));
              if (after !== null) add(region, after, grain, cohort, wish, total, (row) => bump(row.numbers, gauge[event.toStatus]));
            }
          }
        }
      }
      for (const [member, change] of memberChanges) {
        const key = `${member}|${day}|${wish.communityId}|${wish.category}|${wish.channel}`;
        const numbers = out.members.get(key) ?? {};
        bump(numbers, change);
        if (change === 'completed' && rating !== null) {
          bump(numbers, 'ratingCount');
          bump(numbers, 'ratingSum', rating);
        }
        out.members.set(key, numbers);
      }
      void memberBefore;
      if (!['edit'].includes(event.action) && !(event.action === 'fulfil' && false)) {
        if (['claim', 'assign', 'reassign', 'dispute', 'release', 'timeout_release', 'withdraw', 'cancel', 'approve', 'auto_approve', 'fulfil', 'submit', 'reject', 'confirm', 'auto_complete', 'hold_for_review'].includes(event.action)) since = event.at;
      }
    }
    const last = timeline[timeline.length - 1].toStatus;
    if (last === 'open' || last === 'claimed' || last === 'fulfilled') {
      const claimerId = last === 'open' ? null : holder;
      out.backlog.set(wishId, { stage: last, since: since.toISOString(), claimerId, unitId: claimerId === null ? null : unitOf(claimerId, wish.communityId) });
    }
  }
  return out;
}

/** The stored rollups in the oracle's shape, without rows and entries that sum to zero. */
async function stored(t: TestApp): Promise<Expected> {
  const numbersOf = (row: object, skip: string[]) =>
    Object.fromEntries(Object.entries(row).filter(([key, value]) => !skip.includes(key) && typeof value === 'number' && value !== 0)) as Numbers;
  const rollups = new Map<string, { numbers: Numbers; histograms: Record<string, Record<string, number>> }>();
  for (const row of await t.dataSource.getRepository(DashboardRollup).find()) {
    const histograms = decodeHistograms(JSON.parse(row.histograms)) as Record<string, Record<string, number>>;
    rollups.set(`${row.regionId}|${row.unitId}|${row.grain}|${row.bucket}|${row.category}|${row.channel}`, { numbers: numbersOf(row, ['regionId', 'unitId']), histograms });
  }
  const members = new Map<string, Numbers>();
  for (const row of await t.dataSource.getRepository(MemberRollup).find()) {
    members.set(`${row.memberId}|${row.bucket}|${row.communityId}|${row.category}|${row.channel}`, numbersOf(row, ['memberId', 'communityId', 'unitId']));
  }
  const backlog = new Map<number, { stage: string; since: string; unitId: number | null; claimerId: number | null }>();
  for (const row of await t.dataSource.getRepository(BacklogEntry).find()) backlog.set(row.wishId, { stage: row.stage, since: row.since.toISOString(), unitId: row.unitId, claimerId: row.claimerId });
  return { rollups, members, backlog };
}

/** Drops rows whose every number and histogram entry is zero (they carry nothing). */
function normalise(expected: Expected): Expected {
  const rollups = new Map<string, { numbers: Numbers; histograms: Record<string, Record<string, number>> }>();
  for (const [key, { numbers, histograms }] of expected.rollups) {
    const kept = Object.fromEntries(Object.entries(numbers).filter(([, v]) => Math.abs(v) > 1e-9));
    const hist = Object.fromEntries(
      Object.entries(histograms)
        .map(([metric, buckets]) => [metric, Object.fromEntries(Object.entries(buckets).filter(([, n]) => n !== 0))] as const)
        .filter(([, buckets]) => Object.keys(buckets).length > 0),
    );
    if (Object.keys(kept).length || Object.keys(hist).length) rollups.set(key, { numbers: kept, histograms: hist });
  }
  const members = new Map([...expected.members].filter(([, numbers]) => Object.values(numbers).some((v) => v !== 0)));
  return { rollups, members, backlog: expected.backlog };
}

function expectSame(actual: Expected, expected: Expected): void {
  const sort = <V>(map: Map<string | number, V>) => [...map.entries()].sort(([a], [b]) => String(a).localeCompare(String(b)));
  const a = normalise(actual);
  const e = normalise(expected);
  for (const [key, row] of e.rollups) {
    const got = a.rollups.get(key);
    for (const metric of Object.keys(row.numbers)) if (metric.endsWith('Seconds')) row.numbers[metric] = Math.round(row.numbers[metric] * 1000) / 1000;
    if (got) for (const metric of Object.keys(got.numbers)) if (metric.endsWith('Seconds')) got.numbers[metric] = Math.round(got.numbers[metric] * 1000) / 1000;
  }
  expect(sort(a.rollups)).toEqual(sort(e.rollups));
  expect(sort(a.members)).toEqual(sort(e.members));
  expect(sort(a.backlog)).toEqual(sort(e.backlog));
}

/** A plausible next action for a wish in this status (the office sometimes says no, members sometimes give up). */
function nextStep(status: string | undefined, pick: number): (typeof ACTIONS)[number] {
  switch (status) {
    case 'pending_review':
      return pick % 5 === 0 ? 'reject' : 'approve';
    case 'open':
      return pick % 3 === 0 ? 'assign' : 'claim';
    case 'claimed':
      return pick % 4 === 0 ? 'release' : 'fulfil';
    case 'fulfilled':
      return pick % 3 === 0 ? 'dispute' : 'confirm';
    default:
      return 'submit';
  }
}

const ACTIONS = ['submit', 'offline', 'approve', 'reject', 'claim', 'assign', 'release', 'fulfil', 'dispute', 'confirm', 'withdraw', 'cancel', 'advance', 'drain'] as const;

describe.each(testDatabases())('dashboard rollups on %s', (kind) => {
  let t: TestApp;
  let w: WishWorld;
  let drive: WishDriver;
  let memberB1: Session;

  beforeAll(async () => {
    t = await startTestApp(kind, 'dashboard-rollups', {
      env: { RESIDENT_DAILY_SUBMISSIONS: '1000', RESIDENT_OPEN_WISH_LIMIT: '1000', CLAIM_LIMIT: '100', ROLLUP_BATCH_SIZE: '7' },
    });
    w = await buildWishWorld(t);
    await allowFulfilWithoutPhotos(t);
    drive = new WishDriver(t);
    memberB1 = await newMember(t, 'rollup-member-b1', [w.communityB1.id], w.unitSchool.id, '刘海燕');
  }, 20_000);
  afterAll(() => t?.close());

  interface Tracked {
    id: number;
    community: 'A1' | 'A2' | 'B1';
    resident: Session | null;
    status: string;
    claimer: number | null;
  }

  it('equal a brute-force recomputation from wish_event after random transitions (and a rebuild gives the same)', async () => {
    const communities = {
      A1: { id: () => w.communityA1.id, admin: () => w.adminA1, members: () => [w.memberA1, w.memberA1b] },
      A2: { id: () => w.communityA2.id, admin: () => w.adminA2, members: () => [w.memberA2] },
      B1: { id: () => w.communityB1.id, admin: () => w.adminStreetB, members: () => [memberB1] },
    };
    const op = fc.record({
      // Mostly "the natural next step" of a wish, so that long paths (dispute → fulfil again…) occur.
      action: fc.oneof({ weight: 5, arbitrary: fc.constant('progress' as const) }, { weight: 3, arbitrary: fc.constantFrom(...ACTIONS) }),
      wish: fc.nat(),
      pick: fc.nat(),
      minutes: fc.integer({ min: 1, max: 40 * 60 }),
      rating: fc.integer({ min: 1, max: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
        const pool: Tracked[] = [];
        for (const step of ops) {
          // Mostly the latest few wishes, so sequences go deep (claim, release, fulfil, dispute, fulfil again…).
          const wish = pool.length ? pool[pool.length - 1 - (step.wish % Math.min(pool.length, 3))] : undefined;
          const place = wish ? communities[wish.community] : undefined;
          const members = place?.members() ?? [];
          const claimer = members.find((m) => m.userId === wish?.claimer) ?? null;
          const track = (body: Record<string, unknown>) => {
            if (!wish) return;
            wish.status = body.status as string;
            wish.claimer = ((body.claimer as { id: number } | undefined)?.id ?? null) as number | null;
          };
          const attempt = async (path: string, who: Session | null, body: object = {}) => {
            if (!wish || !who) return;
            const response = await drive.post(`${path}`, who, body);
            if (response.status === 200) track(response.body);
            else expect(response.status).toBeLessThan(500);
          };
          const key = (['A1', 'A2', 'B1'] as const)[step.pick % 3];
          const action = step.action === 'progress' ? nextStep(wish?.status, step.pick) : step.action;
          switch (action) {
            case 'submit': {
              const resident = step.pick % 2 ? w.residentA : w.residentB;
              const id = await drive.submit(resident, communities[key].id(), { category: ['设施维修', '生活物资', '助老助残'][step.wish % 3] });
              pool.push({ id, community: key, resident, status: 'pending_review', claimer: null });
              break;
            }
            case 'offline': {
              const id = await drive.offline(communities[key].admin(), communities[key].id(), { channel: step.wish % 2 ? 'offline' : 'hotline' });
              pool.push({ id, community: key, resident: null, status: 'open', claimer: null });
              break;
            }
            case 'approve':
              await attempt(`/admin/wishes/${wish?.id}/approve`, place?.admin() ?? null);
              break;
            case 'reject':
              await attempt(`/admin/wishes/${wish?.id}/reject`, place?.admin() ?? null, { reason: '不属于微心愿范围' });
              break;
            case 'claim':
              await attempt(`/wishes/${wish?.id}/claim`, members.length ? members[step.pick % members.length] : null);
              break;
            case 'assign':
              if (members.length) await attempt(`/admin/wishes/${wish?.id}/assign`, place?.admin() ?? null, { memberId: members[step.pick % members.length].userId, reason: '就近安排' });
              break;
            case 'release':
              await attempt(`/wishes/${wish?.id}/release`, step.pick % 2 ? claimer : null, { reason: '临时出差' });
              if (step.pick % 2 === 0) await attempt(`/admin/wishes/${wish?.id}/release`, place?.admin() ?? null, { reason: '重新安排' });
              break;
            case 'fulfil':
              await attempt(`/wishes/${wish?.id}/fulfil`, claimer, { note: '已经办好了' });
              break;
            case 'dispute':
              if (wish?.resident) await attempt(`/wishes/${wish.id}/dispute`, wish.resident, { reason: '还没有修好' });
              else await attempt(`/admin/wishes/${wish?.id}/dispute`, place?.admin() ?? null, { reason: '居民反映还没有修好' });
              break;
            case 'confirm':
              if (wish?.resident) await attempt(`/wishes/${wish.id}/confirm`, wish.resident, { rating: step.rating });
              else await attempt(`/admin/wishes/${wish?.id}/confirm`, place?.admin() ?? null, { rating: step.rating });
              break;
            case 'withdraw':
              await attempt(`/wishes/${wish?.id}/withdraw`, wish?.resident ?? null, { reason: '不需要了' });
              break;
            case 'cancel':
              await attempt(`/admin/wishes/${wish?.id}/cancel`, place?.admin() ?? null, { reason: '居民已搬走' });
              break;
            case 'advance':
              t.clock.advance(step.minutes * MINUTE);
              break;
            case 'drain':
              await drain(t);
              break;
          }
        }
        await drain(t);
        expectSame(await stored(t), await bruteForce(t));
      }),
      { numRuns: kind === 'sqlite' ? 25 : 12 },
    );

    const incremental = await stored(t);
    await t.app.get(RollupWorker).rebuild(13);
    expectSame(await stored(t), incremental);
  }, 25_000);

  it('take back what a release and a withdrawal undid', async () => {
    // 10:00 in Shanghai on a day after everything above, so every step below lands on that one day.
    t.clock.set(new Date(startOfShanghaiDay(t.clock.now()).getTime() + DAY + 2 * HOUR));
    const before = await stored(t);
    const id = await drive.submit(w.residentA, w.communityA1.id, { category: '学业辅导' });
    await drive.approve(id, w.adminA1);
    await drive.claim(id, w.memberA1b);
    t.clock.advance(90 * MINUTE);
    await drive.release(id, w.memberA1b);
    await drive.claim(id, w.memberA1);
    await drive.withdraw(id, w.residentA);
    await drain(t);
    const after = await stored(t);
    expectSame(after, await bruteForce(t));

    const day = shanghaiDate(t.clock.now());
    const row = (unit: number) => after.rollups.get(`${w.communityA1.id}|${unit}|d|${day}|学业辅导|mini_program`)?.numbers ?? {};
    expect(row(0)).toMatchObject({ claimed: 2, released: 1, withdrawn: 1, nowCancelled: 1 });
    expect(row(0).nowClaimed ?? 0).toBe(0);
    // The school's member let it go; the office's member held it when it was withdrawn.
    expect(row(w.unitSchool.id)).toMatchObject({ claimed: 1, released: 1 });
    expect(row(w.unitGov.id)).toMatchObject({ claimed: 1, withdrawn: 1 });
    expect(row(w.unitGov.id).nowClaimed ?? 0).toBe(0);
    expect(after.members.get(`${w.memberA1b.userId}|${day}|${w.communityA1.id}|学业辅导|mini_program`)).toMatchObject({ claimed: 1, released: 1 });
    expect(after.backlog.has(id)).toBe(false);
    expect(before.backlog.has(id)).toBe(false);
  });
});
