// list+watch through the official Python client (`kubernetes`, Debian's python3-kubernetes), run as
// a child process against a real svcplane. Skipped, with the reason printed, when
// `/usr/bin/python3 -c 'import kubernetes'` fails (apt-get install python3-kubernetes provides it).
//
// What the client (22.6) sends: `Accept: application/json` (it picks JSON from the accept list of
// the OpenAPI operation), `User-Agent: OpenAPI-Generator/22.6.0/python`, booleans as Python prints
// them (`watch=True`, `allowWatchBookmarks=True`: kube-apiserver, and svcplane, take anything but
// "false" and "0" as true), `timeoutSeconds` when given timeout_seconds. Watch.stream() deserialises each event's object into
// the model named by the list operation's docstring (V1Service); with timeout_seconds it does not
// retry, and an ERROR event is raised as ApiException(status=code, reason="Reason: message").
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startServer, type TestServer } from '../support/server.js';
import { Recorder } from '../support/recorder.js';
import { spawnLive, type LiveProcess } from '../support/kubectl.js';

const python = '/usr/bin/python3';

function whyNotPython(): string | false {
  const probe = spawnSync(python, ['-c', 'import kubernetes; print(kubernetes.__version__)'], { encoding: 'utf8' });
  if (probe.error) return `${python} cannot run (${probe.error.message})`;
  if (probe.status !== 0) return `${python} has no kubernetes module (apt-get install python3-kubernetes)`;
  console.log(`# python kubernetes client ${probe.stdout.trim()}`);
  return false;
}

const skip = whyNotPython();
if (skip) console.log(`# skipping the Python client suite: ${skip}`);

const script = `
import sys
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

host, ns, mode = sys.argv[1:4]
cfg = client.Configuration()
cfg.host = host
v1 = client.CoreV1Api(client.ApiClient(cfg))

def out(*words):
    print(*words, flush=True)

if mode == 'watch':
    want = sys.argv[4]
    listed = v1.list_namespaced_service(ns)
    out('LIST', listed.metadata.resource_version, ','.join(s.metadata.name for s in listed.items))
    w = watch.Watch()
    for ev in w.stream(v1.list_namespaced_service, namespace=ns, resource_version=listed.metadata.resource_version, timeout_seconds=5):
        o = ev['object']
        out('EVENT', ev['type'], o.metadata.name, o.metadata.resource_version, type(o).__name__, o.spec.cluster_ip, o.spec.ports[0].port)
        if ev['type'] == 'ADDED' and o.metadata.name == want:
            w.stop()
    out('END')
elif mode == 'expired':
    try:
        for ev in watch.Watch().stream(v1.list_namespaced_service, namespace=ns, resource_version=sys.argv[4], timeout_seconds=5):
            out('EVENT', ev['type'])
        out('END')
    except ApiException as e:
        out('APIEXCEPTION', e.status, e.reason)
elif mode == 'pages':
    names, token = [], None
    while True:
        page = v1.list_namespaced_service(ns, limit=2, _continue=token) if token else v1.list_namespaced_service(ns, limit=2)
        names += [s.metadata.name for s in page.items]
        token = page.metadata._continue
        if not token:
            break
    out('PAGES', ','.join(names))
    for ev in watch.Watch().stream(v1.list_namespace, allow_watch_bookmarks=True, field_selector='metadata.name=' + ns, timeout_seconds=1):
        out('NSEVENT', ev['type'], ev['object'].metadata.name, type(ev['object']).__name__, ev['object'].status.phase)
    out('END')
`;

let t: TestServer;
let requests: Recorder<{ url: string; accept?: string }>;
const running: LiveProcess[] = [];

function runPython(url: string, ...args: string[]): LiveProcess {
  const p = spawnLive(python, ['-c', script, url, ...args]);
  running.push(p);
  return p;
}

/** The query of a request URL on `path`, as an object (the client's parameter order is its own business). */
function query(url: string, path: string): Record<string, string> {
  const u = new URL(url, 'http://x');
  assert.equal(u.pathname, path);
  return Object.fromEntries(u.searchParams);
}

const svc = (name: string) => ({ metadata: { name }, spec: { ports: [{ port: 80 }] } });

