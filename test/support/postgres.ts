// The PostgreSQL server the PostgreSQL suites use (PGHOST/PGPORT or 127.0.0.1:5432, user
// PGUSER, root or postgres), and a database of its own for each test, created and dropped here.
// Each step opens its own short connection, so nothing here keeps a test process alive.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export type PostgresServer =
  | { available: false; reason: string }
  | { available: true; createDatabase(): Promise<TestDatabase>; urlFor(db: string): string; end(): Promise<void> };

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  admin.on('error', () => {});
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.end().catch(() => {});
  }
}

export async function postgres(): Promise<PostgresServer> {
  const host = process.env.PGHOST ?? '127.0.0.1';
  const port = process.env.PGPORT ?? '5432';
  const reasons: string[] = [];
  for (const user of [process.env.PGUSER, 'root', 'postgres'].filter((u): u is string => !!u)) {
    const urlFor = (db: string) => `postgres://${encodeURIComponent(user)}@${host}:${port}/${db}`;
    try {
      await withAdmin(urlFor('postgres'), async (c) => {
        const { rows } = await c.query<{ may: boolean }>('SELECT rolcreatedb OR rolsuper AS may FROM pg_roles WHERE rolname = current_user');
        if (!rows[0]?.may) throw new Error('may not create databases');
      });
    } catch (err) {
      reasons.push(`${user}@${host}:${port}: ${(err as Error).message}`);
      continue;
    }
    return {
      available: true,
      urlFor,
      async createDatabase() {
        const name = `svcplane_test_${randomBytes(6).toString('hex')}`;
        await withAdmin(urlFor('postgres'), (c) => c.query(`CREATE DATABASE ${name}`));
        return {
          name,
          url: urlFor(name),
          drop: () => withAdmin(urlFor('postgres'), async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
        };
      },
      end: async () => {},
    };
  }
  return { available: false, reason: `no PostgreSQL server to create databases on (${reasons.join('; ')})` };
}

export interface PrivateCluster {
  url: string;
  /** pg_ctl stop -m immediate: the server dies as in a crash, connections cut. */
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own (initdb in a temporary folder, on a free port), so a
 * test may stop and start the database without touching the machine's shared server. Undefined
 * with the reason where PostgreSQL's binaries or the postgres user are missing.
 */
export async function privateCluster(): Promise<PrivateCluster | string> {
  const { execFileSync } = await import('node:child_process');
  const { existsSync, mkdtempSync, chownSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createServer } = await import('node:net');
  const bin = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'].find((d) => existsSync(join(d, 'initdb')));
  if (!bin) return 'no initdb under /usr/lib/postgresql';
  const asPostgres = (cmd: string, args: string[]) =>
    process.getuid?.() === 0
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'svcplane-pg-'));
  try {
    if (process.getuid?.() === 0) {
      const { uid, gid } = (await import('node:os')).userInfo({ encoding: 'utf8' }) && {
        uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
        gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
      };
      chownSync(dir, uid, gid);
    }
    asPostgres('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return `initdb failed: ${(err as Error).message}`;
  }
  const ctl = (...args: string[]) => asPostgres('pg_ctl', ['-D', join(dir, 'data'), ...args]);
  const start = async () => void ctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'), '-w', 'start');
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop: async () => void ctl('-m', 'immediate', '-w', 'stop'),
    destroy: async () => {
      try {
        ctl('-m', 'immediate', '-w', 'stop');
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
