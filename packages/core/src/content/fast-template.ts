/**
 * A fast path for the templates content is mostly made of: text and outputs that
 * read one path, optionally with `default: "literal"` (`Hi {{ traits.first_name |
 * default: "there" }}`). Rendering them through liquidjs costs microseconds per
 * output (generators, scope lookups, a thrown error for every missing variable);
 * on the decide path, with its p99 budget of 5 ms and a throughput target, that was
 * the largest cost (docs/decisions/0022-fast-path-templates.md). The fast path
 * reproduces liquidjs's semantics exactly for this subset (escaped output, own
 * properties only, strict missing data, `default` on nil/false/empty) and hands
 * anything else back to liquidjs; a property test checks it against liquidjs.
 */
import type { Template } from 'liquidjs';

/** One output: the path it reads and its `default`, if any. */
interface FastOutput {
  readonly path: readonly string[];
  readonly fallback: string | undefined;
}

/** Text parts and outputs, in order. */
export type FastTemplate = readonly (string | FastOutput)[];

/** What a fast render gives: the text, a missing variable (strict), or undefined to use liquidjs. */
export type FastResult = { text: string } | { missing: string } | undefined;

// liquidjs reads these specially (array size, first, last): leave them to it.
const specialKeys = new Set(['size', 'first', 'last']);
/** Values longer than this go through liquidjs, which charges them to the memory budget. */
const maxFastValue = 10_000;

interface TokenLike {
  constructor: { name: string };
  content?: unknown;
}

/** The fast form of a parsed template, or undefined when it uses anything else. */
export function toFastTemplate(
  parts: readonly Template[],
  outputEscape: unknown,
): FastTemplate | undefined {
  const fast: (string | FastOutput)[] = [];
  for (const part of parts as unknown as Record<string, unknown>[]) {
    const kind = (part as { constructor: { name: string } }).constructor.name;
    if (kind === 'HTML' && typeof part['str'] === 'string') {
      fast.push(part['str']);
      continue;
    }
    if (kind !== 'Output') return undefined;
    const output = outputOf(part['value'], outputEscape);
    if (output === undefined) return undefined;
    fast.push(output);
  }
  return fast;
}

function outputOf(value: unknown, outputEscape: unknown): FastOutput | undefined {
  const { initial, filters } = (value ?? {}) as {
    initial?: { postfix?: unknown[] };
    filters?: { name: string; args: unknown[]; handler?: unknown }[];
  };
  const postfix = initial?.postfix;
  // outputEscape appends an `escape` to every output (none after `raw`): the fast
  // path escapes too, so it takes only outputs that end with it.
  const escape = Array.isArray(filters) ? filters[filters.length - 1] : undefined;
  if (escape === undefined || escape.handler !== outputEscape || escape.args.length !== 0) {
    return undefined;
  }
  const own = (filters as { name: string; args: unknown[] }[]).slice(0, -1);
  if (postfix?.length !== 1 || own.length > 1) return undefined;
  const access = postfix[0] as { constructor: { name: string }; props?: TokenLike[] };
  if (access.constructor.name !== 'PropertyAccessToken' || !Array.isArray(access.props)) {
    return undefined;
  }
  const path: string[] = [];
  for (const prop of access.props) {
    const name = prop.constructor.name;
    if (
      (name !== 'IdentifierToken' && name !== 'QuotedToken') ||
      typeof prop.content !== 'string'
    ) {
      return undefined;
    }
    if (specialKeys.has(prop.content)) return undefined;
    path.push(prop.content);
  }
  if (path.length === 0) return undefined;
  const filter = own[0];
  if (filter === undefined) return { path, fallback: undefined };
  const arg = filter.args[0] as TokenLike | undefined;
  if (
    filter.name !== 'default' ||
    filter.args.length !== 1 ||
    arg?.constructor.name !== 'QuotedToken' ||
    typeof arg.content !== 'string'
  ) {
    return undefined;
  }
  return { path, fallback: arg.content };
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Renders a fast template; undefined when a value needs liquidjs (objects, arrays, huge strings). */
export function renderFast(template: FastTemplate, scope: object, strict: boolean): FastResult {
  let text = '';
  for (const part of template) {
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    let value: unknown = scope;
    let missing: string | undefined;
    const { path } = part;
    for (let i = 0; i < path.length; i++) {
      if (value === null || value === undefined) break;
      const key = path[i] as string;
      value = hasOwn.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
      if (value === undefined && part.fallback === undefined && strict) {
        missing = path.slice(0, i + 1).join('.');
        break;
      }
    }
    if (missing !== undefined) return { missing };
    if (part.fallback !== undefined && isBlank(value)) value = part.fallback;
    if (value === null || value === undefined) continue;
    if (typeof value === 'string') {
      if (value.length > maxFastValue) return undefined;
      text += escapeHtml(value);
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      text += String(value);
    } else return undefined;
  }
  return { text };
}

/** `default` applies to nil, false, an empty string and an empty array. */
function isBlank(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return true;
  if (typeof value === 'string' || Array.isArray(value)) return value.length === 0;
  return false;
}

const escapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return /[&<>"']/.test(value) ? value.replace(/[&<>"']/g, (c) => escapes[c] as string) : value;
}
