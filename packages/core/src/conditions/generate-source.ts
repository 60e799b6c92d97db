/**
 * Generates JavaScript source from a validated ConditionNode tree (as Ajv does for
 * schemas), compiled once with `new Function`. Safety: the generator emits only
 * its own operators and fixed property names; user strings and numbers reach the
 * source only through JSON.stringify (SourceBuilder.literal / reader / regex),
 * objects and arrays as constants passed by value; path segments are validated
 * (no __proto__/constructor/prototype) and read with Object.hasOwn when they
 * exist on a prototype. The result never throws: a runtime surprise is false.
 * Speed: direct property reads, plain `let` locals, no closure per node, no
 * allocation per call (a `$veq` pads the value's version string, an `$event`
 * with a window counts its buckets, engagement is computed at most once).
 */
import type { ProfilePlan } from '../profiles/apply-event.js';
import { EVENT_BUCKETS, EVENT_FIRST, EVENT_LAST, EVENT_TOTAL } from '../profiles/profile.js';
import type { ConditionNode, CounterRef, ElapsedSince, FieldRef } from './condition-tree.js';
import { generateValueTest } from './generate-value-test.js';
import { needsOwnCheck } from './paths.js';
import { Locals, SourceBuilder } from './source-builder.js';

/** Names of the helpers generated code may call (destructured from `h`). */
export const helperNames = [
  'deepEqual',
  'equals',
  'isIn',
  'containsAll',
  'compare',
  'matchesRegex',
  'typeName',
  'someElement',
  'compareVersion',
  'decisionContent',
  'lastGroupTraits',
  'ownValue',
  'setHasAny',
  'setHasAll',
  'setSome',
  'countInWindow',
  'engagementScore',
  'metricNames',
] as const;

/**
 * Slots of EvalInput.memo, shared by the conditions of one compiler: one per
 * distinct behavioural value (a counter in a window, engagement), by key.
 */
export type MemoSlots = Map<string, number>;

export interface GeneratedSource {
  /** The body of `new Function('h', 'k', body)`, returning the test function. */
  readonly body: string;
  readonly constants: readonly unknown[];
}

/** A profile condition: `function test(input)`. The plan gives window indexes and engagement. */
export function generateConditionSource(
  node: ConditionNode,
  plan: ProfilePlan,
  memoSlots: MemoSlots = new Map(),
): GeneratedSource {
  const builder = new SourceBuilder();
  const locals = new Locals();
  const generator = new ConditionGenerator(builder, plan, memoSlots);
  const expression = generator.condition(node, locals);
  const prologue = generator.usesPlan
    ? `const engagementPlan = ${builder.constant(plan.engagement)}, windowPlan = ${builder.constant(plan.windows)};`
    : '';
  return finish(
    builder,
    `${prologue} return function test(input) { try { const p = input.profile, now = input.now, M = input.memo; ${locals.declaration()} return ${expression}; } catch (error) { return false; } };`,
  );
}

/** An event filter: `function matches(e)`. */
export function generateFilterSource(node: ConditionNode): GeneratedSource {
  const builder = new SourceBuilder();
  const locals = new Locals();
  const expression = new ConditionGenerator(builder, undefined, new Map()).condition(node, locals);
  return finish(
    builder,
    `return function matches(e) { try { ${locals.declaration()} return ${expression}; } catch (error) { return false; } };`,
  );
}

function finish(builder: SourceBuilder, tail: string): GeneratedSource {
  const helpers = `const { ${helperNames.join(', ')} } = h;`;
  return {
    body: `"use strict"; ${helpers} ${builder.declarations.join('\n')} ${tail}`,
    constants: builder.constants,
  };
}

class ConditionGenerator {
  usesPlan = false;

  constructor(
    private readonly builder: SourceBuilder,
    private readonly plan: ProfilePlan | undefined,
    private readonly memoSlots: MemoSlots,
  ) {}

