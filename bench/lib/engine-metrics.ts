/**
 * Reads one metric of the engine's Prometheus endpoint (GET /metrics): the sum
 * of its samples over all labels, or undefined when it is absent or the
 * endpoint does not answer.
 */
export async function scrapeMetric(baseUrl: string, name: string): Promise<number | undefined> {
  let text: string;
  try {
    const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return undefined;
    text = await response.text();
  } catch {
    return undefined;
  }
  return sumOfSamples(text, name);
}

/** The sum of the samples of `name` in a Prometheus text exposition. */
export function sumOfSamples(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}
