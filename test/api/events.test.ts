// The core/v1 Events API over HTTP against a real server: CRUD with kube-apiserver's answers,
// validation and namespace errors, the field selector `kubectl describe` sends, server-side
// tables, pagination, watches that see EventRecorder-style recordings, and namespace deletion.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startServer, type TestServer } from '../support/server.js';
import { openWatch } from '../support/watch.js';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(async () => t.stop());

const api = () => request(t.url);
const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const mkns = async (name: string) => api().post('/api/v1/namespaces').send({ metadata: { name } }).expect(201);
const eventsIn = (ns: string) => `/api/v1/namespaces/${ns}/events`;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');

interface Ref {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

const event = (name: string, involvedObject: Ref, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name },
  involvedObject,
  reason: 'EnsuringLoadBalancer',
  message: 'Ensuring load balancer',
  source: { component: 'service-controller' },
  firstTimestamp: ago(0),
  lastTimestamp: ago(0),
  count: 1,
  type: 'Normal',
  ...extra,
});

describe('create, read, update, delete', () => {
  const web = { kind: 'Service', namespace: 'default', name: 'web', uid: '11111111-2222-3333-4444-555555555555', apiVersion: 'v1' };
  let created: Record<string, any>;

  test('POST creates (201) with system metadata and the fields Go always writes', async () => {
    const res = await api().post(eventsIn('default')).send(event('web.crud', web)).expect(201);
    created = res.body;
    assert.equal(created.kind, 'Event');
    assert.equal(created.apiVersion, 'v1');
    assert.equal(created.metadata.name, 'web.crud');
    assert.equal(created.metadata.namespace, 'default');
    assert.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(created.metadata.resourceVersion, /^\d+$/);
    assert.deepEqual(created.involvedObject, web);
    assert.equal(created.count, 1);
    // A zero metav1.MicroTime is written as null, reportingComponent/Instance always.
    assert.equal(created.eventTime, null);
    assert.equal(created.reportingComponent, '');
    assert.equal(created.reportingInstance, '');
  });

  test('GET returns the stored object; a missing one is a NotFound Status', async () => {
    const got = await api()
      .get(`${eventsIn('default')}/web.crud`)
      .expect(200);
    assert.deepEqual(got.body, created);
    const missing = await api()
      .get(`${eventsIn('default')}/nope`)
      .expect(404);
    assert.deepEqual(missing.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'events "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'events' },
      code: 404,
    });
  });

  test('a POST of the same name is AlreadyExists', async () => {
    const res = await api().post(eventsIn('default')).send(event('web.crud', web)).expect(409);
    assert.equal(res.body.message, 'events "web.crud" already exists');
  });

  test('a body carrying nulls (as Go clients send zero times) is accepted', async () => {
    const res = await api()
      .post(eventsIn('default'))
      .send(event('web.nulls', web, { eventTime: null, series: null, related: null }))
      .expect(201);
    assert.equal(res.body.eventTime, null);
    assert.equal(res.body.series, undefined);
    await api()
      .delete(`${eventsIn('default')}/web.nulls`)
      .expect(200);
  });

  test('dryRun=All answers without storing; fieldValidation=Strict refuses unknown fields', async () => {
    await api()
      .post(`${eventsIn('default')}?dryRun=All`)
      .send(event('web.dry', web))
      .expect(201);
    await api()
      .get(`${eventsIn('default')}/web.dry`)
      .expect(404);
    const strict = await api()
      .post(`${eventsIn('default')}?fieldValidation=Strict`)
      .send({ ...event('web.strict', web), bogus: 1 })
      .expect(400);
    assert.equal(strict.body.message, 'strict decoding error: unknown field "bogus"');
    const warn = await api()
      .post(eventsIn('default'))
      .send({ ...event('web.warn', web), bogus: 1 })
      .expect(201);
    assert.equal(warn.headers.warning, '299 - "unknown field \\"bogus\\""');
    await api()
      .delete(`${eventsIn('default')}/web.warn`)
      .expect(200);
  });

  test('merge, JSON and strategic merge patches apply to the stored event', async () => {
    const path = `${eventsIn('default')}/web.crud`;
    const merged = await api()
      .patch(path)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ count: 2, message: 'Ensuring load balancer again' }))
      .expect(200);
    assert.equal(merged.body.count, 2);
    assert.equal(merged.body.message, 'Ensuring load balancer again');
    assert.ok(Number(merged.body.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    // Stored nulls (eventTime) do not trip the shape check of the patched object.
    assert.equal(merged.body.eventTime, null);
    const json = await api()
      .patch(path)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/count', value: 3 }]))
      .expect(200);
    assert.equal(json.body.count, 3);
    const smp = await api()
      .patch(path)
      .set('Content-Type', 'application/strategic-merge-patch+json')
      .send(JSON.stringify({ metadata: { finalizers: ['example.com/keep'], labels: { a: 'b' } }, involvedObject: { fieldPath: 'spec.ports{http}' } }))
      .expect(200);
    assert.deepEqual(smp.body.metadata.labels, { a: 'b' });
    assert.deepEqual(smp.body.metadata.finalizers, ['example.com/keep']);
    // involvedObject is a plain struct: merged field by field, not replaced.
    assert.deepEqual(smp.body.involvedObject, { ...web, fieldPath: 'spec.ports{http}' });
    const more = await api()
      .patch(path)
      .set('Content-Type', 'application/strategic-merge-patch+json')
      .send(JSON.stringify({ metadata: { finalizers: ['example.com/other'] } }))
      .expect(200);
    // ObjectMeta.Finalizers has patchStrategy merge; without $setElementOrder Go's
    // mergeSortedSlice puts an item the server did not have first.
    assert.deepEqual(more.body.metadata.finalizers, ['example.com/other', 'example.com/keep']);
    await api()
      .patch(path)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ metadata: { finalizers: null } }))
      .expect(200);
  });

  test('a patch with an unsupported content type is a 415; a wrong-typed field a 400; a missing event a 404', async () => {
    const path = `${eventsIn('default')}/web.crud`;
    const unsupported = await api()
      .patch(path)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ count: 1 }));
    assert.equal(unsupported.status, 415);
    const wrong = await api()
      .patch(path)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ count: 'many' }))
      .expect(400);
    assert.match(wrong.body.message, /^Event in version "v1" cannot be handled as a Event: json: cannot unmarshal field count/);
    await api()
      .patch(`${eventsIn('default')}/nope`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ count: 1 }))
      .expect(404);
  });

  test('PUT updates without a resourceVersion, and creates (201) a missing name', async () => {
    const current = (
      await api()
        .get(`${eventsIn('default')}/web.crud`)
        .expect(200)
    ).body;
    const { resourceVersion: _rv, ...meta } = current.metadata;
    const updated = await api()
      .put(`${eventsIn('default')}/web.crud`)
      .send({ ...current, metadata: meta, message: 'replaced' })
      .expect(200);
    assert.equal(updated.body.message, 'replaced');
    assert.equal(updated.body.metadata.uid, current.metadata.uid);
    const stale = await api()
      .put(`${eventsIn('default')}/web.crud`)
      .send({ ...current, message: 'stale' })
      .expect(409);
    assert.equal(stale.body.reason, 'Conflict');
    const made = await api()
      .put(`${eventsIn('default')}/web.put`)
      .send(event('web.put', web))
      .expect(201);
    assert.equal(made.body.metadata.name, 'web.put');
    const mismatch = await api()
      .put(`${eventsIn('default')}/web.other`)
      .send(event('web.put', web))
      .expect(400);
    assert.equal(mismatch.body.message, 'the name of the object (web.put) does not match the name on the URL (web.other)');
  });

  test('DELETE answers a Success Status naming the event, as the event store does not return the object', async () => {
    const res = await api()
      .delete(`${eventsIn('default')}/web.put`)
      .expect(200);
    const uid = res.body.details.uid;
    assert.match(uid, /^[0-9a-f-]{36}$/);
    assert.deepEqual(res.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'web.put', kind: 'events', uid } });
    await api()
      .get(`${eventsIn('default')}/web.put`)
      .expect(404);
    await api()
      .delete(`${eventsIn('default')}/web.put`)
      .expect(404);
    await api()
      .delete(`${eventsIn('default')}/web.crud`)
      .expect(200);
  });

  test('verbs events do not have answer 405', async () => {
    const coll = await api().put(eventsIn('default')).send({}).expect(405);
    assert.equal(coll.body.reason, 'MethodNotAllowed');
    await api().patch(eventsIn('default')).set('Content-Type', 'application/merge-patch+json').send('{}').expect(405);
    await api()
      .post(`${eventsIn('default')}/x`)
      .send({})
      .expect(405);
  });
});

