// GET /apis/svcplane.dev/v1alpha1/allocations: the read-only allocator view, its Table for
// kubectl, and the Status errors of a resource that serves only get and list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
before(async () => {
  t = await startServer({ serviceCidr: '10.96.0.0/24', nodePortRange: '30000-30099' });
});
after(async () => t.stop());
const base = '/apis/svcplane.dev/v1alpha1/allocations';

test('the list holds one Allocation per range, sized and counted from the allocations table', async () => {
  await request(t.url)
    .post('/api/v1/namespaces/default/services')
    .send({ metadata: { name: 'np' }, spec: { type: 'NodePort', clusterIP: '10.96.0.200', ports: [{ port: 80, nodePort: 30042 }] } })
    .expect(201);
  const list = (await request(t.url).get(base).expect(200)).body;
  assert.equal(list.kind, 'AllocationList');
  assert.equal(list.apiVersion, 'svcplane.dev/v1alpha1');
  assert.match(list.metadata.resourceVersion, /^\d+$/);
  assert.deepEqual(
    list.items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ['service-ip-ipv4', 'node-port'],
  );
  const [ips, ports] = list.items;
  assert.deepEqual(ips.spec, { type: 'ClusterIP', ipFamily: 'IPv4', range: '10.96.0.0/24', staticBandSize: 16 });
  assert.deepEqual({ ...ips.status, holders: undefined }, { size: '254', used: 2, free: '252', outOfRange: 0, holders: undefined });
  // In address order: the kubernetes Service's first address, then np's.
  assert.deepEqual(
    ips.status.holders.map((h: { value: string; name: string }) => `${h.value} ${h.name}`),
    ['10.96.0.1 kubernetes', '10.96.0.200 np'],
  );
  assert.deepEqual(ports.spec, { type: 'NodePort', range: '30000-30099', staticBandSize: 16 });
  assert.deepEqual(
    ports.status.holders.map((h: { value: string }) => h.value),
    ['30042'],
  );
  const one = (await request(t.url).get(`${base}/node-port`).expect(200)).body;
  assert.deepEqual(one, ports);
});

test('kubectl gets a Table', async () => {
  const res = await request(t.url).get(base).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json').expect(200);
  assert.equal(res.body.kind, 'Table');
  assert.deepEqual(
    res.body.columnDefinitions.map((c: { name: string }) => c.name),
    ['Name', 'Range', 'Size', 'Used', 'Free', 'Out-of-range', 'Age'],
  );
  assert.deepEqual(res.body.rows[0].cells.slice(0, 6), ['service-ip-ipv4', '10.96.0.0/24', '254', 2, '252', 0]);
});

test('a missing name is a NotFound Status; writes and watches are MethodNotAllowed', async () => {
  const missing = (await request(t.url).get(`${base}/nope`).expect(404)).body;
  assert.deepEqual(missing, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'allocations.svcplane.dev "nope" not found',
    reason: 'NotFound',
    details: { name: 'nope', group: 'svcplane.dev', kind: 'allocations' },
    code: 404,
  });
  for (const [method, path] of [
    ['post', base],
    ['delete', `${base}/node-port`],
    ['put', `${base}/node-port`],
    ['patch', `${base}/node-port`],
  ] as const) {
    const res = await request(t.url)[method](path).send({}).expect(405);
    assert.equal(res.body.reason, 'MethodNotAllowed');
  }
  assert.equal((await request(t.url).get(`${base}?watch=true`).expect(405)).body.reason, 'MethodNotAllowed');
  assert.equal((await request(t.url).get(`${base}/node-port?watch=1`).expect(405)).body.reason, 'MethodNotAllowed');
});
