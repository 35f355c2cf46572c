import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(async () => t.stop());

const ns = '/api/v1/namespaces/default/services';
const api = () => request(t.url);
const svc = (name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, ...meta },
  spec,
});

describe('create', () => {
  test('a ClusterIP service gets kube-apiserver defaults and an IP from the upper band', async () => {
    const res = await api()
      .post(ns)
      .send(svc('backend', { selector: { app: 'backend' }, ports: [{ port: 80, targetPort: 8080 }] }))
      .expect(201);
    const s = res.body;
    assert.equal(s.kind, 'Service');
    assert.equal(s.apiVersion, 'v1');
    assert.match(s.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(s.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(s.metadata.resourceVersion, /^\d+$/);
    assert.equal(s.metadata.generation, undefined);
    assert.deepEqual(s.spec.ports, [{ protocol: 'TCP', port: 80, targetPort: 8080 }]);
    assert.equal(s.spec.type, 'ClusterIP');
    assert.equal(s.spec.sessionAffinity, 'None');
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
    assert.equal(s.spec.externalTrafficPolicy, undefined);
    assert.deepEqual(s.spec.clusterIPs, [s.spec.clusterIP]);
    const [a, b, c, d] = s.spec.clusterIP.split('.').map(Number);
    // 10.96.0.0/12, dynamic picks above the static band (10.96.0.1-10.96.1.0).
    assert.equal(a, 10);
    assert.ok(b >= 96 && b <= 111);
    assert.ok(b > 96 || c >= 1, `${s.spec.clusterIP} is in the static band`);
    assert.ok(d >= 0);
    assert.deepEqual(s.status, { loadBalancer: {} });
    const got = await api().get(`${ns}/backend`).expect(200);
    assert.deepEqual(got.body, s);
  });

  test('NodePort honours an explicit nodePort, defaults ETP, and refuses it when taken', async () => {
    const res = await api()
      .post(ns)
      .send(svc('frontend', { type: 'NodePort', selector: { app: 'f' }, ports: [{ port: 80, targetPort: 3000, nodePort: 30007 }] }))
      .expect(201);
    assert.equal(res.body.spec.ports[0].nodePort, 30007);
    assert.equal(res.body.spec.externalTrafficPolicy, 'Cluster');
    const dup = await api()
      .post(ns)
      .send(svc('frontend2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30007 }] }))
      .expect(422);
    assert.deepEqual(dup.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Service "frontend2" is invalid: spec.ports[0].nodePort: Invalid value: 30007: provided port is already allocated',
      reason: 'Invalid',
      details: {
        name: 'frontend2',
        kind: 'Service',
        causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: 30007: provided port is already allocated', field: 'spec.ports[0].nodePort' }],
      },
      code: 422,
    });
  });

  test('nodePort out of range is refused with the range in the message', async () => {
    const res = await api()
      .post(ns)
      .send(svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 29999 }] }))
      .expect(422);
    assert.equal(
      res.body.message,
      'Service "np" is invalid: spec.ports[0].nodePort: Invalid value: 29999: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
  });

  test('clusterIP outside the CIDR, or taken, is a 422 at spec.clusterIPs', async () => {
    const out = await api()
      .post(ns)
      .send(svc('bad-ip', { clusterIP: '10.112.0.5', ports: [{ port: 80 }] }))
      .expect(422);
    assert.equal(
      out.body.message,
      'Service "bad-ip" is invalid: spec.clusterIPs: Invalid value: []string{"10.112.0.5"}: failed to allocate IP 10.112.0.5: the provided IP (10.112.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
    const taken = await api()
      .post(ns)
      .send(svc('bad-ip', { clusterIP: '10.96.0.1', ports: [{ port: 80 }] }))
      .expect(422);
    assert.equal(taken.body.details.causes[0].field, 'spec.clusterIPs');
    assert.match(taken.body.details.causes[0].message, /provided IP is already allocated/);
  });

  test('allocation errors win over validation errors and over AlreadyExists', async () => {
    const res = await api()
      .post(ns)
      .send(svc('backend', { clusterIP: '10.96.0.1', type: 'Bogus', ports: [{ port: 80 }] }))
      .expect(422);
    assert.equal(res.body.details.causes.length, 1);
    assert.equal(res.body.details.causes[0].field, 'spec.clusterIPs');
  });

  test('AlreadyExists, and the failed create leaks no allocation', async () => {
    const res = await api()
      .post(ns)
      .send(svc('backend', { type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] }))
      .expect(409);
    assert.deepEqual(res.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'services "backend" already exists',
      reason: 'AlreadyExists',
      details: { name: 'backend', kind: 'services' },
      code: 409,
    });
    await api()
      .post(ns)
      .send(svc('takes-30100', { type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] }))
      .expect(201);
  });

  test('several validation errors are aggregated with Kubernetes field paths', async () => {
    const res = await api()
      .post(ns)
      .send(svc('multi', { type: 'Bogus', sessionAffinity: 'Sticky', ports: [{ port: 80 }] }))
      .expect(422);
    const fields = res.body.details.causes.map((c: { field: string }) => c.field).sort();
    assert.deepEqual(fields, ['spec.sessionAffinity', 'spec.type']);
    assert.match(res.body.message, /^Service "multi" is invalid: \[/);
  });

  test('names are DNS-1035 labels', async () => {
    const res = await api()
      .post(ns)
      .send(svc('1svc', { ports: [{ port: 80 }] }))
      .expect(422);
    assert.equal(res.body.details.causes[0].field, 'metadata.name');
    const missing = await api()
      .post(ns)
      .send({ spec: { ports: [{ port: 80 }] } })
      .expect(422);
    assert.equal(missing.body.details.causes[0].field, 'metadata.name');
    assert.equal(missing.body.details.causes[0].reason, 'FieldValueRequired');
  });

  test('generateName makes a unique name', async () => {
    const res = await api()
      .post(ns)
      .send({ metadata: { generateName: 'gen-' }, spec: { ports: [{ port: 80 }] } })
      .expect(201);
    assert.match(res.body.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  test('headless and ExternalName services get no IP', async () => {
    const h = await api()
      .post(ns)
      .send(svc('headless', { clusterIP: 'None', selector: { app: 's' }, ports: [{ port: 6379 }] }))
      .expect(201);
    assert.deepEqual(h.body.spec.clusterIPs, ['None']);
    assert.deepEqual(h.body.spec.ipFamilies, ['IPv4']);
    const hs = await api()
      .post(ns)
      .send(svc('headless-noselector', { clusterIP: 'None' }))
      .expect(201);
    assert.equal(hs.body.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(hs.body.spec.ipFamilies, ['IPv4', 'IPv6']);
    const e = await api()
      .post(ns)
      .send(svc('external-db', { type: 'ExternalName', externalName: 'db.example.com' }))
      .expect(201);
    assert.equal(e.body.spec.clusterIP, undefined);
    assert.equal(e.body.spec.ipFamilies, undefined);
    assert.equal(e.body.spec.internalTrafficPolicy, undefined);
  });

  test('LoadBalancer defaults allocateLoadBalancerNodePorts and a node port; Local gets a health-check port', async () => {
    const res = await api()
      .post(ns)
      .send(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }))
      .expect(201);
    assert.equal(res.body.spec.allocateLoadBalancerNodePorts, true);
    const np = res.body.spec.ports[0].nodePort;
    assert.ok(np >= 30086 && np <= 32767, `dynamic node port ${np} is in the upper band`);
    assert.ok(res.body.spec.healthCheckNodePort >= 30000);
    assert.notEqual(res.body.spec.healthCheckNodePort, np);
  });

  test('ports sharing a number share one node port', async () => {
    const res = await api()
      .post(ns)
      .send(
        svc('dns', {
          type: 'NodePort',
          ports: [
            { name: 'tcp', port: 53, protocol: 'TCP' },
            { name: 'udp', port: 53, protocol: 'UDP' },
          ],
        }),
      )
      .expect(201);
    assert.equal(res.body.spec.ports[0].nodePort, res.body.spec.ports[1].nodePort);
  });

  test('YAML bodies are accepted', async () => {
    const yaml = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: from-yaml\nspec:\n  ports:\n  - port: 5432\n';
    const res = await api().post(ns).set('Content-Type', 'application/yaml').send(yaml).expect(201);
    assert.equal(res.body.spec.ports[0].targetPort, 5432);
  });

  test('dryRun=All answers like a create and persists nothing', async () => {
    const res = await api()
      .post(`${ns}?dryRun=All`)
      .send(svc('dry', { type: 'NodePort', ports: [{ port: 80, nodePort: 30200 }] }))
      .expect(201);
    assert.equal(res.body.spec.ports[0].nodePort, 30200);
    assert.equal(res.body.metadata.resourceVersion, undefined, 'nothing was stored, so there is no resourceVersion');
    await api().get(`${ns}/dry`).expect(404);
    const wet = await api()
      .post(ns)
      .send(svc('wet', { type: 'NodePort', ports: [{ port: 80, nodePort: 30200 }] }))
      .expect(201);
    // A dry-run update shows the change at the live resourceVersion (kubectl diff prints no resourceVersion line).
    const patched = await api()
      .patch(`${ns}/wet?dryRun=All`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { labels: { dry: 'yes' } } })
      .expect(200);
    assert.deepEqual(patched.body.metadata.labels, { dry: 'yes' });
    assert.equal(patched.body.metadata.resourceVersion, wet.body.metadata.resourceVersion);
    const deleted = await api().delete(`${ns}/wet?dryRun=All`).expect(200);
    assert.equal(deleted.body.metadata.resourceVersion, wet.body.metadata.resourceVersion);
    assert.equal((await api().get(`${ns}/wet`).expect(200)).body.metadata.labels, undefined);
    const bad = await api()
      .post(`${ns}?dryRun=Some`)
      .send(svc('dry2', { ports: [{ port: 80 }] }))
      .expect(422);
    assert.equal(bad.body.details.causes[0].field, 'dryRun');
  });

  test('a namespace that does not exist is a 404 NotFound for namespaces', async () => {
    const res = await api()
      .post('/api/v1/namespaces/nope/services')
      .send(svc('x', { ports: [{ port: 80 }] }))
      .expect(404);
    assert.equal(res.body.message, 'namespaces "nope" not found');
    assert.deepEqual(res.body.details, { name: 'nope', kind: 'namespaces' });
  });
});

