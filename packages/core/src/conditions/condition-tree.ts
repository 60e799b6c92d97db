/**
 * The validated form of a condition (the output of validate-condition.ts): what
 * both the source generator and the explainer walk. Every path in it is resolved
 * and safe, every literal checked and converted (ISO dates to ms, durations to ms,
 * versions padded), every regex compiled and checked.
 */
import type { JsonObject, JsonValue } from '../json/json.js';
import type { VersionPart } from './version.js';

/**
 * What a path holds, which decides the operators and literals it accepts:
 * `json` anything (traits, properties, context), `time` ms since the epoch (ISO
 * literals accepted), `duration` ms (duration literals accepted), `set` a set of
 * strings (`segments`), `strings` an array of strings (`anonymousIds`).
 */
export type ValueKind =
  'json' | 'string' | 'number' | 'boolean' | 'time' | 'duration' | 'strings' | 'set';

/** Where a path starts. `element` is the array element inside `$elemMatch`. */
export type PathRoot =
  | 'userId'
  | 'anonymousIds'
  | 'firstSeen'
  | 'lastSeen'
  | 'eventCount'
  | 'traits'
  | 'group'
  | 'consent'
  | 'firstTouch'
  | 'lastTouch'
  | 'sessions.count'
  | 'sessions.totalDuration'
  | 'engagement'
  | 'decisions'
  | 'flows'
  | 'segments'
  | 'now'
  | 'event.type'
  | 'event.name'
  | 'event.properties'
  | 'event.traits'
  | 'event.context'
  | 'context'
  /** Event filters: a top-level field of the event (type, event, name, category…). */
  | 'filter.field'
  /** Event filters: properties, traits or context of the event, then segments. */
  | 'filter.record'
  | 'element';

export interface FieldRef {
  /** As written, e.g. "traits.company.size". */
  readonly path: string;
  readonly root: PathRoot;
  /** Segments after the root (for `filter.field` / `filter.record`, the first is the field). */
  readonly segments: readonly string[];
  readonly kind: ValueKind;
}

export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte';
export type VersionOp = 'veq' | 'vne' | 'vgt' | 'vgte' | 'vlt' | 'vlte';
export type TypeName = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null' | 'undefined';

/** One operator over a value; a ValueTest holds when all of its operators do. */
export type ValueOp =
  | {
      readonly op: 'eq' | 'ne';
      readonly label: string;
      readonly operand: JsonValue;
      readonly value: JsonValue;
    }
  | {
      readonly op: CompareOp;
      readonly label: string;
      readonly operand: JsonValue;
      readonly value: number | string;
    }
  | {
      readonly op: 'in' | 'nin' | 'all';
      readonly label: string;
      readonly operand: JsonValue;
      readonly values: readonly JsonValue[];
    }
  | {
      readonly op: 'exists';
      readonly label: string;
      readonly operand: JsonValue;
      readonly value: boolean;
    }
  | {
      readonly op: 'type';
      readonly label: string;
      readonly operand: JsonValue;
      readonly value: TypeName;
    }
  | {
      readonly op: 'regex';
      readonly label: string;
      readonly operand: JsonValue;
      readonly source: string;
      readonly flags: string;
    }
  | {
      readonly op: 'size' | 'not';
      readonly label: string;
      readonly operand: JsonValue;
      readonly test: ValueTest;
    }
  | {
      readonly op: 'elemMatch';
      readonly label: string;
      readonly operand: JsonValue;
      readonly test: ValueTest;
    }
  | {
      readonly op: 'elemMatchDoc';
      readonly label: string;
      readonly operand: JsonValue;
      readonly condition: ConditionNode;
    }
  | {
      readonly op: VersionOp;
      readonly label: string;
      readonly operand: JsonValue;
      readonly value: readonly VersionPart[];
    };

export type ValueTest = readonly ValueOp[];

/** A reference time of `$elapsed`. */
export type ElapsedSince =
  | { readonly type: 'firstSeen' | 'lastSeen' | 'sessionStart' }
  | { readonly type: 'event'; readonly counter: CounterRef; readonly at: 'first' | 'last' };

/** The counters an `$event` reads: an event name's, or a filtered (derived) counter's. */
export interface CounterRef {
  readonly name: string;
  /** Filtered counters: the key in ProfileState.derived, and the filter. */
  readonly derived?: {
    readonly key: string;
    readonly where: ConditionNode;
    readonly document: JsonObject;
  };
}

export type ConditionNode =
  | {
      readonly type: 'and' | 'or' | 'nor';
      readonly label: string;
      readonly children: readonly ConditionNode[];
    }
  | { readonly type: 'not'; readonly label: string; readonly child: ConditionNode }
  | {
      readonly type: 'field';
      readonly field: FieldRef;
      readonly operand: JsonValue;
      readonly test: ValueTest;
    }
  | {
      readonly type: 'event';
      readonly operand: JsonValue;
      readonly counter: CounterRef;
      /** Sliding window length; undefined = lifetime. */
      readonly windowMs?: number;
      readonly count: ValueTest;
      /** Metric name of the event the counted one must follow. */
      readonly since?: string;
    }
  | {
      readonly type: 'elapsed';
      readonly operand: JsonValue;
      readonly since: ElapsedSince;
      readonly test: ValueTest;
    }
  | {
      readonly type: 'sequence';
      readonly operand: JsonValue;
      readonly key: string;
      readonly steps: readonly string[];
      readonly withinMs: number;
    };
