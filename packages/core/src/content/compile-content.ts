/**
 * Compiles the content items of a config version: every problem reported with the
 * field at fault, every template parsed once, and, per variant and locale, the
 * fields merged ahead of time, so rendering only walks a tree (docs/content.md).
 */
import { isJsonObject, isUnsafeKey } from '../json/json.js';
import type { RuleIssue } from '../rules/rule.js';
import { checkContentFields } from './check-content-fields.js';
import type { CompiledContent, RenderRequest, RenderResult } from './content.js';
import { contentTypes, type ContentItem, type ContentType } from './content-schema.js';
import {
  compileFieldTree,
  mergeFieldTrees,
  renderFieldTree,
  type FieldRender,
  type ObjectNode,
} from './field-tree.js';
import { RenderBudget } from './liquid.js';
import { canonicalLocale, localeChain, rememberedChain } from './locale.js';

export interface CompileContentOptions {
  /** The locale of the items' own `fields` (contentSettings.defaultLocale). */
  defaultLocale: string;
}

type Path = (string | number)[];

/** Fields at one level: the item's or a variant's own, and per canonical locale. */
interface Layers {
  fields: ObjectNode;
  locales: ReadonlyMap<string, ObjectNode>;
}

/** The merged fields of the item or one variant, per locale it has. */
interface LocaleTrees {
  byLocale: ReadonlyMap<string, ObjectNode>;
  /** What a request for no locale, or one it has nothing for, gets: the default locale's. */
  fallbackLocale: string;
  fallbackTree: ObjectNode;
}

/**
 * Checks and compiles content items, pushing every problem to `issues` (paths start
 * with "(content)"). Returns the items by id; an item whose id is missing, unsafe or
 * taken is left out. Never throws.
 */
export function compileContentList(
  items: readonly ContentItem[],
  options: CompileContentOptions,
  issues: RuleIssue[],
): Map<string, CompiledContent> {
  const compiled = new Map<string, CompiledContent>();
  if (!Array.isArray(items)) {
    issues.push({ path: ['(content)'], message: 'must be a list of content items' });
    return compiled;
  }
  const defaultLocale = canonicalLocale(options.defaultLocale) ?? 'en';
  items.forEach((item: unknown, index) => {
    const path: Path = ['(content)', index];
    if (!isJsonObject(item)) {
      issues.push({ path, message: 'must be an object' });
      return;
    }
    const id = checkId(item.id, compiled, [...path, 'id'], 'content', issues);
    const content = compileItem(item as unknown as ContentItem, path, defaultLocale, issues);
    if (id !== undefined && content !== undefined) compiled.set(id, content);
  });
  return compiled;
}

/** The id when it is a usable, unused one; else reports why and returns undefined. */
export function checkId(
  id: unknown,
  taken: ReadonlyMap<string, unknown>,
  path: Path,
  what: string,
  issues: RuleIssue[],
): string | undefined {
  if (typeof id !== 'string' || id === '') {
    issues.push({ path, message: `missing ${what} id` });
    return undefined;
  }
  if (isUnsafeKey(id)) {
    issues.push({ path, message: `"${id}" is not allowed as an id` });
    return undefined;
  }
  if (taken.has(id)) {
    issues.push({ path, message: `duplicate ${what} id "${id}"` });
    return undefined;
  }
  return id;
}

function compileItem(
  item: ContentItem,
  path: Path,
  defaultLocale: string,
  issues: RuleIssue[],
): CompiledContent | undefined {
  const type = checkType(item, path, issues);
  const own = compileLayers(item, path, type, true, issues);
  const fallback =
    item.fallback === undefined
      ? undefined
      : compileFieldTree(item.fallback, [...path, 'fallback'], issues);
  const variants = compileVariants(item, path, type, own, defaultLocale, issues);
  if (type === undefined) return undefined;
  const ownTrees = mergeLayers(own, undefined, defaultLocale);
  const locales = new Set(own.locales.keys());
  for (const trees of variants.values()) for (const tag of trees.byLocale.keys()) locales.add(tag);
  const render = (request: RenderRequest): RenderResult =>
    renderContent(request, ownTrees, variants, fallback, defaultLocale);
  return {
    id: String(item.id),
    type,
    ...(typeof item.flow === 'string' ? { flow: item.flow } : {}),
    definition: item,
    locales: [...locales],
    variants: [...variants.keys()],
    render,
  };
}

