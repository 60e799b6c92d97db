import type { Logger } from 'pino';
import {
  RuleVersionConflictError,
  dryRunRules,
  profileFromDocument,
  RuleSimulation,
  type Clock,
  type CompiledRuleSet,
  type EventLog,
  type OnrampEvent,
  type ProfileState,
  type ProfileStore,
  type RuleConfigStore,
  type RuleConfigVersion,
} from '@onramp/core';
import type { EngineMetrics } from '../observability/metrics.js';
import { compileRules, emptyRuleConfig } from './compile-config-version.js';
import {
  RuleRequestError,
  parseEvent,
  parseProfileDocument,
  readWorkspaceEvents,
  withIdentity,
} from './rule-requests.js';

import type {
  EngineRules,
  ProfileLookup,
  RulesDraft,
  SimulatedRule,
  WorkspaceRuntime,
} from './engine.js';

export { RuleRequestError };
export {
  compileRules,
  defaultRuleSettings,
  emptyRuleConfig,
  type CompiledRuleConfig,
  type RuleConfigInput,
} from './compile-config-version.js';

export interface EngineRulesDeps {
  runtimeOf(workspaceId: string): WorkspaceRuntime | undefined;
  /** Swaps a workspace's runtime: the next event is processed under the new one. */
  replaceRuntime(runtime: WorkspaceRuntime): void;
  store: RuleConfigStore;
  profileStore: ProfileStore;
  eventLog: EventLog;
  clock: Clock;
  logger: Logger;
  metrics: EngineMetrics;
  findProfile(workspaceId: string, lookup: ProfileLookup): Promise<ProfileState | undefined>;
  flush(): Promise<void>;
}

