// Issue 19's rows: svcplane on PostgreSQL (one replica, a database of its own created and
// dropped here) against svcplane on SQLite as the baseline, the same requests alternately.
// pg-create: POST ClusterIP Services with unique names; target >= 1,500 creates/s on PostgreSQL.
// pg-get: GET of one Service; target ratio >= 0.8 of SQLite's.
// pg-watch-replicas: bench/watch.mts with two replicas on one database, the watchers split
// across them and the writes too; target every event to every watcher, p99 < 100 ms.
import type autocannon from 'autocannon';
import { postgres } from '../test/support/postgres.js';
import { removeTempDir, requestOk, startServer, svcplaneArgs, tempDir, load, type Server } from './lib.mjs';
import { alternate, httpRow, watchRound, type Config, type Row } from './scenarios.mjs';
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
  const { watchers, rate, seconds } = cfg.watch;
  const db = await server.createDatabase();
  let r: Record<string, unknown>;
  try {
    r = await watchRound(watchers, rate, seconds, 'services', { SVCPLANE_BENCH_DB: db.url, SVCPLANE_BENCH_REPLICAS: '2' });
  } finally {
    await db.drop();
  }
  const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : null);
  const p99 = num('p99_ms');
  const every = num('watchersWithEveryEvent');
  return [
    {
      key: 'pg-watch-replicas',
      svcplane: { ...r, rps: num('achievedWritesPerSecond'), p50_ms: num('p50_ms'), p99_ms: p99 },
      baseline: null,
      baseline_is: null,
      ratio: null,
      ratio_means: null,
      target: 'p99 < 100 ms, all events (2 replicas)',
      met: watchers === 1000 && rate === 200 ? every === watchers && p99 !== null && p99 < 100 : null,
      notes: [
        `${watchers} watchers split across 2 replicas on one PostgreSQL, ${rate} writes/s through both for ${seconds} s`,
        `${every}/${watchers} watchers got every event`,
      ],
    },
  ];
}
