// Shared machinery of the benchmark: child processes that are always cleaned up, temp dirs,
// a small HTTP client, the load generator wrapper and statistics.
import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const benchDir = join(repoRoot, 'bench');

// --- cleanup -------------------------------------------------------------------------------

const children = new Set<ChildProcess>();
/** Children started in their own process group (they start servers of their own). */
const groups = new Set<ChildProcess>();
const tempDirs = new Set<string>();

export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        if (groups.has(child)) process.kill(-child.pid!, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
  groups.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping servers\n`);
    killAll();
    process.exit(130);
  });
}

export function tempDir(prefix = 'svcplane-bench-'): string {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Spawns node with `args`, tracked so that every exit path kills it. */
export function spawnNode(args: string[], options: { group?: boolean; env?: Record<string, string> } = {}): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: options.group === true,
    env: { ...process.env, ...options.env },
  });
  children.add(child);
  if (options.group) groups.add(child);
  child.once('exit', () => {
    children.delete(child);
    groups.delete(child);
  });
  return child;
}

/** SIGTERM (or `signal`), then SIGKILL after 3 s; resolves once the process has exited. */
export async function stopChild(child: ChildProcess, first: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const group = groups.has(child);
  const signal = (s: NodeJS.Signals) => {
    try {
      if (group) process.kill(-child.pid!, s);
      else child.kill(s);
    } catch {
      // already gone
    }
  };
  signal(first);
  const timer = setTimeout(() => signal('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

export interface Server {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a server process and waits for the "at http://HOST:PORT" line it prints once listening. */
export async function startServer(name: string, args: string[], timeoutMs = 60_000): Promise<Server> {
  const child = spawnNode(args);
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms: ${out}`)), timeoutMs);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const m = /at (http:\/\/[^\s)]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening: ${out}`));
    });
  });
  child.stdout!.resume();
  return { name, url, port: Number(new URL(url).port), child, stop: () => stopChild(child) };
}

export const svcplaneArgs = (db: string, extra: string[] = []) => ['dist/cli.js', '--port', '0', '--db', db, '--log-level', 'error', ...extra];

export const tsxArgs = (script: string, extra: string[] = []) => ['--import', 'tsx', join(benchDir, script), ...extra];

export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolvePort(port));
    });
  });
}

// --- HTTP ----------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

export interface Reply {
  status: number;
  body: string;
}

export function request(url: string, method = 'GET', body?: unknown, contentType = 'application/json'): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(url, { method, agent, headers: payload === undefined ? {} : { 'Content-Type': contentType } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolveReply({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function requestOk(url: string, method = 'GET', body?: unknown, contentType?: string): Promise<string> {
  const r = await request(url, method, body, contentType);
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${url} -> ${r.status}: ${r.body.slice(0, 300)}`);
  return r.body;
}

// --- load generation -----------------------------------------------------------------------

export interface Measurement {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** 2xx responses. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  duration_s: number;
  /** CPU used during the run, in cores: the server process (when its pid is given) and this process (the load generator). */
  server_cpu: number | null;
  client_cpu: number;
  /** Cores busy with anything else on the machine (other processes): a disturbed measurement. */
  other_cpu: number | null;
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User plus system CPU seconds a process has used so far (Linux /proc). */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime, stime (fields 14, 15)
  } catch {
    return null;
  }
}

/** CPU seconds all cores have spent busy so far (Linux /proc/stat; idle and iowait excluded). */
export function machineBusySeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((x, y) => x + y, 0); // user..steal; guest is inside user
    return (total - ticks[3] - ticks[4]) / clockTicks;
  } catch {
    return null;
  }
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; ignored when amount is set. */
  duration?: number;
  amount?: number;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: autocannon.Request[];
  /** The server's pid, to report its CPU use. */
  pid?: number;
}

/**
 * One autocannon run. Latencies are taken from each response's own timing (autocannon's
 * histogram keeps whole milliseconds, too coarse for sub-millisecond GETs); only 2xx responses
 * count towards rps and latency, the rest are reported as non2xx.
 */
export function load(options: LoadOptions): Promise<Measurement> {
  return new Promise((resolveRun, reject) => {
    const latencies: number[] = [];
    const statusCodes: Record<string, number> = {};
    // autocannon treats a key set to undefined as a value: pass only what is given.
    const { url, connections, pid, ...rest } = options;
    const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    const cpu0 = { server: pid === undefined ? null : processCpuSeconds(pid), client: process.cpuUsage(), all: machineBusySeconds(), t: performance.now() };
    const instance = autocannon({ url, connections, sampleInt: 100, timeout: 30, ...given }, (err, result) => {
      if (err) return reject(err);
      const wall = (performance.now() - cpu0.t) / 1000;
      const serverNow = pid === undefined ? null : processCpuSeconds(pid);
      const client = process.cpuUsage(cpu0.client);
      const allNow = machineBusySeconds();
      const serverCpu = serverNow === null || cpu0.server === null ? null : (serverNow - cpu0.server) / wall;
      const clientCpu = (client.user + client.system) / 1e6 / wall;
      const sorted = Float64Array.from(latencies).sort();
      resolveRun({
        rps: latencies.length / result.duration,
        p50_ms: quantile(sorted, 0.5),
        p99_ms: quantile(sorted, 0.99),
        ok: latencies.length,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        statusCodes,
        duration_s: result.duration,
        server_cpu: serverCpu,
        client_cpu: clientCpu,
        other_cpu: allNow === null || cpu0.all === null || serverCpu === null ? null : Math.max(0, (allNow - cpu0.all) / wall - serverCpu - clientCpu),
      });
    });
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      if (status >= 200 && status < 300) latencies.push(responseTime);
    });
  });
}

// --- statistics ----------------------------------------------------------------------------

export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu_model: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    available_parallelism: os.availableParallelism(),
    memory_GiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
