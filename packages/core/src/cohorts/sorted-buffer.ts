/**
 * A small sorted multiset of numbers with counts below a value: the changes a
 * CohortSketch has taken since its last snapshot, counted exactly until the
 * next rebuild.
 */
export class SortedBuffer {
  private readonly values: Float64Array;
  private count = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count === this.values.length;
  }

  /** Adds a value; returns false (and adds nothing) when full. */
  insert(value: number): boolean {
    if (this.full) return false;
    const at = this.firstAbove(value);
    this.values.copyWithin(at + 1, at, this.count);
    this.values[at] = value;
    this.count++;
    return true;
  }

  /** Values strictly below x, or at or below it. */
  countBelow(x: number, atOrBelow: boolean): number {
    return atOrBelow ? this.firstAbove(x) : this.firstAtLeast(x);
  }

  clear(): void {
    this.count = 0;
  }

  private firstAbove(x: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.values[mid] as number) <= x) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private firstAtLeast(x: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.values[mid] as number) < x) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