describe('validation and namespaces', () => {
  test('an involvedObject.namespace other than the event namespace is a 422 at involvedObject.namespace', async () => {
    const res = await api()
      .post(eventsIn('default'))
      .send(event('bad.ns', { kind: 'Service', namespace: 'kube-system', name: 'dns' }))
      .expect(422);
    assert.deepEqual(res.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Event "bad.ns" is invalid: involvedObject.namespace: Invalid value: "kube-system": does not match event.namespace',
      reason: 'Invalid',
      details: {
        name: 'bad.ns',
        kind: 'Event',
        causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "kube-system": does not match event.namespace', field: 'involvedObject.namespace' }],
      },
      code: 422,
    });
  });

  test('creating in a namespace that does not exist is a 404 for the namespace', async () => {
    const res = await api()
      .post(eventsIn('missing-ns'))
      .send(event('x.1', { kind: 'Service', namespace: 'missing-ns', name: 'x' }))
      .expect(404);
    assert.deepEqual(res.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'namespaces "missing-ns" not found',
      reason: 'NotFound',
      details: { name: 'missing-ns', kind: 'namespaces' },
      code: 404,
    });
  });

  test('a body namespace other than the URL namespace is a 400', async () => {
    const body = event('x.2', { kind: 'Service', namespace: 'default', name: 'x' });
    const res = await api()
      .post(eventsIn('default'))
      .send({ ...body, metadata: { name: 'x.2', namespace: 'kube-system' } })
      .expect(400);
    assert.equal(res.body.message, 'the namespace of the provided object does not match the namespace sent on the request');
  });

  test('deleting a namespace deletes its events', async () => {
    await mkns('ev-doomed');
    for (const name of ['a.1', 'b.1']) {
      await api()
        .post(eventsIn('ev-doomed'))
        .send(event(name, { kind: 'Service', namespace: 'ev-doomed', name: name.split('.')[0] }))
        .expect(201);
    }
    assert.equal((await api().get(eventsIn('ev-doomed')).expect(200)).body.items.length, 2);
    await api().delete('/api/v1/namespaces/ev-doomed').expect(200);
    const left = await api().get('/api/v1/events?fieldSelector=metadata.namespace%3Dev-doomed').expect(200);
    assert.deepEqual(left.body.items, []);
    await api().get('/api/v1/namespaces/ev-doomed').expect(404);
  });
});

