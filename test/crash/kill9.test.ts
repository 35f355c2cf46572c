// Crash suite (issue 15): mixed concurrent load against the built server on a real SQLite file,
// SIGKILL at a random moment, restart on the same file, and check that what was acknowledged
// survived and that nothing unacknowledged is half there. Rounds share the file, so damage one
// crash leaves is still there to be found by the next.
//
// The model: every object name is owned by one client, which writes it one request at a time,
// so per name the writes are totally ordered and at most one (the one in flight at the kill) has
// an unknown outcome. Concurrency comes from the clients working side by side on different names,
// which is what group commit batches together, and from contended values (explicit node ports
// and cluster IPs) that several clients ask for at once.
//
// SVCPLANE_FUZZ=long: 20 rounds of longer load. SVCPLANE_FUZZ_SEED: replay a printed seed (the
// choices replay; the kill moment relative to the server's progress can differ).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { tempDir } from '../support/server.js';
import { openWatch } from '../support/watch.js';
import { call, killNine, offlineRepairCheck, Rand, sleep, startServer, type Outcome, type ServerProcess } from './harness.js';

const long = process.env.SVCPLANE_FUZZ === 'long';
const seed = process.env.SVCPLANE_FUZZ_SEED ?? 'svcplane-crash-15';
const size = long ? { rounds: 20, clients: 16, namesPerClient: 6, loadMs: [4000, 12000] } : { rounds: 3, clients: 12, namesPerClient: 5, loadMs: [2000, 5000] };
const namespaces = ['default', 'crash'];
const cleanupFinalizer = 'service.kubernetes.io/load-balancer-cleanup';
const allocationsPath = '/apis/svcplane.dev/v1alpha1/allocations';
// Short enough that the fake cloud's provisioning and cleanup race with the kill, not only with the load.
// The watch check replays every change since the previous round's list, so the change log must keep them all.
const serverFlags = ['--lb-provision-delay', '150ms', '--lb-retry-delay', '200ms', '--repair-interval', '0', '--watch-history', '1000000'];

interface Port {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
  nodePort?: number;
}
interface Svc {
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    ports?: Port[];
    healthCheckNodePort?: number;
    externalName?: string;
    externalTrafficPolicy?: string;
    loadBalancerClass?: string;
    sessionAffinity?: string;
  };
  status?: { loadBalancer?: { ingress?: unknown[] } };
}
interface ServiceList {
  metadata: { resourceVersion: string };
  items: Svc[];
}
interface AllocationList {
  items: { metadata: { name: string }; status: { holders?: { value: string; namespace: string; name: string; uid: string }[] } }[];
}

type Op = 'create' | 'delete' | 'replace' | 'merge' | 'strategic' | 'json' | 'typeChange';
interface Write {
  op: Op;
  detail: string;
}

/** What the owning client knows of one name, and what the checks compare the restarted server with. */
interface NameState {
  ns: string;
  name: string;
  /** The state the last acknowledged write left (or what the last check found); null when absent. */
  known: Svc | null;
  /** The last acknowledged write this round, for messages; the round-start check stands in before one. */
  lastAck?: Write;
  /** The uid an acknowledged delete removed, to tell a lost delete from a later re-create. */
  deletedUid?: string;
  /** The write that was in flight when the server died. */
  unknown?: Write;
}

interface RoundFigures {
  acked: Record<Op, number>;
  unknown: number;
  rejected: Record<string, number>;
  serverErrors: string[];
  killAfterMs: number;
}

const rv = (s: Svc) => Number(s.metadata.resourceVersion);
const path = (ns: string, name?: string) => `/api/v1/namespaces/${ns}/services${name === undefined ? '' : `/${name}`}`;
const isService = (b: unknown): b is Svc => typeof b === 'object' && b !== null && (b as { kind?: unknown }).kind === 'Service';
const terminating = (s: Svc) => s.metadata.deletionTimestamp !== undefined;
const wantsLB = (s: Svc) => s.spec.type === 'LoadBalancer' && !s.spec.loadBalancerClass;
const headless = (s: Svc) => s.spec.clusterIP === 'None';
/** The parts a client writes; the controller's finalizer and status are left out on purpose. */
const content = (s: Svc) => ({ spec: s.spec, labels: s.metadata.labels ?? {}, annotations: s.metadata.annotations ?? {}, deleting: terminating(s) });

