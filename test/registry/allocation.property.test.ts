// Random sequences of creates, updates, type changes, deletes and restarts against small
// ranges: no value is ever held twice, nothing leaks, everything held is in range, and the
// allocations table agrees with the objects and with the in-memory allocators.
// Both for a single-stack cluster and for a dual-stack one (IP family policies, upgrades, downgrades).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalIP, familyOfIP } from '../../src/allocators/ipRange.js';
import { configuredPools, planRepair } from '../../src/allocators/repair.js';
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
      type: s.type,
      ports,
      ...(s.type === 'ExternalName' ? { externalName: 'x.example.com' } : {}),
      ...(s.clusterIP && s.type !== 'ExternalName' ? { clusterIP: s.clusterIP } : {}),
      ...(s.local && s.type === 'LoadBalancer' ? { externalTrafficPolicy: 'Local' as const } : {}),
    },
  };
}

/** The repair pass must agree with the allocation hook: on a consistent database it finds nothing. */
async function assertRepairFindsNothing(server: Svcplane): Promise<void> {
  const pools = configuredPools(
    server.allocators.serviceIPs.map((a) => a.range),
    server.allocators.nodePorts.range,
  );
  assert.deepEqual(
    (await planRepair(server.store, pools)).map((f) => f.message),
    [],
  );
}

/** Held values by pool/value, and a way to record one that fails when it is held twice. */
function holdings() {
  const held = new Map<string, string>();
  const hold = (pool: string, value: string, owner: string) => {
    const key = `${pool}/${value}`;
    assert.ok(!held.has(key), `${key} held by ${held.get(key)} and ${owner}`);
    held.set(key, owner);
  };
  return { held, hold };
}

async function checkInvariants(server: Svcplane): Promise<void> {
  const { held, hold } = holdings();
  for (const svc of (await server.services.list(undefined)).items) {
    const owner = `${svc.metadata!.namespace}/${svc.metadata!.name}`;
    for (const ip of svc.spec?.clusterIPs ?? []) if (ip !== 'None') hold('service-ip/IPv4', ip, owner);
    // Only these types hold node ports; others may carry nodePort values they never allocated.
    const holdsPorts = svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
    if (holdsPorts) for (const p of new Set((svc.spec?.ports ?? []).map((p) => p.nodePort).filter(Boolean))) hold('node-port', String(p), owner);
    if (svc.spec?.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local' && svc.spec?.healthCheckNodePort)
      hold('node-port', String(svc.spec.healthCheckNodePort), owner);
  }
  const rows = [...(await server.store.allocations('service-ip/IPv4')), ...(await server.store.allocations('node-port'))];
  assert.deepEqual(new Set(rows.map((r) => `${r.pool}/${r.value}`)), new Set(held.keys()), 'allocation rows equal what objects hold');
  for (const r of rows) assert.equal(`${r.namespace}/${r.name}`, held.get(`${r.pool}/${r.value}`));
  for (const r of rows) {
    if (r.pool === 'node-port') assert.ok(Number(r.value) >= 30000 && Number(r.value) <= 30015);
    else assert.ok(server.allocators.serviceIPs[0].range.contains(r.value), `${r.value} in range`);
  }
  assert.equal(server.allocators.serviceIPs[0].stats().used, (await server.store.allocations('service-ip/IPv4')).length);
  assert.equal(server.allocators.nodePorts.stats().used, (await server.store.allocations('node-port')).length);
  await assertRepairFindsNothing(server);
}

/**
 * Runs one generated sequence against a fresh database: each operation (a restart reopens the
 * same file), then the invariants. Refusals must be Status errors below 500, or a full range.
 */
async function runSequence<O extends { kind: string }>(
  openDb: (db: string) => Promise<Svcplane>,
  ops: O[],
  check: (server: Svcplane) => Promise<void>,
  apply: (server: Svcplane, op: O) => Promise<void>,
): Promise<void> {
  const dir = tempDir();
  const db = join(dir, 'p.db');
  let server = await openDb(db);
  try {
    for (const o of ops) {
      try {
        if (o.kind === 'restart') {
          await server.close();
          server = await openDb(db);
        } else await apply(server, o);
      } catch (err) {
        if (!(err instanceof StatusError)) throw err;
        assert.ok(err.status.code < 500 || /range is full/.test(err.status.message ?? ''), `unexpected ${err.status.code}: ${err.status.message}`);
      }
      await check(server);
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function changeType(server: Svcplane, name: string, type: (typeof types)[number]): Promise<void> {
  await server.services.patch('default', name, (cur) => ({
    ...cur,
    spec: { ...cur.spec, type, ...(type === 'ExternalName' ? { externalName: 'y.example.com' } : {}) },
  }));
}

test('random operation sequences never double-allocate or leak', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
      await runSequence(open, ops, checkInvariants, async (server, o) => {
        if (o.kind === 'create') await server.services.create('default', toService(o.name, o.spec));
        else if (o.kind === 'update') await server.services.update('default', o.name, toService(o.name, o.spec));
        else if (o.kind === 'type') await changeType(server, o.name, o.type);
        else if (o.kind === 'delete') await server.services.delete('default', o.name);
      });
    }),
    { numRuns: 150 },
  );
});

