// Issue 19's rows: svcplane on PostgreSQL (one replica, a database of its own created and
// dropped here) against svcplane on SQLite as the baseline, the same requests alternately.
// pg-create: POST ClusterIP Services with unique names; target >= 1,500 creates/s on PostgreSQL.
// pg-get: GET of one Service; target ratio >= 0.8 of SQLite's.
// pg-watch-replicas: bench/watch.mts with two replicas on one database, the watchers split
// across them and the writes too; target every event to every watcher, p99 < 100 ms.
// pg-start: spawn to the first /readyz 200 of one replica on a database holding 100,000
// Services; target < 2 s.
import type autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { migrate } from '../src/storage/postgres/schema.js';
import { postgres } from '../test/support/postgres.js';
import { log, median, removeTempDir, requestOk, round, startServer, svcplaneArgs, tempDir, load, type Server } from './lib.mjs';
import { alternate, cachedDatabases, disturbance, httpRow, spawnToReady, watchRound, type Config, type Row, type Summary } from './scenarios.mjs';
import { join } from 'node:path';

const NS = '/api/v1/namespaces/default/services';

async function sides(): Promise<{ pg: Server; sqlite: Server; stop(): Promise<void> } | string> {
  const server = await postgres();
  if (!server.available) return server.reason;
  const db = await server.createDatabase();
  const dir = tempDir();
  const pg = await startServer('svcplane-postgres', svcplaneArgs(db.url));
  const sqlite = await startServer('svcplane-sqlite', svcplaneArgs(join(dir, 'svcplane.db')));
  return {
    pg,
    sqlite,
    async stop() {
      await pg.stop();
      await sqlite.stop();
      await db.drop();
      removeTempDir(dir);
    },
  };
}

function creates(prefix: string): autocannon.Request[] {
  let n = 0;
  return [
    {
      method: 'POST',
      path: NS,
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: `{"metadata":{"name":"${prefix}-${n++}"},"spec":{"ports":[{"port":80}]}}` }),
    },
  ];
}

export async function postgresCreateScenario(cfg: Config): Promise<Row[]> {
  const s = await sides();
  if (typeof s === 'string') throw new Error(`pg-create needs PostgreSQL: ${s}`);
  try {
    const pgRequests = creates('pg');
    const sqliteRequests = creates('sq');
    const run = (server: Server, requests: autocannon.Request[], duration: number) =>
      load({ url: server.url, connections: cfg.connections, duration, requests, pid: server.child.pid });
    await run(s.pg, pgRequests, cfg.warmupSec);
    await run(s.sqlite, sqliteRequests, cfg.warmupSec);
    const result = await alternate(
      cfg,
      'pg-create',
      () => run(s.pg, pgRequests, cfg.roundSec),
      () => run(s.sqlite, sqliteRequests, cfg.roundSec),
    );
    return [httpRow('pg-create', 'svcplane on SQLite (a WAL file), the same creates', result, { text: 'rps >= 1500', met: (m) => m.rps >= 1500 })];
  } finally {
    await s.stop();
  }
}

export async function postgresGetScenario(cfg: Config): Promise<Row[]> {
  const s = await sides();
  if (typeof s === 'string') throw new Error(`pg-get needs PostgreSQL: ${s}`);
  try {
    for (const side of [s.pg, s.sqlite]) await requestOk(`${side.url}${NS}`, 'POST', { metadata: { name: 'bench-get' }, spec: { ports: [{ port: 80 }] } });
    const path = `${NS}/bench-get`;
    const run = (server: Server, duration: number) => load({ url: `${server.url}${path}`, connections: cfg.connections, duration, pid: server.child.pid });
    await run(s.pg, cfg.warmupSec);
    await run(s.sqlite, cfg.warmupSec);
    const result = await alternate(
      cfg,
      'pg-get',
      () => run(s.pg, cfg.roundSec),
      () => run(s.sqlite, cfg.roundSec),
    );
    return [httpRow('pg-get', 'svcplane on SQLite, the same GET', result, { text: 'ratio >= 0.8', met: (m) => m.ratio >= 0.8 })];
  } finally {
    await s.stop();
  }
}

export async function postgresWatchReplicasScenario(cfg: Config): Promise<Row[]> {
  const server = await postgres();
  if (!server.available) throw new Error(`pg-watch-replicas needs PostgreSQL: ${server.reason}`);
  const { watchers, rate, seconds, rounds } = cfg.watch;
  // As the SQLite watch row: several rounds (each on a database of its own) and the median one
  // by p99, every round's p99 in the notes.
  const results: Record<string, unknown>[] = [];
  for (let i = 0; i < rounds; i++) {
    const db = await server.createDatabase();
    try {
      results.push(await watchRound(watchers, rate, seconds, 'services', { SVCPLANE_BENCH_DB: db.url, SVCPLANE_BENCH_REPLICAS: '2' }));
    } finally {
      await db.drop();
    }
    const r = results[i];
    log(
      `pg-watch-replicas round ${i + 1}/${rounds}: p50 ${String(r.p50_ms)} ms, p99 ${String(r.p99_ms)} ms, ${String(r.watchersWithEveryEvent)}/${watchers} watchers got every event`,
    );
  }
  const p99of = (r: Record<string, unknown>) => (typeof r.p99_ms === 'number' ? r.p99_ms : Infinity);
  const r = [...results].sort((a, b) => p99of(a) - p99of(b))[Math.floor(results.length / 2)];
  const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : null);
  const p99 = num('p99_ms');
  const allEvents = results.every((x) => x.watchersWithEveryEvent === watchers);
  return [
    {
      key: 'pg-watch-replicas',
      svcplane: { ...r, rps: num('achievedWritesPerSecond'), p50_ms: num('p50_ms'), p99_ms: p99, rounds: results },
      baseline: null,
      baseline_is: null,
      ratio: null,
      ratio_means: null,
      target: 'p99 < 100 ms, all events (2 replicas)',
      met: watchers === 1000 && rate === 200 ? allEvents && p99 !== null && p99 < 100 : null,
      notes: [
        `${watchers} watchers split across 2 replicas on one PostgreSQL, ${rate} writes/s through both for ${seconds} s`,
        `median of ${rounds} round(s) by p99; p99 per round: ${results.map((x) => `${String(x.p99_ms)} ms`).join(', ')}`,
        `${num('watchersWithEveryEvent')}/${watchers} watchers got every event${allEvents ? ' in every round' : ''}`,
        `the writes answered in p50 ${num('write_answered_p50_ms')} / p99 ${num('write_answered_p99_ms')} ms`,
      ],
    },
  ];
}