describe('list', () => {
  const uid = '0b5c7a52-5d0e-4e0c-9f54-6a1b2c3d4e5f';
  const db = { kind: 'Service', namespace: 'ev-list', name: 'db', uid, apiVersion: 'v1' };

  before(async () => {
    await mkns('ev-list');
    const hours3 = ago(3 * 3600_000 + 5_000);
    await api()
      .post(eventsIn('ev-list'))
      .send(event('db.1', db, { firstTimestamp: hours3, lastTimestamp: hours3 }))
      .expect(201);
    await api()
      .post(eventsIn('ev-list'))
      .send(
        event('db.2', db, {
          type: 'Warning',
          reason: 'SyncLoadBalancerFailed',
          message: 'Error syncing load balancer: boom\n',
          firstTimestamp: hours3,
          lastTimestamp: hours3,
          count: 4,
        }),
      )
      .expect(201);
    // Same name and kind, but an older object (another uid): describe must not show it.
    await api()
      .post(eventsIn('ev-list'))
      .send(event('db.old', { ...db, uid: 'ffffffff-0000-0000-0000-000000000000' }))
      .expect(201);
    await api()
      .post(eventsIn('ev-list'))
      .send(event('web.1', { ...db, name: 'web', uid: '99999999-0000-0000-0000-000000000000' }))
      .expect(201);
  });

  test("the field selector kubectl describe svc sends returns only that object's events", async () => {
    const q = `fieldSelector=involvedObject.kind%3DService%2CinvolvedObject.name%3Ddb%2CinvolvedObject.namespace%3Dev-list%2CinvolvedObject.uid%3D${uid}&limit=500`;
    const res = await api()
      .get(`${eventsIn('ev-list')}?${q}`)
      .expect(200);
    assert.equal(res.body.kind, 'EventList');
    assert.equal(res.body.apiVersion, 'v1');
    assert.match(res.body.metadata.resourceVersion, /^\d+$/);
    assert.deepEqual(
      res.body.items.map((e: { metadata: { name: string } }) => e.metadata.name),
      ['db.1', 'db.2'],
    );
    // Items inside a list carry no kind/apiVersion, as kube-apiserver writes them.
    assert.equal(res.body.items[0].kind, undefined);
  });

  test('other selectable fields, and an unknown one is a 400', async () => {
    const warnings = await api()
      .get(`${eventsIn('ev-list')}?fieldSelector=type%3DWarning`)
      .expect(200);
    assert.deepEqual(
      warnings.body.items.map((e: { metadata: { name: string } }) => e.metadata.name),
      ['db.2'],
    );
    const bySource = await api().get(`/api/v1/events?fieldSelector=source%3Dservice-controller,reason%3DSyncLoadBalancerFailed`).expect(200);
    assert.deepEqual(
      bySource.body.items.map((e: { metadata: { name: string } }) => e.metadata.name),
      ['db.2'],
    );
    const bad = await api()
      .get(`${eventsIn('ev-list')}?fieldSelector=spec.type%3DX`)
      .expect(400);
    assert.equal(bad.body.message, 'field label not supported: spec.type');
  });

  test('limit and continue page through the list', async () => {
    const first = await api()
      .get(`${eventsIn('ev-list')}?limit=3`)
      .expect(200);
    assert.equal(first.body.items.length, 3);
    assert.equal(first.body.metadata.remainingItemCount, 1);
    const token = first.body.metadata.continue;
    assert.ok(token);
    const second = await api()
      .get(`${eventsIn('ev-list')}?limit=3&continue=${encodeURIComponent(token)}`)
      .expect(200);
    assert.deepEqual(
      second.body.items.map((e: { metadata: { name: string } }) => e.metadata.name),
      ['web.1'],
    );
    assert.equal(second.body.metadata.continue, undefined);
  });

  test('a Table list has the event columns and the printed cells', async () => {
    const res = await api().get(eventsIn('ev-list')).set('Accept', tableAccept).expect(200);
    assert.equal(res.body.kind, 'Table');
    assert.equal(res.body.apiVersion, 'meta.k8s.io/v1');
    const columns = res.body.columnDefinitions.map((c: { name: string; priority: number }) => [c.name, c.priority]);
    assert.deepEqual(columns, [
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
    ]);
    const rows = res.body.rows as Array<{ cells: unknown[]; object: { kind: string; metadata: { name: string } } }>;
    assert.deepEqual(
      rows.map((r) => r.object.metadata.name),
      ['db.1', 'db.2', 'db.old', 'web.1'],
    );
    assert.equal(rows[0].object.kind, 'PartialObjectMetadata');
    assert.deepEqual(rows[0].cells, [
      '3h',
      'Normal',
      'EnsuringLoadBalancer',
      'service/db',
      '',
      'service-controller',
      'Ensuring load balancer',
      '3h',
      1,
      'db.1',
    ]);
    assert.deepEqual(rows[1].cells, [
      '3h',
      'Warning',
      'SyncLoadBalancerFailed',
      'service/db',
      '',
      'service-controller',
      'Error syncing load balancer: boom',
      '3h',
      4,
      'db.2',
    ]);
  });

  test('a Table GET of one event', async () => {
    const res = await api()
      .get(`${eventsIn('ev-list')}/db.2`)
      .set('Accept', tableAccept)
      .expect(200);
    assert.equal(res.body.kind, 'Table');
    assert.equal(res.body.rows.length, 1);
    assert.equal(res.body.rows[0].cells[2], 'SyncLoadBalancerFailed');
  });

  test('deletecollection with a field selector deletes only what matches', async () => {
    const res = await api()
      .delete(`${eventsIn('ev-list')}?fieldSelector=involvedObject.name%3Dweb`)
      .expect(200);
    assert.equal(res.body.kind, 'EventList');
    assert.deepEqual(
      res.body.items.map((e: { metadata: { name: string } }) => e.metadata.name),
      ['web.1'],
    );
    const left = await api().get(eventsIn('ev-list')).expect(200);
    assert.deepEqual(
      left.body.items.map((e: { metadata: { name: string } }) => e.metadata.name),
      ['db.1', 'db.2', 'db.old'],
    );
  });
});

