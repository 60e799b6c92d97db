import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchLabels, minimumCostAssignment } from './match-labels.js';
import { createSeededRandom } from './seeded-random.js';

/** The cheapest assignment by trying every one (small matrices only). */
function bruteForce(cost: number[][]): number {
  const m = cost[0]!.length;
  let best = Infinity;
  const visit = (row: number, used: Set<number>, total: number): void => {
    if (row === cost.length) {
      best = Math.min(best, total);
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used.has(j)) continue;
      used.add(j);
      visit(row + 1, used, total + cost[row]![j]!);
      used.delete(j);
    }
  };
  visit(0, new Set(), 0);
  return best;
}

test('minimumCostAssignment is optimal (against brute force) on random matrices', () => {
  const random = createSeededRandom(11);
  for (let trial = 0; trial < 200; trial++) {
    const rows = 1 + Math.floor(random() * 5);
    const columns = rows + Math.floor(random() * 3);
    const cost = Array.from({ length: rows }, () =>
      Array.from({ length: columns }, () => Math.round(random() * 20)),
    );
    const assignment = minimumCostAssignment(cost);
    assert.equal(new Set(assignment).size, rows);
    const total = assignment.reduce((sum, j, i) => sum + cost[i]![j]!, 0);
    assert.equal(total, bruteForce(cost));
  }
  assert.throws(() => minimumCostAssignment([[1], [2]]), /cannot assign 2 rows to 1 columns/);
});

test('the total distance decides, not the closest pair first', () => {
  // Greedy would give the new 0.9 the old 0 (distance 0.9) and leave −1 with the old 2
  // (3): 3.9 in all. The optimum crosses over: 1.1 + 1 = 2.1.
  const labels = matchLabels([[0.9], [-1]], { centroids: [[0], [2]], labels: ['c1', 'c2'] });
  assert.deepEqual(labels, ['c2', 'c1']);
  const swapped = matchLabels([[2.9], [0.2]], { centroids: [[0], [3]], labels: ['c1', 'c2'] });
  assert.deepEqual(swapped, ['c2', 'c1']);
});

test('without a previous model: c1…ck', () => {
  assert.deepEqual(matchLabels([[0], [1], [2]], undefined), ['c1', 'c2', 'c3']);
});

test('more clusters than before: the extra ones get labels the previous model did not use', () => {
  const labels = matchLabels([[0], [5], [10], [20]], {
    centroids: [[10.2], [0.1]],
    labels: ['c1', 'c3'],
  });
  assert.deepEqual(labels, ['c3', 'c2', 'c1', 'c4']);
});

test('fewer clusters than before: each takes the label of its nearest distinct match', () => {
  const labels = matchLabels([[9], [0.5]], {
    centroids: [[0], [5], [10]],
    labels: ['c1', 'c2', 'c3'],
  });
  assert.deepEqual(labels, ['c3', 'c1']);
});
