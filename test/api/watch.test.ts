// List and watch over HTTP against a real server: event order, resuming, 410 for compacted
// history, selector transitions, bookmarks, streaming lists, timeouts, Table watches, and
// pagination that stays consistent while writes happen between pages.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startServer, type TestServer } from '../support/server.js';
import { openWatch } from '../support/watch.js';

let t: TestServer;
before(async () => {
  t = await startServer({ watchBookmarkInterval: 200 });
});
after(async () => t.stop());

const api = () => request(t.url);
const svc = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels }, spec: { ports: [{ port: 80 }] } });
const mkns = async (name: string) => api().post('/api/v1/namespaces').send({ metadata: { name } }).expect(201);
const create = async (ns: string, name: string, labels: Record<string, string> = {}) =>
  (await api().post(`/api/v1/namespaces/${ns}/services`).send(svc(name, labels)).expect(201)).body;
const mergePatch = async (ns: string, name: string, patch: unknown) =>
  (await api().patch(`/api/v1/namespaces/${ns}/services/${name}`).set('Content-Type', 'application/merge-patch+json').send(JSON.stringify(patch)).expect(200))
    .body;
const rvOf = (o: Record<string, any>) => Number(o.metadata.resourceVersion);

describe('watch', () => {
  test('create, update and delete arrive in order, each carrying its own resourceVersion', async () => {
    await mkns('w1');
    const w = await openWatch(`${t.url}/api/v1/namespaces/w1/services?watch=true`);
    assert.equal(w.status, 200);
    assert.equal(w.headers['content-type'], 'application/json');
    assert.equal(w.headers['transfer-encoding'], 'chunked');
    const created = await create('w1', 'a', { app: 'a' });
    const patched = await mergePatch('w1', 'a', { metadata: { labels: { tier: 'web' } } });
    const deleted = (await api().delete('/api/v1/namespaces/w1/services/a').expect(200)).body;
    const [e1, e2, e3] = [await w.next(), await w.next(), await w.next()];
    assert.deepEqual([e1.type, e2.type, e3.type], ['ADDED', 'MODIFIED', 'DELETED']);
    assert.deepEqual(e1.object, created);
    assert.deepEqual(e2.object, patched);
    assert.equal(e3.object.metadata.name, 'a');
    assert.equal(e3.object.kind, 'Service');
    assert.ok(rvOf(e1.object) < rvOf(e2.object) && rvOf(e2.object) < rvOf(e3.object));
    // As with etcd: the DELETE answer has the last stored version, the event the deletion's own.
    assert.equal(rvOf(e3.object), rvOf(deleted) + 1);
    w.close();
  });

  test('without a resourceVersion, the current state comes first as ADDED; resourceVersion=N resumes after N', async () => {
    await mkns('w2');
    const a = await create('w2', 'a');
    const b = await create('w2', 'b');
    const fresh = await openWatch(`${t.url}/api/v1/namespaces/w2/services?watch=1`);
    assert.deepEqual([(await fresh.next()).object.metadata.name, (await fresh.next()).object.metadata.name], ['a', 'b']);
    fresh.close();
    const resumed = await openWatch(`${t.url}/api/v1/namespaces/w2/services?watch=1&resourceVersion=${rvOf(a)}`);
    const first = await resumed.next();
    assert.equal(first.type, 'ADDED');
    assert.equal(first.object.metadata.name, 'b');
    assert.equal(first.object.metadata.resourceVersion, b.metadata.resourceVersion);
    await create('w2', 'c');
    assert.equal((await resumed.next()).object.metadata.name, 'c');
    resumed.close();
  });

  test('a label selector turns a change that stops matching into DELETED and one that starts into ADDED', async () => {
    await mkns('w3');
    const w = await openWatch(`${t.url}/api/v1/namespaces/w3/services?watch=true&labelSelector=app%3Dweb&resourceVersion=0`);
    await create('w3', 'other', { app: 'db' });
    await create('w3', 'front', { app: 'web' });
    let e = await w.next();
    assert.deepEqual([e.type, e.object.metadata.name], ['ADDED', 'front']);
    const moved = await mergePatch('w3', 'front', { metadata: { labels: { app: 'api' } } });
    e = await w.next();
    assert.deepEqual([e.type, e.object.metadata.name], ['DELETED', 'front']);
    // The last state that matched, at the change's resourceVersion, as kube-apiserver sends it.
    assert.equal(e.object.metadata.labels.app, 'web');
    assert.equal(e.object.metadata.resourceVersion, moved.metadata.resourceVersion);
    await mergePatch('w3', 'other', { metadata: { labels: { app: 'web' } } });
    e = await w.next();
    assert.deepEqual([e.type, e.object.metadata.name], ['ADDED', 'other']);
    assert.equal(w.events.length, 3, 'the non-matching create produced no event');
    w.close();
  });

  test('field selectors filter watches too, and the legacy /watch/ path watches one object', async () => {
    await mkns('w4');
    const byField = await openWatch(
      `${t.url}/api/v1/services?watch=true&fieldSelector=metadata.namespace%3Dw4,spec.type%3DNodePort&resourceVersion=${rvOf(await create('w4', 'x'))}`,
    );
    const legacy = await openWatch(`${t.url}/api/v1/watch/namespaces/w4/services/np`);
    await api()
      .post('/api/v1/namespaces/w4/services')
      .send({ metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } })
      .expect(201);
    assert.equal((await byField.next()).object.metadata.name, 'np');
    const e = await legacy.next();
    assert.deepEqual([e.type, e.object.metadata.name], ['ADDED', 'np']);
    byField.close();
    legacy.close();
  });

  test('a resourceVersion older than the history gets an ERROR event with a 410 Expired Status', async () => {
    const small = await startServer({ watchHistory: 10 });
    try {
      await request(small.url)
        .post('/api/v1/namespaces')
        .send({ metadata: { name: 'churn' } })
        .expect(201);
      for (let i = 0; i < 300; i++)
        await request(small.url)
          .post('/api/v1/namespaces/churn/services')
          .send(svc(`s${i}`))
          .expect(201);
      const w = await openWatch(`${small.url}/api/v1/namespaces/churn/services?watch=true&resourceVersion=2`);
      assert.equal(w.status, 200);
      const e = await w.next();
      assert.equal(e.type, 'ERROR');
      assert.equal(e.object.kind, 'Status');
      assert.equal(e.object.code, 410);
      assert.equal(e.object.reason, 'Expired');
      assert.match(e.object.message, /^too old resource version: 2 \(\d+\)$/);
      await w.ended;
      // A list at an exact, compacted version is refused the same way.
      const exact = await request(small.url).get('/api/v1/services?resourceVersion=2&resourceVersionMatch=Exact').expect(410);
      assert.equal(exact.body.message, 'The resourceVersion for the provided list is too old.');
      // So is a paginated one (limit makes the version exact); without limit it means "not older than".
      const paged = await request(small.url).get('/api/v1/services?resourceVersion=2&limit=5').expect(410);
      assert.equal(paged.body.message, 'The resourceVersion for the provided list is too old.');
      await request(small.url).get('/api/v1/services?resourceVersion=2').expect(200);
    } finally {
      await small.stop();
    }
  });

  test('allowWatchBookmarks brings BOOKMARK events with the current resourceVersion and no object body', async () => {
    const w = await openWatch(`${t.url}/api/v1/namespaces/kube-system/services?watch=true&allowWatchBookmarks=true&resourceVersion=1`);
    const e = await w.next(3000);
    assert.equal(e.type, 'BOOKMARK');
    assert.deepEqual(Object.keys(e.object), ['kind', 'apiVersion', 'metadata']);
    assert.deepEqual(Object.keys(e.object.metadata), ['resourceVersion']);
    assert.ok(Number(e.object.metadata.resourceVersion) >= 1);
    w.close();
  });

  test('sendInitialEvents streams the state, then a bookmark annotated k8s.io/initial-events-end', async () => {
    await mkns('w5');
    await create('w5', 'one');
    const w = await openWatch(
      `${t.url}/api/v1/namespaces/w5/services?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
    );
    assert.equal((await w.next()).object.metadata.name, 'one');
    const end = await w.next();
    assert.equal(end.type, 'BOOKMARK');
    assert.deepEqual(end.object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
    w.close();
    // The end marker is a bookmark, so a watcher that does not allow bookmarks gets the state only.
    const plain = await openWatch(
      `${t.url}/api/v1/namespaces/w5/services?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1`,
    );
    assert.equal((await plain.next()).object.metadata.name, 'one');
    await plain.ended;
    assert.deepEqual(
      plain.events.map((e) => e.type),
      ['ADDED'],
    );
    const bad = await api().get('/api/v1/namespaces/w5/services?watch=true&sendInitialEvents=true').expect(422);
    assert.equal(bad.body.details.causes[0].message, 'Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  });

  test('timeoutSeconds ends the stream cleanly', async () => {
    const w = await openWatch(`${t.url}/api/v1/namespaces/default/services?watch=true&timeoutSeconds=1&resourceVersion=1`);
    await w.ended;
    assert.ok(w.events.every((e) => e.type !== 'ERROR'));
  });

  test('a Table watch (kubectl get -w) sends one-row Tables, column definitions only in the first', async () => {
    await mkns('w6');
    const w = await openWatch(`${t.url}/api/v1/namespaces/w6/services?watch=true`, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    await create('w6', 'a');
    await create('w6', 'b');
    const [e1, e2] = [await w.next(), await w.next()];
    assert.equal(e1.object.kind, 'Table');
    assert.equal(e1.object.columnDefinitions[0].name, 'Name');
    assert.equal(e1.object.rows[0].cells[0], 'a');
    assert.equal(e1.object.rows[0].object.kind, 'PartialObjectMetadata');
    assert.equal(e2.object.columnDefinitions, null);
    assert.equal(e2.object.rows[0].cells[0], 'b');
    w.close();
  });

  test('a resourceVersion from the future waits, then answers 504 with a ResourceVersionTooLarge cause', async () => {
    const res = await api().get('/api/v1/services?watch=true&resourceVersion=999999').expect(504);
    assert.equal(res.body.reason, 'Timeout');
    assert.equal(res.body.details.causes[0].reason, 'ResourceVersionTooLarge');
    assert.equal(res.body.details.retryAfterSeconds, 1);
  });

  test('closing the server ends open watches instead of hanging', async () => {
    const s = await startServer();
    const w = await openWatch(`${s.url}/api/v1/services?watch=true`);
    await s.stop();
    await w.ended;
  });
});

describe('list', () => {
  test('limit and continue page through one snapshot: each object exactly once while writes happen', async () => {
    await mkns('p1');
    const names = Array.from({ length: 23 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    for (const n of names) await create('p1', n);
    const seen: string[] = [];
    let token: string | undefined;
    let snapshot: string | undefined;
    let round = 0;
    do {
      const res = await api()
        .get('/api/v1/namespaces/p1/services')
        .query({ limit: 5, ...(token ? { continue: token } : {}) })
        .expect(200);
      seen.push(...res.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      snapshot ??= res.body.metadata.resourceVersion;
      assert.equal(res.body.metadata.resourceVersion, snapshot, "every page is at the first page's revision");
      token = res.body.metadata.continue;
      if (token) assert.equal(res.body.metadata.remainingItemCount, names.length - seen.length);
      // Writes between pages: a new object, a deletion ahead of the cursor, an update.
      await create('p1', `zz-new-${round}`);
      await api()
        .delete(`/api/v1/namespaces/p1/services/${names[names.length - 1 - round]}`)
        .expect(200);
      await mergePatch('p1', names[round], { metadata: { labels: { round: String(round) } } });
      round++;
    } while (token);
    assert.deepEqual(seen, names);
    const now = await api().get('/api/v1/namespaces/p1/services').expect(200);
    assert.ok(Number(now.body.metadata.resourceVersion) > Number(snapshot));
    assert.equal(now.body.metadata.continue, undefined);
  });

  test('resourceVersionMatch=Exact lists the collection as it was at that version', async () => {
    await mkns('p2');
    const a = await create('p2', 'a');
    await create('p2', 'b');
    await mergePatch('p2', 'a', { metadata: { labels: { later: 'yes' } } });
    const res = await api().get(`/api/v1/namespaces/p2/services?resourceVersion=${a.metadata.resourceVersion}&resourceVersionMatch=Exact`).expect(200);
    assert.equal(res.body.metadata.resourceVersion, a.metadata.resourceVersion);
    assert.deepEqual(
      res.body.items.map((i: { metadata: { name: string; labels?: object } }) => [i.metadata.name, i.metadata.labels ?? {}]),
      [['a', {}]],
    );
  });

  test("limit with a resourceVersion (and no resourceVersionMatch) lists exactly at that version, as etcd3's legacy reading does", async () => {
    await mkns('p3');
    const a = await create('p3', 'a');
    await create('p3', 'b');
    await mergePatch('p3', 'a', { metadata: { labels: { later: 'yes' } } });
    const rv = a.metadata.resourceVersion;
    const paged = await api().get(`/api/v1/namespaces/p3/services?resourceVersion=${rv}&limit=10`).expect(200);
    assert.equal(paged.body.metadata.resourceVersion, rv);
    assert.deepEqual(
      paged.body.items.map((i: { metadata: { name: string; labels?: object } }) => [i.metadata.name, i.metadata.labels ?? {}]),
      [['a', {}]],
    );
    // A continued page stays at that version too.
    const first = await api().get(`/api/v1/namespaces/p3/services?resourceVersion=${rv}&limit=1`).expect(200);
    assert.equal(first.body.metadata.resourceVersion, rv);
    assert.equal(first.body.metadata.continue, undefined, 'one object at that version: no more pages');
    // Without limit, or with NotOlderThan, or at 0, the same version means "at least this new".
    for (const query of [`resourceVersion=${rv}`, `resourceVersion=${rv}&limit=10&resourceVersionMatch=NotOlderThan`, 'resourceVersion=0&limit=10']) {
      const res = await api().get(`/api/v1/namespaces/p3/services?${query}`).expect(200);
      assert.ok(Number(res.body.metadata.resourceVersion) > Number(rv), query);
      assert.deepEqual(
        res.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
        ['a', 'b'],
        query,
      );
    }
  });

  test('an expired continue token is a 410 carrying a fresh token that continues at the newest version', async () => {
    const small = await startServer({ watchHistory: 5 });
    try {
      const page = await request(small.url).get('/api/v1/namespaces?limit=2').expect(200);
      for (let i = 0; i < 270; i++)
        await request(small.url)
          .post('/api/v1/namespaces')
          .send({ metadata: { name: `n${i}` } })
          .expect(201);
      const expired = await request(small.url).get(`/api/v1/namespaces?limit=2&continue=${page.body.metadata.continue}`).expect(410);
      assert.equal(expired.body.reason, 'Expired');
      assert.match(expired.body.message, /^The provided continue parameter is too old to display a consistent list result\./);
      const next = await request(small.url).get(`/api/v1/namespaces?limit=2&continue=${expired.body.metadata.continue}`).expect(200);
      assert.equal(next.body.items.length, 2);
      assert.ok(next.body.items[0].metadata.name > page.body.items[1].metadata.name);
    } finally {
      await small.stop();
    }
  });

  test('list options are checked as kube-apiserver checks them', async () => {
    const cases: [string, number, string][] = [
      ['resourceVersionMatch=Exact', 422, 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
      [
        'resourceVersion=0&resourceVersionMatch=Exact',
        422,
        'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      ],
      [
        'resourceVersion=5&resourceVersionMatch=Newest',
        422,
        'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
      ],
      ['sendInitialEvents=true', 422, 'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'],
      ['continue=not-a-token!', 400, 'invalid continue token: continue key is not valid: illegal base64 data'],
      ['labelSelector=app%20in%20(a', 400, ''],
      ['fieldSelector=spec.ports=80', 400, ''],
    ];
    for (const [query, code, message] of cases) {
      const res = await api().get(`/api/v1/services?${query}`).expect(code);
      assert.equal(res.body.kind, 'Status', query);
      if (code === 422) {
        assert.equal(res.body.details.kind, 'ListOptions');
        assert.equal(res.body.details.group, 'meta.k8s.io');
        assert.ok(res.body.message.endsWith(message), `${query}: ${res.body.message}`);
      } else if (message) assert.equal(res.body.message, message);
    }
    const page = await api().get('/api/v1/namespaces?limit=1').expect(200);
    const mixed = await api().get(`/api/v1/namespaces?limit=1&continue=${page.body.metadata.continue}&resourceVersion=3`).expect(400);
    assert.equal(mixed.body.message, 'specifying resource version is not allowed when using continue');
  });

  test('a Table list carries the continue token and the list resourceVersion', async () => {
    const res = await api().get('/api/v1/namespaces?limit=1').set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200);
    assert.equal(res.body.kind, 'Table');
    assert.equal(res.body.rows.length, 1);
    assert.ok(res.body.metadata.continue);
    assert.match(res.body.metadata.resourceVersion, /^\d+$/);
  });
});
