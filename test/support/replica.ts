// A svcplane replica as a child process (dist/cli.js, so `npm run build` first) on a free
// port, for the suites that run several on one PostgreSQL database.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LiveProcess, spawnLive } from './kubectl.js';

const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

export interface Replica {
  url: string;
  live: LiveProcess;
  /** SIGKILL: no shutdown, no last commit. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startReplica(db: string, extraArgs: string[] = []): Promise<Replica> {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run \`npm run build\` first`);
  const live = spawnLive(process.execPath, [cliPath, '--port', '0', '--db', db, '--log-level', 'error', ...extraArgs]);
  try {
    const line = await live.waitForLine(/^svcplane serving the Kubernetes Services API at http:\/\/\S+ \(database /, 'svcplane to print its URL', 20_000);
    const url = /at (http:\/\/\S+) /.exec(line)![1];
    return {
      url,
      live,
      async kill() {
        live.child.kill('SIGKILL');
        await live.exited;
      },
      stop: () => live.stop(),
    };
  } catch (err) {
    await live.stop();
    throw err;
  }
}

export async function request(url: string, method: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
