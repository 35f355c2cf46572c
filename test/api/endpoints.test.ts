// core/v1 Endpoints over HTTP: CRUD with kube's defaults, create by PUT, 409 on a stale update,
// ValidateEndpoints' causes, the printer's cells, and v1.33's deprecation Warning on every
// request, whatever the verb or the answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { openWatch } from '../support/watch.js';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(async () => t.stop());
const api = () => request(t.url);
const eps = '/api/v1/namespaces/default/endpoints';
const deprecation = '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"';
const causes = (body: { details?: { causes?: { field: string; message: string }[] } }) => (body.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);

describe('Endpoints', () => {
  test('create with defaults, get, list, replace, 409 when stale, create by PUT, delete', async () => {
    const created = await api()
      .post(eps)
      .send({ metadata: { name: 'db' }, subsets: [{ addresses: [{ ip: '10.1.2.3', hostname: 'db-0' }], ports: [{ port: 5432 }] }] })
      .expect(201);
    assert.deepEqual(created.body.subsets, [{ addresses: [{ ip: '10.1.2.3', hostname: 'db-0' }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
    assert.equal(created.body.metadata.generation, undefined);
    const got = await api().get(`${eps}/db`).expect(200);
    assert.deepEqual(got.body, created.body);
    const list = await api().get('/api/v1/endpoints?fieldSelector=metadata.name=db').expect(200);
    assert.equal(list.body.kind, 'EndpointsList');
    assert.equal(list.body.items.length, 1);

    const replaced = await api()
      .put(`${eps}/db`)
      .send({ ...got.body, subsets: [{ notReadyAddresses: [{ ip: '10.1.2.4' }], ports: [{ name: 'pg', port: 5432, appProtocol: 'postgresql' }] }] })
      .expect(200);
    assert.deepEqual(replaced.body.subsets, [
      { notReadyAddresses: [{ ip: '10.1.2.4' }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP', appProtocol: 'postgresql' }] },
    ]);
    const stale = await api().put(`${eps}/db`).send(got.body).expect(409);
    assert.equal(
      stale.body.message,
      'Operation cannot be fulfilled on endpoints "db": the object has been modified; please apply your changes to the latest version and try again',
    );
    // AllowCreateOnUpdate, as for Services.
    const put = await api()
      .put(`${eps}/by-put`)
      .send({ metadata: { name: 'by-put' } })
      .expect(201);
    assert.equal(put.body.subsets, undefined);
    const deleted = await api().delete(`${eps}/by-put`).expect(200);
    assert.equal(deleted.body.kind, 'Status');
    assert.equal(deleted.body.details.kind, 'endpoints');
  });

  test('ValidateEndpoints: addresses required, IPs parsed then checked as endpoint IPs, port names required when several', async () => {
    const bad = async (subsets: unknown[], name = 'bad') => causes((await api().post(eps).send({ metadata: { name }, subsets }).expect(422)).body);
    assert.deepEqual(await bad([{ ports: [{ port: 80 }] }]), ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']);
    assert.deepEqual(await bad([{ addresses: [{ ip: 'not-an-ip' }] }]), [
      'subsets[0].addresses[0].ip: Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].addresses[0].ip: Invalid value: "not-an-ip": must be a valid IP address',
    ]);
    assert.deepEqual(await bad([{ notReadyAddresses: [{ ip: '127.0.0.1' }] }]), [
      'subsets[0].notReadyAddresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]);
    assert.deepEqual(await bad([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }, { name: 'b', port: 0, protocol: 'HTTP' }] }]), [
      'subsets[0].ports[0].name: Required value',
      'subsets[0].ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'subsets[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    assert.equal((await bad([{ addresses: [{ ip: '10.0.0.1', hostname: 'Not_A_Label' }] }])).length, 1);
    // Leading zeros are tolerated, as StrictIPCIDRValidation is off in v1.33.
    await api()
      .post(eps)
      .send({ metadata: { name: 'leading-zeros' }, subsets: [{ addresses: [{ ip: '010.001.002.003' }] }] })
      .expect(201);
  });

  test('every request warns that v1 Endpoints is deprecated, errors and watches too', async () => {
    const list = await api().get(eps).expect(200);
    assert.equal(list.headers.warning, deprecation);
    assert.equal((await api().get(`${eps}/nope`).expect(404)).headers.warning, deprecation);
    assert.equal((await api().post(`${eps}/x`).send({}).expect(405)).headers.warning, deprecation);
    // The decoder's unknown-field warning comes after it, in one header as kube's recorder writes it.
    const unknown = await api()
      .post(eps)
      .send({ metadata: { name: 'warned' }, surprise: 1 })
      .expect(201);
    assert.equal(unknown.headers.warning, `${deprecation}, 299 - "unknown field \\"surprise\\""`);
    const watch = await openWatch(`${t.url}${eps}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    try {
      assert.equal(watch.headers.warning, deprecation);
    } finally {
      watch.close();
    }
    const legacy = await openWatch(`${t.url}/api/v1/watch/namespaces/default/endpoints`);
    try {
      assert.equal(legacy.headers.warning, deprecation);
    } finally {
      legacy.close();
    }
    const services = await api().get('/api/v1/namespaces/default/services').expect(200);
    assert.equal(services.headers.warning, undefined, 'only Endpoints requests');
  });

  test('a Table as kubectl get ep prints it: ready addresses with each port, three then "+ N more..."', async () => {
    await api()
      .post(eps)
      .send({
        metadata: { name: 'wide', labels: { table: 'yes' } },
        subsets: [
          {
            addresses: [{ ip: '10.2.0.1' }, { ip: '10.2.0.2' }, { ip: 'fd00::3' }],
            notReadyAddresses: [{ ip: '10.2.0.9' }],
            ports: [
              { name: 'a', port: 80 },
              { name: 'b', port: 443 },
            ],
          },
        ],
      })
      .expect(201);
    await api()
      .post(eps)
      .send({ metadata: { name: 'headless', labels: { table: 'yes' } }, subsets: [{ addresses: [{ ip: '10.3.0.1' }] }] })
      .expect(201);
    await api()
      .post(eps)
      .send({ metadata: { name: 'none', labels: { table: 'yes' } } })
      .expect(201);
    const res = await api().get(`${eps}?labelSelector=table`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200);
    assert.deepEqual(
      res.body.columnDefinitions.map((c: { name: string }) => c.name),
      ['Name', 'Endpoints', 'Age'],
    );
    assert.deepEqual(
      res.body.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 2)),
      [
        ['headless', '10.3.0.1'],
        ['none', '<none>'],
        ['wide', '10.2.0.1:80,10.2.0.2:80,[fd00::3]:80 + 3 more...'],
      ],
    );
  });
});