// ---------------------------------------------------------------------------------------------
// Dual-stack: ipFamilyPolicy and ipFamilies in every combination, explicit cluster IPs of both
// families (one IPv6 address spelt two ways), upgrades and downgrades of existing Services, and
// restarts with the same configuration. Both pools are tiny, so clashes are frequent.

const dualCidr = '10.0.0.0/28,fd00::/124';
const openDual = (db: string) => createServer({ port: 0, db, logLevel: 'silent', serviceCidr: dualCidr, nodePortRange: '30000-30015' });

const policies = ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const;
type Family = 'IPv4' | 'IPv6';
const familyLists: (Family[] | undefined)[] = [undefined, ['IPv4'], ['IPv6'], ['IPv4', 'IPv6'], ['IPv6', 'IPv4']];
// In-range values, fd00::3 spelt two ways; 10.0.0.200 and fd00::1:0 are outside the ranges.
const v4s = ['10.0.0.3', '10.0.0.9'];
const v6s = ['fd00::3', 'fd00::0:3', 'fd00::a'];
const v4Outside = '10.0.0.200';
const v6Outside = 'fd00::1:0';
const dualNames = ['a', 'b', 'c', 'd'];

const dualSpec = fc.record({
  type: fc.constantFrom('ClusterIP', 'ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'),
  policy: fc.option(fc.constantFrom(...policies), { nil: undefined }),
  families: fc.constantFrom(...familyLists),
  // Coherent specs (most) ask for IPs that match their families and policy, so that they mostly
  // succeed or clash; free ones combine the fields at random and are mostly refused.
  coherent: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
  ipCount: fc.constantFrom(0, 0, 1, 2),
  v4: fc.constantFrom(...v4s),
  v6: fc.constantFrom(...v6s),
  clusterIPs: fc.oneof(
    fc.constant(undefined),
    fc.constant(['None']),
    fc.tuple(fc.constantFrom(...v4s, v4Outside)).map((t) => [...t]),
    fc.tuple(fc.constantFrom(...v6s, v6Outside)).map((t) => [...t]),
    fc.tuple(fc.constantFrom(...v4s, v4Outside), fc.constantFrom(...v6s, v6Outside)).map((t) => [...t]),
    fc.tuple(fc.constantFrom(...v6s, v6Outside), fc.constantFrom(...v4s, v4Outside)).map((t) => [...t]),
  ),
  selector: fc.boolean(),
  nodePort: fc.option(fc.integer({ min: 30000, max: 30015 }), { nil: undefined }),
  twoPorts: fc.boolean(),
  local: fc.boolean(),
});
type DualSpec = typeof dualSpec extends fc.Arbitrary<infer T> ? T : never;

