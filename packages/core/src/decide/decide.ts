/**
 * decide(): what a profile should see in each requested placement, and why.
 * A pure function of (profile state, config version, request); it never throws.
 * Sources, in order: the rule decision standing on the profile (highest priority
 * won it when the rule fired), the next best step of a flow shown there, an
 * experiment variant (also for a visitor without a profile yet), the placement's
 * default. Without consent for personalization only the default is shown, rendered
 * without profile data.
 * docs/decide.md documents every reason.
 */
import type { RenderResult, TemplateScope } from '../content/content.js';
import { renderTemplate } from '../content/liquid.js';
import { flowView } from '../flows/flow-view.js';
import type { FlowView } from '../flows/flow.js';
import type { JsonObject } from '../json/json.js';
import type { EvalInput } from '../conditions/condition.js';
import { createProfile } from '../profiles/apply-event.js';
import type { PlacementDecision, ProfileState } from '../profiles/profile.js';
import type { CompiledRuleSet } from '../rules/rule.js';
import { runtimeOf } from '../rules/rule-runtime.js';
import type { DecideRuntimeInternals } from './compile-decide.js';
import type {
  DecideRequest,
  DecideResult,
  Decision,
  DecisionReason,
  FallbackReason,
  InteractionProperties,
  RenderedContent,
} from './decision.js';
import { dismissedAt, shownCount } from './interactions.js';
import {
  allowsPersonalization,
  baseScope,
  emptyView,
  profileLocale,
  type BaseScope,
} from './decide-context.js';
import { experimentCandidate } from './experiment-source.js';
import { experimentKey } from '../experiments/assign-experiment.js';
import { flowExperimentChoice } from '../experiments/flow-experiments.js';

interface Run {
  readonly set: CompiledRuleSet;
  readonly runtime: DecideRuntimeInternals;
  readonly profile: ProfileState | undefined;
  readonly request: DecideRequest;
  readonly personalized: boolean;
  readonly locale: string | undefined;
  readonly base: BaseScope;
  readonly views: Map<string, FlowView>;
  readonly result: DecideResult;
  /** The empty profile content conditions read when there is no (consented) profile. */
  anonymous?: ProfileState;
}

/** A source's candidate before rendering. */
interface Candidate {
  content: string;
  reason: DecisionReason;
  variant?: string;
  variables?: JsonObject;
  flow?: string;
  step?: string;
  validUntil?: number;
  /** An experiment's exposure, sent with the track (experiment-source.ts). */
  exposure?: { experiment: string; variant: string };
}

export function decide(
  set: CompiledRuleSet,
  profile: ProfileState | undefined,
  request: DecideRequest,
): DecideResult {
  const runtime = set.decide as DecideRuntimeInternals;
  const personalized = allowsPersonalization(runtime, profile, request);
  const locale =
    request.locale ?? (personalized && profile !== undefined ? profileLocale(profile) : undefined);
  const result: DecideResult = { decisions: {}, personalized, failures: [] };
  const run: Run = {
    set,
    runtime,
    profile: personalized ? profile : undefined,
    request,
    personalized,
    locale,
    base: baseScope(personalized ? profile : undefined, request, locale ?? runtime.defaultLocale),
    views: new Map(),
    result,
  };
  for (const placement of request.placements) {
    const decision = decidePlacement(run, placement);
    result.decisions[placement] = decision;
    if (decision.validUntil !== undefined) {
      result.validUntil = Math.min(result.validUntil ?? Infinity, decision.validUntil);
    }
  }
  if (request.flows) {
    result.flows = {};
    for (const flow of runtime.flows.flows) result.flows[flow.id] = checklistOf(run, flow.id);
  }
  return result;
}

function decidePlacement(run: Run, placement: string): Decision {
  let error: Decision['error'];
  let validUntil: number | undefined;
  if (run.personalized && run.profile !== undefined) {
    const fromRule = ruleCandidate(run, run.profile, placement);
    validUntil = fromRule.validUntil;
    if (fromRule.candidate !== undefined) {
      const shown = show(run, placement, fromRule.candidate);
      if (shown.decision !== undefined) return withValidity(shown.decision, validUntil);
      error = shown.error;
    }
    if (error === undefined) {
      const fromFlow = flowCandidate(run, placement);
      if (fromFlow !== undefined) {
        const shown = show(run, placement, fromFlow);
        if (shown.decision !== undefined) return withValidity(shown.decision, validUntil);
        error = shown.error;
      }
    }
  }
  // A visitor without a profile yet too: the variant their first event will keep.
  if (error === undefined && run.personalized && run.set.experiments.byPlacement.has(placement)) {
    const fromExperiment = experimentCandidate(
      run.set.experiments,
      placement,
      conditionInput(run),
      experimentKey(run.profile, run.request.experimentKey),
      run.runtime.placements.get(placement)?.defaultContent,
      (content) => isDismissed(run, content),
    );
    if (fromExperiment !== undefined) {
      const shown = show(run, placement, fromExperiment);
      if (shown.decision !== undefined) return withValidity(shown.decision, validUntil);
      error = shown.error;
    }
  }
  const fallback: FallbackReason | undefined =
    error?.code ?? (run.personalized ? undefined : 'no-consent');
  const defaultId = run.runtime.placements.get(placement)?.defaultContent;
  if (defaultId !== undefined && !isDismissed(run, defaultId)) {
    const reason: DecisionReason =
      fallback === undefined ? { type: 'default' } : { type: 'default', fallback };
    const shown = show(run, placement, { content: defaultId, reason });
    if (shown.decision !== undefined) {
      if (error !== undefined) shown.decision.error = error;
      return withValidity(shown.decision, validUntil);
    }
    error ??= shown.error;
  }
  const none: Decision = {
    placement,
    content: null,
    reason:
      fallback === undefined && error === undefined
        ? { type: 'none' }
        : { type: 'none', fallback: error?.code ?? (fallback as FallbackReason) },
  };
  if (error !== undefined) none.error = error;
  return withValidity(none, validUntil);
}

