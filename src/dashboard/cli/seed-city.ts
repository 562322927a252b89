import 'reflect-metadata';
import * as bcrypt from 'bcryptjs';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createConnection, Connection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { AppConfig, loadAppConfig } from '../../config/app-config';
import { FieldCipher } from '../../common/crypto/field-cipher';
import { DAY, HOUR } from '../../common/time/clock';
import { shanghaiDate } from '../../common/time/shanghai';
import { buildDataSourceOptions } from '../../database/data-source';
import type { WishAction, WishStatus } from '../../wishes/wish-state';
import { weekStart } from '../period';
import { encodeHistograms, MEMBER_NUMBERS, monthOf, ROLLUP_NUMBERS, RollupAccumulator } from '../rollup/rollup-deltas';
import { backlogOf, effectsOf, TimelineEvent } from '../rollup/wish-effects';

const USAGE = `Builds a realistic city for the dashboard benchmark, straight into MySQL/MariaDB with bulk inserts.

  npm run seed -- --wishes 1000000 --communities 2000 [--years 3] [--password bench12345] [--reset]

Reads DB_* like the service (DB_TYPE must be mysql or mariadb). The database must be empty
(--reset drops and recreates it). Writes regions, units and pairings, residents, members with
approved registrations, wishes with consistent wish_event timelines over the last --years years,
and the dashboard rollups computed from those timelines by the same code as the rollup worker.
Office logins (password --password): bench-city, bench-street (the first street), bench-community.`;

/** Deterministic pseudo-random numbers (mulberry32), so a seed run is repeatable. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = random(20260301);
const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)];
const chance = (p: number) => rnd() < p;
/** Log-normal delay with the given median; capped so a wish's whole life stays under MAX_LIFE. */
const delay = (medianMs: number, spread = 1) => Math.min(medianMs * Math.exp(spread * gaussian()), 30 * DAY);
function gaussian(): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}
function weighted<T>(pairs: ReadonlyArray<readonly [T, number]>): T {
  const total = pairs.reduce((s, [, w]) => s + w, 0);
  let r = rnd() * total;
  for (const [value, weight] of pairs) if ((r -= weight) <= 0) return value;
  return pairs[pairs.length - 1][0];
}

const CATEGORY_WEIGHTS = [['生活物资', 22], ['设施维修', 24], ['助老助残', 18], ['就业帮扶', 5], ['学业辅导', 8], ['环境整治', 12], ['医疗健康', 7], ['其他', 4]] as const;
const TITLES: Record<string, string[]> = {
  生活物资: ['一个电饭煲', '一台电风扇', '冬天的棉被', '一袋大米和食用油'],
  设施维修: ['小区路灯坏了', '楼道扶手松动', '单元门禁损坏', '下水道堵塞'],
  助老助残: ['陪老人去医院复查', '帮忙买菜送上楼', '轮椅需要维修', '增设老年休闲座椅'],
  就业帮扶: ['想找一份保洁工作', '学习电脑操作', '孩子毕业求职咨询', '家政技能培训'],
  学业辅导: ['周末教孙子数学', '英语作文辅导', '借几本课外书', '暑假作业辅导'],
  环境整治: ['规范小区停车', '清理楼道杂物', '绿化带补种', '垃圾分类指导'],
  医疗健康: ['测量血压血糖', '代购常用药', '健康讲座', '康复训练指导'],
  其他: ['修理收音机', '写一封家书', '帮忙办理证件', '组织邻里活动'],
};
const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗';
const GIVEN = '秀英桂兰建国志强晓燕德明玉珍海燕春梅国华淑珍丽娟文斌红霞';
const personName = () => `${pick([...SURNAMES])}${pick([...GIVEN])}${pick([...GIVEN])}`;

interface Community {
  id: number;
  path: string;
  weight: number;
  autoApprove: boolean;
  members: Array<{ userId: number; unitId: number }>;
}

type Connect = () => Promise<Connection>;

/**
 * Rows for one table, streamed with LOAD DATA LOCAL INFILE over a connection of its own, a chunk
 * at a time. At most one chunk is loading while the next is being built, so the server loads
 * while this process computes (two cores), and memory stays bounded.
 */
