import type { Decision, OnrampClient } from '@onramp/sdk';

/**
 * Marks a flow step done: `Content Completed` with `flow` and `step`. With the decision
 * that showed the step (a checklist, a tour), its `track` goes along, so the content's
 * completion is counted too; without one, only the flow moves (docs/decide.md).
 */
export function sendStepCompleted(
  client: OnrampClient,
  flow: string,
  step: string,
  decision?: Decision,
): void {
  const track = decision?.track;
  if (track === undefined || decision === undefined) {
    client.track('Content Completed', { flow, step });
    return;
  }
  client.interaction('completed', { ...decision, track: { ...track, flow, step } });
}

/** Skips an optional step: `Flow Step Skipped` (the server ignores it for required steps). */
export function sendStepSkipped(client: OnrampClient, flow: string, step: string): void {
  client.track('Flow Step Skipped', { flow, step });
}