describe('bad input is a Status, never a 500', () => {
  test('malformed JSON is a 400 BadRequest', async () => {
    const res = await api().post(ns).set('Content-Type', 'application/json').send('{"metadata":').expect(400);
    assert.equal(res.body.kind, 'Status');
    assert.equal(res.body.reason, 'BadRequest');
  });
  test('a wrong JSON type is a 400, an unknown enum value a 422', async () => {
    const res = await api()
      .post(ns)
      .send(svc('typed', { ports: [{ port: '80' }] }))
      .expect(400);
    assert.equal(res.body.reason, 'BadRequest');
    assert.match(res.body.message, /Service in version "v1" cannot be handled as a Service/);
  });
  test('a wrong kind is a 400', async () => {
    const res = await api()
      .post(ns)
      .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })
      .expect(400);
    assert.equal(res.body.reason, 'BadRequest');
  });
  test('an unsupported content type is a 415', async () => {
    const res = await api().post(ns).set('Content-Type', 'text/plain').send('hello').expect(415);
    assert.equal(res.body.reason, 'UnsupportedMediaType');
  });
  test('fieldValidation=Strict refuses unknown fields; the default warns', async () => {
    const strict = await api()
      .post(`${ns}?fieldValidation=Strict`)
      .send(svc('strict', { ports: [{ port: 80 }], foo: 1 }))
      .expect(400);
    assert.equal(strict.body.message, 'strict decoding error: unknown field "spec.foo"');
    const warn = await api()
      .post(ns)
      .send(svc('warned', { ports: [{ port: 80 }], foo: 1 }))
      .expect(201);
    assert.match(String(warn.headers.warning), /unknown field \\"spec.foo\\"/);
    assert.equal(warn.body.spec.foo, undefined);
  });
  test('an unknown path is a 404 Status and a wrong verb a 405', async () => {
    const res = await api().get('/api/v1/nothing').expect(404);
    assert.equal(res.body.kind, 'Status');
    const verb = await api().post(`${ns}/backend`).send({}).expect(405);
    assert.equal(verb.body.reason, 'MethodNotAllowed');
  });
  test('garbage of every shape never produces a 500', async () => {
    const bodies: unknown[] = [
      null,
      1,
      'x',
      [],
      [1],
      { metadata: 5 },
      { metadata: { name: 'g' }, spec: [] },
      { metadata: { name: 'g' }, spec: { ports: {} } },
      { metadata: { name: 'g', labels: { 'a b': 'c' } }, spec: { ports: [{ port: 80 }] } },
      { metadata: { name: 'g' }, spec: { ports: [{ port: 80, targetPort: -1 }] } },
      { metadata: { name: 'g' }, spec: { type: 'ExternalName', externalName: 'not a name' } },
      { metadata: { name: 'g' }, spec: { clusterIPs: ['a', 'b', 'c'], clusterIP: 'a', ports: [{ port: 1 }] } },
    ];
    for (const body of bodies) {
      const res = await api().post(ns).set('Content-Type', 'application/json').send(JSON.stringify(body));
      assert.ok(res.status >= 400 && res.status < 500, `${JSON.stringify(body)} gave ${res.status}`);
      assert.equal(res.body.kind, 'Status');
    }
  });
});

