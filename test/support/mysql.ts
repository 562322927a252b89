import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

/** Where the tests find MySQL/MariaDB: TEST_MYSQL_* variables, defaulting to the local server. */
export function mysqlSettings() {
  return {
    host: process.env.TEST_MYSQL_HOST ?? '127.0.0.1',
    port: Number(process.env.TEST_MYSQL_PORT ?? 3306),
    user: process.env.TEST_MYSQL_USER ?? 'root',
    password: process.env.TEST_MYSQL_PASSWORD ?? '',
  };
}

/** A fresh utf8mb4 database for one test file; returns its name and a function that drops it. */
export async function createScratchDatabase(label: string): Promise<{ name: string; drop: () => Promise<void> }> {
  const settings = mysqlSettings();
  const name = `wt_${label.replace(/[^a-z0-9]/gi, '').slice(0, 30).toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({ ...settings });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  return {
    name,
    drop: async () => {
      const conn = await createConnection({ ...settings });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}
