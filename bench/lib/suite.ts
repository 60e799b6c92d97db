import type { Cleanup } from './cleanup.js';
import type { BenchFigures } from './results.js';
import type { ResultRow } from './table.js';

export interface SuiteContext {
  cleanup: Cleanup;
  /** Progress lines, to stderr so that stdout keeps the report. */
  log: (message: string) => void;
}

export interface SuiteReport {
  /** Merged into bench-results.json. */
  figures: BenchFigures;
  rows: ResultRow[];
  notes: string[];
  /** Measurements that could not be made; the run exits non-zero. */
  errors: string[];
}

export interface Suite {
  name: string;
  description: string;
  /** The run is abandoned (and its resources released) after this long. */
  timeoutMs: number;
  run(context: SuiteContext): Promise<SuiteReport>;
}
