import type { Logger } from 'pino';
import {
  anonymousIdentity,
  canonicalLocale,
  decide,
  isJsonObject,
  userIdentity,
  type Clock,
  type DecideRequest,
  type FieldError,
  type JsonObject,
  type ProfileState,
  type TemplateFailure,
} from '@onramp/core';
import type { WorkspaceRuntime } from '../engine/engine.js';
import type { EngineMetrics } from '../observability/metrics.js';
import {
  DecideRequestError,
  type DecideAnswer,
  type DecideCall,
  type DecideLookup,
  type DecisionSignal,
  type EngineDecide,
  type ValidDecideCall,
} from './decide-contract.js';
import { evaluateCallFlags, validateFlags } from './decide-flags.js';

export interface EngineDecideOptions {
  /** The freshest state of a profile: in memory if hot, else loaded. */
  findProfile: (workspaceId: string, lookup: DecideLookup) => Promise<ProfileState | undefined>;
  peekProfile: (workspaceId: string, lookup: DecideLookup) => ProfileState | undefined;
  clock: Clock;
  logger: Logger;
  metrics: EngineMetrics;
}

/** The engine's decide service plus the hook the engine feeds signals into. */
export interface EngineDecideHost extends EngineDecide {
  signal(signal: DecisionSignal): void;
}

/** At most this many placements per call. */
const maxPlacements = 50;
/** A failing template is logged at most once per content id per this long. */
const logEveryMs = 60_000;

