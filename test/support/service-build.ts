import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
/** Non-TypeScript files the service reads next to its code (the same list as nest-cli.json's assets). */
const ASSETS = ['content/sensitive-words.txt', 'dashboard/page'];

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/**
 * Compiles src/ into a temporary folder the way `nest build` lays out dist/, for tests that run
 * the service as a real child process. Per-file transpilation (the project compiles with
 * `isolatedModules`, so this is exact) takes about 2 s where a type-checked `tsc` takes ~18 s on
 * two cores; type errors are the typecheck step's business. Not the shared dist/, which another
 * engineer's `npm run build` may be rewriting at the same moment. Being outside the repository,
 * the child needs NODE_PATH=<repo>/node_modules to find its dependencies.
 */
export async function buildService(): Promise<{ main: string; remove: () => Promise<void> }> {
  const out = await mkdtemp(join(tmpdir(), 'wish-service-'));
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  const compilerOptions: ts.CompilerOptions = { ...config!.options, sourceMap: false, inlineSourceMap: false, incremental: false };
  const src = join(ROOT, 'src');
  for (const file of await sources(src)) {
    const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), { compilerOptions, fileName: file });
    const target = join(out, relative(src, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  for (const asset of ASSETS) await cp(join(src, asset), join(out, asset), { recursive: true });
  return { main: join(out, 'main.js'), remove: () => rm(out, { recursive: true, force: true }) };
}
