// Server-side printing over HTTP: the Table kubectl asks for, in both versions, with each
// includeObject policy; and the EndpointSlice list `kubectl describe service` reads.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
before(async () => {
  t = await startServer({ lbProvisionDelay: 3_600_000 });
  await request(t.url)
    .post('/api/v1/namespaces/default/services')
    .send({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30080 }] },
    })
    .expect(201);
});
after(async () => t.stop());

const item = '/api/v1/namespaces/default/services/web';
const v1 = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const v1beta1 = 'application/json;as=Table;v=v1beta1;g=meta.k8s.io';
const kubectlAccept = `${v1},${v1beta1},application/json`;

describe('Table', () => {
  test("kubectl's Accept gets a meta.k8s.io/v1 Table with PartialObjectMetadata rows", async () => {
    const res = await request(t.url).get(item).set('Accept', kubectlAccept).expect(200);
    assert.equal(res.body.kind, 'Table');
    assert.equal(res.body.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(res.body.rows[0].cells.slice(0, 5), ['web', 'NodePort', res.body.rows[0].cells[2], '<none>', '80:30080/TCP']);
    const object = res.body.rows[0].object;
    assert.equal(object.kind, 'PartialObjectMetadata');
    assert.equal(object.apiVersion, 'meta.k8s.io/v1');
    assert.equal(object.metadata.name, 'web');
    assert.equal(object.spec, undefined);
    assert.equal(res.body.metadata.resourceVersion, object.metadata.resourceVersion);
  });

  test('v1beta1 alone gets a meta.k8s.io/v1beta1 Table', async () => {
    const res = await request(t.url).get(item).set('Accept', v1beta1).expect(200);
    assert.equal(res.body.apiVersion, 'meta.k8s.io/v1beta1');
    assert.equal(res.body.rows[0].object.apiVersion, 'meta.k8s.io/v1beta1');
  });

  test('includeObject=Object carries the whole Service, None a null object, empty means Metadata', async () => {
    const whole = await request(t.url).get(`${item}?includeObject=Object`).set('Accept', v1).expect(200);
    assert.equal(whole.body.rows[0].object.kind, 'Service');
    assert.equal(whole.body.rows[0].object.apiVersion, 'v1');
    assert.equal(whole.body.rows[0].object.spec.ports[0].nodePort, 30080);
    const none = await request(t.url).get(`/api/v1/namespaces/default/services?includeObject=None`).set('Accept', v1).expect(200);
    assert.ok(none.body.rows.length >= 1);
    for (const row of none.body.rows) assert.equal(row.object, null);
    const empty = await request(t.url).get(`${item}?includeObject=`).set('Accept', v1).expect(200);
    assert.equal(empty.body.rows[0].object.kind, 'PartialObjectMetadata');
  });

  test("an unknown includeObject is a 400 with optionsForTransform's message", async () => {
    const res = await request(t.url).get(`${item}?includeObject=Everything`).set('Accept', v1).expect(400);
    assert.equal(res.body.reason, 'BadRequest');
    assert.equal(
      res.body.message,
      "Unable to convert to Table as requested: includeObject: Invalid value: \"Everything\": must be 'Metadata', 'Object', 'None', or empty",
    );
  });

  test('namespaces have their own table', async () => {
    const res = await request(t.url).get('/api/v1/namespaces').set('Accept', v1).expect(200);
    assert.deepEqual(
      res.body.columnDefinitions.map((c: { name: string }) => c.name),
      ['Name', 'Status', 'Age'],
    );
    const names = res.body.rows.map((r: { cells: string[] }) => r.cells.slice(0, 2));
    assert.deepEqual(names, [
      ['default', 'Active'],
      ['kube-node-lease', 'Active'],
      ['kube-public', 'Active'],
      ['kube-system', 'Active'],
    ]);
  });
});

describe('EndpointSlices for kubectl describe', () => {
  // kubectl describe service (1.33) lists the Service's slices by this label for its Endpoints: line.
  test("the list by service name holds only that Service's slices", async () => {
    const res = await request(t.url)
      .get(`/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=${encodeURIComponent('kubernetes.io/service-name=no-such-service')}`)
      .expect(200);
    assert.equal(res.body.kind, 'EndpointSliceList');
    assert.equal(res.body.apiVersion, 'discovery.k8s.io/v1');
    assert.match(res.body.metadata.resourceVersion, /^\d+$/);
    assert.deepEqual(res.body.items, []);
  });

  test('a malformed selector is a 400', async () => {
    const res = await request(t.url)
      .get(`/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=${encodeURIComponent('a in (b')}`)
      .expect(400);
    assert.equal(res.body.reason, 'BadRequest');
  });
});
