import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import {
  Processor,
  audiencesForSweep,
  createManualClock,
  profileWrite,
  type CompiledRuleSet,
  type ProfileState,
  type ProfileStore,
  type ProfileWrite,
} from '@onramp/core';
import { BackgroundPasses } from '../../packages/server/src/segments/background-passes.js';
import { createSqliteEventLog } from '../../packages/server/src/storage/sqlite/sqlite-event-log.js';
import { createSqliteProfileStore } from '../../packages/server/src/storage/sqlite/sqlite-profile-store.js';
import { openTempDatabase } from '../../packages/server/src/storage/sqlite/temp-database.js';
import type { Cleanup } from './cleanup.js';
import { benchNow, generateProfiles } from './generated-profiles.js';
import { benchSegments, newBackfillSegment } from './segment-definitions.js';
import { benchWorkspace, compileSegmentSet } from './segment-processor.js';

export interface BackfillOptions {
  /** Profiles in the store. */
  profiles: number;
  /** Segments configured before the new one. */
  segments: number;
  /** Distinct generated profiles the stored ones are copies of. */
  templates: number;
  /** Profiles per commit while filling the store. */
  fillBatch: number;
}

export interface Backfill {
  profiles: number;
  /** Store filled (not part of the figure). */
  fillSeconds: number;
  seconds: number;
  profilesPerSecond: number;
  /** Profiles that entered the new segment (and were written back). */
  entered: number;
  changed: number;
  /** Database size after the back-fill, bytes per profile (WAL included). */
  databaseBytesPerProfile: number;
}

/**
 * Back-fill throughput of one new segment over a SQLite store as the server
 * opens it (a file database, WAL, durability full): the store is filled with
 * `profiles` generated profiles (copies of `templates` distinct ones built from
 * generated histories, each already evaluated against the `segments` configured
 * segments, so each holds its memberships and its `$segments` timer), committed
 * through the store in batches. Then a config version adds one segment and the
 * back-fill runs as the engine runs it: BackgroundPasses pages through
 * `scanProfiles`, the core Processor's `sweepAudiences` evaluates the new segment
 * on each page, a commit follows every 20 000 changed profiles and one at the
 * end, and the Segment Entered events go to the SQLite log. Timed: from the
 * pass being queued to the last commit.
 */
export async function measureBackfill(
  options: BackfillOptions,
  log: (message: string) => void,
  cleanup?: Cleanup,
): Promise<Backfill> {
  const temp = openTempDatabase('full');
  const release = cleanup?.add(
    async () => temp.dispose(),
    () => temp.dispose(),
  );
  try {
    const clock = createManualClock(benchNow);
    const store = createSqliteProfileStore({ db: temp.db, clock });
    const before = compileSegmentSet(benchSegments(options.segments), 1);
    const after = compileSegmentSet([...benchSegments(options.segments), newBackfillSegment()], 2);
    const fillStarted = performance.now();
    await fillStore(store, before, options, log);
    const fillSeconds = (performance.now() - fillStarted) / 1000;

    const eventLog = createSqliteEventLog({
      db: temp.db,
      partitions: 1,
      dedupWindowMs: 86_400_000,
      clock,
    });
    let nextId = 0;
    const processor = new Processor({
      log: eventLog,
      store,
      clock,
      planOf: () => after.profilePlan,
      rulesOf: () => after,
      newProfileId: () => `new-${nextId++}`,
      onEmit: (workspaceId, events) =>
        eventLog.append(events.map((event) => ({ workspaceId, event }))).then(() => undefined),
    });
    await processor.start();
    const segment = newBackfillSegment().id;
    let reported = 0;
    const passes = new BackgroundPasses({
      store,
      now: () => Date.now(),
      logger: pino({ level: 'silent' }),
      flush: () => processor.flush(),
      afterPage: async () => {
        if (processor.stats().dirty >= 20_000) await processor.flush();
      },
    });
    log(
      `segments: back-filling "${segment}" over ${options.profiles.toLocaleString('en-US')} profiles`,
    );
    const started = performance.now();
    const progress = passes.enqueue({
      workspaceId: benchWorkspace,
      kind: 'backfill',
      reason: 'bench',
      version: after.version,
      segments: [segment],
      page: async (profiles) => {
        const result = await processor.sweepAudiences(
          benchWorkspace,
          profiles,
          { segments: new Set([segment]) },
          `backfill@${clock.now()}`,
        );
        if (progress.scanned + profiles.length - reported >= 200_000) {
          reported = progress.scanned + profiles.length;
          log(`segments: back-fill at ${reported.toLocaleString('en-US')} profiles`);
        }
        return result;
      },
    });
    await passes.idle(benchWorkspace);
    await processor.flush();
    const seconds = (performance.now() - started) / 1000;
    if (progress.state !== 'done') {
      throw new Error(`back-fill ${progress.state}: ${progress.error ?? 'no error given'}`);
    }
    if (progress.scanned !== options.profiles) {
      throw new Error(`back-fill scanned ${progress.scanned} of ${options.profiles} profiles`);
    }
    const pages = temp.db.pragma('page_count', { simple: true }) as number;
    const pageSize = temp.db.pragma('page_size', { simple: true }) as number;
    return {
      profiles: progress.scanned,
      fillSeconds,
      seconds,
      profilesPerSecond: progress.scanned / seconds,
      entered: progress.entered,
      changed: progress.changed,
      databaseBytesPerProfile: (pages * pageSize) / progress.scanned,
    };
  } finally {
    if (release === undefined) temp.dispose();
    else await release();
  }
}

/** Copies of the evaluated templates under their own ids, committed in batches. */
async function fillStore(
  store: ProfileStore,
  rules: CompiledRuleSet,
  options: BackfillOptions,
  log: (message: string) => void,
): Promise<void> {
  const templates = generateProfiles(
    Math.min(options.templates, options.profiles),
    rules.profilePlan,
    13,
  );
  for (const template of templates) {
    audiencesForSweep(rules.audiences, template, {}, { now: benchNow, memo: rules.memo });
  }
  const width = String(options.profiles).length;
  let reported = 0;
  for (let start = 0; start < options.profiles; start += options.fillBatch) {
    const end = Math.min(options.profiles, start + options.fillBatch);
    const profiles: ProfileWrite[] = [];
    for (let index = start; index < end; index++) {
      const template = templates[index % templates.length] as ProfileState;
      const state: ProfileState = {
        ...template,
        id: `p${String(index).padStart(width, '0')}`,
        anonymousIds: [`anon-${index}`],
        ...(template.userId === undefined ? {} : { userId: `user-${index}` }),
      };
      profiles.push(profileWrite(benchWorkspace, state));
    }
    await store.commit({ profiles, identities: [], deletedProfiles: [], checkpoints: new Map() });
    if (end - reported >= 200_000 || end === options.profiles) {
      reported = end;
      log(`segments: store filled with ${end.toLocaleString('en-US')} profiles`);
    }
  }
}