/** The item's type when known; also checks `flow` (checklists need one, tours may have one). */
function checkType(item: ContentItem, path: Path, issues: RuleIssue[]): ContentType | undefined {
  const type = (contentTypes as readonly unknown[]).includes(item.type) ? item.type : undefined;
  if (type === undefined) {
    issues.push({
      path: [...path, 'type'],
      message: `unknown content type ${JSON.stringify(item.type)}; one of ${contentTypes.join(', ')}`,
    });
  }
  if (type === 'checklist' && (typeof item.flow !== 'string' || item.flow === '')) {
    issues.push({
      path: [...path, 'flow'],
      message: 'a checklist needs "flow": the flow it shows',
    });
  }
  if (type !== 'checklist' && type !== 'tour' && item.flow !== undefined) {
    issues.push({
      path: [...path, 'flow'],
      message: '"flow" is only allowed on checklists and tours',
    });
  }
  return type;
}

/** Compiles `fields` and `locales` of the item (`complete`) or of a variant. */
function compileLayers(
  source: { fields?: unknown; locales?: unknown },
  path: Path,
  type: ContentType | undefined,
  complete: boolean,
  issues: RuleIssue[],
): Layers {
  const fieldsPath = [...path, 'fields'];
  const fields =
    source.fields === undefined && !complete
      ? undefined
      : compileFieldTree(source.fields, fieldsPath, issues);
  if (type !== undefined && isJsonObject(source.fields)) {
    checkContentFields(type, source.fields, fieldsPath, complete, issues);
  }
  const locales = new Map<string, ObjectNode>();
  if (source.locales !== undefined && !isJsonObject(source.locales)) {
    issues.push({ path: [...path, 'locales'], message: 'must be an object: locale tag → fields' });
  } else if (source.locales !== undefined) {
    const written = new Map<string, string>();
    for (const [tag, value] of Object.entries(source.locales)) {
      const tagPath = [...path, 'locales', tag];
      const canonical = checkLocaleTag(tag, written, tagPath, issues);
      const tree = compileFieldTree(value, tagPath, issues);
      if (type !== undefined && isJsonObject(value)) {
        checkContentFields(type, value, tagPath, false, issues);
      }
      if (canonical !== undefined) locales.set(canonical, tree);
    }
  }
  return { fields: fields ?? { kind: 'object', keys: [], values: [] }, locales };
}

function checkLocaleTag(
  tag: string,
  written: Map<string, string>,
  path: Path,
  issues: RuleIssue[],
): string | undefined {
  const canonical = canonicalLocale(tag);
  if (canonical === undefined || localeChain(canonical)[0] !== canonical) {
    issues.push({ path, message: `invalid locale tag "${tag}"; a BCP 47 tag such as "fr-CA"` });
    return undefined;
  }
  const other = written.get(canonical);
  if (other !== undefined) {
    issues.push({ path, message: `locale "${tag}" is the same as "${other}"` });
    return undefined;
  }
  written.set(canonical, tag);
  return canonical;
}

