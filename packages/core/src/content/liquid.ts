/**
 * The one Liquid engine of content templates, configured for untrusted data:
 * output is HTML-escaped unless a template says `| raw`, unknown filters fail at
 * publish, missing data fails at render (except under `if`/`unless` and as the
 * input of `default`), only own properties are read (no prototype walks), no
 * template is read from disk, and every render is bounded in time and memory.
 * Templates are parsed once, at publish; rendering is synchronous and never throws.
 */
import { renderFast, toFastTemplate, type FastTemplate } from './fast-template.js';
import {
  Context,
  Liquid,
  LiquidError,
  UndefinedVariableError,
  type FS,
  type TagToken,
  type Template,
  type TopLevelToken,
} from 'liquidjs';

/** The longest template source accepted, in characters. */
export const maxTemplateLength = 10_000;

/**
 * Wall-clock budget of one render (all the templates of one content item share it), in
 * ms: a backstop. Loops and big strings hit the memory budget long before; a tight time
 * limit would fail honest renders during a GC pause or on a loaded machine.
 */
const renderLimitMs = 500;
/** Allocation budget of one render, in liquidjs units (array items, string characters). */
const memoryLimit = 100_000;

/** A file system that holds nothing: `include`, `render` and `layout` can never read a file. */
const noFiles: FS = {
  exists: () => Promise.resolve(false),
  existsSync: () => false,
  readFile: (file) => Promise.reject(new Error(`no template named "${file}"`)),
  readFileSync: (file) => {
    throw new Error(`no template named "${file}"`);
  },
  resolve: (_dir, file, ext) => file + ext,
  contains: () => Promise.resolve(false),
  containsSync: () => false,
  sep: '/',
  dirname: () => '',
};

const liquid = new Liquid({
  outputEscape: 'escape',
  strictVariables: true,
  lenientIf: true,
  strictFilters: true,
  ownPropertyOnly: true,
  fs: noFiles,
  root: [],
  relativeReference: false,
  parseLimit: maxTemplateLength,
  renderLimit: renderLimitMs,
  memoryLimit,
  // The `date` filter in UTC, whatever the server's time zone.
  timezoneOffset: 0,
});

// Tags refused at parse: those that read other templates (there are none to read),
// and `increment`/`decrement`, which write into the scope the caller passed.
for (const name of ['include', 'render', 'layout', 'increment', 'decrement']) {
  liquid.registerTag(name, {
    parse(token: TagToken, _remain: TopLevelToken[]): void {
      throw new Error(`the "${token.name}" tag is not available in content templates`);
    },
    render(): void {},
  });
}

/** A template parsed once; `parts` is null for plain text (rendered as it is). */
export interface CompiledTemplate {
  readonly source: string;
  readonly parts: readonly Template[] | null;
  /** The same template on the fast path, when it only has text and simple outputs. */
  readonly fast?: FastTemplate;
}

/** A template that cannot be parsed; the message names the line and column. */
export class TemplateSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

/**
 * Parses a template. Throws TemplateSyntaxError on bad syntax, an unknown filter or
 * tag, a refused tag, or a source longer than maxTemplateLength.
 */
export function compileTemplate(source: string): CompiledTemplate {
  if (typeof source !== 'string') throw new TemplateSyntaxError('template must be a string');
  if (source.length > maxTemplateLength) {
    throw new TemplateSyntaxError(`template is longer than ${maxTemplateLength} characters`);
  }
  if (!source.includes('{{') && !source.includes('{%')) return { source, parts: null };
  try {
    const parts = liquid.parse(source);
    const fast = toFastTemplate(parts, liquid.options.outputEscape);
    return fast === undefined ? { source, parts } : { source, parts, fast };
  } catch (error) {
    throw new TemplateSyntaxError(error instanceof Error ? error.message : String(error));
  }
}

type Limiter = Context['memoryLimit'];

/**
 * The time and memory limits of one render, shared by the templates rendered with
 * it, so a content item with many fields is bounded as a whole.
 */
export class RenderBudget {
  memoryLimit: Limiter | undefined = undefined;
  renderLimit: Limiter | undefined = undefined;
}

export interface RenderTemplateOptions {
  /** True: reading missing data fails with `missing-data`; false: it renders as empty. */
  strict: boolean;
  /** Limits shared with other renders; a fresh budget when absent. */
  budget?: RenderBudget;
}

export type TemplateRenderResult =
  | { ok: true; text: string }
  | { ok: false; code: 'missing-data' | 'render-error'; message: string };

const strictOptions = { sync: true, strictVariables: true };
const lenientOptions = { sync: true, strictVariables: false };

/** Renders a compiled template against a scope. Synchronous; never throws. */
export function renderTemplate(
  template: CompiledTemplate,
  scope: object,
  options: RenderTemplateOptions,
): TemplateRenderResult {
  if (template.parts === null) return { ok: true, text: template.source };
  if (template.fast !== undefined) {
    // A throwing getter (never in JSON data) goes to liquidjs, which reports it.
    let fast: ReturnType<typeof renderFast>;
    try {
      fast = renderFast(template.fast, scope, options.strict);
    } catch {
      fast = undefined;
    }
    if (fast !== undefined) {
      return 'text' in fast
        ? { ok: true, text: fast.text }
        : { ok: false, code: 'missing-data', message: `undefined variable: ${fast.missing}` };
    }
  }
  const budget = options.budget;
  // liquidjs signals a missing variable by throwing, even where `default` or `if`
  // then handle it; capturing stack traces made those throws the costliest part of
  // a render. Nothing here reads the stacks (failures are reported by message).
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const context = new Context(
      scope,
      liquid.options,
      options.strict ? strictOptions : lenientOptions,
      { liquid, memoryLimit: budget?.memoryLimit, renderLimit: budget?.renderLimit },
    );
    if (budget !== undefined) {
      budget.memoryLimit = context.memoryLimit;
      budget.renderLimit = context.renderLimit;
    }
    const text: unknown = liquid.renderSync(template.parts as Template[], context);
    return { ok: true, text: typeof text === 'string' ? text : String(text) };
  } catch (error) {
    return failure(error);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function failure(error: unknown): TemplateRenderResult {
  // liquidjs wraps any failure to read a variable (a throwing getter too) in an
  // UndefinedVariableError; only its InternalUndefinedVariableError is missing data.
  const cause = error instanceof UndefinedVariableError ? error.originalError : undefined;
  if (cause?.name === 'InternalUndefinedVariableError') {
    // "undefined variable: traits.first_name", without liquid's position suffix.
    return { ok: false, code: 'missing-data', message: cause.message };
  }
  const message =
    error instanceof LiquidError || error instanceof Error ? error.message : String(error);
  return { ok: false, code: 'render-error', message };
}
