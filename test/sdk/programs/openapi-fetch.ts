// Compiled (tsc --strict --noEmit) and run by test/sdk/sdk.test.ts in a folder beside the
// types openapi-typescript generated from openapi/v3-api-v1.json (./openapi-fetch/schema.d.ts).
// It is excluded from the repository's own typecheck: that folder exists only in the test.
import assert from 'node:assert/strict';
import createClient from 'openapi-fetch';
import type { components, paths } from './openapi-fetch/schema.js';

type Schemas = components['schemas'];
type Service = Schemas['io.k8s.api.core.v1.Service'];
type ServiceSpec = Schemas['io.k8s.api.core.v1.ServiceSpec'];
type ServicePort = Schemas['io.k8s.api.core.v1.ServicePort'];
type Status = Schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Status'];

// The generated types are useful ones, not `unknown` or `string`: each line fails to compile otherwise.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const typeIsUnion: Equals<NonNullable<ServiceSpec['type']>, 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName'> = true;
const portIsNumber: Equals<ServicePort['port'], number> = true;
const targetPortIsIntOrString: Equals<NonNullable<ServicePort['targetPort']>, number | string> = true;
const protocolIsUnion: Equals<NonNullable<ServicePort['protocol']>, 'TCP' | 'UDP' | 'SCTP'> = true;
const statusCode: Equals<Status['code'], number | undefined> = true;
const statusReason: Equals<Status['reason'], string | undefined> = true;
const causeField: Equals<NonNullable<NonNullable<Status['details']>['causes']>[number]['field'], string | undefined> = true;
// @ts-expect-error not one of the four types
const badType: ServiceSpec['type'] = 'Ingress';
void [typeIsUnion, portIsNumber, targetPortIsIntOrString, protocolIsUnion, statusCode, statusReason, causeField, badType];

const baseUrl = process.env.SVCPLANE_URL;
if (!baseUrl) throw new Error('SVCPLANE_URL is not set');
const client = createClient<paths>({ baseUrl });
const namespace = 'default';
const results: Record<string, unknown> = {};

function service(name: string, type: NonNullable<ServiceSpec['type']>, ports: ServicePort[]): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { app: 'sdk', tier: type === 'LoadBalancer' ? 'edge' : 'internal' } },
    spec: { type, selector: { app: 'sdk' }, ports },
  };
}

// Create one Service of each type that allocates something.
const wanted = [
  service('sdk-clusterip', 'ClusterIP', [{ name: 'http', port: 80, targetPort: 8080 }]),
  service('sdk-nodeport', 'NodePort', [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }]),
  service('sdk-lb', 'LoadBalancer', [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 }]),
];
for (const body of wanted) {
  const { data, error, response } = await client.POST('/api/v1/namespaces/{namespace}/services', { params: { path: { namespace } }, body });
  assert.equal(error, undefined, JSON.stringify(error));
  assert.equal(response.status, 201);
  assert.equal(data?.metadata?.name, body.metadata?.name);
}

// Read them back, typed.
for (const body of wanted) {
  const name = body.metadata!.name!;
  const { data, error } = await client.GET('/api/v1/namespaces/{namespace}/services/{name}', { params: { path: { namespace, name } } });
  assert.equal(error, undefined);
  const svc: Service = data!;
  assert.equal(svc.spec?.type, body.spec?.type);
  assert.match(svc.spec?.clusterIP ?? '', /^10\./);
  const port: ServicePort = svc.spec!.ports![0];
  assert.equal(port.port, body.spec!.ports![0].port);
  assert.equal(port.protocol, 'TCP');
  if (svc.spec?.type === 'ClusterIP') assert.equal(port.nodePort, undefined);
  else assert.ok(typeof port.nodePort === 'number' && port.nodePort >= 30000 && port.nodePort <= 32767);
  if (name === 'sdk-nodeport') assert.equal(port.nodePort, 30080);
  results[name] = { type: svc.spec?.type, clusterIP: svc.spec?.clusterIP, nodePort: port.nodePort, targetPort: port.targetPort };
}