describe('the official Python client', { skip }, () => {
  before(async () => {
    t = await startServer();
    requests = new Recorder((r) => r.url);
    t.server.app.server.on('request', (req: IncomingMessage) => requests.push({ url: req.url ?? '', accept: req.headers.accept }));
  });

  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await t?.stop();
  });

  test("lists, then Watch.stream() from the list's resourceVersion sees a Service created meanwhile as ADDED", async () => {
    const ns = 'py1';
    await request(t.url)
      .post('/api/v1/namespaces')
      .send({ metadata: { name: ns } })
      .expect(201);
    await request(t.url).post(`/api/v1/namespaces/${ns}/services`).send(svc('old')).expect(201);
    const mark = requests.items.length;
    const py = runPython(t.url, ns, 'watch', 'fresh');
    const list = await py.waitForLine(/^LIST /, 'the list', 15_000);
    const [, rv, names] = list.split(' ');
    assert.equal(names, 'old');
    // Created after the list: the watch from its resourceVersion must bring it, whenever it connects.
    const created = (await request(t.url).post(`/api/v1/namespaces/${ns}/services`).send(svc('fresh')).expect(201)).body;
    const event = await py.waitForLine(/^EVENT /, 'the ADDED event');
    assert.equal(event, `EVENT ADDED fresh ${created.metadata.resourceVersion} V1Service ${created.spec.clusterIP} 80`);
    await py.waitForLine(/^END$/, 'the end of the script');
    assert.equal(await py.exited, 0, py.stderr());

    const watchRequest = await requests.waitFor((r) => r.url.includes('watch='), 'the watch request', 1000, mark);
    assert.deepEqual(query(watchRequest.url, `/api/v1/namespaces/${ns}/services`), { resourceVersion: rv, timeoutSeconds: '5', watch: 'True' });
    assert.match(watchRequest.accept ?? '', /application\/json/);
  });

  test('a compacted resourceVersion reaches Watch.stream() as ApiException 410 Expired', async () => {
    const small = await startServer({ watchHistory: 5 });
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
      const py = runPython(small.url, 'churn', 'expired', '2');
      const line = await py.waitForLine(/^(APIEXCEPTION|END|EVENT)/, 'the outcome', 15_000);
      assert.match(line, /^APIEXCEPTION 410 Expired: too old resource version: 2 \(\d+\)$/);
      assert.equal(await py.exited, 0, py.stderr());
    } finally {
      await small.stop();
    }
  });

  test('pages with limit and _continue, and watches namespaces with a field selector and bookmarks allowed', async () => {
    const ns = 'py2';
    await request(t.url)
      .post('/api/v1/namespaces')
      .send({ metadata: { name: ns } })
      .expect(201);
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const n of names) await request(t.url).post(`/api/v1/namespaces/${ns}/services`).send(svc(n)).expect(201);
    const mark = requests.items.length;
    const py = runPython(t.url, ns, 'pages');
    assert.equal(await py.waitForLine(/^PAGES /, 'the paged list', 15_000), `PAGES ${names.join(',')}`);
    assert.equal(await py.waitForLine(/^NSEVENT /, 'the namespace event'), `NSEVENT ADDED ${ns} V1Namespace Active`);
    await py.waitForLine(/^END$/, 'the end of the script', 5000);
    assert.equal(await py.exited, 0, py.stderr());
    assert.deepEqual(py.lines.filter((l) => l.startsWith('NSEVENT')).length, 1);
    const watchRequest = await requests.waitFor((r) => r.url.startsWith('/api/v1/namespaces?'), 'the namespace watch', 1000, mark);
    assert.deepEqual(query(watchRequest.url, '/api/v1/namespaces'), {
      allowWatchBookmarks: 'True',
      fieldSelector: `metadata.name=${ns}`,
      timeoutSeconds: '1',
      watch: 'True',
    });
  });
});

// Server-side apply through the Python client's DynamicClient.server_side_apply (22.x's typed
// patch methods cannot send application/apply-patch+yaml, and its dynamic client wants the body
// already serialised).
const applyScript = `
import sys, json
from kubernetes import client, dynamic
from kubernetes.dynamic.exceptions import ConflictError
cfg = client.Configuration()
cfg.host = sys.argv[1]
svc = dynamic.DynamicClient(client.ApiClient(cfg)).resources.get(api_version="v1", kind="Service")
body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "py-app", "namespace": "default"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}}
def apply(manager, force=False):
    return svc.server_side_apply(body=json.dumps(body), name="py-app", namespace="default", field_manager=manager, force_conflicts=force)
s = apply("py-app")
print("APPLIED", s.spec.type, s.metadata.managedFields[0].manager, s.metadata.managedFields[0].operation)
print("SAME", apply("py-app").metadata.resourceVersion == s.metadata.resourceVersion)
body["spec"]["type"] = "LoadBalancer"
try:
    apply("other")
except ConflictError as e:
    print("CONFLICT", e.status, json.loads(e.body)["message"])
print("FORCED", apply("other", True).spec.type)
`;

describe('the official Python client: server-side apply', { skip }, () => {
  test('creates, re-applies without a write, conflicts, and forces', async () => {
    const server = await startServer();
    try {
      // Not spawnSync: the server answering it runs in this process.
      const r = await promisify(execFile)(python, ['-c', applyScript, server.url], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(
        r.stdout,
        'APPLIED NodePort py-app Apply\nSAME True\nCONFLICT 409 Apply failed with 1 conflict: conflict with "py-app": .spec.type\nFORCED LoadBalancer\n',
      );
    } finally {
      await server.stop();
    }
  });
});