  /**
   * `compute`, or its value in the memo slot of `key` when the caller shares one
   * (computed and stored there the first time). NaN marks an empty slot.
   */
  private memoized(key: string, compute: string, locals: Locals): string {
    let slot = this.memoSlots.get(key);
    if (slot === undefined) this.memoSlots.set(key, (slot = this.memoSlots.size));
    const m = locals.next('m');
    return `(M === undefined ? ${compute} : (${m} = M[${slot}], ${m} === ${m} ? ${m} : (M[${slot}] = ${compute})))`;
  }

  condition(node: ConditionNode, locals: Locals): string {
    switch (node.type) {
      case 'and':
      case 'or': {
        if (node.children.length === 0) return node.type === 'and' ? 'true' : 'false';
        const joiner = node.type === 'and' ? ' && ' : ' || ';
        return `(${node.children.map((c) => this.condition(c, locals)).join(joiner)})`;
      }
      case 'nor':
        return `!(${node.children.map((c) => this.condition(c, locals)).join(' || ')})`;
      case 'not':
        return `!(${this.condition(node.child, locals)})`;
      case 'field': {
        const v = locals.next('v');
        const test = generateValueTest(
          node.test,
          v,
          node.field.kind,
          locals,
          this.builder,
          (test) => this.elementPredicate(test),
        );
        return `(${v} = ${this.read(node.field, locals)}, ${test})`;
      }
      case 'event':
        return this.event(node, locals);
      case 'elapsed':
        return this.elapsed(node.since, node.test, locals);
      case 'sequence': {
        // ProfileState.sequences[key][0]: the latest completion time, −1 while never completed.
        const s = locals.next('s');
        return `(${s} = p.sequences === undefined ? undefined : ${ownRead('p.sequences', node.key)}, ${s} !== undefined && ${s}[0] >= 0)`;
      }
    }
  }

  /** `$elemMatch` with a query: a factory-level predicate over the element `x`. */
  private elementPredicate(node: ConditionNode): string {
    return this.builder.func('x', (locals) => this.condition(node, locals));
  }

  private read(field: FieldRef, locals: Locals): string {
    const base = this.base(field, locals);
    if (
      field.root === 'filter.field' ||
      field.root === 'firstTouch' ||
      field.root === 'lastTouch'
    ) {
      return base;
    }
    const segments = field.root === 'filter.record' ? field.segments.slice(1) : field.segments;
    if (segments.length === 0 || field.root === 'decisions' || field.root === 'flows') return base;
    return `${this.builder.reader(segments)}(${base})`;
  }

  private base(field: FieldRef, locals: Locals): string {
    const segment = JSON.stringify(field.segments[0] ?? '');
    switch (field.root) {
      case 'element':
        return 'x';
      case 'filter.field':
        return `e[${segment}]`;
      case 'filter.record':
        return `e[${segment}]`;
      case 'userId':
      case 'anonymousIds':
      case 'firstSeen':
      case 'lastSeen':
      case 'eventCount':
      case 'traits':
        return `p.${field.root}`;
      case 'group':
        return 'lastGroupTraits(p.groups)';
      case 'consent':
        return '(p.consent === undefined ? undefined : p.consent.categories)';
      case 'firstTouch':
      case 'lastTouch':
        return `(p.${field.root} === undefined ? undefined : p.${field.root}[${segment}])`;
      case 'sessions.count':
        return 'p.sessions.count';
      case 'sessions.totalDuration':
        return 'p.sessions.totalDurationMs';
      case 'engagement':
        return this.engagement(locals);
      case 'decisions':
        return `decisionContent(p.decisions, ${segment}, now)`;
      case 'flows':
        return `${this.builder.reader([field.segments[0] as string, 'step'])}(p.flows)`;
      case 'segments':
        return 'p.segments';
      case 'now':
        return 'now';
      case 'event.type':
        return '(input.event === undefined ? undefined : input.event.type)';
      case 'event.name':
        return '(input.event === undefined ? undefined : input.event.type === "track" ? input.event.event : metricNames[input.event.type])';
      case 'event.properties':
      case 'event.traits':
      case 'event.context':
        return `(input.event === undefined ? undefined : input.event.${field.root.slice(6)})`;
      case 'context':
        return 'input.context';
    }
  }

