import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { startServer, type TestServer } from './support/server.js';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(async () => t.stop());

test('the committed openapi/ document is what the server serves (run `npm run openapi` after changing schemas or routes)', async () => {
  const index = (await request(t.url).get('/openapi/v3').expect(200)).body;
  const url = index.paths['api/v1'].serverRelativeURL as string;
  assert.match(url, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]+$/);
  const served = (await request(t.url).get(url).expect(200)).body;
  const committed = JSON.parse(readFileSync(new URL('../openapi/v3-api-v1.json', import.meta.url), 'utf8'));
  assert.deepEqual(served, committed);
});

test('the document names schemas as Kubernetes does and carries its extensions', async () => {
  const doc = (await request(t.url).get('/openapi/v3/api/v1').expect(200)).body;
  for (const name of ['io.k8s.api.core.v1.Service', 'io.k8s.api.core.v1.ServiceSpec', 'io.k8s.api.core.v1.ServicePort', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']) {
    assert.ok(doc.components.schemas[name], `${name} is defined`);
  }
  const patch = doc.paths['/api/v1/namespaces/{namespace}/services/{name}'].patch;
  assert.equal(patch.operationId, 'patchNamespacedService');
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', kind: 'Service', version: 'v1' });
  assert.ok(patch.parameters.some((p: { name: string; in: string }) => p.name === 'fieldValidation' && p.in === 'query'));
  const ports = doc.components.schemas['io.k8s.api.core.v1.ServiceSpec'].properties.ports;
  assert.equal(ports['x-kubernetes-patch-merge-key'], 'port');
  assert.deepEqual(doc.components.schemas['io.k8s.api.core.v1.ServiceSpec'].properties.type.anyOf.map((b: { enum?: string[] }) => b.enum?.[0]).sort(), ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']);
});
