import { checkPage } from '../paging/check-page.js';
import type { ClusterRun, ClusterRunStore } from './clustering.js';

/**
 * Runs of clustering jobs in memory: real code for tests and simulations. Runs
 * are copied in and out; an append whose run number is not above the job's
 * latest fails (see checkRunNumber) and changes nothing.
 */
export function createMemoryClusterRunStore(): ClusterRunStore {
  /** Per workspace and clustering (`workspace\0clustering`), its runs ascending by run number. */
  const histories = new Map<string, ClusterRun[]>();
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error('cluster run store is closed');
  }

  function history(workspaceId: string, clusteringId: string): ClusterRun[] {
    return histories.get(`${workspaceId}\u0000${clusteringId}`) ?? [];
  }

  return {
    async append(run) {
      assertOpen();
      const key = `${run.workspaceId}\u0000${run.clusteringId}`;
      const runs = histories.get(key) ?? [];
      checkRunNumber(run, runs.at(-1)?.run ?? 0);
      const stored = copyRun(run) as ClusterRun;
      if (runs.length === 0) histories.set(key, [stored]);
      else runs.push(stored);
    },
    async latest(workspaceId, clusteringId) {
      assertOpen();
      return copyRun(history(workspaceId, clusteringId).at(-1));
    },
    async latestModel(workspaceId, clusteringId) {
      assertOpen();
      return copyRun(history(workspaceId, clusteringId).findLast(hasModel));
    },
    async get(workspaceId, clusteringId, run) {
      assertOpen();
      return copyRun(history(workspaceId, clusteringId).find((entry) => entry.run === run));
    },
    async list(workspaceId, clusteringId, { before, limit }) {
      assertOpen();
      checkPage(limit, before);
      const runs = history(workspaceId, clusteringId);
      const older = before === undefined ? runs : runs.filter((entry) => entry.run < before);
      return older
        .slice(Math.max(0, older.length - limit))
        .reverse()
        .map((entry) => copyRun(entry) as ClusterRun);
    },
    async close() {
      closed = true;
    },
  };
}

/** A successful run with a model: what the processor assigns with. */
function hasModel(run: ClusterRun): boolean {
  return run.status === 'done' && run.model !== undefined;
}

/**
 * Run numbers are positive integers, ascending per clustering: an append must be
 * above the latest run (two runs started at once cannot both be stored as the same run).
 */
function checkRunNumber(run: ClusterRun, latest: number): void {
  if (!Number.isSafeInteger(run.run) || run.run < 1) {
    throw new RangeError(`invalid run number ${run.run} of clustering ${run.clusteringId}`);
  }
  if (run.run <= latest) {
    throw new Error(
      `run ${run.run} of clustering ${run.clusteringId} is not after the latest run (${latest})`,
    );
  }
}

/** A deep copy; absent optional fields stay absent, as they read back from every store. */
function copyRun(run: ClusterRun | undefined): ClusterRun | undefined {
  if (!run) return undefined;
  const { error, model, ...rest } = run;
  return {
    ...structuredClone(rest),
    ...(error !== undefined && { error }),
    ...(model !== undefined && { model: structuredClone(model) }),
  };
}