export function createEngineDecide(options: EngineDecideOptions): EngineDecideHost {
  const { clock, logger, metrics } = options;
  const listeners = new Set<(signal: DecisionSignal) => void>();
  const lastLogged = new Map<string, number>();
  // Label children, looked up once: prom-client hashes the labels on every inc().
  const decisionCounts = new Map<string, Map<string, { inc(): void }>>();
  let counted = 0;
  const countDecision = (placement: string, reason: string): void => {
    let byReason = decisionCounts.get(placement);
    if (byReason === undefined) decisionCounts.set(placement, (byReason = new Map()));
    let counter = byReason.get(reason);
    if (counter === undefined) {
      counter = metrics.decisions.labels({ placement, reason });
      if (counted++ < 10_000) byReason.set(reason, counter);
    }
    counter.inc();
  };

  /** At most one log line per key per logEveryMs. */
  const shouldLog = (key: string, now: number): boolean => {
    if ((lastLogged.get(key) ?? -Infinity) + logEveryMs > now) return false;
    if (lastLogged.size > 10_000) lastLogged.clear();
    lastLogged.set(key, now);
    return true;
  };

  const report = (workspaceId: string, failures: readonly TemplateFailure[]): void => {
    for (const failure of failures) {
      metrics.templateFailures.inc({ content: failure.content, kind: failure.code });
      const key = `${workspaceId}\u0000${failure.content}\u0000${failure.code}`;
      if (!shouldLog(key, clock.now())) continue;
      logger.warn(
        { workspace: workspaceId, ...failure },
        'content could not be rendered; the placement fell back to its default',
      );
    }
  };

  /** The flags asked for, on decide's consent answer; validUntil up to the next scheduled change. */
  const addFlags = (
    runtime: WorkspaceRuntime,
    profile: ProfileState | undefined,
    call: ValidDecideCall,
    answer: DecideAnswer,
    now: number,
  ): void => {
    const selection = call.flags;
    if (selection === undefined) return;
    const evaluated = evaluateCallFlags(runtime, profile, {
      selection,
      lookup: call.lookup,
      context: call.context,
      personalized: answer.personalized,
      now,
    });
    answer.flags = evaluated.flags;
    if (evaluated.nextChange < (answer.validUntil ?? Infinity)) {
      answer.validUntil = evaluated.nextChange;
    }
    for (const failure of evaluated.failures ?? []) {
      if (!shouldLog(`${runtime.workspace.id}\u0000flag\u0000${failure.key}`, now)) continue;
      logger.warn(
        { workspace: runtime.workspace.id, flag: failure.key },
        failure.errorMessage ?? 'flag evaluation failed',
      );
    }
  };

  const host: EngineDecideHost = {
    validate: validateCall,
    findProfile: options.findProfile,
    peekProfile: options.peekProfile,
    decideFor(runtime, profile, call) {
      const now = clock.now();
      // Built key by key (no conditional spreads): every decide call and push runs this.
      const request: DecideRequest = {
        placements: call.placements,
        context: call.context,
        flows: call.flows,
        now,
        consentWhenUnknown: runtime.settings.consent.whenUnknown,
      };
      if (call.locale !== undefined) request.locale = call.locale;
      if (call.consent !== undefined) request.consent = call.consent;
      // A visitor without a profile yet: experiments hash the id asked for (nothing stored).
      if (profile === undefined) request.experimentKey = lookupKey(call.lookup);
      const result = decide(runtime.rules, profile, request);
      for (const placement of call.placements) {
        const decision = result.decisions[placement];
        if (decision !== undefined) countDecision(placement, decision.reason.type);
      }
      if (result.failures.length > 0) report(runtime.workspace.id, result.failures);
      // Built field by field (no spread): this runs for every decide call and push.
      const answer = result as DecideAnswer;
      answer.version = runtime.rules.version;
      answer.profileVersion = profile?.version ?? 0;
      if (profile !== undefined) {
        answer.profileId = profile.id;
        if (profile.userId !== undefined) answer.userId = profile.userId;
      }
      if (call.flags !== undefined) addFlags(runtime, profile, call, answer, now);
      return answer;
    },
    async decide(runtime, call) {
      const valid = validateCall(runtime, call);
      const profile = await options.findProfile(runtime.workspace.id, valid.lookup);
      return host.decideFor(runtime, profile, valid);
    },
    onSignal(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    signal(signal) {
      for (const listener of listeners) {
        try {
          listener(signal);
        } catch (error) {
          logger.error({ err: error, signal: signal.type }, 'decision listener failed');
        }
      }
    },
  };
  return host;
}

/** The id a lookup names: its userId or its anonymousId. */
function lookupKey(lookup: DecideLookup): string {
  return 'userId' in lookup ? lookup.userId : lookup.anonymousId;
}

/** The identity key of a decide lookup. */
export function identityOfLookup(lookup: DecideLookup) {
  return 'userId' in lookup ? userIdentity(lookup.userId) : anonymousIdentity(lookup.anonymousId);
}

/** Checks a call against the workspace's published version (placements, locale, consent). */
export function validateCall(runtime: WorkspaceRuntime, call: DecideCall): ValidDecideCall {
  const errors: FieldError[] = [];
  const known = runtime.rules.decide.placements;
  let placements: string[];
  if (call.placements === undefined) placements = [...known.keys()];
  else {
    placements = [];
    if (call.placements.length > maxPlacements) {
      errors.push({ field: 'placements', message: `at most ${maxPlacements} placements` });
    }
    call.placements.forEach((placement, index) => {
      if (typeof placement !== 'string' || !known.has(placement)) {
        errors.push({
          field: `placements.${index}`,
          message:
            typeof placement === 'string'
              ? `unknown placement ${JSON.stringify(placement.slice(0, 100))}`
              : 'must be a placement id',
        });
      } else if (!placements.includes(placement)) placements.push(placement);
    });
  }
  const context: JsonObject = call.context ?? {};
  const localeField = call.locale !== undefined ? 'locale' : 'context.locale';
  const requested = call.locale ?? context['locale'];
  let locale: string | undefined;
  if (requested !== undefined) {
    locale = canonicalLocale(requested);
    if (locale === undefined) {
      errors.push({
        field: localeField,
        message: 'must be a BCP 47 language tag such as "fr" or "fr-CA"',
      });
    }
  }
  const consent = call.consent ?? statedConsent(context);
  const flags = call.flags === undefined ? undefined : validateFlags(runtime, call.flags, errors);
  if (errors.length > 0) throw new DecideRequestError(errors);
  const valid: ValidDecideCall = {
    lookup: call.lookup,
    placements,
    context,
    flows: call.flows ?? false,
    version: runtime.rules.version,
  };
  if (locale !== undefined) valid.locale = locale;
  if (flags !== undefined) valid.flags = flags;
  if (consent !== undefined) valid.consent = consent;
  return valid;
}

/** `context.consent.categoryPreferences`, booleans only, as Segment's consent sends it. */
function statedConsent(context: JsonObject): Record<string, boolean> | undefined {
  const consent = context['consent'];
  const preferences = isJsonObject(consent) ? consent['categoryPreferences'] : undefined;
  if (!isJsonObject(preferences)) return undefined;
  const stated: Record<string, boolean> = {};
  for (const [category, value] of Object.entries(preferences)) {
    if (typeof value === 'boolean') stated[category] = value;
  }
  return stated;
}
