import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Named figures of one or more runs, e.g. `{ ingest_events_per_s: 123456 }`. */
export type BenchFigures = Record<string, number>;

/** `bench-results.json` at the repository root. */
export const defaultResultsPath = fileURLToPath(
  new URL('../../bench-results.json', import.meta.url),
);

/**
 * Merges figures into the results file (read-modify-write): keys of other
 * suites and runs are kept, the given keys are overwritten. Non-finite figures
 * (a measurement that failed) are left out rather than written as null.
 * Refuses to overwrite a file that is not a JSON object. Returns the merged object.
 */
export function mergeResults(path: string, figures: BenchFigures): Record<string, unknown> {
  let existing: Record<string, unknown> = {};
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    if (text.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new Error(
          `${path} is not valid JSON (${(error as Error).message}); fix or remove it`,
          { cause: error },
        );
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error(`${path} must hold a JSON object`);
      }
      existing = parsed as Record<string, unknown>;
    }
  }
  const merged: Record<string, unknown> = { ...existing };
  for (const [key, value] of Object.entries(figures)) {
    if (Number.isFinite(value)) merged[key] = value;
  }
  const sorted = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(sorted, null, 2)}\n`);
  renameSync(temporary, path);
  return sorted;
}
