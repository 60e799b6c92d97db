import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { TrackingPlanSettings } from '../settings/workspace-settings.js';
import type { FieldError } from './dead-letter-store.js';
import { metricName, type OnrampEvent } from './event.js';
import { appendPath } from './validate-message.js';

export type TrackingPlanOutcome = 'ok' | 'flag' | 'reject';

export interface TrackingPlanCheck {
  outcome: TrackingPlanOutcome;
  violations: readonly FieldError[];
}

/**
 * A workspace's tracking plan with every schema compiled once, when the settings are
 * published; checking an event then runs only the compiled validator of its name.
 */
export interface TrackingPlan {
  mode: TrackingPlanSettings['mode'];
  unplannedEvents: TrackingPlanSettings['unplannedEvents'];
  /** By track event name, or `$identify`, `$page`, `$screen`, `$group`, `$alias`. */
  validators: ReadonlyMap<string, ValidateFunction>;
}

const ok: TrackingPlanCheck = Object.freeze({ outcome: 'ok', violations: Object.freeze([]) });

/**
 * Compiles the JSON Schema of each event (draft 2020-12, with ajv-formats).
 * Throws an Error naming `trackingPlan.events.<name>` when a schema is invalid.
 *
 * Each plan gets its own Ajv instance, so plans of different workspaces or versions
 * never share compiled schemas or `$id`s, and a dropped plan frees its code.
 */
export function compileTrackingPlan(settings: TrackingPlanSettings): TrackingPlan {
  // strict: false lets schemas carry keywords Ajv doesn't know (such as "x-owner")
  // instead of refusing the whole plan; the meta-schema still checks the known ones.
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validators = new Map<string, ValidateFunction>();
  // Compiled even when the mode is off, so that a bad schema is refused when published,
  // not when someone later turns the plan on.
  for (const [name, schema] of Object.entries(settings.events)) {
    try {
      validators.set(name, ajv.compile(schema));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`trackingPlan.events.${name}: invalid JSON Schema: ${reason}`, {
        cause: error,
      });
    }
  }
  return { mode: settings.mode, unplannedEvents: settings.unplannedEvents, validators };
}

/**
 * Checks an event against the plan: a track event's `properties` against the schema of
 * its name, identify and group `traits` against `$identify` / `$group`, page and screen
 * `properties` against `$page` / `$screen`. Track events the plan doesn't name follow
 * `unplannedEvents`; other types without a schema pass.
 */
export function checkTrackingPlan(plan: TrackingPlan, event: OnrampEvent): TrackingPlanCheck {
  if (plan.mode === 'off') return ok;
  const validate = plan.validators.get(metricName(event));
  if (validate === undefined) {
    if (event.type !== 'track' || plan.unplannedEvents === 'allow') return ok;
    return {
      outcome: plan.unplannedEvents,
      violations: [{ field: 'event', message: 'is not in the tracking plan' }],
    };
  }
  const root = event.type === 'identify' || event.type === 'group' ? 'traits' : 'properties';
  if (validate(event[root] ?? {})) return ok;
  const violations = (validate.errors ?? []).map((error) => toFieldError(root, error));
  return { outcome: plan.mode, violations };
}

/** Ajv's `/plan/0` instancePath under `properties` → `properties.plan[0]`. */
function toFieldError(root: string, error: ErrorObject): FieldError {
  let field = root;
  if (error.instancePath !== '') {
    for (const segment of error.instancePath.slice(1).split('/')) {
      const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
      field = appendPath(field, /^(0|[1-9]\d*)$/.test(key) ? Number(key) : key);
    }
  }
  // Name the property itself rather than its parent where Ajv says which one it means.
  const params = error.params as { missingProperty?: unknown; additionalProperty?: unknown };
  const child = params.missingProperty ?? params.additionalProperty;
  if (typeof child === 'string') field = appendPath(field, child);
  return { field, message: error.message ?? `fails ${error.keyword}` };
}
