// coordination.k8s.io/v1 Leases, the resource client-go's leader election uses (and svcplane's
// replicas elect their controllers' leader with): CRUD, kube's validation, the table columns.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.stop());

const leases = () => `${t.url}/apis/coordination.k8s.io/v1/namespaces/default/leases`;
const send = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};

test('a Lease is created, renewed with its resourceVersion, and a stale renewal is a 409', async () => {
  const spec = {
    holderIdentity: 'a',
    leaseDurationSeconds: 15,
    acquireTime: '2026-01-01T00:00:00.000000Z',
    renewTime: '2026-01-01T00:00:00.000000Z',
    leaseTransitions: 0,
  };
  const created = await send('POST', leases(), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'ctrl' }, spec });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.kind, 'Lease');
  assert.deepEqual(created.body.spec, spec);
  const renewed = await send('PUT', `${leases()}/ctrl`, { ...created.body, spec: { ...spec, renewTime: '2026-01-01T00:00:02.000000Z' } });
  assert.equal(renewed.status, 200);
  const stale = await send('PUT', `${leases()}/ctrl`, { ...created.body, spec: { ...spec, holderIdentity: 'b' } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.reason, 'Conflict');
});

test('kube-apiserver validation: durations, transitions, strategy and preferredHolder', async () => {
  const res = await send('POST', leases(), { metadata: { name: 'bad' }, spec: { leaseDurationSeconds: 0, leaseTransitions: -1, preferredHolder: 'x' } });
  assert.equal(res.status, 422);
  assert.deepEqual(
    res.body.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`),
    [
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
      'spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined',
    ],
  );
  const name = await send('POST', leases(), { metadata: { name: 'Not_A_Subdomain' } });
  assert.equal(name.status, 422);
});

test('kubectl get leases columns: NAME, HOLDER, AGE', async () => {
  const res = await send('GET', leases(), undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.deepEqual(
    res.body.columnDefinitions.map((c: { name: string }) => c.name),
    ['Name', 'Holder', 'Age'],
  );
  const row = res.body.rows.find((r: { cells: unknown[] }) => r.cells[0] === 'ctrl');
  assert.equal(row.cells[1], 'a');
});
