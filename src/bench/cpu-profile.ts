import { readFileSync } from 'node:fs';

/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): time by area of the request path,
 * self time per package and per function, and inclusive time per package, as shares of the time the
 * process was busy (idle is left out: the service waits while the bare server is measured).
 *   node dist/bench/cpu-profile.js FILE [--top 30]
 *
 * Samples are wall-clock: on a loaded machine a system call that gets the process descheduled
 * (socket writes to MySQL and to clients) looks longer than its CPU cost. Compare shares between
 * runs on the same machine, and the bench's "CPU ms" per request for absolute cost.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, , top = '30'] = process.argv.slice(2);
if (!file) throw new Error('usage: node dist/bench/cpu-profile.js FILE.cpuprofile [--top 30]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map<number, number>();
profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
for (const [id] of selfTime) if (['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName)) selfTime.delete(id);
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

/** node_modules/<package> (scoped too), the project's own dist/src files, or node's internals. */
const packageOf = (url: string) => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.includes('/dist/')) return `app:${url.slice(url.indexOf('/dist/') + 6).split('/')[0]}`;
  return url ? (url.startsWith('node:') ? url : 'other') : '(native, gc)';
};
const functions = new Map<string, number>();
const packages = new Map<string, number>();
for (const [id, time] of selfTime) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`;
  functions.set(key, (functions.get(key) ?? 0) + time);
  packages.set(packageOf(url), (packages.get(packageOf(url)) ?? 0) + time);
}
// Inclusive time: a sample counts once for every package on its stack (where the time is spent "under").
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const inclusive = new Map<string, number>();
for (const [id, time] of selfTime) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const { url, functionName } = byId.get(at)!.callFrame;
    if (url || functionName === '(garbage collector)') seen.add(url ? packageOf(url) : '(garbage collector)');
  }
  for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + time);
}
/**
 * Areas of the request path, tried in this order against every frame of a sample's stack (the first
 * area with a matching frame takes the sample): `url function` strings.
 */
const AREAS: Array<[string, RegExp]> = [
  ['start-up (module loading)', /run_main_module/],
  ['garbage collection', / \(garbage collector\)$/],
  ['logging (pino, redaction)', /\/(pino|sonic-boom|@pinojs)\//],
  ['TypeORM entity hydration', /RawSqlResultsToEntityTransformer/],
  ['TypeORM query building', /typeorm\/.* (getQuery|getQueryAndParameters|createQueryBuilder|leftJoin|addSelect|andWhere|where|orderBy|select|join|setFindOptions|buildEscapedEntityColumnSelects|createSelectExpression|escapeQueryWithParameters)$|FindOptionsUtils/],
  ['mysql2 socket writes', /mysql2\/.* (writePacket|write)$/],
  ['mysql2 (packets, parsing)', /\/mysql2\//],
  ['TypeORM (query runner, persistence)', /\/typeorm\//],
  ['HTTP response writes', / (writev|writePayload)$|_http_outgoing/],
  ['JWT', /\/(jsonwebtoken|jws|jwa|@nestjs\/jwt)\//],
  ['validation (class-validator, class-transformer)', /\/(class-validator|class-transformer)\//],
  ['AsyncLocalStorage / async_hooks', /async_hooks/],
  ['the service\'s own code', /\/dist\//],
  ['Nest (router, guards, interceptors, rxjs)', /\/(@nestjs|rxjs|reflect-metadata)\//],
  ['Fastify and HTTP parsing', /\/(fastify|find-my-way|@fastify)\/|_http_server|_http_common|_http_incoming/],
];
const areas = new Map<string, number>();
for (const [id, time] of selfTime) {
  const stack: string[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) stack.push(`${byId.get(at)!.callFrame.url} ${byId.get(at)!.callFrame.functionName}`);
  const area = AREAS.find(([, pattern]) => stack.some((frame) => pattern.test(frame)))?.[0] ?? 'other (Node internals, microtask queue)';
  areas.set(area, (areas.get(area) ?? 0) + time);
}

const show = (title: string, entries: Map<string, number>) => {
  process.stdout.write(`\n${title} (${(total / 1e6).toFixed(1)} s busy)\n`);
  for (const [key, time] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
    process.stdout.write(`${((100 * time) / total).toFixed(1).padStart(5)} %  ${key}\n`);
  }
};
show('by area of the request path', areas);
show('self time by package', packages);
show('self time by function', functions);
show('inclusive time by package (a sample counts for every package on its stack)', inclusive);
