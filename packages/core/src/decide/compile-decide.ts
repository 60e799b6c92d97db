/**
 * Compiles a config version's content, placements and flows into the runtime
 * decide reads, and checks what refers to what: placement defaults, checklist
 * flows, flow placements and step content, and the rules' decide and advanceFlow
 * actions. Problems are pushed as RuleIssues ('(content)', '(placements)',
 * '(flows)', '(contentSettings)' roots, or the rule's own path).
 */
import type { CompiledCondition } from '../conditions/condition.js';
import type { ConditionCompiler } from '../conditions/condition-compiler.js';
import { conditionIssues } from '../rules/compile-trigger.js';
import type { CompiledContent, CompiledPlacement } from '../content/content.js';
import type { ContentType } from '../content/content-schema.js';
import { compileContentList } from '../content/compile-content.js';
import { compilePlacements } from '../content/compile-placements.js';
import { compileTemplate, type CompiledTemplate } from '../content/liquid.js';
import { canonicalLocale } from '../content/locale.js';
import { addFlows, emptyFlowSet } from '../flows/compile-flows.js';
import type { FlowSetRuntime } from '../flows/flow.js';
import type { RuleIssue } from '../rules/rule.js';
import type { RuleDefinition } from '../rules/rule-schema.js';
import { isJsonObject } from '../json/json.js';
import type { CompiledAction } from '../rules/rule-runtime.js';
import type { DecideConfig } from './decide-config.js';
import type { DecideRuntime } from './decide-runtime.js';

/** The runtime with its step-title templates (decide renders them in checklists). */
export interface DecideRuntimeInternals extends DecideRuntime {
  /** `<flow>\u0000<step>` → the step's compiled title. */
  /** Flow id → step id → its compiled title. */
  readonly stepTitles: ReadonlyMap<string, ReadonlyMap<string, CompiledTemplate>>;
  /** Content id → its `when`, checked at decide time (profile and request context). */
  readonly contentWhen: ReadonlyMap<string, CompiledCondition>;
}

export const emptyDecideRuntime: DecideRuntimeInternals = Object.freeze({
  content: new Map<string, CompiledContent>(),
  placements: new Map<string, CompiledPlacement>(),
  flows: emptyFlowSet,
  flowsByPlacement: new Map<string, readonly string[]>(),
  defaultLocale: 'en',
  stepTitles: new Map<string, Map<string, CompiledTemplate>>(),
  contentWhen: new Map<string, CompiledCondition>(),
});

/** Call after the condition compiler finished (flow conditions are bound then). */
export type DecideBinder = () => DecideRuntimeInternals;

export function addDecide(
  config: DecideConfig,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): DecideBinder {
  const settings = config.contentSettings;
  const defaultLocale = canonicalLocale(settings?.defaultLocale ?? 'en');
  if (defaultLocale === undefined) {
    issues.push({
      path: ['(contentSettings)', 'defaultLocale'],
      message: 'must be a BCP 47 language tag such as "en" or "fr-CA"',
    });
  }
  const empty =
    (config.content ?? []).length === 0 &&
    (config.placements ?? []).length === 0 &&
    (config.flows ?? []).length === 0 &&
    settings?.consentCategory === undefined &&
    (defaultLocale === undefined || defaultLocale === 'en');
  if (empty) return () => emptyDecideRuntime;
  const content = compileContentList(
    config.content ?? [],
    { defaultLocale: defaultLocale ?? 'en' },
    issues,
  );
  const placements = compilePlacements(config.placements ?? [], content, issues);
  const bindFlows = addFlows(config.flows ?? [], compiler, issues);
  const stepTitles = compileStepTitles(config, issues);
  const contentWhen = compileContentConditions(config, compiler, issues);
  checkContentFlows(config, issues);
  return () => {
    const flows = bindFlows();
    checkFlowReferences(flows, content, placements, issues);
    return Object.freeze({
      content,
      placements,
      flows,
      flowsByPlacement: flowsByPlacement(flows),
      defaultLocale: defaultLocale ?? 'en',
      ...(settings?.consentCategory === undefined
        ? {}
        : { consentCategory: settings.consentCategory }),
      stepTitles,
      contentWhen,
    });
  };
}

