// `npm run bench` runs every suite; `npm run bench -- <suite> [...]` only those.
// Figures are merged into bench-results.json at the repository root.
import { availableParallelism, cpus } from 'node:os';
import { decideSuite } from './decide.js';
import { flagsSuite } from './flags.js';
import { ingestSuite } from './ingest.js';
import { rulesSuite } from './rules.js';
import { segmentsSuite } from './segments.js';
import { Cleanup } from './lib/cleanup.js';
import { defaultResultsPath, mergeResults } from './lib/results.js';
import type { Suite, SuiteReport } from './lib/suite.js';
import { formatResultRows } from './lib/table.js';

const suites: readonly Suite[] = [ingestSuite, rulesSuite, segmentsSuite, decideSuite, flagsSuite];

/** BENCH_RESULTS redirects the figures, e.g. for a short trial run. */
const resultsPath = process.env.BENCH_RESULTS ?? defaultResultsPath;

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(names: readonly string[]): Promise<number> {
  const unknown = names.filter((name) => !suites.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    log(
      `unknown suite ${unknown.join(', ')}; available: ${suites.map((suite) => suite.name).join(', ')}`,
    );
    return 2;
  }
  const selected =
    names.length === 0 ? suites : suites.filter((suite) => names.includes(suite.name));
  const cleanup = new Cleanup();
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130); // second signal: the 'exit' handler kills what is left
    interrupted = true;
    log(`${signal}: stopping child processes`);
    void cleanup.releaseAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  process.on('exit', () => cleanup.releaseAllSync());

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    `Onramp benchmarks — node ${process.version}, ${availableParallelism()} × ${cpu}\n`,
  );
  let failed = false;
  for (const suite of selected) {
    log(`suite ${suite.name}: ${suite.description}`);
    const started = Date.now();
    let report: SuiteReport;
    try {
      report = await withTimeout(
        suite.run({ cleanup, log }),
        suite.timeoutMs,
        `suite ${suite.name}`,
      );
    } catch (error) {
      report = { figures: {}, rows: [], notes: [], errors: [(error as Error).message] };
    } finally {
      for (const failure of await cleanup.releaseAll()) log(`cleanup: ${failure.message}`);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    process.stdout.write(`\n## ${suite.name} (${seconds} s)\n\n${formatResultRows(report.rows)}\n`);
    for (const note of report.notes) process.stdout.write(`\n${note}\n`);
    for (const error of report.errors) process.stdout.write(`\nFAILED ${error}\n`);
    failed ||= report.errors.length > 0;
    if (Object.keys(report.figures).length > 0) {
      mergeResults(resultsPath, report.figures);
      log(`merged ${Object.keys(report.figures).join(', ')} into ${resultsPath}`);
    }
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