class TableLoader {
  private lines: string[] = [];
  private loading: Promise<unknown> = Promise.resolve();
  private db?: Connection;
  inserted = 0;
  constructor(
    private readonly connect: Connect,
    private readonly table: string,
    private readonly columns: string[],
    private readonly chunk = 20_000,
  ) {}

  add(row: readonly unknown[]): Promise<void> | undefined {
    this.lines.push(row.map(field).join('\t'));
    return this.lines.length >= this.chunk ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const data = Buffer.from(`${this.lines.join('\n')}\n`);
    const count = this.lines.length;
    this.lines = [];
    await this.loading;
    this.db ??= await this.connect();
    const sql = `LOAD DATA LOCAL INFILE 'rows' INTO TABLE \`${this.table}\` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' (${this.columns.map((c) => `\`${c}\``).join(', ')})`;
    this.loading = this.db.query({ sql, infileStreamFactory: () => Readable.from([data]) }).then(() => (this.inserted += count));
    // Awaited by the next flush or by close(); this only keeps an early failure from going unhandled meanwhile.
    this.loading.catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.loading;
    await this.db?.end();
  }
}

/** A value as LOAD DATA reads it: \N for NULL, UTC datetimes, backslash-escaped text. */
function field(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null || value === undefined) return '\\N';
  if (value instanceof Date) return value.toISOString().slice(0, 23).replace('T', ' ');
  if (typeof value === 'boolean') return value ? '1' : '0';
  const text = String(value);
  return /[\\\t\n]/.test(text) ? text.replace(/[\\\t\n]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n' })[c]!) : text;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      wishes: { type: 'string', default: '100000' },
      communities: { type: 'string', default: '200' },
      years: { type: 'string', default: '3' },
      password: { type: 'string', default: 'bench12345' },
      reset: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadAppConfig({ ...process.env, DEMO_DATA: 'false' });
  if (config.db.type !== 'mysql') throw new Error('the seed writes to MySQL/MariaDB: set DB_TYPE=mariadb (or mysql) and DB_NAME');
  const wishCount = Number(values.wishes);
  const communityCount = Number(values.communities);
  const years = Number(values.years);
  if (!(wishCount > 0 && communityCount > 0 && years > 0)) throw new Error(USAGE);

  const started = Date.now();
  const log = (what: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${what}\n`);
  await prepareDatabase(config, values.reset!);
  log(`schema ready in ${config.db.database}`);

  const { host, port, user, password, database } = config.db;
  const connect: Connect = async () => {
    const db = await createConnection({ host, port, user, password, database, timezone: 'Z', flags: ['+LOCAL_FILES'] });
    // Bulk load: the rows are consistent by construction, so skip the per-row checks. The server
    // waits for a chunk's rows while this process sums a week of rollups (seconds at city scale),
    // longer than its default 30 s read timeout allows on a loaded machine.
    await db.query('SET SESSION foreign_key_checks = 0, unique_checks = 0, net_read_timeout = 3600, net_write_timeout = 3600');
    return db;
  };
  await seed(connect, config, { wishCount, communityCount, years, password: values.password!, log });
  log('done');
}

