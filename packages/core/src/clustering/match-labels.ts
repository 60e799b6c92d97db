/**
 * Stable cluster labels across runs. k-means numbers its clusters in whatever
 * order its random start produced, so a new run's centroids are matched to the
 * previous model's (the minimum-total-distance assignment, solved exactly by
 * the Hungarian algorithm: k ≤ 20, so its O(k³) is nothing) and inherit their
 * labels; clusters left over get labels the previous model did not use.
 */

/**
 * The optimal assignment of rows to distinct columns for a rectangular cost
 * matrix with rows ≤ columns: result[row] = column, minimising the total cost.
 * (The O(n²·m) Hungarian algorithm with potentials.)
 */
export function minimumCostAssignment(cost: readonly (readonly number[])[]): number[] {
  const n = cost.length;
  const m = cost[0]?.length ?? 0;
  if (n > m) throw new Error(`cannot assign ${n} rows to ${m} columns`);
  // 1-based arrays; column 0 is the virtual start of each augmenting path.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const rowOf = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOf[0] = i;
    let column = 0;
    const minimum = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[column] = 1;
      const row = rowOf[column] as number;
      let delta = Infinity;
      let next = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j] === 1) continue;
        const reduced =
          ((cost[row - 1] as readonly number[])[j - 1] as number) -
          (u[row] as number) -
          (v[j] as number);
        if (reduced < (minimum[j] as number)) {
          minimum[j] = reduced;
          way[j] = column;
        }
        if ((minimum[j] as number) < delta) {
          delta = minimum[j] as number;
          next = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j] === 1) {
          u[rowOf[j] as number] = (u[rowOf[j] as number] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else minimum[j] = (minimum[j] as number) - delta;
      }
      column = next;
    } while (rowOf[column] !== 0);
    do {
      const previous = way[column] as number;
      rowOf[column] = rowOf[previous] as number;
      column = previous;
    } while (column !== 0);
  }
  const result = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) {
    const row = rowOf[j] as number;
    if (row !== 0) result[row - 1] = j - 1;
  }
  return result;
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let f = 0; f < a.length; f++) {
    const d = (a[f] as number) - (b[f] as number);
    sum += d * d;
  }
  return sum;
}

/**
 * Labels for `centroids`: each matched previous centroid passes its label on
 * (minimum total Euclidean distance; both sets in the same units); the rest get
 * "c1", "c2", … in order, skipping every label the previous model used. With
 * no previous centroids the labels are simply c1…ck.
 */
export function matchLabels(
  centroids: readonly (readonly number[])[],
  previous: { centroids: readonly (readonly number[])[]; labels: readonly string[] } | undefined,
): string[] {
  const labels = new Array<string | undefined>(centroids.length).fill(undefined);
  const taken = new Set(previous?.labels ?? []);
  const old = previous?.centroids ?? [];
  if (old.length > 0 && centroids.length > 0) {
    const distance = (i: number, j: number): number =>
      Math.sqrt(squaredDistance(centroids[i] as number[], old[j] as number[]));
    if (centroids.length <= old.length) {
      const cost = centroids.map((_, i) => old.map((_, j) => distance(i, j)));
      minimumCostAssignment(cost).forEach((j, i) => (labels[i] = previous?.labels[j]));
    } else {
      const cost = old.map((_, j) => centroids.map((_, i) => distance(i, j)));
      minimumCostAssignment(cost).forEach((i, j) => (labels[i] = previous?.labels[j]));
    }
  }
  let next = 1;
  return labels.map((label) => {
    if (label !== undefined) return label;
    while (taken.has(`c${next}`)) next++;
    taken.add(`c${next}`);
    return `c${next}`;
  });
}
