// Generated SDKs: both generators run on the committed openapi/v3-api-v1.json (offline, into a
// temporary folder, as `npm run sdk` does into sdk/), a small program per client is compiled by
// tsc in strict mode, so a type the document makes loose or wrong fails here, and is then run
// against a real server. The document itself passes an OpenAPI validator.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { generateSdks } from '../../scripts/sdk.js';
import { startServer, type TestServer } from '../support/server.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const programs = fileURLToPath(new URL('./programs/', import.meta.url));
const committed = (file: string) => JSON.parse(readFileSync(join(repo, 'openapi', file), 'utf8'));

let t: TestServer;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'svcplane-sdk-'));
  // The programs import openapi-fetch and node's types from the repository's node_modules.
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM'],
        types: ['node'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        noUnusedLocals: false,
        exactOptionalPropertyTypes: false,
      },
      include: ['*.ts', 'openapi-fetch', 'hey-api'],
    }),
  );
  for (const file of ['openapi-fetch.ts', 'hey-api.ts']) copyFileSync(join(programs, file), join(dir, file));
  await generateSdks(dir);
  t = await startServer();
});
after(async () => {
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
async function runProgram(file: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: dir, env: { ...process.env, SVCPLANE_URL: t.url }, timeout: 60_000 }).catch(
    (err: { stdout?: string; stderr?: string }) => assert.fail(`${file} failed:\n${err.stderr ?? ''}${err.stdout ?? ''}`),
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

test('the generated types carry the enums, IntOrString and the Status of errors', () => {
  const schema = readFileSync(join(dir, 'openapi-fetch', 'schema.d.ts'), 'utf8');
  assert.match(schema, /type\?: "ClusterIP" \| "ExternalName" \| "LoadBalancer" \| "NodePort";/);
  assert.match(schema, /"io\.k8s\.apimachinery\.pkg\.util\.intstr\.IntOrString": number \| string;/);
  assert.match(
    schema,
    /readNamespacedService: \{[\s\S]*?404: \{[\s\S]*?"application\/json": components\["schemas"\]\["io\.k8s\.apimachinery\.pkg\.apis\.meta\.v1\.Status"\]/,
  );
  // The legacy watch operations declare the Status they are refused with, too.
  assert.match(
    schema,
    /watchServiceListForAllNamespaces: \{[\s\S]*?400: \{[\s\S]*?"application\/json": components\["schemas"\]\["io\.k8s\.apimachinery\.pkg\.apis\.meta\.v1\.Status"\]/,
  );
  const types = readFileSync(join(dir, 'hey-api', 'types.gen.ts'), 'utf8');
  assert.match(types, /type\?: 'ClusterIP' \| 'ExternalName' \| 'LoadBalancer' \| 'NodePort';/);
  assert.match(types, /export type WatchServiceListForAllNamespacesErrors = \{[\s\S]*?400: IoK8sApimachineryPkgApisMetaV1Status;/);
});

test('both programs compile with tsc --strict against the generated clients (type errors fail here)', async () => {
  await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir, timeout: 120_000 }).catch((err: { stdout?: string; stderr?: string }) =>
    assert.fail(`tsc found errors:\n${err.stdout ?? ''}${err.stderr ?? ''}`),
  );
});

test('the openapi-fetch client creates, reads, lists by label, merge-patches and deletes Services, and gets typed Status errors', async () => {
  const out = await runProgram('openapi-fetch.ts');
  assert.deepEqual(out.listed, ['sdk-clusterip', 'sdk-nodeport']);
  assert.deepEqual(out.invalid, { code: 422, reason: 'Invalid', field: 'spec.ports[0].nodePort' });
  assert.deepEqual(out.notFound, { code: 404, reason: 'NotFound', details: { name: 'sdk-clusterip', kind: 'services' } });
  assert.equal((out['sdk-nodeport'] as { nodePort: number }).nodePort, 30080);
  assert.equal((out['sdk-lb'] as { type: string }).type, 'LoadBalancer');
});

test('the @hey-api/openapi-ts client creates, reads and deletes a Service and gets a typed 404', async () => {
  const out = await runProgram('hey-api.ts');
  assert.equal(out.notFound, 'NotFound');
  assert.ok(typeof out.nodePort === 'number' && out.nodePort >= 30000);
});

test('openapi/v3-api-v1.json is a valid OpenAPI 3.0 document', async () => {
  const api = (await SwaggerParser.validate(committed('v3-api-v1.json'))) as { openapi?: string };
  assert.equal(api.openapi, '3.0.0');
});

test('openapi/swagger.json is a valid Swagger 2.0 document', async () => {
  const api = (await SwaggerParser.validate(committed('swagger.json'))) as { swagger?: string };
  assert.equal(api.swagger, '2.0');
});

test("operationIds are Kubernetes' names, unique, one per operation", () => {
  const doc = committed('v3-api-v1.json') as { paths: Record<string, Record<string, { operationId?: string }>> };
  const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
  assert.ok(
    ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id)),
    'every operation has a camelCase operationId',
  );
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  const op = (path: string, method: string) => doc.paths[path][method].operationId;
  assert.equal(op('/api/v1/namespaces/{namespace}/services', 'get'), 'listNamespacedService');
  assert.equal(op('/api/v1/namespaces/{namespace}/services', 'post'), 'createNamespacedService');
  assert.equal(op('/api/v1/namespaces/{namespace}/services', 'delete'), 'deleteCollectionNamespacedService');
  assert.equal(op('/api/v1/services', 'get'), 'listServiceForAllNamespaces');
  assert.equal(op('/api/v1/namespaces/{namespace}/services/{name}', 'get'), 'readNamespacedService');
  assert.equal(op('/api/v1/namespaces/{namespace}/services/{name}', 'put'), 'replaceNamespacedService');
  assert.equal(op('/api/v1/namespaces/{namespace}/services/{name}', 'patch'), 'patchNamespacedService');
  assert.equal(op('/api/v1/namespaces/{namespace}/services/{name}', 'delete'), 'deleteNamespacedService');
  assert.equal(op('/api/v1/namespaces/{namespace}/services/{name}/status', 'patch'), 'patchNamespacedServiceStatus');
  assert.equal(op('/api/v1/watch/namespaces/{namespace}/services', 'get'), 'watchNamespacedServiceList');
});
