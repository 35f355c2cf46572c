// The PostgreSQL dialect's read cache across replicas (src/storage/postgres/readCache.ts): a
// write acknowledged on one store is what the other store's very next get returns, even when
// that store has heard nothing of it (no LISTEN, no poll in the test's lifetime), and a get
// served from the cache costs no read of the object. Skips where no PostgreSQL server answers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { Rollback } from '../../src/storage/objectStore.js';
import { PostgresObjectStore } from '../../src/storage/postgres/objectStore.js';
import { cacheKey, ReadCache } from '../../src/storage/postgres/readCache.js';
import { migrate } from '../../src/storage/postgres/schema.js';
import { postgres, type TestDatabase } from '../support/postgres.js';

const server = await postgres();
const skip = server.available ? false : `no PostgreSQL: ${server.reason}`;
if (skip) console.log(`# skipping the PostgreSQL read cache tests: ${skip}`);

const key = { resource: 'services', namespace: 'default', name: 'a' };
const body = (v: string) => JSON.stringify({ metadata: { name: 'a', annotations: { v } } });

/** A pool that counts the object reads (the prepared get) it is asked for. */
function countingPool(url: string): pg.Pool & { gets: number } {
  const pool = Object.assign(new pg.Pool({ connectionString: url, max: 4 }), { gets: 0 });
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    if ((args[0] as { name?: string } | undefined)?.name === 'svcplane_get') pool.gets++;
    return query(...args);
  }) as typeof pool.query;
  return pool;
}

describe('the PostgreSQL read cache across two stores on one database', { skip }, () => {
  let db: TestDatabase;
  const opened: { store: PostgresObjectStore; pool: pg.Pool }[] = [];
  // No LISTEN and a poll far beyond the test: a store learns of the other's writes only by asking.
  const open = async () => {
    const pool = countingPool(db.url);
    const connect = async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      return c;
    };
    const store = await PostgresObjectStore.open(pool, connect, { historySize: 1000, pollInterval: 3_600_000 });
    opened.push({ store, pool });
    return { store, pool };
  };
  before(async () => {
    if (!server.available) return;
    db = await server.createDatabase();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await migrate(c);
    await c.end();
  });
  after(async () => {
    for (const o of opened) {
      await o.store.close();
      await o.pool.end();
    }
    await db?.drop();
  });

  test('a write on A is the very next get on B, and B serves repeated gets from memory', async () => {
    const a = await open();
    const b = await open();
    const first = await a.store.transaction(async (tx) => {
      const resourceVersion = tx.nextRevision();
      await tx.insert({ ...key, uid: 'u1', resourceVersion, body: body('1') });
      return resourceVersion;
    });
    assert.equal((await b.store.get(key))?.body, body('1'));
    // What a NOTIFY does: B's feed reads the change log up to A's write.
    b.store.wake();
    while (b.store.currentRevision() < first) await new Promise((r) => setTimeout(r, 5));
    assert.equal((await b.store.get(key))?.body, body('1'));
    let reads = b.pool.gets;
    assert.equal((await b.store.get(key))?.body, body('1'));
    assert.equal(b.pool.gets, reads, 'a get once the feed has caught up is served from the cache');

    for (let i = 2; i < 30; i++) {
      const rv = await a.store.transaction(async (tx) => {
        const resourceVersion = tx.nextRevision();
        await tx.update({ ...key, uid: 'u1', resourceVersion, body: body(String(i)) });
        return resourceVersion;
      });
      reads = b.pool.gets;
      const got = await b.store.get(key);
      assert.equal(got?.body, body(String(i)), `B's get right after A's write ${i}`);
      assert.equal(got?.resourceVersion, rv);
      assert.equal(b.pool.gets, reads + 1, 'B, whose feed has not seen the write, read the database');
    }

    // Concurrent gets on B all see the write A acknowledged before they began.
    await a.store.transaction((tx) => tx.update({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('many') }));
    const all = await Promise.all(Array.from({ length: 20 }, () => b.store.get(key)));
    for (const got of all) assert.equal(got?.body, body('many'));

    // Inside a write on B, the object is as A left it.
    await a.store.transaction((tx) => tx.update({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('in-tx') }));
    const inside = await b.store.transaction(async (tx) => (await tx.get(key))?.body);
    assert.equal(inside, body('in-tx'));

    await a.store.transaction((tx) => tx.remove(key, tx.nextRevision(), body('in-tx')));
    assert.equal(await b.store.get(key), undefined, 'a delete on A is gone on B');
  });

  test('a store reads its own transaction, never caches a write that rolled back, and hands out copies', async () => {
    const a = await open();
    const k = { ...key, name: 'b' };
    await a.store.transaction((tx) => tx.insert({ ...k, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('1') }));
    assert.equal((await a.store.get(k))?.body, body('1'));
    await assert.rejects(
      a.store.transaction(async (tx) => {
        await tx.update({ ...k, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('2') });
        assert.equal((await tx.get(k))?.body, body('2'), 'inside the transaction its own write is visible');
        throw new Rollback(null);
      }),
      Rollback,
    );
    assert.equal((await a.store.get(k))?.body, body('1'), 'the rolled-back value was never cached');
    const copy = (await a.store.get(k))!;
    copy.body = 'mutated by a caller';
    assert.equal((await a.store.get(k))?.body, body('1'), 'callers get copies');
  });
});

test('the feed keeps a cached entry as each update leaves it, drops it on a delete, and never puts an older change over a newer entry', () => {
  const cache = new ReadCache(10);
  const id = cacheKey(key);
  cache.applied(id, { event: 'MODIFIED', revision: 3, body: body('3') });
  assert.equal(cache.has(id), false, 'a change to a key nobody read fills nothing');
  cache.fill(id, { ...key, uid: 'u1', resourceVersion: 5, body: body('5') });
  cache.applied(id, { event: 'MODIFIED', revision: 4, body: body('4') });
  assert.equal(cache.lookup(id, 5)?.body, body('5'), 'a change older than the entry (it was read ahead of the feed) leaves it');
  cache.applied(id, { event: 'MODIFIED', revision: 6, body: body('6') });
  assert.deepEqual(cache.lookup(id, 6), { ...key, uid: 'u1', resourceVersion: 6, body: body('6') });
  assert.equal(cache.lookup(id, 5), undefined, 'not served to a reader whose feed is behind it');
  cache.applied(id, { event: 'DELETED', revision: 7, body: body('6') });
  assert.equal(cache.has(id), false);
});
