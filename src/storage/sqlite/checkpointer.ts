// WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs inside whichever
// COMMIT crosses the threshold, so every thousandth write or so stalled the event loop while
// the WAL was copied into the database. A second connection on its own thread can checkpoint
// concurrently (PASSIVE never blocks the writer), which keeps that copying off the request path.
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// CommonJS source run with `eval`, so that it needs no file of its own next to the bundle.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** SQLite's own automatic checkpoint stays on as a backstop, far above what the worker leaves. */
export const backstopPages = 20_000;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<unknown>;

  constructor(path: string, intervalMs = 100) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(workerSource, { eval: true, workerData: { path, driver, intervalMs } });
    this.exited = once(this.worker, 'exit');
    // A failure here only means checkpoints fall back to the backstop; it must not end the process.
    this.worker.on('error', () => undefined);
    this.worker.unref();
  }

  /** Stops the timer and closes the worker's connection; the caller closes its own afterwards. */
  async stop(): Promise<void> {
    // Unref'd so that it never keeps a process alive; but while we wait for it to exit, it must
    // count, or a process with nothing else to do would end mid-close.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