/** The engine's rules API: versions, publishing, firings, dry run and simulation. */
export function createEngineRules(deps: EngineRulesDeps): EngineRules {
  const publishing = new Map<string, Promise<unknown>>();

  const runtime = (workspaceId: string): WorkspaceRuntime => {
    const found = deps.runtimeOf(workspaceId);
    if (found === undefined) throw new Error(`unknown workspace ${workspaceId}`);
    return found;
  };

  async function publishNow(workspaceId: string, draft: RulesDraft): Promise<RuleConfigVersion> {
    const current = runtime(workspaceId);
    const latest = (await deps.store.latest(workspaceId))?.version ?? 0;
    if (draft.baseVersion !== undefined && draft.baseVersion !== latest) {
      throw new RuleVersionConflictError(draft.baseVersion, latest);
    }
    const version = latest + 1;
    const base = current.ruleConfig;
    const compiled = compileRules(
      {
        rules: draft.rules ?? base.rules,
        settings: draft.settings ?? base.settings,
        segments: draft.segments ?? base.segments,
        cohorts: draft.cohorts ?? base.cohorts,
        clusterings: draft.clusterings ?? base.clusterings,
        content: draft.content ?? base.content,
        placements: draft.placements ?? base.placements,
        flows: draft.flows ?? base.flows,
        contentSettings: draft.contentSettings ?? base.contentSettings,
        flags: draft.flags ?? base.flags,
        experiments: draft.experiments ?? base.experiments,
      },
      current.settings.profiles,
      version,
    );
    const record: RuleConfigVersion = {
      workspaceId,
      version,
      rules: compiled.rules,
      settings: compiled.settings,
      segments: compiled.segments,
      cohorts: compiled.cohorts,
      clusterings: compiled.clusterings,
      content: compiled.content,
      placements: compiled.placements,
      flows: compiled.flows,
      contentSettings: compiled.contentSettings,
      flags: compiled.flags,
      experiments: compiled.experiments,
      createdAt: deps.clock.now(),
      source: draft.source,
      ...(draft.fileDigest === undefined ? {} : { fileDigest: draft.fileDigest }),
      ...(draft.note === undefined ? {} : { note: draft.note }),
    };
    await deps.store.append(record);
    // One assignment: events already applied saw the old version, every later one sees this.
    deps.replaceRuntime({
      ...runtime(workspaceId),
      ruleConfig: record,
      rules: compiled.set,
      profilePlan: compiled.set.profilePlan,
    });
    deps.metrics.rulePublishes.inc({ source: draft.source });
    deps.logger.info(
      { workspace: workspaceId, version, rules: record.rules.length, source: draft.source },
      'rules published',
    );
    return record;
  }

  const draftSet = (workspaceId: string, rules: unknown[], settings: unknown): CompiledRuleSet => {
    const current = runtime(workspaceId);
    const base = current.ruleConfig;
    return compileRules(
      { ...base, rules, settings: settings ?? base.settings },
      current.settings.profiles,
      0,
    ).set;
  };

  return {
    current: (workspaceId) => runtime(workspaceId).ruleConfig,

    publish(workspaceId, draft) {
      // One publish at a time per workspace, so versions are dense and checks see the latest.
      const previous = publishing.get(workspaceId) ?? Promise.resolve();
      const next = previous.then(
        () => publishNow(workspaceId, draft),
        () => publishNow(workspaceId, draft),
      );
      publishing.set(
        workspaceId,
        next.catch(() => undefined),
      );
      return next;
    },

    versions: (workspaceId, options) => deps.store.list(workspaceId, options),

    version: (workspaceId, version) =>
      version === 0
        ? Promise.resolve(deps.runtimeOf(workspaceId) && emptyRuleConfig(workspaceId))
        : deps.store.get(workspaceId, version),

    async firings(workspaceId, lookup, options) {
      await deps.flush();
      const profile = await deps.findProfile(workspaceId, lookup);
      if (profile === undefined) return undefined;
      return deps.profileStore.listFirings(workspaceId, profile.id, options);
    },

    async dryRun(workspaceId, request) {
      const current = runtime(workspaceId);
      const set =
        request.rules === undefined
          ? current.rules
          : draftSet(workspaceId, request.rules, request.settings);
      const now = request.now ?? deps.clock.now();
      // The event is the profile's own: it needs no identity of its own.
      const identity =
        'userId' in request.profile
          ? { userId: request.profile.userId }
          : 'anonymousId' in request.profile
            ? { anonymousId: request.profile.anonymousId }
            : { anonymousId: 'dry-run' };
      const event =
        request.event === undefined
          ? undefined
          : parseEvent(withIdentity(request.event, identity), 'event', now, current.settings);
      let profile: ProfileState | undefined;
      if ('document' in request.profile) {
        profile = profileFromDocument(
          parseProfileDocument(request.profile.document, now, current.settings),
          set,
          now,
        );
      } else {
        profile = await deps.findProfile(workspaceId, request.profile);
        if (profile === undefined) {
          throw new RuleRequestError([{ field: 'profile', message: 'no such profile' }]);
        }
      }
      return {
        version: request.rules === undefined ? current.ruleConfig.version : 0,
        ...('document' in request.profile ? {} : { profileId: profile.id }),
        rules: dryRunRules(set, profile, event, now),
      };
    },

    async simulate(workspaceId, request) {
      const current = runtime(workspaceId);
      // The future has no events: timers would fire on idle profiles up to `to` for nothing.
      const to = Math.min(request.to, deps.clock.now() + 1);
      if (!(request.from < to)) {
        throw new RuleRequestError([
          { field: 'to', message: 'must be after from, and from must not be in the future' },
        ]);
      }
      const draft = draftSet(workspaceId, request.rules, request.settings);
      const maxEvents = request.maxEvents ?? 1_000_000;
      const { events, truncated } = await readWorkspaceEvents(
        deps.eventLog,
        workspaceId,
        to,
        maxEvents,
      );
      const options = { from: request.from, to, sample: request.sample ?? 5 };
      // Both versions in one pass, yielding between chunks so the engine keeps serving.
      const draftRun = new RuleSimulation(draft, options);
      const liveRun = new RuleSimulation(current.rules, options);
      for (let index = 0; index < events.length; index++) {
        const event = events[index] as OnrampEvent;
        draftRun.replay(event);
        liveRun.replay(event);
        if (index % 2000 === 1999) await new Promise((resolve) => setImmediate(resolve));
      }
      const drafted = draftRun.finish();
      const live = liveRun.finish();
      const present = (rules: typeof drafted.rules): SimulatedRule[] =>
        rules.map(({ ruleId, firings, profiles, sample }) => ({
          ruleId,
          firings,
          profiles,
          sample,
        }));
      const ids = new Set([...drafted.rules, ...live.rules].map((rule) => rule.ruleId));
      // Every rule of either version, so a rule that would fire in neither shows as 0 → 0.
      for (const rule of [...draft.definitions, ...current.rules.definitions]) ids.add(rule.id);
      const firingsOf = (rules: typeof drafted.rules, id: string) =>
        rules.find((rule) => rule.ruleId === id)?.firings ?? 0;
      return {
        events: drafted.events,
        profiles: drafted.profiles,
        truncated,
        draft: present(drafted.rules),
        live: present(live.rules),
        liveVersion: current.ruleConfig.version,
        diff: [...ids]
          .map((ruleId) => {
            const draftCount = firingsOf(drafted.rules, ruleId);
            const liveCount = firingsOf(live.rules, ruleId);
            return { ruleId, draft: draftCount, live: liveCount, delta: draftCount - liveCount };
          })
          .sort(
            (a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.ruleId.localeCompare(b.ruleId),
          ),
      };
    },
  };
}
