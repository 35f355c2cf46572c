import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Event } from '../../src/model/event.js';
import { eventCells, eventColumns } from '../../src/printers/tables.js';
import { StatusError } from '../../src/registry/errors.js';
import { EventRegistry, type RecordInput } from '../../src/registry/eventRegistry.js';
import { NamespaceRegistry } from '../../src/registry/namespaceRegistry.js';
import { eventFieldLabels, eventFields, parseFieldSelector } from '../../src/registry/selectors.js';
import { openDatabase, type SqliteDatabase } from '../../src/storage/sqlite/database.js';
import type { Change } from '../../src/storage/objectStore.js';
import { SqliteObjectStore } from '../../src/storage/sqlite/objectStore.js';
import { tempDir } from '../support/server.js';

interface Fixture {
  dir: string;
  db: SqliteDatabase;
  store: SqliteObjectStore;
  namespaces: NamespaceRegistry;
  events: EventRegistry;
  changes: Change[];
}

let f: Fixture;

beforeEach(async () => {
  const dir = tempDir();
  const db = openDatabase(join(dir, 'svcplane.db'));
  const store = new SqliteObjectStore(db);
  const namespaces = new NamespaceRegistry(store);
  await namespaces.bootstrap();
  const events = new EventRegistry(store, namespaces);
  const changes: Change[] = [];
  store.onCommitted((c) => changes.push(...c.filter((x) => x.resource === 'events')));
  // Listeners hear of writes when their batch commits (ObjectStore.flush); a test reads them after.
  f = {
    dir,
    db,
    store,
    namespaces,
    events,
    get changes() {
      store.flush();
      return changes;
    },
  };
});

afterEach(() => {
  f.db.close();
  rmSync(f.dir, { recursive: true, force: true });
});

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const web = { kind: 'Service', namespace: 'default', name: 'web', uid: '6c1f6e4e-0c3a-4c43-9a59-3b8f2a1d0e11', apiVersion: 'v1', resourceVersion: '42' };
const ensuring: RecordInput = {
  involvedObject: web,
  type: 'Normal',
  reason: 'EnsuringLoadBalancer',
  message: 'Ensuring load balancer',
  component: 'service-controller',
};

async function statusOf(fn: () => Promise<unknown>): Promise<StatusError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  assert.fail('expected a StatusError');
}