describe('read and list', () => {
  test('NotFound has the exact kube-apiserver body', async () => {
    const res = await api().get(`${ns}/does-not-exist`).expect(404);
    assert.deepEqual(res.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'services "does-not-exist" not found',
      reason: 'NotFound',
      details: { name: 'does-not-exist', kind: 'services' },
      code: 404,
    });
  });
  test('curl gets indented JSON, like kube-apiserver', async () => {
    const res = await api().get(`${ns}/backend`).set('User-Agent', 'curl/8.0').expect(200);
    assert.ok(res.text.startsWith('{\n  "kind": "Service"'));
  });
  test('list is ordered, has a resourceVersion, and items carry no kind', async () => {
    const res = await api().get(ns).expect(200);
    assert.equal(res.body.kind, 'ServiceList');
    assert.match(res.body.metadata.resourceVersion, /^\d+$/);
    const names = res.body.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('kubernetes'));
    assert.equal(res.body.items[0].kind, undefined);
  });
  test('label and field selectors filter; a malformed one is a 400', async () => {
    await api()
      .post(ns)
      .send(svc('labelled', { ports: [{ port: 80 }] }, { labels: { tier: 'web', env: 'prod' } }))
      .expect(201);
    const byLabel = await api()
      .get(`${ns}?labelSelector=${encodeURIComponent('tier in (web,db),env!=dev')}`)
      .expect(200);
    assert.deepEqual(
      byLabel.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['labelled'],
    );
    const byField = await api().get(`/api/v1/services?fieldSelector=metadata.name=kubernetes`).expect(200);
    assert.equal(byField.body.items.length, 1);
    const bad = await api()
      .get(`${ns}?labelSelector=${encodeURIComponent('tier in (web')}`)
      .expect(400);
    assert.equal(bad.body.reason, 'BadRequest');
    const badField = await api().get(`${ns}?fieldSelector=spec.foo=1`).expect(400);
    assert.match(badField.body.message, /field label not supported: spec.foo/);
  });
  test('Table output has the kube-apiserver columns', async () => {
    const res = await api().get(ns).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json').expect(200);
    assert.equal(res.body.kind, 'Table');
    assert.deepEqual(
      res.body.columnDefinitions.map((c: { name: string }) => c.name),
      ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    );
    const row = (name: string) => res.body.rows.find((r: { cells: string[] }) => r.cells[0] === name).cells;
    assert.equal(row('frontend')[4], '80:30007/TCP');
    assert.equal(row('lb')[3], '<pending>');
    assert.equal(row('external-db')[2], '<none>');
    assert.equal(row('external-db')[3], 'db.example.com');
    assert.equal(row('headless')[2], 'None');
    assert.equal(row('kubernetes')[6], '<none>');
  });
});