/** Content `when` conditions: over the profile and the decide request's context. */
function compileContentConditions(
  config: DecideConfig,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): Map<string, CompiledCondition> {
  const conditions = new Map<string, CompiledCondition>();
  (config.content ?? []).forEach((item, index) => {
    if (item?.when === undefined) return;
    const path = ['(content)', index, 'when'];
    try {
      const condition = compiler.add(item.when, { context: true });
      if (condition.needs.readsEvent) {
        issues.push({ path, message: 'reads event.*, but decide has no event' });
      } else conditions.set(item.id, condition);
    } catch (error) {
      issues.push(...conditionIssues(error, path));
    }
  });
  return conditions;
}

function compileStepTitles(
  config: DecideConfig,
  issues: RuleIssue[],
): Map<string, Map<string, CompiledTemplate>> {
  const titles = new Map<string, Map<string, CompiledTemplate>>();
  (config.flows ?? []).forEach((flow, i) => {
    (Array.isArray(flow.steps) ? flow.steps : []).forEach((step, j) => {
      if (typeof step?.title !== 'string') return;
      try {
        let ofFlow = titles.get(flow.id);
        if (ofFlow === undefined) titles.set(flow.id, (ofFlow = new Map()));
        ofFlow.set(step.id, compileTemplate(step.title));
      } catch (error) {
        issues.push({
          path: ['(flows)', i, 'steps', j, 'title'],
          message: (error as Error).message,
        });
      }
    });
  });
  return titles;
}

/**
 * A checklist or a tour shows a flow of the same version; a tour step's `step` names a
 * step of that flow (its completion is the flow step's, so the server keeps the tour's
 * progress), and a tour without a flow cannot name steps.
 */
function checkContentFlows(config: DecideConfig, issues: RuleIssue[]): void {
  const flows = new Map((config.flows ?? []).map((flow) => [flow.id, flow]));
  (config.content ?? []).forEach((item, index) => {
    const flow = typeof item?.flow === 'string' ? flows.get(item.flow) : undefined;
    if (typeof item?.flow === 'string' && flow === undefined) {
      issues.push({ path: ['(content)', index, 'flow'], message: `unknown flow "${item.flow}"` });
    }
    if (item?.type !== 'tour') return;
    const stepIds = new Set(flow?.steps?.map((step) => step.id));
    const steps = (item.fields as { steps?: unknown }).steps;
    if (!Array.isArray(steps)) return;
    steps.forEach((step: unknown, i) => {
      const id = (step as { step?: unknown } | null)?.step;
      if (typeof id !== 'string' || stepIds.has(id)) return;
      issues.push({
        path: ['(content)', index, 'fields', 'steps', i, 'step'],
        message:
          flow === undefined
            ? 'a tour step names a flow step only when the tour has a "flow"'
            : `unknown step "${id}" of flow "${flow.id}"`,
      });
    });
  });
}

function checkFlowReferences(
  flows: FlowSetRuntime,
  content: ReadonlyMap<string, CompiledContent>,
  placements: ReadonlyMap<string, CompiledPlacement>,
  issues: RuleIssue[],
): void {
  flows.flows.forEach((flow, i) => {
    if (flow.placement !== undefined && !placements.has(flow.placement)) {
      issues.push({
        path: ['(flows)', i, 'placement'],
        message: `unknown placement "${flow.placement}"`,
      });
    }
    for (const step of flow.steps) {
      const at = ['(flows)', i, 'steps', step.index];
      if (step.placement !== undefined && !placements.has(step.placement)) {
        issues.push({
          path: [...at, 'placement'],
          message: `unknown placement "${step.placement}"`,
        });
      }
      if (step.content === undefined) continue;
      const item = content.get(step.content);
      if (item === undefined) {
        issues.push({ path: [...at, 'content'], message: `unknown content "${step.content}"` });
        continue;
      }
      if (step.placement === undefined) {
        issues.push({
          path: [...at, 'content'],
          message: "a step with content needs a placement (its own or the flow's)",
        });
        continue;
      }
      const allowed = placements.get(step.placement)?.types;
      if (allowed !== undefined && !allowed.has(item.type)) {
        issues.push({
          path: [...at, 'content'],
          message: typeMessage(item.type, step.placement, allowed),
        });
      }
    }
  });
}

