/**
 * Compiles the placements of a config version against its compiled content: ids
 * unique and safe, each default naming a content item of a type the placement shows.
 */
import { isJsonObject } from '../json/json.js';
import type { RuleIssue } from '../rules/rule.js';
import { checkId } from './compile-content.js';
import type { CompiledContent, CompiledPlacement } from './content.js';
import { contentTypes, type ContentType, type PlacementDefinition } from './content-schema.js';

/**
 * Checks and compiles placements, pushing every problem to `issues` (paths start with
 * "(placements)"). Returns the placements by id; one whose id is missing, unsafe or
 * taken is left out. Never throws.
 */
export function compilePlacements(
  placements: readonly PlacementDefinition[],
  content: ReadonlyMap<string, CompiledContent>,
  issues: RuleIssue[],
): Map<string, CompiledPlacement> {
  const compiled = new Map<string, CompiledPlacement>();
  if (!Array.isArray(placements)) {
    issues.push({ path: ['(placements)'], message: 'must be a list of placements' });
    return compiled;
  }
  placements.forEach((placement: unknown, index) => {
    const path = ['(placements)', index];
    if (!isJsonObject(placement)) {
      issues.push({ path, message: 'must be an object' });
      return;
    }
    const id = checkId(placement.id, compiled, [...path, 'id'], 'placement', issues);
    const types = compileTypes(placement.types, [...path, 'types'], issues);
    const defaultContent = placement.default;
    if (defaultContent !== undefined) checkDefault(defaultContent, types, content, path, issues);
    if (id === undefined) return;
    compiled.set(id, {
      id,
      ...(typeof defaultContent === 'string' ? { defaultContent } : {}),
      ...(types === undefined ? {} : { types }),
    });
  });
  return compiled;
}

function compileTypes(
  types: unknown,
  path: (string | number)[],
  issues: RuleIssue[],
): ReadonlySet<ContentType> | undefined {
  if (types === undefined) return undefined;
  if (!Array.isArray(types) || types.length === 0) {
    issues.push({ path, message: 'must be a non-empty list of content types' });
    return undefined;
  }
  const set = new Set<ContentType>();
  types.forEach((type: unknown, index) => {
    if ((contentTypes as readonly unknown[]).includes(type)) set.add(type as ContentType);
    else {
      issues.push({
        path: [...path, index],
        message: `unknown content type ${JSON.stringify(type)}; one of ${contentTypes.join(', ')}`,
      });
    }
  });
  return set;
}

function checkDefault(
  id: unknown,
  types: ReadonlySet<ContentType> | undefined,
  content: ReadonlyMap<string, CompiledContent>,
  path: (string | number)[],
  issues: RuleIssue[],
): void {
  const item = typeof id === 'string' ? content.get(id) : undefined;
  if (item === undefined) {
    issues.push({ path: [...path, 'default'], message: `unknown content ${JSON.stringify(id)}` });
  } else if (types !== undefined && !types.has(item.type)) {
    issues.push({
      path: [...path, 'default'],
      message: `content "${item.id}" is a ${item.type}; this placement shows ${[...types].join(', ')}`,
    });
  }
}
