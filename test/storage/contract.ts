// The storage contract: what any dialect of the object store must do, checked through its public
// methods only. sqliteContract.test.ts runs it against SQLite (a file and :memory:); another
// database's dialect runs the same suite against itself. Nothing here may know which database
// is underneath: no SQL, no driver, no peeking at tables.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompactedError, Rollback, UniqueViolation, type Change, type ObjectStore } from '../../src/storage/objectStore.js';

/** The object store's public surface: a dialect's store must have these, with these meanings. */
export type ContractStore = ObjectStore;

/** What the suite asks of a dialect's store when it opens one; each dialect has its own options beyond these. */
export interface ContractOptions {
  /** How many change-log rows to keep for watchers that resume from a resourceVersion. */
  historySize: number;
}

export interface ContractHandle {
  store: ContractStore;
  /** Commits what is pending and releases the database. */
  close(): void | Promise<void>;
  /** Closes, then opens the same data again: absent for a store that does not outlive its handle (:memory:). */
  reopen?(): ContractHandle | Promise<ContractHandle>;
}

export type OpenForContract = (options: ContractOptions) => ContractHandle | Promise<ContractHandle>;

const R = 'widgets';
const OTHER = 'gadgets';

interface Doc {
  metadata: { namespace: string; name: string; resourceVersion: string };
  spec?: Record<string, unknown>;
}

const bodyOf = (namespace: string, name: string, rv: number, spec: Record<string, unknown> = {}) =>
  JSON.stringify({ metadata: { namespace, name, resourceVersion: String(rv) }, spec } satisfies Doc);
const nameOf = (body: string) => (JSON.parse(body) as Doc).metadata.name;
const keyOf = (body: string) => {
  const { namespace, name } = (JSON.parse(body) as Doc).metadata;
  return `${namespace}/${name}`;
};

/** The change log of R from the start, checked to have no gaps between revisions. */
async function gaplessLog(store: ContractStore): Promise<Change[]> {
  const log = await store.changesSince(R, 0);
  assert.deepEqual(
    log.map((c) => c.revision),
    log.map((_, i) => i + 1),
    'revisions without gaps',
  );
  return log;
}

function create(store: ContractStore, namespace: string, name: string, spec: Record<string, unknown> = {}, resource = R): Promise<number> {
  return store.transaction(async (tx) => {
    const rv = tx.nextRevision();
    await tx.insert({ resource, namespace, name, uid: `uid-${namespace}-${name}`, resourceVersion: rv, body: bodyOf(namespace, name, rv, spec) });
    return rv;
  });
}

function modify(store: ContractStore, namespace: string, name: string, spec: Record<string, unknown>, resource = R): Promise<number> {
  return store.transaction(async (tx) => {
    const rv = tx.nextRevision();
    await tx.update({ resource, namespace, name, uid: `uid-${namespace}-${name}`, resourceVersion: rv, body: bodyOf(namespace, name, rv, spec) });
    return rv;
  });
}

function destroy(store: ContractStore, namespace: string, name: string, resource = R): Promise<number> {
  return store.transaction(async (tx) => {
    const rv = tx.nextRevision();
    await tx.remove({ resource, namespace, name }, rv, bodyOf(namespace, name, rv, { deleted: true }));
    return rv;
  });
}

const allocationRow = (pool: string, value: string, name: string) => ({ pool, value, resource: R, namespace: 'ns', name, uid: `uid-${name}` });

/** Every page of a paged list, following `more` until the store says nothing follows. */
async function allPages(store: ContractStore, namespace: string | undefined, options: Parameters<ContractStore['listPage']>[2] = {}) {
  const pages = [];
  let after: { namespace: string; name: string } | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await store.listPage(R, namespace, { ...options, after });
    pages.push(page);
    if (!page.more) return pages;
    after = page.more;
  }
  throw new Error('listPage never stopped returning more');
}

/** A promise and the function that settles it: a transaction can be held open on it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Whether a promise has settled yet (after letting other timers and I/O run for a while). */
async function settledWithin<T>(promise: Promise<T>, ms = 30): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return settled;
}

