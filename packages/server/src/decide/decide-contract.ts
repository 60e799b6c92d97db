/**
 * The engine's decide service, as the HTTP routes and the decision push call it.
 * Decisions are computed by core's decide() from the profile held in memory (or
 * loaded), the published config version and the request context.
 */
import type { DecideResult, FieldError, JsonObject, ProfileState } from '@onramp/core';
import type { WorkspaceRuntime } from '../engine/engine.js';
import type { FlagRequest, FlagSelection, PresentedFlag } from './decide-flags.js';

/** How a decide call names its profile. */
export type DecideLookup = { userId: string } | { anonymousId: string };

/** A decide call as the HTTP layer parsed it; checked by `validate`. */
export interface DecideCall {
  lookup: DecideLookup;
  /** Placement ids; every placement of the config when absent. */
  placements?: readonly string[];
  /** The request context (`context.*` in templates): page, locale… */
  context?: JsonObject;
  /** Locale tag; else `context.locale`, else the profile's, else the default locale. */
  locale?: string;
  /** Include every flow's progress. */
  flows?: boolean;
  /** Flags to evaluate: true every flag, or these keys (decide-flags.ts). */
  flags?: FlagRequest;
  /** Consent preferences stated by the request (as `context.consent.categoryPreferences`). */
  consent?: Record<string, boolean>;
}

/** A call whose placements and locale were checked against the workspace's config version. */
export interface ValidDecideCall {
  lookup: DecideLookup;
  placements: readonly string[];
  context: JsonObject;
  locale?: string;
  flows: boolean;
  /** Checked flags: every flag, or known keys; absent: no flag work at all. */
  flags?: FlagSelection;
  consent?: Record<string, boolean>;
  /** The config version checked against. */
  version: number;
}

/** A bad decide call: 400 naming the field (`placements.1`, `context.locale`…). */
export class DecideRequestError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((error) => `${error.field}: ${error.message}`).join('; '));
    this.name = 'DecideRequestError';
  }
}

/** What decide answers (times in epoch ms; the routes present them). */
export interface DecideAnswer extends DecideResult {
  /** The config version decided under. */
  version: number;
  profileId?: string;
  userId?: string;
  /** The profile version read (0: no profile yet). */
  profileVersion: number;
  /** With flags asked for: each flag's evaluation, by key. */
  flags?: Record<string, PresentedFlag>;
}

/** What may change decisions of open connections. */
export type DecisionSignal =
  | {
      type: 'profiles';
      workspaceId: string;
      /** Profiles changed by one processor pass, with when their latest event was received. */
      changes: readonly { profile: ProfileState; causedAt: number }[];
    }
  | { type: 'config'; workspaceId: string; version: number }
  | { type: 'tick'; now: number };

export interface EngineDecide {
  /** Checks placements and locale against the published version; throws DecideRequestError. */
  validate(runtime: WorkspaceRuntime, call: DecideCall): ValidDecideCall;
  /** The profile a lookup names, loading it when it is not in memory. */
  findProfile(workspaceId: string, lookup: DecideLookup): Promise<ProfileState | undefined>;
  /**
   * The profile a lookup names if it is in memory, without I/O (undefined: not in
   * memory, or none; findProfile tells which): decide answers those at once.
   */
  peekProfile(workspaceId: string, lookup: DecideLookup): ProfileState | undefined;
  /** Decides for a profile at hand (undefined: a visitor never seen): synchronous, never throws. */
  decideFor(
    runtime: WorkspaceRuntime,
    profile: ProfileState | undefined,
    call: ValidDecideCall,
  ): DecideAnswer;
  /** validate + findProfile + decideFor; counts and logs template failures. */
  decide(runtime: WorkspaceRuntime, call: DecideCall): Promise<DecideAnswer>;
  /** Listens for what may change decisions; returns the unsubscribe function. */
  onSignal(listener: (signal: DecisionSignal) => void): () => void;
}
