// The PostgreSQL writer's batches (src/storage/postgres/objectStore.ts, runBatch and writeTx): a
// write that reads an object and updates it (every PATCH and PUT) costs no round trip of its
// own once the object is in the read cache; its UPDATE goes with the batch's COMMIT, and the
// change log still records the body it replaced. These tests hold that, and the ways leaving a
// statement for later could go wrong: a write that fails after its update was left behind, and
// an optimistic create that clashes in the same batch as such updates. Skips where no
// PostgreSQL server answers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { type ObjectKey, UniqueViolation, type WriteTx } from '../../src/storage/objectStore.js';
import { PostgresObjectStore } from '../../src/storage/postgres/objectStore.js';
import { migrate } from '../../src/storage/postgres/schema.js';
import { postgres, type TestDatabase } from '../support/postgres.js';

const server = await postgres();
const skip = server.available ? false : `no PostgreSQL: ${server.reason}`;
if (skip) console.log(`# skipping the PostgreSQL write batch tests: ${skip}`);

const key = (name: string): ObjectKey => ({ resource: 'services', namespace: 'default', name });
const body = (name: string, v: string) => JSON.stringify({ metadata: { name, annotations: { v } } });

/** Reads `name` in the transaction and writes it with annotation v: what a PATCH does. */
async function patch(tx: WriteTx, name: string, v: string): Promise<void> {
  const current = await tx.get(key(name));
  assert.ok(current, `${name} exists`);
  await tx.update({ ...key(name), uid: current.uid, resourceVersion: tx.nextRevision(), body: body(name, v) });
}

