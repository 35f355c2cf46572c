// The hub's guarantees at its interface, with a real SQLite store: a sink that falls behind is
// ended without holding up anyone else, and a sink that writes while receiving (as a controller
// might) does not reorder what the other watchers see.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/storage/database.js';
import { ObjectStore } from '../../src/storage/objectStore.js';
import { WatchHub, type WatchEvent } from '../../src/watch/watchHub.js';
import { tempDir } from '../support/server.js';

function setup() {
  const dir = tempDir();
  const db = openDatabase(join(dir, 'hub.db'));
  const store = new ObjectStore(db);
  const hub = new WatchHub(store, { bookmarkIntervalMs: 60_000 });
  // Each put commits at once (the hub hears of a write when its batch commits).
  const put = (name: string) => {
    store.transaction((tx) => {
      const rv = tx.nextRevision();
      tx.insert({
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

test('a sink that cannot keep up is ended; the others keep receiving', () => {
  const { hub, put, done } = setup();
  const fast: string[] = [];
  let slowEnded = false;
  let slowGot = 0;
  hub.watch({ resource: 'things', kind: 'Thing', sinceRevision: 0 }, { send: () => (slowGot++, false), end: () => (slowEnded = true) });
  hub.watch({ resource: 'things', kind: 'Thing', sinceRevision: 0 }, { send: (e) => (fast.push(JSON.parse(e.object).metadata.name), true), end: () => {} });
  put('a');
  put('b');
  assert.equal(slowEnded, true);
  assert.equal(slowGot, 1, 'nothing is sent to a stopped watcher');
  assert.deepEqual(fast, ['a', 'b']);
  assert.equal(hub.watcherCount, 1);
  done();
});

test('a sink that writes from inside send() does not reorder events for other watchers', () => {
  const { hub, put, done } = setup();
  const seen: number[] = [];
  hub.watch(
    { resource: 'things', kind: 'Thing', sinceRevision: 0 },
    {
      send: (e: WatchEvent) => {
        if (JSON.parse(e.object).metadata.name === 'a') put('reaction');
        return true;
      },
      end: () => {},
    },
  );
  hub.watch({ resource: 'things', kind: 'Thing', sinceRevision: 0 }, { send: (e) => (seen.push(e.revision), true), end: () => {} });
  put('a');
  put('b');
  assert.deepEqual(
    seen,
    [...seen].sort((x, y) => x - y),
  );
  assert.equal(seen.length, 3);
  done();
});

test('changes committed before a watch from revision N are replayed once, then live ones follow', () => {
  const { hub, put, store, done } = setup();
  put('a');
  const from = store.currentRevision();
  put('b');
  put('c');
  const got: string[] = [];
  hub.watch({ resource: 'things', kind: 'Thing', sinceRevision: from }, { send: (e) => (got.push(JSON.parse(e.object).metadata.name), true), end: () => {} });
  put('d');
  assert.deepEqual(got, ['b', 'c', 'd']);
  done();
});
