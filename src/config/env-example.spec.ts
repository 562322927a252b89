import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { loadAppConfig } from './app-config';
import { EnvironmentVariables } from './environment';

describe('.env.example', () => {
  const documented = new Map<string, string[]>();
  let comments: string[] = [];
  const text = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) comments.push(line);
    // A variable is explained by the comment lines of its paragraph (a group may share one comment).
    else if (/^[A-Z0-9_]+=/.test(line)) documented.set(line.split('=')[0], comments);
    else if (line.trim() === '') comments = [];
  }
  const known = Object.keys(new EnvironmentVariables());

  it('lists every variable the service reads, and nothing else', () => {
    expect([...documented.keys()].sort()).toEqual([...known].sort());
  });

  it('explains every variable with a comment above it', () => {
    const undocumented = [...documented.entries()].filter(([, lines]) => lines.length === 0).map(([key]) => key);
    expect(undocumented).toEqual([]);
  });

  it('is itself a valid configuration (copied to .env it starts the service)', () => {
    expect(() => loadAppConfig(parseEnv(text))).not.toThrow();
  });
});