const bare = (s: Svc) => ({ metadata: s.metadata, spec: s.spec, status: s.status });
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** What a Service holds in the allocation view, by the view's range names. */
function claims(s: Svc): { pool: string; value: string }[] {
  const out = new Map<string, { pool: string; value: string }>();
  const add = (pool: string, value: string) => out.set(`${pool}|${value}`, { pool, value });
  if (s.spec.type !== 'ExternalName') {
    for (const ip of s.spec.clusterIPs ?? (s.spec.clusterIP ? [s.spec.clusterIP] : [])) {
      if (ip !== 'None' && ip !== '') add(ip.includes(':') ? 'service-ip-ipv6' : 'service-ip-ipv4', ip);
    }
  }
  for (const p of s.spec.ports ?? []) if (p.nodePort) add('node-port', String(p.nodePort));
  if (s.spec.healthCheckNodePort) add('node-port', String(s.spec.healthCheckNodePort));
  return [...out.values()];
}

function createBody(name: string, r: Rand): { body: unknown; detail: string } {
  const ports: Port[] = [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }];
  if (r.chance(0.3)) ports.push({ name: 'metrics', port: 9090, protocol: 'TCP' });
  const metadata = { name, labels: { app: name, gen: '0' } };
  const kind = r.weighted({
    clusterIP: 3,
    staticIP: 1,
    nodePortRandom: 2,
    nodePortExplicit: 2,
    loadBalancer: 2,
    loadBalancerLocal: 1,
    headless: 1,
    externalName: 1,
  });
  const spec: Record<string, unknown> = { ports, selector: { app: name } };
  switch (kind) {
    case 'staticIP':
      // A small slice of the static band, so that clients collide on it now and then (422s).
      spec.clusterIP = `10.96.1.${r.int(2, 60)}`;
      break;
    case 'nodePortRandom':
      spec.type = 'NodePort';
      break;
    case 'nodePortExplicit':
      spec.type = 'NodePort';
      ports[0].nodePort = 30000 + r.int(0, 120);
      break;
    case 'loadBalancer':
      spec.type = 'LoadBalancer';
      if (r.chance(0.3)) ports[0].nodePort = 30000 + r.int(0, 120);
      break;
    case 'loadBalancerLocal':
      spec.type = 'LoadBalancer';
      spec.externalTrafficPolicy = 'Local';
      break;
    case 'headless':
      spec.clusterIP = 'None';
      break;
    case 'externalName':
      spec.type = 'ExternalName';
      spec.externalName = `${name}.example.com`;
      delete spec.selector;
      break;
  }
  return { body: { apiVersion: 'v1', kind: 'Service', metadata, spec }, detail: kind };
}

class Round {
  readonly figures: RoundFigures = {
    acked: { create: 0, delete: 0, replace: 0, merge: 0, strategic: 0, json: 0, typeChange: 0 },
    unknown: 0,
    rejected: {},
    serverErrors: [],
    killAfterMs: 0,
  };
  stopping = false;
  constructor(
    readonly url: string,
    readonly states: Map<string, NameState>,
    readonly maxAcked: { rv: number },
  ) {}

