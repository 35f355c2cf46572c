// list+watch through a client nobody here wrote: @kubernetes/client-node 1.x, its informer
// (ListWatch: list, then watch from the list's resourceVersion, relist on 410) and its bare Watch,
// against a real svcplane on a loopback port.
//
// What client-node 1.4 does on the wire: the list is `GET .../services` with
// `Accept: application/json, */*;q=0.8`; the watch is `GET .../services?watch=true&resourceVersion=N`
// with `Accept: */*`. A watch that ends normally is re-opened from the last event's resourceVersion;
// an ERROR event with code 410 clears it, so the re-open lists first. stop() aborts the request,
// which the informer reports on its `error` callback as an AbortError ("The user aborted a request.").
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startServer, type TestServer } from '../support/server.js';
import { Recorder, eventually } from '../support/recorder.js';

function kubeConfig(url: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'svcplane', server: url, skipTLSVerify: true }],
    users: [{ name: 'anonymous' }],
    contexts: [{ name: 'svcplane', cluster: 'svcplane', user: 'anonymous' }],
    currentContext: 'svcplane',
  });
  return kc;
}

interface Seen {
  verb: 'add' | 'update' | 'delete' | 'error' | 'connect';
  name?: string;
  rv?: string;
  obj?: k8s.V1Service;
  err?: unknown;
}

type ServiceInformer = k8s.Informer<k8s.V1Service> & k8s.ObjectCache<k8s.V1Service>;

/** makeInformer's result is a ListWatch, whose resourceVersion its declared type hides. */
const resumeVersion = (informer: ServiceInformer) => (informer as unknown as k8s.ListWatch<k8s.V1Service>).latestResourceVersion();

function record(informer: ServiceInformer): Recorder<Seen> {
  const rec = new Recorder<Seen>((s) => (s.err ? [s.verb, (s.err as Error).message ?? String(s.err)] : [s.verb, s.name, s.rv]));
  for (const verb of ['add', 'update', 'delete'] as const) {
    informer.on(verb, (obj) => rec.push({ verb, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion, obj }));
  }
  informer.on('error', (err) => rec.push({ verb: 'error', err }));
  informer.on('connect', () => rec.push({ verb: 'connect' }));
  return rec;
}

/** Every request the server receives, as method, URL and Accept header. */
function requestLog(t: TestServer): Recorder<{ method: string; url: string; accept?: string }> {
  const rec = new Recorder<{ method: string; url: string; accept?: string }>((r) => `${r.method} ${r.url}`);
  t.server.app.server.on('request', (req: IncomingMessage) => rec.push({ method: req.method ?? '', url: req.url ?? '', accept: req.headers.accept }));
  return rec;
}

const isAbort = (s: Seen) => s.verb === 'error' && /aborted/i.test(String((s.err as Error)?.message ?? s.err));
const svc = (name: string, labels: Record<string, string> = {}): k8s.V1Service => ({ metadata: { name, labels }, spec: { ports: [{ port: 80 }] } });
const names = (items: ReadonlyArray<k8s.V1Service>) => items.map((s) => s.metadata!.name!).sort();

