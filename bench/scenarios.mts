// The scenarios. Each returns one or more rows of results; run.mts prints and stores them.
import type autocannon from 'autocannon';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import {
  benchDir,
  freePort,
  load,
  log,
  machineBusySeconds,
  median,
  processCpuSeconds,
  quantile,
  removeTempDir,
  repoRoot,
  requestOk,
  round,
  rssKiB,
  spawnNode,
  startServer,
  stopChild,
  svcplaneArgs,
  tempDir,
  tsxArgs,
  type Measurement,
  type Server,
} from './lib.mjs';

export interface Config {
  quick: boolean;
  /** Connections of the HTTP scenarios (list uses 1: it measures one request's latency). */
  connections: number;
  /** Seconds of unmeasured load before the rounds, per server. */
  warmupSec: number;
  /** Seconds of unmeasured load on each fresh server of the create scenarios. */
  processWarmupSec: number;
  rounds: number;
  roundSec: number;
  listSizes: number[];
  listRoundSec: number;
  watch: { watchers: number; rate: number; seconds: number; rounds: number };
  startSizes: number[];
  startRounds: number;
}

export interface Side {
  rps: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  [key: string]: unknown;
}

export interface Row {
  key: string;
  svcplane: Side;
  baseline: Side | null;
  /** What the baseline is. */
  baseline_is: string | null;
  ratio: number | null;
  ratio_means: string | null;
  target: string;
  met: boolean | null;
  notes: string[];
  [key: string]: unknown;
}

const NS = '/api/v1/namespaces/default/services';
const JSON_TYPE = { 'content-type': 'application/json' };
const RATIO_RPS = 'median over rounds of svcplane rps / baseline rps in the same round (higher is better)';

// --- helpers ------------------------------------------------------------------------------

export interface Summary extends Side {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  rounds_rps: number[];
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Median CPU use in cores during the rounds: the server, and the load generator (this process). */
  server_cpu: number | null;
  client_cpu: number;
  /** Worst round's CPU (cores) used by other processes on the machine. */
  other_cpu_max: number | null;
  other_cpu_rounds: (number | null)[];
}

function summarize(ms: Measurement[]): Summary {
  const statusCodes: Record<string, number> = {};
  for (const m of ms) for (const [k, v] of Object.entries(m.statusCodes)) statusCodes[k] = (statusCodes[k] ?? 0) + v;
  return {
    rps: round(median(ms.map((m) => m.rps)), 0),
    p50_ms: round(median(ms.map((m) => m.p50_ms)), 3),
    p99_ms: round(median(ms.map((m) => m.p99_ms)), 3),
    rounds_rps: ms.map((m) => round(m.rps, 0)),
    requests: ms.reduce((a, m) => a + m.ok, 0),
    non2xx: ms.reduce((a, m) => a + m.non2xx, 0),
    errors: ms.reduce((a, m) => a + m.errors, 0),
    timeouts: ms.reduce((a, m) => a + m.timeouts, 0),
    statusCodes,
    server_cpu: ms.some((m) => m.server_cpu === null) ? null : round(median(ms.map((m) => m.server_cpu!)), 2),
    client_cpu: round(median(ms.map((m) => m.client_cpu)), 2),
    other_cpu_max: ms.some((m) => m.other_cpu === null) ? null : round(Math.max(...ms.map((m) => m.other_cpu!)), 2),
    other_cpu_rounds: ms.map((m) => (m.other_cpu === null ? null : round(m.other_cpu, 2))),
  };
}

const OTHER_CPU_WARN = 0.15;

const pct = (n: number | null) => (n === null ? '?' : `${Math.round(n * 100)}%`);

/** Other processes busy during a round take CPU from the server or the load generator. */
export function disturbance(key: string, ...sides: (Summary | null)[]): string[] {
  const worst = Math.max(...sides.map((s) => s?.other_cpu_max ?? 0));
  if (worst < OTHER_CPU_WARN) return [];
  const disturbed = sides.reduce((n, s) => n + (s?.other_cpu_rounds.filter((c) => (c ?? 0) >= OTHER_CPU_WARN).length ?? 0), 0);
  log(`WARNING ${key}: other processes used up to ${pct(worst)} of a core in ${disturbed} round(s)`);
  return [`DISTURBED: other processes used up to ${pct(worst)} of a core in ${disturbed} round(s)`];
}

/** Where the CPU went: a server below ~100% was not the bottleneck (the load generator or waits were). */
function cpuNote(s: Summary, b: Summary | null): string {
  return b
    ? `CPU server ${pct(s.server_cpu)}/${pct(b.server_cpu)}, load gen ${pct(s.client_cpu)}/${pct(b.client_cpu)} (svcplane/baseline)`
    : `CPU server ${pct(s.server_cpu)}, load gen ${pct(s.client_cpu)}`;
}

/** Any response that is not 2xx, or a connection error, makes a measurement suspect: say so. */
function problems(label: string, s: { non2xx: number; errors: number; timeouts: number; statusCodes: Record<string, number> }): string[] {
  if (s.non2xx === 0 && s.errors === 0 && s.timeouts === 0) return [];
  const codes = Object.entries(s.statusCodes)
    .filter(([c]) => !c.startsWith('2'))
    .map(([c, n]) => `${n}x${c}`)
    .join(' ');
  const msg = `${label}: ${s.non2xx} non-2xx (${codes || '-'}), ${s.errors} errors, ${s.timeouts} timeouts - INVALID`;
  log(`WARNING ${msg}`);
  return [msg];
}