  /** Sends one write and files its outcome against the name: the only place the ledger changes. */
  async write(st: NameState, w: Write, method: string, p: string, body?: unknown, contentType?: string): Promise<void> {
    const res: Outcome = await call(this.url, method, p, body, contentType);
    if (res.kind === 'unknown') {
      st.unknown = w;
      this.figures.unknown++;
      return;
    }
    if (res.status >= 500) {
      // Not in the contract for this load; and a 5xx may or may not have been applied, so the
      // checks must allow either, like a missing answer.
      st.unknown = w;
      this.figures.serverErrors.push(`${w.op} ${st.ns}/${st.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      return;
    }
    if (res.status >= 400) {
      const reason = `${res.status}`;
      this.figures.rejected[reason] = (this.figures.rejected[reason] ?? 0) + 1;
      return;
    }
    this.figures.acked[w.op]++;
    st.lastAck = w;
    // An answer after an unanswered write settles it: whatever it did, this answer's state is later.
    st.unknown = undefined;
    if (w.op === 'delete') {
      const prev = st.known;
      // A Service with the load balancer finalizer answers the delete with deletionTimestamp set
      // and lives on until the controller has cleaned up; anything else is gone now.
      st.known = isService(res.body) && terminating(res.body) ? res.body : null;
      st.deletedUid = prev?.metadata.uid;
      return;
    }
    assert.ok(isService(res.body), `${w.op} ${st.name} answered ${res.status} without a Service: ${JSON.stringify(res.body)}`);
    st.known = res.body;
    st.deletedUid = undefined;
    this.maxAcked.rv = Math.max(this.maxAcked.rv, rv(res.body));
  }

  async client(names: NameState[], r: Rand): Promise<void> {
    while (!this.stopping) await this.step(r.pick(names), r);
  }

  private async step(st: NameState, r: Rand): Promise<void> {
    const k = st.known;
    if (!k || terminating(k)) {
      const { body, detail } = createBody(st.name, r);
      return this.write(st, { op: 'create', detail }, 'POST', path(st.ns), body);
    }
    const op = r.weighted({ delete: 12, replace: 16, merge: 14, strategic: 14, json: 12, typeChange: 32 });
    const gen = String(r.int(1, 1_000_000));
    const np = k.spec.type === 'NodePort' || k.spec.type === 'LoadBalancer';
    const p = path(st.ns, st.name);
    switch (op) {
      case 'delete':
        return this.write(st, { op, detail: '' }, 'DELETE', p);
      case 'merge': {
        const patch = r.chance(0.5)
          ? { metadata: { labels: { gen }, annotations: { 'crash.svcplane.dev/m': gen } } }
          : { spec: { sessionAffinity: k.spec.sessionAffinity === 'ClientIP' ? 'None' : 'ClientIP' }, metadata: { labels: { gen } } };
        return this.write(st, { op, detail: Object.keys(patch).join() }, 'PATCH', p, patch, 'application/merge-patch+json');
      }
      case 'strategic': {
        const hasExtra = (k.spec.ports ?? []).some((x) => x.port === 8443);
        let patch: unknown;
        let detail: string;
        if (np && r.chance(0.5)) {
          // Moves a node port: the old value must be released and the new one taken in one commit.
          patch = { spec: { ports: [{ port: k.spec.ports![0].port, nodePort: 30000 + r.int(0, 120) }] } };
          detail = 'move nodePort';
        } else if (hasExtra) {
          patch = { spec: { ports: [{ port: 8443, $patch: 'delete' }] } };
          detail = 'remove port';
        } else {
          patch = { spec: { ports: [{ name: 'extra', port: 8443, protocol: 'TCP' }] } };
          detail = 'add port';
        }
        return this.write(st, { op, detail }, 'PATCH', p, patch, 'application/strategic-merge-patch+json');
      }
      case 'json': {
        const ops: unknown[] = [{ op: 'test', path: '/metadata/uid', value: k.metadata.uid }];
        let detail = 'label';
        if (np && r.chance(0.4)) {
          ops.push({ op: 'replace', path: '/spec/ports/0/nodePort', value: 30000 + r.int(0, 120) });
          detail = 'nodePort';
        } else {
          ops.push({ op: 'add', path: '/metadata/labels/j', value: gen });
        }
        return this.write(st, { op, detail }, 'PATCH', p, ops, 'application/json-patch+json');
      }
      case 'replace':
      case 'typeChange': {
        const toType =
          { ClusterIP: 'NodePort', NodePort: 'LoadBalancer', LoadBalancer: 'ExternalName', ExternalName: 'ClusterIP' }[k.spec.type ?? 'ClusterIP'] ??
          'ClusterIP';
        // Headless Services cannot take node ports; their cycle goes through ExternalName instead.
        const nextType = op === 'typeChange' && headless(k) ? 'ExternalName' : toType;
        if (op === 'typeChange' && r.chance(0.6)) {
          const spec: Record<string, unknown> = { type: nextType };
          if (nextType === 'ExternalName') spec.externalName = `${st.name}.example.com`;
          if (k.spec.type === 'ExternalName') spec.externalName = null;
          if (nextType === 'LoadBalancer' && r.chance(0.3)) spec.externalTrafficPolicy = 'Local';
          return this.write(st, { op, detail: `${k.spec.type}->${nextType} (merge)` }, 'PATCH', p, { spec }, 'application/merge-patch+json');
        }
        // PUT with the resourceVersion just read: a 409 when the controller wrote in between is a fine outcome.
        const got = await call(this.url, 'GET', p);
        if (this.stopping || got.kind !== 'answer' || got.status !== 200 || !isService(got.body)) return;
        const cur = got.body;
        cur.metadata.labels = { ...cur.metadata.labels, gen };
        let detail = 'labels';
        if (op === 'typeChange') {
          detail = `${cur.spec.type}->${nextType} (put)`;
          cur.spec.type = nextType;
          if (nextType === 'ExternalName') cur.spec.externalName = `${st.name}.example.com`;
          else delete cur.spec.externalName;
        } else if (np && r.chance(0.4)) {
          cur.spec.ports![0].nodePort = 30000 + r.int(0, 120);
          detail = 'nodePort';
        }
        return this.write(st, { op, detail }, 'PUT', p, cur);
      }
    }
  }
}

/** Waits until the fake cloud's controller has nothing left to do, so the checks see a still picture. */
async function settle(url: string, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let pending: string[] = [];
  for (;;) {
    const res = await call(url, 'GET', '/api/v1/services');
    if (res.kind === 'answer' && res.status === 200) {
      pending = (res.body as ServiceList).items
        .filter(
          (s) =>
            terminating(s) || (wantsLB(s) && !s.status?.loadBalancer?.ingress?.length) || (!wantsLB(s) && s.metadata.finalizers?.includes(cleanupFinalizer)),
        )
        .map((s) => `${s.metadata.namespace}/${s.metadata.name} (${s.spec.type}${terminating(s) ? ', terminating' : ''})`);
      if (!pending.length) return [];
    }
    if (Date.now() > deadline) return pending;
    await sleep(100);
  }
}

async function getJSON<T>(url: string, p: string): Promise<T> {
  const res = await call(url, 'GET', p);
  assert.ok(res.kind === 'answer' && res.status === 200, `GET ${p}: ${JSON.stringify(res)}`);
  return res.body as T;
}

/** Every check after a restart; returns how many passed and what failed, so one round reports all it found. */
async function check(
  url: string,
  states: Map<string, NameState>,
  maxAckedRV: number,
): Promise<{ passed: number; violations: string[]; objects: number; holders: number; applied: number }> {
  let passed = 0;
  /** Unknown-outcome writes that turned out to have been committed: evidence the kill lands mid-commit, not only between requests. */
  let applied = 0;
  const violations: string[] = [];
  const expect = (ok: boolean, message: () => string) => (ok ? passed++ : violations.push(message()));

  const list = await getJSON<ServiceList>(url, '/api/v1/services');
  const listRV = Number(list.metadata.resourceVersion);
  expect(listRV >= maxAckedRV, () => `list resourceVersion ${listRV} is behind an acknowledged write's ${maxAckedRV}: the revision went backwards`);
  const current = new Map<string, Svc>();
  for (const s of list.items) {
    const key = `${s.metadata.namespace}/${s.metadata.name}`;
    current.set(key, s);
    expect(rv(s) <= listRV, () => `${key} has resourceVersion ${rv(s)} above its list's ${listRV}`);
    expect(states.has(key) || key === 'default/kubernetes', () => `${key} exists but no client ever wrote it`);
    // Fully formed: it reads back on its own exactly as the list has it.
    const one = await call(url, 'GET', path(s.metadata.namespace, s.metadata.name));
    // (List items carry no kind and apiVersion; the object itself must be the same.)
    const same = one.kind === 'answer' && one.status === 200 && isService(one.body) && isDeepStrictEqual(bare(one.body), bare(s));
    expect(same, () => `${key} is listed as ${JSON.stringify(s).slice(0, 300)} but reads back as ${JSON.stringify(one).slice(0, 400)}`);
  }

  // Allocations: each Service's values held exactly once, by it; nothing held by nobody.
  const view = await getJSON<AllocationList>(url, allocationsPath);
  const held = new Map<string, { namespace: string; name: string; uid: string }>();
  let holders = 0;
  for (const item of view.items) {
    for (const h of item.status.holders ?? []) {
      holders++;
      const key = `${item.metadata.name}|${h.value}`;
      expect(!held.has(key), () => `${item.metadata.name} ${h.value} is held twice: ${JSON.stringify([held.get(key), h])}`);
      held.set(key, h);
    }
  }
  const claimedBy = new Map<string, string>();
  for (const [key, s] of current) {
    for (const c of claims(s)) {
      const k = `${c.pool}|${c.value}`;
      const other = claimedBy.get(k);
      expect(other === undefined, () => `${c.pool} ${c.value} is in both ${other} and ${key}`);
      claimedBy.set(k, key);
      const h = held.get(k);
      expect(
        h !== undefined && `${h.namespace}/${h.name}` === key && h.uid === s.metadata.uid,
        () => `${key} (uid ${s.metadata.uid}) has ${c.pool} ${c.value} but the allocation view has ${JSON.stringify(h ?? 'no holder')}`,
      );
    }
  }
  for (const [k, h] of held)
    expect(claimedBy.has(k), () => `leak: ${k.replace('|', ' ')} is held by ${h.namespace}/${h.name} (uid ${h.uid}), which does not hold it`);

  // Per name: the last acknowledged write is there, or the write in flight at the kill explains what is.
  for (const [key, st] of states) {
    const k = st.known;
    const c = current.get(key) ?? null;
    const u = st.unknown;
    const last = st.lastAck ? `${st.lastAck.op} ${st.lastAck.detail}` : 'state at the round start';
    const inFlight = u ? `; in flight: ${u.op} ${u.detail}` : '';
    if (u) {
      const took =
        u.op === 'create'
          ? c !== null && c.metadata.uid !== k?.metadata.uid
          : u.op === 'delete'
            ? c === null || (terminating(c) && !!k && !terminating(k))
            : c !== null && k !== null && rv(c) > rv(k) && !isDeepStrictEqual(content(c), content(k));
      if (took) applied++;
    }
    const what = () =>
      `${key}: last acknowledged ${last} left ${k ? `rv ${rv(k)} uid ${k.metadata.uid}${terminating(k) ? ' (terminating)' : ''}` : 'nothing'}${inFlight}; found ${c ? `rv ${rv(c)} uid ${c.metadata.uid}` : 'nothing'}`;
    if (k && !terminating(k)) {
      if (!c) expect(u?.op === 'delete', () => `LOST WRITE ${what()}`);
      else if (c.metadata.uid !== k.metadata.uid) expect(false, () => `replaced by another object: ${what()}`);
      else if (rv(c) < rv(k)) expect(false, () => `LOST WRITE (older state came back) ${what()}`);
      else if (rv(c) === rv(k))
        expect(
          isDeepStrictEqual(content(c), content(k)),
          () => `same resourceVersion, different content: ${what()}: ${JSON.stringify(content(c))} vs ${JSON.stringify(content(k))}`,
        );
      // Newer: the in-flight write, or the controller's finalizer and status, which leave what clients wrote alone.
      else
        expect(
          u !== undefined || isDeepStrictEqual(content(c), content(k)),
          () => `changed without a write: ${what()}: ${JSON.stringify(content(c))} vs ${JSON.stringify(content(k))}`,
        );
    } else if (k) {
      // Terminating: the controller removes it in its own time; only a new create can bring another.
      expect(!c || (c.metadata.uid === k.metadata.uid ? terminating(c) : u?.op === 'create'), () => `terminating object came back: ${what()}`);
    } else if (c) {
      expect(
        u?.op === 'create' && c.metadata.uid !== st.deletedUid,
        () => `${st.deletedUid === c.metadata.uid ? 'LOST DELETE' : 'appeared without an acknowledged create'}: ${what()}`,
      );
    } else passed++;
  }
  return { passed, violations, objects: current.size, holders, applied };
}

/**
 * The change log across the crash: the previous round's list with every change since its
 * resourceVersion folded onto it (a resumed watch, as an informer does after a restart) must be
 * exactly today's list; a change log that lost or kept a different write than the objects table
 * would show here.
 */
async function checkWatch(url: string, before: ServiceList, now: ServiceList): Promise<{ passed: number; violations: string[]; events: number }> {
  const violations: string[] = [];
  let passed = 0;
  const from = Number(before.metadata.resourceVersion);
  // The controller has settled, so ending the watch after a second has seen every change there is.
  const w = await openWatch(`${url}/api/v1/services?watch=1&resourceVersion=${from}&timeoutSeconds=1`);
  await w.ended;
  if (w.status !== 200) return { passed, violations: [`resumed watch from ${from} answered ${w.status}`], events: 0 };
  const state = new Map(before.items.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  let last = from;
  for (const ev of w.events) {
    const obj = ev.object as Svc;
    if (ev.type === 'BOOKMARK') continue;
    if (ev.type === 'ERROR') {
      violations.push(`resumed watch from ${from} failed: ${JSON.stringify(ev.object)}`);
      return { passed, violations, events: w.events.length };
    }
    if (rv(obj) > last) passed++;
    else violations.push(`watch event ${ev.type} ${obj.metadata.name} at ${rv(obj)} does not follow ${last}`);
    last = Math.max(last, rv(obj));
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    if (ev.type === 'DELETED') state.delete(key);
    else state.set(key, obj);
  }
  const listed = new Map(now.items.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  for (const key of new Set([...state.keys(), ...listed.keys()])) {
    const a = state.get(key);
    const b = listed.get(key);
    if (a && b && isDeepStrictEqual(bare(a), bare(b))) passed++;
    else
      violations.push(
        `change log and objects disagree on ${key}: the watch from ${from} ends at ${a ? `rv ${rv(a)}` : 'nothing'}, the list has ${b ? `rv ${rv(b)}` : 'nothing'}`,
      );
  }
  return { passed, violations, events: w.events.length };
}

test(`kill -9 under mixed load, ${size.rounds} rounds on one database (seed ${seed})`, { timeout: long ? 40 * 60_000 : 180_000 }, async () => {
  const dir = tempDir();
  const db = join(dir, 'svcplane.db');
  // console.log, not t.diagnostic: the runner shows it as each round ends, which a 20-round run needs.
  const log = (line: string) => console.log(line);
  log(`crash suite: seed ${JSON.stringify(seed)} (SVCPLANE_FUZZ_SEED), ${size.rounds} rounds, ${size.clients} clients, db ${db}`);

  const states = new Map<string, NameState>();
  const owned: NameState[][] = [];
  for (let c = 0; c < size.clients; c++) {
    owned.push([]);
    for (let i = 0; i < size.namesPerClient; i++) {
      const st: NameState = { ns: namespaces[i % namespaces.length], name: `c${c}-s${i}`, known: null };
      states.set(`${st.ns}/${st.name}`, st);
      owned[c].push(st);
    }
  }
  const maxAcked = { rv: 0 };
  const failures: string[] = [];
  let server: ServerProcess | undefined;
  try {
    server = await startServer(db, serverFlags);
    const nsRes = await call(server.url, 'POST', '/api/v1/namespaces', { metadata: { name: 'crash' } });
    assert.ok(nsRes.kind === 'answer' && nsRes.status === 201, `namespace: ${JSON.stringify(nsRes)}`);
    let previousList = await getJSON<ServiceList>(server.url, '/api/v1/services');

    for (let round = 1; round <= size.rounds; round++) {
      const r = new Rand(`${seed}/round-${round}`);
      const loadMs = r.int(size.loadMs[0], size.loadMs[1]);
      // Now and then right after the start, when the controller is still catching up on old work.
      const killAfterMs = r.chance(0.1) ? r.int(0, 100) : r.int(Math.floor(loadMs / 4), loadMs);
      for (const st of states.values()) {
        st.lastAck = undefined;
        st.unknown = undefined;
      }
      const run = new Round(server.url, states, maxAcked);
      run.figures.killAfterMs = killAfterMs;
      const clients = owned.map((names, c) => run.client(names, new Rand(`${seed}/round-${round}/client-${c}`)));
      await sleep(killAfterMs);
      run.stopping = true;
      await killNine(server);
      await Promise.all(clients);

      const repair = await offlineRepairCheck(db);
      const repairClean = repair.leaked + repair.toRepair + repair.duplicate + repair.outOfRange === 0;
      server = await startServer(db, serverFlags);
      const unsettled = await settle(server.url, 15_000);
      const result = await check(server.url, states, maxAcked.rv);
      const listNow = await getJSON<ServiceList>(server.url, '/api/v1/services');
      const watched = await checkWatch(server.url, previousList, listNow);
      result.passed += watched.passed;
      result.violations.push(...watched.violations);
      if (!repairClean) result.violations.unshift(`offline repair after the kill found damage:\n${repair.output}`);
      else result.passed++;
      if (unsettled.length) result.violations.push(`the service controller did not settle within 15 s after the restart: ${unsettled.join(', ')}`);
      if (run.figures.serverErrors.length) result.violations.push(`5xx answers under load: ${run.figures.serverErrors.join('\n')}`);

      const f = run.figures;
      const acked = sum(f.acked);
      log(
        `round ${round}/${size.rounds}: killed after ${killAfterMs} ms; acknowledged ${acked} writes (${Object.entries(f.acked)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}); ` +
          `unknown outcome ${f.unknown} (${result.applied} found applied); rejected ${sum(f.rejected)} (${
            Object.entries(f.rejected)
              .map(([k, v]) => `${k}x${v}`)
              .join(', ') || 'none'
          }); ` +
          `after restart ${result.objects} Services, ${result.holders} allocations held, ${watched.events} changes replayed by watch; checks passed ${result.passed}, failed ${result.violations.length}`,
      );
      for (const v of result.violations) failures.push(`round ${round}: ${v}`);
      if (result.violations.length) break;

      // The next round starts from what survived; the in-flight writes are now resolved one way or the other.
      previousList = listNow;
      const now = new Map(listNow.items.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
      for (const [key, st] of states) {
        st.known = now.get(key) ?? null;
        st.deletedUid = undefined;
      }
    }

    if (!failures.length) {
      // Last, the ordinary way out: SIGTERM must still close this much-crashed file cleanly.
      const exited = new Promise<number | null>((resolve) => server!.child.once('exit', (code) => resolve(code)));
      server.child.kill('SIGTERM');
      assert.equal(await exited, 0, `SIGTERM exit:\n${server.stderr()}`);
      const after = await offlineRepairCheck(db);
      assert.equal(after.leaked + after.toRepair + after.duplicate + after.outOfRange, 0, after.output);
    }
  } finally {
    if (server) await killNine(server);
    if (!failures.length) rmSync(dir, { recursive: true, force: true });
    else log(`database kept for inspection: ${db}`);
  }
  assert.deepEqual(failures, [], `seed ${JSON.stringify(seed)}:\n${failures.join('\n')}`);
});