describe('the PostgreSQL writer: updates of objects the batch has read', { skip }, () => {
  let db: TestDatabase;
  let admin: pg.Client;
  const opened: { store: PostgresObjectStore; pool: pg.Pool }[] = [];
  /** Round trips of the writer connection (every query it sends is one). */
  let writerQueries = 0;
  const open = async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    const connect = async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const query = c.query.bind(c) as (...args: unknown[]) => unknown;
      c.query = ((...args: unknown[]) => {
        writerQueries++;
        return query(...args);
      }) as typeof c.query;
      return c;
    };
    const store = await PostgresObjectStore.open(pool, connect, { historySize: 1000, pollInterval: 3_600_000 });
    opened.push({ store, pool });
    return store;
  };
  /** The change log's MODIFIED and DELETED rows of `name`: revision, body's v, prev_body's v. */
  const history = async (name: string) =>
    (
      await admin.query<{ revision: string; event: string; body: string; prev_body: string | null }>(
        "SELECT revision, event, body, prev_body FROM change_log WHERE name = $1 AND event <> 'ADDED' ORDER BY revision",
        [name],
      )
    ).rows.map((r) => `${r.event} ${JSON.parse(r.body).metadata.annotations.v} after ${r.prev_body && JSON.parse(r.prev_body).metadata.annotations.v}`);
  const stored = async (name: string) =>
    (await admin.query<{ body: string }>('SELECT body FROM objects WHERE name = $1', [name])).rows.map((r) => JSON.parse(r.body).metadata.annotations.v);

  before(async () => {
    if (!server.available) return;
    db = await server.createDatabase();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await migrate(admin);
  });
  after(async () => {
    for (const { store, pool } of opened) {
      await store.close();
      await pool.end();
    }
    await admin?.end();
    await db?.drop();
  });

  test('a read-then-update write costs the batch no round trip of its own, and the log keeps each previous body', async () => {
    const store = await open();
    await store.transaction((tx) => tx.insert({ ...key('a'), uid: 'uid-a', resourceVersion: tx.nextRevision(), body: body('a', '0') }));
    // The first read fills the cache from the database.
    await store.transaction((tx) => patch(tx, 'a', '1'));
    const before = writerQueries;
    for (let i = 2; i <= 11; i++) await store.transaction((tx) => patch(tx, 'a', String(i)));
    // Each write is a batch of its own here: BEGIN with the lock, then its UPDATE with the COMMIT.
    // Reading the object from the database, or waiting for the UPDATE's answer, would add one each.
    assert.equal(writerQueries - before, 2 * 10);
    assert.deepEqual(
      await history('a'),
      Array.from({ length: 11 }, (_, i) => `MODIFIED ${i + 1} after ${i}`),
    );
    assert.deepEqual(await stored('a'), ['11']);
    // What the next write reads is the last one's result, also through a get outside a write.
    assert.equal((await store.get(key('a')))?.body, body('a', '11'));
  });

  test('a write that fails after leaving its update for later leaves nothing; the rest of its batch commits', async () => {
    const store = await open();
    await store.transaction(async (tx) => {
      await tx.insert({ ...key('b1'), uid: 'uid-b1', resourceVersion: tx.nextRevision(), body: body('b1', '0') });
      await tx.insert({ ...key('b2'), uid: 'uid-b2', resourceVersion: tx.nextRevision(), body: body('b2', '0') });
    });
    for (const name of ['b1', 'b2']) await store.transaction((tx) => patch(tx, name, 'warm'));
    // While the first write commits, the others queue up and form the next batch together.
    const results = await Promise.allSettled([
      store.transaction((tx) => patch(tx, 'b1', 'first')),
      store.transaction((tx) => patch(tx, 'b1', 'second')),
      store.transaction(async (tx) => {
        await patch(tx, 'b2', 'failed');
        throw new Error('the write fails after its update');
      }),
      store.transaction(async (tx) => {
        assert.equal((await tx.get(key('b2')))?.body, body('b2', 'warm'), 'the failed write is invisible to the next');
        await patch(tx, 'b2', 'third');
      }),
      // A key the batch already wrote, written again by a write that fails: the next read in the
      // batch gets the earlier write's body, not the failed one's, nor the committed one.
      store.transaction(async (tx) => {
        await patch(tx, 'b1', 'failed');
        throw new Error('the write fails after its update');
      }),
      store.transaction(async (tx) => {
        assert.equal((await tx.get(key('b1')))?.body, body('b1', 'second'));
      }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(await history('b1'), ['MODIFIED warm after 0', 'MODIFIED first after warm', 'MODIFIED second after first']);
    assert.deepEqual(await history('b2'), ['MODIFIED warm after 0', 'MODIFIED third after warm']);
    assert.deepEqual([...(await stored('b1')), ...(await stored('b2'))], ['second', 'third']);
    // Revisions stay gapless: the failed write gave its revision back.
    const { rows } = await admin.query<{ revision: string }>('SELECT revision FROM change_log ORDER BY revision');
    const revisions = rows.map((r) => Number(r.revision));
    assert.deepEqual(
      revisions,
      revisions.map((_, i) => revisions[0] + i),
    );
  });

  test('an optimistic create that clashes in a batch with left-behind updates: the updates commit, the create is AlreadyExists', async () => {
    const store = await open();
    await store.transaction(async (tx) => {
      for (const name of ['c1', 'c2', 'taken'])
        await tx.insert({ ...key(name), uid: `uid-${name}`, resourceVersion: tx.nextRevision(), body: body(name, '0') });
    });
    for (const name of ['c1', 'c2']) await store.transaction((tx) => patch(tx, name, 'warm'));
    const create = (tx: WriteTx) => tx.insert({ ...key('taken'), uid: 'uid-other', resourceVersion: tx.nextRevision(), body: body('taken', 'clash') });
    const results = await Promise.allSettled([
      store.transaction((tx) => patch(tx, 'c1', 'first')),
      store.transaction((tx) => patch(tx, 'c1', 'before the create')),
      store.transaction(create, { replayable: true }),
      store.transaction((tx) => patch(tx, 'c2', 'after the create')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.ok((results[2] as PromiseRejectedResult).reason instanceof UniqueViolation);
    assert.deepEqual(await history('c1'), ['MODIFIED warm after 0', 'MODIFIED first after warm', 'MODIFIED before the create after first']);
    assert.deepEqual(await history('c2'), ['MODIFIED warm after 0', 'MODIFIED after the create after warm']);
    assert.deepEqual(await stored('taken'), ['0']);
  });
});
