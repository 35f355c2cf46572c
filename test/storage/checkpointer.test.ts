// The WAL checkpointer: a second connection on a worker thread copies committed pages into the
// database file, so the writer's own COMMITs never stop to do it (SQLite's automatic checkpoint
// stays only as a backstop far above what the worker leaves behind).
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { backstopPages, Checkpointer } from '../../src/storage/sqlite/checkpointer.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteObjectStore } from '../../src/storage/sqlite/objectStore.js';
import { tempDir } from '../support/server.js';

test('committed pages reach the database file through the worker, not through the writer', async () => {
  const dir = tempDir();
  const file = join(dir, 'c.db');
  const db = openDatabase(file);
  try {
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), backstopPages);
    const store = new SqliteObjectStore(db);
    const before = statSync(file).size;
    const body = 'x'.repeat(1000);
    for (let i = 0; i < 2000; i++) {
      await store.transaction((tx) =>
        tx.insert({ resource: 'services', namespace: 'default', name: `s${i}`, uid: `u${i}`, resourceVersion: tx.nextRevision(), body }),
      );
    }
    store.flush();
    // Some 4,000 pages are in the WAL, well under the backstop: the writer copied none of them.
    assert.equal(statSync(file).size, before);
    const checkpointer = new Checkpointer(file, 20);
    const deadline = Date.now() + 5000;
    while (statSync(file).size < before + 2_000_000 && Date.now() < deadline) await sleep(20);
    assert.ok(statSync(file).size >= before + 2_000_000, `the worker copied the pages (${statSync(file).size} bytes)`);
    await checkpointer.stop();
    // The writer's connection is untouched and keeps working.
    assert.equal(await store.count('services', 'default'), 2000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
