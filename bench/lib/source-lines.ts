import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';

/**
 * Maps positions in code that tsx compiled back to TypeScript lines. tsx strips
 * whitespace (one line per file), so a CPU profile's `line:column` says nothing
 * by itself; compiling the file again with tsx's esbuild options and reading
 * the source map gives the original line. Undefined when anything fails.
 */
export function createSourceLineResolver(): (path: string, column: number) => number | undefined {
  const cache = new Map<string, number[][] | undefined>();
  return (path, column) => {
    if (!cache.has(path)) cache.set(path, compileMappings(path));
    const lines = cache.get(path);
    if (lines === undefined) return undefined;
    // Segments of generated line 0, sorted by column: [generatedColumn, originalLine].
    let found: number | undefined;
    for (const [generated, original] of lines) {
      if ((generated as number) > column) break;
      found = original;
    }
    return found === undefined ? undefined : found + 1;
  };
}

function compileMappings(path: string): number[][] | undefined {
  if (!/\.[cm]?tsx?$/.test(path)) return undefined;
  try {
    const result = transformSync(readFileSync(path, 'utf8'), {
      loader: path.endsWith('x') ? 'tsx' : 'ts',
      format: 'esm',
      target: `node${process.versions.node}`,
      sourcemap: 'external',
      sourcefile: path,
      minifyWhitespace: true,
      keepNames: true,
    });
    const map = JSON.parse(result.map) as { mappings: string };
    return decodeFirstLine(map.mappings);
  } catch {
    return undefined;
  }
}

const base64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The segments of the first generated line of a source map: [column, original line]. */
export function decodeFirstLine(mappings: string): number[][] {
  const firstLine = mappings.split(';', 1)[0] ?? '';
  const segments: number[][] = [];
  let column = 0;
  let line = 0;
  for (const segment of firstLine.split(',')) {
    if (segment === '') continue;
    const fields = decodeVlq(segment);
    column += fields[0] ?? 0;
    if (fields.length >= 4) {
      line += fields[2] ?? 0;
      segments.push([column, line]);
    }
  }
  return segments;
}

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = base64.indexOf(char);
    value += (digit & 31) << shift;
    if ((digit & 32) !== 0) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}
