import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { negotiateV2 } from '../src/api/openapi.js';
import { encodeSwaggerV2 } from '../src/api/swaggerV2Protobuf.js';
import { startServer, type TestServer } from './support/server.js';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(async () => t.stop());

const committed = (file: string) => JSON.parse(readFileSync(new URL(`../openapi/${file}`, import.meta.url), 'utf8'));
const protobufV2 = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

test('the committed openapi/ v3 document is what the server serves (run `npm run openapi` after changing schemas or routes)', async () => {
  const index = (await request(t.url).get('/openapi/v3').expect(200)).body;
  const url = index.paths['api/v1'].serverRelativeURL as string;
  assert.match(url, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
  const served = (await request(t.url).get(url).expect(200)).body;
  assert.deepEqual(served, committed('v3-api-v1.json'));
});

test("svcplane's own group has its own v3 document, with only the schemas its paths reach (run `npm run openapi`)", async () => {
  const index = (await request(t.url).get('/openapi/v3').expect(200)).body;
  assert.deepEqual(Object.keys(index.paths), [
    'api/v1',
    'apis/authentication.k8s.io/v1',
    'apis/authorization.k8s.io/v1',
    'apis/coordination.k8s.io/v1',
    'apis/discovery.k8s.io/v1',
    'apis/events.k8s.io/v1',
    'apis/rbac.authorization.k8s.io/v1',
    'apis/svcplane.dev/v1alpha1',
  ]);
  const served = (await request(t.url).get(index.paths['apis/svcplane.dev/v1alpha1'].serverRelativeURL).expect(200)).body;
  assert.deepEqual(served, committed('v3-apis-svcplane.dev-v1alpha1.json'));
  assert.deepEqual(Object.keys(served.paths), ['/apis/svcplane.dev/v1alpha1/allocations', '/apis/svcplane.dev/v1alpha1/allocations/{name}']);
  assert.ok(served.components.schemas['dev.svcplane.v1alpha1.Allocation']);
  assert.equal(served.components.schemas['io.k8s.api.core.v1.Service'], undefined, 'core definitions stay in the core document');
  const core = (await request(t.url).get('/openapi/v3/api/v1').expect(200)).body;
  assert.ok(Object.keys(core.paths).every((p) => p.startsWith('/api/v1/')));
  assert.equal(core.components.schemas['dev.svcplane.v1alpha1.Allocation'], undefined);
});

test('discovery.k8s.io/v1 has its own v3 document, as committed, with the EndpointSlice definitions and the core ones they use (run `npm run openapi`)', async () => {
  const index = (await request(t.url).get('/openapi/v3').expect(200)).body;
  const served = (await request(t.url).get(index.paths['apis/discovery.k8s.io/v1'].serverRelativeURL).expect(200)).body;
  assert.deepEqual(served, committed('v3-apis-discovery.k8s.io-v1.json'));
  assert.ok(Object.keys(served.paths).every((p) => p.startsWith('/apis/discovery.k8s.io/v1/')));
  const schemas = served.components.schemas;
  assert.deepEqual(schemas['io.k8s.api.discovery.v1.EndpointSlice']['x-kubernetes-group-version-kind'], [
    { group: 'discovery.k8s.io', kind: 'EndpointSlice', version: 'v1' },
  ]);
  assert.ok(schemas['io.k8s.api.core.v1.ObjectReference'], 'targetRef is a core ObjectReference');
  assert.equal(schemas['io.k8s.api.core.v1.Service'], undefined);
  const core = (await request(t.url).get('/openapi/v3/api/v1').expect(200)).body;
  assert.ok(core.components.schemas['io.k8s.api.core.v1.Endpoints']);
  assert.equal(core.components.schemas['io.k8s.api.discovery.v1.EndpointSlice'], undefined, 'the core document keeps to its group');
});

test('the committed openapi/swagger.json is what /openapi/v2 serves as JSON (run `npm run openapi`)', async () => {
  const res = await request(t.url).get('/openapi/v2').set('Accept', 'application/json').expect(200);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.deepEqual(res.body, committed('swagger.json'));
});

test('the v3 document names schemas as Kubernetes does and carries its extensions', async () => {
  const doc = (await request(t.url).get('/openapi/v3/api/v1').expect(200)).body;
  const schemas = doc.components.schemas;
  for (const name of [
    'io.k8s.api.core.v1.Service',
    'io.k8s.api.core.v1.ServiceSpec',
    'io.k8s.api.core.v1.ServicePort',
    'io.k8s.api.core.v1.ServiceStatus',
    'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  ]) {
    assert.ok(schemas[name], `${name} is defined`);
  }
  assert.deepEqual(schemas['io.k8s.api.core.v1.Service']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Service', version: 'v1' }]);
  const patch = doc.paths['/api/v1/namespaces/{namespace}/services/{name}'].patch;
  assert.equal(patch.operationId, 'patchNamespacedService');
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', kind: 'Service', version: 'v1' });
  assert.ok(patch.parameters.some((p: { name: string; in: string }) => p.name === 'fieldValidation' && p.in === 'query'));
  const spec = schemas['io.k8s.api.core.v1.ServiceSpec'].properties;
  assert.equal(spec.ports['x-kubernetes-patch-merge-key'], 'port');
  assert.equal(spec.ports['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(spec.ports['x-kubernetes-list-type'], 'map');
  assert.deepEqual(spec.ports['x-kubernetes-list-map-keys'], ['port', 'protocol']);
  assert.equal(spec.clusterIPs['x-kubernetes-list-type'], 'atomic');
  // Enums are plain strings with an enum, so kubectl explain prints `<string>` and the values.
  assert.deepEqual(spec.type, { type: 'string', enum: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'], description: spec.type.description });
  // A field that refers to a definition keeps its own description beside an allOf, as kube-openapi writes it.
  const metadata = schemas['io.k8s.api.core.v1.Service'].properties.metadata;
  assert.deepEqual(metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
  assert.ok(metadata.description);
  assert.deepEqual(schemas['io.k8s.api.core.v1.ServicePort'].properties.targetPort.allOf, [
    { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' },
  ]);
  assert.equal(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
});

test('every property of every definition has a description (kubectl explain prints them)', async () => {
  const doc = (await request(t.url).get('/openapi/v3/api/v1').expect(200)).body;
  const missing: string[] = [];
  for (const [name, schema] of Object.entries(
    doc.components.schemas as Record<string, { description?: string; properties?: Record<string, { description?: string }> }>,
  )) {
    if (!schema.description) missing.push(name);
    for (const [field, sub] of Object.entries(schema.properties ?? {})) if (!sub.description) missing.push(`${name}.${field}`);
  }
  assert.deepEqual(missing, []);
});

test("/openapi/v2 is Swagger 2.0 in Kubernetes' form", async () => {
  const doc = (await request(t.url).get('/openapi/v2').expect(200)).body;
  assert.equal(doc.swagger, '2.0');
  const svc = doc.definitions['io.k8s.api.core.v1.Service'];
  assert.deepEqual(svc['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Service', version: 'v1' }]);
  assert.equal(svc.properties.spec.$ref, '#/definitions/io.k8s.api.core.v1.ServiceSpec');
  assert.ok(svc.properties.spec.description, 'a reference keeps the field description beside it');
  assert.deepEqual(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string');
  const text = JSON.stringify(doc);
  assert.ok(!text.includes('#/components/'), 'no v3 references are left');
  assert.ok(!text.includes('"allOf"') && !text.includes('"oneOf"') && !text.includes('"anyOf"'), 'no v3-only combinators are left');
  const post = doc.paths['/api/v1/namespaces/{namespace}/services'].post;
  assert.deepEqual(
    post.parameters.find((p: { in: string }) => p.in === 'body'),
    { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.api.core.v1.Service' } },
  );
  assert.deepEqual(post.responses['201'].schema, { $ref: '#/definitions/io.k8s.api.core.v1.Service' });
  const patch = doc.paths['/api/v1/namespaces/{namespace}/services/{name}'].patch;
  // kube's order, apply last (issue 21).
  assert.deepEqual(patch.consumes, [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
    'application/apply-patch+yaml',
  ]);
  assert.deepEqual(
    patch.parameters.find((p: { name: string }) => p.name === 'fieldValidation'),
    {
      in: 'query',
      name: 'fieldValidation',
      description: patch.parameters.find((p: { name: string }) => p.name === 'fieldValidation').description,
      type: 'string',
    },
  );
});

test("/openapi/v2 answers client-go's protobuf Accept with the gnostic message, and refuses what it cannot produce with a bare 406", async () => {
  const res = await request(t.url)
    .get('/openapi/v2')
    .set('Accept', protobufV2)
    .buffer(true)
    .parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    })
    .expect(200);
  assert.equal(res.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  assert.match(res.headers.etag, /^"[0-9A-F]{128}"$/);
  assert.deepEqual(res.body, encodeSwaggerV2(committed('swagger.json')));
  // Document.swagger (field 1, length-delimited) comes first.
  assert.deepEqual([...(res.body as Buffer).subarray(0, 5)], [0x0a, 3, ...Buffer.from('2.0')]);
  const refused = await request(t.url).get('/openapi/v2').set('Accept', 'text/html').expect(406);
  assert.equal(refused.text, '');
});

test('negotiation follows goautoneg: q values, then specificity, then JSON before protobuf', () => {
  assert.equal(negotiateV2(undefined)?.format, 'json');
  assert.equal(negotiateV2('*/*')?.format, 'json');
  assert.equal(negotiateV2(protobufV2)?.format, 'protobuf');
  assert.equal(negotiateV2(`application/json;q=0.5, ${protobufV2}`)?.format, 'protobuf');
  assert.equal(negotiateV2('application/*;q=0.9, text/plain')?.format, 'json');
  assert.equal(negotiateV2('application/json;q=0'), undefined);
  assert.equal(negotiateV2('text/html'), undefined);
});

test('the gnostic encoding of a small document, byte for byte', () => {
  const bytes = encodeSwaggerV2({
    swagger: '2.0',
    definitions: { A: { type: 'object', required: ['x'], properties: { x: { type: 'integer', description: 'd' } }, 'x-k': ['v'] } },
  });
  const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >> 7)]);
  const msg = (field: number, body: number[]) => [...varint((field << 3) | 2), ...varint(body.length), ...body];
  const str = (field: number, s: string) => msg(field, [...Buffer.from(s)]);
  // openapi.v2.Schema: description 4, required 19, type 22 (TypeItem.value 1), properties 25
  // (Properties.additional_properties 1: NamedSchema name 1, value 2), vendor_extension 31
  // (NamedAny name 1, value 2: Any.yaml 2).
  const x = [...str(4, 'd'), ...msg(22, str(1, 'integer'))];
  const a = [
    ...str(19, 'x'),
    ...msg(22, str(1, 'object')),
    ...msg(25, msg(1, [...str(1, 'x'), ...msg(2, x)])),
    ...msg(31, [...str(1, 'x-k'), ...msg(2, str(2, '["v"]'))]),
  ];
  // openapi.v2.Document: swagger 1, definitions 9 (Definitions.additional_properties 1).
  const expected = [...str(1, '2.0'), ...msg(9, msg(1, [...str(1, 'A'), ...msg(2, a)]))];
  assert.deepEqual([...bytes], expected);
});