/** svcplane, baseline, svcplane, baseline, ... for cfg.rounds rounds; returns both sides' rounds. */
export async function alternate(cfg: Config, label: string, svc: () => Promise<Measurement>, base: () => Promise<Measurement>) {
  const s: Measurement[] = [];
  const b: Measurement[] = [];
  for (let r = 0; r < cfg.rounds; r++) {
    // Which side goes first alternates: a round pays for the garbage and the cooling machine the
    // round before it left, and on one server (get-proto) that is the other side's.
    if (r % 2 === 0) {
      s.push(await svc());
      b.push(await base());
    } else {
      b.push(await base());
      s.push(await svc());
    }
    log(`${label} round ${r + 1}/${cfg.rounds}: svcplane ${round(s[r].rps, 0)} rps, baseline ${round(b[r].rps, 0)} rps`);
  }
  return { svcplane: summarize(s), baseline: summarize(b) };
}

interface Target {
  text: string;
  /** Judged on unrounded values. */
  met: (m: { ratio: number; rps: number }) => boolean | null;
}

export function httpRow(key: string, baselineIs: string, result: { svcplane: Summary; baseline: Summary }, target: Target, extra: Partial<Row> = {}): Row {
  // Each round measures both sides back to back: the median of the rounds' own ratios moves far
  // less than a ratio of the two sides' medians when the machine's speed drifts between rounds.
  const paired = result.svcplane.rounds_rps.map((s, i) => s / result.baseline.rounds_rps[i]);
  const ratio = paired.length > 0 && paired.every(Number.isFinite) ? median(paired) : result.svcplane.rps / result.baseline.rps;
  const row: Row = {
    key,
    svcplane: result.svcplane,
    baseline: result.baseline,
    baseline_is: baselineIs,
    ratio: round(ratio, 3),
    ratio_means: RATIO_RPS,
    target: target.text,
    met: null,
    ...extra,
    notes: [],
  };
  row.notes = [
    ...(paired.length > 1 ? [`ratio per round: ${paired.map((r) => r.toFixed(2)).join(', ')}`] : []),
    ...problems(`${key} svcplane`, result.svcplane),
    ...problems(`${key} baseline`, result.baseline),
    ...(extra.notes ?? []),
    cpuNote(result.svcplane, result.baseline),
    ...disturbance(key, result.svcplane, result.baseline),
  ];
  row.met = target.met({ ratio, rps: result.svcplane.rps });
  return row;
}

const noTarget: Target = { text: '-', met: () => null };

async function startSvcplane(extra: string[] = []): Promise<Server & { dir: string }> {
  const dir = tempDir();
  const server = await startServer('svcplane', svcplaneArgs(join(dir, 'svcplane.db'), extra));
  return {
    ...server,
    dir,
    stop: async () => {
      await server.stop();
      removeTempDir(dir);
    },
  };
}

async function startBaseline(script: string, arg: (dir: string) => string): Promise<Server & { dir: string }> {
  const dir = tempDir();
  const server = await startServer(script, tsxArgs(`baselines/${script}.mts`, [arg(dir)]));
  return {
    ...server,
    dir,
    stop: async () => {
      await server.stop();
      removeTempDir(dir);
    },
  };
}

const startSqliteBaseline = () => startBaseline('fastify-sqlite', (dir) => join(dir, 'baseline.db'));

// --- get ----------------------------------------------------------------------------------

export async function getScenario(cfg: Config): Promise<Row[]> {
  const svc = await startSvcplane();
  await requestOk(`${svc.url}${NS}`, 'POST', { metadata: { name: 'bench-get' }, spec: { ports: [{ port: 80 }] } });
  const path = `${NS}/bench-get`;
  const bytes = await requestOk(`${svc.url}${path}`);
  const bodyFile = join(svc.dir, 'body.json');
  writeFileSync(bodyFile, bytes);
  const base = await startBaseline('bare-fastify', () => bodyFile);
  try {
    const same = (await requestOk(`${base.url}${path}`)) === bytes;
    if (!same) throw new Error('bare-fastify baseline does not answer the same bytes');
    const run = (s: Server, duration: number) => load({ url: `${s.url}${path}`, connections: cfg.connections, duration, pid: s.child.pid });
    await run(svc, cfg.warmupSec);
    await run(base, cfg.warmupSec);
    const result = await alternate(
      cfg,
      'get',
      () => run(svc, cfg.roundSec),
      () => run(base, cfg.roundSec),
    );
    return [
      httpRow('get', `bare fastify, same route shape, same ${Buffer.byteLength(bytes)} bytes`, result, {
        text: 'ratio >= 0.5',
        met: (m) => m.ratio >= 0.5,
      }),
    ];
  } finally {
    await svc.stop();
    await base.stop();
  }
}

// --- create, create-nodeport --------------------------------------------------------------

/** POSTs with a unique name per request. */
function createRequests(prefix: string, type: 'ClusterIP' | 'NodePort'): autocannon.Request[] {
  let n = 0;
  const spec = type === 'NodePort' ? '"type":"NodePort",' : '';
  return [
    {
      method: 'POST',
      path: NS,
      headers: JSON_TYPE,
      setupRequest: (req) => ({ ...req, body: `{"metadata":{"name":"${prefix}-${n++}"},"spec":{${spec}"ports":[{"port":80}]}}` }),
    },
  ];
}

async function svcplaneCount(url: string): Promise<number> {
  const list = JSON.parse(await requestOk(`${url}${NS}?limit=1`)) as { metadata: { remainingItemCount?: number }; items: unknown[] };
  return list.items.length + (list.metadata.remainingItemCount ?? 0) - 1; // minus the built-in `kubernetes` Service
}

async function baselineCount(url: string): Promise<number> {
  return (JSON.parse(await requestOk(`${url}/count`)) as { count: number }).count;
}

