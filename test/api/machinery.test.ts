// Issue 23: the behaviours that had drifted apart while each resource carried its own copy of
// the pipeline. Each test would have caught one of the drifts; with one generic store they hold
// for every resource.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { NamespaceRegistry } from '../../src/registry/namespaceRegistry.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteObjectStore } from '../../src/storage/sqlite/objectStore.js';
import { startServer, tempDir, type TestServer } from '../support/server.js';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(async () => t.stop());
const api = () => request(t.url);
const json = (path: string, type = 'application/merge-patch+json') => ({ path, type });

const event = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, ...extra },
  involvedObject: { kind: 'Service', name: 'web', namespace: 'default' },
  reason: 'Test',
  message: 'hello',
  type: 'Normal',
});

describe('a dry run answers as kube-apiserver does, for every resource', () => {
  test('Event create: no resourceVersion (nothing was written); update: the current one', async () => {
    const dry = await api().post('/api/v1/namespaces/default/events?dryRun=All').send(event('dry-ev')).expect(201);
    assert.equal(dry.body.metadata.resourceVersion, undefined);
    await api().get('/api/v1/namespaces/default/events/dry-ev').expect(404);
    const real = await api().post('/api/v1/namespaces/default/events').send(event('real-ev')).expect(201);
    const rv = real.body.metadata.resourceVersion;
    const put = await api()
      .put('/api/v1/namespaces/default/events/real-ev?dryRun=All')
      .send({ ...real.body, message: 'changed' })
      .expect(200);
    assert.equal(put.body.message, 'changed');
    assert.equal(put.body.metadata.resourceVersion, rv);
    const { path, type } = json('/api/v1/namespaces/default/events/real-ev?dryRun=All');
    const patched = await api().patch(path).set('Content-Type', type).send({ message: 'patched' }).expect(200);
    assert.equal(patched.body.metadata.resourceVersion, rv);
    const del = await api().delete('/api/v1/namespaces/default/events/real-ev?dryRun=All').expect(200);
    assert.equal(del.body.status, 'Success');
    const after = await api().get('/api/v1/namespaces/default/events/real-ev').expect(200);
    assert.equal(after.body.metadata.resourceVersion, rv, 'nothing was written');
  });

  test('Namespace create and delete', async () => {
    const dry = await api()
      .post('/api/v1/namespaces?dryRun=All')
      .send({ metadata: { name: 'dry-ns' } })
      .expect(201);
    assert.equal(dry.body.metadata.resourceVersion, undefined);
    await api().get('/api/v1/namespaces/dry-ns').expect(404);
    const real = await api()
      .post('/api/v1/namespaces')
      .send({ metadata: { name: 'real-ns' } })
      .expect(201);
    const del = await api().delete('/api/v1/namespaces/real-ns?dryRun=All').expect(200);
    assert.equal(del.body.metadata.resourceVersion, real.body.metadata.resourceVersion);
    const live = await api().get('/api/v1/namespaces/real-ns').expect(200);
    assert.equal(live.body.status.phase, 'Active');
  });
});

describe('the namespace lifecycle counts every kind', () => {
  test('a Terminating namespace waits for its last object whatever its kind: a Service going first does not finish it while an Event remains', async () => {
    await api()
      .post('/api/v1/namespaces')
      .send({ metadata: { name: 'team' } })
      .expect(201);
    const keep = ['example.com/keep'];
    await api()
      .post('/api/v1/namespaces/team/events')
      .send({ ...event('held'), metadata: { name: 'held', finalizers: keep }, involvedObject: { kind: 'Service', name: 'web', namespace: 'team' } })
      .expect(201);
    await api()
      .post('/api/v1/namespaces/team/services')
      .send({ metadata: { name: 'held', finalizers: keep }, spec: { ports: [{ port: 80 }] } })
      .expect(201);
    const deleting = await api().delete('/api/v1/namespaces/team').expect(200);
    assert.equal(deleting.body.status.phase, 'Terminating');
    const unhold = (path: string) =>
      api()
        .patch(path)
        .set('Content-Type', 'application/merge-patch+json')
        .send({ metadata: { finalizers: null } });
    await unhold('/api/v1/namespaces/team/services/held').expect(200);
    await api().get('/api/v1/namespaces/team/services/held').expect(404);
    const still = await api().get('/api/v1/namespaces/team').expect(200);
    assert.equal(still.body.status.phase, 'Terminating', 'the held Event keeps the namespace');
    await unhold('/api/v1/namespaces/team/events/held').expect(200);
    await api().get('/api/v1/namespaces/team').expect(404);
  });

  test('new content in a Terminating namespace is Forbidden for every kind', async () => {
    await api()
      .post('/api/v1/namespaces')
      .send({ metadata: { name: 'closing' } })
      .expect(201);
    await api()
      .post('/api/v1/namespaces/closing/services')
      .send({ metadata: { name: 'hold', finalizers: ['example.com/keep'] }, spec: { ports: [{ port: 80 }] } })
      .expect(201);
    await api().delete('/api/v1/namespaces/closing').expect(200);
    for (const [path, body] of [
      ['services', { metadata: { name: 'late' }, spec: { ports: [{ port: 80 }] } }],
      ['events', event('late')],
    ] as const) {
      const res = await api().post(`/api/v1/namespaces/closing/${path}`).send(body).expect(403);
      assert.match(res.body.message, /unable to create new content in namespace closing because it is being terminated/);
    }
  });
});