function compileVariants(
  item: ContentItem,
  path: Path,
  type: ContentType | undefined,
  own: Layers,
  defaultLocale: string,
  issues: RuleIssue[],
): Map<string, LocaleTrees> {
  const variants = new Map<string, LocaleTrees>();
  if (item.variants === undefined) return variants;
  if (!Array.isArray(item.variants)) {
    issues.push({ path: [...path, 'variants'], message: 'must be a list of variants' });
    return variants;
  }
  item.variants.forEach((variant: unknown, index) => {
    const variantPath = [...path, 'variants', index];
    if (!isJsonObject(variant)) {
      issues.push({ path: variantPath, message: 'must be an object' });
      return;
    }
    const id = checkId(variant.id, variants, [...variantPath, 'id'], 'variant', issues);
    const layers = compileLayers(variant, variantPath, type, false, issues);
    if (id !== undefined) variants.set(id, mergeLayers(own, layers, defaultLocale));
  });
  return variants;
}

/**
 * The merged trees: at each level (default, then each locale of a tag's chain from
 * its language to the tag), the item's fields, then the variant's over them.
 */
function mergeLayers(own: Layers, variant: Layers | undefined, defaultLocale: string): LocaleTrees {
  const base = variant === undefined ? own.fields : mergeFieldTrees(own.fields, variant.fields);
  const tags = new Set(own.locales.keys());
  if (variant !== undefined) for (const tag of variant.locales.keys()) tags.add(tag);
  const byLocale = new Map<string, ObjectNode>();
  for (const tag of tags) {
    let tree = base;
    for (const level of localeChain(tag).reverse()) {
      const ownFields = own.locales.get(level);
      if (ownFields !== undefined) tree = mergeFieldTrees(tree, ownFields);
      const variantFields = variant?.locales.get(level);
      if (variantFields !== undefined) tree = mergeFieldTrees(tree, variantFields);
    }
    byLocale.set(tag, tree);
  }
  const match = pickLocale(byLocale, defaultLocale);
  return match === undefined
    ? { byLocale, fallbackLocale: defaultLocale, fallbackTree: base }
    : { byLocale, fallbackLocale: match, fallbackTree: byLocale.get(match) as ObjectNode };
}

function renderContent(
  request: RenderRequest,
  own: LocaleTrees,
  variants: ReadonlyMap<string, LocaleTrees>,
  fallback: ObjectNode | undefined,
  defaultLocale: string,
): RenderResult {
  try {
    const variant = typeof request.variant === 'string' ? request.variant : undefined;
    const variantTrees = variant === undefined ? undefined : variants.get(variant);
    const trees = variantTrees ?? own;
    const { byLocale } = trees;
    let locale = trees.fallbackLocale;
    let tree = trees.fallbackTree;
    const requested = request.locale;
    if (byLocale.size > 0 && typeof requested === 'string') {
      const match = byLocale.has(requested) ? requested : pickLocale(byLocale, requested);
      if (match !== undefined) {
        locale = match;
        tree = byLocale.get(match) as ObjectNode;
      }
    }
    const run: FieldRender = {
      scope: request.scope,
      strict: true,
      budget: new RenderBudget(),
      failure: undefined,
    };
    const fields = renderFieldTree(tree, run);
    if (fields !== null) {
      return variantTrees === undefined
        ? { ok: true, fields, locale, usedFallback: false }
        : { ok: true, fields, locale, variant, usedFallback: false };
    }
    const failure = run.failure ?? { code: 'render-error', message: 'render failed' };
    if (failure.code !== 'missing-data' || fallback === undefined) return { ok: false, ...failure };
    run.strict = false;
    run.failure = undefined;
    const fallbackFields = renderFieldTree(fallback, run);
    if (fallbackFields !== null) {
      return { ok: true, fields: fallbackFields, locale: defaultLocale, usedFallback: true };
    }
    return { ok: false, ...(run.failure ?? failure) };
  } catch (error) {
    return { ok: false, code: 'render-error', message: String(error) };
  }
}

/** The most specific tag of the chain that has fields. */
function pickLocale(byLocale: ReadonlyMap<string, unknown>, tag: string): string | undefined {
  for (const level of rememberedChain(tag)) if (byLocale.has(level)) return level;
  return undefined;
}