export async function createScenario(cfg: Config, type: 'ClusterIP' | 'NodePort'): Promise<Row[]> {
  const key = type === 'NodePort' ? 'create-nodeport' : 'create';
  // Full mode: a fresh server and database for every round on both sides, so each round starts
  // from an empty table. Quick mode: one server per side for all rounds (fewer process starts).
  // The node-port range is widened to 1024-65535 so that it cannot run out.
  const fresh = !cfg.quick;
  const extra = type === 'NodePort' ? ['--node-port-range', '1024-65535'] : [];
  const sanity: string[] = [];
  let prefixes = 0;
  interface State {
    server: Server;
    requests: autocannon.Request[];
    ok: number;
    runs: number;
  }
  const states: Partial<Record<'svcplane' | 'baseline', State>> = {};
  const open = async (side: 'svcplane' | 'baseline'): Promise<State> => {
    const server = side === 'svcplane' ? await startSvcplane(extra) : await startSqliteBaseline();
    const st: State = { server, requests: createRequests(`c${prefixes++}`, type), ok: 0, runs: 0 };
    states[side] = st;
    const warm = await load({
      url: server.url,
      connections: cfg.connections,
      duration: fresh ? cfg.processWarmupSec : cfg.warmupSec,
      requests: st.requests,
      pid: server.child.pid,
    });
    st.ok += warm.ok;
    st.runs++;
    return st;
  };
  const check = async (side: 'svcplane' | 'baseline', st: State) => {
    // Requests in flight when a run stops may still commit: up to one per connection per run.
    const url = st.server.url;
    const count = side === 'svcplane' ? await svcplaneCount(url) : await baselineCount(url);
    if (count < st.ok || count > st.ok + st.runs * cfg.connections) {
      sanity.push(`${side}: ${st.ok} 2xx responses but ${count} objects stored`);
      log(`WARNING ${key} ${side}: ${st.ok} 2xx responses but ${count} objects stored`);
    }
    if (type === 'NodePort' && side === 'svcplane') {
      const list = JSON.parse(await requestOk(`${url}${NS}`)) as { items: { spec: { type: string; ports: { nodePort?: number }[] } }[] };
      const ports = list.items.filter((s) => s.spec.type === 'NodePort').map((s) => s.spec.ports[0].nodePort);
      if (ports.length !== count || new Set(ports).size !== ports.length || ports.some((p) => !p)) {
        sanity.push(`svcplane: node ports not unique or missing (${ports.length} NodePort services, ${new Set(ports).size} distinct ports)`);
      }
    }
  };
  const round1 = async (side: 'svcplane' | 'baseline'): Promise<Measurement> => {
    const st = states[side] ?? (await open(side));
    const m = await load({ url: st.server.url, connections: cfg.connections, duration: cfg.roundSec, requests: st.requests, pid: st.server.child.pid });
    st.ok += m.ok;
    st.runs++;
    await check(side, st);
    if (fresh) {
      delete states[side];
      await st.server.stop();
    }
    return m;
  };
  try {
    if (!fresh) {
      await open('svcplane');
      await open('baseline');
    }
    const result = await alternate(
      cfg,
      key,
      () => round1('svcplane'),
      () => round1('baseline'),
    );
    const target: Target = type === 'ClusterIP' ? { text: 'ratio >= 0.5 and >= 3000 rps', met: (m) => m.ratio >= 0.5 && m.rps >= 3000 } : noTarget;
    const row = httpRow(key, 'fastify + better-sqlite3: parse the body, insert one row (WAL, synchronous=NORMAL)', result, target, { notes: sanity });
    row.sanity = sanity.length === 0 ? 'stored object counts match 2xx responses' : sanity;
    row.fresh_server_per_round = fresh;
    return [row];
  } finally {
    for (const st of Object.values(states)) await st.server.stop();
  }
}

// --- update, patch ------------------------------------------------------------------------

interface PoolEntry {
  name: string;
  body: string;
  busy: boolean;
}

const POOL = 64;

/** The same objects on both sides: svcplane's created object is what the baseline stores. */
async function preloadPool(svc: Server, base: Server, prefix: string): Promise<{ svcplane: PoolEntry[]; baseline: PoolEntry[] }> {
  const s: PoolEntry[] = [];
  const b: PoolEntry[] = [];
  for (let i = 0; i < POOL; i++) {
    const name = `${prefix}-${i}`;
    const created = await requestOk(`${svc.url}${NS}`, 'POST', { metadata: { name, labels: { app: 'bench' } }, spec: { ports: [{ port: 80 }] } });
    s.push({ name, body: created, busy: false });
    const copy = JSON.parse(created) as { metadata: Record<string, unknown> };
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'namespace']) delete copy.metadata[k];
    b.push({ name, body: await requestOk(`${base.url}${NS}`, 'POST', copy), busy: false });
  }
  return { svcplane: s, baseline: b };
}

/** Requests in flight when a run stops leave entries busy and maybe stale: reread them. */
async function refreshPool(server: Server, pool: PoolEntry[]): Promise<void> {
  for (const e of pool) {
    e.body = await requestOk(`${server.url}${NS}/${e.name}`);
    e.busy = false;
  }
}

/**
 * PUT of the whole object as last returned, one label changed, with its resourceVersion.
 * Each request takes an object no other connection is updating, so no request conflicts (409).
 */
function updateRequests(pool: PoolEntry[]): autocannon.Request[] {
  let next = 0;
  let n = 0;
  return [
    {
      method: 'PUT',
      headers: JSON_TYPE,
      setupRequest: (req, context) => {
        let entry: PoolEntry | undefined;
        for (let k = 0; k < pool.length && !entry; k++) {
          const e = pool[(next + k) % pool.length];
          if (!e.busy) {
            entry = e;
            next = (next + k + 1) % pool.length;
          }
        }
        if (!entry) throw new Error('update pool exhausted');
        entry.busy = true;
        context.entry = entry;
        const obj = JSON.parse(entry.body) as { metadata: { labels?: Record<string, string> } };
        obj.metadata.labels = { ...obj.metadata.labels, bench: String(n++) };
        return { ...req, path: `${NS}/${entry.name}`, body: JSON.stringify(obj) };
      },
      onResponse: (status, body, context) => {
        const entry = context.entry as PoolEntry;
        entry.busy = false;
        if (status === 200) entry.body = body;
      },
    },
  ];
}

