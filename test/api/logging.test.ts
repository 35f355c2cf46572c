// Logs as an operator sees them from the CLI: JSON lines from fastify's pino logger; at debug one
// line per request carrying its request id, and at the default level none.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServerProcess } from '../support/kubectl.js';
import { tempDir } from '../support/server.js';

async function requestLines(logLevel: string | undefined): Promise<Record<string, unknown>[]> {
  const dir = tempDir();
  const server = await startServerProcess(join(dir, 'svcplane.db'), logLevel ? ['--log-level', logLevel] : []);
  try {
    await fetch(`${server.url}/api/v1/namespaces/default/services/nope`);
    await fetch(`${server.url}/api/v1/namespaces/default/services`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{bad' });
    await fetch(`${server.url}/api/v1/namespaces/default/services`);
    await new Promise((r) => setTimeout(r, 200));
    return server
      .log()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => typeof l.reqId === 'string');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('--log-level debug writes exactly one line per request, with its request id, method, URL and status', async () => {
  const lines = await requestLines('debug');
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg, l.method, l.url, l.statusCode]),
    [
      [20, 'request', 'GET', '/api/v1/namespaces/default/services/nope', 404],
      [20, 'request', 'POST', '/api/v1/namespaces/default/services', 400],
      [20, 'request', 'GET', '/api/v1/namespaces/default/services', 200],
    ],
  );
  assert.equal(new Set(lines.map((l) => l.reqId)).size, 3);
  assert.ok(lines.every((l) => typeof l.responseTime === 'number'));
});

test('at the default level requests are not logged', async () => {
  assert.deepEqual(await requestLines(undefined), []);
});
