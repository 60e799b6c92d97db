import type { RuleConfigStore, RuleConfigVersion } from './rule-config-store.js';
import { checkPage } from '../paging/check-page.js';
import { RuleVersionConflictError } from './rule-config-store.js';

/**
 * Each workspace's rule config history in memory: real code for tests and
 * simulations. Versions are copied in and out; an append that is not latest + 1
 * fails with RuleVersionConflictError and changes nothing.
 */
export function createMemoryRuleConfigStore(): RuleConfigStore {
  /** Per workspace, its versions in order (index = version - 1). */
  const histories = new Map<string, RuleConfigVersion[]>();
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error('rule config store is closed');
  }

  return {
    async latest(workspaceId) {
      assertOpen();
      return copyVersion(histories.get(workspaceId)?.at(-1));
    },
    async get(workspaceId, version) {
      assertOpen();
      const history = histories.get(workspaceId) ?? [];
      return copyVersion(history.find((entry) => entry.version === version));
    },
    async list(workspaceId, { before, limit }) {
      assertOpen();
      checkPage(limit, before);
      const history = histories.get(workspaceId) ?? [];
      const older =
        before === undefined ? history : history.filter((entry) => entry.version < before);
      return older
        .slice(Math.max(0, older.length - limit))
        .reverse()
        .map((entry) => copyVersion(entry) as RuleConfigVersion);
    },
    async append(version) {
      assertOpen();
      const history = histories.get(version.workspaceId) ?? [];
      const current = history.length;
      if (version.version !== current + 1) {
        throw new RuleVersionConflictError(version.version - 1, current);
      }
      const stored = copyVersion(version) as RuleConfigVersion;
      if (current === 0) histories.set(version.workspaceId, [stored]);
      else history.push(stored);
    },
    async close() {
      closed = true;
    },
  };
}

/** A deep copy with only the fields the port defines (absent optional fields stay absent). */
function copyVersion(version: RuleConfigVersion | undefined): RuleConfigVersion | undefined {
  if (!version) return undefined;
  const { workspaceId, rules, settings, createdAt, source, fileDigest, note } = version;
  return {
    workspaceId,
    version: version.version,
    rules: structuredClone(rules),
    settings: structuredClone(settings),
    // As every store: versions without segments read as having none.
    segments: structuredClone(version.segments ?? []),
    cohorts: structuredClone(version.cohorts ?? []),
    clusterings: structuredClone(version.clusterings ?? []),
    // Likewise content, placements and flows; absent content settings stay absent (defaults).
    content: structuredClone(version.content ?? []),
    placements: structuredClone(version.placements ?? []),
    flows: structuredClone(version.flows ?? []),
    ...(version.contentSettings !== undefined && {
      contentSettings: structuredClone(version.contentSettings),
    }),
    // Absent flags stay absent (none).
    ...(version.flags !== undefined && { flags: structuredClone(version.flags) }),
    ...(version.experiments !== undefined && {
      experiments: structuredClone(version.experiments),
    }),
    createdAt,
    source,
    ...(fileDigest !== undefined && { fileDigest }),
    ...(note !== undefined && { note }),
  };
}