const dualOp = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('create' as const), name: fc.constantFrom(...dualNames), spec: dualSpec }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('update' as const), name: fc.constantFrom(...dualNames), spec: dualSpec }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('family' as const),
      // Which existing Service (by position): a family change on a missing one tests nothing.
      target: fc.nat(),
      policy: fc.constantFrom(...policies),
      // keep: only the policy changes; trim: also drop the secondary IP and family (what a client
      // downgrading by hand sends); add: also append the other family; addIP: append the other
      // family and an explicit IP of it; swap: reverse the families (the primary may not change).
      lists: fc.constantFrom('keep', 'keep', 'trim', 'add', 'addIP', 'swap'),
      v4: fc.constantFrom(...v4s),
      v6: fc.constantFrom(...v6s),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('type' as const), name: fc.constantFrom(...dualNames), type: fc.constantFrom(...types) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), name: fc.constantFrom(...dualNames) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
);
type FamilyOp = Extract<typeof dualOp extends fc.Arbitrary<infer T> ? T : never, { kind: 'family' }>;

function toDualService(name: string, s: DualSpec): Service {
  const exposesPorts = s.type === 'NodePort' || s.type === 'LoadBalancer';
  const svc = toService(name, {
    type: s.type,
    clusterIP: undefined,
    nodePort: s.coherent && !exposesPorts ? undefined : s.nodePort,
    twoPorts: s.twoPorts,
    local: s.local,
  });
  const spec = svc.spec!;
  if (s.selector) spec.selector = { app: name };
  if (s.type === 'ExternalName') return svc;
  if (!s.coherent) {
    if (s.policy) spec.ipFamilyPolicy = s.policy;
    if (s.families) spec.ipFamilies = [...s.families];
    if (s.clusterIPs) {
      spec.clusterIPs = [...s.clusterIPs];
      spec.clusterIP = s.clusterIPs[0];
    }
    return svc;
  }
  let policy = s.policy;
  if ((s.families?.length === 2 || s.ipCount === 2) && (!policy || policy === 'SingleStack')) policy = 'RequireDualStack';
  if (policy) spec.ipFamilyPolicy = policy;
  if (s.families) spec.ipFamilies = policy === 'SingleStack' ? s.families.slice(0, 1) : [...s.families];
  const order: Family[] = s.families ?? ['IPv4', 'IPv6'];
  const ips = order.slice(0, s.ipCount).map((f) => (f === 'IPv4' ? s.v4 : s.v6));
  if (ips.length) {
    spec.clusterIPs = ips;
    spec.clusterIP = ips[0];
  }
  return svc;
}

const otherFamily = (f: string): Family => (f === 'IPv4' ? 'IPv6' : 'IPv4');

/** A patch of the IP family fields of an existing Service: an upgrade, a downgrade, or neither. */
function changeFamilies(cur: Service, o: FamilyOp): Service {
  const spec = { ...cur.spec, ipFamilyPolicy: o.policy };
  const fams = [...(spec.ipFamilies ?? [])];
  if (o.lists === 'trim') {
    if (spec.clusterIPs) spec.clusterIPs = spec.clusterIPs.slice(0, 1);
    if (fams.length) spec.ipFamilies = fams.slice(0, 1);
  } else if ((o.lists === 'add' || o.lists === 'addIP') && fams.length === 1) {
    const other = otherFamily(fams[0]);
    spec.ipFamilies = [fams[0], other];
    if (o.lists === 'addIP' && spec.clusterIPs?.length === 1 && spec.clusterIPs[0] !== 'None') {
      spec.clusterIPs = [spec.clusterIPs[0], other === 'IPv4' ? o.v4 : o.v6];
    }
  } else if (o.lists === 'swap' && fams.length === 2) {
    spec.ipFamilies = [fams[1], fams[0]];
  }
  return { ...cur, spec };
}

