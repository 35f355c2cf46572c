// Waiting on callbacks in tests: a recorder keeps everything a callback reported, and `waitFor`
// resolves as soon as something (already recorded or still to come) satisfies a predicate, or
// rejects after a timeout naming what it waited for and what it saw. No blind sleeps.

export class Recorder<T> {
  readonly items: T[] = [];
  private waiters: { pred: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  constructor(private readonly describe: (item: T) => unknown = (item) => item) {}

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) {
      if (w.pred(item)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(item);
      }
    }
  }

  /** The first item from index `from` on that satisfies `pred`. */
  waitFor(pred: (item: T) => boolean, what: string, timeoutMs = 5000, from = 0): Promise<T> {
    const seen = this.items.slice(from).find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; seen: ${JSON.stringify(this.items.map(this.describe))}`));
      }, timeoutMs);
      const waiter = {
        pred,
        resolve: (item: T) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      this.waiters.push(waiter);
    });
  }
}

/** Polls `check` until it returns true (for state no callback reports), failing after `timeoutMs`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 5000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
