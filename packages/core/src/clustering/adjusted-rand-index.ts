/**
 * The adjusted Rand index (Hubert & Arabie, 1985) between two labelings of
 * the same items: 1 when they group the items identically (whatever the label
 * names), about 0 for chance agreement, negative below chance. Used to check a
 * clustering against known groups and two runs against each other.
 */

/** ARI of two labelings of equal, non-zero length; labels are compared by identity only. */
export function adjustedRandIndex(
  truth: readonly (string | number)[],
  predicted: readonly (string | number)[],
): number {
  if (truth.length !== predicted.length) {
    throw new Error(`labelings differ in length: ${truth.length} and ${predicted.length}`);
  }
  const n = truth.length;
  if (n === 0) throw new Error('adjustedRandIndex needs at least one item');

  const pairs = new Map<string | number, Map<string | number, number>>();
  const rowTotals = new Map<string | number, number>();
  const columnTotals = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    const t = truth[i] as string | number;
    const p = predicted[i] as string | number;
    const row = pairs.get(t) ?? new Map<string | number, number>();
    row.set(p, (row.get(p) ?? 0) + 1);
    pairs.set(t, row);
    rowTotals.set(t, (rowTotals.get(t) ?? 0) + 1);
    columnTotals.set(p, (columnTotals.get(p) ?? 0) + 1);
  }

  const choose2 = (x: number): number => (x * (x - 1)) / 2;
  let index = 0;
  for (const row of pairs.values()) for (const count of row.values()) index += choose2(count);
  let rows = 0;
  for (const count of rowTotals.values()) rows += choose2(count);
  let columns = 0;
  for (const count of columnTotals.values()) columns += choose2(count);

  // One item: no pairs to disagree on.
  if (n === 1) return 1;
  const expected = (rows * columns) / choose2(n);
  const max = (rows + columns) / 2;
  // Both labelings trivial (one group, or all singletons, alike): they agree perfectly.
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}
