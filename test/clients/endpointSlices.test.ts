// EndpointSlices through @kubernetes/client-node 1.x, as a service mesh or a DNS server would
// read them: DiscoveryV1Api's typed calls, and an informer on a Service's slices (list, then
// watch) that sees the mirroring controller follow the Service's Endpoints.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { Recorder } from '../support/recorder.js';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let discovery: k8s.DiscoveryV1Api;
before(async () => {
  t = await startServer({ advertiseAddress: '192.0.2.10' });
  kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'svcplane', server: t.url, skipTLSVerify: true }],
    users: [{ name: 'anonymous' }],
    contexts: [{ name: 'svcplane', cluster: 'svcplane', user: 'anonymous' }],
    currentContext: 'svcplane',
  });
  core = kc.makeApiClient(k8s.CoreV1Api);
  discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
});
after(async () => t.stop());

interface Seen {
  verb: 'add' | 'update' | 'delete';
  name: string;
  addresses: string[];
}

describe('@kubernetes/client-node and EndpointSlices', () => {
  test('typed create, read and list; the placeholder of a selector Service reads with null lists as typed clients expect', async () => {
    const created = await discovery.createNamespacedEndpointSlice({
      namespace: 'default',
      body: { metadata: { name: 'typed' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.3.0.1'], conditions: { ready: true } }], ports: [{ port: 80 }] },
    });
    assert.equal(created.ports?.[0].protocol, 'TCP');
    const read = await discovery.readNamespacedEndpointSlice({ name: 'typed', namespace: 'default' });
    assert.deepEqual(read.endpoints?.[0].addresses, ['10.3.0.1']);
    await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
    });
    let placeholder: k8s.V1EndpointSlice | undefined;
    for (let i = 0; i < 100 && !placeholder; i++) {
      const list = await discovery.listNamespacedEndpointSlice({ namespace: 'default', labelSelector: 'kubernetes.io/service-name=web' });
      placeholder = list.items[0];
      if (!placeholder) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(placeholder, 'the placeholder slice');
    assert.equal(placeholder.addressType, 'IPv4');
    assert.equal(placeholder.endpoints ?? null, null);
  });

  test("an informer on a Service's slices sees the mirror added, updated and deleted", async () => {
    const selector = 'kubernetes.io/service-name=db';
    const informer = k8s.makeInformer(
      kc,
      '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
      () => discovery.listNamespacedEndpointSlice({ namespace: 'default', labelSelector: selector }),
      selector,
    );
    const rec = new Recorder<Seen>((s) => [s.verb, s.name, s.addresses.join(',')]);
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (slice: k8s.V1EndpointSlice) =>
        rec.push({ verb, name: slice.metadata?.name ?? '', addresses: (slice.endpoints ?? []).flatMap((e) => e.addresses) }),
      );
    }
    await informer.start();
    try {
      await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'db' }, spec: { ports: [{ port: 5432 }] } } });
      await core.createNamespacedEndpoints({
        namespace: 'default',
        body: { metadata: { name: 'db' }, subsets: [{ addresses: [{ ip: '192.0.2.42' }], ports: [{ port: 5432 }] }] },
      });
      const added = await rec.waitFor((s) => s.verb === 'add', 'the mirror added');
      assert.match(added.name, /^db-[a-z0-9]{5}$/);
      assert.deepEqual(added.addresses, ['192.0.2.42']);
      await core.replaceNamespacedEndpoints({
        name: 'db',
        namespace: 'default',
        body: { metadata: { name: 'db' }, subsets: [{ addresses: [{ ip: '192.0.2.42' }, { ip: '192.0.2.43' }], ports: [{ port: 5432 }] }] },
      });
      const updated = await rec.waitFor((s) => s.verb === 'update', 'the mirror updated');
      assert.equal(updated.name, added.name);
      assert.deepEqual(updated.addresses, ['192.0.2.42', '192.0.2.43']);
      await core.deleteNamespacedService({ name: 'db', namespace: 'default' });
      const deleted = await rec.waitFor((s) => s.verb === 'delete', 'the mirror deleted with the Service');
      assert.equal(deleted.name, added.name);
      assert.deepEqual(informer.list('default'), []);
    } finally {
      await informer.stop();
    }
  });
});
