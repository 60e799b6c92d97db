/**
 * The last line of defence of "no NaN, no infinity in a result": aggregates at the edges of
 * floating point (1e-323, 1e305) can defeat a formula's own guards, and a result with NaN
 * must become `numerically-unstable` rather than reach a dashboard.
 */

/** The paths of the numbers in `value` (nested objects and arrays) that are NaN or ±∞. */
export function nonFinitePaths(value: unknown, path = '$', out: string[] = []): string[] {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push(`${path} = ${value}`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => nonFinitePaths(v, `${path}[${i}]`, out));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) nonFinitePaths(v, `${path}.${key}`, out);
  }
  return out;
}

/** True when every number in `value` is finite. */
export function isFiniteDeep(value: unknown): boolean {
  return nonFinitePaths(value).length === 0;
}
