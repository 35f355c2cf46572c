// Group commit: writes made in one turn of the event loop share one SQLite transaction, each in
// its own savepoint. What must hold: nobody outside the batch (another connection, a listener,
// a reader, a waiting response) sees a write before its COMMIT; a failed write takes nothing
// else with it; a failed COMMIT takes back the whole batch, memory included.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { UniqueViolation, type Change } from '../../src/storage/objectStore.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteLoadBalancerStore } from '../../src/storage/sqlite/loadBalancerStore.js';
import { SqliteObjectStore, type ObjectStoreOptions } from '../../src/storage/sqlite/objectStore.js';
import { tempDir } from '../support/server.js';

const resource = 'things';
const put = (store: SqliteObjectStore, name: string) =>
  store.transaction(async (tx) => {
    const rv = tx.nextRevision();
    await tx.insert({
      resource,
      namespace: 'ns',
      name,
      uid: name,
      resourceVersion: rv,
      body: JSON.stringify({ metadata: { name, resourceVersion: String(rv) } }),
    });
    return rv;
  });

function setup(options: Partial<ObjectStoreOptions> = {}) {
  const dir = tempDir();
  const file = join(dir, 'gc.db');
  const db = openDatabase(file);
  const store = new SqliteObjectStore(db, { historySize: 10_000, ...options });
  const heard: Change[][] = [];
  store.onCommitted((c) => heard.push(c));
  const peer = new Database(file, { readonly: true });
  const onDisk = () => peer.prepare('SELECT name FROM objects WHERE resource = ? ORDER BY name').pluck().all(resource) as string[];
  return { db, store, heard, onDisk, done: () => (store.flush(), peer.close(), db.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('writes of one event-loop turn commit together, and nothing outside sees them before', async () => {
  const { store, heard, onDisk, done } = setup();
  await put(store, 'a');
  await put(store, 'b');
  assert.equal(store.committing, true);
  assert.deepEqual(onDisk(), [], 'another connection sees nothing before the COMMIT');
  assert.equal(heard.length, 0, 'listeners hear nothing before the COMMIT');
  let durable = false;
  const waiting = store.durable().then(() => (durable = true));
  await Promise.resolve();
  assert.equal(durable, false, 'durable() waits for the COMMIT');
  await tick();
  await waiting;
  assert.deepEqual(onDisk(), ['a', 'b']);
  assert.equal(heard.length, 1, 'one COMMIT, one notification');
  assert.deepEqual(
    heard[0].map((c) => c.name),
    ['a', 'b'],
  );
  assert.equal(store.committing, false);
  done();
});

test('a read from outside the batch commits it first', async () => {
  const { store, heard, onDisk, done } = setup();
  const rv = await put(store, 'a');
  assert.equal(store.currentRevision(), rv, 'the revision a reader is told about is committed');
  assert.deepEqual(onDisk(), ['a']);
  assert.equal(heard.length, 1);
  await put(store, 'b');
  assert.deepEqual(
    await store.list(resource),
    ['a', 'b'].map((name, i) => JSON.stringify({ metadata: { name, resourceVersion: String(rv + i) } })),
  );
  assert.deepEqual(onDisk(), ['a', 'b']);
  done();
});

test('a write that fails inside a batch leaves the others, and a later write sees the earlier ones', async () => {
  const { store, onDisk, done } = setup();
  await put(store, 'a');
  assert.equal(store.committing, true, 'the batch is still open');
  await assert.rejects(put(store, 'a'), UniqueViolation, 'the second write of a name in the batch sees the first');
  let undone = false;
  await assert.rejects(
    store.transaction(async (tx) => {
      tx.onRollback(() => (undone = true));
      await tx.insert({ resource, namespace: 'ns', name: 'c', uid: 'c', resourceVersion: tx.nextRevision(), body: '{}' });
      throw new Error('validation failed');
    }),
    /validation failed/,
  );
  assert.equal(undone, true);
  const rv = await put(store, 'b');
  assert.equal(rv, 2, 'revisions of failed writes are given back');
  await store.durable();
  assert.deepEqual(onDisk(), ['a', 'b']);
  done();
});

test('a COMMIT that fails takes back the whole batch: rows, revisions, memory, and the waiters hear why', async () => {
  const { db, store, heard, onDisk, done } = setup();
  await put(store, 'before');
  await store.durable();
  // A deferred foreign key is checked at COMMIT: the one way to make SQLite refuse a COMMIT on demand.
  db.exec(`CREATE TABLE trap_parent (id INTEGER PRIMARY KEY);
    CREATE TABLE trap (x INTEGER REFERENCES trap_parent(id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER spring AFTER INSERT ON objects WHEN NEW.name = 'doomed' BEGIN INSERT INTO trap VALUES (1); END;`);
  const start = store.currentRevision();
  const rolledBack: string[] = [];
  let committed = 0;
  for (const name of ['x', 'doomed', 'y']) {
    await store.transaction(async (tx) => {
      tx.onRollback(() => rolledBack.push(name));
      tx.onCommit(() => committed++);
      await tx.insert({ resource, namespace: 'ns', name, uid: name, resourceVersion: tx.nextRevision(), body: '{}' });
    });
  }
  assert.equal(committed, 3, 'bookkeeping follows each write as it completes, for the writes after it');
  assert.equal(store.committing, true, 'all three are in one batch');
  await assert.rejects(store.durable(), /FOREIGN KEY constraint failed/);
  assert.deepEqual(rolledBack, ['y', 'doomed', 'x'], 'undone newest first');
  assert.equal(store.currentRevision(), start);
  assert.deepEqual(onDisk(), ['before']);
  assert.equal(heard.length, 1, 'listeners never heard of the lost writes');
  assert.equal(await store.get({ resource, namespace: 'ns', name: 'x' }), undefined);
  await put(store, 'after');
  await store.durable();
  assert.deepEqual(onDisk(), ['after', 'before']);
  done();
});

test('closing the database under an open batch rolls it back instead of throwing from a timer', async () => {
  const failures: unknown[] = [];
  const { db, store, done } = setup({ onCommitError: (err) => failures.push(err) });
  await put(store, 'a');
  db.close();
  await tick();
  assert.equal(failures.length, 1);
  assert.match(String(failures[0]), /closed before the write committed/);
  done();
});

test('a write held open across turns holds back the COMMIT due meanwhile; the batch commits when it ends, without it if it failed', async () => {
  const { store, heard, onDisk, done } = setup();
  for (const fails of [false, true]) {
    const name = fails ? 'held-and-failed' : 'held';
    const before = `before-${name}`;
    await put(store, before);
    const held = store.transaction(async (tx) => {
      await tx.insert({ resource, namespace: 'ns', name, uid: name, resourceVersion: tx.nextRevision(), body: '{}' });
      // Suspended on something outside the store for several turns: the batch's flush comes due.
      await sleep(30);
      if (fails) throw new Error('gave up');
    });
    // A COMMIT now would make the open write's rows durable before it ended, and maybe it fails.
    await tick();
    await tick();
    assert.equal(store.committing, true, 'the batch waits for the open write');
    assert.ok(!onDisk().includes(before), 'nothing of the batch is committed while a write in it is open');
    const heardBefore = heard.length;
    const durable = store.durable();
    if (fails) await assert.rejects(held, /gave up/);
    else await held;
    await durable;
    assert.equal(store.committing, false, 'the batch committed once the write ended, with no read to push it');
    assert.ok(onDisk().includes(before));
    assert.equal(onDisk().includes(name), !fails);
    assert.equal(heard.length, heardBefore + 1, 'one COMMIT');
    assert.deepEqual(
      heard.at(-1)!.map((c) => c.name),
      fails ? [before] : [before, name],
    );
  }
  done();
});

test("the fake cloud's writes commit on their own, never inside the API server's batch", async () => {
  const { db, store, onDisk, done } = setup();
  const peer = new Database(db.name, { readonly: true });
  const lbs = new SqliteLoadBalancerStore(db, () => store.flush());
  await put(store, 'svc');
  assert.equal(store.committing, true);
  await lbs.insert({
    uid: 'u1',
    namespace: 'ns',
    name: 'svc',
    profile: 'aws',
    addressKind: 'hostname',
    address: 'a.example',
    ports: [],
    createdAt: 'now',
    updatedAt: 'now',
  });
  assert.equal(store.committing, false, 'the open batch was committed before the cloud wrote');
  assert.deepEqual(onDisk(), ['svc']);
  assert.equal(peer.prepare('SELECT count(*) FROM fake_cloud_load_balancers').pluck().get(), 1, 'and the cloud row is committed too');
  peer.close();
  done();
});

test('a listener that throws neither holds back the answers nor the listeners after it', async () => {
  const errors: unknown[] = [];
  const { store, done } = setup({ onListenerError: (err) => errors.push(err) });
  store.onCommitted(() => {
    throw new Error('listener bug');
  });
  const heard: string[] = [];
  store.onCommitted((c) => heard.push(...c.map((x) => x.name)));
  await put(store, 'a');
  await store.durable();
  assert.deepEqual(heard, ['a']);
  assert.match(String(errors[0]), /listener bug/);
  done();
});
