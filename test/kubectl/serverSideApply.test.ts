// kubectl apply --server-side against a real svcplane process: create, an unchanged re-apply
// (no write), a conflict with another manager refused with kube's message until
// --force-conflicts, diff --server-side, kubectl's own client-side to server-side migration of
// managedFields, and every manifest in examples/ applied twice without a second write.
//
// Run: npm run build && node --import tsx --test test/kubectl/serverSideApply.test.ts
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  kubectlHome,
  kubectlSkip,
  repoRoot,
  runKubectl,
  showRun,
  startServerProcess,
  type KubectlHome,
  type Run,
  type ServerProcess,
} from '../support/kubectl.js';

const skip = kubectlSkip('the kubectl server-side apply suite');

const manifest = (name: string, targetPort = 8080) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  type: NodePort
  selector: {app: ${name}}
  ports:
  - {name: http, port: 80, targetPort: ${targetPort}}
`;

type Entry = { manager: string; operation: string; fieldsV1: Record<string, unknown> };

describe('kubectl apply --server-side', { skip }, () => {
  let server: ServerProcess;
  let home: KubectlHome;
  let dir: string;
  const kubectl = (args: string[]): Promise<Run> => runKubectl(server.url, args, { env: home.env });
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  async function ok(args: string[]): Promise<string> {
    const r = await kubectl(args);
    assert.equal(r.code, 0, showRun(args, r));
    return r.stdout;
  }
  const getJson = async (name: string) =>
    JSON.parse(await ok(['get', 'svc', name, '-o', 'json', '--show-managed-fields'])) as {
      metadata: { resourceVersion: string; managedFields?: Entry[]; finalizers?: string[] };
      spec: Record<string, any>;
    };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'svcplane-ssa-'));
    home = kubectlHome();
    server = await startServerProcess(join(dir, 'svcplane.db'));
  });
  after(async () => {
    await server?.stop();
    home?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test('creates, and an unchanged re-apply keeps the resourceVersion', async () => {
    const path = file('web.yaml', manifest('web'));
    assert.equal(await ok(['apply', '--server-side', '-f', path]), 'service/web serverside-applied\n');
    const first = await getJson('web');
    assert.deepEqual(
      first.metadata.managedFields?.map((e) => `${e.manager}/${e.operation}`),
      ['kubectl/Apply'],
    );
    assert.equal(await ok(['apply', '--server-side', '-f', path]), 'service/web serverside-applied\n');
    assert.equal((await getJson('web')).metadata.resourceVersion, first.metadata.resourceVersion);
  });

  test('a field another manager changed is a conflict until --force-conflicts', async () => {
    const path = file('web.yaml', manifest('web'));
    await ok(['patch', 'svc', 'web', '-p', '{"spec":{"type":"LoadBalancer"}}']);
    const refused = await kubectl(['apply', '--server-side', '-f', path]);
    assert.equal(refused.code, 1, showRun(['apply'], refused));
    assert.match(refused.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: \.spec\.type\n/);
    assert.equal((await getJson('web')).spec.type, 'LoadBalancer');
    assert.equal(await ok(['apply', '--server-side', '--force-conflicts', '-f', path]), 'service/web serverside-applied\n');
    const taken = await getJson('web');
    assert.equal(taken.spec.type, 'NodePort');
    // kubectl-patch keeps what it set and nobody took (allocateLoadBalancerNodePorts, defaulted with the type), not spec.type.
    const patched = taken.metadata.managedFields?.find((e) => e.manager === 'kubectl-patch');
    assert.deepEqual(patched?.fieldsV1, { 'f:spec': { 'f:allocateLoadBalancerNodePorts': {} } });
  });

  test('diff --server-side shows what an apply would change, and changes nothing', async () => {
    // The previous test turned the LoadBalancer into a NodePort: the load balancer controller
    // releases it (its finalizer, its status) on its own time. Let it finish before counting writes.
    const deadline = Date.now() + 10_000;
    while ((await getJson('web')).metadata.finalizers?.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const rv = (await getJson('web')).metadata.resourceVersion;
    const changed = file('web-9090.yaml', manifest('web', 9090));
    const r = await kubectl(['diff', '--server-side', '-f', changed]);
    assert.equal(r.code, 1, showRun(['diff'], r));
    assert.match(r.stdout, /^-\s+targetPort: 8080$/m);
    assert.match(r.stdout, /^\+\s+targetPort: 9090$/m);
    const same = await kubectl(['diff', '--server-side', '-f', join(dir, 'web.yaml')]);
    assert.equal(same.code, 0, showRun(['diff'], same));
    assert.equal((await getJson('web')).metadata.resourceVersion, rv);
  });

  test('a Service applied client-side moves to server-side apply (kubectl migrates managedFields)', async () => {
    const path = file('csa.yaml', manifest('csa'));
    assert.equal(await ok(['apply', '-f', path]), 'service/csa created\n');
    const before = await getJson('csa');
    assert.deepEqual(
      before.metadata.managedFields?.map((e) => `${e.manager}/${e.operation}`),
      ['kubectl-client-side-apply/Update'],
    );
    assert.equal(await ok(['apply', '--server-side', '-f', path]), 'service/csa serverside-applied\n');
    const after = await getJson('csa');
    const managers = after.metadata.managedFields?.map((e) => `${e.manager}/${e.operation}`) ?? [];
    assert.ok(managers.includes('kubectl/Apply'), managers.join());
    assert.ok(!managers.includes('kubectl-client-side-apply/Update'), managers.join());
    // Removing a field from the manifest now removes it from the object.
    const fewer = file('csa-2.yaml', manifest('csa').replace('  labels: {app: csa}\n', ''));
    await ok(['apply', '--server-side', '-f', fewer]);
    assert.equal((await getJson('csa')).metadata.resourceVersion !== after.metadata.resourceVersion, true);
    const now = JSON.parse(await ok(['get', 'svc', 'csa', '-o', 'json']));
    assert.equal(now.metadata.labels, undefined);
    // kube-apiserver keeps kubectl's client-side annotation in step with what kubectl applied
    // server-side (lastAppliedUpdater), so a later client-side apply starts from the right place.
    const last = JSON.parse(now.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal(last.metadata.labels, undefined);
    assert.deepEqual(last.spec.ports, [{ name: 'http', port: 80, targetPort: 8080 }]);
    assert.equal(await ok(['apply', '-f', path]), 'service/csa configured\n');
    assert.equal(JSON.parse(await ok(['get', 'svc', 'csa', '-o', 'json'])).metadata.labels.app, 'csa');
  });

  test('every example manifest applies server-side and re-applies without a write', async () => {
    const files = [
      ...readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.yaml')),
      ...readdirSync(join(repoRoot, 'examples', 'endpoints')).map((f) => join('endpoints', f)),
    ];
    for (const f of files) {
      const path = join(repoRoot, 'examples', f);
      // Several examples share a name (myservice, external-db, backend-service): start clean.
      await kubectl(['delete', '-f', path, '--ignore-not-found']);
      await ok(['apply', '--server-side', '-f', path]);
      const versions = () => ok(['get', '-f', path, '-o', 'jsonpath={range .items[*]}{.metadata.resourceVersion} {end}{.metadata.resourceVersion}']);
      const first = await versions();
      await ok(['apply', '--server-side', '-f', path]);
      assert.equal(await versions(), first, f);
    }
  });
});
