// What kube-controller-manager's endpoint controllers and kube-apiserver's endpoint reconciler
// write, done by svcplane's own over the watch, observed over HTTP as a client sees it:
// mirroring of selector-less Services' Endpoints (create, update, delete, skip-mirror, address
// families, 1000 addresses per subset), the Endpoints and placeholder slices of selector
// Services, other managers' slices left alone, the `kubernetes` Service's endpoints, and
// garbage collection of what a Service or an Endpoints owned.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startServer, type TestServer } from '../support/server.js';

interface Slice {
  metadata: {
    name: string;
    generateName?: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
    creationTimestamp: string;
  };
  addressType: string;
  endpoints: { addresses: string[]; conditions: { ready?: boolean }; hostname?: string; nodeName?: string }[] | null;
  ports: { name: string; protocol: string; port?: number }[] | null;
}

/** Polls until `probe` gives a value, failing with `what` after 5 s. */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last !== undefined) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let t: TestServer;
const api = () => request(t.url);
const ns = '/api/v1/namespaces/default';
const slicesPath = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';

async function slicesOf(service: string): Promise<Slice[]> {
  const res = await api()
    .get(`${slicesPath}?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${service}`)}`)
    .expect(200);
  return (res.body.items as Slice[]).sort((a, b) => a.addressType.localeCompare(b.addressType) || a.metadata.name.localeCompare(b.metadata.name));
}

/** The service's slices once `ready` holds for them. */
const slicesWhen = (service: string, what: string, ready: (s: Slice[]) => boolean) =>
  until(what, async () => {
    const s = await slicesOf(service);
    return ready(s) ? s : undefined;
  });

async function createService(name: string, spec: Record<string, unknown>, labels?: Record<string, string>) {
  return (await api().post(`${ns}/services`).send({ metadata: { name, labels }, spec }).expect(201)).body;
}

before(async () => {
  t = await startServer({ advertiseAddress: '192.0.2.10' });
});
after(async () => t.stop());

describe('the endpointslice mirroring controller', () => {
  test('an external database: Endpoints of a Service without a selector become a slice', async () => {
    await createService('external-db', { ports: [{ name: 'pg', port: 5432 }] });
    const ep = (
      await api()
        .post(`${ns}/endpoints`)
        .send({
          metadata: {
            name: 'external-db',
            labels: { team: 'data' },
            annotations: { note: 'vm', 'endpoints.kubernetes.io/last-change-trigger-time': '2020-01-01T00:00:00Z' },
          },
          subsets: [
            {
              addresses: [{ ip: '192.0.2.42', hostname: 'db-0', nodeName: 'vm-1' }],
              notReadyAddresses: [{ ip: '192.0.2.43' }],
              ports: [{ name: 'pg', port: 5432 }],
            },
          ],
        })
        .expect(201)
    ).body;
    const [slice] = await slicesWhen('external-db', 'the mirrored slice', (s) => s.length === 1);
    assert.match(slice.metadata.name, /^external-db-[a-z0-9]{5}$/);
    assert.equal(slice.metadata.generateName, 'external-db-');
    assert.deepEqual(slice.metadata.labels, {
      'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io',
      'kubernetes.io/service-name': 'external-db',
      team: 'data',
    });
    assert.deepEqual(slice.metadata.annotations, { note: 'vm' }, 'all but the trigger time and the last-applied configuration');
    assert.deepEqual(slice.metadata.ownerReferences, [
      { apiVersion: 'v1', kind: 'Endpoints', name: 'external-db', uid: ep.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.endpoints, [
      { addresses: ['192.0.2.42'], conditions: { ready: true }, hostname: 'db-0', nodeName: 'vm-1' },
      { addresses: ['192.0.2.43'], conditions: { ready: false } },
    ]);
    assert.deepEqual(slice.ports, [{ name: 'pg', protocol: 'TCP', port: 5432 }]);
  });

  test('an update is followed in place; the slice keeps its name', async () => {
    const [before] = await slicesOf('external-db');
    await api()
      .patch(`${ns}/endpoints/external-db`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ subsets: [{ addresses: [{ ip: '192.0.2.44' }], ports: [{ name: 'pg', port: 6432 }] }] })
      .expect(200);
    const [after] = await slicesWhen('external-db', 'the updated mirror', (s) => s.length === 1 && s[0].ports?.[0]?.port === 6432);
    assert.equal(after.metadata.name, before.metadata.name);
    assert.deepEqual(after.endpoints, [{ addresses: ['192.0.2.44'], conditions: { ready: true } }]);
  });

  test('someone editing the mirror gets it put back', async () => {
    const [slice] = await slicesOf('external-db');
    await api()
      .patch(`${slicesPath}/${slice.metadata.name}`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ endpoints: [{ addresses: ['192.0.2.99'] }] })
      .expect(200);
    await slicesWhen('external-db', 'the mirror restored', (s) => s.length === 1 && s[0].endpoints?.[0]?.addresses[0] === '192.0.2.44');
  });

  test('IPv4 and IPv6 addresses go to slices of their own type; subsets with the same ports share them', async () => {
    await createService('dual', { ports: [{ port: 80 }] });
    await api()
      .post(`${ns}/endpoints`)
      .send({
        metadata: { name: 'dual' },
        subsets: [
          { addresses: [{ ip: '192.0.2.1' }, { ip: '2001:db8::1' }], ports: [{ port: 80 }] },
          { addresses: [{ ip: '192.0.2.2' }], ports: [{ port: 80 }] },
          { addresses: [{ ip: '192.0.2.3' }], ports: [{ port: 81 }] },
        ],
      })
      .expect(201);
    const slices = await slicesWhen('dual', 'three mirrors', (s) => s.length === 3);
    const summary = slices.map((s) => [s.addressType, s.ports?.map((p) => p.port), s.endpoints?.map((e) => e.addresses[0])]);
    assert.deepEqual(
      summary.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      [
        ['IPv4', [80], ['192.0.2.1', '192.0.2.2']],
        ['IPv4', [81], ['192.0.2.3']],
        ['IPv6', [80], ['2001:db8::1']],
      ],
    );
  });

  test('at most 1000 addresses of a subset are mirrored', async () => {
    await createService('big', { ports: [{ port: 80 }] });
    const addresses = Array.from({ length: 1001 }, (_, i) => ({ ip: `10.${Math.floor(i / 250)}.0.${(i % 250) + 1}` }));
    await api()
      .post(`${ns}/endpoints`)
      .send({ metadata: { name: 'big' }, subsets: [{ addresses, ports: [{ port: 80 }] }] })
      .expect(201);
    const [slice] = await slicesWhen('big', 'the mirror', (s) => s.length === 1);
    assert.equal(slice.endpoints?.length, 1000);
    assert.equal(slice.endpoints?.[999].addresses[0], addresses[999].ip);
  });

  test('skip-mirror, or a Service that gains a selector, removes the mirrors; deleting the Endpoints does too', async () => {
    await api()
      .patch(`${ns}/endpoints/big`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } })
      .expect(200);
    await slicesWhen('big', 'skip-mirror honoured', (s) => s.length === 0);
    await api()
      .patch(`${ns}/services/dual`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ spec: { selector: { app: 'dual' } } })
      .expect(200);
    // The endpointslice controller's placeholder takes the mirrors' place.
    const dual = await slicesWhen('dual', 'the mirrors gone', (s) =>
      s.every((x) => x.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] !== 'endpointslicemirroring-controller.k8s.io'),
    );
    assert.ok(dual.every((s) => s.endpoints === null));
    await api().delete(`${ns}/endpoints/external-db`).expect(200);
    await slicesWhen('external-db', 'the mirror deleted with its Endpoints', (s) => s.length === 0);
  });

  test('Endpoints without a Service are not mirrored', async () => {
    await api()
      .post(`${ns}/endpoints`)
      .send({ metadata: { name: 'orphan' }, subsets: [{ addresses: [{ ip: '192.0.2.7' }] }] })
      .expect(201);
    await t.server.endpointControllers.idle();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await slicesOf('orphan'), []);
    // Its Service arriving later starts the mirroring.
    await createService('orphan', { ports: [{ port: 80 }] });
    await slicesWhen('orphan', 'the late mirror', (s) => s.length === 1);
  });
});

describe('the endpoints and endpointslice controllers, with no pods', () => {
  test('a Service with a selector gets an empty Endpoints and a placeholder slice owned by it', async () => {
    const svc = await createService(
      'web',
      { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      { app: 'web', 'kubernetes.io/service-name': 'spoof' },
    );
    const ep = await until('the Endpoints', async () => {
      const res = await api().get(`${ns}/endpoints/web`);
      return res.status === 200 ? res.body : undefined;
    });
    assert.equal(ep.subsets, undefined);
    assert.deepEqual(ep.metadata.labels, { app: 'web', 'kubernetes.io/service-name': 'spoof' }, "the Service's labels");
    assert.deepEqual(ep.metadata.annotations, { 'endpoints.kubernetes.io/last-change-trigger-time': svc.metadata.creationTimestamp });
    const [slice] = await slicesWhen('web', 'the placeholder', (s) => s.length === 1);
    assert.equal(slice.metadata.generateName, 'web-');
    assert.deepEqual(slice.metadata.labels, {
      app: 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      'kubernetes.io/service-name': 'web',
    });
    assert.deepEqual(slice.metadata.annotations, { 'endpoints.kubernetes.io/last-change-trigger-time': svc.metadata.creationTimestamp });
    assert.deepEqual(slice.metadata.ownerReferences, [
      { apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    assert.equal(slice.addressType, 'IPv4');
    assert.equal(slice.endpoints, null);
    assert.equal(slice.ports, null);
  });

  test("a headless Service's Endpoints and slice carry service.kubernetes.io/headless; ExternalName gets no slice", async () => {
    await createService('stateful', { clusterIP: 'None', selector: { app: 'stateful' }, ports: [{ port: 6379 }] });
    const ep = await until('the Endpoints', async () => {
      const res = await api().get(`${ns}/endpoints/stateful`);
      return res.status === 200 ? res.body : undefined;
    });
    assert.deepEqual(ep.metadata.labels, { 'service.kubernetes.io/headless': '' });
    const [slice] = await slicesWhen('stateful', 'the placeholder', (s) => s.length === 1);
    assert.equal(slice.metadata.labels?.['service.kubernetes.io/headless'], '');
    await createService('alias', { type: 'ExternalName', externalName: 'db.example.com', selector: { app: 'x' } });
    await until('the Endpoints of the ExternalName Service', async () => ((await api().get(`${ns}/endpoints/alias`)).status === 200 ? true : undefined));
    await t.server.endpointControllers.idle();
    assert.deepEqual(await slicesOf('alias'), []);
  });

  test('label changes replace the placeholder and rewrite the Endpoints; slices of other managers are left alone', async () => {
    const [first] = await slicesOf('web');
    const other = await api()
      .post(slicesPath)
      .send({
        metadata: { name: 'web-by-mesh', labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'mesh.example.com' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.20.0.1'] }],
        ports: [{ port: 8080 }],
      })
      .expect(201);
    await api()
      .patch(`${ns}/services/web`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { labels: { tier: 'front' } } })
      .expect(200);
    const slices = await slicesWhen('web', 'a new placeholder', (s) => s.some((x) => x.metadata.labels?.tier === 'front'));
    const ours = slices.filter((s) => s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === 'endpointslice-controller.k8s.io');
    assert.equal(ours.length, 1);
    assert.notEqual(ours[0].metadata.name, first.metadata.name);
    const mesh = slices.find((s) => s.metadata.name === 'web-by-mesh');
    assert.deepEqual(mesh?.metadata.uid, other.body.metadata.uid);
    await until('the relabelled Endpoints', async () => {
      const res = await api().get(`${ns}/endpoints/web`);
      return res.body.metadata.labels?.tier === 'front' ? true : undefined;
    });
    // Someone deleting the placeholder gets it back.
    await api().delete(`${slicesPath}/${ours[0].metadata.name}`).expect(200);
    await slicesWhen(
      'web',
      'the placeholder back',
      (s) => s.filter((x) => x.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === 'endpointslice-controller.k8s.io').length === 1,
    );
  });

  test('a dual-stack Service gets a placeholder per family', async () => {
    const dual = await startServer({ serviceCidr: '10.96.0.0/12,fd00:10:96::/108', advertiseAddress: '192.0.2.10' });
    try {
      await request(dual.url)
        .post(`${ns}/services`)
        .send({ metadata: { name: 'both' }, spec: { ipFamilyPolicy: 'RequireDualStack', selector: { app: 'both' }, ports: [{ port: 80 }] } })
        .expect(201);
      const deadline = Date.now() + 5000;
      let types: string[] = [];
      while (Date.now() < deadline && types.length < 2) {
        const res = await request(dual.url).get(`${slicesPath}?labelSelector=kubernetes.io/service-name=both`).expect(200);
        types = (res.body.items as Slice[]).map((s) => s.addressType).sort();
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(types, ['IPv4', 'IPv6']);
    } finally {
      await dual.stop();
    }
  });
});

describe('garbage collection', () => {
  test("a Service's Endpoints and its controllers' slices go with it; a user's slice stays", async () => {
    await api().delete(`${ns}/services/web`).expect(200);
    await until('the Endpoints gone', async () => ((await api().get(`${ns}/endpoints/web`)).status === 404 ? true : undefined));
    const left = await slicesWhen('web', 'the placeholder gone', (s) => s.length === 1);
    assert.equal(left[0].metadata.name, 'web-by-mesh');
  });

  test('a selector-less Service takes its Endpoints and so their mirrors', async () => {
    await slicesWhen('orphan', 'the mirror', (s) => s.length === 1);
    await api().delete(`${ns}/services/orphan`).expect(200);
    await until('the Endpoints gone', async () => ((await api().get(`${ns}/endpoints/orphan`)).status === 404 ? true : undefined));
    await slicesWhen('orphan', 'the mirror gone', (s) => s.length === 0);
  });

  test('a slice whose owner went while the server was down is collected at start, and an Endpoints whose Service went', async () => {
    const t2 = await startServer({ advertiseAddress: '192.0.2.10' });
    const db = `${t2.dir}/svcplane.db`;
    try {
      await request(t2.url)
        .post(`${slicesPath}`)
        .send({
          metadata: {
            name: 'stale',
            ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'gone', uid: '00000000-0000-0000-0000-000000000001', controller: true }],
          },
          addressType: 'IPv4',
        })
        .expect(201);
      await request(t2.url)
        .post(`${slicesPath}`)
        .send({
          metadata: {
            name: 'foreign',
            ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Mesh', name: 'm', uid: '00000000-0000-0000-0000-000000000002' }],
          },
          addressType: 'IPv4',
        })
        .expect(201);
      for (const [name, annotations] of [
        ['leftover', {}],
        ['leader', { 'control-plane.alpha.kubernetes.io/leader': '{}' }],
      ] as const) {
        await request(t2.url)
          .post(`${ns}/endpoints`)
          .send({ metadata: { name, annotations }, subsets: [{ addresses: [{ ip: '192.0.2.8' }] }] })
          .expect(201);
      }
      // The running collector only acts on an owner's deletion; a restart looks at every slice.
      await t2.server.close();
      const { createServer } = await import('../../src/index.js');
      const again = await createServer({ port: 0, db, logLevel: 'silent', advertiseAddress: '192.0.2.10' });
      const url = await again.start();
      try {
        await until('the stale slice collected', async () => ((await request(url).get(`${slicesPath}/stale`)).status === 404 ? true : undefined));
        await request(url).get(`${slicesPath}/foreign`).expect(200);
        // checkLeftoverEndpoints: an Endpoints without its Service is deleted at start, a
        // leader-election record excepted.
        await until('the leftover Endpoints deleted', async () => ((await request(url).get(`${ns}/endpoints/leftover`)).status === 404 ? true : undefined));
        await request(url).get(`${ns}/endpoints/leader`).expect(200);
      } finally {
        await again.close();
      }
    } finally {
      await t2.stop();
    }
  });
});

describe("the kubernetes Service's endpoints", () => {
  test("name the server's advertised address and port, as kube-apiserver's reconciler writes them", async () => {
    const port = Number(new URL(t.url).port);
    const ep = await until('the Endpoints', async () => {
      const res = await api().get(`${ns}/endpoints/kubernetes`);
      return res.status === 200 ? res.body : undefined;
    });
    assert.deepEqual(ep.metadata.labels, { 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
    const slice = (await api().get(`${slicesPath}/kubernetes`).expect(200)).body as Slice;
    assert.deepEqual(slice.metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });
    assert.equal(slice.metadata.ownerReferences, undefined);
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.endpoints, [{ addresses: ['192.0.2.10'], conditions: { ready: true } }]);
    assert.deepEqual(slice.ports, [{ name: 'https', protocol: 'TCP', port }]);
    const svc = (await api().get(`${ns}/services/kubernetes`).expect(200)).body;
    assert.equal(svc.spec.ports[0].targetPort, port);
  });

  test('are put back when someone changes or deletes them', async () => {
    const port = Number(new URL(t.url).port);
    await api()
      .put(`${ns}/endpoints/kubernetes`)
      .send({ metadata: { name: 'kubernetes' }, subsets: [{ addresses: [{ ip: '192.0.2.99' }], ports: [{ name: 'https', port: 1 }] }] })
      .expect(200);
    await until('the Endpoints restored', async () => {
      const res = await api().get(`${ns}/endpoints/kubernetes`);
      return res.body.subsets?.[0]?.addresses?.[0]?.ip === '192.0.2.10' && res.body.subsets[0].ports[0].port === port ? true : undefined;
    });
    await api().delete(`${slicesPath}/kubernetes`).expect(200);
    await until('the slice restored', async () => ((await api().get(`${slicesPath}/kubernetes`)).status === 200 ? true : undefined));
  });
});