describe('generateName', () => {
  test('a clash with an existing name draws a new suffix, for Namespaces as for Services and Events', async () => {
    const dir = tempDir();
    const db = openDatabase(join(dir, 'svcplane.db'));
    try {
      const names = ['g-aaaaa', 'g-aaaaa', 'g-bbbbb'];
      let uid = 0;
      const namespaces = new NamespaceRegistry(new SqliteObjectStore(db), { uid: () => `uid-${uid++}`, name: () => names.shift()! });
      assert.equal((await namespaces.create('', { metadata: { generateName: 'g-' } })).metadata?.name, 'g-aaaaa');
      assert.equal((await namespaces.create('', { metadata: { generateName: 'g-' } })).metadata?.name, 'g-bbbbb');
    } finally {
      db.close();
    }
  });
});

describe('one REST surface for every resource', () => {
  test("namespaces gained update and patch, as kube serves them; the lifecycle fields stay the server's", async () => {
    await api()
      .post('/api/v1/namespaces')
      .send({ metadata: { name: 'labelled' } })
      .expect(201);
    const patched = await api()
      .patch('/api/v1/namespaces/labelled')
      .set('Content-Type', 'application/strategic-merge-patch+json')
      .send({ metadata: { labels: { team: 'a' } }, spec: { finalizers: [] }, status: { phase: 'Terminating' } })
      .expect(200);
    assert.equal(patched.body.metadata.labels.team, 'a');
    assert.equal(patched.body.metadata.labels['kubernetes.io/metadata.name'], 'labelled');
    assert.deepEqual(patched.body.spec.finalizers, ['kubernetes']);
    assert.equal(patched.body.status.phase, 'Active');
    const put = await api()
      .put('/api/v1/namespaces/labelled')
      .send({ ...patched.body, metadata: { ...patched.body.metadata, labels: { team: 'b' } } })
      .expect(200);
    assert.equal(put.body.metadata.labels.team, 'b');
    await api().delete('/api/v1/namespaces').expect(405);
  });

  test('every resource has the legacy watch paths, registered in one place', async () => {
    for (const path of [
      '/api/v1/watch/namespaces/default/events',
      '/api/v1/watch/namespaces/default/services',
      '/api/v1/watch/namespaces',
      '/api/v1/watch/events',
      '/api/v1/watch/services',
    ]) {
      const res = await api()
        .get(`${path}?timeoutSeconds=1`)
        .buffer(true)
        .parse((r, done) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c));
          r.on('end', () => done(null, text));
        })
        .expect(200);
      assert.match(String(res.headers['content-type']), /application\/json/);
    }
  });

  test('discovery lists what the installer serves, verbs included', async () => {
    const res = await api().get('/api/v1').expect(200);
    const byName = Object.fromEntries(res.body.resources.map((r: { name: string; verbs: string[] }) => [r.name, r.verbs]));
    assert.deepEqual(byName.namespaces, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual(byName.services, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual(byName['services/status'], ['get', 'patch', 'update']);
    assert.deepEqual(byName.events, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  });
});
