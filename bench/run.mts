// `npm run bench [-- [--quick] [scenario ...]]`: starts real svcplane and baseline processes,
// drives them over loopback HTTP with autocannon, alternating svcplane and its baseline round by
// round after a warm-up, and reports the medians. Writes bench/results.json and the
// "## Latest results" section of BENCHMARKS.md. See BENCHMARKS.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, killAll, log, machine, repoRoot } from './lib.mjs';
import {
  createScenario,
  getScenario,
  listScenario,
  listSlicesScenario,
  startScenario,
  watchScenario,
  writeScenario,
  applyScenario,
  getProtobufScenario,
  listProtobufScenario,
  watchProtobufScenario,
  type Config,
  type Row,
} from './scenarios.mjs';
import { dnsScenario, getWithDnsScenario } from './dns.mjs';
import { postgresCreateScenario, postgresGetScenario, postgresStartScenario, postgresWatchReplicasScenario } from './postgres.mjs';
import { getWithAuthScenario } from './auth.mjs';

const scenarios: Record<string, (cfg: Config) => Promise<Row[]>> = {
  get: getScenario,
  create: (cfg) => createScenario(cfg, 'ClusterIP'),
  'create-nodeport': (cfg) => createScenario(cfg, 'NodePort'),
  update: (cfg) => writeScenario(cfg, 'update'),
  patch: (cfg) => writeScenario(cfg, 'patch'),
  apply: applyScenario,
  list: listScenario,
  watch: (cfg) => watchScenario(cfg),
  start: startScenario,
  // Issue 16: EndpointSlices list and watch as Services do.
  'list-slices': listSlicesScenario,
  'watch-slices': (cfg) => watchScenario(cfg, 'endpointslices'),
  // Issue 18: the service DNS responder, and the API's rate with it on.
  dns: dnsScenario,
  'get-dns-on': getWithDnsScenario,
  // Issue 19: one replica on PostgreSQL against svcplane on SQLite.
  'pg-create': postgresCreateScenario,
  'pg-get': postgresGetScenario,
  'pg-watch-replicas': postgresWatchReplicasScenario,
  'pg-start': postgresStartScenario,
  // Issue 17: GET with a bearer token and RBAC on, against the same server with neither.
  'get-auth': getWithAuthScenario,
  // Issue 22: protobuf responses against JSON ones on the same server.
  'get-proto': getProtobufScenario,
  'list-proto': listProtobufScenario,
  'watch-proto': watchProtobufScenario,
};

const usage = `usage: npm run bench -- [--quick] [--rounds N] [--duration SECONDS] [--connections N] [scenario ...]
scenarios: ${Object.keys(scenarios).join(', ')} (default: all)`;

function parseArgs(argv: string[]): { cfg: Config; names: string[] } {
  let quick = false;
  const names: string[] = [];
  const overrides: { rounds?: number; roundSec?: number; connections?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!(v > 0)) throw new Error(`${a} needs a positive number\n${usage}`);
      return v;
    };
    if (a === '--quick') quick = true;
    else if (a === '--rounds') overrides.rounds = Math.round(num());
    else if (a === '--duration') overrides.roundSec = num();
    else if (a === '--connections') overrides.connections = Math.round(num());
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    } else if (a in scenarios) names.push(a);
    else throw new Error(`unknown argument ${JSON.stringify(a)}\n${usage}`);
  }
  const cfg: Config = quick
    ? {
        quick,
        connections: 16,
        warmupSec: 0.75,
        processWarmupSec: 0.5,
        rounds: 3,
        roundSec: 1,
        listSizes: [1000, 10_000],
        listRoundSec: 1,
        watch: { watchers: 1000, rate: 200, seconds: 5, rounds: 1 },
        startSizes: [0, 10_000, 100_000],
        startRounds: 3,
      }
    : {
        quick,
        connections: 16,
        warmupSec: 3,
        processWarmupSec: 1,
        rounds: 5,
        roundSec: 5,
        listSizes: [1000, 10_000],
        listRoundSec: 4,
        watch: { watchers: 1000, rate: 200, seconds: 10, rounds: 3 },
        startSizes: [0, 10_000, 100_000],
        startRounds: 5,
      };
  Object.assign(cfg, overrides);
  return { cfg, names: names.length ? [...new Set(names)] : Object.keys(scenarios) };
}

