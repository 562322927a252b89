import * as rawSql from '../src/database/raw-query';
import { freshWishState, Wish } from '../src/wishes/wish.entity';
import type { WishStatus } from '../src/wishes/wish-state';
import { startTestApp, TestApp, testDatabases } from './support/test-app';
import { buildWishWorld, WishWorld } from './support/wish-world';

/**
 * The hot-path reads (WishReadRepository's raw SQL, issue #7) are answered from an index, in index
 * order: the member wall from idx_wish_wall, "mine" from idx_wish_resident, a page after a keyset
 * cursor likewise, a wish by its primary key, and the names joined by primary key — never a scan
 * or a sort of the wish table. The SQL checked is what the endpoints actually sent (captured where
 * the repositories hand it to rawQuery), explained with its own parameters, on a table with enough rows and
 * statistics that MariaDB's optimizer has a real choice.
 */
interface Sent {
  sql: string;
  params?: unknown;
}

describe.each(testDatabases())('hot-path query plans on %s', (kind) => {
  let t: TestApp;
  let w: WishWorld;

  beforeAll(async () => {
    t = await startTestApp(kind, 'hot-path-explain');
    w = await buildWishWorld(t);
    await seedWishes(t, w);
  });
  afterAll(() => t?.close());

  /** Runs one request and returns the wish-table reads it sent through the read repository. */
  async function wishReadsOf(request: () => Promise<{ status: number; body: { nextCursor?: string | null } }>): Promise<{ sent: Sent[]; body: { nextCursor?: string | null } }> {
    const spy = jest.spyOn(rawSql, 'rawQuery');
    try {
      const response = await request();
      expect(response.status).toBe(200);
      const sent: Sent[] = spy.mock.calls
        .filter(([, sql]) => /FROM wish w\b/.test(sql))
        .map(([, named, values]) => {
          const [sql, params] = t.dataSource.driver.escapeQueryWithParameters(named, values ?? {});
          return { sql, params };
        });
      return { sent, body: response.body };
    } finally {
      spy.mockRestore();
    }
  }

  /** The plan of one statement: MariaDB/MySQL EXPLAIN rows, or SQLite's EXPLAIN QUERY PLAN lines. */
  async function explain({ sql, params }: Sent): Promise<Array<Record<string, unknown>>> {
    return t.dataSource.query(`${kind === 'mysql' ? 'EXPLAIN' : 'EXPLAIN QUERY PLAN'} ${sql}`, params as unknown[]);
  }

  /** Asserts the wish table is read through `index` (in its order: no filesort / temp B-tree) and the names by primary key. */
  async function expectIndexed(sent: Sent, index: string): Promise<void> {
    const plan = await explain(sent);
    if (kind === 'mysql') {
      const byTable = Object.fromEntries(plan.map((row) => [row.table as string, row]));
      expect({ key: byTable.w.key, sorted: /filesort|temporary/i.test(String(byTable.w.Extra)) }).toEqual({ key: index, sorted: false });
      expect([byTable.community.key, byTable.claimer.key]).toEqual(['PRIMARY', 'PRIMARY']);
    } else {
      const lines = plan.map((row) => String(row.detail));
      expect(lines.find((line) => /\bw\b/.test(line) && /SEARCH/.test(line))).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}\\b|USING INTEGER PRIMARY KEY`));
      expect(lines.filter((line) => /TEMP B-TREE/.test(line))).toEqual([]);
    }
  }

  it('the member wall reads idx_wish_wall in order, the next page too', async () => {
    const first = await wishReadsOf(() => t.http.get('/api/v1/wishes?limit=20').set(w.memberA1.auth));
    expect(first.sent).toHaveLength(1);
    await expectIndexed(first.sent[0], 'idx_wish_wall');

    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await wishReadsOf(() => t.http.get(`/api/v1/wishes?limit=20&cursor=${first.body.nextCursor}`).set(w.memberA1.auth));
    expect(next.sent).toHaveLength(1);
    await expectIndexed(next.sent[0], 'idx_wish_wall');
  });

  it('"mine" reads idx_wish_resident in order', async () => {
    const mine = await wishReadsOf(() => t.http.get('/api/v1/wishes/mine').set(w.residentA.auth));
    expect(mine.sent).toHaveLength(1);
    await expectIndexed(mine.sent[0], 'idx_wish_resident');
  });

  it('a wish is read by its primary key', async () => {
    const [open] = await t.dataSource.getRepository(Wish).find({ select: { id: true }, where: { communityId: w.communityA1.id, status: 'open' }, take: 1 });
    const detail = await wishReadsOf(() => t.http.get(`/api/v1/wishes/${open.id}`).set(w.memberA1.auth));
    expect(detail.sent).toHaveLength(1);
    const plan = await explain(detail.sent[0]);
    if (kind === 'mysql') {
      expect(plan.find((row) => row.table === 'w')).toMatchObject({ type: 'const', key: 'PRIMARY' });
    } else {
      expect(plan.map((row) => String(row.detail)).join('\n')).toMatch(/SEARCH w USING INTEGER PRIMARY KEY/);
    }
  });
});

/**
 * 1 200 wishes over the three communities in every status, 60 of them residentA's, spread over
 * two months; then fresh statistics (MariaDB) so the plans are the ones a real table gets.
 */
async function seedWishes(t: TestApp, w: WishWorld): Promise<void> {
  const communities = [w.communityA1, w.communityA2, w.communityB1];
  const statuses: WishStatus[] = ['open', 'open', 'claimed', 'completed', 'pending_review', 'cancelled'];
  const start = new Date('2026-01-01T00:00:00Z').getTime();
  const rows: Partial<Wish>[] = Array.from({ length: 1200 }, (_, i) => {
    const community = communities[i % communities.length];
    const resident = i % 20 === 0 ? w.residentA : w.residentB;
    const at = new Date(start + i * 3_600_000);
    return {
      ...freshWishState(at),
      title: `心愿 ${i}`,
      description: '帮忙修理自行车',
      category: '其他',
      kind: 'personal',
      estimatedCost: null,
      expectedBy: null,
      photoIds: [],
      communityId: community.id,
      regionPath: community.path,
      residentId: resident.userId,
      residentName: '居民',
      residentPhoneCipher: null,
      residentAddress: null,
      createdBy: resident.userId,
      channel: 'mini_program',
      idempotencyKey: null,
      status: statuses[i % statuses.length],
    };
  });
  for (let i = 0; i < rows.length; i += 200) await t.dataSource.getRepository(Wish).insert(rows.slice(i, i + 200));
  if (t.kind === 'mysql') await t.dataSource.query('ANALYZE TABLE wish');
  else await t.dataSource.query('ANALYZE');
}
