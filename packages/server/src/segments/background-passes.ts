import type { Logger } from 'pino';
import type { ProfileState, ProfileStore } from '@onramp/core';

/** What a background pass is for. */
export type PassKind =
  /** A new or edited segment evaluated over existing profiles (deleted ones pruned). */
  | 'backfill'
  /** Profiles ranked by a new cohort's metric (the sketch fills; bands wait for the re-band). */
  | 'rank'
  /** Cohort bands re-assigned after the population moved. */
  | 'reband'
  /** A cohort sketch rebuilt from the values profiles hold (start, or too much churn). */
  | 'rebuild'
  /** Cluster labels written after a clustering run. */
  | 'label'
  /** A clustering run's training sample read. */
  | 'sample';

export interface PassProgress {
  id: number;
  workspaceId: string;
  kind: PassKind;
  reason: string;
  /** Config version it was queued under. */
  version: number;
  segments?: string[];
  cohorts?: string[];
  clustering?: string;
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  /** Profiles in the workspace when it started (an estimate: ingestion goes on). */
  total: number;
  scanned: number;
  changed: number;
  entered: number;
  exited: number;
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Profiles per second over the pass so far. */
  rate?: number;
  error?: string;
}

/** What one page of a pass did. */
export interface PageResult {
  changed?: number;
  entered?: number;
  exited?: number;
}

export interface PassSpec {
  workspaceId: string;
  kind: PassKind;
  reason: string;
  version: number;
  segments?: string[];
  cohorts?: string[];
  clustering?: string;
  /** Before the first page (e.g. start a sketch rebuild). */
  begin?: () => void | Promise<void>;
  /** One page of stored profiles, in ascending id order. */
  page: (profiles: ProfileState[]) => Promise<PageResult | void>;
  /** After the last page (not called when the pass fails or is cancelled). */
  end?: () => void | Promise<void>;
  /** When the pass fails or is cancelled. */
  abort?: () => void;
}

export interface BackgroundPassesOptions {
  store: Pick<ProfileStore, 'scanProfiles' | 'countProfiles'>;
  now: () => number;
  logger: Logger;
  /** Commits what is in memory, so the store holds every profile before a scan. */
  flush: () => Promise<void>;
  /** Called after each page (e.g. commit when many profiles wait). */
  afterPage?: () => Promise<void>;
  pageSize?: number;
  /** Finished passes remembered per workspace, for progress reports. */
  history?: number;
}

/**
 * Runs background passes over a workspace's stored profiles, one at a time per
 * workspace, page by page; each page is evaluated under the processor's lock, so
 * ingestion goes on between pages and is never paused. Progress is kept for the
 * admin API. A pass of the same kind and target queued again before it starts is
 * not repeated.
 */
export class BackgroundPasses {
  private nextId = 1;
  private readonly queues = new Map<string, { spec: PassSpec; progress: PassProgress }[]>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly finished = new Map<string, PassProgress[]>();
  private readonly current = new Map<string, { progress: PassProgress; cancelled: boolean }>();
  private stopped = false;

  constructor(private readonly options: BackgroundPassesOptions) {}

  /** Queues a pass; resolves with its progress record (live: it updates as the pass runs). */
  enqueue(spec: PassSpec): PassProgress {
    const queue = this.queueOf(spec.workspaceId);
    const key = passKey(spec);
    const same = queue.find((item) => passKey(item.spec) === key);
    if (same !== undefined) {
      same.spec = spec;
      return same.progress;
    }
    const progress: PassProgress = {
      id: this.nextId++,
      workspaceId: spec.workspaceId,
      kind: spec.kind,
      reason: spec.reason,
      version: spec.version,
      ...(spec.segments !== undefined && { segments: spec.segments }),
      ...(spec.cohorts !== undefined && { cohorts: spec.cohorts }),
      ...(spec.clustering !== undefined && { clustering: spec.clustering }),
      state: 'queued',
      total: 0,
      scanned: 0,
      changed: 0,
      entered: 0,
      exited: 0,
      queuedAt: this.options.now(),
    };
    queue.push({ spec, progress });
    this.drain(spec.workspaceId);
    return progress;
  }

