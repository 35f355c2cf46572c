// Many clients creating Services at once, over real HTTP (one keep-alive connection each),
// with explicit cluster IPs and node ports drawn from small shared sets so that clashes are
// frequent: every answer is 201 or a 422 naming the clashing field, nothing is held twice, and
// the allocations table holds exactly what the Services hold.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, test } from 'node:test';
import { canonicalIP, familyOfIP } from '../../src/allocators/ipRange.js';
import type { Service } from '../../src/model/service.js';
import { startServer, type TestServer } from '../support/server.js';

const CLIENTS = 20;
const TOTAL = 2000;

/** mulberry32: a reproducible stream per seed, so a failure can be replayed with SEED=... */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function send(agent: http.Agent, url: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, url),
      {
        method,
        agent,
        headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          } catch (err) {
            reject(new Error(`${method} ${path}: ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)} (${String(err)})`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

// Shared explicit values: some in the static band (only explicit requests take them), some in the
// upper band (where random allocations may get there first).
const v4Shared = [...range(10, 20).map((d) => `10.0.0.${d}`), ...range(0, 10).map((d) => `10.0.9.${d}`)];
// Each IPv6 value in up to three spellings; they are one address, so they clash with each other.
const v6Base = [...range(10, 16), ...range(0x9000, 8)];
const v6Spellings = (n: number) => {
  const hex = n.toString(16);
  return [`fd00::${hex}`, `fd00::0:${hex}`, `fd00:0:0::${hex}`];
};
const v6Shared = v6Base.flatMap(v6Spellings);
const portShared = [...range(30010, 20), ...range(31000, 10)];

type Kind = 'ip-random' | 'ip-explicit' | 'np-random' | 'np-explicit' | 'lb-local' | 'lb-local-explicit';
const kinds: [Kind, number][] = [
  ['ip-random', 30],
  ['ip-explicit', 12],
  ['np-random', 22],
  ['np-explicit', 12],
  ['lb-local', 16],
  ['lb-local-explicit', 8],
];

interface Request {
  name: string;
  kind: Kind;
  service: Service;
  /** Indexes of ports whose nodePort was given. */
  explicitPorts: Set<number>;
  explicitIPs: boolean;
}

function pick<T>(random: () => number, xs: readonly T[]): T {
  return xs[Math.floor(random() * xs.length)];
}

function makeRequest(i: number, random: () => number, dual: boolean): Request {
  let r = random() * kinds.reduce((s, [, w]) => s + w, 0);
  let kind: Kind = kinds[0][0];
  for (const [k, w] of kinds) {
    if (r < w) {
      kind = k;
      break;
    }
    r -= w;
  }
  const name = `s-${i}`;
  const twoPorts = random() < 0.4;
  const ports: { name: string; port: number; nodePort?: number }[] = [{ name: 'http', port: 80 }];
  if (twoPorts) ports.push({ name: 'https', port: 443 });
  const explicitPorts = new Set<number>();
  const spec: NonNullable<Service['spec']> = { selector: { app: name }, ports };
  let explicitIPs = false;
  switch (kind) {
    case 'ip-random':
      spec.type = 'ClusterIP';
      break;
    case 'ip-explicit':
      spec.type = 'ClusterIP';
      explicitIPs = true;
      break;
    case 'np-random':
      spec.type = 'NodePort';
      break;
    case 'np-explicit':
    case 'lb-local-explicit': {
      spec.type = kind === 'np-explicit' ? 'NodePort' : 'LoadBalancer';
      const at = twoPorts && random() < 0.5 ? 1 : 0;
      ports[at].nodePort = pick(random, portShared);
      explicitPorts.add(at);
      if (twoPorts && random() < 0.3) {
        // Both explicit: may clash with each other's picks too, but never with itself.
        const other = 1 - at;
        let p = pick(random, portShared);
        while (p === ports[at].nodePort) p = pick(random, portShared);
        ports[other].nodePort = p;
        explicitPorts.add(other);
      }
      break;
    }
    case 'lb-local':
      spec.type = 'LoadBalancer';
      break;
  }
  if (spec.type === 'LoadBalancer') spec.externalTrafficPolicy = 'Local';
  // Some Services of every type also ask for a shared IP, so IP clashes mix with port clashes.
  if (kind !== 'ip-random' && kind !== 'ip-explicit' && random() < 0.15) explicitIPs = true;

  if (!dual) {
    if (explicitIPs) spec.clusterIP = pick(random, v4Shared);
  } else {
    const policy = pick(random, [undefined, 'SingleStack', 'PreferDualStack', 'RequireDualStack'] as const);
    const v6First = random() < 0.4;
    if (explicitIPs) {
      const v4 = pick(random, v4Shared);
      const v6 = pick(random, v6Shared);
      if (policy === 'PreferDualStack' || policy === 'RequireDualStack') {
        // One or both given; the other family's IP is allocated.
        const shape = pick(random, ['both', 'first'] as const);
        const ips = v6First ? [v6, v4] : [v4, v6];
        spec.clusterIPs = shape === 'both' ? ips : ips.slice(0, 1);
      } else {
        spec.clusterIPs = [v6First ? v6 : v4];
      }
      spec.clusterIP = spec.clusterIPs[0];
    } else if (policy === 'PreferDualStack' || policy === 'RequireDualStack') {
      spec.ipFamilies = v6First ? ['IPv6', 'IPv4'] : random() < 0.5 ? ['IPv4', 'IPv6'] : undefined;
      if (!spec.ipFamilies) delete spec.ipFamilies;
    } else if (v6First) {
      spec.ipFamilies = ['IPv6'];
    }
    if (policy) spec.ipFamilyPolicy = policy;
  }
  return { name, kind, explicitPorts, explicitIPs, service: { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec } };
}

interface Clash {
  field: string;
  pool: string;
  /** As the request spelt it. */
  value: string;
}

/** Checks a 422 against what was asked: only the fields given explicitly can clash. */
function checkInvalid(req: Request, reply: Reply, seed: number): Clash[] {
  const where = `${req.name} (${req.kind}, seed ${seed}): ${JSON.stringify(reply.body)}`;
  const b = reply.body;
  assert.equal(b?.kind, 'Status', where);
  assert.equal(b.apiVersion, 'v1', where);
  assert.equal(b.status, 'Failure', where);
  assert.equal(b.reason, 'Invalid', where);
  assert.equal(b.code, 422, where);
  assert.equal(b.details?.kind, 'Service', where);
  assert.equal(b.details?.name, req.name, where);
  const causes: { reason?: string; field?: string; message?: string }[] = b.details?.causes ?? [];
  assert.ok(causes.length >= 1, `no causes: ${where}`);
  const found: Clash[] = [];
  for (const c of causes) {
    assert.equal(c.reason, 'FieldValueInvalid', where);
    const port = /^spec\.ports\[(\d+)\]\.nodePort$/.exec(c.field ?? '');
    if (c.field === 'spec.clusterIPs') {
      assert.ok(req.explicitIPs, `an IP clash on a Service that asked for no IP: ${where}`);
      assert.match(c.message ?? '', /failed to allocate IP \S+: provided IP is already allocated$/, where);
      const ip = /failed to allocate IP (\S+):/.exec(c.message ?? '')![1];
      assert.ok(req.service.spec!.clusterIPs?.includes(ip) || req.service.spec!.clusterIP === ip, `the clash names ${ip}, which was not asked for: ${where}`);
      found.push({ field: c.field, pool: `service-ip/${familyOfIP(ip)}`, value: ip });
    } else if (port) {
      const i = Number(port[1]);
      assert.ok(req.explicitPorts.has(i), `a port clash on a nodePort that was not asked for: ${where}`);
      assert.match(c.message ?? '', new RegExp(`^Invalid value: ${req.service.spec!.ports![i].nodePort}: provided port is already allocated$`), where);
      found.push({ field: 'spec.ports[i].nodePort', pool: 'node-port', value: String(req.service.spec!.ports![i].nodePort) });
    } else {
      assert.fail(`unexpected field ${c.field}: ${where}`);
    }
  }
  assert.match(b.message, new RegExp(`^Service "${req.name}" is invalid: `), where);
  return found;
}

interface Held {
  pool: string;
  value: string;
  owner: string;
}

/** What a Service holds, as (pool, canonical value) pairs. */
function heldBy(svc: Service): Held[] {
  const owner = `${svc.metadata!.namespace}/${svc.metadata!.name}`;
  const out: Held[] = [];
  const spec = svc.spec ?? {};
  if (spec.type !== 'ExternalName') {
    for (const ip of spec.clusterIPs ?? []) {
      if (ip === 'None') continue;
      out.push({ pool: `service-ip/${familyOfIP(ip)}`, value: canonicalIP(ip), owner });
    }
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    for (const p of new Set((spec.ports ?? []).map((p) => p.nodePort).filter((p): p is number => Boolean(p))))
      out.push({ pool: 'node-port', value: String(p), owner });
  }
  if (spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && spec.healthCheckNodePort) {
    out.push({ pool: 'node-port', value: String(spec.healthCheckNodePort), owner });
  }
  return out;
}

async function scenario(t: TestServer, dual: boolean, seed: number, diagnostic: (message: string) => void): Promise<void> {
  const base = t.url;
  const created = new Map<string, Service>();
  const statuses = new Map<number, number>();
  const clashes = new Map<string, number>();
  const clashValues: Clash[] = [];
  let next = 0;
  const agents = Array.from({ length: CLIENTS }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  let connections = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const onConnection = () => connections++;
  t.server.app.server.on('connection', onConnection);
  const started = Date.now();
  try {
    await Promise.all(
      agents.map(async (agent, client) => {
        // One stream per client, so the mix does not depend on how the clients interleave.
        const random = prng(seed * 31 + client);
        for (;;) {
          const i = next++;
          if (i >= TOTAL) return;
          const req = makeRequest(i, random, dual);
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          const reply = await send(agent, base, 'POST', '/api/v1/namespaces/default/services', req.service);
          inFlight--;
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          if (reply.status === 201) {
            created.set(req.name, reply.body as Service);
            // Explicit values are honoured as given (IPv6 compared by address).
            const spec = (reply.body as Service).spec!;
            for (const [j, ip] of (req.service.spec!.clusterIPs ?? (req.service.spec!.clusterIP ? [req.service.spec!.clusterIP] : [])).entries()) {
              assert.equal(canonicalIP(spec.clusterIPs![j]), canonicalIP(ip), `${req.name}: clusterIPs[${j}]`);
            }
            for (const j of req.explicitPorts) assert.equal(spec.ports![j].nodePort, req.service.spec!.ports![j].nodePort, `${req.name}: ports[${j}].nodePort`);
          } else {
            assert.equal(reply.status, 422, `${req.name} (${req.kind}, seed ${seed}): ${reply.status} ${JSON.stringify(reply.body)}`);
            for (const c of checkInvalid(req, reply, seed)) {
              clashes.set(c.field, (clashes.get(c.field) ?? 0) + 1);
              clashValues.push(c);
            }
          }
        }
      }),
    );
  } finally {
    t.server.app.server.off('connection', onConnection);
    for (const a of agents) a.destroy();
  }
  // Each client kept its one connection, and all of them had a request outstanding at once.
  assert.equal(connections, CLIENTS, 'one keep-alive connection per client');
  assert.equal(maxInFlight, CLIENTS, 'every client had a request in flight at the same time');
  diagnostic(
    `${TOTAL} creates in ${Date.now() - started} ms: ${JSON.stringify(Object.fromEntries(statuses))}, clashes ${JSON.stringify(Object.fromEntries(clashes))}`,
  );
  assert.deepEqual(
    [...statuses.keys()].filter((s) => s !== 201 && s !== 422),
    [],
    `only 201 and 422: ${JSON.stringify([...statuses])}`,
  );
  // The mix must actually produce clashes of both kinds, and mostly successes.
  assert.ok((clashes.get('spec.clusterIPs') ?? 0) > 20, `IP clashes: ${JSON.stringify([...clashes])}`);
  assert.ok((clashes.get('spec.ports[i].nodePort') ?? 0) > 20, `port clashes: ${JSON.stringify([...clashes])}`);
  assert.ok(created.size > TOTAL / 2, `created ${created.size} of ${TOTAL}`);

  // The list agrees with the 201s: same names, same allocated values.
  const listed = await send(new http.Agent(), base, 'GET', '/api/v1/services');
  assert.equal(listed.status, 200);
  const items = (listed.body.items as Service[]).filter((s) => !(s.metadata!.namespace === 'default' && s.metadata!.name === 'kubernetes'));
  assert.equal(items.length, created.size, 'one Service listed per 201');
  assert.equal(items.length, statuses.get(201));
  for (const svc of items) {
    const mine = created.get(svc.metadata!.name!);
    assert.ok(mine, `${svc.metadata!.name} was listed but never answered 201`);
    assert.deepEqual(heldBy(svc), heldBy(mine), `${svc.metadata!.name}: what it holds changed after its create`);
    if (dual) {
      const families = svc.spec!.ipFamilies ?? [];
      assert.deepEqual(
        (svc.spec!.clusterIPs ?? []).map((ip) => familyOfIP(ip)),
        families,
        `${svc.metadata!.name}: clusterIPs follow ipFamilies`,
      );
      if (svc.spec!.ipFamilyPolicy !== 'SingleStack') assert.equal(families.length, 2, `${svc.metadata!.name}: dual-stack on a dual-stack cluster`);
    }
  }

  // Nothing held twice, across every Service including default/kubernetes.
  const owners = new Map<string, string>();
  for (const svc of listed.body.items as Service[]) {
    for (const h of heldBy(svc)) {
      const key = `${h.pool} ${h.value}`;
      assert.ok(!owners.has(key), `${key} held by ${owners.get(key)} and ${h.owner}`);
      owners.set(key, h.owner);
    }
  }

  // Nothing was deleted while creating: every clash names a value some Service holds now. For
  // IPv6, a clash between two spellings of one address must have happened too.
  let spellingClashes = 0;
  for (const c of clashValues) {
    const owner = owners.get(`${c.pool} ${c.pool === 'node-port' ? c.value : canonicalIP(c.value)}`);
    assert.ok(owner, `${c.field} ${c.value} was refused as already allocated, but nobody holds it`);
    if (c.pool === 'service-ip/IPv6') {
      const holder = items.find((s) => `${s.metadata!.namespace}/${s.metadata!.name}` === owner)!;
      if (!holder.spec!.clusterIPs!.includes(c.value)) spellingClashes++;
    }
  }
  if (dual) assert.ok(spellingClashes > 0, 'some IPv6 clashes were between different spellings of one address');

  // The allocations table holds exactly that: nothing leaked, nothing missing, right owners.
  const pools = ['service-ip/IPv4', ...(dual ? ['service-ip/IPv6'] : []), 'node-port'];
  const rows = (await Promise.all(pools.map((p) => t.server.store.allocations(p)))).flat();
  assert.deepEqual(new Set(rows.map((r) => `${r.pool} ${r.value}`)), new Set(owners.keys()), 'allocation rows equal what the Services hold');
  assert.equal(rows.length, owners.size, 'no value has two rows');
  for (const r of rows) assert.equal(`${r.namespace}/${r.name}`, owners.get(`${r.pool} ${r.value}`), `${r.pool} ${r.value} owner`);
  for (const a of t.server.allocators.serviceIPs) {
    assert.equal(a.stats().used, (await t.server.store.allocations(a.pool)).length, `${a.pool}: in-memory count`);
    assert.equal(a.stats().outside, 0);
  }
  assert.equal(t.server.allocators.nodePorts.stats().used, (await t.server.store.allocations('node-port')).length, 'node-port: in-memory count');
  for (const r of rows) {
    if (r.pool === 'node-port') assert.ok(Number(r.value) >= 30000 && Number(r.value) <= 32767, r.value);
    else assert.ok(t.server.allocators.serviceIPs.find((a) => a.pool === r.pool)!.range.contains(r.value), `${r.pool} ${r.value} in range`);
  }
  if (dual) assert.ok((await t.server.store.allocations('service-ip/IPv6')).length > 100, 'the IPv6 pool was used');
  else assert.equal((await t.server.store.allocations('service-ip/IPv6')).length, 0);

  // Deleting everything frees everything (over HTTP, concurrently).
  const names = [...created.keys()];
  let at = 0;
  const delAgents = Array.from({ length: CLIENTS }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    await Promise.all(
      delAgents.map(async (agent) => {
        for (;;) {
          const name = names[at++];
          if (name === undefined) return;
          const res = await send(agent, base, 'DELETE', `/api/v1/namespaces/default/services/${name}`);
          // A LoadBalancer with the cloud's finalizer is marked, and the controller removes it.
          assert.ok(res.status === 200 || res.status === 202, `DELETE ${name}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }),
    );
  } finally {
    for (const a of delAgents) a.destroy();
  }
  const deadline = Date.now() + 10_000;
  for (;;) {
    const left = (await t.server.services.list('default')).items.filter((s) => s.metadata!.name !== 'kubernetes').length;
    if (left === 0 || Date.now() > deadline) {
      assert.equal(left, 0, 'every Service is gone');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const kubernetes = heldBy(await t.server.services.get('default', 'kubernetes')).map((h) => `${h.pool} ${h.value}`);
  assert.deepEqual(
    (await Promise.all(pools.map((p) => t.server.store.allocations(p)))).flat().map((r) => `${r.pool} ${r.value}`),
    kubernetes,
    'only the kubernetes Service holds anything',
  );
  for (const a of t.server.allocators.serviceIPs) assert.equal(a.stats().used, (await t.server.store.allocations(a.pool)).length);
  assert.equal(t.server.allocators.nodePorts.stats().used, 0);
}

const baseSeed = process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);

describe(`20 concurrent clients create 2,000 Services (seed ${baseSeed})`, () => {
  let t: TestServer | undefined;
  // Dozens of load balancers provisioning at once once tripped Node's listener-leak warning on
  // the fake cloud's shared shutdown signal.
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  after(async () => {
    process.off('warning', onWarning);
    await t?.stop();
    assert.deepEqual(
      warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
      [],
    );
  });

  test('single-stack: 10.0.0.0/20, node ports 30000-32767', async (ctx) => {
    // A short provisioning delay keeps the cloud controller's finalizer and status writes
    // interleaved with the creates.
    t = await startServer({ serviceCidr: '10.0.0.0/20', nodePortRange: '30000-32767', lbProvisionDelay: 20 });
    try {
      await scenario(t, false, baseSeed, (m) => ctx.diagnostic(m));
    } finally {
      await t.stop();
      t = undefined;
    }
  });

  test('dual-stack: 10.0.0.0/20,fd00::/108, with IPv6 spelt several ways', async (ctx) => {
    t = await startServer({ serviceCidr: '10.0.0.0/20,fd00::/108', nodePortRange: '30000-32767', lbProvisionDelay: 20 });
    try {
      await scenario(t, true, baseSeed + 1, (m) => ctx.diagnostic(m));
    } finally {
      await t.stop();
      t = undefined;
    }
  });
});
