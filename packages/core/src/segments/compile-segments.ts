/**
 * Compiles a config version's segments, cohorts and clusterings. Conditions go
 * into the rules' condition compiler (one profile plan, one memo for the whole
 * version); metric paths are bound once the plan is known. Problems are pushed as
 * RuleIssues whose paths start with '(segments)', '(cohorts)' or '(clusterings)'.
 */
import type { CompiledCondition, ConditionNeeds } from '../conditions/condition.js';
import type { ConditionCompiler } from '../conditions/condition-compiler.js';
import { isJsonObject } from '../json/json.js';
import type { ProfilePlan } from '../profiles/apply-event.js';
import { conditionIssues } from '../rules/compile-trigger.js';
import type { RuleIssue } from '../rules/rule.js';
import { parseDuration } from '../time/duration.js';
import { compileMetric, type MetricBinder } from './profile-metric.js';
import { bandMembership } from './segment.js';
import type {
  ClusteringDefinition,
  CohortDefinition,
  SegmentDefinition,
} from './segment-schema.js';
import {
  emptySegmentSet,
  type ClusteringRuntime,
  type CohortRuntime,
  type SegmentIndex,
  type SegmentRuntime,
  type SegmentSetRuntime,
} from './segment-runtime.js';

export interface SegmentConfig {
  segments?: readonly SegmentDefinition[];
  cohorts?: readonly CohortDefinition[];
  clusterings?: readonly ClusteringDefinition[];
}

/** Bind with the finished profile plan to get the runtime. */
export type SegmentSetBinder = (plan: ProfilePlan) => SegmentSetRuntime;

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const factEvents = ['$identify', '$group', '$alias'];

export function addSegments(
  config: SegmentConfig,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): SegmentSetBinder {
  const segments = compileSegmentList(config.segments ?? [], compiler, issues);
  const cohorts = (config.cohorts ?? []).map((cohort, index) => checkCohort(cohort, index, issues));
  const clusterings = (config.clusterings ?? []).map((job, index) =>
    checkClustering(job, index, issues),
  );
  uniqueIds(config.cohorts ?? [], '(cohorts)', issues);
  uniqueIds(config.clusterings ?? [], '(clusterings)', issues);
  const traits = new Map<string, number>();
  (config.clusterings ?? []).forEach((job, index) => {
    const trait = traitOf(job);
    const other = traits.get(trait);
    if (other !== undefined) {
      issues.push({
        path: ['(clusterings)', index, 'trait'],
        message: `trait "${trait}" is also written by clustering ${other}`,
      });
    } else traits.set(trait, index);
  });
  return (plan) => {
    const boundCohorts: CohortRuntime[] = [];
    for (const cohort of cohorts) if (cohort !== undefined) boundCohorts.push(cohort(plan));
    const boundClusterings: ClusteringRuntime[] = [];
    for (const job of clusterings) if (job !== undefined) boundClusterings.push(job(plan));
    const memberships = new Set(segments.map((segment) => segment.id));
    for (const cohort of boundCohorts) for (const id of cohort.memberships) memberships.add(id);
    if (memberships.size === 0 && boundClusterings.length === 0) return emptySegmentSet;
    return Object.freeze({
      segments: Object.freeze(segments),
      byId: new Map(segments.map((segment) => [segment.id, segment])),
      index: buildSegmentIndex(segments, plan),
      cohorts: Object.freeze(boundCohorts),
      clusterings: Object.freeze(boundClusterings),
      memberships,
      ids: new Map([...memberships].map((id) => [id, id])),
      active: true,
    });
  };
}