async function prepareDatabase(config: AppConfig, reset: boolean): Promise<void> {
  if (config.db.type !== 'mysql') return;
  const admin = await createConnection({ host: config.db.host, port: config.db.port, user: config.db.user, password: config.db.password });
  if (reset) await admin.query(`DROP DATABASE IF EXISTS \`${config.db.database}\``);
  await admin.query(`CREATE DATABASE IF NOT EXISTS \`${config.db.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const dataSource = new DataSource({ ...buildDataSourceOptions(config.db), logging: false });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM region');
    if (Number(n) > 0) throw new Error(`database ${config.db.database} is not empty; use --reset to start over`);
  } finally {
    await dataSource.destroy();
  }
}

interface SeedOptions {
  wishCount: number;
  communityCount: number;
  years: number;
  password: string;
  log: (what: string) => void;
}

async function seed(connect: Connect, config: AppConfig, options: SeedOptions): Promise<void> {
  const { wishCount, communityCount, years, log } = options;
  const now = Date.now();
  const since = now - years * 365 * DAY;
  const created = new Date(since - 30 * DAY);
  const cipher = new FieldCipher(config);
  const phone = cipher.encrypt('13800000000');

  // ── Regions: 乌兰察布市 → districts → streets (≈20 communities each) → communities ──
  const regions = new TableLoader(connect, 'region', ['id', 'parent_id', 'level', 'name', 'path', 'auto_approve', 'created_at']);
  let nextRegion = 1;
  const cityId = nextRegion++;
  await regions.add([cityId, null, 'city', '乌兰察布市', `/${cityId}/`, 0, created]);
  const streetCount = Math.max(1, Math.ceil(communityCount / 20));
  const districtCount = Math.max(1, Math.ceil(streetCount / 10));
  const districts: Array<{ id: number; path: string }> = [];
  for (let d = 0; d < districtCount; d++) {
    const id = nextRegion++;
    districts.push({ id, path: `/${cityId}/${id}/` });
    await regions.add([id, cityId, 'district', d === 0 ? '集宁区' : `第${d + 1}区`, `/${cityId}/${id}/`, 0, created]);
  }
  const streets: Array<{ id: number; path: string }> = [];
  for (let s = 0; s < streetCount; s++) {
    const district = districts[s % districtCount];
    const id = nextRegion++;
    streets.push({ id, path: `${district.path}${id}/` });
    await regions.add([id, district.id, 'street', s === 0 ? '新体路街道' : `第${s + 1}街道`, `${district.path}${id}/`, 0, created]);
  }
  const communities: Community[] = [];
  for (let c = 0; c < communityCount; c++) {
    const street = streets[c % streetCount];
    const id = nextRegion++;
    const autoApprove = chance(0.05);
    // Some communities are far busier than others (log-normal activity).
    communities.push({ id, path: `${street.path}${id}/`, weight: Math.exp(0.8 * gaussian()), autoApprove, members: [] });
    await regions.add([id, street.id, 'community', c === 0 ? '永安社区' : `第${c + 1}社区`, `${street.path}${id}/`, autoApprove ? 1 : 0, created]);
  }
  await regions.close();
  log(`${regions.inserted} regions (${districtCount} districts, ${streetCount} streets, ${communityCount} communities)`);

  // ── Units paired with the communities of a street; members registered through them ──
  const units = new TableLoader(connect, 'unit', ['id', 'name', 'kind', 'region_id', 'created_at']);
  const pairings = new TableLoader(connect, 'unit_pairing', ['unit_id', 'community_id', 'created_at']);
  const unitsOfCommunity = new Map<number, number[]>();
  let nextUnit = 1;
  for (let s = 0; s < streetCount; s++) {
    const streetCommunities = communities.filter((_, c) => c % streetCount === s);
    for (let u = 0; u < Math.max(1, Math.ceil(streetCommunities.length / 4)); u++) {
      const id = nextUnit++;
      await units.add([id, `第${id}结对单位`, pick(['government', 'enterprise', 'institution', 'school', 'hospital'] as const), streets[s].id, created]);
      for (const community of streetCommunities.filter((_, i) => i % Math.ceil(streetCommunities.length / 4) === u)) {
        await pairings.add([id, community.id, created]);
        unitsOfCommunity.set(community.id, [...(unitsOfCommunity.get(community.id) ?? []), id]);
      }
    }
  }
  await units.close();
  await pairings.close();

  const users = new TableLoader(connect, 'app_user', ['id', 'openid', 'username', 'password_hash', 'name', 'phone_cipher', 'community_id', 'failed_login_count', 'created_at', 'updated_at']);
  const grants = new TableLoader(connect, 'role_grant', ['user_id', 'role', 'region_id', 'unit_id', 'scope_key', 'created_at']);
  const registrations = new TableLoader(connect, 'member_registration', ['user_id', 'unit_id', 'community_id', 'name', 'phone_cipher', 'skills', 'status', 'open_slot', 'decided_at', 'created_at']);
  let nextUser = 1;
  const passwordHash = await bcrypt.hash(options.password, 10);
  const staff: Array<[string, string, number]> = [
    ['bench-city', 'region_admin', cityId],
    ['bench-street', 'region_admin', streets[0].id],
    ['bench-community', 'community_admin', communities[0].id],
  ];
  for (const [username, role, regionId] of staff) {
    const id = nextUser++;
    await users.add([id, null, username, passwordHash, username, null, null, 0, created, created]);
    await grants.add([id, role, regionId, null, `region:${regionId}`, created]);
  }
  // Each seeded member is registered with one community, through one unit.
  const unitOfMember = new Map<number, number>();
  const unitOf = (memberId: number) => unitOfMember.get(memberId) ?? null;
  const membersPerCommunity = Math.max(3, Math.round(wishCount / communityCount / 50));
  for (const community of communities) {
    for (let m = 0; m < membersPerCommunity; m++) {
      const id = nextUser++;
      const unitId = pick(unitsOfCommunity.get(community.id) ?? [1]);
      const name = personName();
      community.members.push({ userId: id, unitId });
      unitOfMember.set(id, unitId);
      await users.add([id, `seed-member-${id}`, null, null, name, phone, community.id, 0, created, created]);
      await grants.add([id, 'member', null, null, '-', created]);
      await registrations.add([id, unitId, community.id, name, phone, '[]', 'approved', 1, created, created]);
    }
  }
  const residentCount = Math.max(10, Math.round(wishCount / 20));
  const firstResident = nextUser;
  for (let r = 0; r < residentCount; r++) {
    const id = nextUser++;
    await users.add([id, `seed-resident-${id}`, null, null, personName(), phone, pick(communities).id, 0, created, created]);
  }
  await users.close();
  await grants.close();
  await registrations.close();
  log(`${nextUnit - 1} units, ${users.inserted} users (${communityCount * membersPerCommunity} members, ${residentCount} residents)`);

  // ── Wishes, their timelines, and the rollups of those timelines ──
  const restoreIndexes = await deferIndexes(connect, ['dashboard_rollup', 'dashboard_member_rollup']);
  const wishColumns = ['id', 'title', 'description', 'category', 'kind', 'photo_ids', 'community_id', 'region_path', 'resident_id', 'resident_name', 'resident_phone_cipher', 'resident_address', 'created_by', 'channel', 'status', 'claimer_id', 'claimer_unit_id', 'fulfilment_note', 'fulfilment_photo_ids', 'rating', 'rating_comment', 'version', 'created_at', 'reviewed_at', 'claimed_at', 'fulfilled_at', 'completed_at', 'closed_at', 'updated_at'];
  const wishes = new TableLoader(connect, 'wish', wishColumns);
  const events = new TableLoader(connect, 'wish_event', ['id', 'wish_id', 'community_id', 'action', 'from_status', 'to_status', 'actor_id', 'actor_kind', 'actor_role', 'reason', 'detail', 'at']);
  const rollupColumns = ['region_id', 'unit_id', 'grain', 'bucket', 'category', 'channel', ...ROLLUP_NUMBERS.map(snake), 'histograms'];
  const rollups = new TableLoader(connect, 'dashboard_rollup', rollupColumns);
  const memberColumns = ['member_id', 'bucket', 'community_id', 'category', 'channel', 'unit_id', ...MEMBER_NUMBERS.map(snake)];
  const memberRollups = new TableLoader(connect, 'dashboard_member_rollup', memberColumns);
  const backlog = new TableLoader(connect, 'dashboard_backlog', ['wish_id', 'stage', 'since', 'community_id', 'region_path', 'unit_id', 'claimer_id', 'category', 'channel']);

  // Submission times: more wishes in recent years (the drive grows), in office and waking hours.
  const times: number[] = [];
  for (let i = 0; i < wishCount; i++) {
    const x = Math.sqrt(rnd()); // density rising over the period
    const day = Math.floor(since / DAY + x * (now - since) / DAY);
    const hour = weighted([[8, 6], [9, 9], [10, 10], [11, 8], [14, 8], [15, 9], [16, 8], [17, 5], [19, 6], [20, 6], [21, 4], [7, 3], [12, 3], [13, 4], [18, 4], [22, 2]]) - 8;
    times.push(Math.min(day * DAY + hour * HOUR + rnd() * HOUR, now - HOUR));
  }
  times.sort((a, b) => a - b);
  const totalWeight = communities.reduce((s, c) => s + c.weight, 0);
  const cumulative: number[] = [];
  communities.reduce((s, c, i) => (cumulative[i] = s + c.weight), 0);
  const pickCommunity = () => {
    const r = rnd() * totalWeight;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return communities[lo];
  };

  const acc = new RollupAccumulator();
  let nextEvent = 1;
  let flushedUntil = '';
  /**
   * Writes the rows that can gain nothing more: day rows before `day` and month rows before its
   * month (wishes come in time order, and a wish's events come after its submission). Week by
   * week, sorted by primary key, so that each run of rows lands on the same few index pages
   * however small the server's buffer pool is, and memory stays at a week of rows.
   */
  const flushBefore = async (day: string) => {
    const month = monthOf(day);
    const done = acc.take((k) => k.bucket < (k.grain === 'd' ? day : month)).sort((a, b) => a.key.regionId - b.key.regionId || a.key.unitId - b.key.unitId || compare(a.key.grain, b.key.grain) || compare(a.key.bucket, b.key.bucket));
    for (const { key: k, values } of done) {
      await rollups.add([k.regionId, k.unitId, k.grain, k.bucket, k.category, k.channel, ...ROLLUP_NUMBERS.map((n) => values.numbers[n] ?? 0), encodeHistograms(values.histograms)]);
    }
    const members = [...acc.members].filter(([, { key }]) => key.bucket < day).sort(([, a], [, b]) => a.key.memberId - b.key.memberId || compare(a.key.bucket, b.key.bucket));
    for (const [id, { key: k, values }] of members) {
      acc.members.delete(id);
      await memberRollups.add([k.memberId, k.bucket, k.communityId, k.category, k.channel, values.unitId, ...MEMBER_NUMBERS.map((n) => values.numbers[n] ?? 0)]);
    }
  };

  for (let i = 0; i < wishCount; i++) {
    const id = i + 1;
    const at = times[i];
    const community = pickCommunity();
    const category = weighted(CATEGORY_WEIGHTS);
    const channel = weighted([['mini_program', 70], ['offline', 25], ['hotline', 5]] as const);
    const residentId = channel === 'mini_program' ? firstResident + Math.floor(rnd() * residentCount) : null;
    const timeline = lifecycle(id, community, channel, residentId, at, Math.min(now, at + 120 * DAY));
    const history = timeline.map((e) => ({ ...e, id: nextEvent++ }));
    const facts = { id, communityId: community.id, regionPath: community.path, category, channel };
    for (const effect of effectsOf(history, unitOf)) acc.add(facts, effect);

    const state = finalState(history, unitOf);
    const residentName = personName();
    await wishes.add([
      id, pick(TITLES[category]), `${pick(TITLES[category])}，希望能得到帮助。`, category, chance(0.6) ? 'personal' : 'public', '[]', community.id, community.path,
      residentId, residentName, phone, '小区 3 号楼', residentId ?? 1, channel, state.status, state.claimerId, state.claimerUnitId,
      state.fulfilledAt ? '已经办好了' : null, '[]', state.rating, state.rating ? '谢谢！' : null, history.length,
      new Date(at), state.reviewedAt, state.claimedAt, state.fulfilledAt, state.completedAt, state.closedAt, history[history.length - 1].at,
    ]);
    for (const e of history) {
      await events.add([e.id, id, community.id, e.action, e.fromStatus, e.toStatus, e.actorId, actorKind(e.action), actorRole(e.action), e.reason, e.detail ? JSON.stringify(e.detail) : null, e.at]);
    }
    const waiting = backlogOf(history, unitOf);
    if (waiting) await backlog.add([id, waiting.stage, waiting.since, community.id, community.path, waiting.unitId, waiting.claimerId, category, channel]);

    const day = shanghaiDate(new Date(at));
    // The later of the week's and the month's first day: a new week or a new month starts a flush.
    const until = weekStart(day) > monthOf(day) ? weekStart(day) : monthOf(day);
    if (until !== flushedUntil) {
      await flushBefore(until);
      flushedUntil = until;
    }
    if (i > 0 && i % 100_000 === 0) log(`${i} wishes, ${nextEvent - 1} events, ${rollups.inserted} rollup rows so far`);
  }
  await flushBefore('9999-12-31');
  for (const table of [wishes, events, rollups, memberRollups, backlog]) await table.close();
  log(`${wishes.inserted} wishes, ${events.inserted} events, ${rollups.inserted} rollup rows, ${memberRollups.inserted} member rollup rows, ${backlog.inserted} waiting wishes`);
  await restoreIndexes();
  log('rollup indexes built');
  const db = await connect();
  await db.query('ANALYZE TABLE wish, wish_event, dashboard_rollup, dashboard_member_rollup, dashboard_backlog');
  await db.end();
}

/**
 * Drops the secondary indexes of these tables (the rollup tables: no foreign keys use them) and
 * returns what builds them again. Building an index once from the loaded rows is far faster than
 * keeping it up to date row by row once it outgrows the server's buffer pool.
 */
async function deferIndexes(connect: Connect, tables: string[]): Promise<() => Promise<void>> {
  const db = await connect();
  const [rows] = (await db.query(
    "SELECT TABLE_NAME AS tableName, INDEX_NAME AS indexName, NON_UNIQUE AS nonUnique, COLUMN_NAME AS columnName FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) AND INDEX_NAME <> 'PRIMARY' ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
    [tables],
  )) as unknown as [Array<{ tableName: string; indexName: string; nonUnique: number; columnName: string }>];
  const indexes = new Map<string, Map<string, { unique: boolean; columns: string[] }>>();
  for (const row of rows) {
    const ofTable = indexes.get(row.tableName) ?? new Map<string, { unique: boolean; columns: string[] }>();
    const index = ofTable.get(row.indexName) ?? { unique: Number(row.nonUnique) === 0, columns: [] };
    index.columns.push(row.columnName);
    ofTable.set(row.indexName, index);
    indexes.set(row.tableName, ofTable);
  }
  for (const [table, ofTable] of indexes) await db.query(`ALTER TABLE \`${table}\` ${[...ofTable.keys()].map((name) => `DROP INDEX \`${name}\``).join(', ')}`);
  await db.end();
  return async () => {
    const again = await connect();
    for (const [table, ofTable] of indexes) {
      const adds = [...ofTable].map(([name, { unique, columns }]) => `ADD ${unique ? 'UNIQUE ' : ''}INDEX \`${name}\` (${columns.map((c) => `\`${c}\``).join(', ')})`);
      await again.query(`ALTER TABLE \`${table}\` ${adds.join(', ')}`);
    }
    await again.end();
  };
}

