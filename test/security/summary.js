#!/usr/bin/env node
// Prints the one-line summary of `npm run test:security` from the figures the suites recorded
// (test/security/report.ts). `--reset` clears them before a run. Exits 1 when any 5xx was seen.
'use strict';
const { existsSync, readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const file = join(__dirname, '..', '..', 'test-artifacts', 'security-figures.jsonl');
if (process.argv.includes('--reset')) {
  rmSync(file, { force: true });
  process.exit(0);
}
const totals = {};
if (existsSync(file)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const { name, value } = JSON.parse(line);
    totals[name] = (totals[name] ?? 0) + value;
  }
}
const n = (name) => (totals[name] ?? 0).toLocaleString('en-US').replace(/,/g, ' ');
console.log(
  `security: ${n('routeRoleChecks')} route×role checks, ${n('massAssignmentChecks')} mass-assignment checks, ` +
    `${n('generatedInputs')} generated inputs, ${n('serverErrors')} 5xx, ${n('faultsSurvived')} faults survived`,
);
if ((totals.serverErrors ?? 0) > 0) process.exit(1);
