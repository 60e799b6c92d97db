/**
 * The decision push: open connections subscribe to the decisions of one profile,
 * and the hub sends each one what changed when an event, a timer or a config
 * change alters it, and only then (docs/realtime.md#decision-stream).
 *
 * Resumption: every update has the id `<config version>.<profile version>.<digest>`,
 * the digest being the first 12 hex digits of the SHA-1 of the subscription's
 * presented decisions (and flows). A subscription opened with the id of an update
 * whose digest equals its current state's sends nothing at first; with any other
 * id, or none, it sends the full state. After that, only changes.
 */
import type { Clock, ProfileState } from '@onramp/core';
import type { FastifyBaseLogger } from 'fastify';
import type { Engine, WorkspaceRuntime } from '../engine/engine.js';
import type { EngineMetrics } from '../observability/metrics.js';
import {
  DecideRequestError,
  type DecideAnswer,
  type DecisionSignal,
  type ValidDecideCall,
} from '../decide/decide-contract.js';
import { presentAnswer } from '../decide/present-decision.js';
import {
  decisionStateOf,
  decisionUpdateId,
  diffDecisionStates,
  digestOfUpdateId,
  type DecisionState,
  type DecisionUpdate,
} from './decision-update.js';

export type DecisionTransport = 'sse' | 'websocket';

/** Why the hub ended a subscription. */
export type DecisionEndReason = 'identified' | 'unfit' | 'failed' | 'closing';

/** What each end reason tells the client (a WebSocket close reason: at most 123 bytes). */
export const decisionEndMessages: Readonly<Record<DecisionEndReason, string>> = {
  identified: 'This visitor has signed up: subscribe with their userId and user token.',
  unfit: 'The subscription no longer fits the config: subscribe again.',
  failed: 'Deciding failed: subscribe again.',
  closing: 'The server is closing.',
};

export interface DecisionHubOptions {
  engine: Pick<Engine, 'decisions' | 'workspaceById'>;
  clock: Clock;
  metrics: Pick<
    EngineMetrics,
    'decideRequests' | 'decisionConnections' | 'decisionPushes' | 'eventToDecisionPush'
  >;
  logger: Pick<FastifyBaseLogger, 'warn' | 'error'>;
}

export interface DecisionSubscriptionOptions {
  workspaceId: string;
  /** Checked against the workspace's config (EngineDecide.validate); names the profile. */
  call: ValidDecideCall;
  /** The client asked for every placement: a config change brings the new ones too. */
  allPlacements: boolean;
  transport: DecisionTransport;
  /** The Last-Event-ID the client resumes from, if any. */
  lastEventId?: string;
  /** A browser naming only an anonymousId: the subscription ends once the profile has a userId. */
  anonymousOnly?: boolean;
  /** Writes an update to the connection (coalescing while the socket is full). */
  send(update: DecisionUpdate): void;
  /** The hub ended the subscription (profile identified, lookup failed, closing): close. */
  end(reason: DecisionEndReason): void;
}

export interface DecisionSubscription {
  /** Stops the updates (the connection closed). */
  close(): void;
  /** Replaces the call (already validated) and sends the full state decided under it. */
  update(call: ValidDecideCall, allPlacements: boolean): void;
}

export interface DecisionHub {
  /** Subscribes, then decides at once: the full state, or nothing when resumed up to date. */
  open(options: DecisionSubscriptionOptions): DecisionSubscription;
  /** Open subscriptions. */
  size(): number;
  /** Ends every subscription and stops listening to the engine. */
  close(): void;
}

/** Work a subscription still owes its client: coalesced, so at most one waits. */
interface Job {
  full: boolean;
  /** When the earliest event behind it was received. */
  causedAt?: number;
  resumeDigest?: string;
}

interface Subscription {
  options: DecisionSubscriptionOptions;
  call: ValidDecideCall;
  allPlacements: boolean;
  keys: string[];
  state: DecisionState | undefined;
  validUntil: number | undefined;
  /** An async decide (profile lookup) is under way; later work waits in `pending`. */
  running: boolean;
  pending: Job | undefined;
  closed: boolean;
}

