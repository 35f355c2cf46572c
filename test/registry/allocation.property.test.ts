// Random sequences of creates, updates, type changes, deletes and restarts against small
// ranges: no value is ever held twice, nothing leaks, everything held is in range, and the
// allocations table agrees with the objects and with the in-memory allocators.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { createServer, type Svcplane } from '../../src/index.js';
import type { Service } from '../../src/model/service.js';
import { StatusError } from '../../src/registry/errors.js';
import { tempDir } from '../support/server.js';

const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
const names = ['a', 'b', 'c', 'd', 'e', 'f'];
const open = (db: string) => createServer({ port: 0, db, logLevel: 'silent', serviceCidr: '10.0.0.0/28', nodePortRange: '30000-30015' });

const spec = fc.record({
  type: fc.constantFrom(...types),
  clusterIP: fc.option(fc.constantFrom('10.0.0.3', '10.0.0.9', '10.0.0.200', 'None'), { nil: undefined }),
  nodePort: fc.option(fc.integer({ min: 29998, max: 30017 }), { nil: undefined }),
  twoPorts: fc.boolean(),
  local: fc.boolean(),
});
const op = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), name: fc.constantFrom(...names), spec }),
  fc.record({ kind: fc.constant('update' as const), name: fc.constantFrom(...names), spec }),
  fc.record({ kind: fc.constant('type' as const), name: fc.constantFrom(...names), type: fc.constantFrom(...types) }),
  fc.record({ kind: fc.constant('delete' as const), name: fc.constantFrom(...names) }),
  fc.record({ kind: fc.constant('restart' as const) }),
);

type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;

function toService(name: string, s: Spec): Service {
  const ports = [{ name: 'p1', port: 80, ...(s.nodePort ? { nodePort: s.nodePort } : {}) }];
  if (s.twoPorts) ports.push({ name: 'p2', port: 443 });
  return {
    metadata: { name },
    spec: {
      type: s.type, ports,
      ...(s.type === 'ExternalName' ? { externalName: 'x.example.com' } : {}),
      ...(s.clusterIP && s.type !== 'ExternalName' ? { clusterIP: s.clusterIP } : {}),
      ...(s.local && s.type === 'LoadBalancer' ? { externalTrafficPolicy: 'Local' as const } : {}),
    },
  };
}

function checkInvariants(server: Svcplane): void {
  const held = new Map<string, string>();
  const hold = (pool: string, value: string, owner: string) => {
    const key = `${pool}/${value}`;
    assert.ok(!held.has(key), `${key} held by ${held.get(key)} and ${owner}`);
    held.set(key, owner);
  };
  for (const svc of server.services.list(undefined).items) {
    const owner = `${svc.metadata!.namespace}/${svc.metadata!.name}`;
    for (const ip of svc.spec?.clusterIPs ?? []) if (ip !== 'None') hold('service-ip/IPv4', ip, owner);
    // Only these types hold node ports; others may carry nodePort values they never allocated.
    const holdsPorts = svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
    if (holdsPorts) for (const p of new Set((svc.spec?.ports ?? []).map((p) => p.nodePort).filter(Boolean))) hold('node-port', String(p), owner);
    if (svc.spec?.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local' && svc.spec?.healthCheckNodePort) hold('node-port', String(svc.spec.healthCheckNodePort), owner);
  }
  const rows = [...server.store.allocations('service-ip/IPv4'), ...server.store.allocations('node-port')];
  assert.deepEqual(new Set(rows.map((r) => `${r.pool}/${r.value}`)), new Set(held.keys()), 'allocation rows equal what objects hold');
  for (const r of rows) assert.equal(`${r.namespace}/${r.name}`, held.get(`${r.pool}/${r.value}`));
  for (const r of rows) {
    if (r.pool === 'node-port') assert.ok(Number(r.value) >= 30000 && Number(r.value) <= 30015);
    else assert.ok(server.allocators.serviceIPs[0].range.contains(r.value), `${r.value} in range`);
  }
  assert.equal(server.allocators.serviceIPs[0].stats().used, server.store.allocations('service-ip/IPv4').length);
  assert.equal(server.allocators.nodePorts.stats().used, server.store.allocations('node-port').length);
}

test('random operation sequences never double-allocate or leak', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
      const dir = tempDir();
      const db = join(dir, 'p.db');
      let server = await open(db);
      try {
        for (const o of ops) {
          try {
            if (o.kind === 'create') server.services.create('default', toService(o.name, o.spec));
            else if (o.kind === 'update') server.services.update('default', o.name, toService(o.name, o.spec));
            else if (o.kind === 'type') server.services.patch('default', o.name, (cur) => ({ ...cur, spec: { ...cur.spec, type: o.type, ...(o.type === 'ExternalName' ? { externalName: 'y.example.com' } : {}) } }), 'main');
            else if (o.kind === 'delete') server.services.delete('default', o.name);
            else {
              await server.close();
              server = await open(db);
            }
          } catch (err) {
            if (!(err instanceof StatusError)) throw err;
            assert.ok(err.status.code < 500 || /range is full/.test(err.status.message ?? ''), `unexpected ${err.status.code}: ${err.status.message}`);
          }
          checkInvariants(server);
        }
      } finally {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 150 },
  );
});