/** Merge patch of one label, round-robin over the pool. */
function patchRequests(pool: PoolEntry[]): autocannon.Request[] {
  let n = 0;
  return [
    {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      setupRequest: (req) => {
        const i = n++;
        return { ...req, path: `${NS}/${pool[i % pool.length].name}`, body: `{"metadata":{"labels":{"bench":"${i}"}}}` };
      },
    },
  ];
}

export async function writeScenario(cfg: Config, kind: 'update' | 'patch'): Promise<Row[]> {
  const svc = await startSvcplane();
  const base = await startSqliteBaseline();
  try {
    const pools = await preloadPool(svc, base, kind === 'update' ? 'u' : 'p');
    const requests = {
      svcplane: kind === 'update' ? updateRequests(pools.svcplane) : patchRequests(pools.svcplane),
      baseline: kind === 'update' ? updateRequests(pools.baseline) : patchRequests(pools.baseline),
    };
    const run = async (side: 'svcplane' | 'baseline', duration: number) => {
      const server = side === 'svcplane' ? svc : base;
      await refreshPool(server, pools[side]);
      return load({ url: server.url, connections: cfg.connections, duration, requests: requests[side], pid: server.child.pid });
    };
    await run('svcplane', cfg.warmupSec);
    await run('baseline', cfg.warmupSec);
    const result = await alternate(
      cfg,
      kind,
      () => run('svcplane', cfg.roundSec),
      () => run('baseline', cfg.roundSec),
    );
    const baselineIs =
      kind === 'update'
        ? 'fastify + better-sqlite3: parse the body, compare resourceVersion, update one row'
        : 'fastify + better-sqlite3: read the row, RFC 7386 merge, update it';
    return [httpRow(kind, baselineIs, result, noTarget, { objects: POOL })];
  } finally {
    await svc.stop();
    await base.stop();
  }
}

// --- apply --------------------------------------------------------------------------------

/**
 * Server-side apply of a Service (one label changed each time, as a manager re-applying its
 * manifest), against a merge patch of the same label on the same Services of the same server:
 * the issue's target is half the merge patch's throughput.
 */