// List with a label selector.
{
  const { data, error } = await client.GET('/api/v1/namespaces/{namespace}/services', {
    params: { path: { namespace }, query: { labelSelector: 'app=sdk,tier=internal' } },
  });
  assert.equal(error, undefined);
  assert.equal(data?.kind, 'ServiceList');
  const names = (data?.items ?? []).map((s) => s.metadata?.name).sort();
  assert.deepEqual(names, ['sdk-clusterip', 'sdk-nodeport']);
  results.listed = names;
}

// Merge patch. openapi-fetch sends Content-Type: application/json unless told otherwise, and
// the server, as kube-apiserver, answers PATCH with application/json with a 415: set the header.
{
  const { data, error, response } = await client.PATCH('/api/v1/namespaces/{namespace}/services/{name}', {
    params: { path: { namespace, name: 'sdk-clusterip' } },
    headers: { 'Content-Type': 'application/merge-patch+json' },
    body: { metadata: { labels: { tier: 'patched' } }, spec: { type: 'NodePort' } } satisfies Service,
  });
  assert.equal(error, undefined, JSON.stringify(error));
  assert.equal(response.status, 200);
  assert.equal(data?.metadata?.labels?.tier, 'patched');
  assert.equal(data?.spec?.type, 'NodePort');
  assert.ok((data?.spec?.ports?.[0].nodePort ?? 0) >= 30000, 'a node port was allocated on the change of type');
  results.patched = { type: data?.spec?.type, nodePort: data?.spec?.ports?.[0].nodePort };
}

// A 422 is a typed Status with the field that failed.
{
  const { data, error, response } = await client.POST('/api/v1/namespaces/{namespace}/services', {
    params: { path: { namespace } },
    body: service('sdk-bad', 'NodePort', [{ port: 80, nodePort: 29999 }]),
  });
  assert.equal(data, undefined);
  assert.equal(response.status, 422);
  const status: Status = error!;
  assert.equal(status.kind, 'Status');
  assert.equal(status.status, 'Failure');
  assert.equal(status.code, 422);
  assert.equal(status.reason, 'Invalid');
  assert.equal(status.details?.name, 'sdk-bad');
  assert.equal(status.details?.kind, 'Service');
  const cause = status.details?.causes?.[0];
  assert.equal(cause?.reason, 'FieldValueInvalid');
  assert.equal(cause?.field, 'spec.ports[0].nodePort');
  assert.match(status.message ?? '', /provided port is not in the valid range/);
  results.invalid = { code: status.code, reason: status.reason, field: cause?.field };
}

// Delete, then a 404 is a typed Status too. (The LoadBalancer Service carries the cloud
// controller's cleanup finalizer, so it lingers with a deletionTimestamp until the fake cloud
// has torn its load balancer down; the others go at once.)
for (const body of wanted) {
  const name = body.metadata!.name!;
  const { error, response } = await client.DELETE('/api/v1/namespaces/{namespace}/services/{name}', { params: { path: { namespace, name } } });
  assert.equal(error, undefined);
  assert.equal(response.status, 200);
}
{
  const { data, error, response } = await client.GET('/api/v1/namespaces/{namespace}/services/{name}', {
    params: { path: { namespace, name: 'sdk-clusterip' } },
  });
  assert.equal(data, undefined);
  assert.equal(response.status, 404);
  const status: Status = error!;
  assert.equal(status.code, 404);
  assert.equal(status.reason, 'NotFound');
  assert.equal(status.details?.name, 'sdk-clusterip');
  assert.equal(status.details?.kind, 'services');
  assert.equal(status.message, 'services "sdk-clusterip" not found');
  results.notFound = { code: status.code, reason: status.reason, details: status.details };
}

console.log(JSON.stringify(results));
