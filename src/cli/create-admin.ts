import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { IsNull } from 'typeorm';
import { AppModule } from '../app.module';
import { loadAppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { Clock } from '../common/time/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { Region } from '../regions/region.entity';
import { createChild } from '../regions/regions.service';
import { ROLES, Role } from '../users/roles';
import { createStaffUser } from './staff';

const USAGE = `Creates an office account (the first admin of a real deployment).

  npm run admin:create -- --username NAME --password PASS --role ROLE (--region PATH | --unit-id ID) [--name 显示名]

  --role      community_admin | region_admin | unit_admin
  --region    region names from the top, separated by "/", created when missing,
              e.g. "乌兰察布市/集宁区/新体路街道/永安社区" (a community_admin needs a community)
  --unit-id   the unit a unit_admin manages

Reads the same environment (.env, DB_*) as the service.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      username: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      region: { type: 'string' },
      'unit-id': { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.username || !values.password || !values.role || !ROLES.includes(values.role as Role)) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 64);
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadAppConfig({ ...process.env, DEMO_DATA: 'false', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    const role = values.role as Role;
    const regionId = values.region ? await ensureRegionPath(app, values.region) : undefined;
    const unitId = values['unit-id'] ? Number(values['unit-id']) : undefined;
    const user = await createStaffUser(app, {
      username: values.username,
      password: values.password,
      name: values.name,
      roles: [{ role, ...(regionId ? { regionId } : {}), ...(unitId ? { unitId } : {}) }],
    });
    process.stdout.write(`created ${role} "${user.username}" (user id ${user.id}${regionId ? `, region id ${regionId}` : ''})\n`);
  } catch (error) {
    process.stderr.write(`failed: ${error instanceof DomainError ? `${error.code} ${error.message}` : (error as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await app.close();
  }
}

/** Finds or creates each level of "市/区/街道/社区" and returns the last one's id. */
async function ensureRegionPath(app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>, path: string): Promise<number> {
  const names = path.split('/').map((part) => part.trim()).filter(Boolean);
  const now = app.get(Clock).now();
  return app.get(TransactionRunner).run(async (m) => {
    const repo = m.getRepository(Region);
    if (names.length === 0) throw new Error('--region is empty');
    let parentId: number | null = null;
    for (const name of names) {
      const found: Region | null = await repo.findOneBy({ parentId: parentId ?? IsNull(), name });
      parentId = (found ?? (await createChild(repo, parentId, name, now))).id;
    }
    return parentId as number;
  });
}

void main();
