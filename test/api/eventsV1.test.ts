// events.k8s.io/v1 Events over the core/v1 Event storage, as kube-apiserver serves them: one
// object read through either group with kube's field mapping, one resourceVersion sequence, a
// watch on one group seeing writes through the other, the strict validation of writes through
// events.k8s.io/v1 (ValidateEventCreate/Update by requestVersion), discovery, tables, and the
// real kubectl reading an event written through events.k8s.io.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../support/server.js';
import { kubectlHome, kubectlSkip, runKubectl, showRun, type KubectlHome } from '../support/kubectl.js';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.stop());

const ns = 'default';
const v1 = (path = '') => `${t.url}/apis/events.k8s.io/v1/namespaces/${ns}/events${path}`;
const core = (path = '') => `${t.url}/api/v1/namespaces/${ns}/events${path}`;
const send = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};
const causes = (body: { details: { causes: { field: string; message: string }[] } }) => body.details.causes.map((c) => `${c.field}: ${c.message}`);

const eventTime = '2026-12-06T10:00:00.123456Z';
const regarding = { kind: 'Service', namespace: ns, name: 'web', uid: 'uid-web', apiVersion: 'v1' };
const newStyle = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name },
  eventTime,
  reportingController: 'example.com/operator',
  reportingInstance: 'operator-0',
  action: 'Reconcile',
  reason: 'Synced',
  regarding,
  note: 'synced the service',
  type: 'Normal',
  ...extra,
});

test('an event created through events.k8s.io/v1 reads through core/v1 with kube field mapping, and back', async () => {
  const related = { kind: 'Pod', namespace: ns, name: 'web-0' };
  const series = { count: 2, lastObservedTime: '2026-12-06T10:00:05.000000Z' };
  const created = await send('POST', v1(), newStyle('mapped.1', { related, series }));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const ev = created.body;
  assert.equal(ev.apiVersion, 'events.k8s.io/v1');
  assert.equal(ev.kind, 'Event');
  // Go's field order for events.k8s.io/v1 Event, structs without omitempty written empty.
  assert.deepEqual(Object.keys(ev), [
    'kind',
    'apiVersion',
    'metadata',
    'eventTime',
    'series',
    'reportingController',
    'reportingInstance',
    'action',
    'reason',
    'regarding',
    'related',
    'note',
    'type',
    'deprecatedSource',
    'deprecatedFirstTimestamp',
    'deprecatedLastTimestamp',
  ]);
  assert.deepEqual(ev.regarding, regarding);
  assert.deepEqual(ev.deprecatedSource, {});
  assert.equal(ev.deprecatedFirstTimestamp, null);

  const read = await send('GET', core('/mapped.1'));
  assert.equal(read.status, 200);
  const c = read.body;
  assert.equal(c.apiVersion, 'v1');
  assert.equal(c.metadata.resourceVersion, ev.metadata.resourceVersion);
  assert.equal(c.metadata.uid, ev.metadata.uid);
  assert.deepEqual(c.involvedObject, regarding);
  assert.deepEqual(c.related, related);
  assert.equal(c.message, 'synced the service');
  assert.equal(c.reportingComponent, 'example.com/operator');
  assert.equal(c.reportingInstance, 'operator-0');
  assert.equal(c.action, 'Reconcile');
  assert.equal(c.reason, 'Synced');
  assert.equal(c.type, 'Normal');
  assert.deepEqual(c.source, {});
  assert.equal(c.firstTimestamp, null);
  assert.equal(c.lastTimestamp, null);
  assert.equal(c.count, undefined);
  assert.equal(Date.parse(c.eventTime), Date.parse(eventTime));
  assert.equal(c.series.count, 2);

  const back = await send('GET', v1('/mapped.1'));
  assert.deepEqual(back.body, ev);
});