/** The trait a clustering writes its label to. */
export function traitOf(job: Pick<ClusteringDefinition, 'id' | 'trait'>): string {
  return job.trait ?? `cluster_${job.id.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function compileSegmentList(
  definitions: readonly SegmentDefinition[],
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): SegmentRuntime[] {
  const compiled: SegmentRuntime[] = [];
  const seen = new Map<string, number>();
  definitions.forEach((definition: unknown, index) => {
    const path = ['(segments)', index];
    if (!isJsonObject(definition)) {
      issues.push({ path, message: 'must be a segment (an object)' });
      return;
    }
    const id = checkId(definition['id'], [...path, 'id'], issues);
    if (id !== undefined) {
      const other = seen.get(id);
      if (other !== undefined) {
        issues.push({
          path: [...path, 'id'],
          message: `duplicate segment id "${id}" (also segment ${other})`,
        });
      } else seen.set(id, index);
    }
    let condition: CompiledCondition;
    try {
      condition = compiler.add(definition['condition'], { event: false, context: false });
    } catch (error) {
      issues.push(...conditionIssues(error, [...path, 'condition']));
      return;
    }
    if (id === undefined) return;
    compiled.push(
      Object.freeze({
        id,
        rank: compiled.length,
        definition: definition as unknown as SegmentDefinition,
        condition,
        timed: condition.needs.readsTime,
        recheckTiming:
          condition.needs.readsTime &&
          (condition.needs.readsProfileFacts ||
            condition.needs.activity?.has('engagement') === true),
      }),
    );
  });
  return compiled;
}

function checkCohort(
  cohort: CohortDefinition,
  index: number,
  issues: RuleIssue[],
): ((plan: ProfilePlan) => CohortRuntime) | undefined {
  const path = ['(cohorts)', index];
  const before = issues.length;
  const id = checkId(cohort.id, [...path, 'id'], issues);
  const metric = compileMetric(cohort.metric);
  if (typeof metric === 'string') issues.push({ path: [...path, 'metric'], message: metric });
  const bands = Array.isArray(cohort.bands) ? cohort.bands : [];
  const bandIds = new Set<string>();
  let total = 0;
  bands.forEach((band, bandIndex) => {
    const bandId = checkId(band.id, [...path, 'bands', bandIndex, 'id'], issues);
    if (bandId !== undefined && bandIds.has(bandId)) {
      issues.push({
        path: [...path, 'bands', bandIndex, 'id'],
        message: `duplicate band id "${bandId}"`,
      });
    }
    if (bandId !== undefined) bandIds.add(bandId);
    total += band.percent;
  });
  if (bands.length < 2)
    issues.push({ path: [...path, 'bands'], message: 'needs at least 2 bands' });
  else if (Math.abs(total - 100) > 1e-6) {
    issues.push({ path: [...path, 'bands'], message: `percents add up to ${total}, not 100` });
  }
  if (issues.length > before || id === undefined || typeof metric === 'string') return undefined;
  const bind: MetricBinder = metric;
  return (plan) =>
    Object.freeze({
      id,
      definition: cohort,
      metric: bind(plan),
      memberships: Object.freeze(bands.map((band) => bandMembership(id, band.id))),
      percents: Object.freeze(bands.map((band) => band.percent)),
      sketchKey: `${id}\u0000${cohort.metric}`,
      rankKey: `${id}#${fnv1a(cohort.metric)}`,
    });
}

function checkClustering(
  job: ClusteringDefinition,
  index: number,
  issues: RuleIssue[],
): ((plan: ProfilePlan) => ClusteringRuntime) | undefined {
  const path = ['(clusterings)', index];
  const before = issues.length;
  const id = checkId(job.id, [...path, 'id'], issues);
  const binders: MetricBinder[] = [];
  const features = Array.isArray(job.features) ? job.features : [];
  features.forEach((feature, featureIndex) => {
    const metric = compileMetric(feature);
    if (typeof metric === 'string') {
      issues.push({ path: [...path, 'features', featureIndex], message: metric });
    } else binders.push(metric);
  });
  if (new Set(features).size !== features.length) {
    issues.push({ path: [...path, 'features'], message: 'lists a feature twice' });
  }
  if (job.k !== undefined && job.k.min > job.k.max) {
    issues.push({
      path: [...path, 'k'],
      message: `min (${job.k.min}) is above max (${job.k.max})`,
    });
  }
  let everyMs: number | undefined;
  if (job.every !== undefined) {
    everyMs = parseDuration(job.every);
    if (everyMs === undefined || everyMs < 60_000) {
      issues.push({ path: [...path, 'every'], message: 'must be a duration of at least 1m' });
    }
  }
  if (issues.length > before || id === undefined) return undefined;
  return (plan) =>
    Object.freeze({
      id,
      definition: job,
      features: Object.freeze(binders.map((bind) => bind(plan))),
      trait: traitOf(job),
      everyMs,
      scratch: new Array<number>(binders.length).fill(0),
    });
}

