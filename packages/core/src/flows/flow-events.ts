/**
 * The events flow progress puts in the log: `Flow Started`, `Flow Step
 * Completed`, `Flow Step Skipped`, `Flow Step Dismissed` and `Flow Completed`,
 * track events of the profile's identity, so rules, funnels and webhooks see
 * them like any other. A reached step is counted, not logged. Their messageIds
 * are deterministic (the change and its cause), so a replay after a crash
 * appends nothing new.
 *
 * `Flow Step Skipped` is also the interaction event an app sends to skip a step
 * (properties `flow`, `step`); the engine's carries `flow_id` and `step_id` and
 * `context.onramp.flow`, so it is not taken for a new request.
 */
import { FLOW_STEP_SKIPPED } from '../decide/interactions.js';
import type { OnrampEvent } from '../events/event.js';
import type { JsonObject } from '../json/json.js';
import type { ProfileState } from '../profiles/profile.js';
import type { FlowChange } from './flow.js';

export const FLOW_STARTED = 'Flow Started';
export const FLOW_STEP_COMPLETED = 'Flow Step Completed';
export const FLOW_STEP_DISMISSED = 'Flow Step Dismissed';
export const FLOW_COMPLETED = 'Flow Completed';

/**
 * One event per change but reached steps. `cause` names what caused them, unique
 * for the profile: the triggering event's messageId, `timer:<due>`, `<id>:rules`.
 * `depth` is the triggering event's emit depth (0 for an ingested event).
 */
export function flowEvents(
  profile: ProfileState,
  changes: readonly FlowChange[],
  cause: string,
  now: number,
  depth: number,
): OnrampEvent[] {
  const identity: Pick<OnrampEvent, 'userId' | 'anonymousId'> =
    profile.userId !== undefined
      ? { userId: profile.userId }
      : { anonymousId: profile.anonymousIds[0] ?? profile.id };
  const events: OnrampEvent[] = [];
  for (const change of changes) {
    const logged = loggedChange(change);
    if (logged === undefined) continue;
    const step = 'step' in change ? `:${change.step}` : '';
    events.push({
      type: 'track',
      messageId: `flow:${change.flow}:${change.type}${step}:${profile.id}:${cause}`,
      ...identity,
      event: logged.event,
      properties: logged.properties,
      context: { onramp: { flow: change.flow, depth: depth + 1 } },
      timestamp: now,
      receivedAt: now,
    });
  }
  return events;
}

function loggedChange(change: FlowChange): { event: string; properties: JsonObject } | undefined {
  switch (change.type) {
    case 'started':
      return {
        event: FLOW_STARTED,
        properties:
          change.variant === undefined
            ? { flow_id: change.flow }
            : { flow_id: change.flow, variant: change.variant },
      };
    case 'step-completed':
      return {
        event: FLOW_STEP_COMPLETED,
        properties: { flow_id: change.flow, step_id: change.step, by: change.by },
      };
    case 'step-skipped':
      return {
        event: FLOW_STEP_SKIPPED,
        properties: { flow_id: change.flow, step_id: change.step },
      };
    case 'step-dismissed':
      return {
        event: FLOW_STEP_DISMISSED,
        properties: { flow_id: change.flow, step_id: change.step },
      };
    case 'completed':
      return {
        event: FLOW_COMPLETED,
        properties: { flow_id: change.flow, duration_ms: change.durationMs },
      };
    case 'step-reached':
      return undefined;
  }
}
