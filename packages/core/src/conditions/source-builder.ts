/**
 * Accumulates the JavaScript source of one compiled condition: factory-level
 * declarations (constants, regexes, path readers, element predicates) and the
 * locals of the function being generated. Only this module and the generators
 * write source; every user-given string or number enters it through `literal`
 * (JSON.stringify) or `constant` (passed as a value, never as source).
 */
import type { JsonValue } from '../json/json.js';
import { needsOwnCheck } from './paths.js';

export class SourceBuilder {
  /** Values the factory receives as `k` (never turned into source). */
  readonly constants: unknown[] = [];
  /** Factory-level declarations, in order. */
  readonly declarations: string[] = [];
  private readonly readers = new Map<string, string>();
  private serial = 0;

  /** A name for a factory-level declaration. */
  name(prefix: string): string {
    this.serial += 1;
    return `${prefix}${this.serial}`;
  }

  /** A constant value, as a factory-level name bound to it. */
  constant(value: unknown): string {
    const name = this.name('k');
    this.constants.push(value);
    this.declarations.push(`const ${name} = k[${this.constants.length - 1}];`);
    return name;
  }

  /** A JSON literal in source: strings, finite numbers, booleans, null. */
  literal(value: JsonValue): string {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new RangeError('non-finite number in a condition literal');
    }
    return JSON.stringify(value);
  }

  /** A regex built once in the factory from JSON-serialized source and flags. */
  regex(source: string, flags: string): string {
    const name = this.name('re');
    this.declarations.push(
      `const ${name} = new RegExp(${JSON.stringify(source)}, ${JSON.stringify(flags)});`,
    );
    return name;
  }

  /**
   * A factory-level function reading `segments` from an object: undefined as soon
   * as a step is not an object; own properties only for names on Object.prototype
   * or Array.prototype (direct reads otherwise, which cannot reach a prototype).
   */
  reader(segments: readonly string[]): string {
    const id = JSON.stringify(segments);
    const existing = this.readers.get(id);
    if (existing !== undefined) return existing;
    const name = this.name('read');
    const steps = segments.map((segment) => {
      const key = JSON.stringify(segment);
      const read = needsOwnCheck(segment)
        ? `(Object.hasOwn(o, ${key}) ? o[${key}] : undefined)`
        : `o[${key}]`;
      return `if (typeof o !== "object" || o === null) return undefined; o = ${read};`;
    });
    this.declarations.push(`function ${name}(o) { ${steps.join(' ')} return o; }`);
    this.readers.set(id, name);
    return name;
  }

  /** The source of a factory-level function; its body is built by `body` with its own locals. */
  func(parameter: string, body: (locals: Locals) => string): string {
    const name = this.name('f');
    const locals = new Locals();
    const expression = body(locals);
    this.declarations.push(
      `function ${name}(${parameter}) { ${locals.declaration()} return ${expression}; }`,
    );
    return name;
  }
}

/** The `let` locals of one generated function (no allocation: plain variables). */
export class Locals {
  private readonly names: string[] = [];

  next(prefix = 'v'): string {
    const name = `${prefix}${this.names.length}`;
    this.names.push(name);
    return name;
  }

  declaration(): string {
    return this.names.length === 0 ? '' : `let ${this.names.join(', ')};`;
  }
}
