/**
 * What decide reads of a config version: its content, placements and flows,
 * compiled with the rules (one profile plan, one memo). Immutable.
 */
import type { CompiledContent, CompiledPlacement } from '../content/content.js';
import type { FlowSetRuntime } from '../flows/flow.js';

export interface DecideRuntime {
  readonly content: ReadonlyMap<string, CompiledContent>;
  readonly placements: ReadonlyMap<string, CompiledPlacement>;
  readonly flows: FlowSetRuntime;
  /** Placement id → the flow steps whose content shows there, flow by flow in config order. */
  readonly flowsByPlacement: ReadonlyMap<string, readonly string[]>;
  readonly defaultLocale: string;
  readonly consentCategory?: string;
}