test('an event created through core/v1 reads through events.k8s.io/v1: deprecated fields carry the legacy ones', async () => {
  const ts = '2026-12-06T09:00:00Z';
  const created = await send('POST', core(), {
    metadata: { name: 'legacy.1' },
    involvedObject: regarding,
    reason: 'EnsuringLoadBalancer',
    message: 'Ensuring load balancer',
    source: { component: 'service-controller', host: 'node-1' },
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 3,
    type: 'Warning',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const read = await send('GET', v1('/legacy.1'));
  assert.equal(read.status, 200);
  const ev = read.body;
  assert.equal(ev.apiVersion, 'events.k8s.io/v1');
  assert.equal(ev.note, 'Ensuring load balancer');
  assert.deepEqual(ev.regarding, regarding);
  assert.deepEqual(ev.deprecatedSource, { component: 'service-controller', host: 'node-1' });
  assert.equal(ev.deprecatedFirstTimestamp, ts);
  assert.equal(ev.deprecatedLastTimestamp, ts);
  assert.equal(ev.deprecatedCount, 3);
  assert.equal(ev.eventTime, null);
  // reportingComponent and reportingInstance are stored empty; events.k8s.io/v1 omits them.
  assert.equal(ev.reportingController, undefined);
  assert.equal(ev.metadata.resourceVersion, created.body.metadata.resourceVersion);
});

test('lists convert every item, share the resourceVersion, and take events.k8s.io field selectors', async () => {
  await send('POST', v1(), newStyle('list.1', { regarding: { ...regarding, name: 'api' } }));
  const list = await send('GET', v1());
  assert.equal(list.status, 200);
  assert.equal(list.body.kind, 'EventList');
  assert.equal(list.body.apiVersion, 'events.k8s.io/v1');
  assert.ok(list.body.items.length >= 2);
  for (const item of list.body.items) {
    assert.equal(item.kind, undefined);
    assert.ok('regarding' in item && !('involvedObject' in item), JSON.stringify(item));
  }
  const coreList = await send('GET', core());
  assert.equal(coreList.body.items.length, list.body.items.length);

  const selected = await send('GET', `${v1()}?fieldSelector=${encodeURIComponent('regarding.name=api,reportingController=example.com/operator')}`);
  assert.equal(selected.status, 200);
  assert.deepEqual(
    selected.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ['list.1'],
  );
  const all = await send('GET', `${t.url}/apis/events.k8s.io/v1/events?fieldSelector=type%3DWarning`);
  assert.deepEqual(
    all.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ['legacy.1'],
  );
  // The core labels are not events.k8s.io's.
  const wrong = await send('GET', `${v1()}?fieldSelector=involvedObject.name%3Dapi`);
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.message, 'field label not supported: involvedObject.name');
});

/** Reads newline-delimited watch events until `count` arrived. */
async function watchLines(url: string, count: number, act: () => Promise<void>, headers: Record<string, string> = {}): Promise<any[]> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal, headers });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const lines: any[] = [];
  let buffered = '';
  await act();
  const deadline = setTimeout(() => controller.abort(), 10_000);
  try {
    while (lines.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += Buffer.from(value).toString();
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        lines.push(JSON.parse(buffered.slice(0, nl)));
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
      }
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  return lines;
}

