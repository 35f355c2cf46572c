// SqliteObjectStore keeps recently read objects in memory. These are the ways such a cache goes
// wrong: serving a value a commit replaced, holding a write that rolled back, or hiding a
// transaction's own write from itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rollback } from '../../src/storage/objectStore.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteObjectStore } from '../../src/storage/sqlite/objectStore.js';

const key = { resource: 'services', namespace: 'default', name: 'a' };
const body = (v: string) => JSON.stringify({ metadata: { name: 'a', annotations: { v } } });

test('reads follow commits, never see rolled-back writes, and see their own transaction', async () => {
  const store = new SqliteObjectStore(openDatabase(':memory:'));
  await store.transaction((tx) => tx.insert({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('1') }));
  assert.equal((await store.get(key))?.body, body('1'), 'first read fills the cache');
  assert.equal((await store.get(key))?.body, body('1'), 'second read is served from it');

  await store.transaction((tx) => tx.update({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('2') }));
  assert.equal((await store.get(key))?.body, body('2'), 'a commit drops the cached copy');

  // A write that fails after its transaction read its own change.
  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.update({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('3') });
      assert.equal((await tx.get(key))?.body, body('3'), 'inside the transaction its own write is visible');
      throw new Rollback(null);
    }),
    Rollback,
  );
  assert.equal((await store.get(key))?.body, body('2'), 'the rolled-back value was never cached');

  const copy = (await store.get(key))!;
  copy.body = 'mutated by a caller';
  assert.equal((await store.get(key))?.body, body('2'), 'callers get copies');

  await store.transaction((tx) => tx.remove(key, tx.nextRevision(), body('2')));
  assert.equal(await store.get(key), undefined, 'a delete drops it');
});

test('inside a transaction, keys it has not written come from the cache; keys it wrote come from SQLite', async () => {
  const store = new SqliteObjectStore(openDatabase(':memory:'));
  const other = { resource: 'namespaces', namespace: '', name: 'default' };
  await store.transaction(async (tx) => {
    await tx.insert({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('1') });
    await tx.insert({ ...other, uid: 'n1', resourceVersion: tx.nextRevision(), body: '{"ns":1}' });
  });
  assert.equal((await store.get(other))?.body, '{"ns":1}');
  await store.transaction(async (tx) => {
    // Read first (cache), then written: from then on this transaction reads its own write.
    assert.equal((await tx.get(key))?.body, body('1'));
    await tx.update({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('2') });
    assert.equal((await tx.get(key))?.body, body('2'), 'its own write, not the cached copy');
    assert.equal((await tx.get(other))?.body, '{"ns":1}', 'an untouched key is the committed value');
  });
  assert.equal((await store.get(key))?.body, body('2'));
  // A rolled-back transaction that read a key while writing another leaves both right.
  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.update({ ...other, uid: 'n1', resourceVersion: tx.nextRevision(), body: '{"ns":2}' });
      assert.equal((await tx.get(other))?.body, '{"ns":2}');
      assert.equal((await tx.get(key))?.body, body('2'));
      throw new Rollback(null);
    }),
    Rollback,
  );
  assert.equal((await store.get(other))?.body, '{"ns":1}', 'the rolled-back write is not cached');
  // The next transaction starts with nothing written: the key it did not write is cached again.
  await store.transaction(async (tx) => assert.equal((await tx.get(other))?.body, '{"ns":1}'));
});