describe('watch', () => {
  const lb = { kind: 'Service', namespace: 'ev-watch', name: 'lb', uid: '7d3b1e2a-8c4f-4a6b-9e0d-1f2a3b4c5d6e', apiVersion: 'v1' };

  test('a watch on /api/v1/events sees a recording as ADDED and its repeat as MODIFIED with count 2', async () => {
    await mkns('ev-watch');
    const rv = (await api().get('/api/v1/events').expect(200)).body.metadata.resourceVersion;
    const w = await openWatch(`${t.url}/api/v1/events?watch=true&resourceVersion=${rv}`);
    assert.equal(w.status, 200);
    const input = {
      involvedObject: lb,
      type: 'Normal' as const,
      reason: 'EnsuringLoadBalancer',
      message: 'Ensuring load balancer',
      component: 'service-controller',
    };
    const first = await t.server.events.record(input);
    const added = await w.next();
    assert.equal(added.type, 'ADDED');
    assert.equal(added.object.kind, 'Event');
    assert.equal(added.object.metadata.name, first.metadata?.name);
    assert.match(added.object.metadata.name, /^lb\.[0-9a-f]+$/);
    assert.equal(added.object.metadata.namespace, 'ev-watch');
    assert.equal(added.object.count, 1);
    await t.server.events.record(input);
    const modified = await w.next();
    assert.equal(modified.type, 'MODIFIED');
    assert.equal(modified.object.metadata.name, first.metadata?.name);
    assert.equal(modified.object.count, 2);
    assert.ok(Number(modified.object.metadata.resourceVersion) > Number(added.object.metadata.resourceVersion));
    w.close();
  });

  test('a namespaced watch with a field selector, and the legacy /api/v1/watch paths', async () => {
    const rv = (await api().get(eventsIn('ev-watch')).expect(200)).body.metadata.resourceVersion;
    const selected = await openWatch(`${t.url}${eventsIn('ev-watch')}?watch=1&resourceVersion=${rv}&fieldSelector=type%3DWarning`);
    const legacy = await openWatch(`${t.url}/api/v1/watch/namespaces/ev-watch/events?resourceVersion=${rv}`);
    await t.server.events.record({
      involvedObject: lb,
      type: 'Normal',
      reason: 'EnsuredLoadBalancer',
      message: 'Ensured load balancer',
      component: 'service-controller',
    });
    const warning = await t.server.events.record({
      involvedObject: lb,
      type: 'Warning',
      reason: 'SyncLoadBalancerFailed',
      message: 'boom',
      component: 'service-controller',
    });
    const e = await selected.next();
    assert.deepEqual([e.type, e.object.metadata.name, e.object.reason], ['ADDED', warning.metadata?.name, 'SyncLoadBalancerFailed']);
    assert.deepEqual([(await legacy.next()).object.reason, (await legacy.next()).object.reason], ['EnsuredLoadBalancer', 'SyncLoadBalancerFailed']);
    const one = await openWatch(`${t.url}/api/v1/watch/namespaces/ev-watch/events/${warning.metadata?.name}`);
    const initial = await one.next();
    assert.deepEqual([initial.type, initial.object.metadata.name], ['ADDED', warning.metadata?.name]);
    await api()
      .delete(`${eventsIn('ev-watch')}/${warning.metadata?.name}`)
      .expect(200);
    assert.equal((await one.next()).type, 'DELETED');
    assert.equal((await selected.next()).type, 'DELETED');
    for (const w of [selected, legacy, one]) w.close();
  });

  test('a Table watch prints event rows', async () => {
    const rv = (await api().get(eventsIn('ev-watch')).expect(200)).body.metadata.resourceVersion;
    const w = await openWatch(`${t.url}${eventsIn('ev-watch')}?watch=true&resourceVersion=${rv}`, { Accept: tableAccept });
    await t.server.events.record({ involvedObject: lb, type: 'Normal', reason: 'Type', message: 'ClusterIP -> LoadBalancer', component: 'service-controller' });
    const e = await w.next();
    assert.equal(e.type, 'ADDED');
    assert.equal(e.object.kind, 'Table');
    assert.equal(e.object.columnDefinitions[0].name, 'Last Seen');
    assert.deepEqual(e.object.rows[0].cells.slice(1, 4), ['Normal', 'Type', 'service/lb']);
    w.close();
  });
});

describe('discovery', () => {
  test('/api/v1 lists events with the short name ev', async () => {
    const v1 = await api().get('/api/v1').expect(200);
    const ev = v1.body.resources.find((r: { name: string }) => r.name === 'events');
    assert.deepEqual(ev, {
      name: 'events',
      singularName: 'event',
      namespaced: true,
      kind: 'Event',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['ev'],
    });
  });
});