type Draft = Omit<TimelineEvent, 'id'> & { reason: string | null };

/** One wish's timeline, as offices, residents and members really move it; cut at `until` (now). */
function lifecycle(id: number, community: Community, channel: string, residentId: number | null, start: number, until: number): Draft[] {
  const out: Draft[] = [];
  let t = start;
  let status: WishStatus | null = null;
  const step = (action: WishAction, to: WishStatus, actorId: number | null, detail: Record<string, unknown> | null = null, reason: string | null = null): boolean => {
    if (t > until) return false;
    out.push({ action, fromStatus: status, toStatus: to, actorId, detail, at: new Date(Math.round(t)), reason });
    status = to;
    return true;
  };
  const admin = 1;
  const offline = channel !== 'mini_program';
  step('submit', 'pending_review', offline ? admin : residentId, { channel });
  if (offline) step('approve', 'open', admin);
  else if (community.autoApprove) step('auto_approve', 'open', null);
  else {
    t += delay(6 * HOUR, 1.1);
    if (chance(0.05)) return step('reject', 'rejected', admin, null, '不属于微心愿范围'), out;
    if (!step('approve', 'open', admin)) return out;
  }
  for (let round = 0; round < 3; round++) {
    t += delay(1.5 * DAY, 1.0);
    if (chance(0.03)) return offline ? step('cancel', 'cancelled', admin, null, '居民已不需要') : step('withdraw', 'cancelled', residentId), out;
    const member = pick(community.members);
    const assigned = chance(0.1);
    if (!step(assigned ? 'assign' : 'claim', 'claimed', assigned ? admin : member.userId, assigned ? { memberId: member.userId, previousClaimerId: null } : null, assigned ? '就近安排' : null)) return out;
    t += delay(3 * DAY, 0.9);
    if (chance(0.08)) {
      if (!step('release', 'open', member.userId, { previousClaimerId: member.userId }, '临时出差，无法完成')) return out;
      continue;
    }
    if (chance(0.02)) return step('withdraw', 'cancelled', residentId), out;
    if (!step('fulfil', 'fulfilled', member.userId)) return out;
    if (chance(0.04)) {
      t += delay(DAY, 0.5);
      if (!step('dispute', 'claimed', offline ? admin : residentId, null, '还没有完全解决')) return out;
      t += delay(1.5 * DAY, 0.6);
      if (!step('fulfil', 'fulfilled', member.userId)) return out;
    }
    if (chance(0.15)) {
      t += 7 * DAY;
      step('auto_complete', 'completed', null);
    } else {
      t += delay(20 * HOUR, 1.0);
      const rating = weighted([[5, 75], [4, 18], [3, 5], [2, 1.5], [1, 0.5]] as const);
      step('confirm', 'completed', offline ? admin : residentId, { rating });
    }
    return out;
  }
  return out;
}

