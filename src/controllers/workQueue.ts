// A controller's work queue, as client-go's workqueue with an exponential per-item rate limiter:
// a key is queued once however often it is added, syncs run one at a time after the current
// turn of the event loop (so a burst of changes to one object is one sync), and a failed sync
// is retried after `baseMs`, doubling up to `maxMs`. Work is level-triggered: a sync reads the
// objects as they are now.
export interface Controller {
  start(): void;
  /** Stops taking work and waits for the sync in flight. */
  stop(): Promise<void>;
  /** Resolves once nothing is queued or running (retries waiting for their backoff excepted). */
  idle(): Promise<void>;
  /** Whether work is queued or running now. */
  busy(): boolean;
}

export interface WorkQueueOptions {
  baseMs: number;
  maxMs: number;
  log: (msg: string) => void;
}

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private running?: Promise<void>;
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly sync: (key: string) => Promise<void>,
    private readonly options: WorkQueueOptions,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    const retry = this.retries.get(key);
    if (retry) {
      clearTimeout(retry);
      this.retries.delete(key);
    }
    this.queued.add(key);
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retries.values()) clearTimeout(t);
    this.retries.clear();
    this.queued.clear();
    await this.running;
  }

  busy(): boolean {
    return Boolean(this.running) || this.scheduled || this.queued.size > 0;
  }

  async idle(): Promise<void> {
    while (this.running || this.scheduled || this.queued.size) {
      await (this.running ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.drain().finally(() => {
        this.running = undefined;
        if (this.queued.size) this.schedule();
      });
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.queued.size) {
      const key = this.queued.values().next().value as string;
      this.queued.delete(key);
      try {
        await this.sync(key);
        this.failures.delete(key);
      } catch (err) {
        if (this.stopped) return;
        const failures = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, failures);
        const delay = Math.min(this.options.baseMs * 2 ** (failures - 1), this.options.maxMs);
        this.options.log(`${this.name}: syncing ${key} failed (attempt ${failures}), retrying in ${delay} ms: ${(err as Error).message}`);
        const timer = setTimeout(() => {
          this.retries.delete(key);
          this.add(key);
        }, delay);
        timer.unref();
        this.retries.set(key, timer);
      }
    }
  }
}