describe('REST create and get', () => {
  it('fills system metadata and writes the fields Go always writes', async () => {
    const ev = await f.events.create('default', { metadata: { name: 'web.1' }, involvedObject: web, reason: 'Test', message: 'hello', type: 'Normal' });
    assert.equal(ev.metadata?.namespace, 'default');
    assert.match(ev.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(ev.metadata?.resourceVersion ?? '', /^\d+$/);
    const { body } = await f.events.getStored('default', 'web.1');
    assert.deepEqual(Object.keys(JSON.parse(body)), [
      'kind',
      'apiVersion',
      'metadata',
      'involvedObject',
      'reason',
      'message',
      'source',
      'firstTimestamp',
      'lastTimestamp',
      'type',
      'eventTime',
      'reportingComponent',
      'reportingInstance',
    ]);
    const got = await f.events.get('default', 'web.1');
    assert.deepEqual(got, ev);
    assert.equal(got.eventTime, null);
    assert.equal(got.firstTimestamp, null);
    assert.deepEqual(got.source, {});
    assert.equal(got.reportingComponent, '');
    assert.equal(got.reportingInstance, '');
    assert.equal(f.changes.at(-1)?.event, 'ADDED');
  });

  it('rejects an involvedObject in another namespace as kube-apiserver does', async () => {
    const err = await statusOf(() => f.events.create('default', { metadata: { name: 'x' }, involvedObject: { ...web, namespace: 'kube-system' } }));
    assert.equal(err.statusCode, 422);
    assert.equal(err.status.reason, 'Invalid');
    assert.equal(err.status.message, 'Event "x" is invalid: involvedObject.namespace: Invalid value: "kube-system": does not match event.namespace');
    assert.deepEqual(err.status.details, {
      name: 'x',
      kind: 'Event',
      causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "kube-system": does not match event.namespace', field: 'involvedObject.namespace' }],
    });
  });

  it('applies the new-style checks to events carrying an eventTime', async () => {
    const err = await statusOf(() =>
      f.events.create('default', {
        metadata: { name: 'y' },
        involvedObject: web,
        eventTime: '2026-01-01T00:00:00.000000Z',
        reason: 'r'.repeat(129),
        message: 'm'.repeat(1025),
        reportingComponent: '',
        reportingInstance: '',
      }),
    );
    assert.equal(err.statusCode, 422);
    assert.deepEqual(
      err.status.details?.causes?.map((c) => [c.field, c.reason]),
      [
        ['reportingController', 'FieldValueRequired'],
        ['reportingController', 'FieldValueInvalid'],
        ['reportingController', 'FieldValueInvalid'],
        ['reportingInstance', 'FieldValueRequired'],
        ['action', 'FieldValueRequired'],
        ['reason', 'FieldValueInvalid'],
        ['message', 'FieldValueInvalid'],
      ],
    );
    assert.equal(err.status.details?.causes?.[5].message, 'Invalid value: "": can have at most 128 characters');
  });

  it('checks names as path segments after the event checks', async () => {
    const slash = await statusOf(() => f.events.create('default', { metadata: { name: 'a/b' }, involvedObject: web }));
    assert.deepEqual(slash.status.details?.causes, [
      { reason: 'FieldValueInvalid', message: `Invalid value: "a/b": may not contain '/'`, field: 'metadata.name' },
    ]);
    const missing = await statusOf(() => f.events.create('default', { involvedObject: web }));
    assert.deepEqual(missing.status.details?.causes, [
      { reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' },
    ]);
    // Any name a path can carry is fine: event names are not DNS labels.
    assert.equal((await f.events.create('default', { metadata: { name: 'Web_1.x' }, involvedObject: web })).metadata?.name, 'Web_1.x');
  });

  it('answers 404 for a missing namespace and does nothing on a dry run', async () => {
    assert.equal((await statusOf(() => f.events.create('nowhere', { metadata: { name: 'z' } }))).status.message, 'namespaces "nowhere" not found');
    await f.events.create('default', { metadata: { name: 'dry' }, involvedObject: web }, { dryRun: true });
    assert.equal((await statusOf(() => f.events.get('default', 'dry'))).statusCode, 404);
  });

  it('updates without a resourceVersion, refuses a stale one and creates on PUT', async () => {
    const ev = await f.events.create('default', { metadata: { name: 'u' }, involvedObject: web, message: 'one' });
    const { object, created } = await f.events.update('default', 'u', { metadata: { name: 'u' }, involvedObject: web, message: 'two' });
    assert.equal(created, false);
    assert.equal(object.message, 'two');
    assert.equal(object.metadata?.uid, ev.metadata?.uid);
    assert.ok(Number(object.metadata?.resourceVersion) > Number(ev.metadata?.resourceVersion));
    const stale = await statusOf(() =>
      f.events.update('default', 'u', { metadata: { name: 'u', resourceVersion: ev.metadata?.resourceVersion }, involvedObject: web }),
    );
    assert.equal(stale.statusCode, 409);
    assert.equal((await f.events.update('default', 'new', { metadata: { name: 'new' }, involvedObject: web })).created, true);
    await f.events.delete('default', 'u');
    assert.equal(f.changes.at(-1)?.event, 'DELETED');
    assert.equal((await f.events.deleteCollection('default', {})).items.length, 1);
  });
});

describe('record', () => {
  it('creates an event named as client-go names them', async () => {
    const ev = await f.events.record(ensuring, T0);
    const nanos = BigInt(T0.getTime()) * 1_000_000n;
    assert.equal(ev.metadata?.name, `web.${nanos.toString(16)}`);
    assert.match(ev.metadata?.name ?? '', /^web\.[0-9a-f]{16}$/);
    assert.equal(ev.metadata?.namespace, 'default');
    assert.equal(ev.count, 1);
    assert.equal(ev.firstTimestamp, '2026-01-01T00:00:00Z');
    assert.equal(ev.lastTimestamp, '2026-01-01T00:00:00Z');
    assert.equal(ev.eventTime, null);
    assert.deepEqual(ev.source, { component: 'service-controller' });
    assert.equal(ev.reportingComponent, 'service-controller');
    assert.equal(ev.reportingInstance, '');
    assert.deepEqual(ev.involvedObject, web);
  });

  it('bumps count and lastTimestamp of a repeat, with a MODIFIED write', async () => {
    const first = await f.events.record(ensuring, T0);
    const second = await f.events.record(ensuring, at(30));
    assert.equal(second.metadata?.name, first.metadata?.name);
    assert.equal(second.metadata?.uid, first.metadata?.uid);
    assert.equal(second.count, 2);
    assert.equal(second.firstTimestamp, '2026-01-01T00:00:00Z');
    assert.equal(second.lastTimestamp, '2026-01-01T00:00:30Z');
    assert.ok(Number(second.metadata?.resourceVersion) > Number(first.metadata?.resourceVersion));
    assert.deepEqual(
      f.changes.map((c) => c.event),
      ['ADDED', 'MODIFIED'],
    );
    assert.equal((await f.events.list('default')).items.length, 1);
  });

  it('starts a new event when anything in the key differs', async () => {
    const first = await f.events.record(ensuring, T0);
    const ensured = await f.events.record({ ...ensuring, reason: 'EnsuredLoadBalancer', message: 'Ensured load balancer' }, at(1));
    const warning = await f.events.record({ ...ensuring, type: 'Warning' }, at(2));
    const names = new Set([first, ensured, warning].map((e) => e.metadata?.name));
    assert.equal(names.size, 3);
    assert.ok([ensured, warning].every((e) => e.count === 1));
  });

  it('puts events about cluster-scoped objects in default and keeps names unique within a nanosecond', async () => {
    const node = { kind: 'Node', name: 'node-1', uid: 'node-1', apiVersion: 'v1' };
    const a = await f.events.record({ ...ensuring, involvedObject: node, reason: 'A' }, T0);
    const b = await f.events.record({ ...ensuring, involvedObject: node, reason: 'B' }, T0);
    assert.equal(a.metadata?.namespace, 'default');
    assert.notEqual(a.metadata?.name, b.metadata?.name);
  });

  it('finds repeats after a restart, from the store', async () => {
    await f.events.record(ensuring, T0);
    await f.events.record(ensuring, at(10));
    const restarted = new EventRegistry(f.store, new NamespaceRegistry(f.store));
    const third = await restarted.record(ensuring, at(20));
    assert.equal(third.count, 3);
    assert.equal((await restarted.list(undefined)).items.length, 1);
  });

  it('deletes events with their namespace and refuses to record into a missing one', async () => {
    await f.namespaces.create('', { metadata: { name: 'team' } });
    await f.events.record({ ...ensuring, involvedObject: { ...web, namespace: 'team' } }, T0);
    await f.namespaces.delete('', 'team');
    assert.equal((await f.events.list('team')).items.length, 0, 'namespace deletion deletes its events');
    assert.equal((await statusOf(() => f.events.record({ ...ensuring, involvedObject: { ...web, namespace: 'team' } }, T0))).statusCode, 404);
  });
});

describe('expire', () => {
  it('deletes only events untouched for the TTL, as DELETED writes', async () => {
    const old = await f.events.record(ensuring, T0);
    const fresh = await f.events.record({ ...ensuring, reason: 'Later' }, at(50 * 60));
    f.changes.length = 0;
    assert.equal(await f.events.expire(at(61 * 60)), 1);
    assert.equal((await statusOf(() => f.events.get('default', old.metadata!.name!))).statusCode, 404);
    assert.equal((await f.events.get('default', fresh.metadata!.name!)).reason, 'Later');
    assert.deepEqual(
      f.changes.map((c) => [c.event, c.name]),
      [['DELETED', old.metadata!.name!]],
    );
    assert.equal(await f.events.expire(at(61 * 60)), 0);
    // Once expired, a repeat starts a new event.
    assert.equal((await f.events.record(ensuring, at(62 * 60))).count, 1);
  });

  it('honours a shorter TTL', async () => {
    const short = new EventRegistry(f.store, f.namespaces, { ttlMs: 60_000 });
    await short.record(ensuring, T0);
    assert.equal(await short.expire(at(59)), 0);
    assert.equal(await short.expire(at(61)), 1);
  });
});

describe('field selectors and tables', () => {
  it('exposes the fields kube-apiserver selects events by', async () => {
    const ev = await f.events.record(ensuring, T0);
    const fields = eventFields(ev);
    assert.deepEqual(fields, {
      'involvedObject.kind': 'Service',
      'involvedObject.namespace': 'default',
      'involvedObject.name': 'web',
      'involvedObject.uid': web.uid,
      'involvedObject.apiVersion': 'v1',
      'involvedObject.resourceVersion': '42',
      'involvedObject.fieldPath': '',
      reason: 'EnsuringLoadBalancer',
      reportingComponent: 'service-controller',
      source: 'service-controller',
      type: 'Normal',
      'metadata.name': ev.metadata!.name!,
      'metadata.namespace': 'default',
    });
    assert.deepEqual(Object.keys(fields).sort(), [...eventFieldLabels].sort());
    // What kubectl describe sends for a Service's events.
    const describe = parseFieldSelector(
      `involvedObject.kind=Service,involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid=${web.uid}`,
      eventFieldLabels,
    );
    assert.equal(describe.matches(fields), true);
    assert.equal(eventFields({ reportingComponent: 'kubelet' }).source, 'kubelet');
  });

  it('prints the wide row kube-apiserver prints', async () => {
    await f.events.record(ensuring, T0);
    const ev = await f.events.record(ensuring, at(30));
    const cells = eventCells(ev, at(90).getTime());
    assert.equal(cells.length, eventColumns.length);
    assert.deepEqual(cells, [
      '60s',
      'Normal',
      'EnsuringLoadBalancer',
      'service/web',
      '',
      'service-controller',
      'Ensuring load balancer',
      '90s',
      2,
      ev.metadata!.name!,
    ]);
    assert.deepEqual(
      eventColumns.map((c) => [c.name, c.priority]),
      [
        ['Last Seen', 0],
        ['Type', 0],
        ['Reason', 0],
        ['Object', 0],
        ['Subobject', 1],
        ['Source', 1],
        ['Message', 0],
        ['First Seen', 1],
        ['Count', 1],
        ['Name', 1],
      ],
    );
  });

  it('prints new-style events from eventTime, series and the reporting fields', () => {
    const ev: Event = {
      metadata: { name: 'n' },
      involvedObject: { kind: 'Node' },
      type: 'Warning',
      reason: 'R',
      message: '  spaced \n',
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: at(0).toISOString(),
      series: { count: 5, lastObservedTime: at(100).toISOString() },
      reportingComponent: 'kubelet',
      reportingInstance: 'node-1',
    };
    assert.deepEqual(eventCells(ev, at(130).getTime()), ['30s', 'Warning', 'R', 'node', '', 'kubelet, node-1', 'spaced', '2m10s', 5, 'n']);
    const bare = eventCells({ metadata: { name: 'bare' } }, at(0).getTime());
    assert.equal(bare[0], '<unknown>');
    assert.equal(bare[8], 1, 'a singleton without a count counts once');
  });
});