  /** Running and queued passes first, then the recent finished ones, newest first. */
  list(workspaceId: string): PassProgress[] {
    const running = this.current.get(workspaceId)?.progress;
    return [
      ...(running === undefined ? [] : [running]),
      ...this.queueOf(workspaceId).map(({ progress }) => progress),
      ...(this.finished.get(workspaceId) ?? []),
    ];
  }

  /** Resolves when the workspace has no pass running or queued. */
  async idle(workspaceId: string): Promise<void> {
    while (this.running.has(workspaceId)) await this.running.get(workspaceId);
  }

  /** Stops after the current page; queued passes are dropped. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [workspaceId, entry] of this.current) {
      entry.cancelled = true;
      this.queueOf(workspaceId).length = 0;
    }
    await Promise.all([...this.running.values()]);
  }

  private drain(workspaceId: string): void {
    if (this.running.has(workspaceId) || this.stopped) return;
    const run = (async () => {
      for (;;) {
        const next = this.queueOf(workspaceId).shift();
        if (next === undefined || this.stopped) break;
        await this.execute(next.spec, next.progress);
      }
    })().finally(() => this.running.delete(workspaceId));
    this.running.set(workspaceId, run);
  }

  private async execute(spec: PassSpec, progress: PassProgress): Promise<void> {
    const entry = { progress, cancelled: false };
    this.current.set(spec.workspaceId, entry);
    const { store, now, logger } = this.options;
    const limit = this.options.pageSize ?? 500;
    progress.state = 'running';
    progress.startedAt = now();
    try {
      await this.options.flush();
      progress.total = await store.countProfiles(spec.workspaceId);
      await spec.begin?.();
      let after: string | undefined;
      for (;;) {
        if (entry.cancelled || this.stopped) break;
        const profiles = await store.scanProfiles(spec.workspaceId, {
          limit,
          ...(after === undefined ? {} : { after }),
        });
        if (profiles.length === 0) break;
        const result = (await spec.page(profiles)) ?? {};
        progress.scanned += profiles.length;
        progress.changed += result.changed ?? 0;
        progress.entered += result.entered ?? 0;
        progress.exited += result.exited ?? 0;
        const seconds = (now() - progress.startedAt) / 1000;
        if (seconds > 0) progress.rate = Math.round(progress.scanned / seconds);
        after = (profiles[profiles.length - 1] as ProfileState).id;
        await this.options.afterPage?.();
        await new Promise((resolve) => setImmediate(resolve));
        if (profiles.length < limit) break;
      }
      if (entry.cancelled || this.stopped) {
        progress.state = 'cancelled';
        spec.abort?.();
      } else {
        await spec.end?.();
        progress.state = 'done';
      }
    } catch (error) {
      progress.state = 'failed';
      progress.error = (error as Error).message;
      spec.abort?.();
      logger.error(
        { err: error, pass: progress.id, kind: progress.kind },
        'background pass failed',
      );
    } finally {
      progress.finishedAt = now();
      this.current.delete(spec.workspaceId);
      this.remember(progress);
    }
    if (progress.state === 'done') {
      logger.info(
        {
          workspace: spec.workspaceId,
          pass: progress.id,
          kind: progress.kind,
          scanned: progress.scanned,
          changed: progress.changed,
        },
        'background pass done',
      );
    }
  }

  private remember(progress: PassProgress): void {
    const list = this.finished.get(progress.workspaceId) ?? [];
    list.unshift(progress);
    list.length = Math.min(list.length, this.options.history ?? 50);
    this.finished.set(progress.workspaceId, list);
  }

  private queueOf(workspaceId: string): { spec: PassSpec; progress: PassProgress }[] {
    let queue = this.queues.get(workspaceId);
    if (queue === undefined) this.queues.set(workspaceId, (queue = []));
    return queue;
  }
}

function passKey(spec: PassSpec): string {
  return JSON.stringify([
    spec.kind,
    spec.segments ?? null,
    spec.cohorts ?? null,
    spec.clustering ?? null,
  ]);
}
