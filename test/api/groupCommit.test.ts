// Group commit seen from HTTP: concurrent writes share COMMITs, yet no client hears 201 for an
// object that is not durable, and a COMMIT that fails answers every write in it with a 500
// Status and leaves no trace of them (rows, allocations, watch events).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { startServer, type TestServer } from '../support/server.js';

let s: TestServer;
let peer: Database.Database;
before(async () => {
  s = await startServer();
  peer = new Database(join(s.dir, 'svcplane.db'), { readonly: true });
});
after(async () => {
  peer.close();
  await s.stop();
});

const onDisk = (name: string) =>
  peer.prepare("SELECT body FROM objects WHERE resource = 'services' AND namespace = 'default' AND name = ?").pluck().get(name) as string | undefined;

const create = (name: string) =>
  fetch(`${s.url}/api/v1/namespaces/default/services`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ metadata: { name }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }),
  });

test('200 concurrent creates share COMMITs, and each is stored as it was answered', async () => {
  const before = { ...s.server.store.stats };
  const names = Array.from({ length: 200 }, (_, i) => `gc-${i}`);
  const seen = await Promise.all(
    names.map(async (name) => {
      const res = await create(name);
      // Through another connection to the file: what is there is committed.
      const stored = onDisk(name);
      const body = (await res.json()) as { metadata: { resourceVersion: string } };
      return { status: res.status, stored, rv: body.metadata.resourceVersion };
    }),
  );
  for (const r of seen) {
    assert.equal(r.status, 201);
    assert.ok(r.stored, 'the object is committed');
    assert.equal(JSON.parse(r.stored).metadata.resourceVersion, r.rv);
  }
  const writes = s.server.store.stats.writes - before.writes;
  const commits = s.server.store.stats.commits - before.commits;
  assert.ok(writes >= 200 && commits < writes, `writes that arrived together shared COMMITs: ${writes} writes, ${commits} COMMITs`);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, new RegExp(`^svcplane_storage_commits_total ${s.server.store.stats.commits}$`, 'm'));
});

test('a COMMIT that fails answers its writes with 500 and keeps none of them', async () => {
  const admin = new Database(join(s.dir, 'svcplane.db'));
  // A deferred foreign key is checked at COMMIT, so the server's COMMIT of any batch holding
  // a Service named doomed-* fails: a disk error on demand.
  admin.exec(`CREATE TABLE trap_parent (id INTEGER PRIMARY KEY);
    CREATE TABLE trap (x INTEGER REFERENCES trap_parent(id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER spring AFTER INSERT ON objects WHEN NEW.name LIKE 'doomed-%' BEGIN INSERT INTO trap VALUES (1); END;`);
  const watch = await fetch(`${s.url}/api/v1/namespaces/default/services?watch=true&resourceVersion=${await currentRv()}`);
  const reader = watch.body!.getReader();
  try {
    const answers = await Promise.all(['doomed-1', 'doomed-2', 'doomed-3'].map(async (name) => ({ name, res: await create(name) })));
    for (const { name, res } of answers) {
      assert.equal(res.status, 500, name);
      const status = (await res.json()) as { kind: string; reason: string; code: number };
      assert.equal(status.kind, 'Status');
      assert.equal(status.code, 500);
      assert.equal(onDisk(name), undefined);
    }
    // What the failed batch allocated is free again: memory matches the allocations table.
    const held = peer.prepare("SELECT count(*) FROM allocations WHERE name LIKE 'doomed-%'").pluck().get();
    assert.equal(held, 0);
    admin.exec('DROP TRIGGER spring');
    const ok = await create('after-failure');
    assert.equal(ok.status, 201);
    const { value } = await reader.read();
    const first = JSON.parse(new TextDecoder().decode(value).split('\n')[0]) as { type: string; object: { metadata: { name: string } } };
    assert.deepEqual([first.type, first.object.metadata.name], ['ADDED', 'after-failure'], 'watchers never saw the lost writes');
    const rows = peer.prepare("SELECT count(*) FROM allocations WHERE pool = 'node-port'").pluck().get();
    assert.equal(s.server.allocators.nodePorts.stats().used, rows, 'the allocator in memory forgot the ports of the lost writes');
    const ipRows = peer.prepare("SELECT count(*) FROM allocations WHERE pool = 'service-ip/IPv4'").pluck().get();
    assert.equal(s.server.allocators.serviceIPs[0].stats().used, ipRows, 'and their cluster IPs');
  } finally {
    await reader.cancel();
    admin.close();
  }
});

async function currentRv(): Promise<string> {
  const list = (await (await fetch(`${s.url}/api/v1/namespaces/default/services?limit=1`)).json()) as { metadata: { resourceVersion: string } };
  return list.metadata.resourceVersion;
}