describe('update and patch', () => {
  test('PUT without resourceVersion keeps allocations; a stale one is a 409 Conflict', async () => {
    const created = (
      await api()
        .post(ns)
        .send(svc('upd', { type: 'NodePort', ports: [{ name: 'http', port: 80 }] }))
        .expect(201)
    ).body;
    const put = await api()
      .put(`${ns}/upd`)
      .send(svc('upd', { type: 'NodePort', ports: [{ name: 'http', port: 80 }], selector: { app: 'x' } }))
      .expect(200);
    assert.equal(put.body.spec.clusterIP, created.spec.clusterIP);
    assert.equal(put.body.spec.ports[0].nodePort, created.spec.ports[0].nodePort);
    assert.ok(Number(put.body.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    const stale = await api()
      .put(`${ns}/upd`)
      .send({ ...svc('upd', { type: 'NodePort', ports: [{ port: 80 }] }), metadata: { name: 'upd', resourceVersion: created.metadata.resourceVersion } })
      .expect(409);
    assert.equal(stale.body.reason, 'Conflict');
    assert.equal(
      stale.body.message,
      'Operation cannot be fulfilled on services "upd": the object has been modified; please apply your changes to the latest version and try again',
    );
  });
  test('an update that changes nothing keeps the resourceVersion', async () => {
    const before = (await api().get(`${ns}/upd`).expect(200)).body;
    const same = await api().put(`${ns}/upd`).send(before).expect(200);
    assert.equal(same.body.metadata.resourceVersion, before.metadata.resourceVersion);
  });
  test('PUT to a missing name creates it; the name must match the URL', async () => {
    await api()
      .put(`${ns}/put-created`)
      .send(svc('put-created', { ports: [{ port: 80 }] }))
      .expect(201);
    const res = await api()
      .put(`${ns}/put-created`)
      .send(svc('other', { ports: [{ port: 80 }] }))
      .expect(400);
    assert.equal(res.body.message, 'the name of the object (other) does not match the name on the URL (put-created)');
  });
  test('clusterIP is immutable', async () => {
    const res = await api()
      .patch(`${ns}/upd`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ spec: { clusterIP: '10.96.0.77', clusterIPs: ['10.96.0.77'] } })
      .expect(422);
    assert.equal(res.body.details.causes[0].field, 'spec.clusterIPs[0]');
  });
  test('merge patch LoadBalancer -> ClusterIP releases node ports and clears LB fields', async () => {
    const lb = (
      await api()
        .post(ns)
        .send(svc('lb2', { type: 'LoadBalancer', ports: [{ port: 80, nodePort: 30300 }] }))
        .expect(201)
    ).body;
    assert.equal(lb.spec.ports[0].nodePort, 30300);
    const res = await api()
      .patch(`${ns}/lb2`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ spec: { type: 'ClusterIP' } })
      .expect(200);
    assert.equal(res.body.spec.ports[0].nodePort, undefined);
    assert.equal(res.body.spec.allocateLoadBalancerNodePorts, undefined);
    assert.equal(res.body.spec.externalTrafficPolicy, undefined);
    assert.equal(res.body.spec.clusterIP, lb.spec.clusterIP);
    await api()
      .post(ns)
      .send(svc('gets-30300', { type: 'NodePort', ports: [{ port: 80, nodePort: 30300 }] }))
      .expect(201);
  });
  test('ClusterIP -> ExternalName releases the IP; back again allocates one', async () => {
    const c = (
      await api()
        .post(ns)
        .send(svc('flip', { clusterIP: '10.96.0.50', ports: [{ port: 80 }] }))
        .expect(201)
    ).body;
    assert.equal(c.spec.clusterIP, '10.96.0.50');
    const e = await api()
      .patch(`${ns}/flip`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ spec: { type: 'ExternalName', externalName: 'x.example.com' } })
      .expect(200);
    assert.equal(e.body.spec.clusterIP, undefined);
    await api()
      .post(ns)
      .send(svc('reuses-50', { clusterIP: '10.96.0.50', ports: [{ port: 80 }] }))
      .expect(201);
    const back = await api()
      .patch(`${ns}/flip`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ spec: { type: 'ClusterIP', externalName: null } })
      .expect(200);
    assert.ok(back.body.spec.clusterIP && back.body.spec.clusterIP !== '10.96.0.50');
  });
  test('JSON patch and strategic merge patch', async () => {
    const j = await api()
      .patch(`${ns}/upd`)
      .set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }])
      .expect(200);
    assert.deepEqual(j.body.metadata.labels, { a: 'b' });
    const bad = await api()
      .patch(`${ns}/upd`)
      .set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'remove', path: '/spec/nothing' }])
      .expect(422);
    assert.deepEqual(bad.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });
    await api()
      .patch(`${ns}/upd`)
      .set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'test', path: '/spec/type', value: 'ExternalName' }])
      .expect(422);
    const s = await api()
      .patch(`${ns}/upd`)
      .set('Content-Type', 'application/strategic-merge-patch+json')
      .send({ spec: { ports: [{ name: 'https', port: 443 }] } })
      .expect(200);
    assert.deepEqual(s.body.spec.ports.map((p: { port: number }) => p.port).sort(), [443, 80]);
  });
  test('PATCH with an unknown content type is a 415; of a missing object a 404', async () => {
    const res = await api().patch(`${ns}/upd`).set('Content-Type', 'application/json').send({}).expect(415);
    assert.equal(res.body.reason, 'UnsupportedMediaType');
    await api().patch(`${ns}/missing`).set('Content-Type', 'application/merge-patch+json').send({}).expect(404);
  });
  test('the status subresource changes status only', async () => {
    const res = await api()
      .patch(`${ns}/lb/status`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ spec: { selector: { changed: 'yes' } }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } })
      .expect(200);
    assert.equal(res.body.spec.selector, undefined);
    assert.deepEqual(res.body.status.loadBalancer.ingress, [{ ip: '203.0.113.10', ipMode: 'VIP' }]);
    const main = await api()
      .patch(`${ns}/lb`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ status: { loadBalancer: {} } })
      .expect(200);
    assert.deepEqual(main.body.status.loadBalancer.ingress, [{ ip: '203.0.113.10', ipMode: 'VIP' }]);
  });
});

