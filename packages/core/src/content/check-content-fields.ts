/**
 * The fields each content type needs (docs/content.md): a tooltip points at a
 * `target` and says a `body`; a tour has `steps`, each with a `target`; banners,
 * messages, modals and offers say a `title` or a `body`.
 */
import type { RuleIssue } from '../rules/rule.js';
import type { ContentType } from './content-schema.js';

/** The most steps a tour may have. */
export const maxTourSteps = 50;

type Path = (string | number)[];

const selector = '"target": a CSS selector (a non-empty string)';
type Fields = Readonly<Record<string, unknown>>;

/**
 * Checks the type-specific fields of one fields object. `complete`: these are the
 * item's own fields, which must hold every required field; otherwise (a locale, a
 * variant) they replace some, and only the ones present are checked.
 */
export function checkContentFields(
  type: ContentType,
  fields: Fields,
  path: Path,
  complete: boolean,
  issues: RuleIssue[],
): void {
  switch (type) {
    case 'tooltip':
      checkText(fields, 'target', path, complete, issues, `a tooltip needs ${selector}`);
      checkText(
        fields,
        'body',
        path,
        complete,
        issues,
        'a tooltip needs "body": a non-empty string',
      );
      return;
    case 'tour':
      if (complete || fields.steps !== undefined)
        checkSteps(fields.steps, [...path, 'steps'], issues);
      return;
    case 'banner':
    case 'message':
    case 'modal':
    case 'offer':
      checkText(fields, 'title', path, false, issues, '"title" must be a non-empty string');
      checkText(fields, 'body', path, false, issues, '"body" must be a non-empty string');
      if (complete && fields.title === undefined && fields.body === undefined) {
        issues.push({ path, message: `a ${type} needs a "title" or a "body"` });
      }
      return;
    case 'checklist':
      return;
  }
}

/** A string field: required when `required`, and a non-empty string when present. */
function checkText(
  fields: Fields,
  key: string,
  path: Path,
  required: boolean,
  issues: RuleIssue[],
  message: string,
): void {
  const value = fields[key];
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ path: [...path, key], message });
  }
}

const stepId = '"step" must be the id of a step of the tour\'s flow';

function checkSteps(steps: unknown, path: Path, issues: RuleIssue[]): void {
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > maxTourSteps) {
    issues.push({ path, message: `a tour needs "steps": a list of 1 to ${maxTourSteps} steps` });
    return;
  }
  steps.forEach((step: unknown, index) => {
    if (typeof step !== 'object' || step === null || Array.isArray(step)) {
      issues.push({ path: [...path, index], message: 'a step must be an object' });
      return;
    }
    checkText(step as Fields, 'target', [...path, index], true, issues, `a step needs ${selector}`);
    checkText(step as Fields, 'step', [...path, index], false, issues, stepId);
  });
}