function applyRequests(pool: PoolEntry[]): autocannon.Request[] {
  let n = 0;
  return [
    {
      method: 'PATCH',
      headers: { 'content-type': 'application/apply-patch+yaml' },
      setupRequest: (req) => {
        const i = n++;
        const name = pool[i % pool.length].name;
        const body = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"${name}","labels":{"app":"bench","bench":"${i}"}},"spec":{"ports":[{"port":80}]}}`;
        return { ...req, path: `${NS}/${name}?fieldManager=bench&force=true`, body };
      },
    },
  ];
}

export async function applyScenario(cfg: Config): Promise<Row[]> {
  const svc = await startSvcplane();
  const base = await startSqliteBaseline();
  try {
    const pools = await preloadPool(svc, base, 'a');
    const run = async (kind: 'apply' | 'patch', duration: number) => {
      await refreshPool(svc, pools.svcplane);
      const requests = kind === 'apply' ? applyRequests(pools.svcplane) : patchRequests(pools.svcplane);
      return load({ url: svc.url, connections: cfg.connections, duration, requests, pid: svc.child.pid });
    };
    await run('apply', cfg.warmupSec);
    await run('patch', cfg.warmupSec);
    const result = await alternate(
      cfg,
      'apply',
      () => run('apply', cfg.roundSec),
      () => run('patch', cfg.roundSec),
    );
    const target: Target = { text: 'ratio >= 0.5 (apply at least half the merge patch rate)', met: (m) => m.ratio >= 0.5 };
    return [httpRow('apply', 'svcplane itself: a merge patch of one label of the same Services', result, target, { objects: POOL })];
  } finally {
    await svc.stop();
    await base.stop();
  }
}

// --- list ---------------------------------------------------------------------------------

/** JSON.stringify of the parsed list, in this process: what serialising it costs at least. */
function stringifyRound(list: unknown, seconds: number): Measurement {
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  let t0 = performance.now();
  const start = t0;
  while (t0 < end || times.length < 5) {
    JSON.stringify(list);
    const t1 = performance.now();
    times.push(t1 - t0);
    t0 = t1;
  }
  const sorted = Float64Array.from(times).sort();
  const cpu = process.cpuUsage(cpu0);
  return {
    rps: times.length / ((t0 - start) / 1000),
    p50_ms: quantile(sorted, 0.5),
    p99_ms: quantile(sorted, 0.99),
    ok: times.length,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    statusCodes: {},
    duration_s: (t0 - start) / 1000,
    server_cpu: null,
    client_cpu: (cpu.user + cpu.system) / 1e6 / ((t0 - start) / 1000),
    other_cpu: null,
  };
}

export async function listScenario(cfg: Config): Promise<Row[]> {
  const svc = await startSvcplane();
  const rows: Row[] = [];
  try {
    let have = 1; // the built-in `kubernetes` Service
    for (const size of cfg.listSizes) {
      // The list holds exactly `size` Services, `kubernetes` included; created over HTTP.
      const add = size - have;
      if (add > 0) {
        const m = await load({ url: svc.url, connections: cfg.connections, amount: add, requests: createRequests(`l${size}`, 'ClusterIP') });
        if (m.ok !== add || m.non2xx || m.errors) throw new Error(`list preload: ${m.ok}/${add} created, ${m.non2xx} non-2xx, ${m.errors} errors`);
        have = size;
      }
      const text = await requestOk(`${svc.url}${NS}`);
      const list = JSON.parse(text) as { items: unknown[] };
      if (list.items.length !== size) throw new Error(`list has ${list.items.length} items, expected ${size}`);
      const sameBytes = JSON.stringify(list) === text;
      const run = (duration: number) => load({ url: `${svc.url}${NS}`, connections: 1, duration, pid: svc.child.pid });
      await run(Math.min(cfg.warmupSec, 2));
      stringifyRound(list, Math.min(cfg.warmupSec, 1) / 2);
      const result = await alternate(
        cfg,
        `list-${size}`,
        () => run(cfg.listRoundSec),
        async () => stringifyRound(list, cfg.listRoundSec / 2),
      );
      const s = result.svcplane;
      const b = result.baseline;
      const rawRatio = s.p50_ms / b.p50_ms;
      const ratio = round(rawRatio, 2);
      const target = size === 10_000 ? 'p50 < 150 ms and ratio <= 3' : '-';
      rows.push({
        key: `list-${size}`,
        svcplane: s,
        baseline: { ...b, rps: round(b.rps, 0) },
        baseline_is: `JSON.stringify of the same ${size}-item list in-process (${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB)`,
        ratio,
        ratio_means: 'svcplane p50 / stringify p50: x times the serialization (lower is better)',
        target,
        met: size === 10_000 ? s.p50_ms < 150 && rawRatio <= 3 : null,
        notes: [
          ...problems(`list-${size} svcplane`, s),
          ...(sameBytes ? [] : ['stringify output differs from the HTTP body']),
          cpuNote(s, null),
          ...disturbance(`list-${size}`, s),
        ],
        objects: size,
        connections: 1,
        bytes: Buffer.byteLength(text),
      });
    }
  } finally {
    await svc.stop();
  }
  return rows;
}

// --- list-slices ----------------------------------------------------------------------------

const SLICES = '/apis/discovery.k8s.io/v1/namespaces/bench/endpointslices';

/** POSTs of EndpointSlices as the mirroring controller writes them: one endpoint, one port. */
function sliceRequests(prefix: string): autocannon.Request[] {
  let n = 0;
  return [
    {
      method: 'POST',
      path: SLICES,
      headers: JSON_TYPE,
      setupRequest: (req) => {
        const i = n++;
        // 10.0.0.1 on: the last octet wraps to .0 (a valid address) rather than past .255.
        const ip = `10.${((i + 1) >> 16) & 255}.${((i + 1) >> 8) & 255}.${(i + 1) & 255}`;
        return {
          ...req,
          body: `{"metadata":{"name":"${prefix}-${i}","labels":{"kubernetes.io/service-name":"${prefix}-${i}"}},"addressType":"IPv4","endpoints":[{"addresses":["${ip}"],"conditions":{"ready":true}}],"ports":[{"name":"http","port":8080}]}`,
        };
      },
    },
  ];
}

/** Listing 10,000 EndpointSlices (in a namespace of their own), against JSON.stringify of the same list. */
export async function listSlicesScenario(cfg: Config): Promise<Row[]> {
  const svc = await startSvcplane();
  const rows: Row[] = [];
  try {
    const made = await fetch(`${svc.url}/api/v1/namespaces`, { method: 'POST', headers: JSON_TYPE, body: '{"metadata":{"name":"bench"}}' });
    if (made.status !== 201) throw new Error(`list-slices: creating namespace bench answered ${made.status}`);
    const size = 10_000;
    const m = await load({ url: svc.url, connections: cfg.connections, amount: size, requests: sliceRequests('s') });
    if (m.ok !== size || m.non2xx || m.errors) throw new Error(`list-slices preload: ${m.ok}/${size} created, ${m.non2xx} non-2xx, ${m.errors} errors`);
    const text = await requestOk(`${svc.url}${SLICES}`);
    const list = JSON.parse(text) as { items: unknown[] };
    if (list.items.length !== size) throw new Error(`slice list has ${list.items.length} items, expected ${size}`);
    const sameBytes = JSON.stringify(list) === text;
    const run = (duration: number) => load({ url: `${svc.url}${SLICES}`, connections: 1, duration, pid: svc.child.pid });
    await run(Math.min(cfg.warmupSec, 2));
    stringifyRound(list, Math.min(cfg.warmupSec, 1) / 2);
    const result = await alternate(
      cfg,
      `list-slices-${size}`,
      () => run(cfg.listRoundSec),
      async () => stringifyRound(list, cfg.listRoundSec / 2),
    );
    const s = result.svcplane;
    const b = result.baseline;
    const rawRatio = s.p50_ms / b.p50_ms;
    rows.push({
      key: `list-slices-${size}`,
      svcplane: s,
      baseline: { ...b, rps: round(b.rps, 0) },
      baseline_is: `JSON.stringify of the same ${size}-item list in-process (${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB)`,
      ratio: round(rawRatio, 2),
      ratio_means: 'svcplane p50 / stringify p50: x times the serialization (lower is better)',
      // Issue 16: EndpointSlices list as Services do (list-10000's target).
      target: 'p50 < 150 ms and ratio <= 3',
      met: s.p50_ms < 150 && rawRatio <= 3,
      notes: [
        ...problems(`list-slices-${size} svcplane`, s),
        ...(sameBytes ? [] : ['stringify output differs from the HTTP body']),
        cpuNote(s, null),
        ...disturbance(`list-slices-${size}`, s),
      ],
      objects: size,
      connections: 1,
      bytes: Buffer.byteLength(text),
    });
  } finally {
    await svc.stop();
  }
  return rows;
}

// --- watch --------------------------------------------------------------------------------

/** The last complete JSON object in `text` (the script may print other things before it). */
export function lastJsonObject(text: string): Record<string, unknown> | undefined {
  const end = text.lastIndexOf('}');
  if (end < 0) return undefined;
  for (let start = text.lastIndexOf('{', end); start >= 0; start = text.lastIndexOf('{', start - 1)) {
    try {
      const value = JSON.parse(text.slice(start, end + 1)) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not a whole object yet: widen
    }
    if (start === 0) break;
  }
  return undefined;
}

export async function watchScenario(cfg: Config, resource: 'services' | 'endpointslices' = 'services'): Promise<Row[]> {
  const { watchers, rate, seconds, rounds } = cfg.watch;
  // Like the other scenarios, several rounds and the median one: a single 10 s round's p99 moves
  // by ten milliseconds with whatever else the machine does. Every round's p99 is in the notes.
  const results: Record<string, unknown>[] = [];
  for (let i = 0; i < rounds; i++) {
    const r = await watchRound(watchers, rate, seconds, resource);
    log(
      `watch${resource === 'services' ? '' : `-${resource}`} round ${i + 1}/${rounds}: p50 ${String(r.p50_ms)} ms, p99 ${String(r.p99_ms)} ms, ${String(r.watchersWithEveryEvent)}/${watchers} watchers got every event`,
    );
    results.push(r);
  }
  const p99 = (r: Record<string, unknown>) => (typeof r.p99_ms === 'number' ? r.p99_ms : Infinity);
  const r = [...results].sort((a, b) => p99(a) - p99(b))[Math.floor(results.length / 2)];
  const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : null);
  const every = num('watchersWithEveryEvent');
  const allEvents = results.every((x) => x.watchersWithEveryEvent === watchers);
  const kib = num('KiB_per_idle_watcher');
  const notes = [
    `${watchers} watchers, ${rate} writes/s for ${seconds} s (rps = writes/s achieved; latency = write sent -> event received)`,
    `median of ${rounds} round(s) by p99; p99 per round: ${results.map((x) => `${String(x.p99_ms)} ms`).join(', ')}`,
    `${kib} KiB per idle watcher`,
    `${every}/${watchers} watchers got every event${allEvents ? ' in every round' : ''}`,
  ];
  if (num('achievedWritesPerSecond') !== null && num('achievedWritesPerSecond')! < rate * 0.95)
    notes.push(`writer reached only ${num('achievedWritesPerSecond')} writes/s`);
  const p99ms = num('p99_ms');
  return [
    {
      key: resource === 'services' ? 'watch' : 'watch-slices',
      svcplane: { ...r, rps: num('achievedWritesPerSecond'), p50_ms: num('p50_ms'), p99_ms: p99ms, KiB_per_watcher: kib, rounds: results },
      baseline: null,
      baseline_is: null,
      ratio: null,
      ratio_means: null,
      // Issue 4's scale target, for 1,000 watchers at 200 writes/s.
      target: 'p99 < 50 ms, all events, < 50 KiB/watcher',
      met: watchers === 1000 && rate === 200 ? allEvents && p99ms !== null && p99ms < 50 && kib !== null && kib < 50 : null,
      notes,
    },
  ];
}

/** One run of bench/watch.mts, which starts its own svcplane; its JSON result. */
export async function watchRound(
  watchers: number,
  rate: number,
  seconds: number,
  resource = 'services',
  env: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  // watch.mts starts its own svcplane: its own process group, so that killing it kills that too.
  // Its temp files go under a dir of ours (TMPDIR), removed even when it is killed.
  const tmp = tempDir();
  const child = spawnNode(tsxArgs('watch.mts', [String(watchers), String(rate), String(seconds), '2', '2', resource]), {
    group: true,
    env: { TMPDIR: tmp, ...env },
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (c: string) => (out += c));
  const code = await new Promise<number | null>((resolveExit, reject) => {
    const timer = setTimeout(
      () => {
        void stopChild(child);
        reject(new Error(`bench/watch.mts did not finish within ${seconds + 120} s`));
      },
      (seconds + 120) * 1000,
    );
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolveExit(c);
    });
  });
  removeTempDir(tmp);
  const r = lastJsonObject(out);
  if (code !== 0 || !r) throw new Error(`bench/watch.mts exited ${code}; output: ${out.slice(-500)}`);
  return r;
}

// --- start --------------------------------------------------------------------------------

const cacheDir = join(benchDir, '.cache');

/** Cached databases are keyed by what decides their content: migrations and the write path. */
function schemaHash(): string {
  const h = createHash('sha256');
  const add = (dir: string, ext: string) => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir)
      .filter((f) => f.endsWith(ext))
      .sort()) {
      h.update(f);
      h.update(readFileSync(join(dir, f)));
    }
  };
  add(join(repoRoot, 'migrations'), '.sql');
  for (const d of ['storage', 'registry', 'model', 'allocators']) add(join(repoRoot, 'dist', d), '.js');
  h.update(readFileSync(join(benchDir, 'build-db.mts')));
  return h.digest('hex').slice(0, 12);
}

/** The database for each count, from bench/.cache/ or built there in one pass (creating up to each count in turn). */
export async function cachedDatabases(counts: number[]): Promise<Map<number, string>> {
  mkdirSync(cacheDir, { recursive: true });
  const hash = schemaHash();
  const fileFor = (count: number) => join(cacheDir, `services-${count}-${hash}.db`);
  const missing = counts.filter((c) => !existsSync(fileFor(c)));
  if (missing.length) {
    for (const old of readdirSync(cacheDir).filter((f) => !f.includes(hash))) rmSync(join(cacheDir, old), { force: true });
    log(`start: building databases with ${missing.join(', ')} Services (cached in bench/.cache/)`);
    const prefix = join(cacheDir, `building-${process.pid}`);
    const child = spawnNode(tsxArgs('build-db.mts', [prefix, ...missing.map(String)]));
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => (out += c));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    if (code !== 0) throw new Error(`build-db.mts failed (${code}): ${out}`);
    for (const c of missing) renameSync(`${prefix}-${c}.db`, fileFor(c));
    log(`start: built (ms to each count: ${JSON.stringify(lastJsonObject(out)?.ms ?? '?')})`);
  }
  return new Map(counts.map((c) => [c, fileFor(c)]));
}

/** Polls /readyz every 5 ms until it answers 200; resolves with the time of that answer. */
export function pollReady(port: number, deadline: number): Promise<number> {
  return new Promise((resolveReady, reject) => {
    const attempt = () => {
      if (performance.now() > deadline) return reject(new Error('server not ready in time'));
      const req = http.get({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
        res.resume();
        if (res.statusCode === 200) resolveReady(performance.now());
        else setTimeout(attempt, 5);
      });
      req.on('error', () => setTimeout(attempt, 5));
    };
    attempt();
  });
}

/**
 * Spawn to the first /readyz 200 of a server on `db` (a file or a PostgreSQL URL), with its
 * resident memory then and what other processes took meanwhile. `kill`: the database is a
 * throwaway copy, so the server need not close it.
 */
export async function spawnToReady(db: string, kill = false): Promise<{ ms: number; rssMB: number; other: number | null }> {
  const port = await freePort();
  const busy0 = machineBusySeconds();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const child = spawnNode(['dist/cli.js', '--port', String(port), '--db', db, '--log-level', 'error']);
  child.stdout!.resume();
  try {
    const t1 = await pollReady(port, t0 + 60_000);
    const rss = rssKiB(child.pid!);
    const server = processCpuSeconds(child.pid!);
    const busy = machineBusySeconds();
    const client = process.cpuUsage(client0);
    const wall = (t1 - t0) / 1000;
    const other = busy === null || busy0 === null || server === null ? null : Math.max(0, (busy - busy0 - server - (client.user + client.system) / 1e6) / wall);
    return { ms: t1 - t0, rssMB: (rss * 1024) / 1e6, other };
  } finally {
    await stopChild(child, kill ? 'SIGKILL' : undefined);
  }
}

async function timeStart(db: string): Promise<{ ms: number; rssMB: number; other: number | null }> {
  const dir = tempDir();
  try {
    const copy = join(dir, 'svcplane.db');
    copyFileSync(db, copy);
    return await spawnToReady(copy, true);
  } finally {
    removeTempDir(dir);
  }
}

export async function startScenario(cfg: Config): Promise<Row[]> {
  const dbs = await cachedDatabases(cfg.startSizes);
  await timeStart(dbs.get(cfg.startSizes[0])!); // warms the page cache for node and dist/
  const times = new Map<number, { ms: number; rssMB: number; other: number | null }[]>(cfg.startSizes.map((s) => [s, []]));
  // Sizes interleave within each round, so drift on the machine hits all of them alike.
  for (let r = 0; r < cfg.startRounds; r++) {
    for (const size of cfg.startSizes) times.get(size)!.push(await timeStart(dbs.get(size)!));
    log(`start round ${r + 1}/${cfg.startRounds}: ${cfg.startSizes.map((s) => `${s}: ${round(times.get(s)![r].ms, 0)} ms`).join(', ')}`);
  }
  return cfg.startSizes.map((size) => {
    const t = times.get(size)!;
    const ms = round(median(t.map((x) => x.ms)), 1);
    const rss = round(median(t.map((x) => x.rssMB)), 1);
    const big = size === 100_000;
    return {
      key: `start-${size}`,
      svcplane: {
        rps: null,
        p50_ms: ms,
        p99_ms: round(Math.max(...t.map((x) => x.ms)), 1),
        ready_ms: ms,
        ready_ms_rounds: t.map((x) => round(x.ms, 1)),
        rss_MB: rss,
        rss_MB_rounds: t.map((x) => round(x.rssMB, 1)),
        other_cpu_rounds: t.map((x) => (x.other === null ? null : round(x.other, 2))),
      },
      baseline: null,
      baseline_is: null,
      ratio: null,
      ratio_means: null,
      target: big ? 'ready < 1000 ms and RSS < 250 MB' : '-',
      met: big ? ms < 1000 && rss < 250 : null,
      notes: [
        `RSS ${rss} MB at ready`,
        'p50 = median, p99 = slowest round',
        ...disturbance(`start-${size}`, {
          other_cpu_max: Math.max(...t.map((x) => x.other ?? 0)),
          other_cpu_rounds: t.map((x) => x.other),
        } as Summary),
      ],
      objects: size,
    };
  });
}

// --- get-proto, list-proto, watch-proto (issue 22) ------------------------------------------

/** What client-go's typed clients send. */
const PROTOBUF_ACCEPT = { accept: 'application/vnd.kubernetes.protobuf, */*' };

async function protobufOk(url: string): Promise<Buffer> {
  const r = await fetch(url, { headers: PROTOBUF_ACCEPT });
  const body = Buffer.from(await r.arrayBuffer());
  if (r.status !== 200 || r.headers.get('content-type') !== 'application/vnd.kubernetes.protobuf') {
    throw new Error(`GET ${url} with a protobuf Accept answered ${r.status} ${r.headers.get('content-type')}`);
  }
  return body;
}

/** GET one Service in protobuf, against the same GET in JSON on the same server. */
export async function getProtobufScenario(cfg: Config): Promise<Row[]> {
  const svc = await startSvcplane();
  try {
    await requestOk(`${svc.url}${NS}`, 'POST', { metadata: { name: 'bench-get' }, spec: { ports: [{ port: 80 }] } });
    const path = `${NS}/bench-get`;
    const json = await requestOk(`${svc.url}${path}`);
    const proto = await protobufOk(`${svc.url}${path}`);
    const run = (headers: Record<string, string>, duration: number) =>
      load({ url: `${svc.url}${path}`, connections: cfg.connections, duration, headers, pid: svc.child.pid });
    await run(PROTOBUF_ACCEPT, cfg.warmupSec);
    await run({ accept: 'application/json' }, cfg.warmupSec);
    const result = await alternate(
      cfg,
      'get-proto',
      () => run(PROTOBUF_ACCEPT, cfg.roundSec),
      () => run({ accept: 'application/json' }, cfg.roundSec),
    );
    return [
      httpRow('get-proto', `the same GET in JSON on the same server (${proto.length} protobuf bytes against ${Buffer.byteLength(json)} JSON bytes)`, result, {
        text: 'ratio >= 1',
        met: (m) => m.ratio >= 1,
      }),
    ];
  } finally {
    await svc.stop();
  }
}

/** LIST of 10,000 Services in protobuf, against the same LIST in JSON (p50 latency, one connection). */
export async function listProtobufScenario(cfg: Config): Promise<Row[]> {
  const svc = await startSvcplane();
  try {
    const size = 10_000;
    const m = await load({ url: svc.url, connections: cfg.connections, amount: size - 1, requests: createRequests('lp', 'ClusterIP') });
    if (m.ok !== size - 1 || m.non2xx || m.errors) throw new Error(`list-proto preload: ${m.ok}/${size - 1} created`);
    const json = await requestOk(`${svc.url}${NS}`);
    const proto = await protobufOk(`${svc.url}${NS}`);
    const run = (headers: Record<string, string>, duration: number) => load({ url: `${svc.url}${NS}`, connections: 1, duration, headers, pid: svc.child.pid });
    await run(PROTOBUF_ACCEPT, Math.min(cfg.warmupSec, 2));
    await run({ accept: 'application/json' }, Math.min(cfg.warmupSec, 2));
    const result = await alternate(
      cfg,
      `list-proto-${size}`,
      () => run(PROTOBUF_ACCEPT, cfg.listRoundSec),
      () => run({ accept: 'application/json' }, cfg.listRoundSec),
    );
    const s = result.svcplane;
    const b = result.baseline;
    const rawRatio = s.p50_ms / b.p50_ms;
    return [
      {
        key: `list-proto-${size}`,
        svcplane: s,
        baseline: b,
        baseline_is: `the same ${size}-item LIST in JSON (${(proto.length / 1e6).toFixed(1)} MB protobuf against ${(Buffer.byteLength(json) / 1e6).toFixed(1)} MB JSON)`,
        ratio: round(rawRatio, 2),
        ratio_means: 'protobuf p50 / JSON p50 (lower is better)',
        target: 'ratio <= 1',
        met: rawRatio <= 1,
        notes: [...problems(`list-proto-${size}`, s), ...problems(`list-proto-${size} JSON`, b), cpuNote(s, b), ...disturbance(`list-proto-${size}`, s, b)],
        objects: size,
        connections: 1,
        bytes: proto.length,
      },
    ];
  } finally {
    await svc.stop();
  }
}

/** The watch scenario with protobuf watchers, against the same run with JSON watchers. */
export async function watchProtobufScenario(cfg: Config): Promise<Row[]> {
  const { watchers, rate, seconds, rounds } = cfg.watch;
  const proto: Record<string, unknown>[] = [];
  const json: Record<string, unknown>[] = [];
  for (let i = 0; i < rounds; i++) {
    proto.push(await watchRound(watchers, rate, seconds, 'services', { SVCPLANE_BENCH_WATCH_PROTOBUF: '1' }));
    json.push(await watchRound(watchers, rate, seconds, 'services'));
    log(`watch-proto round ${i + 1}/${rounds}: protobuf p99 ${String(proto[i].p99_ms)} ms, JSON p99 ${String(json[i].p99_ms)} ms`);
  }
  const p99 = (r: Record<string, unknown>) => (typeof r.p99_ms === 'number' ? r.p99_ms : Infinity);
  const median = (rs: Record<string, unknown>[]) => [...rs].sort((a, b) => p99(a) - p99(b))[Math.floor(rs.length / 2)];
  const p = median(proto);
  const j = median(json);
  const side = (r: Record<string, unknown>): Side => ({
    ...r,
    rps: typeof r.achievedWritesPerSecond === 'number' ? r.achievedWritesPerSecond : null,
    p50_ms: typeof r.p50_ms === 'number' ? r.p50_ms : null,
    p99_ms: typeof r.p99_ms === 'number' ? r.p99_ms : null,
  });
  const every = (rs: Record<string, unknown>[]) => rs.every((x) => x.watchersWithEveryEvent === watchers);
  const ratio = p99(j) > 0 ? round(p99(p) / p99(j), 2) : null;
  return [
    {
      key: 'watch-proto',
      svcplane: side(p),
      baseline: side(j),
      baseline_is: 'the same watch run with JSON watchers',
      ratio,
      ratio_means: 'protobuf p99 / JSON p99 (lower is better)',
      target: 'p99 no worse than JSON (ratio <= 1), all events',
      met: ratio !== null && ratio <= 1 && every(proto),
      notes: [
        `${watchers} watchers, ${rate} writes/s for ${seconds} s; median of ${rounds} round(s) by p99`,
        `p99 per round: protobuf ${proto.map((x) => `${String(x.p99_ms)} ms`).join(', ')}; JSON ${json.map((x) => `${String(x.p99_ms)} ms`).join(', ')}`,
        `every watcher got every event: protobuf ${every(proto) ? 'yes' : 'no'}, JSON ${every(json) ? 'yes' : 'no'}`,
      ],
    },
  ];
}
