import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source';

/**
 * Entry point of the TypeORM CLI (`npm run migration:generate|run|revert`). It reads the same
 * environment (and `.env`) as the service; migrations are for MySQL/MariaDB, so DB_TYPE defaults
 * to mariadb here (set DB_TYPE=mysql for MySQL 8).
 */
if (existsSync('.env')) process.loadEnvFile('.env');
export default new DataSource(buildDataSourceOptions(loadAppConfig({ ...process.env, DB_TYPE: process.env.DB_TYPE ?? 'mariadb' }).db));
