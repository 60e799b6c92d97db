/** Test helper: every number reachable in a result, to check that none is NaN or infinite. */
export function collectNumbers(
  value: unknown,
  path = '$',
  out: [string, number][] = [],
): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => collectNumbers(v, `${path}[${i}]`, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) collectNumbers(v, `${path}.${key}`, out);
  }
  return out;
}

/** The paths of the numbers in `value` that are NaN or ±Infinity. */
export function nonFinitePaths(value: unknown): string[] {
  return collectNumbers(value)
    .filter(([, n]) => !Number.isFinite(n))
    .map(([path, n]) => `${path} = ${n}`);
}
