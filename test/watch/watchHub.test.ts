// The hub's guarantees at its interface, with a real SQLite store: a sink that falls behind is
// ended without holding up anyone else, and a sink that writes while receiving (as a controller
// might) does not reorder what the other watchers see.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteObjectStore } from '../../src/storage/sqlite/objectStore.js';
import { WatchHub, type WatchEvent } from '../../src/watch/watchHub.js';
import { tempDir } from '../support/server.js';

function setup() {
  const dir = tempDir();
  const db = openDatabase(join(dir, 'hub.db'));
  const store = new SqliteObjectStore(db);
  const hub = new WatchHub(store, { bookmarkIntervalMs: 60_000 });
  // Each put commits at once (the hub hears of a write when its batch commits).
  const put = async (name: string) => {
    await store.transaction(async (tx) => {
      const rv = tx.nextRevision();
      await tx.insert({
        resource: 'things',
        namespace: 'ns',
        name,
        uid: name,
        resourceVersion: rv,
        body: JSON.stringify({ metadata: { name, resourceVersion: String(rv) } }),
      });
    });
    store.flush();
  };
  return { store, hub, put, done: () => (hub.closeAll(), db.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('a sink that cannot keep up is ended; the others keep receiving', async () => {
  const { hub, put, done } = setup();
  const fast: string[] = [];
  let slowEnded = false;
  let slowGot = 0;
  await hub.watch({ resource: 'things', kind: 'Thing', sinceRevision: 0 }, { send: () => (slowGot++, false), end: () => (slowEnded = true) });
  await hub.watch(
    { resource: 'things', kind: 'Thing', sinceRevision: 0 },
    { send: (e) => (fast.push(JSON.parse(e.object).metadata.name), true), end: () => {} },
  );
  await put('a');
  await put('b');
  assert.equal(slowEnded, true);
  assert.equal(slowGot, 1, 'nothing is sent to a stopped watcher');
  assert.deepEqual(fast, ['a', 'b']);
  assert.equal(hub.watcherCount, 1);
  done();
});

test('a sink that writes from inside send() does not reorder events for other watchers', async () => {
  const { hub, put, done } = setup();
  const seen: number[] = [];
  await hub.watch(
    { resource: 'things', kind: 'Thing', sinceRevision: 0 },
    {
      send: (e: WatchEvent) => {
        if (JSON.parse(e.object).metadata.name === 'a') void put('reaction');
        return true;
      },
      end: () => {},
    },
  );
  await hub.watch({ resource: 'things', kind: 'Thing', sinceRevision: 0 }, { send: (e) => (seen.push(e.revision), true), end: () => {} });
  await put('a');
  await put('b');
  assert.deepEqual(
    seen,
    [...seen].sort((x, y) => x - y),
  );
  assert.equal(seen.length, 3);
  done();
});

test('changes committed before a watch from revision N are replayed once, then live ones follow', async () => {
  const { hub, put, store, done } = setup();
  await put('a');
  const from = store.currentRevision();
  await put('b');
  await put('c');
  const got: string[] = [];
  await hub.watch(
    { resource: 'things', kind: 'Thing', sinceRevision: from },
    { send: (e) => (got.push(JSON.parse(e.object).metadata.name), true), end: () => {} },
  );
  await put('d');
  assert.deepEqual(got, ['b', 'c', 'd']);
  done();
});

test('watches that start together share one starting read, and each gets only what it asked for', async () => {
  const { hub, put, store, done } = setup();
  for (const name of ['apple', 'banana', 'cherry', 'date']) await put(name);
  const reads: (string[] | undefined)[] = [];
  const listPage = store.listPage.bind(store);
  store.listPage = (resource, namespace, options) => {
    reads.push(options?.containsAny);
    return listPage(resource, namespace, options);
  };
  const names = () => {
    const got: string[] = [];
    return { got, sink: { send: (e: WatchEvent) => (got.push(JSON.parse(e.object).metadata.name), true), end: () => {} } };
  };
  const a = names();
  const b = names();
  const all = names();
  await Promise.all([
    hub.watch({ resource: 'things', kind: 'Thing', initialContains: ['apple'] }, a.sink),
    hub.watch({ resource: 'things', kind: 'Thing', initialContains: ['cherry', 'date'] }, b.sink),
  ]);
  assert.equal(reads.length, 1, 'one read for both');
  assert.deepEqual(reads[0]?.sort(), ['apple', 'cherry', 'date']);
  assert.deepEqual(a.got, ['apple']);
  assert.deepEqual(b.got, ['cherry', 'date']);
  // One that wants everything makes the shared read unfiltered; the prefiltered one still gets its own.
  const c = names();
  await Promise.all([
    hub.watch({ resource: 'things', kind: 'Thing' }, all.sink),
    hub.watch({ resource: 'things', kind: 'Thing', initialContains: ['banana'] }, c.sink),
  ]);
  assert.deepEqual(reads.slice(1), [undefined]);
  assert.deepEqual(all.got, ['apple', 'banana', 'cherry', 'date']);
  assert.deepEqual(c.got, ['banana']);
  // Live events are not filtered by initialContains: every watcher sees what follows.
  await put('elderberry');
  assert.deepEqual(a.got.at(-1), 'elderberry');
  done();
});