let t: TestServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
before(async () => {
  t = await startServer();
  kc = kubeConfig(t.url);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
after(async () => t.stop());

describe('@kubernetes/client-node informer', () => {
  test('sees the listed state, then adds, updates and deletes; its cache follows', async () => {
    const ns = 'inf1';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedService({ namespace: ns, body: svc('pre') });
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/services`, () => core.listNamespacedService({ namespace: ns }));
    const rec = record(informer);
    // Other watchers of the hub (the cloud controller's) are not ours: count relative to them.
    const baseline = t.server.hub.watcherCount;
    await informer.start();
    try {
      await rec.waitFor((s) => s.verb === 'add' && s.name === 'pre', 'add of the listed Service');
      assert.equal(t.server.hub.watcherCount, baseline + 1, "the informer's watch is open");

      const created = await core.createNamespacedService({ namespace: ns, body: svc('b', { app: 'b' }) });
      const added = await rec.waitFor((s) => s.verb === 'add' && s.name === 'b', 'add of b');
      assert.equal(added.rv, created.metadata!.resourceVersion);
      assert.equal(added.obj!.spec!.clusterIP, created.spec!.clusterIP);

      const current = await core.readNamespacedService({ name: 'b', namespace: ns });
      current.metadata!.labels = { ...current.metadata!.labels, tier: 'web' };
      const replaced = await core.replaceNamespacedService({ name: 'b', namespace: ns, body: current });
      const updated = await rec.waitFor((s) => s.verb === 'update' && s.name === 'b', 'update of b');
      assert.equal(updated.rv, replaced.metadata!.resourceVersion);
      assert.deepEqual(updated.obj!.metadata!.labels, { app: 'b', tier: 'web' });

      await core.deleteNamespacedService({ name: 'pre', namespace: ns });
      const deleted = await rec.waitFor((s) => s.verb === 'delete' && s.name === 'pre', 'delete of pre');

      assert.deepEqual(names(informer.list(ns)), ['b']);
      assert.equal(informer.get('b', ns)!.metadata!.resourceVersion, replaced.metadata!.resourceVersion);
      assert.equal(informer.get('pre', ns), undefined);
      // The informer resumes from the last event it saw: the deletion's own revision.
      assert.equal(resumeVersion(informer), deleted.rv);
      assert.ok(Number(deleted.rv) > Number(replaced.metadata!.resourceVersion));
      assert.deepEqual(
        rec.items.filter((s) => s.verb === 'error'),
        [],
        'no errors while running',
      );
      assert.equal(rec.items.filter((s) => s.verb === 'connect').length, 1, 'one connection: the watch was never dropped');
    } finally {
      await informer.stop();
    }
    // The abort reaches the server, which lets go of the watcher.
    await eventually(() => t.server.hub.watcherCount === baseline, 'the server to drop the aborted watch');
  });

  test('with a label selector, an object that stops matching is deleted from the cache and comes back when it matches again', async () => {
    const ns = 'inf2';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const informer = k8s.makeInformer(
      kc,
      `/api/v1/namespaces/${ns}/services`,
      () => core.listNamespacedService({ namespace: ns, labelSelector: 'app=web' }),
      'app=web',
    );
    const rec = record(informer);
    await informer.start();
    try {
      await core.createNamespacedService({ namespace: ns, body: svc('other', { app: 'db' }) });
      await core.createNamespacedService({ namespace: ns, body: svc('front', { app: 'web' }) });
      await rec.waitFor((s) => s.verb === 'add' && s.name === 'front', 'add of front');
      const patch = (app: string) =>
        core.patchNamespacedService(
          { name: 'front', namespace: ns, body: { metadata: { labels: { app } } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
      await patch('api');
      const gone = await rec.waitFor((s) => s.verb === 'delete' && s.name === 'front', 'delete of front when it stops matching');
      assert.equal(gone.obj!.metadata!.labels!.app, 'web', 'the last state that matched');
      assert.deepEqual(informer.list(), []);
      const back = await patch('web');
      const readded = await rec.waitFor((s) => s.verb === 'add' && s.name === 'front', 'add of front when it matches again', 5000, rec.items.indexOf(gone) + 1);
      assert.equal(readded.rv, back.metadata!.resourceVersion);
      assert.deepEqual(names(informer.list()), ['front']);
      assert.ok(!rec.items.some((s) => s.name === 'other'), 'the non-matching Service never reached the informer');
    } finally {
      await informer.stop();
    }
  });
});

describe('@kubernetes/client-node informer under concurrent writes', () => {
  test('events arrive in resourceVersion order and the cache ends equal to a fresh list', async () => {
    const ns = 'inf3';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/services`, () => core.listNamespacedService({ namespace: ns }));
    const rec = record(informer);
    await informer.start();
    try {
      const from = rec.items.length;
      const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
      // 40 writers at once, each creating, patching twice and (every third) deleting its own Service.
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const name = `c${String(i).padStart(2, '0')}`;
          await core.createNamespacedService({ namespace: ns, body: svc(name) });
          for (const round of ['1', '2']) await core.patchNamespacedService({ name, namespace: ns, body: { metadata: { labels: { round } } } }, mergePatch);
          if (i % 3 === 0) await core.deleteNamespacedService({ name, namespace: ns });
        }),
      );
      const final = await core.listNamespacedService({ namespace: ns });
      await eventually(
        () => Number(resumeVersion(informer)) >= Number(final.metadata!.resourceVersion) && rec.items.filter((s) => s.verb === 'delete').length === 14,
        'the informer to catch up with the last write',
        10_000,
      );
      const seen = rec.items
        .slice(from)
        .filter((s) => s.rv !== undefined)
        .map((s) => Number(s.rv));
      assert.deepEqual(
        seen,
        [...seen].sort((a, b) => a - b),
        'resourceVersions only grow',
      );
      assert.equal(new Set(seen).size, seen.length, 'no event twice');
      assert.equal(seen.length, 40 + 80 + 14, 'one callback per write');
      const cached = new Map(informer.list(ns).map((s) => [s.metadata!.name!, s.metadata!.resourceVersion]));
      assert.deepEqual(cached, new Map(final.items.map((s) => [s.metadata!.name!, s.metadata!.resourceVersion])));
      assert.equal(cached.size, 26);
    } finally {
      await informer.stop();
    }
  });
});

