import { summarizeProfile, type Clock, type ProfileChange, type ProfileState } from '@onramp/core';
import type { EngineDecideHost } from '../decide/engine-decide.js';
import type { EngineMetrics } from '../observability/metrics.js';
import type { PushHub } from '../realtime/push-hub.js';
import type { WorkspaceRuntime } from './engine.js';

export interface ChangePublisherOptions {
  runtimeOf: (workspaceId: string) => WorkspaceRuntime | undefined;
  push: PushHub;
  decisions: EngineDecideHost;
  metrics: EngineMetrics;
  clock: Clock;
}

/**
 * What the engine does with the profiles a processor pass changed: counts their
 * segment, flow and interaction changes, pushes profile summaries to open profile
 * streams, and signals the decision push, once per workspace.
 */
export function createChangePublisher(
  options: ChangePublisherOptions,
): (changes: ProfileChange[]) => void {
  const { runtimeOf, push, decisions, metrics, clock } = options;

  /** Flow steps and interactions as metrics; content ids outside the config count as "(unknown)". */
  function countProgress(change: ProfileChange): void {
    for (const flow of change.flows ?? []) {
      if (flow.type === 'started') continue;
      if (flow.type === 'completed') metrics.flowsCompleted.inc({ flow: flow.flow });
      else metrics.flowSteps.inc({ flow: flow.flow, step: flow.step, event: flow.type.slice(5) });
    }
    const content = runtimeOf(change.workspaceId)?.rules.decide.content;
    for (const interaction of change.interactions ?? []) {
      metrics.contentInteractions.inc({
        content: content?.has(interaction.content) === true ? interaction.content : '(unknown)',
        interaction: interaction.kind,
      });
    }
  }

  return (changes) => {
    const now = clock.now();
    let byWorkspace: Map<string, { profile: ProfileState; causedAt: number }[]> | undefined;
    for (const change of changes) {
      for (const { segment, on } of change.memberships ?? []) {
        metrics.segmentChanges.inc({ segment, on });
      }
      if (change.flows !== undefined || change.interactions !== undefined) countProgress(change);
      let changed = (byWorkspace ??= new Map()).get(change.workspaceId);
      if (changed === undefined) byWorkspace.set(change.workspaceId, (changed = []));
      changed.push({ profile: change.profile, causedAt: change.causedAt });
      const userId = change.profile.userId;
      if (userId === undefined || !push.wants(change.workspaceId, userId)) continue;
      const runtime = runtimeOf(change.workspaceId);
      if (runtime === undefined) continue;
      push.publish(change.workspaceId, userId, {
        id: change.profile.version,
        type: 'profile',
        data: summarizeProfile(change.profile, runtime.profilePlan, now),
        causedAt: change.causedAt,
        ...(change.memberships === undefined ? {} : { changes: change.memberships }),
      });
    }
    for (const [workspaceId, changed] of byWorkspace ?? []) {
      decisions.signal({ type: 'profiles', workspaceId, changes: changed });
    }
  };
}