describe('delete', () => {
  test('DELETE returns the object and frees its allocations', async () => {
    await api()
      .post(ns)
      .send(svc('del', { type: 'NodePort', ports: [{ port: 80, nodePort: 30400 }] }))
      .expect(201);
    const res = await api().delete(`${ns}/del`).expect(200);
    assert.equal(res.body.kind, 'Service');
    assert.equal(res.body.metadata.name, 'del');
    await api().get(`${ns}/del`).expect(404);
    await api().delete(`${ns}/del`).expect(404);
    const again = await api()
      .post(ns)
      .send(svc('del2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30400 }] }));
    assert.equal(again.status, 201, JSON.stringify(again.body));
  });
  test('finalizers keep the object with a deletionTimestamp until they are removed', async () => {
    await api()
      .post(ns)
      .send(svc('fin', { ports: [{ port: 80 }] }, { finalizers: ['example.com/hold'] }))
      .expect(201);
    const marked = await api().delete(`${ns}/fin`).expect(200);
    assert.ok(marked.body.metadata.deletionTimestamp);
    assert.equal(marked.body.metadata.deletionGracePeriodSeconds, 0);
    await api().get(`${ns}/fin`).expect(200);
    const added = await api()
      .patch(`${ns}/fin`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { finalizers: ['example.com/hold', 'example.com/new'] } })
      .expect(422);
    assert.equal(added.body.details.causes[0].field, 'metadata.finalizers');
    await api()
      .patch(`${ns}/fin`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { finalizers: null } })
      .expect(200);
    await api().get(`${ns}/fin`).expect(404);
  });
  test('a uid precondition that does not match is a 409', async () => {
    await api()
      .post(ns)
      .send(svc('pre', { ports: [{ port: 80 }] }))
      .expect(201);
    const res = await api()
      .delete(`${ns}/pre`)
      .send({ preconditions: { uid: 'nope' } })
      .expect(409);
    assert.match(res.body.message, /Precondition failed: UID in precondition: nope/);
  });
  test('deletecollection with a selector', async () => {
    await api()
      .post(ns)
      .send(svc('col-a', { ports: [{ port: 80 }] }, { labels: { batch: 'x' } }))
      .expect(201);
    await api()
      .post(ns)
      .send(svc('col-b', { ports: [{ port: 80 }] }, { labels: { batch: 'x' } }))
      .expect(201);
    const res = await api().delete(`${ns}?labelSelector=batch%3Dx`).expect(200);
    assert.equal(res.body.kind, 'ServiceList');
    assert.equal(res.body.items.length, 2);
    await api().get(`${ns}/col-a`).expect(404);
  });
});

