// Changes carried by NOTIFY (src/storage/postgres/objectStore.ts, notified): two replicas'
// storages on one database, with the LISTEN of storage.ts and no poll in the test's lifetime.
// A change that fits a NOTIFY reaches the other replica's listeners without a read of the change
// log; one too big to carry is read from the log; either way every change arrives once, in
// revision order, as the writer's own listeners saw it. Skips where no PostgreSQL server answers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Change } from '../../src/storage/objectStore.js';
import { openPostgresStorage, type PostgresStorage } from '../../src/storage/postgres/storage.js';
import { postgres, type TestDatabase } from '../support/postgres.js';

const server = await postgres();
const skip = server.available ? false : `no PostgreSQL: ${server.reason}`;
if (skip) console.log(`# skipping the PostgreSQL NOTIFY tests: ${skip}`);

/** Reads of the change log by any store in this process (the feed's tail). */
let logReads = 0;
const query = pg.Pool.prototype.query as (...args: unknown[]) => unknown;
pg.Pool.prototype.query = function (this: pg.Pool, ...args: unknown[]) {
  const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
  if (text?.includes('FROM change_log WHERE revision > $1 AND revision <= $2')) logReads++;
  return query.apply(this, args);
} as typeof pg.Pool.prototype.query;

const key = (name: string) => ({ resource: 'services', namespace: 'default', name });
const body = (name: string, v: string) => JSON.stringify({ metadata: { name, annotations: { v } } });

/** Changes as a listener saw them, without the object identity. */
const seen = (changes: Change[]) =>
  changes.map((c) => `${c.revision} ${c.event} ${c.name} ${c.body.length} ${c.body.slice(0, 60)} | ${c.prevBody?.slice(0, 60) ?? '-'}`);

describe('changes carried by NOTIFY between two replicas', { skip }, () => {
  let db: TestDatabase;
  const opened: PostgresStorage[] = [];
  const open = async () => {
    const storage = await openPostgresStorage(db.url, { historySize: 1000, pollInterval: 3_600_000 });
    opened.push(storage);
    return storage.store;
  };
  before(async () => {
    if (server.available) db = await server.createDatabase();
  });
  after(async () => {
    for (const s of opened) await s.close();
    await db?.drop();
  });

  test('small changes reach the other replica without a read of the change log; a big one is read from it; all in order, once', async () => {
    const a = await open();
    const b = await open();
    const onA: Change[] = [];
    const onB: Change[] = [];
    a.onCommitted((c) => onA.push(...c));
    b.onCommitted((c) => onB.push(...c));
    // The read each store makes once it listens.
    await new Promise((r) => setTimeout(r, 200));
    const before = logReads;

    const insert = (name: string, v: string) =>
      a.transaction(async (tx) => {
        await tx.insert({ ...key(name), uid: `uid-${name}`, resourceVersion: tx.nextRevision(), body: body(name, v) });
      });
    const update = (name: string, v: string) =>
      a.transaction(async (tx) => {
        await tx.update({ ...key(name), uid: `uid-${name}`, resourceVersion: tx.nextRevision(), body: body(name, v) });
      });
    await insert('one', '1');
    await update('one', '2');
    // Two changes in one transaction: two NOTIFYs, in order.
    await a.transaction(async (tx) => {
      await tx.insert({ ...key('two'), uid: 'uid-two', resourceVersion: tx.nextRevision(), body: body('two', '1') });
      await tx.update({ ...key('one'), uid: 'uid-one', resourceVersion: tx.nextRevision(), body: body('one', 'quote " backslash \\ é') });
    });
    await a.transaction(async (tx) => {
      await tx.remove(key('two'), tx.nextRevision(), body('two', 'gone'));
    });
    const small = a.currentRevision();
    while (b.currentRevision() < small) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(seen(onB), seen(onA));
    assert.equal(onB.length, 5);
    assert.equal(logReads, before, 'no read of the change log for changes a NOTIFY carried');

    // Over a NOTIFY's 8,000 bytes: only its revision is sent, and B reads the change.
    await update('one', 'x'.repeat(9000));
    await update('one', '3');
    const last = a.currentRevision();
    while (b.currentRevision() < last) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(seen(onB), seen(onA));
    assert.equal(onB.length, 7);
    assert.ok(onB[5].body.length > 9000);
    assert.ok(logReads > before, 'the big change was read from the change log');
  });
});
