import Fastify, { FastifyReply, FastifyRequest } from 'fastify';
import { createPool, Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { CARD_COLUMNS, NOTICE_FACTS_COLUMNS, RECORD_COLUMNS, WISH_WITH_NAMES } from '../wishes/wish-read.sql';

/**
 * The benchmark's yardstick: Fastify + mysql2 running, for each scenario, the same SQL the service
 * sends (captured from MariaDB's general log for one request of each kind, November 2026, and kept in
 * step with the service's SQL since: the wish reads of WishReadRepository, issue #7), with no
 * Nest, no TypeORM, no validation, no auth and no view mapping. The caller's user id comes in the
 * `x-bench-user` header instead of a JWT. What it answers is the rows as JSON; its throughput is the
 * practical limit of this machine and database for that SQL.
 *
 * Started by src/bench/bench.ts as its own process: PORT, DB_HOST/DB_PORT/DB_USER/DB_PASSWORD/DB_NAME,
 * DB_POOL_SIZE, CLAIM_LIMIT.
 */
const env = process.env;
const pool: Pool = createPool({
  host: env.DB_HOST ?? '127.0.0.1',
  port: Number(env.DB_PORT ?? 3306),
  user: env.DB_USER ?? 'root',
  password: env.DB_PASSWORD ?? '',
  database: env.DB_NAME ?? 'wish_bench',
  connectionLimit: Number(env.DB_POOL_SIZE ?? 10),
  timezone: 'Z',
  supportBigNumbers: true,
  charset: 'utf8mb4_unicode_ci',
  // As the service's pool (database/data-source.ts): no stack captured per query.
  trace: false,
});
const claimLimit = Number(env.CLAIM_LIMIT ?? 100);

const APPROVED_COMMUNITIES = "SELECT community_id FROM member_registration WHERE user_id = ? AND status = 'approved'";
const ACTIVE = ['pending_review', 'open', 'claimed', 'fulfilled'];

const rows = async (sql: string, params: unknown[] = [], db: Pool | PoolConnection = pool) => (await db.query<RowDataPacket[]>(sql, params))[0];
const userOf = (request: FastifyRequest) => Number(request.headers['x-bench-user']);
const findById = async (id: number, db: Pool | PoolConnection = pool) => (await rows(`SELECT ${RECORD_COLUMNS} ${WISH_WITH_NAMES} WHERE w.id = ?`, [id], db))[0];

/** Regions never move; the service caches their paths (AccessService) and looks communities up per submit. */
async function main(): Promise<void> {
  const app = Fastify({ logger: false });

  // (1) Wall: approvedCommunityIds, then WishRepository.list (keyset page, limit + 1 rows).
  app.get('/api/v1/wishes', async (request) => {
    const communities = (await rows(APPROVED_COMMUNITIES, [userOf(request)])).map((r) => r.community_id as number);
    const page = await rows(`SELECT ${CARD_COLUMNS} ${WISH_WITH_NAMES} WHERE w.community_id IN (?) AND w.status IN ('open') ORDER BY w.created_at DESC, w.id DESC LIMIT 21`, [communities.length ? communities : [0]]);
    return { items: page.slice(0, 20), more: page.length > 20 };
  });

  // (2) Mine: WishRepository.list by resident.
  app.get('/api/v1/wishes/mine', async (request) => {
    const page = await rows(`SELECT ${CARD_COLUMNS} ${WISH_WITH_NAMES} WHERE w.resident_id = ? ORDER BY w.created_at DESC, w.id DESC LIMIT 21`, [userOf(request)]);
    return { items: page.slice(0, 20), more: page.length > 20 };
  });

  // (3) Detail: requireById, relationTo → approvedCommunityIds.
  app.get<{ Params: { id: string } }>('/api/v1/wishes/:id', async (request, reply) => {
    const wish = await findById(Number(request.params.id));
    if (!wish) return reply.code(404).send({ code: 'WISH_NOT_FOUND' });
    const communities = (await rows(APPROVED_COMMUNITIES, [userOf(request)])).map((r) => r.community_id as number);
    if (!communities.includes(wish.communityId) || wish.status === 'pending_review') return reply.code(404).send({ code: 'WISH_NOT_FOUND' });
    return wish;
  });

  // (4) Claim: findById, approvedCommunityIds, approvedUnitId, ensureClaimLoad (exists, insert
  // ignore when missing), then one transaction: conditional UPDATE wish, checked slot UPDATE,
  // INSERT wish_event, the notifier's reads and notification row, INSERT dashboard_rollup_queue;
  // afterwards findById for the view. A lost race re-reads the status under a share lock.
  app.post<{ Params: { id: string } }>('/api/v1/wishes/:id/claim', async (request, reply) => claim(Number(request.params.id), userOf(request), reply));

  // (5) Submit: findByIdempotencyKey, the community, the two limit counts, then one transaction:
  // profile read, INSERT wish, INSERT wish_event (submit), INSERT dashboard_rollup_queue (and the
  // auto-approve transition, with its notification, where the community has it); then findById for the view.
  app.post<{ Body: SubmitBody }>('/api/v1/wishes', async (request, reply) => submit(userOf(request), String(request.headers['idempotency-key']), request.body, reply));

  // (6) Dashboard summary for the whole city this year: the city's total rollup rows and the backlog and queue
  // counts, in parallel as the service sends them (the service also merges histograms in JS).
  app.get('/api/v1/dashboard/summary', async () => {
    const now = new Date();
    const year = now.getUTCFullYear();
    const month = now.getUTCMonth();
    const lastFullMonth = new Date(Date.UTC(year, month - 1, 1)).toISOString().slice(0, 10);
    const monthStart = new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
    const today = now.toISOString().slice(0, 10);
    const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
    const [rollups, ...counts] = await Promise.all([
      rows(
        `SELECT bucket, histograms, submitted, approved, rejected, claimed, released, fulfilled, disputed, completed, withdrawn, cancelled, now_pending_review, now_open, now_claimed, now_fulfilled, now_completed, now_rejected, now_cancelled, rating_count, rating_sum, rating_high, review_samples, review_seconds, to_claim_samples, to_claim_seconds, to_fulfil_samples, to_fulfil_seconds, to_confirm_samples, to_confirm_seconds, end_to_end_samples, end_to_end_seconds
         FROM dashboard_rollup r WHERE r.region_id IN (1) AND r.unit_id IN (0) AND r.category = '' AND r.channel = '' AND ((r.grain = 'm' AND r.bucket BETWEEN ? AND ?) OR (r.grain = 'd' AND r.bucket BETWEEN ? AND ?))`,
        [`${year}-01-01`, lastFullMonth, monthStart, today],
      ),
      ...['open', 'claimed', 'fulfilled'].map((stage) => rows("SELECT COUNT(1) AS cnt FROM dashboard_backlog b WHERE b.stage = ? AND b.since < ? AND (b.region_path LIKE '/1/%')", [stage, weekAgo])),
      rows('SELECT COUNT(1) AS cnt FROM dashboard_rollup_queue'),
    ]);
    return { rollups, counts: counts.map((c) => c[0].cnt) };
  });

  await app.listen({ port: Number(env.PORT ?? 3998), host: '127.0.0.1' });
  // A clean exit on the harness's SIGTERM, so that --cpu-prof gets written.
  process.once('SIGTERM', () => void app.close().then(() => pool.end()).finally(() => process.exit(0)));
}

async function claim(id: number, userId: number, reply: FastifyReply) {
  const wish = await findById(id);
  if (!wish) return reply.code(404).send({ code: 'WISH_NOT_FOUND' });
  await rows(APPROVED_COMMUNITIES, [userId]);
  if (wish.status !== 'open') return reply.code(409).send({ code: 'WISH_ALREADY_CLAIMED' });
  const [registration] = await rows("SELECT unit_id FROM member_registration WHERE user_id = ? AND community_id = ? AND status = 'approved' LIMIT 1", [userId, wish.communityId]);
  if (!registration) return reply.code(403).send({ code: 'MEMBER_NOT_REGISTERED' });
  const [exists] = await rows('SELECT 1 AS found FROM member_claim_load WHERE user_id = ?', [userId]);
  if (!exists) await pool.query('INSERT IGNORE INTO member_claim_load (user_id, active_claims) VALUES (?, 0)', [userId]);

  const now = new Date();
  const outcome = await transaction(async (db) => {
    const [updated] = await db.query<ResultSetHeader>(
      "UPDATE wish SET claimer_id = ?, claimer_unit_id = ?, claimed_at = ?, status = 'claimed', updated_at = ?, version = version + 1 WHERE id = ? AND status = 'open'",
      [userId, registration.unit_id, now, now, id],
    );
    if (!updated.affectedRows) {
      await rows('SELECT status FROM wish WHERE id = ? LOCK IN SHARE MODE', [id], db);
      return 'lost' as const;
    }
    const [slot] = await db.query<ResultSetHeader>('UPDATE member_claim_load SET active_claims = active_claims + 1 WHERE user_id = ? AND active_claims < ?', [userId, claimLimit]);
    if (!slot.affectedRows) return 'limit' as const;
    const eventId = await insertEvent(db, [id, wish.communityId, 'claim', 'open', 'claimed', userId, 'member', 'member', null, null, now]);
    await notify(db, id, 'wish_claimed', '心愿已被认领', (title, member) => `你的心愿「${title}」已由党员${member}认领，对方会尽快与你联系。`);
    await db.query('INSERT INTO dashboard_rollup_queue (event_id, enqueued_at) VALUES (?, ?)', [eventId, now]);
    return 'won' as const;
  });
  if (outcome === 'lost') return reply.code(409).send({ code: 'WISH_ALREADY_CLAIMED' });
  if (outcome === 'limit') return reply.code(409).send({ code: 'CLAIM_LIMIT_REACHED' });
  return findById(id);
}

interface SubmitBody {
  communityId: number;
  title: string;
  description: string;
  category: string;
  kind: string;
}

async function submit(userId: number, key: string, body: SubmitBody, reply: FastifyReply) {
  const [earlier] = await rows(`SELECT ${RECORD_COLUMNS} ${WISH_WITH_NAMES} WHERE w.created_by = ? AND w.idempotency_key = ?`, [userId, key]);
  if (earlier) return reply.header('Idempotent-Replayed', 'true').code(201).send(earlier);
  const [community] = await rows(
    'SELECT id, parent_id AS parentId, level, name, path, auto_approve AS autoApprove, require_fulfilment_photos AS requireFulfilmentPhotos, created_at AS createdAt FROM region WHERE id = ?',
    [body.communityId],
  );
  if (!community || community.level !== 'community') return reply.code(422).send({ code: 'REGION_NOT_A_COMMUNITY' });
  await rows('SELECT COUNT(*) AS n FROM wish WHERE resident_id = ? AND status IN (?)', [userId, ACTIVE]);
  await rows("SELECT COUNT(*) AS n FROM wish WHERE created_by = ? AND channel = 'mini_program' AND created_at >= ?", [userId, new Date(Date.now() - 86_400_000)]);
  const now = new Date();
  const id = await transaction(async (db) => {
    const [profile] = await rows('SELECT name, phone_cipher AS phoneCipher, address FROM app_user WHERE id = ?', [userId], db);
    const [wish] = await rows(
      `INSERT INTO wish (id, title, description, category, kind, estimated_cost, expected_by, photo_ids, community_id, region_path, resident_id, resident_name, resident_phone_cipher, resident_address, created_by, channel, status, claimer_id, claimer_unit_id, fulfilment_note, fulfilment_photo_ids, rating, rating_comment, idempotency_key, version, created_at, reviewed_at, claimed_at, fulfilled_at, completed_at, closed_at, updated_at)
       VALUES (DEFAULT, ?, ?, ?, ?, NULL, NULL, '[]', ?, ?, ?, ?, ?, ?, ?, 'mini_program', 'pending_review', NULL, NULL, NULL, '[]', NULL, NULL, ?, 1, ?, NULL, NULL, NULL, NULL, NULL, ?) RETURNING id, version`,
      [body.title, body.description, body.category, body.kind, community.id, community.path, userId, profile?.name ?? '居民', profile?.phoneCipher ?? null, profile?.address ?? null, userId, key, now, now],
      db,
    );
    const eventId = await insertEvent(db, [wish.id, community.id, 'submit', null, 'pending_review', userId, 'resident', 'resident', null, '{"channel":"mini_program"}', now]);
    await db.query('INSERT INTO dashboard_rollup_queue (event_id, enqueued_at) VALUES (?, ?)', [eventId, now]);
    if (community.autoApprove) {
      await db.query("UPDATE wish SET reviewed_at = ?, status = 'open', updated_at = ?, version = version + 1 WHERE id = ? AND status = 'pending_review'", [now, now, wish.id]);
      const approvedId = await insertEvent(db, [wish.id, community.id, 'auto_approve', 'pending_review', 'open', null, 'system', 'system', null, null, now]);
      await notify(db, wish.id, 'wish_approved', '心愿已通过审核', (title) => `你的心愿「${title}」已通过审核并公开，等待党员认领。`);
      await db.query('INSERT INTO dashboard_rollup_queue (event_id, enqueued_at) VALUES (?, ?)', [approvedId, now]);
    }
    return wish.id as number;
  });
  return reply.code(201).send(await findById(id));
}

/** WishRepository.insertEvent: a plain INSERT, the id from the OK packet. */
async function insertEvent(db: PoolConnection, values: unknown[]): Promise<number> {
  const [result] = await db.query<ResultSetHeader>(
    'INSERT INTO wish_event (wish_id, community_id, action, from_status, to_status, actor_id, actor_kind, actor_role, reason, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    values,
  );
  return result.insertId;
}

/**
 * WishNotifier.onWishEvent for a claim or an auto-approval, inside the transition's transaction: the
 * wish with its community's and claimer's names (one join), the resident's openid, and the in-app
 * notification row. (No outbox row: the bench configures no WeChat templates.)
 */
async function notify(db: PoolConnection, wishId: number, kind: string, title: string, body: (wishTitle: string, memberName: string | null) => string): Promise<void> {
  const [wish] = await rows(`SELECT ${NOTICE_FACTS_COLUMNS} ${WISH_WITH_NAMES} WHERE w.id = ?`, [wishId], db);
  if (!wish?.residentId) return;
  const [resident] = await rows('SELECT openid, deleted_at AS deletedAt FROM app_user WHERE id = ?', [wish.residentId], db);
  if (!resident || resident.deletedAt) return;
  await db.query('INSERT INTO notification (user_id, kind, title, body, wish_id, read_at, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?)', [
    wish.residentId,
    kind,
    title,
    body(wish.title, wish.memberName ?? null),
    wishId,
    new Date(),
  ]);
}

async function transaction<T>(work: (db: PoolConnection) => Promise<T>): Promise<T> {
  const db = await pool.getConnection();
  try {
    await db.query('START TRANSACTION');
    const result = await work(db);
    await db.query('COMMIT');
    return result;
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  } finally {
    db.release();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bare server failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
