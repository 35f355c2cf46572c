// Running the real kubectl (and svcplane as a child process) from tests: finding kubectl, a
// private HOME so its discovery cache and a developer's kubeconfig stay out of the run, one-shot
// runs with their exit code and output, and long-running children (`kubectl get -w`) whose
// output is read line by line as it arrives.
//
// kubectl on PATH may be a dispatcher that picks the client version from the server's /version.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Recorder } from './recorder.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The first executable named `command` on PATH. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export const kubectlBinary = onPath('kubectl');

/** For `describe(..., { skip })`: false, or why kubectl tests cannot run (also printed once). */
export function kubectlSkip(suite: string): string | false {
  if (kubectlBinary) return false;
  const reason = 'kubectl not found on PATH';
  console.log(`# skipping ${suite}: ${reason}`);
  return reason;
}

export interface KubectlHome {
  dir: string;
  /** The environment for kubectl: ours, with HOME in `dir` and no KUBECONFIG. */
  env: NodeJS.ProcessEnv;
  remove(): void;
}

/**
 * A HOME of our own keeps kubectl's discovery cache (~/.kube/cache) out of other runs, and
 * dropping KUBECONFIG keeps a developer's real cluster credentials away from our server.
 */
export function kubectlHome(): KubectlHome {
  const dir = mkdtempSync(join(tmpdir(), 'svcplane-kubectl-'));
  const { KUBECONFIG: _ignored, ...env } = process.env;
  return { dir, env: { ...env, HOME: dir }, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Written to kubectl's stdin (`apply -f -`). */
  input?: string;
  timeoutMs?: number;
}

/** Runs kubectl against `server` (asynchronously, so an in-process server can answer it). */
export function runKubectl(server: string, args: string[], options: RunOptions = {}): Promise<Run> {
  assert.ok(kubectlBinary, 'kubectl not found on PATH');
  return new Promise((done) => {
    const child = execFile(
      kubectlBinary,
      ['-s', server, ...args],
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : err.killed ? -1 : 1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** A kubectl run as an assertion message shows it. */
export const showRun = (args: string[], r: Run) =>
  `$ kubectl ${args.join(' ')}\n[exit ${r.code}]\nstdout: ${JSON.stringify(r.stdout)}\nstderr: ${JSON.stringify(r.stderr)}`;

/** A long-running child whose stdout is read line by line as it comes. */
export interface LiveProcess {
  child: ChildProcess;
  /** stdout lines so far (a last line without its newline is not in yet). */
  lines: string[];
  stderr(): string;
  /** The first line from index `from` on that matches; fails after `timeoutMs` showing the output. */
  waitForLine(match: RegExp | ((line: string) => boolean), what: string, timeoutMs?: number, from?: number): Promise<string>;
  /** Resolves with the exit code (or the signal) once the child has exited. */
  exited: Promise<number | NodeJS.Signals>;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

export function spawnLive(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): LiveProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let pending = '';
  const rec = new Recorder<string>();
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) rec.push(line);
  });
  const exited = new Promise<number | NodeJS.Signals>((done) => {
    child.once('exit', (code, signal) => done(code ?? signal ?? -1));
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    lines: rec.items,
    stderr: () => stderr,
    exited,
    async waitForLine(match, what, timeoutMs = 10_000, from = 0) {
      const test = typeof match === 'function' ? match : (line: string) => match.test(line);
      const ended = exited.then((how) => {
        throw new Error(`${command} exited (${how}) while waiting for ${what}`);
      });
      try {
        return await Promise.race([rec.waitFor(test, what, timeoutMs, from), ended]);
      } catch (err) {
        throw new Error(
          `${(err as Error).message}\n$ ${command} ${args.join(' ')}\nstdout so far:\n${rec.items.join('\n')}${pending}\nstderr so far:\n${stderr}`,
        );
      } finally {
        ended.catch(() => undefined);
      }
    },
    async stop() {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (running()) child.kill('SIGKILL');
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `kubectl -s server ...args` as a long-running child (`get -w`). */
export function spawnKubectl(server: string, args: string[], env: NodeJS.ProcessEnv): LiveProcess {
  assert.ok(kubectlBinary, 'kubectl not found on PATH');
  return spawnLive(kubectlBinary, ['-s', server, ...args], env);
}

/** Cells of a kubectl table line: kubectl's tabwriter puts at least three spaces between columns. */
export const tableCells = (line: string): string[] => line.trim().split(/ {3,}/);

export interface ServerProcess {
  url: string;
  /** Everything the server printed. */
  log(): string;
  stop(): Promise<void>;
}

/** svcplane's own CLI (dist/cli.js, so `npm run build` first) as a child process on a free port. */
export async function startServerProcess(dbFile: string, extraArgs: string[] = []): Promise<ServerProcess> {
  const cliPath = join(repoRoot, 'dist', 'cli.js');
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run \`npm run build\` first`);
  const live = spawnLive(process.execPath, [cliPath, '--port', '0', '--db', dbFile, ...extraArgs]);
  const log = () => `${live.lines.join('\n')}\n${live.stderr()}`;
  let url: string;
  try {
    const line = await live.waitForLine(/^svcplane serving the Kubernetes Services API at http:\/\/\S+ \(database /, 'svcplane to print its URL', 15_000);
    url = /at (http:\/\/\S+) /.exec(line)![1];
  } catch (err) {
    await live.stop();
    throw err;
  }
  return { url, log, stop: () => live.stop() };
}