export function runStorageContract(name: string, open: OpenForContract): void {
  describe(`storage contract: ${name}`, () => {
    /** Runs `fn` on a fresh store and closes it whatever happens. */
    const withStore = (fn: (store: ContractStore, handle: ContractHandle, t: TestContext) => Promise<void>, options: Partial<ContractOptions> = {}) => {
      return async (t: TestContext) => {
        const handle = await open({ historySize: 10_000, ...options });
        try {
          await fn(handle.store, handle, t);
        } finally {
          await handle.close();
        }
      };
    };

    test(
      'a fresh store is empty at revision 0',
      withStore(async (store) => {
        assert.equal(store.currentRevision(), 0);
        assert.equal(store.compactedRevision(), 0);
        assert.equal(await store.get({ resource: R, namespace: 'ns', name: 'a' }), undefined);
        assert.deepEqual(await store.list(R), []);
        assert.equal(await store.count(R, 'ns'), 0);
        assert.deepEqual(await store.listPage(R, undefined), { bodies: [], revision: 0 });
        assert.deepEqual(await store.changesSince(R, 0), []);
        assert.deepEqual(await store.allocationPools(), []);
      }),
    );

    test(
      'insert then get returns the object as stored, under its full key only',
      withStore(async (store) => {
        const rv = await create(store, 'ns', 'a', { x: 1 });
        assert.equal(rv, 1);
        assert.deepEqual(await store.get({ resource: R, namespace: 'ns', name: 'a' }), {
          resource: R,
          namespace: 'ns',
          name: 'a',
          uid: 'uid-ns-a',
          resourceVersion: 1,
          body: bodyOf('ns', 'a', 1, { x: 1 }),
        });
        assert.equal(await store.get({ resource: R, namespace: 'other', name: 'a' }), undefined, 'another namespace');
        assert.equal(await store.get({ resource: OTHER, namespace: 'ns', name: 'a' }), undefined, 'another resource');
        assert.equal(await store.get({ resource: R, namespace: 'ns', name: 'A' }), undefined, 'names are case-sensitive');
        assert.equal(store.currentRevision(), 1);
      }),
    );

    test(
      'get hands out a copy: changing it changes nothing stored',
      withStore(async (store) => {
        await create(store, 'ns', 'a');
        // Twice: a store with a read cache may hand the first read out fresh and the next from the cache.
        for (let i = 0; i < 2; i++) {
          const got = (await store.get({ resource: R, namespace: 'ns', name: 'a' }))!;
          got.body = 'scribbled';
          got.resourceVersion = 99;
        }
        const again = (await store.get({ resource: R, namespace: 'ns', name: 'a' }))!;
        assert.equal(again.body, bodyOf('ns', 'a', 1));
        assert.equal(again.resourceVersion, 1);
      }),
    );

    test(
      'revisions increase by one per reservation, in commit order, across resources',
      withStore(async (store) => {
        const seen: number[] = [];
        seen.push(await create(store, 'ns', 'a'));
        seen.push(await create(store, 'ns', 'x', {}, OTHER));
        const pair = await store.transaction(async (tx) => {
          const first = tx.nextRevision();
          const second = tx.nextRevision();
          await tx.insert({ resource: R, namespace: 'ns', name: 'b', uid: 'b', resourceVersion: first, body: bodyOf('ns', 'b', first) });
          await tx.insert({ resource: R, namespace: 'ns', name: 'c', uid: 'c', resourceVersion: second, body: bodyOf('ns', 'c', second) });
          return [first, second];
        });
        seen.push(...pair);
        seen.push(await modify(store, 'ns', 'a', { v: 2 }));
        seen.push(await destroy(store, 'ns', 'b'));
        assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
        assert.equal(store.currentRevision(), 6);
        assert.deepEqual(
          (await store.changesSince(R, 0)).map((c) => [c.revision, c.event, c.name]),
          [
            [1, 'ADDED', 'a'],
            [3, 'ADDED', 'b'],
            [4, 'ADDED', 'c'],
            [5, 'MODIFIED', 'a'],
            [6, 'DELETED', 'b'],
          ],
        );
        assert.deepEqual(
          (await store.changesSince(OTHER, 0)).map((c) => c.revision),
          [2],
        );
      }),
    );

    test(
      'update replaces uid, resourceVersion and body; remove makes the key free again',
      withStore(async (store) => {
        await create(store, 'ns', 'a', { v: 1 });
        const rv = await store.transaction(async (tx) => {
          const next = tx.nextRevision();
          await tx.update({ resource: R, namespace: 'ns', name: 'a', uid: 'new-uid', resourceVersion: next, body: bodyOf('ns', 'a', next, { v: 2 }) });
          return next;
        });
        assert.deepEqual(await store.get({ resource: R, namespace: 'ns', name: 'a' }), {
          resource: R,
          namespace: 'ns',
          name: 'a',
          uid: 'new-uid',
          resourceVersion: rv,
          body: bodyOf('ns', 'a', rv, { v: 2 }),
        });
        await destroy(store, 'ns', 'a');
        assert.equal(await store.get({ resource: R, namespace: 'ns', name: 'a' }), undefined);
        assert.equal(await store.count(R, 'ns'), 0);
        const again = await create(store, 'ns', 'a', { v: 3 });
        assert.equal((await store.get({ resource: R, namespace: 'ns', name: 'a' }))?.resourceVersion, again);
      }),
    );

    test(
      'the change log keeps each change with the body before it',
      withStore(async (store) => {
        await create(store, 'ns', 'a', { v: 1 });
        await modify(store, 'ns', 'a', { v: 2 });
        const deleted = await destroy(store, 'ns', 'a');
        const changes = await store.changesSince(R, 0);
        assert.deepEqual(changes, [
          { resource: R, namespace: 'ns', name: 'a', revision: 1, event: 'ADDED', body: bodyOf('ns', 'a', 1, { v: 1 }), prevBody: null },
          {
            resource: R,
            namespace: 'ns',
            name: 'a',
            revision: 2,
            event: 'MODIFIED',
            body: bodyOf('ns', 'a', 2, { v: 2 }),
            prevBody: bodyOf('ns', 'a', 1, { v: 1 }),
          },
          {
            resource: R,
            namespace: 'ns',
            name: 'a',
            revision: 3,
            event: 'DELETED',
            body: bodyOf('ns', 'a', deleted, { deleted: true }),
            prevBody: bodyOf('ns', 'a', 2, { v: 2 }),
          },
        ]);
        assert.deepEqual(
          (await store.changesSince(R, 1)).map((c) => c.revision),
          [2, 3],
          'strictly after the revision given',
        );
        assert.deepEqual(await store.changesSince(R, 3), []);
        assert.deepEqual(await store.changesSince(OTHER, 0), [], 'one resource only');
      }),
    );

    test(
      'a duplicate object is a UniqueViolation of the object, and its transaction leaves nothing',
      withStore(async (store) => {
        await create(store, 'ns', 'a', { v: 1 });
        await assert.rejects(
          store.transaction(async (tx) => {
            const rv = tx.nextRevision();
            await tx.insert({ resource: R, namespace: 'ns', name: 'b', uid: 'b', resourceVersion: rv, body: bodyOf('ns', 'b', rv) });
            await tx.allocate(allocationRow('pool', '1', 'b'));
            const dup = tx.nextRevision();
            await tx.insert({ resource: R, namespace: 'ns', name: 'a', uid: 'other', resourceVersion: dup, body: bodyOf('ns', 'a', dup, { v: 9 }) });
          }),
          (err: unknown) => err instanceof UniqueViolation && err.what === 'object',
        );
        assert.equal(store.currentRevision(), 1);
        assert.equal(await store.get({ resource: R, namespace: 'ns', name: 'b' }), undefined);
        assert.equal((await store.get({ resource: R, namespace: 'ns', name: 'a' }))?.body, bodyOf('ns', 'a', 1, { v: 1 }));
        assert.equal(await store.allocation('pool', '1'), undefined);
        assert.deepEqual(
          (await store.changesSince(R, 0)).map((c) => c.name),
          ['a'],
        );
        // The same name is free in another namespace and another resource.
        await create(store, 'other', 'a');
        await create(store, 'ns', 'a', {}, OTHER);
        assert.equal(store.currentRevision(), 3);
      }),
    );

    test(
      'a duplicate allocation is a UniqueViolation of the allocation; the value is per pool',
      withStore(async (store) => {
        await store.transaction((tx) => tx.allocate(allocationRow('ips', '10.0.0.1', 'a')));
        await assert.rejects(
          store.transaction((tx) => tx.allocate(allocationRow('ips', '10.0.0.1', 'b'))),
          (err: unknown) => err instanceof UniqueViolation && err.what === 'allocation',
        );
        assert.deepEqual(await store.allocation('ips', '10.0.0.1'), allocationRow('ips', '10.0.0.1', 'a'), 'the first holder keeps it');
        await store.transaction((tx) => tx.allocate(allocationRow('ports', '10.0.0.1', 'b')));
        assert.deepEqual(await store.allocatedValues('ips'), ['10.0.0.1']);
        assert.deepEqual(await store.allocations('ports'), [allocationRow('ports', '10.0.0.1', 'b')]);
        assert.deepEqual([...(await store.allocationPools())].sort(), ['ips', 'ports']);
        assert.equal(await store.allocation('ips', '10.0.0.2'), undefined);
        assert.equal(store.currentRevision(), 0, 'allocations take no revision');
        assert.deepEqual(await store.changesSince(R, 0), [], 'and no change-log row');
      }),
    );

    test(
      'a replayable write that takes a held value ends as if every allocation had been checked at once; its first attempt leaves nothing',
      withStore(async (store) => {
        await store.transaction((tx) => tx.allocate(allocationRow('ips', '1', 'a')));
        const rolledBack: string[] = [];
        let attempts = 0;
        // An allocator whose memory missed that '1' is held (another replica took it).
        const rv = await store.transaction(
          async (tx) => {
            attempts++;
            let value = '1';
            try {
              await tx.allocate(allocationRow('ips', value, 'b'));
            } catch (err) {
              if (!(err instanceof UniqueViolation)) throw err;
              value = '2';
              await tx.allocate(allocationRow('ips', value, 'b'));
            }
            tx.onRollback(() => rolledBack.push(value));
            const revision = tx.nextRevision();
            await tx.insert({
              resource: R,
              namespace: 'ns',
              name: 'b',
              uid: 'uid-b',
              resourceVersion: revision,
              body: bodyOf('ns', 'b', revision, { ip: value }),
            });
            return revision;
          },
          { replayable: true },
        );
        assert.ok(attempts === 1 || attempts === 2, `${attempts} attempts`);
        assert.deepEqual(rolledBack, attempts === 2 ? ['1'] : [], 'a replayed attempt rolls back its hooks');
        assert.equal(rv, 1, 'the replay takes the revision the first attempt gave back');
        assert.deepEqual(await store.allocations('ips'), [allocationRow('ips', '1', 'a'), allocationRow('ips', '2', 'b')]);
        assert.deepEqual(JSON.parse((await store.get({ resource: R, namespace: 'ns', name: 'b' }))!.body).spec, { ip: '2' });
        assert.deepEqual(
          (await store.changesSince(R, 0)).map((c) => [c.revision, c.name]),
          [[1, 'b']],
        );
        // A replayable write that fails for its own reasons fails once, with its own error.
        await assert.rejects(
          store.transaction(
            async (tx) => {
              await tx.allocate(allocationRow('ips', '3', 'c'));
              throw new Error('invalid');
            },
            { replayable: true },
          ),
          /invalid/,
        );
        assert.equal(await store.allocation('ips', '3'), undefined);
      }),
    );

    test(
      'replayable writes sent together, with clashes, a dry run and a strict write among them, answer as one at a time would',
      withStore(async (store) => {
        await create(store, 'ns', 'taken');
        const committed: Change[] = [];
        store.onCommitted((cs) => committed.push(...cs));
        let n = 0;
        const replayable = (name: string, dry = false) => {
          const ip = `ip-${n++}`;
          return store.transaction(
            async (tx) => {
              await tx.allocate(allocationRow('ips', ip, name));
              const rv = tx.nextRevision();
              try {
                await tx.insert({ resource: R, namespace: 'ns', name, uid: `uid-${name}`, resourceVersion: rv, body: bodyOf('ns', name, rv, { ip }) });
              } catch (err) {
                throw err instanceof UniqueViolation ? new Error(`exists: ${name}`) : err;
              }
              if (dry) throw new Rollback(`dry ${name}`);
              return rv;
            },
            { replayable: true },
          );
        };
        const outcomes = await Promise.allSettled([
          replayable('a'),
          replayable('taken'),
          replayable('b'),
          modify(store, 'ns', 'taken', { v: 2 }),
          replayable('c'),
          replayable('a'),
          replayable('d', true),
          replayable('taken', true),
          replayable('e'),
        ]);
        const said = outcomes.map((o) =>
          o.status === 'fulfilled' ? 'ok' : o.reason instanceof Rollback ? String(o.reason.value) : (o.reason as Error).message,
        );
        assert.deepEqual(said, ['ok', 'exists: taken', 'ok', 'ok', 'ok', 'exists: a', 'dry d', 'exists: taken', 'ok']);
        const log = await gaplessLog(store);
        assert.deepEqual(
          log.map((c) => `${c.event} ${c.name}`),
          ['ADDED taken', 'ADDED a', 'ADDED b', 'MODIFIED taken', 'ADDED c', 'ADDED e'],
        );
        assert.deepEqual(
          committed.filter((c) => c.revision > 1).map((c) => c.revision),
          [2, 3, 4, 5, 6],
          'listeners get each committed change once, in order',
        );
        assert.equal(store.currentRevision(), 6);
        assert.deepEqual(
          (await store.allocations('ips')).map((r) => `${r.value} ${r.name}`),
          ['ip-0 a', 'ip-2 b', 'ip-3 c', 'ip-7 e'],
        );
        for (const [name, rv] of [
          ['a', 2],
          ['b', 3],
          ['c', 5],
          ['e', 6],
        ] as const) {
          assert.equal((await store.get({ resource: R, namespace: 'ns', name }))?.resourceVersion, rv, name);
        }
        assert.equal(await store.get({ resource: R, namespace: 'ns', name: 'd' }), undefined);
      }),
    );

    test(
      'replayable updates sent together with creates that clash answer as one at a time would, each change carrying the body it replaced',
      withStore(async (store) => {
        await create(store, 'ns', 'x', { v: 0 });
        await create(store, 'ns', 'taken', { v: 0 });
        const committed: Change[] = [];
        store.onCommitted((cs) => committed.push(...cs));
        const key = (name: string) => ({ resource: R, namespace: 'ns', name });
        // A patch: read, change, write; it may run twice, from what it reads.
        const bump = (name: string, v: number) =>
          store.transaction(
            async (tx) => {
              const current = await tx.get(key(name));
              if (!current) throw new Error(`missing: ${name}`);
              const rv = tx.nextRevision();
              await tx.update({ ...current, resourceVersion: rv, body: bodyOf('ns', name, rv, { v }) });
              return rv;
            },
            { replayable: true },
          );
        const make = (name: string) =>
          store.transaction(
            async (tx) => {
              const rv = tx.nextRevision();
              try {
                await tx.insert({ ...key(name), uid: `uid-ns-${name}`, resourceVersion: rv, body: bodyOf('ns', name, rv, { v: 0 }) });
              } catch (err) {
                throw err instanceof UniqueViolation ? new Error(`exists: ${name}`) : err;
              }
              return rv;
            },
            { replayable: true },
          );
        const outcomes = await Promise.allSettled([
          bump('x', 1),
          make('taken'),
          bump('x', 2),
          make('y'),
          bump('y', 3),
          bump('taken', 4),
          bump('x', 5),
          bump('z', 6),
        ]);
        const said = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : (o.reason as Error).message));
        assert.deepEqual(said, ['ok', 'exists: taken', 'ok', 'ok', 'ok', 'ok', 'ok', 'missing: z']);
        const log = await gaplessLog(store);
        assert.deepEqual(
          log.slice(2).map((c) => `${c.event} ${c.name} ${JSON.stringify((JSON.parse(c.body) as Doc).spec)}`),
          ['MODIFIED x {"v":1}', 'MODIFIED x {"v":2}', 'ADDED y {"v":0}', 'MODIFIED y {"v":3}', 'MODIFIED taken {"v":4}', 'MODIFIED x {"v":5}'],
        );
        // Each change's previous body is the body of that object's change before it.
        const last = new Map<string, string>();
        for (const c of log) {
          if (c.event === 'MODIFIED') assert.equal(c.prevBody, last.get(c.name), `the body before revision ${c.revision}`);
          last.set(c.name, c.body);
        }
        assert.deepEqual(
          committed.filter((c) => c.revision > 2).map((c) => `${c.revision} ${c.prevBody === (log[c.revision - 1]?.prevBody ?? null)}`),
          [3, 4, 5, 6, 7, 8].map((r) => `${r} true`),
          'listeners get each change once, in order, as the log has it',
        );
        for (const [name, rv, v] of [
          ['x', 8, 5],
          ['y', 6, 3],
          ['taken', 7, 4],
        ] as const) {
          const stored = await store.get(key(name));
          assert.equal(stored?.resourceVersion, rv, name);
          assert.deepEqual((JSON.parse(stored!.body) as Doc).spec, { v }, name);
        }
      }),
    );

    test(
      'release frees a value only for the uid that holds it',
      withStore(async (store) => {
        await store.transaction((tx) => tx.allocate(allocationRow('ips', '1', 'a')));
        assert.equal(await store.transaction((tx) => tx.release('ips', '1', 'uid-b')), false, 'not the holder');
        assert.equal(await store.transaction((tx) => tx.release('ports', '1', 'uid-a')), false, 'not that pool');
        assert.equal((await store.allocation('ips', '1'))?.uid, 'uid-a');
        assert.equal(await store.transaction((tx) => tx.release('ips', '1', 'uid-a')), true);
        assert.equal(await store.allocation('ips', '1'), undefined);
        assert.equal(await store.transaction((tx) => tx.release('ips', '1', 'uid-a')), false, 'already free');
        await store.transaction((tx) => tx.allocate(allocationRow('ips', '1', 'b')));
        assert.equal((await store.allocation('ips', '1'))?.uid, 'uid-b', 'a freed value can be taken again');
      }),
    );

    test(
      'a throw rolls back objects, change log, allocations and revision, and the error comes out as is',
      withStore(async (store) => {
        await create(store, 'ns', 'keep', { v: 1 });
        await create(store, 'ns', 'doomed');
        await store.transaction((tx) => tx.allocate(allocationRow('ips', 'held', 'keep')));
        await store.durable();
        const heard: Change[] = [];
        store.onCommitted((c) => heard.push(...c));
        const boom = new Error('boom');
        await assert.rejects(
          store.transaction(async (tx) => {
            let rv = tx.nextRevision();
            await tx.insert({ resource: R, namespace: 'ns', name: 'new', uid: 'n', resourceVersion: rv, body: bodyOf('ns', 'new', rv) });
            rv = tx.nextRevision();
            await tx.update({ resource: R, namespace: 'ns', name: 'keep', uid: 'uid-ns-keep', resourceVersion: rv, body: bodyOf('ns', 'keep', rv, { v: 2 }) });
            rv = tx.nextRevision();
            await tx.remove({ resource: R, namespace: 'ns', name: 'doomed' }, rv, bodyOf('ns', 'doomed', rv));
            await tx.allocate(allocationRow('ips', 'fresh', 'new'));
            assert.equal(await tx.release('ips', 'held', 'uid-keep'), true);
            throw boom;
          }),
          (err: unknown) => err === boom,
        );
        assert.equal(store.currentRevision(), 2);
        assert.equal(await store.get({ resource: R, namespace: 'ns', name: 'new' }), undefined);
        assert.equal((await store.get({ resource: R, namespace: 'ns', name: 'keep' }))?.body, bodyOf('ns', 'keep', 1, { v: 1 }));
        assert.equal((await store.get({ resource: R, namespace: 'ns', name: 'doomed' }))?.resourceVersion, 2);
        assert.deepEqual((await store.list(R)).map(nameOf), ['doomed', 'keep']);
        assert.equal(await store.allocation('ips', 'fresh'), undefined);
        assert.equal((await store.allocation('ips', 'held'))?.uid, 'uid-keep');
        assert.deepEqual(await store.changesSince(R, 2), []);
        await store.durable();
        assert.deepEqual(heard, [], 'listeners hear nothing of it');
        assert.equal(await create(store, 'ns', 'next'), 3, 'the rolled-back revisions are handed out again');
      }),
    );

    test(
      'Rollback comes out of the transaction carrying its value, and nothing is written',
      withStore(async (store) => {
        const heard: Change[] = [];
        store.onCommitted((c) => heard.push(...c));
        const rolledBack: string[] = [];
        let caught: unknown;
        try {
          await store.transaction(async (tx) => {
            const rv = tx.nextRevision();
            await tx.insert({ resource: R, namespace: 'ns', name: 'dry', uid: 'd', resourceVersion: rv, body: bodyOf('ns', 'dry', rv) });
            await tx.allocate(allocationRow('ips', '1', 'dry'));
            tx.onRollback(() => rolledBack.push('hook'));
            throw new Rollback({ answer: rv });
          });
        } catch (err) {
          caught = err;
        }
        assert.ok(caught instanceof Rollback, `expected a Rollback, got ${String(caught)}`);
        assert.deepEqual(caught.value, { answer: 1 });
        assert.deepEqual(rolledBack, ['hook']);
        assert.equal(await store.get({ resource: R, namespace: 'ns', name: 'dry' }), undefined);
        assert.equal(await store.allocation('ips', '1'), undefined);
        assert.equal(store.currentRevision(), 0);
        assert.deepEqual(await store.changesSince(R, 0), []);
        await store.durable();
        assert.deepEqual(heard, []);
      }),
    );

    test(
      'onCommit hooks run once the write succeeds, onRollback hooks (last first) once it fails',
      withStore(async (store) => {
        const calls: string[] = [];
        await store.transaction(async (tx) => {
          tx.onCommit(() => calls.push('commit 1'));
          tx.onCommit(() => calls.push('commit 2'));
          tx.onRollback(() => calls.push('rollback'));
          await Promise.resolve();
          assert.deepEqual(calls, [], 'not while the transaction runs');
        });
        assert.deepEqual(calls, ['commit 1', 'commit 2']);
        calls.length = 0;
        await assert.rejects(
          store.transaction(async (tx) => {
            tx.onCommit(() => calls.push('commit'));
            tx.onRollback(() => calls.push('rollback 1'));
            tx.onRollback(() => calls.push('rollback 2'));
            throw new Error('fail');
          }),
          /fail/,
        );
        assert.deepEqual(calls, ['rollback 2', 'rollback 1']);
      }),
    );

    // Transactions run one at a time. One whose function is suspended on something outside the
    // store (a timer here; a network call in a dialect's hook) holds back the next until it ends.
    test(
      'a transaction started while another is open waits for it to end, then runs; revisions follow that order',
      withStore(async (store) => {
        const heard: Change[] = [];
        store.onCommitted((c) => heard.push(...c));
        const order: string[] = [];
        const first = store.transaction(async (tx) => {
          order.push('first begins');
          const rv = tx.nextRevision();
          await tx.insert({ resource: R, namespace: 'ns', name: 'first', uid: 'f', resourceVersion: rv, body: bodyOf('ns', 'first', rv) });
          await sleep(30);
          order.push('first ends');
          return rv;
        });
        const second = store.transaction(async (tx) => {
          order.push('second begins');
          assert.equal((await tx.get({ resource: R, namespace: 'ns', name: 'first' }))?.resourceVersion, 1, "the first transaction's write is there");
          const rv = tx.nextRevision();
          await tx.insert({ resource: R, namespace: 'ns', name: 'second', uid: 's', resourceVersion: rv, body: bodyOf('ns', 'second', rv) });
          order.push('second ends');
          return rv;
        });
        assert.deepEqual(await Promise.all([first, second]), [1, 2]);
        assert.deepEqual(order, ['first begins', 'first ends', 'second begins', 'second ends']);
        assert.deepEqual(
          (await store.changesSince(R, 0)).map((c) => [c.revision, c.name]),
          [
            [1, 'first'],
            [2, 'second'],
          ],
        );
        await store.durable();
        assert.deepEqual(
          heard.map((c) => [c.revision, c.name]),
          [
            [1, 'first'],
            [2, 'second'],
          ],
        );
      }),
    );

    test(
      'a transaction waiting on one that then fails runs after it, on the state from before it',
      withStore(async (store) => {
        await create(store, 'ns', 'a', { v: 1 });
        const calls: string[] = [];
        const failing = store.transaction(async (tx) => {
          tx.onRollback(() => calls.push('first rolled back'));
          const rv = tx.nextRevision();
          await tx.update({ resource: R, namespace: 'ns', name: 'a', uid: 'uid-ns-a', resourceVersion: rv, body: bodyOf('ns', 'a', rv, { v: 2 }) });
          await sleep(30);
          throw new Error('changed its mind');
        });
        const waiting = store.transaction(async (tx) => {
          calls.push('second begins');
          const seen = (await tx.get({ resource: R, namespace: 'ns', name: 'a' }))?.body;
          const rv = tx.nextRevision();
          await tx.insert({ resource: R, namespace: 'ns', name: 'b', uid: 'b', resourceVersion: rv, body: bodyOf('ns', 'b', rv) });
          return { seen, rv };
        });
        await assert.rejects(failing, /changed its mind/);
        assert.deepEqual(await waiting, { seen: bodyOf('ns', 'a', 1, { v: 1 }), rv: 2 }, 'the failed revision is handed out again');
        assert.deepEqual(calls, ['first rolled back', 'second begins']);
        assert.deepEqual(
          (await store.changesSince(R, 0)).map((c) => [c.revision, c.event, c.name]),
          [
            [1, 'ADDED', 'a'],
            [2, 'ADDED', 'b'],
          ],
        );
      }),
    );

    test(
      'a read from outside while a write is open waits for it to end, and never sees its uncommitted rows',
      withStore(async (store) => {
        await create(store, 'ns', 'a', { v: 1 });
        await store.transaction((tx) => tx.allocate(allocationRow('ips', '1', 'a')));
        await store.durable();
        const a = { resource: R, namespace: 'ns', name: 'a' };
        // Held open, then rolled back: to a reader its rows never existed.
        let hold = gate();
        let inside = gate();
        const failing = store.transaction(async (tx) => {
          let rv = tx.nextRevision();
          await tx.update({ ...a, uid: 'uid-ns-a', resourceVersion: rv, body: bodyOf('ns', 'a', rv, { v: 2 }) });
          rv = tx.nextRevision();
          await tx.insert({ resource: R, namespace: 'ns', name: 'b', uid: 'uid-ns-b', resourceVersion: rv, body: bodyOf('ns', 'b', rv) });
          await tx.allocate(allocationRow('ips', '2', 'b'));
          assert.equal(await tx.release('ips', '1', 'uid-a'), true);
          inside.open();
          await hold.opened;
          throw new Error('abandoned');
        });
        // (A write that fails before it is held open rejects here rather than hanging the test.)
        await Promise.race([inside.opened, failing]);
        const reads = Promise.all([
          store.get(a),
          store.get({ resource: R, namespace: 'ns', name: 'b' }),
          store.list(R),
          store.count(R, 'ns'),
          store.listPage(R, undefined),
          store.changesSince(R, 0),
          store.allocation('ips', '1'),
          store.allocation('ips', '2'),
          store.allocatedValues('ips'),
          store.allocations('ips'),
          store.scanObjects(R, { namespace: '', name: '' }, 10),
          store.scanAllocations({ pool: '', value: '' }, 10),
        ]);
        try {
          assert.equal(await settledWithin(reads), false, 'the reads wait while the write is open');
        } finally {
          hold.open();
        }
        await assert.rejects(failing, /abandoned/);
        const [gotA, gotB, list, count, page, changes, ip1, ip2, values, rows, scanned, scannedRows] = await reads;
        assert.equal(gotA?.body, bodyOf('ns', 'a', 1, { v: 1 }));
        assert.equal(gotB, undefined);
        assert.deepEqual(list, [bodyOf('ns', 'a', 1, { v: 1 })]);
        assert.equal(count, 1);
        assert.deepEqual(page, { bodies: [bodyOf('ns', 'a', 1, { v: 1 })], revision: 1 });
        assert.deepEqual(
          changes.map((c) => c.name),
          ['a'],
        );
        assert.equal(ip1?.uid, 'uid-a');
        assert.equal(ip2, undefined);
        assert.deepEqual(values, ['1']);
        assert.deepEqual(rows, [allocationRow('ips', '1', 'a')]);
        assert.deepEqual(
          scanned.map((o) => o.name),
          ['a'],
        );
        assert.deepEqual(
          scannedRows.map((r) => r.value),
          ['1'],
        );

        // Held open, then committed: a read that waited for it sees it, committed.
        hold = gate();
        inside = gate();
        const committing = store.transaction(async (tx) => {
          const rv = tx.nextRevision();
          await tx.update({ ...a, uid: 'uid-ns-a', resourceVersion: rv, body: bodyOf('ns', 'a', rv, { v: 3 }) });
          inside.open();
          await hold.opened;
          return rv;
        });
        await Promise.race([inside.opened, committing]);
        const read = store.get(a);
        const listed = store.list(R);
        try {
          assert.equal(await settledWithin(read), false, 'the read waits while the write is open');
        } finally {
          hold.open();
        }
        assert.equal(await committing, 2);
        assert.equal((await read)?.body, bodyOf('ns', 'a', 2, { v: 3 }));
        assert.deepEqual(await listed, [bodyOf('ns', 'a', 2, { v: 3 })]);
        assert.equal(store.currentRevision(), 2);
      }),
    );

    test(
      'currentRevision while a write is open is the newest committed revision, not one the write reserved',
      withStore(async (store) => {
        await create(store, 'ns', 'a');
        const hold = gate();
        const inside = gate();
        const write = store.transaction(async (tx) => {
          const rv = tx.nextRevision();
          await tx.insert({ resource: R, namespace: 'ns', name: 'b', uid: 'b', resourceVersion: rv, body: bodyOf('ns', 'b', rv) });
          inside.open();
          await hold.opened;
          throw new Error('abandoned');
        });
        await Promise.race([inside.opened, write]);
        try {
          assert.equal(store.currentRevision(), 1, 'revision 2 is not committed, and may never be');
        } finally {
          hold.open();
        }
        await assert.rejects(write, /abandoned/);
        assert.equal(store.currentRevision(), 1);
        assert.equal(await create(store, 'ns', 'c'), 2, 'revision 2 goes to another write');
      }),
    );

    test(
      'listeners hear committed changes only, in revision order, with the store already showing them',
      withStore(async (store) => {
        await create(store, 'ns', 'a', { v: 1 });
        await create(store, 'ns', 'gone');
        await store.durable();
        const batches: Change[][] = [];
        const seenByListener: Promise<string | undefined>[] = [];
        store.onCommitted((changes) => {
          batches.push(changes);
          seenByListener.push(store.get({ resource: R, namespace: 'ns', name: 'a' }).then((o) => o?.body));
        });
        await store.transaction(async (tx) => {
          const rv = tx.nextRevision();
          await tx.update({ resource: R, namespace: 'ns', name: 'a', uid: 'uid-ns-a', resourceVersion: rv, body: bodyOf('ns', 'a', rv, { v: 2 }) });
          assert.equal(batches.length, 0, 'nothing is heard inside a transaction');
        });
        await assert.rejects(
          store.transaction(async (tx) => {
            const rv = tx.nextRevision();
            await tx.insert({ resource: R, namespace: 'ns', name: 'never', uid: 'x', resourceVersion: rv, body: bodyOf('ns', 'never', rv) });
            throw new Error('no');
          }),
          /no/,
        );
        await create(store, 'ns', 'b');
        await destroy(store, 'ns', 'gone');
        await store.durable();
        const heard = batches.flat();
        assert.deepEqual(
          heard.map((c) => [c.revision, c.event, c.name, c.prevBody]),
          [
            [3, 'MODIFIED', 'a', bodyOf('ns', 'a', 1, { v: 1 })],
            [4, 'ADDED', 'b', null],
            [5, 'DELETED', 'gone', bodyOf('ns', 'gone', 2)],
          ],
        );
        assert.equal(await seenByListener[0], bodyOf('ns', 'a', 3, { v: 2 }), 'a listener reads the committed state');
        // Allocations alone change no object: nobody is told.
        const told = batches.length;
        await store.transaction((tx) => tx.allocate(allocationRow('ips', '1', 'b')));
        await store.durable();
        assert.equal(batches.length, told, 'no empty notifications');
      }),
    );

    test(
      'an unsubscribed listener hears nothing more; the others still do',
      withStore(async (store) => {
        const first: number[] = [];
        const second: number[] = [];
        const stop = store.onCommitted((c) => first.push(...c.map((x) => x.revision)));
        store.onCommitted((c) => second.push(...c.map((x) => x.revision)));
        await create(store, 'ns', 'a');
        await store.durable();
        stop();
        await create(store, 'ns', 'b');
        await store.durable();
        assert.deepEqual(first, [1]);
        assert.deepEqual(second, [1, 2]);
      }),
    );

    test(
      'reads inside a transaction see its own writes and those of earlier writes not yet durable',
      withStore(async (store) => {
        await create(store, 'ns', 'a', { v: 1 });
        assert.equal((await store.get({ resource: R, namespace: 'ns', name: 'a' }))?.resourceVersion, 1, 'read (and perhaps cached) before the write');
        await modify(store, 'ns', 'a', { v: 2 });
        await store.transaction(async (tx) => {
          assert.equal((await tx.get({ resource: R, namespace: 'ns', name: 'a' }))?.body, bodyOf('ns', 'a', 2, { v: 2 }), "an earlier write's update");
          const rv = tx.nextRevision();
          await tx.insert({ resource: R, namespace: 'ns', name: 'b', uid: 'b', resourceVersion: rv, body: bodyOf('ns', 'b', rv) });
          await tx.allocate(allocationRow('ips', '1', 'b'));
          assert.equal((await tx.get({ resource: R, namespace: 'ns', name: 'b' }))?.resourceVersion, rv);
          assert.deepEqual((await tx.list(R, 'ns')).map(nameOf), ['a', 'b']);
          assert.deepEqual((await tx.list(R)).map(nameOf), ['a', 'b']);
          assert.equal(await tx.count(R, 'ns'), 2);
          assert.equal((await tx.allocation('ips', '1'))?.name, 'b');
          const del = tx.nextRevision();
          await tx.remove({ resource: R, namespace: 'ns', name: 'a' }, del, bodyOf('ns', 'a', del));
          assert.equal(await tx.get({ resource: R, namespace: 'ns', name: 'a' }), undefined);
          assert.equal(await tx.count(R, 'ns'), 1);
          assert.equal(await tx.release('ips', '1', 'uid-b'), true);
          assert.equal(await tx.allocation('ips', '1'), undefined);
        });
        assert.equal(await store.get({ resource: R, namespace: 'ns', name: 'a' }), undefined, 'outside, after the write');
        assert.equal((await store.get({ resource: R, namespace: 'ns', name: 'b' }))?.resourceVersion, 3);
      }),
    );

    test(
      'a rolled-back write leaves no trace in later reads, cached or not',
      withStore(async (store) => {
        await create(store, 'ns', 'a', { v: 1 });
        assert.equal((await store.get({ resource: R, namespace: 'ns', name: 'a' }))?.resourceVersion, 1);
        await assert.rejects(
          store.transaction(async (tx) => {
            const rv = tx.nextRevision();
            await tx.update({ resource: R, namespace: 'ns', name: 'a', uid: 'uid-ns-a', resourceVersion: rv, body: bodyOf('ns', 'a', rv, { v: 2 }) });
            assert.equal((await tx.get({ resource: R, namespace: 'ns', name: 'a' }))?.resourceVersion, rv, 'seen inside');
            throw new Error('undo');
          }),
          /undo/,
        );
        assert.deepEqual(await store.get({ resource: R, namespace: 'ns', name: 'a' }), {
          resource: R,
          namespace: 'ns',
          name: 'a',
          uid: 'uid-ns-a',
          resourceVersion: 1,
          body: bodyOf('ns', 'a', 1, { v: 1 }),
        });
        assert.deepEqual(await store.list(R), [bodyOf('ns', 'a', 1, { v: 1 })]);
      }),
    );

    // Byte order, as Kubernetes lists: '-' < '.' < digits < letters, '10' < '9'. A locale
    // collation (PostgreSQL's default) would order these differently.
    const names = ['b', 'a0', '9', 'a.b', 'a', '10', 'a-b', 'ab'];
    const sortedNames = ['10', '9', 'a', 'a-b', 'a.b', 'a0', 'ab', 'b'];

    test(
      'list orders by namespace then name in byte order, and keeps to its resource and namespace',
      withStore(async (store) => {
        for (const n of names) await create(store, 'ns-b', n);
        for (const n of ['z', 'y']) await create(store, 'ns-a', n);
        await create(store, 'ns-a', 'a', {}, OTHER);
        await create(store, 'ns-a0', 'm');
        assert.deepEqual((await store.list(R, 'ns-b')).map(nameOf), sortedNames);
        assert.deepEqual((await store.list(R)).map(keyOf), ['ns-a/y', 'ns-a/z', 'ns-a0/m', ...sortedNames.map((n) => `ns-b/${n}`)]);
        assert.deepEqual((await store.list(OTHER)).map(keyOf), ['ns-a/a']);
        assert.deepEqual(await store.list(R, 'nowhere'), []);
        assert.equal(await store.count(R, 'ns-b'), names.length);
        assert.equal(await store.count(R, 'ns-a'), 2);
        assert.equal(await store.count(OTHER, 'ns-a'), 1);
        const page = await store.listPage(R, undefined);
        assert.deepEqual(page.bodies.map(keyOf), (await store.list(R)).map(keyOf));
        assert.equal(page.revision, store.currentRevision());
      }),
    );

    test(
      'listPage pages by limit and continues after the last key, counting what remains',
      withStore(async (store) => {
        for (const n of names) await create(store, 'ns-b', n);
        await create(store, 'ns-a', 'first');
        await create(store, 'ns-c', 'last');
        const everything = (await store.list(R)).map(keyOf);
        const pages = await allPages(store, undefined, { limit: 3 });
        assert.deepEqual(
          pages.map((p) => p.bodies.length),
          [3, 3, 3, 1],
        );
        assert.deepEqual(
          pages.flatMap((p) => p.bodies.map(keyOf)),
          everything,
        );
        assert.deepEqual(pages[0].more, { namespace: 'ns-b', name: '9' });
        assert.deepEqual(
          pages.map((p) => p.remaining),
          [7, 4, 1, undefined],
        );
        for (const p of pages) assert.equal(p.revision, store.currentRevision());
        // A limit that ends exactly at the last object says nothing follows.
        const exact = await store.listPage(R, undefined, { limit: everything.length });
        assert.equal(exact.more, undefined);
        assert.equal(exact.bodies.length, everything.length);
        // One namespace, continued.
        const ns = await allPages(store, 'ns-b', { limit: 5 });
        assert.deepEqual(
          ns.flatMap((p) => p.bodies.map(nameOf)),
          sortedNames,
        );
        assert.equal(ns.length, 2);
        assert.deepEqual((await store.listPage(R, 'ns-b', { after: { namespace: 'ns-b', name: 'a.b' } })).bodies.map(nameOf), ['a0', 'ab', 'b']);
        assert.deepEqual((await store.listPage(R, undefined, { after: { namespace: 'ns-b', name: 'zzz' } })).bodies.map(keyOf), ['ns-c/last']);
      }),
    );

    test(
      'accept filters what a page holds; the limit counts accepted objects',
      withStore(async (store) => {
        for (let i = 0; i < 10; i++) await create(store, 'ns', `o${i}`, { even: i % 2 === 0 });
        const accept = (body: string) => body.includes('"even":true');
        const pages = await allPages(store, 'ns', { limit: 2, accept });
        assert.deepEqual(
          pages.flatMap((p) => p.bodies.map(nameOf)),
          ['o0', 'o2', 'o4', 'o6', 'o8'],
        );
        for (const p of pages) {
          assert.ok(p.bodies.length <= 2);
          assert.equal(p.remaining, undefined, 'unknowable with a filter');
        }
        assert.deepEqual((await store.listPage(R, 'ns', { limit: 3, accept })).bodies.map(nameOf), ['o0', 'o2', 'o4']);
      }),
    );

    test(
      'containsAny keeps bodies holding any of its strings, with and without paging',
      withStore(async (store) => {
        for (let i = 0; i < 6; i++) await create(store, i < 3 ? 'ns1' : 'ns2', `o${i}`, { tag: `t${i % 3}` });
        const namesOf = (bodies: string[]) => bodies.map(nameOf);
        assert.deepEqual(namesOf((await store.listPage(R, undefined, { containsAny: ['"t1"'] })).bodies), ['o1', 'o4']);
        assert.deepEqual(namesOf((await store.listPage(R, undefined, { containsAny: ['"t1"', '"t2"'] })).bodies), ['o1', 'o2', 'o4', 'o5']);
        assert.deepEqual(namesOf((await store.listPage(R, 'ns2', { containsAny: ['"t1"', '"t2"'] })).bodies), ['o4', 'o5']);
        assert.deepEqual(namesOf((await store.listPage(R, undefined, { containsAny: ['nowhere'] })).bodies), []);
        assert.deepEqual(namesOf((await allPages(store, undefined, { containsAny: ['"t1"', '"t2"'], limit: 1 })).flatMap((p) => p.bodies)), [
          'o1',
          'o2',
          'o4',
          'o5',
        ]);
        assert.deepEqual(namesOf((await store.listPage(R, undefined, { containsAny: ['"t1"', '"t2"'], accept: (b) => b.includes('"o2"') })).bodies), ['o2']);
      }),
    );

    test(
      'listPage at an older revision shows the objects as they were then, page after page',
      withStore(async (store) => {
        for (const n of ['a', 'c', 'e', 'g']) await create(store, 'ns', n, { v: 1 });
        await create(store, 'other', 'x', { v: 1 });
        const then = store.currentRevision();
        const before = await store.list(R);
        await modify(store, 'ns', 'c', { v: 2 });
        await destroy(store, 'ns', 'e');
        await create(store, 'ns', 'b');
        await create(store, 'ns', 'h');
        await destroy(store, 'other', 'x');
        assert.notDeepEqual(await store.list(R), before);
        const whole = await store.listPage(R, undefined, { revision: then });
        assert.equal(whole.revision, then);
        assert.deepEqual(whole.bodies, before);
        // Paged at that revision, with more writes between the pages.
        const first = await store.listPage(R, undefined, { revision: then, limit: 2 });
        assert.deepEqual(first.bodies, before.slice(0, 2));
        assert.equal(first.remaining, 3);
        await destroy(store, 'ns', 'g');
        await create(store, 'ns', 'f');
        const rest = await allPages(store, undefined, { revision: then, limit: 2 });
        assert.deepEqual(
          rest.flatMap((p) => p.bodies),
          before,
        );
        const second = await store.listPage(R, undefined, { revision: then, limit: 2, after: first.more });
        assert.deepEqual(second.bodies, before.slice(2, 4));
        assert.deepEqual((await store.listPage(R, 'ns', { revision: then })).bodies.map(nameOf), ['a', 'c', 'e', 'g']);
        assert.deepEqual((await store.listPage(R, 'ns', { revision: then, accept: (b) => !b.includes('"g"') })).bodies.map(nameOf), ['a', 'c', 'e']);
        assert.deepEqual((await store.listPage(R, 'ns', { revision: then, containsAny: ['"c"', '"e"'] })).bodies.map(nameOf), ['c', 'e']);
        assert.deepEqual((await store.listPage(R, undefined, { revision: 0 })).bodies, [], 'before anything was written');
      }),
    );

    test(
      'pruning keeps the history window; reads before it are CompactedError',
      withStore(
        async (store) => {
          await create(store, 'ns', 'x', { n: 1 });
          for (let i = 2; i <= 1200; i++) {
            await modify(store, 'ns', 'x', { n: i });
            if (i % 100 === 0) await store.durable();
          }
          await store.durable();
          const current = store.currentRevision();
          const compacted = store.compactedRevision();
          assert.equal(current, 1200);
          assert.ok(compacted > 0, 'the log was pruned');
          assert.ok(compacted <= current - 10, `keeps at least historySize changes (compacted ${compacted})`);
          await assert.rejects(
            store.changesSince(R, compacted - 1),
            (err: unknown) => err instanceof CompactedError && err.requested === compacted - 1 && err.compacted === compacted,
          );
          await assert.rejects(store.listPage(R, undefined, { revision: compacted - 1 }), (err: unknown) => err instanceof CompactedError);
          const changes = await store.changesSince(R, compacted);
          assert.deepEqual(
            changes.map((c) => c.revision),
            Array.from({ length: current - compacted }, (_, i) => compacted + 1 + i),
            'complete after the compacted revision',
          );
          const atCompacted = await store.listPage(R, undefined, { revision: compacted });
          assert.deepEqual(atCompacted.bodies, [bodyOf('ns', 'x', compacted, { n: compacted })]);
        },
        { historySize: 10 },
      ),
    );

    test(
      'scanObjects and scanAllocations page in key order after an exclusive key',
      withStore(async (store) => {
        for (const n of ['c', 'a', 'b']) await create(store, 'ns', n);
        await create(store, 'm', 'z');
        assert.deepEqual(
          (await store.scanObjects(R, { namespace: '', name: '' }, 2)).map((o) => `${o.namespace}/${o.name}/${o.uid}`),
          ['m/z/uid-m-z', 'ns/a/uid-ns-a'],
        );
        assert.deepEqual(
          (await store.scanObjects(R, { namespace: 'ns', name: 'a' }, 10)).map((o) => o.name),
          ['b', 'c'],
        );
        assert.equal((await store.scanObjects(R, { namespace: 'ns', name: 'b' }, 10))[0].body, bodyOf('ns', 'c', 1));
        await store.transaction(async (tx) => {
          for (const v of ['3', '1', '2']) await tx.allocate(allocationRow('p2', v, `h${v}`));
          await tx.allocate(allocationRow('p1', '9', 'h9'));
        });
        assert.deepEqual(
          (await store.scanAllocations({ pool: '', value: '' }, 3)).map((a) => `${a.pool}:${a.value}`),
          ['p1:9', 'p2:1', 'p2:2'],
        );
        assert.deepEqual(await store.scanAllocations({ pool: 'p2', value: '2' }, 3), [allocationRow('p2', '3', 'h3')]);
      }),
    );

    test(
      'durable() resolves once every write so far is committed, and what is committed survives a reopen',
      withStore(async (store, handle, t) => {
        await create(store, 'ns', 'a', { v: 1 });
        await store.transaction((tx) => tx.allocate(allocationRow('ips', '1', 'a')));
        await modify(store, 'ns', 'a', { v: 2 });
        await store.durable();
        if (!handle.reopen) {
          t.skip('this store does not outlive its handle');
          return;
        }
        const reopened = await handle.reopen();
        handle.store = reopened.store;
        handle.close = () => reopened.close();
        const s = reopened.store;
        assert.equal(s.currentRevision(), 2);
        assert.equal((await s.get({ resource: R, namespace: 'ns', name: 'a' }))?.body, bodyOf('ns', 'a', 2, { v: 2 }));
        assert.equal((await s.allocation('ips', '1'))?.uid, 'uid-a');
        assert.deepEqual(
          (await s.changesSince(R, 0)).map((c) => c.event),
          ['ADDED', 'MODIFIED'],
        );
        assert.equal(await create(s, 'ns', 'b'), 3, 'revisions carry on');
      }, {}),
    );
  });
}
