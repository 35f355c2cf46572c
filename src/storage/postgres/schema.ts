// The PostgreSQL schema and its migrations: the same tables as SQLite's migrations/, in
// PostgreSQL's types. Names, namespaces and allocated values are COLLATE "C" so that ORDER BY
// and the (namespace, name) > (a, b) comparisons of paging are byte order, as Kubernetes lists
// (a locale collation orders '10' after '9' or '-' apart from '.'). Several replicas may start at
// once: migrations run under a session advisory lock, so one migrates and the others wait, then
// find nothing left to do.
import type pg from 'pg';

/** Session-level advisory lock around migrations (any constant no other lock uses). */
const migrationLock = 0x73766370_00000001n;

const migrations: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE objects (
        resource         text COLLATE "C" NOT NULL,
        namespace        text COLLATE "C" NOT NULL,
        name             text COLLATE "C" NOT NULL,
        uid              text NOT NULL,
        resource_version bigint NOT NULL,
        body             text NOT NULL,
        PRIMARY KEY (resource, namespace, name)
      );
      -- The change log: one row per object write, its revision the object's new resourceVersion.
      CREATE TABLE change_log (
        revision  bigint PRIMARY KEY,
        resource  text COLLATE "C" NOT NULL,
        namespace text COLLATE "C" NOT NULL,
        name      text COLLATE "C" NOT NULL,
        event     text NOT NULL CHECK (event IN ('ADDED', 'MODIFIED', 'DELETED')),
        body      text NOT NULL,
        prev_body text
      );
      -- The primary key is what makes a double allocation impossible across replicas.
      CREATE TABLE allocations (
        pool      text COLLATE "C" NOT NULL,
        value     text COLLATE "C" NOT NULL,
        resource  text NOT NULL,
        namespace text NOT NULL,
        name      text NOT NULL,
        uid       text NOT NULL,
        PRIMARY KEY (pool, value)
      );
      CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
      CREATE TABLE fake_cloud_load_balancers (
        uid          text NOT NULL PRIMARY KEY,
        namespace    text COLLATE "C" NOT NULL,
        name         text COLLATE "C" NOT NULL,
        profile      text NOT NULL CHECK (profile IN ('aws', 'gcp', 'azure', 'metallb')),
        address_kind text NOT NULL CHECK (address_kind IN ('hostname', 'ip')),
        address      text NOT NULL UNIQUE,
        ports        text NOT NULL,
        created_at   text NOT NULL,
        updated_at   text NOT NULL
      );
      CREATE TABLE fake_cloud_injected_failures (uid text NOT NULL PRIMARY KEY, failures integer NOT NULL);
    `,
  },
];

export async function migrate(client: pg.ClientBase): Promise<string[]> {
  await client.query('SELECT pg_advisory_lock($1)', [migrationLock.toString()]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)`);
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const ran: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      ran.push(m.name);
    }
    return ran;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [migrationLock.toString()]);
  }
}
