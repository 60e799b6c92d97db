/**
 * An experiment's references to the rest of its config version: the placement and the
 * content items (and their content variants) its variants show, the flags (and flag
 * variants) they override, the flows (and flow variants) they choose, the flows and
 * steps of step metrics, the targeting segment.
 * A part of the version that is not given is not checked.
 */
import type { DecideRuntime } from '../decide/decide-runtime.js';
import type { CompiledFlagSet } from '../flags/flag.js';
import type { RuleIssue } from '../rules/rule.js';
import { checkBanditSegments } from './compile-bandit-experiment.js';
import type { CompiledExperiment } from './experiment.js';

type Path = (string | number)[];

export interface ExperimentReferences {
  /** The version's segment ids and cohort bands. */
  segments?: ReadonlySet<string>;
  /** The version's content, placements and flows. */
  decide?: DecideRuntime;
  flags?: CompiledFlagSet;
}

export function checkExperimentReferences(
  experiment: CompiledExperiment,
  path: Path,
  references: ExperimentReferences,
  issues: RuleIssue[],
): void {
  const { decide, flags, segments } = references;
  const { definition } = experiment;
  if (segments !== undefined && definition.segment !== undefined) {
    if (!segments.has(definition.segment)) {
      issues.push({
        path: [...path, 'segment'],
        message: `unknown segment "${definition.segment}" (a segment id, or "cohort:band")`,
      });
    }
  }
  if (segments !== undefined) checkBanditSegments(experiment, path, segments, issues);
  if (decide !== undefined) checkContent(experiment, path, decide, issues);
  if (decide !== undefined) checkFlowVariants(experiment, path, decide, issues);
  if (flags !== undefined) checkFlags(experiment, path, flags, issues);
  if (decide !== undefined) {
    experiment.metrics.forEach((metric, index) => {
      if (metric.type !== 'step') return;
      const at = [...path, 'metrics', index];
      const flow = decide.flows.byId.get(metric.flow as string);
      if (flow === undefined) {
        issues.push({ path: [...at, 'flow'], message: `unknown flow "${metric.flow}"` });
      } else if (!flow.stepsById.has(metric.step as string)) {
        issues.push({
          path: [...at, 'step'],
          message: `flow "${flow.id}" has no step "${metric.step}"`,
        });
      }
    });
  }
}

function checkContent(
  experiment: CompiledExperiment,
  path: Path,
  decide: DecideRuntime,
  issues: RuleIssue[],
): void {
  const placementId = experiment.placement;
  const placement = placementId === undefined ? undefined : decide.placements.get(placementId);
  if (placementId !== undefined && placement === undefined) {
    issues.push({ path: [...path, 'placement'], message: `unknown placement "${placementId}"` });
  }
  experiment.variants.forEach((variant, index) => {
    const at = [...path, 'variants', index];
    if (variant.content === undefined) {
      if (placement !== undefined && placement.defaultContent === undefined) {
        issues.push({
          path: [...at, 'content'],
          message: `needed: placement "${placementId}" has no default content to show this variant`,
        });
      }
      return;
    }
    if (placementId === undefined) {
      issues.push({
        path: [...at, 'content'],
        message: 'content variants need the experiment’s `placement`',
      });
      return;
    }
    const item = decide.content.get(variant.content.item);
    if (item === undefined) {
      issues.push({
        path: [...at, 'content', 'item'],
        message: `unknown content "${variant.content.item}"`,
      });
    } else if (
      variant.content.variant !== undefined &&
      !item.variants.includes(variant.content.variant)
    ) {
      issues.push({
        path: [...at, 'content', 'variant'],
        message: `content "${item.id}" has no variant "${variant.content.variant}"`,
      });
    } else if (placement?.types !== undefined && !placement.types.has(item.type)) {
      issues.push({
        path: [...at, 'content', 'item'],
        message: `a ${item.type} cannot show in placement "${placementId}"`,
      });
    }
  });
}

function checkFlags(
  experiment: CompiledExperiment,
  path: Path,
  flags: CompiledFlagSet,
  issues: RuleIssue[],
): void {
  experiment.variants.forEach((variant, index) => {
    if (variant.flag === undefined) return;
    const at = [...path, 'variants', index, 'flag'];
    const flag = flags.byKey.get(variant.flag.key);
    if (flag === undefined) {
      issues.push({ path: [...at, 'key'], message: `unknown flag "${variant.flag.key}"` });
    } else if (!Object.hasOwn(flag.definition.variants, variant.flag.variant)) {
      issues.push({
        path: [...at, 'variant'],
        message: `flag "${flag.key}" has no variant "${variant.flag.variant}"`,
      });
    }
  });
}

/** Flow variants: a known flow and variant, one flow per experiment. */
function checkFlowVariants(
  experiment: CompiledExperiment,
  path: Path,
  decide: DecideRuntime,
  issues: RuleIssue[],
): void {
  let first: { id: string; index: number } | undefined;
  experiment.variants.forEach((variant, index) => {
    if (variant.flow === undefined) return;
    const at = [...path, 'variants', index, 'flow'];
    const { id, variant: flowVariant } = variant.flow;
    const flow = decide.flows.byId.get(id);
    if (first !== undefined && first.id !== id) {
      issues.push({
        path: [...at, 'id'],
        message: `an experiment chooses variants of one flow (variant ${first.index} chooses in "${first.id}")`,
      });
    } else if (flow === undefined) {
      issues.push({ path: [...at, 'id'], message: `unknown flow "${id}"` });
    } else if (
      flowVariant !== undefined &&
      !flow.variants.some((candidate) => candidate.id === flowVariant)
    ) {
      issues.push({
        path: [...at, 'variant'],
        message: `flow "${id}" has no variant "${flowVariant}"`,
      });
    }
    first ??= { id, index };
  });
}
