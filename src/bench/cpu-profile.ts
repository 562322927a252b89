import { readFileSync } from 'node:fs';

/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): self time per function and per
 * package, highest first.   node dist/bench/cpu-profile.js FILE [--top 30]
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
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

/** node_modules/<package> (scoped too), the project's own dist/src files, or node's internals. */
const packageOf = (url: string) => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.includes('/dist/')) return `app:${url.slice(url.indexOf('/dist/') + 6).split('/')[0]}`;
  return url ? (url.startsWith('node:') ? url : 'other') : '(native/gc/idle)';
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
    if (url || functionName === '(garbage collector)') seen.add(packageOf(url) === '(native/gc/idle)' ? '(garbage collector)' : packageOf(url));
  }
  for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + time);
}
const show = (title: string, entries: Map<string, number>) => {
  process.stdout.write(`\n${title} (total ${(total / 1e6).toFixed(1)} s sampled)\n`);
  for (const [key, time] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
    process.stdout.write(`${((100 * time) / total).toFixed(1).padStart(5)} %  ${key}\n`);
  }
};
show('self time by package', packages);
show('self time by function', functions);
show('inclusive time by package (a sample counts for every package on its stack)', inclusive);
