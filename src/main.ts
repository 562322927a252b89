import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { createApp } from './bootstrap';
import { AppConfig, loadAppConfig } from './config/app-config';
import { ConfigError } from './config/environment';
import { seedDemoData } from './database/demo-seed';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig;
  try {
    config = loadAppConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const app = await createApp(config);
  if (config.demoData) await seedDemoData(app);
  await app.listen({ port: config.http.port, host: config.http.host });

  const base = config.http.publicBaseUrl ?? `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${config.http.port}`;
  const where = config.db.type === 'sqlite' ? `SQLite ${config.db.path}` : `MySQL ${config.db.url ? '(DB_URL)' : `${config.db.host}:${config.db.port}/${config.db.database}`}`;
  process.stdout.write(
    [
      '',
      `微心愿 service is up (${config.env}, ${where})`,
      `  API        ${base}/api/v1`,
      `  API docs   ${base}/docs`,
      `  Health     ${base}/health`,
      `  Dashboard  ${base}/dashboard`,
      config.demoData ? '  Demo logins: see README (password login yongan-admin / demo12345, or POST /api/v1/auth/dev/login)' : '',
      '',
    ].join('\n'),
  );
}

void main();
