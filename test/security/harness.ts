import { createHash } from 'node:crypto';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { Response } from 'supertest';
import { buildOpenApi } from '../../src/bootstrap';
import type { Session } from '../support/auth';
import type { TestApp } from '../support/test-app';
import { tinyPng, type SecurityWorld } from './world';

export interface RouteDoc {
  key: string;
  method: string;
  path: string;
  /** JSON body properties (name → schema), when the route takes a JSON body. */
  body?: Record<string, SchemaObject>;
  required: string[];
  query: string[];
  params: string[];
}

// The OpenAPI types are deep unions; the suites only read a few fields.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SchemaObject = Record<string, any>;

/** Every route of the OpenAPI document (which test/platform.e2e-spec.ts proves equal to the router's). */
export function documentedRoutes(t: TestApp): RouteDoc[] {
  const doc: OpenAPIObject = buildOpenApi(t.app);
  const resolve = (schema: SchemaObject | undefined): SchemaObject | undefined => {
    if (!schema?.$ref) return schema;
    return doc.components?.schemas?.[String(schema.$ref).split('/').pop()!] as SchemaObject;
  };
  const routes: RouteDoc[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, SchemaObject>)) {
      const json = resolve(op.requestBody?.content?.['application/json']?.schema);
      const parameters = (op.parameters ?? []) as SchemaObject[];
      routes.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        body: json?.properties ? Object.fromEntries(Object.entries(json.properties as Record<string, SchemaObject>).map(([k, v]) => [k, resolve(v) ?? v])) : undefined,
        required: (json?.required as string[]) ?? [],
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        params: parameters.filter((p) => p.in === 'path').map((p) => p.name),
      });
    }
  }
  return routes.sort((a, b) => a.key.localeCompare(b.key));
}

/** Fills `$…` placeholders of a matrix body (see access-matrix.ts). */
export function fill(value: unknown, world: SecurityWorld, target: Record<string, string | number>, unique: string): unknown {
  if (Array.isArray(value)) return value.map((v) => fill(v, world, target, unique));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, world, target, unique)]));
  if (typeof value !== 'string' || !value.includes('$')) return value;
  const w = world.w;
  const ids: Record<string, number> = {
    $A1: w.communityA1.id,
    $A2: w.communityA2.id,
    $B1: w.communityB1.id,
    $unitGov: w.unitGov.id,
    $unitSchool: w.unitSchool.id,
    $memberHere: w.memberA1.userId,
    $memberElsewhere: w.memberA2.userId,
  };
  if (value in ids) return ids[value];
  if (value.startsWith('$target.')) return target[value.slice('$target.'.length)];
  return value.replace('$unique', unique);
}

export function concretePath(path: string, params: Record<string, string | number>): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (!(name in params)) throw new Error(`no value for path parameter ${name} of ${path}`);
    return encodeURIComponent(String(params[name]));
  });
}

export interface Call {
  method: string;
  path: string;
  session?: Session;
  query?: Record<string, string | string[]>;
  body?: unknown;
  /** Raw body text sent as application/json (for bodies JSON.stringify would not produce). */
  rawJson?: string;
  upload?: boolean;
}

export async function send(t: TestApp, call: Call): Promise<Response> {
  const method = call.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete' | 'put';
  let req = t.http[method](call.path);
  if (call.session) req = req.set(call.session.auth);
  if (call.query) req = req.query(call.query);
  if (call.upload) return req.attach('file', await tinyPng(), 'photo.png');
  if (call.rawJson !== undefined) return req.set('Content-Type', 'application/json').send(call.rawJson);
  // A JSON body that is not an object (a number, a string, null): sent as its JSON text.
  if (call.body !== undefined && (call.body === null || typeof call.body !== 'object')) return req.set('Content-Type', 'application/json').send(JSON.stringify(call.body));
  if (call.body !== undefined) return req.send(call.body as object);
  return req;
}

/**
 * A fingerprint of the whole database's content, to prove a refused request wrote nothing (also
 * not half of something). MySQL: CHECKSUM TABLE over every table in one statement. SQLite (in
 * memory, tiny): every row of every table, hashed. Both change on any insert, update or delete.
 */
export class DbFingerprint {
  private tables?: string[];

  constructor(private readonly t: TestApp) {}

  private async tableNames(): Promise<string[]> {
    if (!this.tables) {
      const rows: Array<{ name: string }> =
        this.t.kind === 'sqlite'
          ? await this.t.dataSource.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
          : await this.t.dataSource.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name`);
      this.tables = rows.map((r) => r.name);
    }
    return this.tables;
  }

  async take(): Promise<string> {
    const tables = await this.tableNames();
    const hash = createHash('sha1');
    if (this.t.kind === 'mysql') {
      const rows: Array<{ Table: string; Checksum: string | number | null }> = await this.t.dataSource.query(`CHECKSUM TABLE ${tables.map((n) => `\`${n}\``).join(', ')}`);
      for (const row of rows) hash.update(`${row.Table}=${row.Checksum};`);
    } else {
      for (const name of tables) hash.update(`${name}=${JSON.stringify(await this.t.dataSource.query(`SELECT * FROM "${name}"`))};`);
    }
    return hash.digest('hex');
  }
}

/** The coded error shape every 4xx must have (test/support/errors.ts asserts the same, strictly). */
export function isCodedError(response: Response): boolean {
  const body = response.body as Record<string, unknown> | undefined;
  return (
    /^application\/json/.test(String(response.headers['content-type'])) &&
    typeof body?.code === 'string' &&
    body.statusCode === response.status &&
    typeof body.message === 'string' &&
    /[\u4e00-\u9fa5]/.test(body.message) &&
    !/stack|QueryFailedError|SQLITE_|\bER_[A-Z_]+|at \//.test(JSON.stringify(body))
  );
}