test('a watch through events.k8s.io/v1 sees writes through core/v1, converted; and the other way round', async () => {
  const rv = (await send('GET', core())).body.metadata.resourceVersion;
  const seen = await watchLines(`${v1()}?watch=true&resourceVersion=${rv}`, 2, async () => {
    await send('POST', core(), { metadata: { name: 'watched.1' }, involvedObject: regarding, reason: 'Seen', message: 'through core', type: 'Normal' });
    await send('DELETE', core('/watched.1'));
  });
  assert.deepEqual(
    seen.map((e) => e.type),
    ['ADDED', 'DELETED'],
  );
  assert.equal(seen[0].object.apiVersion, 'events.k8s.io/v1');
  assert.equal(seen[0].object.note, 'through core');
  assert.deepEqual(seen[0].object.regarding, regarding);

  const rv2 = (await send('GET', v1())).body.metadata.resourceVersion;
  const coreSeen = await watchLines(`${core()}?watch=true&resourceVersion=${rv2}`, 1, async () => {
    await send('POST', v1(), newStyle('watched.2'));
  });
  assert.equal(coreSeen[0].type, 'ADDED');
  assert.equal(coreSeen[0].object.apiVersion, 'v1');
  assert.equal(coreSeen[0].object.message, 'synced the service');
  assert.equal(coreSeen[0].object.reportingComponent, 'example.com/operator');

  // An events.k8s.io field selector on a watch: only what regards `db` arrives.
  const rv3 = (await send('GET', v1())).body.metadata.resourceVersion;
  const selected = await watchLines(`${v1()}?watch=true&resourceVersion=${rv3}&fieldSelector=${encodeURIComponent('regarding.name=db')}`, 1, async () => {
    await send('POST', v1(), newStyle('watched.3'));
    await send('POST', core(), {
      metadata: { name: 'watched.4' },
      involvedObject: { ...regarding, name: 'db' },
      reason: 'Seen',
      message: 'db',
      type: 'Normal',
    });
  });
  assert.deepEqual(
    selected.map((e) => [e.type, e.object.metadata.name, e.object.note]),
    [['ADDED', 'watched.4', 'db']],
  );
});