function flowsByPlacement(flows: FlowSetRuntime): Map<string, readonly string[]> {
  const byPlacement = new Map<string, string[]>();
  for (const flow of flows.flows) {
    for (const step of flow.steps) {
      if (step.placement === undefined || step.content === undefined) continue;
      const list = byPlacement.get(step.placement) ?? [];
      if (!list.includes(flow.id)) list.push(flow.id);
      byPlacement.set(step.placement, list);
    }
  }
  return byPlacement;
}

function typeMessage(type: ContentType, placement: string, allowed: ReadonlySet<string>): string {
  return `is a ${type}, but placement "${placement}" shows ${[...allowed].join(', ')}`;
}

/**
 * The rules' references into the decide config: a decide action's placement (when
 * the version has placements), content, variant and type.
 */
export function checkActionReferences(
  rules: readonly { order: number; actions: readonly CompiledAction[] }[],
  decide: DecideRuntime,
  issues: RuleIssue[],
): void {
  const checkPlacements = decide.placements.size > 0;
  const checkContent = decide.content.size > 0;
  for (const rule of rules) {
    rule.actions.forEach((action, j) => {
      const at = (field: string) => [rule.order, 'actions', j, field];
      if (action.type !== 'decide' && action.type !== 'clearDecision') return;
      const placement = decide.placements.get(action.placement);
      if (checkPlacements && placement === undefined) {
        issues.push({ path: at('placement'), message: `unknown placement "${action.placement}"` });
      }
      if (action.type === 'clearDecision') return;
      const item = decide.content.get(action.content);
      if (item === undefined) {
        if (checkContent) {
          issues.push({ path: at('content'), message: `unknown content "${action.content}"` });
        }
        return;
      }
      if (action.variant !== undefined && !item.variants.includes(action.variant)) {
        issues.push({
          path: at('variant'),
          message: `content "${item.id}" has no variant "${action.variant}"`,
        });
      }
      if (placement?.types !== undefined && !placement.types.has(item.type)) {
        issues.push({
          path: at('content'),
          message: typeMessage(item.type, action.placement, placement.types),
        });
      }
    });
  }
}

/**
 * A rule's advanceFlow without a step needs a flow defined in config; a step it
 * names must be one of that flow's. Checked on the definitions, before the compile.
 */
export function checkFlowActions(
  rules: readonly RuleDefinition[],
  config: DecideConfig,
  issues: RuleIssue[],
): void {
  const flows = new Map<unknown, Set<unknown>>();
  for (const flow of config.flows ?? []) {
    const steps = Array.isArray(flow?.steps) ? flow.steps : [];
    flows.set(flow?.id, new Set(steps.map((step) => step?.id)));
  }
  rules.forEach((rule, index) => {
    const actions: readonly unknown[] = Array.isArray(rule?.actions) ? rule.actions : [];
    actions.forEach((action, j) => {
      if (!isJsonObject(action) || action['type'] !== 'advanceFlow') return;
      const steps = flows.get(action['flow']);
      const step = action['step'];
      const path = [index, 'actions', j, 'step'];
      if (step === undefined && steps === undefined) {
        issues.push({
          path,
          message: `is required: flow ${JSON.stringify(action['flow'])} is not defined in config`,
        });
      } else if (step !== undefined && steps !== undefined && !steps.has(step)) {
        issues.push({
          path,
          message: `flow ${JSON.stringify(action['flow'])} has no step ${JSON.stringify(step)}`,
        });
      }
    });
  });
}