export function createDecisionHub(options: DecisionHubOptions): DecisionHub {
  const { engine, clock, metrics, logger } = options;
  /** `<workspace>\0u\0<userId>`, `<workspace>\0a\0<anonymousId>` and `<workspace>` → subscriptions. */
  const index = new Map<string, Set<Subscription>>();
  const timed = new Set<Subscription>();
  const all = new Set<Subscription>();
  const counts: Record<DecisionTransport, number> = { sse: 0, websocket: 0 };

  // Keys as onSignal builds them too, inline.
  const lookupKey = (workspaceId: string, lookup: ValidDecideCall['lookup']): string =>
    'userId' in lookup
      ? `${workspaceId}\0u\0${lookup.userId}`
      : `${workspaceId}\0a\0${lookup.anonymousId}`;

  function schedule(subscription: Subscription, job: Job): void {
    if (subscription.closed) return;
    if (subscription.running) subscription.pending = mergeJobs(subscription.pending, job);
    else void run(subscription, job);
  }

  /** Looks the profile up, then decides; jobs of one subscription run one after another. */
  async function run(subscription: Subscription, first: Job): Promise<void> {
    subscription.running = true;
    let job: Job | undefined = first;
    try {
      while (job !== undefined && !subscription.closed) {
        const profile = await engine.decisions.findProfile(
          subscription.options.workspaceId,
          subscription.call.lookup,
        );
        apply(subscription, profile, job);
        job = subscription.pending;
        subscription.pending = undefined;
      }
    } catch (error) {
      logger.error({ err: error }, 'decision push failed; ending the subscription');
      end(subscription, 'failed');
    } finally {
      subscription.running = false;
    }
  }

  /** Decides for the profile at hand and sends what the client lacks. */
  function apply(subscription: Subscription, profile: ProfileState | undefined, job: Job): void {
    if (subscription.closed) return;
    const { options: opened } = subscription;
    if (opened.anonymousOnly === true && profile?.userId !== undefined) {
      return end(subscription, 'identified');
    }
    const runtime = engine.workspaceById(opened.workspaceId);
    if (runtime === undefined) return end(subscription, 'unfit');
    if (subscription.call.version !== runtime.rules.version) {
      const call = revalidate(runtime, subscription);
      if (call === undefined) return end(subscription, 'unfit');
      subscription.call = call;
    }
    const answer = engine.decisions.decideFor(runtime, profile, subscription.call);
    metrics.decideRequests.inc({ surface: 'push' });
    track(subscription, answer);
    const previous = subscription.state;
    const next = decisionStateOf(presentAnswer(answer), subscription.call.flows, previous);
    subscription.state = next;
    if (job.resumeDigest === next.digest) return;
    const changes = diffDecisionStates(previous, next, job.full);
    if (changes === undefined) return;
    opened.send({
      id: decisionUpdateId(answer.version, answer.profileVersion, next.digest),
      full: job.full || previous === undefined,
      version: answer.version,
      profileVersion: answer.profileVersion,
      ...changes,
    });
    metrics.decisionPushes.inc({ transport: opened.transport });
    if (job.causedAt !== undefined) {
      metrics.eventToDecisionPush.observe(Math.max(0, clock.now() - job.causedAt) / 1000);
    }
  }

  /** Re-checks the call against a new config: placements and flags it no longer has are dropped. */
  function revalidate(
    runtime: WorkspaceRuntime,
    subscription: Subscription,
  ): ValidDecideCall | undefined {
    const { call } = subscription;
    let placements = subscription.allPlacements ? undefined : [...call.placements];
    let flags = call.flags;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (placements !== undefined && placements.length === 0 && flags === undefined) {
        return { ...call, placements: [], version: runtime.rules.version };
      }
      try {
        return engine.decisions.validate(runtime, {
          lookup: call.lookup,
          ...(placements === undefined ? {} : { placements }),
          context: call.context,
          ...(call.locale === undefined ? {} : { locale: call.locale }),
          flows: call.flows,
          ...(flags === undefined ? {} : { flags }),
          ...(call.consent === undefined ? {} : { consent: call.consent }),
        });
      } catch (error) {
        if (!(error instanceof DecideRequestError)) throw error;
        const dropped = droppedItems(error);
        if (dropped.placements.size === 0 && dropped.flags.size === 0) return undefined;
        if (dropped.placements.size > 0) {
          if (placements === undefined) return undefined;
          placements = placements.filter((_, i) => !dropped.placements.has(i));
        }
        if (dropped.flags.size > 0 && Array.isArray(flags)) {
          flags = flags.filter((_, i) => !dropped.flags.has(i));
        }
      }
    }
    return undefined;
  }

  function track(subscription: Subscription, answer: DecideAnswer): void {
    subscription.validUntil =
      answer.validUntil !== undefined && Number.isFinite(answer.validUntil)
        ? answer.validUntil
        : undefined;
    if (subscription.validUntil === undefined) timed.delete(subscription);
    else timed.add(subscription);
  }

  function close(subscription: Subscription): void {
    if (subscription.closed) return;
    subscription.closed = true;
    subscription.pending = undefined;
    all.delete(subscription);
    timed.delete(subscription);
    for (const key of subscription.keys) {
      const set = index.get(key);
      set?.delete(subscription);
      if (set?.size === 0) index.delete(key);
    }
    const { transport } = subscription.options;
    counts[transport]--;
    metrics.decisionConnections.set({ transport }, counts[transport]);
  }

  function end(subscription: Subscription, reason: DecisionEndReason): void {
    if (subscription.closed) return;
    close(subscription);
    subscription.options.end(reason);
  }

  function applySafely(subscription: Subscription, profile: ProfileState, job: Job): void {
    try {
      apply(subscription, profile, job);
    } catch (error) {
      logger.error({ err: error }, 'decision push failed; ending the subscription');
      end(subscription, 'failed');
    }
  }

  function onSignal(signal: DecisionSignal): void {
    if (signal.type === 'tick') {
      for (const subscription of [...timed]) {
        if ((subscription.validUntil as number) > signal.now) continue;
        timed.delete(subscription);
        schedule(subscription, { full: false });
      }
    } else if (signal.type === 'config') {
      for (const subscription of [...(index.get(signal.workspaceId) ?? [])]) {
        schedule(subscription, { full: false });
      }
    } else if (all.size > 0) {
      // Runs for every changed profile, subscribed or not: one index lookup per
      // identity, nothing built for the (many) profiles nobody listens to.
      const { workspaceId } = signal;
      for (const { profile, causedAt } of signal.changes) {
        if (profile.userId !== undefined) {
          notify(index.get(`${workspaceId}\0u\0${profile.userId}`), profile, causedAt);
        }
        const anonymousIds = profile.anonymousIds;
        for (let i = 0; i < anonymousIds.length; i++) {
          const anonymousId = anonymousIds[i] as string;
          notify(index.get(`${workspaceId}\0a\0${anonymousId}`), profile, causedAt);
        }
      }
    }
  }

  function notify(
    subscriptions: Set<Subscription> | undefined,
    profile: ProfileState,
    causedAt: number | undefined,
  ): void {
    if (subscriptions === undefined) return;
    for (const subscription of [...subscriptions]) {
      // With a lookup under way, the pending job re-reads the profile after it: in order.
      if (subscription.running) schedule(subscription, { full: false, causedAt });
      else applySafely(subscription, profile, { full: false, causedAt });
    }
  }

  const listener = (signal: DecisionSignal): void => {
    try {
      onSignal(signal);
    } catch (error) {
      logger.error({ err: error, signal: signal.type }, 'decision push failed');
    }
  };
  const unsubscribe = engine.decisions.onSignal(listener);

  return {
    open(opened) {
      const subscription: Subscription = {
        options: opened,
        call: opened.call,
        allPlacements: opened.allPlacements,
        keys: [opened.workspaceId, lookupKey(opened.workspaceId, opened.call.lookup)],
        state: undefined,
        validUntil: undefined,
        running: false,
        pending: undefined,
        closed: false,
      };
      for (const key of subscription.keys) {
        let set = index.get(key);
        if (set === undefined) index.set(key, (set = new Set()));
        set.add(subscription);
      }
      all.add(subscription);
      counts[opened.transport]++;
      metrics.decisionConnections.set({ transport: opened.transport }, counts[opened.transport]);
      const resumeDigest = digestOfUpdateId(opened.lastEventId);
      schedule(subscription, {
        full: true,
        ...(resumeDigest === undefined ? {} : { resumeDigest }),
      });
      return {
        close: () => close(subscription),
        update(call, allPlacements) {
          subscription.call = call;
          subscription.allPlacements = allPlacements;
          schedule(subscription, { full: true });
        },
      };
    },
    size: () => all.size,
    close() {
      unsubscribe();
      for (const subscription of [...all]) end(subscription, 'closing');
    },
  };
}

/** The placements and flags (by index) a new config no longer has. */
function droppedItems(error: DecideRequestError): { placements: Set<number>; flags: Set<number> } {
  const dropped = { placements: new Set<number>(), flags: new Set<number>() };
  for (const { field } of error.errors) {
    const match = /^(placements|flags)\.(\d+)$/.exec(field);
    if (match !== null) dropped[match[1] as 'placements' | 'flags'].add(Number(match[2]));
  }
  return dropped;
}

/** One job doing the work of both: full wins, the earliest cause is kept, resumption only alone. */
function mergeJobs(waiting: Job | undefined, job: Job): Job {
  if (waiting === undefined) return job;
  const causedAt =
    waiting.causedAt === undefined
      ? job.causedAt
      : job.causedAt === undefined
        ? waiting.causedAt
        : Math.min(waiting.causedAt, job.causedAt);
  return { full: waiting.full || job.full, ...(causedAt === undefined ? {} : { causedAt }) };
}
