// End to end: the real kubectl watching svcplane. `kubectl get -w` lists (a Table), then watches
// from the list's resourceVersion asking for Table rows; `--output-watch-events` adds the event
// type; a named get watches with fieldSelector=metadata.name. kubectl runs as a long-running child
// whose stdout is read as it arrives, and is killed at the end. Skipped (with the reason printed)
// when kubectl is not on PATH.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startServer, type TestServer } from '../support/server.js';
import { Recorder } from '../support/recorder.js';
import { kubectlHome, kubectlSkip, runKubectl, showRun, spawnKubectl, tableCells, type KubectlHome, type LiveProcess } from '../support/kubectl.js';

const skip = kubectlSkip('the kubectl watch suite');

let t: TestServer;
let home: KubectlHome;
let requests: Recorder<string>;
const running: LiveProcess[] = [];

const api = () => request(t.url);
const kubectl = (args: string[], input?: string) => runKubectl(t.url, args, { env: home.env, input });
const watch = (args: string[]) => {
  const p = spawnKubectl(t.url, args, home.env);
  running.push(p);
  return p;
};
const mkns = (name: string) => api().post('/api/v1/namespaces').send({ metadata: { name } }).expect(201);
const createSvc = async (ns: string, body: Record<string, unknown>) => (await api().post(`/api/v1/namespaces/${ns}/services`).send(body).expect(201)).body;
const startsWith = (name: string) => (line: string) => tableCells(line)[0] === name;