function actorKind(action: WishAction): string {
  if (action === 'auto_approve' || action === 'auto_complete' || action === 'timeout_release') return 'system';
  if (['approve', 'reject', 'assign', 'cancel'].includes(action)) return 'admin';
  if (['claim', 'fulfil', 'release'].includes(action)) return 'member';
  return 'resident';
}

function actorRole(action: WishAction): string {
  return { system: 'system', admin: 'community_admin', member: 'member', resident: 'resident' }[actorKind(action)]!;
}

/** The wish row's columns after its whole timeline. */
function finalState(history: TimelineEvent[], unitOf: (memberId: number) => number | null) {
  const s = {
    status: history[history.length - 1].toStatus,
    claimerId: null as number | null,
    claimerUnitId: null as number | null,
    reviewedAt: null as Date | null,
    claimedAt: null as Date | null,
    fulfilledAt: null as Date | null,
    completedAt: null as Date | null,
    closedAt: null as Date | null,
    rating: null as number | null,
  };
  for (const e of history) {
    switch (e.action) {
      case 'approve':
      case 'auto_approve':
        s.reviewedAt = e.at;
        break;
      case 'reject':
        s.reviewedAt = s.closedAt = e.at;
        break;
      case 'claim':
      case 'assign': {
        const member = e.action === 'claim' ? e.actorId : (e.detail?.memberId as number);
        s.claimerId = member;
        s.claimerUnitId = member === null ? null : unitOf(member);
        s.claimedAt = e.at;
        break;
      }
      case 'release':
        s.claimerId = s.claimerUnitId = s.claimedAt = null;
        break;
      case 'fulfil':
        s.fulfilledAt = e.at;
        break;
      case 'dispute':
        s.fulfilledAt = null;
        break;
      case 'confirm':
      case 'auto_complete':
        s.completedAt = e.at;
        s.rating = (e.detail?.rating as number | undefined) ?? null;
        break;
      case 'withdraw':
      case 'cancel':
        s.closedAt = e.at;
        break;
    }
  }
  return s;
}

main().catch((error: unknown) => {
  process.stderr.write(`seed failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
