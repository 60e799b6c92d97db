/** A binary min-heap of timers by due time: the scheduler's and the simulator's queue. */
export class TimerHeap<T extends { dueAt: number }> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest timer, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((items[parent] as T).dueAt <= item.dueAt) break;
      items[index] = items[parent] as T;
      index = parent;
    }
    items[index] = item;
  }

  /** Removes and returns the earliest timer. */
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && (items[right] as T).dueAt < (items[left] as T).dueAt ? right : left;
      if ((items[child] as T).dueAt >= last.dueAt) break;
      items[index] = items[child] as T;
      index = child;
    }
    items[index] = last;
    return top;
  }
}
