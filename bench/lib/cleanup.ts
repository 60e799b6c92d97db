/**
 * Resources a run must release even when it fails: child processes, temporary
 * directories. Each resource registers an async release and, for abrupt exits
 * (an uncaught error, a second Ctrl-C), a synchronous last resort.
 */
export class Cleanup {
  private readonly entries: { release: () => Promise<void>; releaseSync?: () => void }[] = [];

  /** Registers a resource; returns a function that releases it now (once). */
  add(release: () => Promise<void>, releaseSync?: () => void): () => Promise<void> {
    let done = false;
    const entry = {
      release: async () => {
        if (done) return;
        done = true;
        await release();
      },
      releaseSync: () => {
        if (done) return;
        done = true;
        releaseSync?.();
      },
    };
    this.entries.push(entry);
    return async () => {
      const index = this.entries.indexOf(entry);
      if (index !== -1) this.entries.splice(index, 1);
      await entry.release();
    };
  }

  get size(): number {
    return this.entries.length;
  }

  /** Releases everything, most recent first; collects failures instead of stopping at one. */
  async releaseAll(): Promise<Error[]> {
    const failures: Error[] = [];
    for (const entry of this.entries.splice(0).reverse()) {
      try {
        await entry.release();
      } catch (error) {
        failures.push(error as Error);
      }
    }
    return failures;
  }

  /** Synchronous best effort, for process 'exit'. */
  releaseAllSync(): void {
    for (const entry of this.entries.splice(0).reverse()) {
      try {
        entry.releaseSync?.();
      } catch {
        // Last resort on exit: nothing left to report to.
      }
    }
  }
}
