// The database stopped and started under a running server (issue 19): /readyz says not ready,
// requests fail fast with a Status naming the storage, and once the database is back the
// server serves again and a watch opened before the outage sees the writes made after it.
// Runs on a PostgreSQL cluster of its own, so stopping it disturbs nobody else's tests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { privateCluster } from '../support/postgres.js';
import { request, startReplica } from '../support/replica.js';
import { openWatch } from '../support/watch.js';

const cluster = await privateCluster();
const skip = typeof cluster === 'string' ? `no private PostgreSQL cluster: ${cluster}` : false;
if (skip) console.log(`# skipping the database outage test: ${skip}`);

const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }] } });

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

test('the database stopped and started under a running server', { skip, timeout: 120_000 }, async () => {
  if (typeof cluster === 'string') return;
  const replica = await startReplica(cluster.url);
  const services = `${replica.url}/api/v1/namespaces/default/services`;
  try {
    assert.equal((await request(services, 'POST', svc('before'))).status, 201);
    const watch = await openWatch(`${services}?watch=1&resourceVersion=${(await request(services, 'GET')).body.metadata.resourceVersion}`);
    // Live before the outage: it has delivered an event (a watch still starting when the
    // database goes away ends with an ERROR event instead, and the client watches again).
    assert.equal((await request(services, 'POST', svc('live'))).status, 201);
    assert.equal((await watch.next(10_000)).object.metadata.name, 'live');
    await cluster.stop();
    const notReady = await until('/readyz to fail', 10_000, async () => (await fetch(`${replica.url}/readyz`)).status === 503);
    console.log(`# /readyz failed ${notReady} ms after the database stopped`);
    const started = Date.now();
    const write = await request(services, 'POST', svc('during'));
    const wrote = Date.now() - started;
    const read = await request(`${services}/before`, 'GET');
    console.log(`# a write failed after ${wrote} ms, a read after ${Date.now() - started - wrote} ms`);
    assert.ok(Date.now() - started < 10_000, 'requests fail fast');
    for (const res of [write, read]) {
      assert.equal(res.status, 500, JSON.stringify(res.body));
      assert.equal(res.body.kind, 'Status');
      assert.match(res.body.message, /storage unavailable: PostgreSQL/);
    }
    await cluster.start();
    const back = await until('/readyz to pass again', 20_000, async () => (await fetch(`${replica.url}/readyz`)).status === 200);
    console.log(`# ready again ${back} ms after the database started`);
    await until('a write to succeed', 20_000, async () => (await request(services, 'POST', svc('after'))).status === 201);
    const ev = await watch.next(10_000);
    assert.equal(ev.type, 'ADDED');
    assert.equal(ev.object.metadata.name, 'after', 'the watch from before the outage goes on, and the failed write never happened');
    assert.equal((await request(`${services}/during`, 'GET')).status, 404);
    watch.close();
  } finally {
    await replica.stop();
    await cluster.destroy();
  }
});
