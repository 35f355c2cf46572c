// Plumbing for the crash suite: a seeded PRNG, the built server as a child process that can be
// killed with SIGKILL, a tiny JSON-over-HTTP client, and the offline repair check. Kept apart from
// the test so that the test file reads as the model and its checks.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** sfc32 seeded through a string hash: the suite must be replayable from the printed seed alone. */
export function prng(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const next = () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
  let a = next(),
    b = next(),
    c = next(),
    d = next();
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

export class Rand {
  private readonly next: () => number;
  constructor(seed: string) {
    this.next = prng(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.next() * (hiExclusive - lo));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** Picks by weight: the load mix is a table, easy to read and tune. */
  weighted<T extends string>(table: Record<T, number>): T {
    const entries = Object.entries(table) as [T, number][];
    let r = this.next() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of entries) {
      if ((r -= w) < 0) return k;
    }
    return entries[entries.length - 1][0];
  }
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stderr, for failure messages. */
  stderr(): string;
}

/** Flags shared by the server and the offline repair: both must see the same ranges. */
export const rangeFlags = ['--service-cidr', '10.96.0.0/12', '--node-port-range', '30000-32767'];

export async function startServer(db: string, extra: string[] = []): Promise<ServerProcess> {
  const args = ['dist/cli.js', '--port', '0', '--db', db, '--log-level', 'error', ...rangeFlags, ...extra];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code, signal) => reject(new Error(`svcplane exited (${code ?? signal}) before serving:\n${out}${err}`)));
  });
  // The URL line comes once listening; /readyz is the documented signal that storage is usable.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) break;
      await res.arrayBuffer();
    } catch {
      // Not accepting yet: try again below.
    }
    if (child.exitCode !== null) throw new Error(`svcplane exited (${child.exitCode}) before /readyz:\n${err}`);
    if (Date.now() > deadline) throw new Error(`svcplane never became ready:\n${err}`);
    await sleep(50);
  }
  return { child, url, stderr: () => err };
}

export async function killNine(p: ServerProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = once(p.child, 'exit');
  p.child.kill('SIGKILL');
  await exited;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type Outcome =
  | { kind: 'answer'; status: number; body: unknown }
  /** No answer: the request may or may not have been applied. */
  | { kind: 'unknown'; error: string };

export async function call(url: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Outcome> {
  try {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
      // Only a kill should leave a request unanswered; this just keeps a hung socket from hanging the suite.
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // A non-JSON answer (a proxy page, a half-written body) stays text for the report.
    }
    return { kind: 'answer', status: res.status, body: parsed };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'unknown', error: cause?.code ?? cause?.message ?? (err as Error).message };
  }
}

export interface RepairReport {
  leaked: number;
  toRepair: number;
  duplicate: number;
  outOfRange: number;
  output: string;
}

/**
 * `svcplane repair --dry-run` on the killed server's file, before anything starts on it: a
 * starting server repairs allocations, which would hide a leak or a missing row the crash left.
 */
export async function offlineRepairCheck(db: string): Promise<RepairReport> {
  const child = spawn(process.execPath, ['dist/cli.js', 'repair', '--db', db, '--dry-run', ...rangeFlags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const m = /(\d+) leaked, (\d+) to repair, (\d+) duplicate, (\d+) out of range/.exec(output);
  if (code !== 0 || !m) throw new Error(`svcplane repair --dry-run exited ${code}:\n${output}`);
  return { leaked: Number(m[1]), toRepair: Number(m[2]), duplicate: Number(m[3]), outOfRange: Number(m[4]), output };
}