  /** Engagement at now, computed at most once per call (two locals: done flag and value). */
  private engagement(locals: Locals): string {
    this.usesPlan = true;
    const done = locals.next('g');
    const value = locals.next('g');
    const compute = this.memoized(
      'engagement',
      'engagementScore(p, engagementPlan, windowPlan, now)',
      locals,
    );
    return `(${done} === true ? ${value} : (${done} = true, ${value} = ${compute}))`;
  }

  private counters(counter: CounterRef): string {
    if (counter.derived === undefined) return guardedRead('p.events', counter.name);
    return `(p.derived === undefined ? undefined : ${guardedRead('p.derived', counter.derived.key)})`;
  }

  private event(node: Extract<ConditionNode, { type: 'event' }>, locals: Locals): string {
    const c = locals.next('c');
    const n = locals.next('n');
    const count =
      node.windowMs === undefined
        ? `(${c} === undefined ? 0 : ${c}[${EVENT_TOTAL}])`
        : `(${c} === undefined ? 0 : ${this.memoized(
            `${counterKey(node.counter)}@${node.windowMs}`,
            `countInWindow(${c}, windowPlan, ${this.windowIndex(node.windowMs)}, now, ${EVENT_BUCKETS})`,
            locals,
          )})`;
    if (node.windowMs !== undefined) this.usesPlan = true;
    if (node.since !== undefined) {
      const d = locals.next('c');
      return `(${c} = ${this.counters(node.counter)}, ${d} = ${guardedRead('p.events', node.since)}, ${count} >= 1 && (${d} === undefined || ${c}[${EVENT_LAST}] > ${d}[${EVENT_LAST}]))`;
    }
    const test = generateValueTest(node.count, n, 'number', locals, this.builder, () => 'false');
    return `(${c} = ${this.counters(node.counter)}, ${n} = ${count}, ${test})`;
  }

  private elapsed(
    since: ElapsedSince,
    test: Extract<ConditionNode, { type: 'elapsed' }>['test'],
    locals: Locals,
  ): string {
    const t = locals.next('t');
    let reference: string;
    switch (since.type) {
      case 'firstSeen':
      case 'lastSeen':
        reference = `(p.eventCount > 0 ? p.${since.type} : undefined)`;
        break;
      case 'sessionStart':
        reference = '(p.sessions.events > 0 ? p.sessions.start : undefined)';
        break;
      case 'event': {
        const c = locals.next('c');
        const index = since.at === 'first' ? EVENT_FIRST : EVENT_LAST;
        reference = `(${c} = ${this.counters(since.counter)}, ${c} === undefined ? undefined : ${c}[${index}])`;
      }
    }
    const body = generateValueTest(test, t, 'duration', locals, this.builder, () => 'false');
    return `(${t} = ${reference}, ${t} !== undefined && (${t} = now - ${t}, ${body}))`;
  }

  private windowIndex(ms: number): number {
    const index = this.plan?.windows.windows.findIndex((w) => w.ms === ms) ?? -1;
    if (index < 0) throw new RangeError(`window of ${ms} ms is not in the profile plan`);
    return index;
  }
}

/**
 * A read from a record keyed by event name (many keys, dictionary mode in V8): the
 * own-property check first is faster there than a plain read, which on a miss also
 * searches the prototype chain (measured by the rules bench: 0.18 vs 0.27 µs).
 */
function guardedRead(record: string, key: string): string {
  const literal = JSON.stringify(key);
  return `(Object.hasOwn(${record}, ${literal}) ? ${record}[${literal}] : undefined)`;
}

/** `record[key]`, with Object.hasOwn when the key exists on Object.prototype. */
function ownRead(record: string, key: string): string {
  const literal = JSON.stringify(key);
  return needsOwnCheck(key)
    ? `(Object.hasOwn(${record}, ${literal}) ? ${record}[${literal}] : undefined)`
    : `${record}[${literal}]`;
}

/** A counter's identity for the memo: the event name, or the filtered counter's key. */
function counterKey(counter: CounterRef): string {
  return counter.derived === undefined ? `e:${counter.name}` : `d:${counter.derived.key}`;
}
