// Compiled (tsc --strict --noEmit) and run by test/sdk/sdk.test.ts in a folder beside the client
// @hey-api/openapi-ts generated from openapi/v3-api-v1.json (./hey-api/). Excluded from the
// repository's own typecheck: that folder exists only in the test.
import assert from 'node:assert/strict';
import { createClient } from './hey-api/client/index.js';
import {
  createNamespacedService,
  deleteNamespacedService,
  readNamespacedService,
  type IoK8sApiCoreV1Service as Service,
  type IoK8sApiCoreV1ServiceSpec as ServiceSpec,
  type IoK8sApimachineryPkgApisMetaV1Status as Status,
} from './hey-api/index.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const typeIsUnion: Equals<NonNullable<ServiceSpec['type']>, 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName'> = true;
const statusCode: Equals<Status['code'], number | undefined> = true;
void [typeIsUnion, statusCode];

const baseUrl = process.env.SVCPLANE_URL;
if (!baseUrl) throw new Error('SVCPLANE_URL is not set');
const client = createClient({ baseUrl });
const namespace = 'default';

const body: Service = {
  metadata: { name: 'hey-web', labels: { app: 'hey' } },
  spec: { type: 'NodePort', selector: { app: 'hey' }, ports: [{ port: 80, targetPort: 8080 }] },
};
const created = await createNamespacedService({ client, path: { namespace }, body });
assert.equal(created.error, undefined, JSON.stringify(created.error));
assert.equal(created.response.status, 201);

const read = await readNamespacedService({ client, path: { namespace, name: 'hey-web' } });
const svc: Service | undefined = read.data;
assert.equal(svc?.spec?.type, 'NodePort');
assert.equal(svc?.spec?.ports?.[0].targetPort, 8080);
assert.ok((svc?.spec?.ports?.[0].nodePort ?? 0) >= 30000);

const deleted = await deleteNamespacedService({ client, path: { namespace, name: 'hey-web' } });
assert.equal(deleted.response.status, 200);

const missing = await readNamespacedService({ client, path: { namespace, name: 'hey-web' } });
assert.equal(missing.data, undefined);
assert.equal(missing.response.status, 404);
const status: Status | undefined = missing.error;
assert.equal(status?.code, 404);
assert.equal(status?.reason, 'NotFound');
assert.deepEqual(status?.details, { name: 'hey-web', kind: 'services' });

console.log(JSON.stringify({ nodePort: svc?.spec?.ports?.[0].nodePort, notFound: status?.reason }));
