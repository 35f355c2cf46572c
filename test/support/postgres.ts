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
