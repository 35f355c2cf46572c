// One PostgreSQL database as the server's storage (../storage.ts), shared by every replica
// started with the same --db URL: a pool for reads and the fake cloud, one dedicated connection
// for this replica's writes, one that LISTENs for the other replicas' commits.
import pg from 'pg';
import type { Storage } from '../storage.js';
import { PostgresLoadBalancerStore } from './loadBalancerStore.js';
import { changesChannel, PostgresObjectStore, type PostgresStoreOptions } from './objectStore.js';
import { migrate } from './schema.js';

export interface PostgresStorage extends Storage {
  readonly store: PostgresObjectStore;
}

/**
 * `url` is a libpq-style URL (postgres://user@host:port/dbname); the password comes from the
 * URL or PGPASSWORD, as libpq does. The schema is created or migrated before this resolves.
 */
export async function openPostgresStorage(url: string, options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStorage> {
  // A connection attempt gives up after a few seconds, so requests fail fast while the
  // database is unreachable rather than hang.
  const config: pg.ClientConfig = { connectionString: url, application_name: 'svcplane', connectionTimeoutMillis: 3000 };
  const pool = new pg.Pool({ ...config, max: 8 });
  // An idle pooled connection that dies (the server restarted) must not crash the process.
  pool.on('error', (err) => options.onFeedError?.(err));
  const connect = async () => {
    const client = new pg.Client(config);
    client.on('error', (err) => options.onFeedError?.(err));
    await client.connect();
    return client;
  };
  const setup = await connect();
  try {
    await migrate(setup);
  } finally {
    await setup.end();
  }
  const store = await PostgresObjectStore.open(pool, connect, { ...options, historySize: options.historySize ?? 10_000 });
  let listener: pg.Client | undefined;
  let closed = false;
  const listen = async () => {
    try {
      const c = await connect();
      c.on('notification', (msg) => store.notified(msg.payload));
      // Lost: listen again (with a pause between attempts); the poll covers the gap meanwhile,
      // and the first read after LISTEN picks up whatever committed while nobody listened.
      let again = false;
      const relisten = () => {
        if (closed || again) return;
        again = true;
        setTimeout(listen, 500);
      };
      c.on('error', relisten);
      c.on('end', relisten);
      await c.query(`LISTEN ${changesChannel}`);
      listener = c;
      // Whatever committed while nobody listened.
      store.wake();
    } catch (err) {
      options.onFeedError?.(err);
      if (!closed) setTimeout(listen, 500);
    }
  };
  await listen();
  return {
    store,
    shared: true,
    reachable: () => store.healthy,
    loadBalancers: () => new PostgresLoadBalancerStore(pool),
    async close() {
      closed = true;
      await store.close();
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}