/** Bounds a decision built for this call (not shared: it is changed in place). */
function withValidity(decision: Decision, validUntil: number | undefined): Decision {
  if (validUntil === undefined) return decision;
  const until = Math.min(decision.validUntil ?? Infinity, validUntil);
  if (Number.isFinite(until)) decision.validUntil = until;
  return decision;
}

/** The standing rule decision, unless expired, orphaned, used up or dismissed. */
function ruleCandidate(
  run: Run,
  profile: ProfileState,
  placement: string,
): { candidate?: Candidate; validUntil?: number } {
  const decisions = profile.decisions;
  if (decisions === undefined || !Object.hasOwn(decisions, placement)) return {};
  const decision = decisions[placement] as PlacementDecision;
  const now = run.request.now;
  if (decision.expiresAt !== undefined && decision.expiresAt <= now) return {};
  const rule = runtimeOf(run.set).byId.get(decision.rule);
  if (rule === undefined || !rule.enabled) return {};
  if (
    decision.maxShows !== undefined &&
    shownCount(profile, decision.content) >= decision.maxShows
  ) {
    return {};
  }
  const dismissed = dismissedAt(profile, decision.content);
  const validUntil = decision.expiresAt;
  if (dismissed !== undefined && decision.afterDismiss !== 0) {
    if (decision.afterDismiss === undefined) return {};
    const again = dismissed + decision.afterDismiss;
    if (again > now) return { validUntil: Math.min(again, validUntil ?? Infinity) };
  }
  // Built key by key (no conditional spreads): every decide call and push runs this.
  const reason: Extract<DecisionReason, { type: 'rule' }> = {
    type: 'rule',
    rule: decision.rule,
    version: decision.version,
    priority: decision.priority,
    at: decision.at,
  };
  if (decision.segment !== undefined) reason.segment = decision.segment;
  if (decision.variant !== undefined) reason.variant = decision.variant;
  const candidate: Candidate = { content: decision.content, reason };
  if (decision.variant !== undefined) candidate.variant = decision.variant;
  if (decision.variables !== undefined) candidate.variables = decision.variables;
  if (decision.expiresAt !== undefined) candidate.validUntil = decision.expiresAt;
  return validUntil === undefined ? { candidate } : { candidate, validUntil };
}

/** The next best step of the first flow shown in this placement that has one here. */
function flowCandidate(run: Run, placement: string): Candidate | undefined {
  const flowIds = run.runtime.flowsByPlacement.get(placement);
  if (flowIds === undefined) return undefined;
  for (const flowId of flowIds) {
    const flow = run.runtime.flows.byId.get(flowId);
    if (flow === undefined) continue;
    const view = viewOf(run, flowId);
    // Eligible but not started: the profile's next event starts it; show step one now.
    if (!(view.started || view.eligible === true) || view.completed) continue;
    if (view.nextBest === undefined) continue;
    const step = flow.stepsById.get(view.nextBest);
    if (step?.content === undefined || step.placement !== placement) continue;
    if (isDismissed(run, step.content)) continue;
    const reason: Extract<DecisionReason, { type: 'flow' }> = {
      type: 'flow',
      flow: flowId,
      step: step.id,
    };
    if (view.variant !== undefined) reason.variant = view.variant;
    const candidate: Candidate = { content: step.content, reason, flow: flowId, step: step.id };
    if (run.set.experiments.byFlow.has(flowId)) {
      Object.assign(candidate, flowExposure(run, flowId, view.variant));
    }
    return candidate;
  }
  return undefined;
}

/** A running flow experiment's exposure, when the view shows the variant it chose. */
function flowExposure(
  run: Run,
  flowId: string,
  shown: string | undefined,
): { exposure: { experiment: string; variant: string } } | undefined {
  const choice = flowExperimentChoice(run.set.experiments, flowId, conditionInput(run));
  if (choice === undefined || !choice.running) return undefined;
  if (choice.chooses && choice.flowVariant !== shown) return undefined;
  return { exposure: { experiment: choice.experiment, variant: choice.variant } };
}

