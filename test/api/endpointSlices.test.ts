// discovery.k8s.io/v1 EndpointSlices over HTTP: CRUD with kube's defaults and generation, 409 on
// a stale update, the validation cases of kube's pkg/apis/discovery/validation tests answered
// with 422 and kube's causes, Tables, field selectors and discovery.
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
const slices = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';
const ipv4 = (n: number) => Array.from({ length: n }, (_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`);

interface Cause {
  reason: string;
  message: string;
  field: string;
}
const causes = (body: { details?: { causes?: Cause[] } }) => (body.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);

async function invalid(slice: Record<string, unknown>): Promise<string[]> {
  const res = await api()
    .post(slices)
    .send({ metadata: { name: 'hello' }, addressType: 'IPv4', ...slice })
    .expect(422);
  assert.equal(res.body.reason, 'Invalid');
  assert.match(res.body.message, /^EndpointSlice\.discovery\.k8s\.io "[^"]*" is invalid: /);
  return causes(res.body);
}

describe('EndpointSlices', () => {
  test('create with defaults, get, list, update with generation, 409 when stale, delete', async () => {
    const created = await api()
      .post(slices)
      .send({
        metadata: { name: 'db-1', labels: { 'kubernetes.io/service-name': 'db' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.1.2.3'], hostname: 'valid-123', zone: 'a' }],
        ports: [{ port: 5432 }],
      })
      .expect(201);
    const body = created.body;
    assert.equal(body.kind, 'EndpointSlice');
    assert.equal(body.apiVersion, 'discovery.k8s.io/v1');
    assert.equal(body.metadata.generation, 1);
    // SetDefaults_EndpointPort: name "" (written, as Go writes a pointer to an empty string), TCP.
    assert.deepEqual(body.ports, [{ name: '', protocol: 'TCP', port: 5432 }]);
    // Go's field order, and conditions written even when empty.
    assert.deepEqual(body.endpoints, [{ addresses: ['10.1.2.3'], conditions: {}, hostname: 'valid-123', zone: 'a' }]);
    assert.deepEqual(Object.keys(body), ['kind', 'apiVersion', 'metadata', 'addressType', 'endpoints', 'ports']);

    const got = await api().get(`${slices}/db-1`).expect(200);
    assert.deepEqual(got.body, body);
    const list = await api().get(`${slices}?labelSelector=kubernetes.io/service-name=db`).expect(200);
    assert.equal(list.body.kind, 'EndpointSliceList');
    assert.deepEqual(
      list.body.items.map((s: { metadata: { name: string } }) => s.metadata.name),
      ['db-1'],
    );

    const labelsOnly = await api()
      .put(`${slices}/db-1`)
      .send({ ...body, metadata: { ...body.metadata, labels: { ...body.metadata.labels, tier: 'db' } } })
      .expect(200);
    assert.equal(labelsOnly.body.metadata.generation, 2, 'a label change moves the generation');
    const annotationOnly = await api()
      .put(`${slices}/db-1`)
      .send({ ...labelsOnly.body, metadata: { ...labelsOnly.body.metadata, annotations: { note: 'x' } } })
      .expect(200);
    assert.equal(annotationOnly.body.metadata.generation, 2, 'an annotation does not');
    const moved = await api()
      .put(`${slices}/db-1`)
      .send({ ...annotationOnly.body, endpoints: [{ addresses: ['10.1.2.4'], conditions: { ready: false } }] })
      .expect(200);
    assert.equal(moved.body.metadata.generation, 3);
    assert.deepEqual(moved.body.endpoints, [{ addresses: ['10.1.2.4'], conditions: { ready: false } }]);

    const stale = await api().put(`${slices}/db-1`).send(body).expect(409);
    assert.equal(stale.body.reason, 'Conflict');
    assert.equal(
      stale.body.message,
      'Operation cannot be fulfilled on endpointslices.discovery.k8s.io "db-1": the object has been modified; please apply your changes to the latest version and try again',
    );
    await api()
      .put(`${slices}/nope`)
      .send({ metadata: { name: 'nope' }, addressType: 'IPv4' })
      .expect(404);

    const patched = await api()
      .patch(`${slices}/db-1`)
      .set('Content-Type', 'application/strategic-merge-patch+json')
      .send({ endpoints: [{ addresses: ['10.1.2.5'] }] })
      .expect(200);
    assert.deepEqual(patched.body.endpoints, [{ addresses: ['10.1.2.5'], conditions: {} }], 'endpoints are atomic: replaced whole');

    const deleted = await api().delete(`${slices}/db-1`).expect(200);
    assert.equal(deleted.body.kind, 'Status');
    assert.equal(deleted.body.status, 'Success');
    assert.equal(deleted.body.details.kind, 'endpointslices');
    await api().get(`${slices}/db-1`).expect(404);
  });

  test('empty or absent lists read back as null, as from etcd; generateName names a slice', async () => {
    const res = await api()
      .post(slices)
      .send({ metadata: { generateName: 'empty-' }, addressType: 'IPv6', endpoints: [], ports: [] })
      .expect(201);
    assert.match(res.body.metadata.name, /^empty-[a-z0-9]{5}$/);
    assert.equal(res.body.endpoints, null);
    assert.equal(res.body.ports, null);
  });

  test('v1 writes drop deprecatedTopology; node hints are dropped while PreferSameTrafficDistribution is off', async () => {
    const res = await api()
      .post(slices)
      .send({
        metadata: { name: 'hints' },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.0.0.9'], deprecatedTopology: { rack: 'r1' }, hints: { forZones: [{ name: 'a' }], forNodes: [{ name: 'n1' }] } }],
      })
      .expect(201);
    assert.deepEqual(res.body.endpoints, [{ addresses: ['10.0.0.9'], conditions: {}, hints: { forZones: [{ name: 'a' }] } }]);
  });

  test("the good slices of kube's validation tests are accepted", async () => {
    const good = [
      { addressType: 'IPv6', endpoints: [{ addresses: ['a00:100::4'], hostname: 'valid-123' }], ports: [{ name: 'http', protocol: 'TCP' }] },
      { addressType: 'FQDN', endpoints: [{ addresses: ['foo.example.com', 'example.com', 'example.com.', 'hyphens-are-good.example.com'] }] },
      {
        ports: [
          { name: 'one', protocol: 'TCP', appProtocol: 'HTTP' },
          { name: 'two', protocol: 'TCP', appProtocol: 'https' },
          { name: 'three', protocol: 'TCP', appProtocol: 'my-protocol' },
          { name: 'four', protocol: 'TCP', appProtocol: 'example.com/custom-protocol' },
        ],
      },
      { ports: [{ name: '' }, { name: 'http' }] },
      { ports: [{ name: 'a'.repeat(63) }] },
      { endpoints: Array.from({ length: 1000 }, (_, i) => ({ addresses: [ipv4(1000)[i]] })) },
      { endpoints: [{ addresses: ipv4(100) }] },
      {
        ports: [
          { name: 'tcp', protocol: 'TCP' },
          { name: 'udp', protocol: 'UDP' },
          { name: 'sctp', protocol: 'SCTP' },
        ],
      },
    ];
    for (const [i, slice] of good.entries()) {
      await api()
        .post(slices)
        .send({ metadata: { name: `good-${i}` }, addressType: 'IPv4', ...slice })
        .expect(201);
    }
  });

  test("the bad slices of kube's validation tests get 422 with kube's causes", async () => {
    assert.deepEqual(await invalid({ ports: [{ name: '' }, { name: '' }] }), ['ports[1].name: Duplicate value: ""']);
    assert.deepEqual(await invalid({ ports: [{ name: 'aCapital' }] }), [
      "ports[0].name: Invalid value: \"aCapital\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    assert.deepEqual(await invalid({ ports: [{ name: 'a'.repeat(64) }] }), [
      `ports[0].name: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`,
    ]);
    assert.deepEqual(await invalid({ ports: [{ name: 'http', protocol: 'foo' }] }), [
      'ports[0].protocol: Unsupported value: "foo": supported values: "SCTP", "TCP", "UDP"',
    ]);
    assert.deepEqual(await invalid({ endpoints: Array.from({ length: 1001 }, () => ({ addresses: ['10.0.0.1'] })) }), [
      'endpoints: Too many: 1001: must have at most 1000 items',
    ]);
    assert.deepEqual(await invalid({ endpoints: [{ addresses: [] }] }), ['endpoints[0].addresses: Required value: must contain at least 1 address']);
    assert.deepEqual(await invalid({ endpoints: [{ addresses: ipv4(101) }] }), ['endpoints[0].addresses: Too many: 101: must have at most 100 items']);
    assert.deepEqual(await invalid({ endpoints: [{ addresses: ['10.0.0.1'], hostname: '--INVALID' }] }), [
      "endpoints[0].hostname: Invalid value: \"--INVALID\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    assert.deepEqual(await invalid({ metadata: { name: '*&^' } }), [
      "metadata.name: Invalid value: \"*&^\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    assert.deepEqual(await invalid({ endpoints: [{ addresses: ['123.456.789.012', '2001:4860:4860::8888'] }] }), [
      'endpoints[0].addresses[0]: Invalid value: "123.456.789.012": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'endpoints[0].addresses[1]: Invalid value: "2001:4860:4860::8888": must be an IPv4 address',
    ]);
    assert.deepEqual(await invalid({ addressType: 'IPv6', endpoints: [{ addresses: ['123.456.789.012', '2001:4860:4860:defg'] }] }), [
      'endpoints[0].addresses[0]: Invalid value: "123.456.789.012": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'endpoints[0].addresses[1]: Invalid value: "2001:4860:4860:defg": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
    const fqdns = await invalid({
      addressType: 'FQDN',
      endpoints: [{ addresses: ['foo.*', 'FOO.example.com', 'underscores_are_bad.example.com', '*.example.com'] }],
    });
    assert.deepEqual(
      fqdns.map((c) => c.split(': ').slice(0, 2).join(': ')),
      [
        'endpoints[0].addresses[0]: Invalid value',
        'endpoints[0].addresses[1]: Invalid value',
        'endpoints[0].addresses[2]: Invalid value',
        'endpoints[0].addresses[3]: Invalid value',
      ],
    );
    assert.match(fqdns[1], /"FOO\.example\.com": a lowercase RFC 1123 subdomain must consist of/);
    assert.deepEqual(await invalid({ ports: [{ name: 'http', appProtocol: '--' }] }), [
      "ports[0].appProtocol: Invalid value: \"--\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
    assert.deepEqual(await invalid({ metadata: {}, addressType: undefined }), [
      'metadata.name: Required value: name or generateName is required',
      'addressType: Required value',
    ]);
    assert.deepEqual(await invalid({ addressType: 'IP' }), ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']);
    assert.deepEqual(await invalid({ endpoints: [{ addresses: ['127.0.0.1'] }] }), [
      'endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]);
    assert.deepEqual(await invalid({ addressType: 'IPv6', endpoints: [{ addresses: ['fe80::9656:d028:8652:66b6'] }] }), [
      'endpoints[0].addresses[0]: Invalid value: "fe80::9656:d028:8652:66b6": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    ]);
    assert.deepEqual(await invalid({ endpoints: [{ addresses: ['10.0.0.1'], nodeName: 'Node_1' }] }), [
      "endpoints[0].nodeName: Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    const zones = Array.from({ length: 9 }, (_, i) => ({ name: `zone-${i}` }));
    assert.deepEqual(await invalid({ endpoints: [{ addresses: ['10.0.0.1'], hints: { forZones: zones } }] }), [
      'endpoints[0].hints.forZones: Too many: 9: must have at most 8 items',
    ]);
    assert.deepEqual(await invalid({ endpoints: [{ addresses: ['10.0.0.1'], hints: { forZones: [{ name: 'a' }, { name: 'a' }] } }] }), [
      'endpoints[0].hints.forZones[1].name: Duplicate value: "a"',
    ]);
  });

  test('addressType cannot change', async () => {
    const created = await api()
      .post(slices)
      .send({ metadata: { name: 'fixed' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }] })
      .expect(201);
    const res = await api()
      .put(`${slices}/fixed`)
      .send({ ...created.body, addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'] }] })
      .expect(422);
    assert.deepEqual(causes(res.body), ['addressType: Invalid value: "IPv6": field is immutable']);
  });

  test('a Table as kubectl get prints it: name, address type, ports, endpoints (three, then "+ N more..."), age', async () => {
    await api()
      .post(slices)
      .send({
        metadata: { name: 'many', labels: { table: 'yes' } },
        addressType: 'IPv4',
        endpoints: [
          { addresses: ['10.9.0.1'] },
          { addresses: ['10.9.0.2'] },
          { addresses: ['10.9.0.3'] },
          { addresses: ['10.9.0.4'] },
          { addresses: ['10.9.0.5'] },
        ],
        ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443 }, { name: 'c' }, { name: 'd', port: 9000 }],
      })
      .expect(201);
    await api()
      .post(slices)
      .send({ metadata: { name: 'unset', labels: { table: 'yes' } }, addressType: 'IPv4' })
      .expect(201);
    const res = await api().get(`${slices}?labelSelector=table`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200);
    assert.deepEqual(
      res.body.columnDefinitions.map((c: { name: string }) => c.name),
      ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
    );
    const rows = res.body.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 4));
    assert.deepEqual(rows, [
      ['many', 'IPv4', '80,443,c + 1 more...', '10.9.0.1,10.9.0.2,10.9.0.3 + 2 more...'],
      ['unset', 'IPv4', '<unset>', '<unset>'],
    ]);
  });

  test('field selectors: metadata.name and metadata.namespace only', async () => {
    const res = await api().get('/apis/discovery.k8s.io/v1/endpointslices?fieldSelector=metadata.name=fixed,metadata.namespace=default').expect(200);
    assert.deepEqual(
      res.body.items.map((s: { metadata: { name: string } }) => s.metadata.name),
      ['fixed'],
    );
    const bad = await api().get(`${slices}?fieldSelector=addressType=IPv4`).expect(400);
    assert.match(bad.body.message, /field label not supported: addressType/);
  });

  test("a watch's bookmarks name the group's version, as a client decodes them as EndpointSlices", async () => {
    const watch = await openWatch(`${t.url}${slices}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    try {
      for (;;) {
        const ev = await watch.next();
        if (ev.type !== 'BOOKMARK') continue;
        assert.equal(ev.object.kind, 'EndpointSlice');
        assert.equal(ev.object.apiVersion, 'discovery.k8s.io/v1');
        assert.equal(ev.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
        break;
      }
    } finally {
      watch.close();
    }
  });

  test('discovery lists the group and its resource; the legacy stub is gone', async () => {
    const groups = await api().get('/apis').expect(200);
    const group = groups.body.groups.find((g: { name: string }) => g.name === 'discovery.k8s.io');
    assert.deepEqual(group, {
      name: 'discovery.k8s.io',
      versions: [{ groupVersion: 'discovery.k8s.io/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'discovery.k8s.io/v1', version: 'v1' },
    });
    const resources = await api().get('/apis/discovery.k8s.io/v1').expect(200);
    assert.deepEqual(resources.body.resources, [
      {
        name: 'endpointslices',
        singularName: 'endpointslice',
        namespaced: true,
        kind: 'EndpointSlice',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      },
    ]);
    const core = await api().get('/api/v1').expect(200);
    assert.deepEqual(
      core.body.resources.find((r: { name: string }) => r.name === 'endpoints'),
      {
        name: 'endpoints',
        singularName: 'endpoints',
        namespaced: true,
        kind: 'Endpoints',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['ep'],
      },
    );
  });
});
