// Protobuf responses from a real server: objects, lists and Status errors when Accept prefers
// protobuf, watch streams in kube's framing, Tables and plain clients still in JSON; read back
// with protobufjs from kube's generated.proto files, and by kubectl, whose typed clients
// (create service, create namespace, create role..., auth can-i) ask for protobuf and decode our
// bytes with Go's generated code.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kubectlBinary, kubectlHome, runKubectl, showRun, type KubectlHome } from '../support/kubectl.js';
import { kubeJsonToProto, loadKubeProtos, plain, withoutZeros } from '../support/kubeProto.js';
import { startServer, type TestServer } from '../support/server.js';

const root = loadKubeProtos();
const meta = 'k8s.io.apimachinery.pkg.apis.meta.v1.';
const Unknown = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
const WatchEvent = root.lookupType(`${meta}WatchEvent`);
const clientGoAccept = 'application/vnd.kubernetes.protobuf, */*';
const NS = '/api/v1/namespaces/default/services';

type Json = Record<string, unknown>;

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
}

function unwrap(body: Buffer): Envelope {
  assert.deepEqual(body.subarray(0, 4), Buffer.from('k8s\0', 'latin1'), 'the k8s magic');
  const u = Unknown.decode(body.subarray(4)) as unknown as { typeMeta: { apiVersion: string; kind: string }; raw: Uint8Array };
  return { apiVersion: u.typeMeta.apiVersion, kind: u.typeMeta.kind, raw: Buffer.from(u.raw) };
}

async function get(url: string, accept: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const r = await fetch(url, { headers: { accept } });
  return { status: r.status, type: r.headers.get('content-type'), body: Buffer.from(await r.arrayBuffer()) };
}

const service = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, labels: { app: name } },
  spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }], selector: { app: name } },
});

