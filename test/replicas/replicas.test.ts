// Several svcplane processes on one PostgreSQL database (issue 19): one API whichever replica a
// client reaches. Skips, saying why, where no PostgreSQL server answers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { postgres, type TestDatabase } from '../support/postgres.js';
import { request, startReplica, type Replica } from '../support/replica.js';
import { openWatch } from '../support/watch.js';

const server = await postgres();
const skip = server.available ? false : `no PostgreSQL: ${server.reason}`;
if (skip) console.log(`# skipping the replica suite: ${skip}`);

const svc = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { ports: [{ port: 80 }], ...spec },
});
const services = (url: string) => `${url}/api/v1/namespaces/default/services`;

describe('two replicas on one PostgreSQL', { skip }, () => {
  let db: TestDatabase;
  let a: Replica;
  let b: Replica;
  before(async () => {
    if (!server.available) return;
    db = await server.createDatabase();
    // One at a time would hide a migration race: both start at once.
    [a, b] = await Promise.all([startReplica(db.url), startReplica(db.url)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  test('a create on A is at once a get and a list on B, with the same resourceVersion', async () => {
    const created = await request(services(a.url), 'POST', svc('from-a'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const got = await request(`${services(b.url)}/from-a`, 'GET');
    assert.equal(got.status, 200);
    assert.equal(got.body.metadata.resourceVersion, created.body.metadata.resourceVersion);
    assert.equal(got.body.spec.clusterIP, created.body.spec.clusterIP);
    const list = await request(services(b.url), 'GET');
    assert.ok(list.body.items.some((s: any) => s.metadata.name === 'from-a'));
    assert.ok(Number(list.body.metadata.resourceVersion) >= Number(created.body.metadata.resourceVersion));
  });

  test('a stale resourceVersion is a 409 whichever replica served the read', async () => {
    const created = await request(services(a.url), 'POST', svc('occ'));
    const stale = created.body;
    const fresh = { ...stale, metadata: { ...stale.metadata, labels: { by: 'b' } } };
    assert.equal((await request(`${services(b.url)}/occ`, 'PUT', fresh)).status, 200);
    const late = { ...stale, metadata: { ...stale.metadata, labels: { by: 'a' } } };
    const res = await request(`${services(a.url)}/occ`, 'PUT', late);
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.reason, 'Conflict');
  });

  test('a watch on B sees writes through A and B in resourceVersion order, none missing', async () => {
    const start = (await request(services(b.url), 'GET')).body.metadata.resourceVersion;
    const watch = await openWatch(`${services(b.url)}?watch=1&resourceVersion=${start}`);
    try {
      const written: string[] = [];
      for (let i = 0; i < 30; i++) {
        const via = i % 3 === 0 ? b : a;
        const res = await request(services(via.url), 'POST', svc(`w-${i}`));
        assert.equal(res.status, 201, JSON.stringify(res.body));
        written.push(res.body.metadata.resourceVersion);
      }
      // Concurrent writes through both: their order is the database's commit order.
      const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => request(services((i % 2 ? a : b).url), 'POST', svc(`burst-${i}`))));
      for (const r of burst) assert.equal(r.status, 201);
      const expected = new Set([...written, ...burst.map((r) => r.body.metadata.resourceVersion)]);
      const seen: number[] = [];
      while (seen.length < expected.size) {
        const ev = await watch.next(10_000);
        if (ev.type === 'BOOKMARK') continue;
        assert.equal(ev.type, 'ADDED');
        seen.push(Number(ev.object.metadata.resourceVersion));
      }
      assert.deepEqual(
        seen,
        [...seen].sort((x, y) => x - y),
        'in resourceVersion order',
      );
      assert.deepEqual(new Set(seen.map(String)), expected, 'every write, once');
    } finally {
      watch.close();
    }
  });

  test('PATCHes sent together with creates that clash each land once, with their allocations and warnings', async () => {
    // A replica answers a PATCH's write before its round trip when it can; a create in the same
    // batch that clashes sends the batch's writes again, one at a time. Either way: one change each.
    for (const name of ['batch-a', 'batch-b']) assert.equal((await request(services(a.url), 'POST', svc(name))).status, 201);
    const patch = (name: string, body: unknown) =>
      fetch(`${services(a.url)}/${name}?fieldValidation=Warn`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, warning: r.headers.get('warning'), body: await r.json() }));
    const start = (await request(services(a.url), 'GET')).body.metadata.resourceVersion;
    const [dupA, toNodePort, dupB, unknownField, label] = await Promise.all([
      request(services(a.url), 'POST', svc('batch-a')),
      patch('batch-a', { spec: { type: 'NodePort' } }),
      request(services(a.url), 'POST', svc('batch-b')),
      patch('batch-b', { spec: { ports: [{ port: 81, bogus: 1 }] } }),
      patch('batch-a', { metadata: { labels: { by: 'patch' } } }),
    ]);
    assert.deepEqual([dupA.status, dupB.status], [409, 409]);
    assert.deepEqual([toNodePort.status, unknownField.status, label.status], [200, 200, 200], JSON.stringify([toNodePort.body, unknownField.body]));
    assert.equal(unknownField.warning, '299 - "unknown field \\"spec.ports[0].bogus\\""');
    const got = (await request(`${services(b.url)}/batch-a`, 'GET')).body;
    assert.equal(got.spec.type, 'NodePort');
    assert.equal(got.metadata.labels?.by, 'patch');
    const nodePort = got.spec.ports[0].nodePort as number;
    assert.ok(nodePort >= 30000 && nodePort <= 32767);
    assert.deepEqual((await request(`${services(b.url)}/batch-b`, 'GET')).body.spec.ports, [{ port: 81, protocol: 'TCP', targetPort: 81 }]);
    // Three changes after start, in order, each once; the node port is held by batch-a alone.
    const watch = await openWatch(`${services(b.url)}?watch=true&resourceVersion=${start}`);
    const events = [await watch.next(), await watch.next(), await watch.next()];
    watch.close();
    assert.deepEqual(
      events.map((e) => e.type),
      ['MODIFIED', 'MODIFIED', 'MODIFIED'],
    );
    assert.deepEqual(
      events.map((e) => Number(e.object.metadata.resourceVersion)),
      events.map((_, i) => Number(events[0].object.metadata.resourceVersion) + i),
    );
    const taken = await request(services(b.url), 'POST', svc('batch-c', { type: 'NodePort', ports: [{ port: 80, nodePort }] }));
    assert.equal(taken.status, 422, JSON.stringify(taken.body));
  });

  test('20 clients across both replicas race for one nodePort and one clusterIP: one wins, the rest are 422', async () => {
    const racers = Array.from({ length: 20 }, (_, i) =>
      request(services((i % 2 ? a : b).url), 'POST', svc(`race-port-${i}`, { type: 'NodePort', ports: [{ port: 80, nodePort: 30555 }] })),
    );
    const ports = await Promise.all(racers);
    assert.deepEqual(ports.map((r) => r.status).sort(), [201, ...Array(19).fill(422)], JSON.stringify(ports.map((r) => r.body?.message)));
    const ips = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(services((i % 2 ? b : a).url), 'POST', svc(`race-ip-${i}`, { clusterIP: '10.96.0.77' }))),
    );
    assert.deepEqual(ips.map((r) => r.status).sort(), [201, ...Array(19).fill(422)], JSON.stringify(ips.map((r) => r.body?.message)));
    // A value freed on one replica can be taken on the other.
    const winner = ips.find((r) => r.status === 201)!.body.metadata.name as string;
    const winnerVia = ips.findIndex((r) => r.status === 201) % 2 ? b : a;
    assert.equal((await request(`${services(winnerVia.url)}/${winner}`, 'DELETE')).status, 200);
    const other = winnerVia === a ? b : a;
    const again = await request(services(other.url), 'POST', svc('ip-again', { clusterIP: '10.96.0.77' }));
    assert.equal(again.status, 201, JSON.stringify(again.body));
  });
});