/** FNV-1a, 32 bits, hex: a short stable digest (not a security boundary). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

function checkId(id: unknown, path: (string | number)[], issues: RuleIssue[]): string | undefined {
  if (typeof id === 'string' && idPattern.test(id)) return id;
  issues.push({ path, message: 'must be an id: letters, digits, "_", "-", "."' });
  return undefined;
}

function uniqueIds(list: readonly { id: string }[], root: string, issues: RuleIssue[]): void {
  const seen = new Set<string>();
  list.forEach((item, index) => {
    if (typeof item?.id !== 'string') return;
    if (seen.has(item.id))
      issues.push({ path: [root, index, 'id'], message: `duplicate id "${item.id}"` });
    seen.add(item.id);
  });
}

/**
 * Lists each segment under the events that can change it, as the rule index does,
 * but finer about activity: a segment reading last seen, event count, sessions or
 * touches is evaluated on every event of the person; one reading engagement only on
 * events that have an engagement weight; one reading first seen only when the profile
 * is created or merged (evaluated whole then). Time is the `$segments` timer's.
 */
function buildSegmentIndex(segments: readonly SegmentRuntime[], plan: ProfilePlan): SegmentIndex {
  const byName = new Map<string, number[]>();
  /** Every segment naming an event, activity readers included. */
  const counting = new Map<string, number[]>();
  const always: number[] = [];
  const facts: number[] = [];
  const readingSegments: number[] = [];
  const timed: number[] = [];
  const weighted = plan.engagement.weights.map(([name]) => name);
  for (const segment of segments) {
    const needs: ConditionNeeds = segment.condition.needs;
    const rank = segment.rank;
    const named = [...needs.events].filter((name) => name !== '*');
    for (const name of named) listIn(counting, name).push(rank);
    const activity = needs.activity ?? new Set();
    const everyEvent =
      needs.events.has('*') ||
      (needs.readsActivity === true && needs.activity === undefined) ||
      [...activity].some((facet) => facet !== 'firstSeen' && facet !== 'engagement');
    const unnamed =
      named.length === 0 && !needs.readsProfileFacts && !needs.readsSegments && activity.size === 0;
    if (everyEvent || unnamed) always.push(rank);
    else {
      const names = new Set(named);
      if (activity.has('engagement')) for (const name of weighted) names.add(name);
      for (const name of names) listIn(byName, name).push(rank);
    }
    if (needs.readsProfileFacts) facts.push(rank);
    if (needs.readsSegments) readingSegments.push(rank);
    if (segment.timed) timed.push(rank);
  }
  const byEvent = new Map<string, readonly number[]>();
  const byEventWithFacts = new Map<string, readonly number[]>();
  for (const name of new Set([...byName.keys(), ...factEvents])) {
    const list = union(byName.get(name) ?? [], always);
    byEvent.set(name, list);
    byEventWithFacts.set(name, union(list, facts));
  }
  return {
    byEvent,
    byEventWithFacts,
    otherEvents: union(always, []),
    otherEventsWithFacts: union(always, facts),
    named: counting,
    facts,
    readingSegments,
    timed,
  };
}

function listIn(map: Map<string, number[]>, key: string): number[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}

function union(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}
