// Health-check node ports and allocateLoadBalancerNodePorts over HTTP, as kube-apiserver's
// alloc.go handles them: allocated for LoadBalancer + externalTrafficPolicy Local, honoured when
// requested, freed when the policy or the type changes; `false` allocates no node ports but
// keeps the ones given.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Service } from '../../src/model/service.js';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
before(async () => {
  // Seeded: random node ports in a range this small would now and then take a port a later test asks for.
  t = await startServer({ nodePortRange: '30000-30100', lbProvisionDelay: 0, seed: 7 });
});
after(async () => t.stop());

type Res = { status: number; body: Service & { reason?: string; message?: string; details?: { causes?: { field: string; message: string }[] } } };
async function call(method: string, path: string, body?: unknown, type = 'application/json'): Promise<Res> {
  const res = await fetch(`${t.url}/api/v1/namespaces/default/services${path}`, {
    method,
    headers: body ? { 'content-type': type } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}
const create = (body: unknown) => call('POST', '', body);
const patch = (name: string, body: unknown) => call('PATCH', `/${name}`, body, 'application/merge-patch+json');
const held = (port: number) => t.server.store.allocation('node-port', String(port));
const lb = (name: string, spec: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec } });

test('a requested health-check node port is honoured and held; asking for it again is the InternalError kube-apiserver gives', async () => {
  // The service ports' node ports are named too: a random pick could be 30050 itself (1 in 85).
  const a = await create(lb('hc-a', { externalTrafficPolicy: 'Local', healthCheckNodePort: 30050, ports: [{ port: 80, nodePort: 30060 }] }));
  assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.equal(a.body.spec!.healthCheckNodePort, 30050);
  assert.equal((await held(30050))?.name, 'hc-a');
  const b = await create(lb('hc-b', { externalTrafficPolicy: 'Local', healthCheckNodePort: 30050, ports: [{ port: 80, nodePort: 30061 }] }));
  assert.equal(b.status, 500);
  assert.equal(b.body.reason, 'InternalError');
  assert.match(b.body.message!, /failed to allocate requested HealthCheck NodePort 30050: provided port is already allocated/);
  assert.equal((await t.server.store.allocations('node-port')).filter((r) => r.name === 'hc-b').length, 0, 'the refused create holds nothing');
});

test('externalTrafficPolicy Local -> Cluster frees the health-check node port, and back to Local allocates a new one', async () => {
  const s = await create(lb('hc-policy', { externalTrafficPolicy: 'Local' }));
  const port = s.body.spec!.healthCheckNodePort!;
  assert.equal((await held(port))?.name, 'hc-policy');
  const cluster = await patch('hc-policy', { spec: { externalTrafficPolicy: 'Cluster' } });
  assert.equal(cluster.status, 200, JSON.stringify(cluster.body));
  assert.equal(cluster.body.spec!.healthCheckNodePort, undefined);
  assert.equal(await held(port), undefined);
  const local = await patch('hc-policy', { spec: { externalTrafficPolicy: 'Local' } });
  assert.equal(local.status, 200);
  assert.ok(local.body.spec!.healthCheckNodePort);
  assert.equal((await held(local.body.spec!.healthCheckNodePort!))?.name, 'hc-policy');
});

test('LoadBalancer -> ClusterIP frees the node ports and the health-check node port', async () => {
  const s = await create(lb('hc-type', { externalTrafficPolicy: 'Local' }));
  const ports = [s.body.spec!.ports![0].nodePort!, s.body.spec!.healthCheckNodePort!];
  const res = await patch('hc-type', { spec: { type: 'ClusterIP', externalTrafficPolicy: null } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.spec!.healthCheckNodePort, undefined);
  assert.equal(res.body.spec!.ports![0].nodePort, undefined);
  for (const p of ports) assert.equal(await held(p), undefined, `${p} freed`);
});

test('allocateLoadBalancerNodePorts: false allocates no node ports but keeps explicit ones', async () => {
  const none = await create(
    lb('no-np', {
      allocateLoadBalancerNodePorts: false,
      ports: [
        { name: 'a', port: 80 },
        { name: 'b', port: 443 },
      ],
    }),
  );
  assert.equal(none.status, 201, JSON.stringify(none.body));
  assert.deepEqual(
    none.body.spec!.ports!.map((p) => p.nodePort),
    [undefined, undefined],
  );
  assert.equal((await t.server.store.allocations('node-port')).filter((r) => r.name === 'no-np').length, 0);
  const some = await create(
    lb('some-np', {
      allocateLoadBalancerNodePorts: false,
      ports: [
        { name: 'a', port: 80, nodePort: 30077 },
        { name: 'b', port: 443 },
      ],
    }),
  );
  assert.equal(some.status, 201, JSON.stringify(some.body));
  assert.deepEqual(
    some.body.spec!.ports!.map((p) => p.nodePort),
    [30077, undefined],
  );
  assert.equal((await held(30077))?.name, 'some-np');
  // Turning allocation off on an existing Service keeps the ports it already has.
  const had = await create(lb('had-np'));
  const port = had.body.spec!.ports![0].nodePort!;
  const off = await patch('had-np', { spec: { allocateLoadBalancerNodePorts: false } });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  assert.equal(off.body.spec!.ports![0].nodePort, port);
  assert.equal((await held(port))?.name, 'had-np');
});
