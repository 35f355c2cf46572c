// ObjectStore keeps recently read objects in memory. These are the ways such a cache goes
// wrong: serving a value a commit replaced, holding a write that rolled back, or hiding a
// transaction's own write from itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../../src/storage/database.js';
import { ObjectStore, Rollback } from '../../src/storage/objectStore.js';

const key = { resource: 'services', namespace: 'default', name: 'a' };
const body = (v: string) => JSON.stringify({ metadata: { name: 'a', annotations: { v } } });

test('reads follow commits, never see rolled-back writes, and see their own transaction', () => {
  const store = new ObjectStore(openDatabase(':memory:'));
  store.transaction((tx) => tx.insert({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('1') }));
  assert.equal(store.get(key)?.body, body('1'), 'first read fills the cache');
  assert.equal(store.get(key)?.body, body('1'), 'second read is served from it');

  store.transaction((tx) => tx.update({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('2') }));
  assert.equal(store.get(key)?.body, body('2'), 'a commit drops the cached copy');

  // A write that fails after its transaction read its own change.
  assert.throws(
    () =>
      store.transaction((tx) => {
        tx.update({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('3') });
        assert.equal(store.get(key)?.body, body('3'), 'inside the transaction its own write is visible');
        throw new Rollback(null);
      }),
    Rollback,
  );
  assert.equal(store.get(key)?.body, body('2'), 'the rolled-back value was never cached');

  const copy = store.get(key)!;
  copy.body = 'mutated by a caller';
  assert.equal(store.get(key)?.body, body('2'), 'callers get copies');

  store.transaction((tx) => tx.remove(key, tx.nextRevision(), body('2')));
  assert.equal(store.get(key), undefined, 'a delete drops it');
});

test('inside a transaction, keys it has not written come from the cache; keys it wrote come from SQLite', () => {
  const store = new ObjectStore(openDatabase(':memory:'));
  const other = { resource: 'namespaces', namespace: '', name: 'default' };
  store.transaction((tx) => {
    tx.insert({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('1') });
    tx.insert({ ...other, uid: 'n1', resourceVersion: tx.nextRevision(), body: '{"ns":1}' });
  });
  assert.equal(store.get(other)?.body, '{"ns":1}');
  store.transaction((tx) => {
    // Read first (cache), then written: from then on this transaction reads its own write.
    assert.equal(store.get(key)?.body, body('1'));
    tx.update({ ...key, uid: 'u1', resourceVersion: tx.nextRevision(), body: body('2') });
    assert.equal(store.get(key)?.body, body('2'), 'its own write, not the cached copy');
    assert.equal(store.get(other)?.body, '{"ns":1}', 'an untouched key is the committed value');
  });
  assert.equal(store.get(key)?.body, body('2'));
  // A rolled-back transaction that read a key while writing another leaves both right.
  assert.throws(
    () =>
      store.transaction((tx) => {
        tx.update({ ...other, uid: 'n1', resourceVersion: tx.nextRevision(), body: '{"ns":2}' });
        assert.equal(store.get(other)?.body, '{"ns":2}');
        assert.equal(store.get(key)?.body, body('2'));
        throw new Rollback(null);
      }),
    Rollback,
  );
  assert.equal(store.get(other)?.body, '{"ns":1}', 'the rolled-back write is not cached');
  // The next transaction starts with nothing written: the key it did not write is cached again.
  store.transaction(() => assert.equal(store.get(other)?.body, '{"ns":1}'));
});