describe('namespaces and discovery', () => {
  test('system namespaces exist; deleting a namespace deletes its services', async () => {
    const list = await api().get('/api/v1/namespaces').expect(200);
    const names = list.body.items.map((n: { metadata: { name: string } }) => n.metadata.name);
    for (const n of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) assert.ok(names.includes(n));
    await api()
      .post('/api/v1/namespaces')
      .send({ metadata: { name: 'team-a' } })
      .expect(201);
    const created = await api()
      .post('/api/v1/namespaces/team-a/services')
      .send(svc('s', { type: 'NodePort', ports: [{ port: 80, nodePort: 30500 }] }))
      .expect(201);
    assert.ok(created.body.spec.clusterIP);
    const del = await api().delete('/api/v1/namespaces/team-a').expect(200);
    assert.equal(del.body.status.phase, 'Terminating');
    await api().get('/api/v1/namespaces/team-a').expect(404);
    await api().get('/api/v1/namespaces/team-a/services/s').expect(404);
    await api()
      .post(ns)
      .send(svc('gets-30500', { type: 'NodePort', ports: [{ port: 80, nodePort: 30500 }] }))
      .expect(201);
    const forbidden = await api().delete('/api/v1/namespaces/default').expect(403);
    assert.equal(forbidden.body.reason, 'Forbidden');
  });
  test('discovery documents', async () => {
    const v1 = await api().get('/api/v1').expect(200);
    const svcRes = v1.body.resources.find((r: { name: string }) => r.name === 'services');
    assert.deepEqual(svcRes.shortNames, ['svc']);
    assert.ok(v1.body.resources.some((r: { name: string }) => r.name === 'services/status'));
    const version = await api().get('/version').expect(200);
    assert.equal(version.body.gitVersion, 'v1.33.0');
    assert.equal(version.body.minor, '33');
    assert.deepEqual((await api().get('/api').expect(200)).body.versions, ['v1']);
    // By kube-aggregator's group priorities: events.k8s.io, the access reviews, RBAC, Leases, EndpointSlices, then svcplane's own read-only group (the allocations view).
    assert.deepEqual(
      (await api().get('/apis').expect(200)).body.groups.map((g: { name: string }) => g.name),
      [
        'events.k8s.io',
        'authentication.k8s.io',
        'authorization.k8s.io',
        'rbac.authorization.k8s.io',
        'coordination.k8s.io',
        'discovery.k8s.io',
        'svcplane.dev',
      ],
    );
    const resources = (await api().get('/apis/svcplane.dev/v1alpha1').expect(200)).body;
    assert.deepEqual(resources.resources, [{ name: 'allocations', singularName: 'allocation', namespaced: false, kind: 'Allocation', verbs: ['get', 'list'] }]);
    assert.equal((await api().get('/readyz').expect(200)).text, 'ok');
  });
  test('the kubernetes service holds the first address', async () => {
    const res = await api().get(`${ns}/kubernetes`).expect(200);
    assert.equal(res.body.spec.clusterIP, '10.96.0.1');
    assert.equal(res.body.spec.ports[0].port, 443);
    assert.equal(res.body.spec.ports[0].name, 'https');
  });
});

test('null fields decode as absent, as Go decodes them (kubectl create --dry-run=client -o json output)', async () => {
  const body = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'nulls', creationTimestamp: null, labels: { app: 'nulls' } },
    spec: { ports: [{ port: 80 }], selector: null },
    status: { loadBalancer: {} },
  };
  const res = await request(t.url).post('/api/v1/namespaces/default/services').send(body).expect(201);
  assert.match(res.body.metadata.creationTimestamp, /Z$/);
});
