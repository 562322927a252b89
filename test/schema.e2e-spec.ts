import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../src/config/app-config';
import { buildDataSourceOptions } from '../src/database/data-source';
import { Region } from '../src/regions/region.entity';
import { devLogin } from './support/auth';
import { buildCity } from './support/fixtures';
import { mysqlSettings } from './support/mysql';
import { startTestApp, TestApp, testDatabases } from './support/test-app';

/** The DDL TypeORM would still run to make the database match the entities; empty when they agree. */
async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((query) => query.query);
}

describe.each(testDatabases())('schema on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(kind, 'schema');
  });
  afterAll(() => t?.close());

  it('matches the entities exactly (no pending schema change)', async () => {
    expect(await pendingSchemaChanges(t.dataSource)).toEqual([]);
  });

  it('reads a datetime back to the millisecond, in UTC', async () => {
    const at = new Date('2026-03-01T23:59:58.987Z');
    const repo = t.dataSource.getRepository(Region);
    const saved = await repo.save(repo.create({ parentId: null, level: 'city', name: '时间市', path: `/t-${randomBytes(3).toString('hex')}/`, autoApprove: false, createdAt: at }));
    const read = await repo.findOneByOrFail({ id: saved.id });
    expect(read.createdAt).toBeInstanceOf(Date);
    expect(read.createdAt.toISOString()).toBe('2026-03-01T23:59:58.987Z');

    const cast = kind === 'mysql' ? 'CAST(created_at AS CHAR)' : 'created_at';
    const [raw] = await t.dataSource.query(`SELECT ${cast} AS createdAt FROM region WHERE id = ?`, [saved.id]);
    // Stored as UTC wall time (no offset applied), with the milliseconds kept.
    expect(String(raw.createdAt)).toBe('2026-03-01 23:59:58.987');
  });

  it('keeps the milliseconds of domain times set from the clock through the API', async () => {
    const city = await buildCity(t.dataSource);
    t.clock.set('2026-06-30T16:00:00.001Z');
    const member = await devLogin(t.http, 'schema-member');
    const response = await t.http
      .post('/api/v1/members/registrations')
      .set(member.auth)
      .send({ unitId: city.unitGov.id, communityId: city.communityA1.id, name: '王五', phone: '13600136000' });
    expect(response.status).toBe(201);
    expect(response.body.createdAt).toBe('2026-06-30T16:00:00.001Z');
    const mine = await t.http.get('/api/v1/members/registrations/mine').set(member.auth);
    expect(mine.body[0].createdAt).toBe('2026-06-30T16:00:00.001Z');
  });
});

const mysqlKinds = testDatabases().filter((kind) => kind === 'mysql');
if (mysqlKinds.length > 0) {
  describe('MySQL migrations on a database created with a latin1 default', () => {
    const settings = mysqlSettings();
    const name = `wt_latin1_${randomBytes(4).toString('hex')}`;
    let dataSource: DataSource;

    const tables = async () =>
      (await dataSource.query('SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [name])) as { name: string; collation: string }[];

    beforeAll(async () => {
      const admin = await createConnection({ ...settings });
      await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET latin1 COLLATE latin1_swedish_ci`);
      await admin.end();
      const config = loadAppConfig({
        NODE_ENV: 'test',
        DB_TYPE: process.env.TEST_MYSQL_FLAVOR ?? 'mysql',
        DB_HOST: settings.host,
        DB_PORT: String(settings.port),
        DB_USER: settings.user,
        DB_PASSWORD: settings.password,
        DB_NAME: name,
        DB_POOL_SIZE: '2',
      });
      dataSource = new DataSource({ ...buildDataSourceOptions(config.db), logging: false });
      await dataSource.initialize();
      await dataSource.runMigrations({ transaction: 'each' });
    });
    afterAll(async () => {
      if (dataSource?.isInitialized) await dataSource.destroy();
      const admin = await createConnection({ ...settings });
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    });

    it('really starts from a latin1 default', async () => {
      const [row] = await dataSource.query('SELECT DEFAULT_CHARACTER_SET_NAME AS charset FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
      expect(row.charset).toBe('latin1');
    });

    it('creates every table and text column in utf8mb4', async () => {
      const all = await tables();
      expect(all.map((table) => table.name)).toEqual(expect.arrayContaining(['app_user', 'member_registration', 'region', 'role_grant', 'typeorm_migrations', 'unit', 'unit_pairing']));
      expect(all.filter((table) => !table.collation.startsWith('utf8mb4_'))).toEqual([]);
      const columns = await dataSource.query(
        'SELECT TABLE_NAME AS tableName, COLUMN_NAME AS columnName, CHARACTER_SET_NAME AS charset FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND CHARACTER_SET_NAME IS NOT NULL AND CHARACTER_SET_NAME <> ?',
        [name, 'utf8mb4'],
      );
      expect(columns).toEqual([]);
    });

    it('stores 4-byte emoji there', async () => {
      const repo = dataSource.getRepository(Region);
      const saved = await repo.save(repo.create({ parentId: null, level: 'city', name: '🏠永安社区🎉', path: '/emoji/', autoApprove: false, createdAt: new Date() }));
      expect((await repo.findOneByOrFail({ id: saved.id })).name).toBe('🏠永安社区🎉');
      await repo.delete({ id: saved.id });
    });

    it('matches the entities after the migrations', async () => {
      expect(await pendingSchemaChanges(dataSource)).toEqual([]);
    });

    it('reverts every migration down to an empty schema, and migrates up again', async () => {
      const applied = (await dataSource.query('SELECT COUNT(*) AS n FROM typeorm_migrations'))[0].n;
      expect(Number(applied)).toBe(dataSource.migrations.length);
      for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await dataSource.showMigrations()).toBe(true);
      expect((await tables()).map((table) => table.name)).toEqual(['typeorm_migrations']);

      await dataSource.runMigrations({ transaction: 'each' });
      expect(await dataSource.showMigrations()).toBe(false);
      expect(await pendingSchemaChanges(dataSource)).toEqual([]);
      expect((await tables()).filter((table) => !table.collation.startsWith('utf8mb4_'))).toEqual([]);
    });
  });
}
