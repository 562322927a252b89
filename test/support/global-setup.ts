import { createConnection } from 'mysql2/promise';
import { mysqlSettings } from './mysql';

/**
 * Runs once before the e2e files. Decides whether the MySQL/MariaDB half of every suite runs:
 * with REQUIRE_MYSQL=1 (CI) an unreachable server fails the whole run instead of being skipped.
 */
export default async function globalSetup(): Promise<void> {
  const settings = mysqlSettings();
  const required = process.env.REQUIRE_MYSQL === '1';
  try {
    const connection = await createConnection({ host: settings.host, port: settings.port, user: settings.user, password: settings.password, connectTimeout: 3000 });
    const [rows] = await connection.query('SELECT VERSION() AS version');
    await connection.end();
    process.env.TEST_MYSQL_AVAILABLE = '1';
    process.env.TEST_MYSQL_FLAVOR = /mariadb/i.test((rows as { version: string }[])[0].version) ? 'mariadb' : 'mysql';
    process.stdout.write(`\ne2e: MySQL/MariaDB ${(rows as { version: string }[])[0].version} at ${settings.host}:${settings.port} — suites run on SQLite and MySQL\n`);
  } catch (error) {
    if (required) throw new Error(`REQUIRE_MYSQL=1 but MySQL/MariaDB at ${settings.host}:${settings.port} is unreachable: ${(error as Error).message}`);
    process.env.TEST_MYSQL_AVAILABLE = '0';
    process.stdout.write(`\ne2e: MySQL/MariaDB not reachable at ${settings.host}:${settings.port} — suites run on SQLite only (set REQUIRE_MYSQL=1 to fail instead)\n`);
  }
}