async function checkDualInvariants(server: Svcplane): Promise<void> {
  const { held, hold } = holdings();
  for (const svc of (await server.services.list(undefined)).items) {
    const owner = `${svc.metadata!.namespace}/${svc.metadata!.name}`;
    const spec = svc.spec ?? {};
    if (spec.type !== 'ExternalName') {
      const ips = spec.clusterIPs ?? [];
      assert.equal(spec.clusterIP, ips[0], `${owner}: clusterIP is clusterIPs[0]`);
      assert.ok(spec.ipFamilyPolicy, `${owner}: ipFamilyPolicy is set`);
      const fams = spec.ipFamilies ?? [];
      const want = spec.ipFamilyPolicy === 'SingleStack' ? 1 : 2;
      assert.equal(fams.length, want, `${owner}: ${spec.ipFamilyPolicy} on a dual-stack cluster has ${want} families, got ${JSON.stringify(fams)}`);
      assert.equal(new Set(fams).size, fams.length, `${owner}: families differ`);
      if (ips[0] !== 'None') {
        assert.deepEqual(
          ips.map((ip) => familyOfIP(ip)),
          fams,
          `${owner}: clusterIPs ${JSON.stringify(ips)} follow ipFamilies ${JSON.stringify(fams)}`,
        );
        for (const ip of ips) hold(`service-ip/${familyOfIP(ip)}`, canonicalIP(ip), owner);
      } else {
        assert.equal(ips.length, 1, `${owner}: headless has one clusterIP`);
      }
    }
    const holdsPorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    if (holdsPorts) for (const p of new Set((spec.ports ?? []).map((p) => p.nodePort).filter(Boolean))) hold('node-port', String(p), owner);
    if (spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && spec.healthCheckNodePort)
      hold('node-port', String(spec.healthCheckNodePort), owner);
  }
  const pools = ['service-ip/IPv4', 'service-ip/IPv6', 'node-port'];
  const rows = (await Promise.all(pools.map((p) => server.store.allocations(p)))).flat();
  assert.deepEqual(new Set(rows.map((r) => `${r.pool}/${r.value}`)), new Set(held.keys()), 'allocation rows equal what objects hold');
  assert.equal(rows.length, held.size, 'one row per held value');
  for (const r of rows) assert.equal(`${r.namespace}/${r.name}`, held.get(`${r.pool}/${r.value}`));
  const byPool = new Map(server.allocators.serviceIPs.map((a) => [a.pool, a]));
  assert.deepEqual(
    server.allocators.serviceIPs.map((a) => a.family),
    ['IPv4', 'IPv6'],
  );
  for (const r of rows) {
    if (r.pool === 'node-port') {
      assert.ok(Number(r.value) >= 30000 && Number(r.value) <= 30015);
    } else {
      assert.equal(r.value, canonicalIP(r.value), `${r.pool} row ${r.value} is stored canonically`);
      assert.ok(byPool.get(r.pool)!.range.contains(r.value), `${r.pool} ${r.value} in range`);
      assert.ok(byPool.get(r.pool)!.has(r.value), `${r.pool} ${r.value} held in memory`);
    }
  }
  for (const a of server.allocators.serviceIPs) {
    assert.equal(a.stats().used, (await server.store.allocations(a.pool)).length, `${a.pool}: in-memory count equals rows`);
    assert.equal(a.stats().outside, 0, `${a.pool}: nothing outside the range`);
  }
  assert.equal(server.allocators.nodePorts.stats().used, (await server.store.allocations('node-port')).length);
  await assertRepairFindsNothing(server);
}

test('dual-stack: random family policies, family changes and restarts never double-allocate or leak', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(dualOp, { minLength: 1, maxLength: 40 }), async (ops) => {
      await runSequence(openDual, ops, checkDualInvariants, async (server, o) => {
        if (o.kind === 'create') await server.services.create('default', toDualService(o.name, o.spec));
        else if (o.kind === 'update') await server.services.update('default', o.name, toDualService(o.name, o.spec));
        else if (o.kind === 'family') {
          const existing = (await server.services.list('default')).items;
          if (existing.length) await server.services.patch('default', existing[o.target % existing.length].metadata!.name!, (cur) => changeFamilies(cur, o));
        } else if (o.kind === 'type') await changeType(server, o.name, o.type);
        else if (o.kind === 'delete') await server.services.delete('default', o.name);
      });
    }),
    { numRuns: 250 },
  );
});