// --- output -------------------------------------------------------------------------------

const fmtRps = (n: number | null | undefined) => (n === null || n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const fmtMs = (n: number | null | undefined) =>
  n === null || n === undefined ? '-' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toString();
const fmtRatio = (r: Row) =>
  r.ratio === null ? '-' : r.key.startsWith('list') && !r.key.startsWith('list-proto') ? `${r.ratio.toFixed(2)}x ser.` : r.ratio.toFixed(2);
const fmtMet = (m: boolean | null) => (m === null ? '-' : m ? 'yes' : 'NO');

const header = ['scenario', 'svcplane rps', 'p50 ms', 'p99 ms', 'baseline rps', 'p50 ms', 'p99 ms', 'ratio', 'target', 'met?', 'notes'];

function cells(r: Row): string[] {
  return [
    r.key,
    fmtRps(r.svcplane.rps),
    fmtMs(r.svcplane.p50_ms),
    fmtMs(r.svcplane.p99_ms),
    fmtRps(r.baseline?.rps),
    fmtMs(r.baseline?.p50_ms),
    fmtMs(r.baseline?.p99_ms),
    fmtRatio(r),
    r.target,
    fmtMet(r.met),
    r.notes.join('; '),
  ];
}

function textTable(rows: Row[]): string {
  const all = [header, ...rows.map(cells)];
  const widths = header.map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i >= 1 && i <= 7 ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join(' | ')
      .trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...all.slice(1).map(line)].join('\n');
}

function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i >= 1 && i <= 7 ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`),
  ].join('\n');
}

const legend = [
  "ratio: svcplane rps / baseline rps for get, create, create-nodeport, update, patch, the median of the rounds' own ratios (higher is better);",
  'for list, svcplane p50 / in-process JSON.stringify p50 of the same list ("x times the serialization", lower is better).',
  'start: p50 = median time from spawn to the first /readyz 200, p99 = slowest round. watch: rps = writes/s achieved.',
];

const intro = `# Benchmarks