describe('@kubernetes/client-node after the watch history is compacted (410)', () => {
  let small: TestServer;
  let smallKc: k8s.KubeConfig;
  let smallCore: k8s.CoreV1Api;
  before(async () => {
    small = await startServer({ watchHistory: 5 });
    smallKc = kubeConfig(small.url);
    smallCore = smallKc.makeApiClient(k8s.CoreV1Api);
    await smallCore.createNamespace({ body: { metadata: { name: 'churn' } } });
  });
  after(async () => small.stop());

  test('a restarted informer whose resourceVersion was compacted gets 410, relists and converges', async () => {
    const requests = requestLog(small);
    const ns = 'churn';
    await smallCore.createNamespacedService({ namespace: ns, body: svc('keep') });
    await smallCore.createNamespacedService({ namespace: ns, body: svc('gone') });
    const informer = k8s.makeInformer(smallKc, `/api/v1/namespaces/${ns}/services`, () => smallCore.listNamespacedService({ namespace: ns }));
    const rec = record(informer);
    await informer.start();
    await rec.waitFor((s) => s.verb === 'add' && s.name === 'gone', 'the initial list');
    await informer.stop();
    const staleRv = resumeVersion(informer);
    // client-node reports its own abort as an error; wait for it so it cannot race the restart.
    await rec.waitFor(isAbort, 'the AbortError stop() reports');

    await smallCore.deleteNamespacedService({ name: 'gone', namespace: ns });
    await smallCore.patchNamespacedService(
      { name: 'keep', namespace: ns, body: { metadata: { labels: { touched: 'yes' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    for (let i = 0; i < 300; i++) await smallCore.createNamespacedService({ namespace: ns, body: svc(`s${String(i).padStart(3, '0')}`) });
    assert.ok(small.server.store.compactedRevision() > Number(staleRv), "the informer's resourceVersion is now compacted");

    const from = rec.items.length;
    const mark = requests.items.length;
    await informer.start();
    try {
      // The relist's diff: a delete for what vanished, an update for what changed, adds for the rest.
      await rec.waitFor((s) => s.verb === 'delete' && s.name === 'gone', 'delete of gone on relist', 10_000, from);
      const touched = await rec.waitFor((s) => s.verb === 'update' && s.name === 'keep', 'update of keep on relist', 10_000, from);
      assert.equal(touched.obj!.metadata!.labels!.touched, 'yes');
      await rec.waitFor((s) => s.verb === 'add' && s.name === 's299', 'add of the last new Service', 10_000, from);
      const listed = await smallCore.listNamespacedService({ namespace: ns });
      assert.deepEqual(names(informer.list(ns)), names(listed.items));
      assert.equal(informer.list(ns).length, 301);

      // On the wire: a watch from the stale version (answered with an ERROR 410 event), a list, a watch from the list.
      const watchPath = `/api/v1/namespaces/${ns}/services`;
      const stale = await requests.waitFor(
        (r) => r.url === `${watchPath}?watch=true&resourceVersion=${staleRv}`,
        'the watch from the stale version',
        5000,
        mark,
      );
      const relist = await requests.waitFor((r) => r.method === 'GET' && r.url === watchPath, 'the relist', 5000, mark);
      const rewatch = await requests.waitFor(
        (r) => r.url.startsWith(`${watchPath}?watch=true&resourceVersion=`) && r !== stale,
        'the watch after the relist',
        5000,
        mark,
      );
      const order = [stale, relist, rewatch].map((r) => requests.items.indexOf(r));
      assert.deepEqual(
        [...order].sort((a, b) => a - b),
        order,
        `requests in order: ${JSON.stringify(requests.items.slice(mark).map((r) => r.url))}`,
      );
      assert.equal(stale.accept, '*/*');

      // And it is live again.
      await smallCore.createNamespacedService({ namespace: ns, body: svc('after') });
      await rec.waitFor((s) => s.verb === 'add' && s.name === 'after', 'add after the relist', 5000, from);
      assert.deepEqual(
        rec.items.slice(from).filter((s) => s.verb === 'error'),
        [],
        'the 410 is handled, not reported as an error',
      );
    } finally {
      await informer.stop();
    }
  });

  test('k8s.Watch from a compacted resourceVersion gets an ERROR event carrying a 410 Expired Status, then a clean end', async () => {
    const events = new Recorder<{ type: string; obj: any }>((e) => [e.type, e.obj?.metadata?.name ?? e.obj?.reason]);
    const done = new Recorder<{ err: any }>((d) => String(d.err));
    const watch = new k8s.Watch(smallKc);
    await watch.watch(
      '/api/v1/namespaces/churn/services',
      { resourceVersion: '2' },
      (type, obj) => events.push({ type, obj }),
      (err) => done.push({ err }),
    );
    const e = await events.waitFor(() => true, 'the first event');
    assert.equal(e.type, 'ERROR');
    assert.equal(e.obj.kind, 'Status');
    assert.equal(e.obj.apiVersion, 'v1');
    assert.equal(e.obj.status, 'Failure');
    assert.equal(e.obj.code, 410);
    assert.equal(e.obj.reason, 'Expired');
    assert.match(e.obj.message, /^too old resource version: 2 \(\d+\)$/);
    const end = await done.waitFor(() => true, 'done');
    assert.equal(end.err, null, 'the server ends the stream; the client sees a normal close');
    assert.equal(events.items.length, 1);
  });

  test('k8s.Watch from a current resourceVersion streams new objects; timeoutSeconds ends it cleanly', async () => {
    const list = await smallCore.listNamespacedService({ namespace: 'churn', limit: 1 });
    const events = new Recorder<{ type: string; obj: any }>((e) => [e.type, e.obj?.metadata?.name]);
    const done = new Recorder<{ err: any }>((d) => String(d.err));
    const watch = new k8s.Watch(smallKc);
    await watch.watch(
      '/api/v1/namespaces/churn/services',
      { resourceVersion: list.metadata!.resourceVersion, timeoutSeconds: 2, allowWatchBookmarks: true },
      (type, obj) => events.push({ type, obj }),
      (err) => done.push({ err }),
    );
    const created = await smallCore.createNamespacedService({ namespace: 'churn', body: svc('watched') });
    const e = await events.waitFor((x) => x.type === 'ADDED', 'ADDED');
    assert.equal(e.obj.metadata.name, 'watched');
    assert.equal(e.obj.kind, 'Service');
    assert.equal(e.obj.metadata.resourceVersion, created.metadata!.resourceVersion);
    assert.equal((await done.waitFor(() => true, 'the end of the stream', 5000)).err, null);
  });

  test('k8s.Watch from a resourceVersion the server has not reached fails with the 504 before the stream starts', async () => {
    const done = new Recorder<{ err: any }>((d) => String(d.err));
    const events: string[] = [];
    const watch = new k8s.Watch(smallKc);
    await watch.watch(
      '/api/v1/namespaces/churn/services',
      { resourceVersion: '99999999' },
      (type) => events.push(type),
      (err) => done.push({ err }),
    );
    const { err } = await done.waitFor(() => true, 'done', 8000);
    assert.equal(err?.statusCode, 504);
    assert.deepEqual(events, []);
  });
});
