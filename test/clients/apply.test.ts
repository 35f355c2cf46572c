// Server-side apply from a client nobody here wrote: @kubernetes/client-node 1.x's
// KubernetesObjectApi.patch with PatchStrategy.ServerSideApply (PATCH application/apply-patch+yaml
// with fieldManager and force), creating, re-applying, and refused on a conflict with kube's 409.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
let client: k8s.KubernetesObjectApi;
before(async () => {
  t = await startServer();
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'svcplane', server: t.url, skipTLSVerify: true }],
    users: [{ name: 'anonymous' }],
    contexts: [{ name: 'svcplane', cluster: 'svcplane', user: 'anonymous' }],
    currentContext: 'svcplane',
  });
  client = k8s.KubernetesObjectApi.makeApiClient(kc);
});
after(async () => t.stop());

const service = (type: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'from-client-node', namespace: 'default' },
  spec: { type, selector: { app: 'x' }, ports: [{ name: 'http', port: 80 }] },
});

describe('@kubernetes/client-node server-side apply', () => {
  test('creates, re-applies without a write, and a second manager conflicts until forced', async () => {
    const created = (await client.patch(service('NodePort'), undefined, undefined, 'node-app', false, k8s.PatchStrategy.ServerSideApply)) as k8s.V1Service;
    assert.equal(created.spec?.type, 'NodePort');
    assert.equal(created.metadata?.managedFields?.[0]?.manager, 'node-app');
    assert.equal(created.metadata?.managedFields?.[0]?.operation, 'Apply');
    const again = (await client.patch(service('NodePort'), undefined, undefined, 'node-app', false, k8s.PatchStrategy.ServerSideApply)) as k8s.V1Service;
    assert.equal(again.metadata?.resourceVersion, created.metadata?.resourceVersion);
    await assert.rejects(
      client.patch(service('LoadBalancer'), undefined, undefined, 'other-app', false, k8s.PatchStrategy.ServerSideApply),
      (err: { code?: number; body?: string }) => {
        assert.equal(err.code, 409);
        assert.equal(JSON.parse(err.body ?? '{}').message, 'Apply failed with 1 conflict: conflict with "node-app": .spec.type');
        return true;
      },
    );
    const forced = (await client.patch(service('LoadBalancer'), undefined, undefined, 'other-app', true, k8s.PatchStrategy.ServerSideApply)) as k8s.V1Service;
    assert.equal(forced.spec?.type, 'LoadBalancer');
  });
});