test('writes through events.k8s.io/v1 get kube strict validation; core/v1 writes do not', async () => {
  const bare = await send('POST', v1(), { metadata: { name: 'bare' }, regarding });
  assert.equal(bare.status, 422);
  assert.equal(bare.body.reason, 'Invalid');
  assert.equal(bare.body.details.kind, 'Event');
  assert.deepEqual(causes(bare.body), ['eventTime: Required value', 'type: Invalid value: "": has invalid value: ']);

  const missing = await send('POST', v1(), {
    metadata: { name: 'missing' },
    eventTime,
    regarding,
    type: 'Normal',
    note: 'x'.repeat(1025),
    deprecatedCount: 2,
    deprecatedSource: { component: 'me' },
    series: { count: 1 },
  });
  assert.equal(missing.status, 422);
  assert.deepEqual(causes(missing.body), [
    'reportingController: Required value',
    // IsQualifiedName("") reports both of its checks, as kube does.
    'reportingController: Invalid value: "": name part must be non-empty',
    `reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    'reportingInstance: Required value',
    'action: Required value',
    'reason: Required value',
    'message: Invalid value: "": can have at most 1024 characters',
    'series.count: Invalid value: "": should be at least 2',
    'series.lastObservedTime: Required value',
    'count: Invalid value: "": needs to be unset',
    'source: Invalid value: "": needs to be unset',
  ]);
  assert.match(missing.body.message, /^Event "missing" is invalid: \[reportingController: Required value, /);

  const badController = await send('POST', v1(), newStyle('badctl', { reportingController: 'not a name' }));
  assert.equal(badController.status, 422);
  assert.equal(causes(badController.body)[0].split(':')[0], 'reportingController');

  // The same event through core/v1 is legacy-validated only: no eventTime, no type needed.
  const legacy = await send('POST', core(), { metadata: { name: 'bare' }, involvedObject: regarding });
  assert.equal(legacy.status, 201, JSON.stringify(legacy.body));

  // Updates through events.k8s.io/v1 may not change what kube makes immutable.
  const created = await send('POST', v1(), newStyle('immutable.1'));
  assert.equal(created.status, 201);
  const changed = await send('PUT', v1('/immutable.1'), { ...created.body, note: 'changed', action: 'Other' });
  assert.equal(changed.status, 422);
  assert.deepEqual(causes(changed.body), ['message: Invalid value: "changed": field is immutable', 'action: Invalid value: "Other": field is immutable']);
  // A series update is fine, and reads back through core/v1.
  const series = { count: 2, lastObservedTime: '2026-12-06T10:01:00.000000Z' };
  const bumped = await send('PUT', v1('/immutable.1'), { ...created.body, series });
  assert.equal(bumped.status, 200, JSON.stringify(bumped.body));
  assert.equal((await send('GET', core('/immutable.1'))).body.series.count, 2);
  // Through core/v1 the same change of message is allowed (legacy validation only).
  const coreObj = (await send('GET', core('/immutable.1'))).body;
  const coreChanged = await send('PUT', core('/immutable.1'), { ...coreObj, message: 'changed' });
  assert.equal(coreChanged.status, 200, JSON.stringify(coreChanged.body));
});

test('errors name the resource of the group asked: events.events.k8s.io', async () => {
  const missing = await send('GET', v1('/nope'));
  assert.equal(missing.status, 404);
  assert.equal(missing.body.message, 'events.events.k8s.io "nope" not found');
  assert.deepEqual(missing.body.details, { name: 'nope', group: 'events.k8s.io', kind: 'events' });
  const dup = await send('POST', v1(), newStyle('mapped.1'));
  assert.equal(dup.status, 409);
  assert.equal(dup.body.message, 'events.events.k8s.io "mapped.1" already exists');
  const coreVersion = await send('POST', v1(), { ...newStyle('x'), apiVersion: 'v1' });
  assert.equal(coreVersion.status, 400);
  assert.equal(coreVersion.body.message, 'the API version in the data (v1) does not match the expected API version (events.k8s.io/v1)');
  const v1Version = await send('POST', core(), { ...newStyle('x') });
  assert.equal(v1Version.status, 400);
  assert.equal(v1Version.body.message, 'the API version in the data (events.k8s.io/v1) does not match the expected API version (v1)');
});

test('patch, server-side apply, delete and deletecollection through events.k8s.io/v1', async () => {
  const created = await send('POST', v1(), newStyle('patched.1'));
  assert.equal(created.status, 201);
  const merged = await send('PATCH', v1('/patched.1'), { metadata: { labels: { a: 'b' } } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(merged.status, 200, JSON.stringify(merged.body));
  assert.deepEqual(merged.body.metadata.labels, { a: 'b' });
  assert.equal(merged.body.note, 'synced the service');

  const applied = await send('PATCH', v1('/applied.1?fieldManager=tester'), newStyle('applied.1'), { 'content-type': 'application/apply-patch+yaml' });
  assert.equal(applied.status, 201, JSON.stringify(applied.body));
  assert.equal(applied.body.note, 'synced the service');
  assert.equal((await send('GET', core('/applied.1'))).body.message, 'synced the service');
  const reapplied = await send('PATCH', v1('/applied.1?fieldManager=tester'), newStyle('applied.1', { metadata: { name: 'applied.1', labels: { x: 'y' } } }), {
    'content-type': 'application/apply-patch+yaml',
  });
  assert.equal(reapplied.status, 200, JSON.stringify(reapplied.body));
  assert.deepEqual(reapplied.body.metadata.labels, { x: 'y' });

  const deleted = await send('DELETE', v1('/patched.1'));
  assert.equal(deleted.status, 200);
  assert.equal(deleted.body.status, 'Success');
  assert.equal((await send('GET', core('/patched.1'))).status, 404);

  const collection = await send('DELETE', `${v1()}?fieldSelector=${encodeURIComponent('regarding.name=api')}`);
  assert.equal(collection.status, 200);
  assert.equal(collection.body.apiVersion, 'events.k8s.io/v1');
  assert.deepEqual(
    collection.body.items.map((i: { metadata: { name: string }; note: string }) => [i.metadata.name, i.note]),
    [['list.1', 'synced the service']],
  );
});

test("managedFields name the group/version each manager wrote through, in its field names; apply conflicts use the applier's", async () => {
  const created = await send('POST', `${core()}?fieldManager=core-writer`, {
    metadata: { name: 'managed.1' },
    involvedObject: regarding,
    reason: 'Synced',
    message: 'from core',
    type: 'Normal',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const entry = created.body.metadata.managedFields[0];
  assert.equal(entry.apiVersion, 'v1');
  assert.ok('f:message' in entry.fieldsV1 && 'f:involvedObject' in entry.fieldsV1, JSON.stringify(entry.fieldsV1));

  const applied = await send(
    'PATCH',
    v1('/managed.1?fieldManager=tester'),
    { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'managed.1', labels: { a: 'b' } } },
    {
      'content-type': 'application/apply-patch+yaml',
    },
  );
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  const byManager = Object.fromEntries(applied.body.metadata.managedFields.map((e: { manager: string }) => [e.manager, e]));
  assert.equal(byManager.tester.apiVersion, 'events.k8s.io/v1');
  assert.equal(byManager.tester.operation, 'Apply');
  // The core writer's entry is stored as written, whichever group it is read through.
  assert.equal(byManager['core-writer'].apiVersion, 'v1');
  assert.ok('f:message' in byManager['core-writer'].fieldsV1);

  const conflict = await send(
    'PATCH',
    v1('/managed.1?fieldManager=tester'),
    { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'managed.1' }, note: 'mine' },
    {
      'content-type': 'application/apply-patch+yaml',
    },
  );
  assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
  assert.equal(conflict.body.message, 'Apply failed with 1 conflict: conflict with "core-writer" using v1: .note');

  // An update through events.k8s.io/v1 records its own entry in that group's names.
  const current = (await send('GET', v1('/managed.1'))).body;
  const updated = await send('PUT', v1('/managed.1?fieldManager=v1-writer'), { ...current, metadata: { ...current.metadata, annotations: { x: 'y' } } });
  assert.equal(updated.status, 200, JSON.stringify(updated.body));
  const v1Entry = updated.body.metadata.managedFields.find((e: { manager: string }) => e.manager === 'v1-writer');
  assert.equal(v1Entry.apiVersion, 'events.k8s.io/v1');
});

test('the Table has printEvent columns, the same as core/v1', async () => {
  const accept = { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };
  const table = await send('GET', v1(), undefined, accept);
  const coreTable = await send('GET', core(), undefined, accept);
  assert.equal(table.status, 200);
  assert.deepEqual(table.body.columnDefinitions, coreTable.body.columnDefinitions);
  const row = table.body.rows.find((r: { cells: unknown[] }) => r.cells.at(-1) === 'mapped.1');
  assert.ok(row);
  // LAST SEEN, TYPE, REASON, OBJECT, SUBOBJECT, SOURCE, MESSAGE, FIRST SEEN, COUNT, NAME.
  assert.deepEqual(row.cells.slice(1, 7), ['Normal', 'Synced', 'service/web', '', 'example.com/operator, operator-0', 'synced the service']);
  assert.equal(row.cells[8], 2);

  // kubectl get events.v1.events.k8s.io -w: a Table watch, rows of events written through core/v1.
  const rv = table.body.metadata.resourceVersion;
  const rows = await watchLines(
    `${v1()}?watch=true&resourceVersion=${rv}`,
    1,
    async () => {
      await send('POST', core(), { metadata: { name: 'table.1' }, involvedObject: regarding, reason: 'Tabled', message: 'in a table', type: 'Warning' });
    },
    accept,
  );
  assert.equal(rows[0].type, 'ADDED');
  assert.equal(rows[0].object.kind, 'Table');
  assert.deepEqual(rows[0].object.rows[0].cells.slice(1, 4), ['Warning', 'Tabled', 'service/web']);
  assert.equal(rows[0].object.rows[0].object.kind, 'PartialObjectMetadata');
  assert.equal(rows[0].object.rows[0].object.metadata.name, 'table.1');
});

test('discovery lists events.k8s.io/v1 in the legacy and aggregated documents', async () => {
  const groups = await send('GET', `${t.url}/apis`);
  const group = groups.body.groups.find((g: { name: string }) => g.name === 'events.k8s.io');
  assert.deepEqual(group, {
    name: 'events.k8s.io',
    versions: [{ groupVersion: 'events.k8s.io/v1', version: 'v1' }],
    preferredVersion: { groupVersion: 'events.k8s.io/v1', version: 'v1' },
  });
  // kube-apiserver's priorities: events.k8s.io comes first among the named groups.
  assert.equal(groups.body.groups[0].name, 'events.k8s.io');
  const resources = await send('GET', `${t.url}/apis/events.k8s.io/v1`);
  assert.deepEqual(resources.body.resources, [
    {
      name: 'events',
      singularName: 'event',
      namespaced: true,
      kind: 'Event',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['ev'],
    },
  ]);
  const aggregated = await send('GET', `${t.url}/apis`, undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
  const entry = aggregated.body.items.find((g: { metadata: { name: string } }) => g.metadata.name === 'events.k8s.io');
  assert.equal(entry.versions[0].version, 'v1');
  assert.equal(entry.versions[0].resources[0].resource, 'events');
  assert.deepEqual(entry.versions[0].resources[0].responseKind, { group: 'events.k8s.io', version: 'v1', kind: 'Event' });
});

test('the OpenAPI v3 document of events.k8s.io/v1 defines Event, EventList and EventSeries', async () => {
  const doc = await send('GET', `${t.url}/openapi/v3/apis/events.k8s.io/v1`);
  assert.equal(doc.status, 200);
  const schemas = doc.body.components.schemas;
  for (const name of ['Event', 'EventList', 'EventSeries']) assert.ok(schemas[`io.k8s.api.events.v1.${name}`], name);
  assert.deepEqual(schemas['io.k8s.api.events.v1.Event']['x-kubernetes-group-version-kind'], [{ group: 'events.k8s.io', kind: 'Event', version: 'v1' }]);
});

const skip = kubectlSkip('the kubectl events.k8s.io suite');

describe('kubectl reads events written through events.k8s.io/v1', { skip }, () => {
  let home: KubectlHome;
  before(async () => {
    home = kubectlHome();
    const now = new Date(Date.now() - 60_000)
      .toISOString()
      .replace('Z', '000Z')
      .replace(/\.(\d{6})\d*Z$/, '.$1Z');
    const res = await send('POST', v1(), newStyle('kubectl.1', { eventTime: now, note: 'written through events.k8s.io', reason: 'KubectlSees' }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });
  after(() => home.remove());

  const kubectl = async (args: string[]) => {
    const run = await runKubectl(t.url, args, { env: home.env });
    assert.equal(run.code, 0, showRun(args, run));
    return run;
  };

  test('kubectl get events.v1.events.k8s.io prints printEvent columns', async () => {
    const run = await kubectl(['get', 'events.v1.events.k8s.io', '-n', ns, '--field-selector', 'reason=KubectlSees']);
    const [header, row] = run.stdout.trim().split('\n');
    assert.match(header, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    assert.match(row, /^\S+\s+Normal\s+KubectlSees\s+service\/web\s+written through events\.k8s\.io$/);
  });

  test('kubectl get ev reads core/v1 and warns, as against kube-apiserver, that events.events.k8s.io has the short name too', async () => {
    const run = await kubectl(['get', 'ev', '-n', ns, '--field-selector', 'reason=KubectlSees']);
    assert.match(run.stdout, /KubectlSees/);
    assert.match(run.stderr, /short name "ev" could also match lower priority resource events\.events\.k8s\.io/);
  });

  test('kubectl events shows it', async () => {
    const run = await kubectl(['events', '-n', ns]);
    assert.match(run.stdout, /Normal\s+KubectlSees\s+Service\/web\s+written through events\.k8s\.io/);
  });
});
