// The PostgreSQL server the PostgreSQL suites use (PGHOST/PGPORT or 127.0.0.1:5432, user
// PGUSER, root or postgres), and a database of its own for each test, created and dropped here.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export type PostgresServer =
  | { available: false; reason: string }
  | { available: true; createDatabase(): Promise<TestDatabase>; end(): Promise<void>; admin: pg.Client; urlFor(db: string): string };

export async function postgres(): Promise<PostgresServer> {
  const host = process.env.PGHOST ?? '127.0.0.1';
  const port = process.env.PGPORT ?? '5432';
  const reasons: string[] = [];
  for (const user of [process.env.PGUSER, 'root', 'postgres'].filter((u): u is string => !!u)) {
    const urlFor = (db: string) => `postgres://${encodeURIComponent(user)}@${host}:${port}/${db}`;
    const admin = new pg.Client({ connectionString: urlFor('postgres'), connectionTimeoutMillis: 3000 });
    admin.on('error', () => {});
    try {
      await admin.connect();
      const { rows } = await admin.query<{ may: boolean }>('SELECT rolcreatedb OR rolsuper AS may FROM pg_roles WHERE rolname = current_user');
      if (!rows[0]?.may) throw new Error('may not create databases');
    } catch (err) {
      reasons.push(`${user}@${host}:${port}: ${(err as Error).message}`);
      await admin.end().catch(() => {});
      continue;
    }
    return {
      available: true,
      admin,
      urlFor,
      async createDatabase() {
        const name = `svcplane_test_${randomBytes(6).toString('hex')}`;
        await admin.query(`CREATE DATABASE ${name}`);
        return { name, url: urlFor(name), drop: async () => void (await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
      },
      end: () => admin.end(),
    };
  }
  return { available: false, reason: `no PostgreSQL server to create databases on (${reasons.join('; ')})` };
}