/** The tables a server writes objects, history and allocations to, with their columns (the same in both dialects). */
const copied: { table: string; columns: string[]; types: string[] }[] = [
  {
    table: 'objects',
    columns: ['resource', 'namespace', 'name', 'uid', 'resource_version', 'body'],
    types: ['text', 'text', 'text', 'text', 'bigint', 'text'],
  },
  {
    table: 'change_log',
    columns: ['revision', 'resource', 'namespace', 'name', 'event', 'body', 'prev_body'],
    types: ['bigint', 'text', 'text', 'text', 'text', 'text', 'text'],
  },
  { table: 'allocations', columns: ['pool', 'value', 'resource', 'namespace', 'name', 'uid'], types: ['text', 'text', 'text', 'text', 'text', 'text'] },
  { table: 'settings', columns: ['key', 'value'], types: ['text', 'text'] },
];

/**
 * Fills a migrated PostgreSQL database with the rows of a SQLite database that bench/build-db.mts
 * wrote through ServiceRegistry.create: the two dialects store the same rows (same bodies,
 * revisions, allocations, pruned history), so this is what a server on PostgreSQL would have
 * written, at the cost of a few multi-row INSERTs instead of 100,000 creates.
 */
async function fillFromSqlite(url: string, file: string): Promise<void> {
  const sqlite = new Database(file, { readonly: true });
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await migrate(c);
    await c.query('BEGIN');
    for (const { table, columns, types } of copied) {
      const rows = sqlite
        .prepare(`SELECT ${columns.join(', ')} FROM ${table}`)
        .raw()
        .all() as unknown[][];
      for (let at = 0; at < rows.length; at += 5000) {
        const chunk = rows.slice(at, at + 5000);
        const arrays = columns.map((_, i) => chunk.map((r) => (r[i] === null ? null : String(r[i]))));
        const unnest = types.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
        await c.query(`INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${unnest})`, arrays);
      }
    }
    await c.query('COMMIT');
    await c.query('VACUUM ANALYZE');
  } finally {
    await c.end();
    sqlite.close();
  }
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function postgresStartScenario(cfg: Config): Promise<Row[]> {
  const server = await postgres();
  if (!server.available) throw new Error(`pg-start needs PostgreSQL: ${server.reason}`);
  const size = 100_000;
  const file = (await cachedDatabases([size])).get(size)!;
  const fixture = await server.createDatabase();
  const adminUrl = server.urlFor('postgres');
  try {
    const t = performance.now();
    await fillFromSqlite(fixture.url, file);
    log(`pg-start: ${size} Services copied into PostgreSQL in ${Math.round(performance.now() - t)} ms`);
    // Each round starts on a fresh copy (CREATE DATABASE ... TEMPLATE), as a first start would.
    const round1 = async () => {
      const name = `svcplane_start_${randomBytes(6).toString('hex')}`;
      await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${fixture.name}`));
      try {
        return await spawnToReady(server.urlFor(name));
      } finally {
        await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      }
    };
    await round1(); // warms the page caches
    const times: { ms: number; rssMB: number; other: number | null }[] = [];
    for (let r = 0; r < cfg.startRounds; r++) {
      times.push(await round1());
      log(`pg-start round ${r + 1}/${cfg.startRounds}: ${round(times[r].ms, 0)} ms`);
    }
    const ms = round(median(times.map((x) => x.ms)), 1);
    const rss = round(median(times.map((x) => x.rssMB)), 1);
    return [
      {
        key: 'pg-start',
        svcplane: {
          rps: null,
          p50_ms: ms,
          p99_ms: round(Math.max(...times.map((x) => x.ms)), 1),
          ready_ms: ms,
          ready_ms_rounds: times.map((x) => round(x.ms, 1)),
          rss_MB: rss,
          other_cpu_rounds: times.map((x) => (x.other === null ? null : round(x.other, 2))),
        },
        baseline: null,
        baseline_is: null,
        ratio: null,
        ratio_means: null,
        target: 'ready < 2000 ms',
        met: ms < 2000,
        notes: [
          `${size} Services in PostgreSQL (on this machine too)`,
          `RSS ${rss} MB at ready`,
          'p50 = median, p99 = slowest round',
          ...disturbance('pg-start', {
            other_cpu_max: Math.max(...times.map((x) => x.other ?? 0)),
            other_cpu_rounds: times.map((x) => x.other),
          } as Summary),
        ],
        objects: size,
      },
    ];
  } finally {
    await fixture.drop();
  }
}