/** Default and flow-step content the user dismissed stays hidden (only rules say otherwise). */
function isDismissed(run: Run, content: string): boolean {
  return run.profile !== undefined && dismissedAt(run.profile, content) !== undefined;
}

/** Renders a candidate; a failure is recorded and reported for the fallback. */
function show(
  run: Run,
  placement: string,
  candidate: Candidate,
): { decision?: Decision; error?: NonNullable<Decision['error']> } {
  const item = run.runtime.content.get(candidate.content);
  if (item === undefined) {
    return failed(
      run,
      placement,
      candidate.content,
      'unknown-content',
      'no such content in this version',
    );
  }
  const allowed = run.runtime.placements.get(placement)?.types;
  if (allowed !== undefined && !allowed.has(item.type)) {
    return failed(run, placement, item.id, 'wrong-type', `a ${item.type} cannot show here`);
  }
  // Content that does not apply here (its `when`: the page, the profile) yields to the next source.
  const when = run.runtime.contentWhen.get(item.id);
  if (when !== undefined && !when.test(conditionInput(run))) return {};
  const checklist = item.flow === undefined ? undefined : checklistOf(run, item.flow);
  const scope = placementScope(run, placement, candidate, checklist);
  const rendered: RenderResult = item.render(
    candidate.variant === undefined
      ? { locale: run.locale, scope }
      : { locale: run.locale, variant: candidate.variant, scope },
  );
  if (!rendered.ok) return failed(run, placement, item.id, rendered.code, rendered.message);
  // Built key by key in the order clients see (no conditional spreads): this runs
  // for every placement of every decide call and push.
  const content: RenderedContent = {
    id: item.id,
    type: item.type,
    locale: rendered.locale,
  } as RenderedContent;
  if (rendered.variant !== undefined) content.variant = rendered.variant;
  content.fields = rendered.fields;
  if (checklist !== undefined) content.checklist = checklist;
  const track: InteractionProperties = { placement, content: item.id };
  if (rendered.variant !== undefined) track.variant = rendered.variant;
  if (candidate.reason.type === 'rule') track.rule = candidate.reason.rule;
  if (candidate.flow !== undefined) track.flow = candidate.flow;
  if (candidate.step !== undefined) track.step = candidate.step;
  if (candidate.exposure !== undefined) Object.assign(track, candidate.exposure);
  const decision: Decision = { placement, content, reason: candidate.reason, track };
  if (candidate.validUntil !== undefined) decision.validUntil = candidate.validUntil;
  return { decision };
}

/** What content conditions read: the profile (an empty one for visitors or without consent) and the request. */
function conditionInput(run: Run): EvalInput {
  const profile = run.profile ?? (run.anonymous ??= createProfile('', run.request.now));
  return { profile, now: run.request.now, context: run.request.context };
}

function failed(
  run: Run,
  placement: string,
  content: string,
  code: FallbackReason,
  message: string,
): { error: NonNullable<Decision['error']> } {
  if (code === 'missing-data' || code === 'render-error') {
    run.result.failures.push({ placement, content, code, message });
  }
  return { error: { code, message, content } };
}

function viewOf(run: Run, flowId: string): FlowView {
  const cached = run.views.get(flowId);
  if (cached !== undefined) return cached;
  const flow = run.runtime.flows.byId.get(flowId);
  const view =
    flow === undefined || run.profile === undefined
      ? emptyView(flowId, flow)
      : flowView(flow, run.profile, { now: run.request.now, experiments: run.set.experiments });
  run.views.set(flowId, view);
  return view;
}

/** The checklist's flow view with step titles rendered (non-strict: a title never fails). */
function checklistOf(run: Run, flowId: string): FlowView {
  const view = viewOf(run, flowId);
  const titles = run.runtime.stepTitles.get(flowId);
  const steps = view.steps.slice();
  if (titles !== undefined) {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as FlowView['steps'][number];
      const title = titles.get(step.id);
      if (title === undefined) continue;
      const rendered = renderTemplate(title, run.base, { strict: false });
      if (rendered.ok) steps[i] = { ...step, title: rendered.text };
    }
  }
  return { ...view, steps };
}

function placementScope(
  run: Run,
  placement: string,
  candidate: Candidate,
  checklist: FlowView | undefined,
): TemplateScope {
  // One literal of one shape (no spread of the base): three or more per decide call.
  // Keys left undefined read as missing in templates, as absent keys do.
  const { base } = run;
  return {
    context: base.context,
    locale: base.locale,
    traits: base.traits,
    user: base.user,
    segments: base.segments,
    metrics: base.metrics,
    placement,
    variables: candidate.variables,
    flow: candidate.flow === undefined ? undefined : viewOf(run, candidate.flow),
    checklist,
  };
}
