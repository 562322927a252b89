import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where the security suites leave their counts (test-artifacts/ is git-ignored); read by summary.js. */
export const FIGURES_FILE = join(__dirname, '..', '..', 'test-artifacts', 'security-figures.jsonl');

/** The figures `npm run test:security` sums up and prints at the end. */
export type SecurityFigure = 'routeRoleChecks' | 'massAssignmentChecks' | 'generatedInputs' | 'serverErrors' | 'faultsSurvived' | (string & {});

/**
 * Adds `value` to the figure `name` for this run. One appended line per call: jest runs suites in
 * parallel workers, and appending a short line is atomic where rewriting a shared JSON file is not.
 */
export function recordSecurityFigure(name: SecurityFigure, value: number): void {
  mkdirSync(join(FIGURES_FILE, '..'), { recursive: true });
  appendFileSync(FIGURES_FILE, `${JSON.stringify({ name, value, at: new Date().toISOString(), suite: process.env.JEST_WORKER_ID ?? '0' })}\n`);
}