\`npm run bench\` builds svcplane, starts real server processes and drives them over loopback HTTP
with [autocannon](https://github.com/mcollina/autocannon) at a fixed concurrency: 16 connections
(list uses 1, to measure one request's latency). After a warm-up it runs rounds, svcplane and its
baseline alternately, which side first changing each round (5 rounds of 5 s; quick: 3 of 1 s),
and reports the medians: rps, p50 and p99 latency of 2xx responses, and as the ratio the median
of the rounds' own ratios. Any non-2xx response or connection error is counted and marks the
row INVALID. The load generator runs in the benchmark process on the same 2 cores: the notes give
the CPU each side used, and a baseline whose load generator is near 100% was limited by it (its
ratio is then pessimistic for svcplane). CPU that neither the server nor the load generator used
(other processes, from /proc/stat) above 15% of a core in a round marks the row DISTURBED: rerun
it on a quiet machine (\`npm run bench -- NAME\`).

    npm run bench                      # all scenarios, full mode (about 7 minutes)
    npm run bench -- --quick           # all scenarios, under 2 minutes
    npm run bench -- get list          # some scenarios; --quick works with names too

Scenarios and baselines (bench/baselines/):

- **get**: GET one Service. Baseline: bare fastify answering the same bytes on the same route shape (the framework's ceiling).
- **create**, **create-nodeport**: POST a ClusterIP / NodePort Service with a unique name; a fresh server and database every round (quick mode: one per side), node ports from 1024-65535 so the range cannot run out. Baseline: fastify parsing the same body and inserting one row into a WAL SQLite file with better-sqlite3, svcplane's pragmas and svcplane's WAL checkpointer on a worker thread (the ceiling of framework plus storage; the checkpointer makes it about 16% faster, so it stays in). Stored object counts are checked against the 2xx responses, node ports for uniqueness. The baseline commits each request on its own; svcplane group-commits the writes that arrive together (src/storage/objectStore.ts), and answers each only after its COMMIT, so both measure durable writes.
- **update**: PUT of the whole object with its resourceVersion, each in-flight request on a different one of 64 objects (no conflicts). Baseline: same server, compares the resourceVersion and updates the row.
- **patch**: merge patch of one label, round-robin over 64 objects. Baseline: reads the row, applies RFC 7386, updates it.
- **list**: GET all Services at 1,000 and 10,000 objects (\`kubernetes\` included). Baseline: JSON.stringify of the same list in-process.
- **watch**: bench/watch.mts, 1,000 watchers while 200 writes/s happen, each round with a fresh server (3 rounds of 10 s, the median round by p99, every round's p99 in the notes; quick: 1 round of 5 s): delivery latency and memory per watcher. No baseline.
- **dns**, **get-dns-on** (issue 18): bench/dns.mts. dns: queries a second over loopback UDP to \`--dns-port\` with 10,000 Services stored (the start scenario's cached database), 100 queries outstanding, 80% A of stored Services, 10% AAAA (NODATA), 10% missing names (NXDOMAIN); the load generator is dnsperf (Debian's package) where installed, which reports only an average latency (shown as p50), else a Node UDP generator in the benchmark process (\`SVCPLANE_BENCH_DNS_GEN=node|dnsperf\` picks one). Baseline: bare dgram + dns-packet answering one fixed A record (bench/baselines/bare-dns.mts). get-dns-on: the get scenario's GET against a server with the responder on and idle, the same server without it as the baseline. Target: dns >= 20,000 queries/s; get-dns-on ratio >= 0.9.
- **pg-create**, **pg-get** (issue 19): bench/postgres.mts. One svcplane on PostgreSQL (a database of its own on 127.0.0.1:5432, created and dropped by the scenario; PGHOST/PGPORT/PGUSER to point elsewhere) against svcplane on SQLite, the same requests alternately: pg-create POSTs ClusterIP Services with unique names (target >= 1,500 creates/s on PostgreSQL, group commit across requests), pg-get GETs one Service (target ratio >= 0.8); pg-watch-replicas runs the watch scenario's bench/watch.mts with two replicas on one database (SVCPLANE_BENCH_DB, SVCPLANE_BENCH_REPLICAS=2), watchers and writes split across both, each round on a database of its own, median of the watch rounds by p99 as the watch row (target: every event to every watcher, p99 < 100 ms); pg-start times spawn to the first /readyz 200 of one replica on a database holding 100,000 Services (target < 2 s), each round on a fresh CREATE DATABASE ... TEMPLATE copy of a fixture filled with the rows bench/build-db.mts wrote through ServiceRegistry.create (the dialects store the same rows). PostgreSQL shares the machine's cores with both servers.
- **get-auth** (issue 17): bench/auth.mts. The get scenario's GET sent with a bearer token from \`--token-auth-file\` by a user bound to \`view\` with a RoleBinding, \`--authorization-mode RBAC\`, against the same server with neither. Target: ratio >= 0.9.
- **get-proto**, **list-proto**, **watch-proto** (issue 22): protobuf answers against JSON ones from the same server, alternately. get-proto: the get scenario's GET with client-go's \`Accept: application/vnd.kubernetes.protobuf, */*\` against the same GET with \`Accept: application/json\` (target ratio >= 1). list-proto: LIST of 10,000 Services in protobuf against the same LIST in JSON, p50 on one connection (ratio = protobuf p50 / JSON p50, target <= 1). watch-proto: the watch scenario with watchers asking for \`application/vnd.kubernetes.protobuf;stream=watch\` (length-prefixed WatchEvents), against the same run with JSON watchers, round by round (ratio = protobuf p99 / JSON p99, target <= 1 and every event delivered).
- **start**: spawn to the first \`/readyz\` 200 (polled every 5 ms) with 0, 10,000 and 100,000 Services in the database, and the resident memory then. The databases are written by bench/build-db.mts through the built server's ServiceRegistry.create in-process and cached in bench/.cache/ (keyed by migrations and the built write path). No baseline.

Targets (2 cores): get >= 0.5 of the baseline; create >= 0.5 of the baseline and >= 3,000/s;
list of 10,000 p50 < 150 ms and within 3x of serialization; start with 100,000 Services < 1 s to
ready and < 250 MB resident; watch (1,000 watchers, 200 writes/s) p99 delivery < 50 ms, every watcher
gets every event, < 50 KiB per idle watcher. A miss is a finding, not hidden. bench/results.json has the raw
numbers (every round, status codes, CPU).
`;