describe('kubectl get -w against svcplane', { skip }, () => {
  before(async () => {
    t = await startServer();
    home = kubectlHome();
    requests = new Recorder<string>();
    t.server.app.server.on('request', (req: IncomingMessage) => requests.push(`${req.method} ${req.url}`));
  });

  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await t?.stop();
    home?.remove();
  });

  test('kubectl get svc -w prints the table, then a row for each Service created while it runs', async () => {
    const ns = 'kw1';
    await mkns(ns);
    const before = await createSvc(ns, { metadata: { name: 'before' }, spec: { ports: [{ port: 80 }] } });
    const mark = requests.items.length;
    const w = watch(['get', 'svc', '-w', '-n', ns]);
    const header = await w.waitForLine(/^NAME\s/, 'the header');
    assert.deepEqual(header.trim().split(/\s+/), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    const first = tableCells(await w.waitForLine(startsWith('before'), 'the row of the listed Service'));
    assert.deepEqual(first.slice(0, 5), ['before', 'ClusterIP', before.spec.clusterIP, '<none>', '80/TCP']);
    assert.match(first[5], /^\d+s$/);
    // The row alone does not say the watch is open: wait for kubectl's watch request.
    await requests.waitFor((r) => r.startsWith(`GET /api/v1/namespaces/${ns}/services?`) && r.includes('watch=true'), "kubectl's watch request", 10_000, mark);

    const manifest = `apiVersion: v1\nkind: Service\nmetadata:\n  name: during\n  namespace: ${ns}\nspec:\n  type: NodePort\n  selector:\n    app: during\n  ports:\n  - port: 8080\n    targetPort: 80\n`;
    const applied = await kubectl(['apply', '-f', '-'], manifest);
    assert.equal(applied.stdout, 'service/during created\n', showRun(['apply', '-f', '-'], applied));
    const during = (await api().get(`/api/v1/namespaces/${ns}/services/during`).expect(200)).body;
    const row = tableCells(await w.waitForLine(startsWith('during'), 'the row of the Service kubectl apply created'));
    assert.deepEqual(row.slice(0, 5), ['during', 'NodePort', during.spec.clusterIP, '<none>', `8080:${during.spec.ports[0].nodePort}/TCP`]);
    assert.match(row[5], /^\d+s$/);

    await createSvc(ns, { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } });
    const ext = tableCells(await w.waitForLine(startsWith('ext'), 'the row of the Service created over HTTP'));
    assert.deepEqual(ext.slice(0, 5), ['ext', 'ExternalName', '<none>', 'db.example.com', '<none>']);

    await w.stop();
    assert.deepEqual(
      w.lines.map((l) => tableCells(l)[0]),
      ['NAME', 'before', 'during', 'ext'],
      'one row per Service, nothing else',
    );
    assert.equal(w.stderr(), '');
    // What kubectl asked for: a Table list, then a Table watch from the list's resourceVersion.
    const own = requests.items.slice(mark).filter((r) => r.startsWith(`GET /api/v1/namespaces/${ns}/services?`));
    assert.match(own[0], /\?limit=500$/);
    assert.match(own[1], /\?resourceVersion=\d+&watch=true$/);
  });

  test('kubectl get svc NAME -w --output-watch-events shows ADDED, MODIFIED and DELETED for that Service only', async () => {
    const ns = 'kw2';
    await mkns(ns);
    await createSvc(ns, { metadata: { name: 'target' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    const mark = requests.items.length;
    const w = watch(['get', 'svc', 'target', '-w', '--output-watch-events', '-n', ns]);
    const header = await w.waitForLine(/^EVENT\s/, 'the header');
    assert.deepEqual(header.trim().split(/\s+/), ['EVENT', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    const added = tableCells(await w.waitForLine(/^ADDED\s+target\s/, 'ADDED target'));
    assert.equal(added[2], 'NodePort');
    await requests.waitFor((r) => r.includes('fieldSelector=metadata.name%3Dtarget') && r.includes('watch=true'), "kubectl's watch request", 10_000, mark);

    await api()
      .patch(`/api/v1/namespaces/${ns}/services/target`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ spec: { type: 'ClusterIP', ports: [{ port: 80 }] } }))
      .expect(200);
    const modified = tableCells(await w.waitForLine(/^MODIFIED\s+target\s/, 'MODIFIED target'));
    assert.equal(modified[2], 'ClusterIP', 'the row shows the new state');
    assert.equal(modified[5], '80/TCP');

    // Another Service in the namespace is not this watch's business.
    await createSvc(ns, { metadata: { name: 'bystander' }, spec: { ports: [{ port: 80 }] } });
    const deleted = await kubectl(['delete', 'svc', 'target', '-n', ns]);
    assert.equal(deleted.stdout, 'service "target" deleted\n', showRun(['delete'], deleted));
    await w.waitForLine(/^DELETED\s+target\s/, 'DELETED target');

    await w.stop();
    assert.deepEqual(
      w.lines.map((l) => tableCells(l).slice(0, 2)),
      [
        ['EVENT', 'NAME'],
        ['ADDED', 'target'],
        ['MODIFIED', 'target'],
        ['DELETED', 'target'],
      ],
    );
    assert.equal(w.stderr(), '');
  });

  test('kubectl get ns -w shows the namespaces, then one created while it runs', async () => {
    const mark = requests.items.length;
    const w = watch(['get', 'ns', '-w']);
    const header = await w.waitForLine(/^NAME\s/, 'the header');
    assert.deepEqual(header.trim().split(/\s+/), ['NAME', 'STATUS', 'AGE']);
    for (const name of ['default', 'kube-system']) {
      assert.deepEqual(tableCells(await w.waitForLine(startsWith(name), name)).slice(0, 2), [name, 'Active']);
    }
    await requests.waitFor((r) => r.startsWith('GET /api/v1/namespaces?') && r.includes('watch=true'), "kubectl's watch request", 10_000, mark);
    const created = await kubectl(['create', 'namespace', 'watched-ns']);
    assert.equal(created.stdout, 'namespace/watched-ns created\n', showRun(['create', 'namespace', 'watched-ns'], created));
    const row = tableCells(await w.waitForLine(startsWith('watched-ns'), 'the row of the new namespace'));
    assert.deepEqual(row.slice(0, 2), ['watched-ns', 'Active']);
    assert.match(row[2], /^\d+s$/);
    await w.stop();
    assert.equal(w.stderr(), '');
  });

  test("kubectl wait with client-go's streaming list (WatchListClient) and its consistency check", async () => {
    // KUBE_FEATURE_WatchListClient makes the reflector under `kubectl wait` list by watching with
    // sendInitialEvents=true and wait for the k8s.io/initial-events-end bookmark; the detector then
    // compares what it got with a list at exactly that resourceVersion, and panics on a mismatch.
    const ns = 'kw3';
    await mkns(ns);
    await createSvc(ns, { metadata: { name: 'a', labels: { ready: 'no' } }, spec: { ports: [{ port: 80 }] } });
    await createSvc(ns, { metadata: { name: 'b' }, spec: { ports: [{ port: 80 }] } });
    const mark = requests.items.length;
    const args = ['wait', '--for=jsonpath={.metadata.labels.ready}=yes', 'svc/a', '-n', ns, '--timeout=30s'];
    const env = { ...home.env, KUBE_FEATURE_WatchListClient: 'true', KUBE_WATCHLIST_INCONSISTENCY_DETECTOR: 'true' };
    const waiting = runKubectl(t.url, args, { env, timeoutMs: 40_000 });
    const streaming = await requests.waitFor((r) => r.includes('sendInitialEvents=true'), 'the streaming list', 20_000, mark);
    assert.match(streaming, /allowWatchBookmarks=true/);
    assert.match(streaming, /resourceVersionMatch=NotOlderThan/);
    assert.match(streaming, /watch=true/);
    await api()
      .patch(`/api/v1/namespaces/${ns}/services/a`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ metadata: { labels: { ready: 'yes' } } }))
      .expect(200);
    const r = await waiting;
    assert.equal(r.code, 0, showRun(args, r));
    assert.equal(r.stdout, 'service/a condition met\n', showRun(args, r));
    assert.ok(
      requests.items.slice(mark).some((x) => /resourceVersionMatch=Exact/.test(x)),
      "the consistency detector listed at the bookmark's resourceVersion",
    );
  });
});