describe('protobuf responses', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
    for (const name of ['a', 'b']) {
      const r = await fetch(`${server.url}${NS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(service(name)) });
      assert.equal(r.status, 201);
    }
  });
  after(() => server.stop());

  it('answers a GET in protobuf when Accept prefers it, the same object as the JSON answer', async () => {
    const json = (await (await fetch(`${server.url}${NS}/a`)).json()) as Json;
    const r = await get(`${server.url}${NS}/a`, clientGoAccept);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/vnd.kubernetes.protobuf');
    const env = unwrap(r.body);
    assert.deepEqual([env.apiVersion, env.kind], ['v1', 'Service']);
    const type = root.lookupType('k8s.io.api.core.v1.Service');
    assert.deepEqual(withoutZeros(plain(type, env.raw)), withoutZeros(kubeJsonToProto(type, json)));
  });

  it('answers a LIST in protobuf (ServiceList: ListMeta and items)', async () => {
    const json = (await (await fetch(`${server.url}/api/v1/services`)).json()) as { metadata: Json; items: Json[] };
    const r = await get(`${server.url}/api/v1/services`, 'application/vnd.kubernetes.protobuf,application/json');
    assert.equal(r.type, 'application/vnd.kubernetes.protobuf');
    const env = unwrap(r.body);
    assert.equal(env.kind, 'ServiceList');
    const type = root.lookupType('k8s.io.api.core.v1.ServiceList');
    const list = plain(type, env.raw) as { metadata: Json; items: Json[] };
    assert.equal(list.metadata.resourceVersion, json.metadata.resourceVersion);
    assert.deepEqual(
      list.items.map((i) => (i.metadata as Json).name),
      json.items.map((i) => (i.metadata as Json).name),
    );
    assert.deepEqual(withoutZeros(list), withoutZeros(kubeJsonToProto(type, json)));
  });

  it('answers errors with a protobuf Status (404 of a missing object)', async () => {
    const r = await get(`${server.url}${NS}/missing`, clientGoAccept);
    assert.equal(r.status, 404);
    assert.equal(r.type, 'application/vnd.kubernetes.protobuf');
    const env = unwrap(r.body);
    assert.deepEqual([env.apiVersion, env.kind], ['v1', 'Status']);
    const st = plain(root.lookupType(`${meta}Status`), env.raw);
    assert.equal(st.status, 'Failure');
    assert.equal(st.reason, 'NotFound');
    assert.equal(st.code, 404);
    assert.equal(st.message, 'services "missing" not found');
    assert.deepEqual((st.details as Json).name, 'missing');
  });

  it('keeps JSON for JSON clients, Tables and wildcard Accepts', async () => {
    assert.equal((await get(`${server.url}${NS}/a`, 'application/json')).type, 'application/json');
    assert.equal((await get(`${server.url}${NS}/a`, '*/*')).type, 'application/json');
    assert.equal((await get(`${server.url}${NS}/a`, 'application/json, application/vnd.kubernetes.protobuf')).type, 'application/json');
    const table = await get(`${server.url}${NS}`, 'application/json;as=Table;v=v1;g=meta.k8s.io,application/vnd.kubernetes.protobuf');
    assert.equal(table.type, 'application/json');
    assert.equal((JSON.parse(table.body.toString()) as Json).kind, 'Table');
  });

  it('streams a watch as length-prefixed WatchEvents whose objects are full protobuf bodies', async () => {
    const list = (await (await fetch(`${server.url}${NS}`)).json()) as { metadata: { resourceVersion: string } };
    const ac = new AbortController();
    const r = await fetch(`${server.url}${NS}?watch=true&resourceVersion=${list.metadata.resourceVersion}&allowWatchBookmarks=false`, {
      headers: { accept: 'application/vnd.kubernetes.protobuf;stream=watch' },
      signal: ac.signal,
    });
    assert.equal(r.headers.get('content-type'), 'application/vnd.kubernetes.protobuf;stream=watch');
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    await fetch(`${server.url}${NS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(service('c')) });
    await fetch(`${server.url}${NS}/c`, { method: 'DELETE' });
    let buf = Buffer.alloc(0);
    const events: { type: string; kind: string; name: string }[] = [];
    while (events.length < 2) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended early');
      buf = Buffer.concat([buf, Buffer.from(value)]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const n = buf.readUInt32BE(0);
        const e = WatchEvent.decode(buf.subarray(4, 4 + n)) as unknown as { type: string; object: { raw: Uint8Array } };
        const env = unwrap(Buffer.from(e.object.raw));
        const obj = plain(root.lookupType('k8s.io.api.core.v1.Service'), env.raw);
        events.push({ type: e.type, kind: env.kind, name: (obj.metadata as Json).name as string });
        buf = buf.subarray(4 + n);
      }
    }
    ac.abort();
    assert.deepEqual(events, [
      { type: 'ADDED', kind: 'Service', name: 'c' },
      { type: 'DELETED', kind: 'Service', name: 'c' },
    ]);
  });

  it('decodes a protobuf DeleteOptions body and answers the deletion in protobuf', async () => {
    await fetch(`${server.url}${NS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(service('d')) });
    const DeleteOptions = root.lookupType(`${meta}DeleteOptions`);
    const raw = DeleteOptions.encode(DeleteOptions.fromObject({ dryRun: ['All'] })).finish();
    const body = Buffer.concat([
      Buffer.from('k8s\0', 'latin1'),
      Unknown.encode(Unknown.fromObject({ typeMeta: { apiVersion: 'v1', kind: 'DeleteOptions' }, raw })).finish(),
    ]);
    const r = await fetch(`${server.url}${NS}/d`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/vnd.kubernetes.protobuf', accept: clientGoAccept },
      body,
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/vnd.kubernetes.protobuf');
    // A Service's deletion answers with the object, as kube-apiserver's service storage does.
    const env = unwrap(Buffer.from(await r.arrayBuffer()));
    assert.equal(env.kind, 'Service');
    // A dry run: the Service is still there.
    assert.equal((await fetch(`${server.url}${NS}/d`)).status, 200);
  });

  it('answers a truncated or garbage body, an unknown kind and a kind the path does not serve with a 400 Status', async () => {
    const encode = (apiVersion: string, kind: string, typeName: string, value: Json) => {
      const type = root.lookupType(typeName);
      const raw = type.encode(type.fromObject(kubeJsonToProto(type, value))).finish();
      return Buffer.concat([Buffer.from('k8s\0', 'latin1'), Unknown.encode(Unknown.fromObject({ typeMeta: { apiVersion, kind }, raw })).finish()]);
    };
    const good = encode('v1', 'Service', 'k8s.io.api.core.v1.Service', { metadata: { name: 'e' }, spec: { ports: [{ port: 80 }] } });
    const cases: [string, Buffer, RegExp][] = [
      ['truncated', good.subarray(0, good.length - 7), /failed to decode protobuf body: proto: unexpected EOF/],
      ['garbage', Buffer.from('k8s\0\xff\xff\xff\xff', 'latin1'), /failed to decode protobuf body/],
      ['no magic', Buffer.from('{"kind":"Service"}'), /does not appear to be a protobuf message/],
      ['unknown kind', encode('v1', 'Pod', 'k8s.io.api.core.v1.Service', {}), /no kind "Pod" is registered for version "v1"/],
      ['wrong kind', encode('v1', 'Namespace', 'k8s.io.api.core.v1.Namespace', { metadata: { name: 'e' } }), /must be of type Service/],
    ];
    for (const [what, body, message] of cases) {
      const r = await fetch(`${server.url}${NS}`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
        body: new Uint8Array(body),
      });
      const st = (await r.json()) as Json;
      assert.equal(r.status, 400, `${what}: ${JSON.stringify(st)}`);
      assert.equal(st.kind, 'Status', what);
      assert.match(String(st.message), message, what);
    }
    // And the same good body is created.
    const r = await fetch(`${server.url}${NS}`, { method: 'POST', headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, body: good });
    assert.equal(r.status, 201);
  });

  it('creates a Lease, an EndpointSlice, Endpoints and an Event from protobuf bodies, as client-go sends them', async () => {
    const bodies: [string, string, string, string, Json][] = [
      [
        '/apis/coordination.k8s.io/v1/namespaces/default/leases',
        'coordination.k8s.io/v1',
        'Lease',
        'k8s.io.api.coordination.v1.Lease',
        {
          metadata: { name: 'leader' },
          spec: { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: '2026-01-02T03:04:05.123456Z', leaseTransitions: 0 },
        },
      ],
      [
        '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
        'discovery.k8s.io/v1',
        'EndpointSlice',
        'k8s.io.api.discovery.v1.EndpointSlice',
        {
          metadata: { name: 'web-x', labels: { 'kubernetes.io/service-name': 'web' } },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['10.1.0.1'], conditions: { ready: false } }],
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        },
      ],
      [
        '/api/v1/namespaces/default/endpoints',
        'v1',
        'Endpoints',
        'k8s.io.api.core.v1.Endpoints',
        { metadata: { name: 'web-e' }, subsets: [{ addresses: [{ ip: '10.1.0.1' }], ports: [{ port: 8080, protocol: 'TCP' }] }] },
      ],
      [
        '/api/v1/namespaces/default/events',
        'v1',
        'Event',
        'k8s.io.api.core.v1.Event',
        {
          metadata: { name: 'web.1' },
          involvedObject: { kind: 'Service', namespace: 'default', name: 'a' },
          reason: 'Synced',
          message: 'ok',
          type: 'Normal',
          source: { component: 'test' },
          firstTimestamp: '2026-01-02T03:04:05Z',
          lastTimestamp: '2026-01-02T03:04:05Z',
          count: 1,
        },
      ],
    ];
    for (const [path, apiVersion, kind, typeName, value] of bodies) {
      const type = root.lookupType(typeName);
      const raw = type.encode(type.fromObject(kubeJsonToProto(type, value))).finish();
      const body = Buffer.concat([Buffer.from('k8s\0', 'latin1'), Unknown.encode(Unknown.fromObject({ typeMeta: { apiVersion, kind }, raw })).finish()]);
      const r = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.kubernetes.protobuf', accept: clientGoAccept },
        body: new Uint8Array(body),
      });
      const answer = Buffer.from(await r.arrayBuffer());
      assert.equal(r.status, 201, `${kind}: ${answer.toString('latin1')}`);
      const env = unwrap(answer);
      assert.deepEqual([env.apiVersion, env.kind], [apiVersion, kind]);
      const created = plain(type, env.raw);
      const json = (await (await fetch(`${server.url}${path}/${(value.metadata as Json).name}`)).json()) as Json;
      // What we stored is what was sent (plus what the server sets), and the answer is what we stored.
      assert.deepEqual(withoutZeros(created), withoutZeros(kubeJsonToProto(type, json)), kind);
      const sent = withoutZeros(kubeJsonToProto(type, value)) as Json;
      const stored = withoutZeros(kubeJsonToProto(type, json)) as Json;
      for (const [k, v] of Object.entries(sent)) if (k !== 'metadata') assert.deepEqual(stored[k], v, `${kind}.${k}`);
    }
  });
});

describe('protobuf responses: kubectl decodes them', { skip: kubectlBinary ? false : 'kubectl not found on PATH', timeout: 180_000 }, () => {
  let server: TestServer;
  let home: KubectlHome;
  before(async () => {
    server = await startServer();
    home = kubectlHome();
  });
  after(async () => {
    home.remove();
    await server.stop();
  });

  const cases: { args: string[]; path: string }[] = [
    { args: ['create', 'service', 'nodeport', 'web', '--tcp=80:8080'], path: '/api/v1/namespaces/default/services/web' },
    { args: ['create', 'namespace', 'shop'], path: '/api/v1/namespaces/shop' },
    {
      args: ['create', 'role', 'reader', '--verb=get,list', '--resource=services'],
      path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/reader',
    },
    { args: ['create', 'clusterrole', 'viewer', '--verb=get', '--non-resource-url=/healthz'], path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/viewer' },
    {
      args: ['create', 'rolebinding', 'read', '--role=reader', '--user=ann'],
      path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/read',
    },
    {
      args: ['create', 'clusterrolebinding', 'view', '--clusterrole=viewer', '--group=devs'],
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/view',
    },
  ];
  for (const c of cases) {
    it(`kubectl ${c.args.slice(0, 2).join(' ')}: the object kubectl decoded from our protobuf is our JSON`, async () => {
      const args = [...c.args, '-o', 'json', '--show-managed-fields', '-v=8'];
      const run = await runKubectl(server.url, args, { env: home.env });
      assert.equal(run.code, 0, showRun(args, run));
      // kubectl's typed client asked for protobuf, and got it.
      assert.match(run.stderr, /Accept: application\/vnd\.kubernetes\.protobuf/, showRun(args, run));
      assert.match(run.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/, showRun(args, run));
      const decoded = JSON.parse(run.stdout) as Json;
      const ours = (await (await fetch(`${server.url}${c.path}`)).json()) as Json;
      assert.deepEqual(decoded, ours);
    });
  }

  it('kubectl auth can-i reads a protobuf SelfSubjectAccessReview', async () => {
    const args = ['auth', 'can-i', 'get', 'services', '-v=8'];
    const run = await runKubectl(server.url, args, { env: home.env });
    assert.equal(run.code, 0, showRun(args, run));
    assert.equal(run.stdout.trim(), 'yes');
    assert.match(run.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/, showRun(args, run));
  });
});