function writeBenchmarksMd(rows: Row[], meta: Record<string, unknown>, command: string, earlier: Set<string>): void {
  const file = join(repoRoot, 'BENCHMARKS.md');
  const m = meta.machine as Record<string, unknown>;
  const section = [
    '## Latest results',
    '',
    `Machine: ${m.cpus} x ${m.cpu_model}, ${m.memory_GiB} GiB memory, Node ${m.node}, ${m.os}.`,
    `Command: \`${command}\` (${meta.mode} mode, ${meta.date}, ${meta.wall_s} s).`,
    '',
    markdownTable(rows),
    '',
    ...legend.map((l) => `${l}`),
    ...(earlier.size ? ['', `Rows from an earlier run (not part of this command): ${[...earlier].join(', ')}.`] : []),
    '',
  ].join('\n');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : intro;
  const start = text.indexOf('## Latest results');
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 1);
    text = text.slice(0, start) + section + (next >= 0 ? text.slice(next + 1) : '');
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  writeFileSync(file, text);
}

// --- main ---------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { cfg, names } = parseArgs(process.argv.slice(2));
  if (!existsSync(join(repoRoot, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run npm run build first');
  const t0 = performance.now();
  const date = new Date().toISOString();
  log(`${cfg.quick ? 'quick' : 'full'} mode: ${names.join(', ')}`);
  const rows: Row[] = [];
  for (const name of names) {
    const s0 = performance.now();
    log(`--- ${name}`);
    const result = await scenarios[name](cfg);
    const seconds = Math.round((performance.now() - s0) / 100) / 10;
    for (const r of result) rows.push({ ...r, scenario: name, mode: cfg.quick ? 'quick' : 'full', date, scenario_wall_s: seconds });
    log(`${name} done in ${seconds} s`);
  }
  const wall = Math.round((performance.now() - t0) / 100) / 10;
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const meta = {
    machine: machine(),
    mode: cfg.quick ? 'quick' : 'full',
    date,
    command,
    wall_s: wall,
    config: cfg,
  };

  // Scenarios not run this time keep their earlier results.
  const resultsFile = join(benchDir, 'results.json');
  let previous: Record<string, Row> = {};
  try {
    previous = (JSON.parse(readFileSync(resultsFile, 'utf8')) as { scenarios?: Record<string, Row> }).scenarios ?? {};
  } catch {
    // first run
  }
  const merged: Record<string, Row> = {};
  const earlier = new Set<string>();
  const order = Object.keys(scenarios);
  for (const name of order) {
    if (names.includes(name)) {
      for (const r of rows.filter((x) => x.scenario === name)) merged[r.key] = r;
    } else {
      for (const [k, r] of Object.entries(previous)) {
        if ((r.scenario ?? k) === name && Array.isArray(r.notes)) {
          merged[k] = r;
          earlier.add(k);
        }
      }
    }
  }
  const results = { ...meta, scenarios: merged };
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  writeBenchmarksMd(Object.values(merged), meta, command, earlier);

  const m = meta.machine;
  process.stdout.write(
    `\nsvcplane benchmarks (${meta.mode} mode), ${m.cpus} x ${m.cpu_model}, ${m.memory_GiB} GiB, Node ${m.node}, ${cfg.connections} connections\n\n`,
  );
  process.stdout.write(`${textTable(rows)}\n\n${legend.join('\n')}\n`);
  process.stdout.write(`\nwall time ${wall} s; wrote bench/results.json and BENCHMARKS.md\n`);
  const invalid = rows.filter((r) => r.notes.some((n) => n.includes('INVALID')));
  if (invalid.length) process.stdout.write(`WARNING: invalid measurements in ${invalid.map((r) => r.key).join(', ')}\n`);
}

main().then(
  () => {
    killAll();
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    killAll();
    process.exit(1);
  },
);
