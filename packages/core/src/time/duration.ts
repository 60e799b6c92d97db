const units: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/** Parses "30m", "24h", "7d", "500ms" into milliseconds; returns undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = durationPattern.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * (units[match[2] as string] as number);
  return Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
}

/** Formats milliseconds with the largest unit that divides it exactly ("90m" stays "90m"). */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = units[unit] as number;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
