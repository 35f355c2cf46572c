// The README's external-database example (examples/endpoints/orders-db.yaml) with the real kubectl: a Service without a selector,
// its Endpoints written by hand, `kubectl get ep` (with v1.33's deprecation warning),
// `kubectl get endpointslices` showing the mirror, `kubectl describe svc` reading the address
// from the slice, `kubectl describe endpointslice`, and `kubectl get endpointslices -w`
// following an edit of the Endpoints.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kubectlHome, kubectlSkip, repoRoot, runKubectl, showRun, spawnKubectl, tableCells, type KubectlHome } from '../support/kubectl.js';
import { startServer, type TestServer } from '../support/server.js';

const skip = kubectlSkip('the kubectl Endpoints and EndpointSlices suite');

describe('kubectl and Endpoints/EndpointSlices', { skip }, () => {
  let t: TestServer;
  let home: KubectlHome;
  const kubectl = (...args: string[]) => runKubectl(t.url, args, { env: home.env });

  before(async () => {
    t = await startServer({ advertiseAddress: '192.0.2.10' });
    home = kubectlHome();
  });
  after(async () => {
    await t.stop();
    home.remove();
  });

  /** Retries a kubectl command until `ok` accepts its output (the controllers write after the apply). */
  async function settled(args: string[], ok: (stdout: string) => boolean) {
    const deadline = Date.now() + 5000;
    for (;;) {
      const r = await kubectl(...args);
      if ((r.code === 0 && ok(r.stdout)) || Date.now() > deadline) return r;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  test('kubectl apply of a selector-less Service and its Endpoints; get ep warns that v1 Endpoints is deprecated', async () => {
    const apply = await kubectl('apply', '-f', join(repoRoot, 'examples/endpoints/orders-db.yaml'));
    assert.equal(apply.code, 0, showRun(['apply'], apply));
    assert.equal(apply.stdout, 'service/orders-db created\nendpoints/orders-db created\n', showRun(['apply'], apply));
    assert.match(apply.stderr, /^Warning: v1 Endpoints is deprecated in v1\.33\+; use discovery\.k8s\.io\/v1 EndpointSlice$/m);
    const get = await kubectl('get', 'ep');
    assert.equal(get.code, 0, showRun(['get ep'], get));
    const lines = get.stdout.trimEnd().split('\n');
    assert.deepEqual(tableCells(lines[0]), ['NAME', 'ENDPOINTS', 'AGE']);
    assert.deepEqual(tableCells(lines[2]).slice(0, 2), ['orders-db', '192.0.2.42:5432']);
    const port = new URL(t.url).port;
    assert.deepEqual(tableCells(lines[1]).slice(0, 2), ['kubernetes', `192.0.2.10:${port}`]);
    assert.equal(get.stderr, 'Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n');
  });

  test('kubectl get endpointslices shows the mirror and the kubernetes slice', async () => {
    const r = await settled(['get', 'endpointslices'], (out) => /^orders-db-/m.test(out));
    assert.equal(r.code, 0, showRun(['get endpointslices'], r));
    const rows = r.stdout.trimEnd().split('\n').map(tableCells);
    assert.deepEqual(rows[0], ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
    assert.deepEqual(rows[1].slice(0, 4), ['kubernetes', 'IPv4', new URL(t.url).port, '192.0.2.10']);
    assert.match(rows[2][0], /^orders-db-[a-z0-9]{5}$/);
    assert.deepEqual(rows[2].slice(1, 4), ['IPv4', '5432', '192.0.2.42']);
    assert.equal(r.stderr, '');
  });

  test('kubectl describe svc reads the Endpoints: line from the slices', async () => {
    const r = await kubectl('describe', 'svc', 'orders-db');
    assert.equal(r.code, 0, showRun(['describe svc'], r));
    assert.match(r.stdout, /^Selector:\s+<none>$/m);
    assert.match(r.stdout, /^Port:\s+postgres {2}5432\/TCP$/m);
    assert.match(r.stdout, /^Endpoints:\s+192\.0\.2\.42:5432$/m);
  });

  test('kubectl describe endpointslice', async () => {
    const name = (await kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=orders-db', '-o', 'jsonpath={.items[0].metadata.name}')).stdout;
    const r = await kubectl('describe', 'endpointslice', name);
    assert.equal(r.code, 0, showRun(['describe endpointslice'], r));
    const want = [
      `Name:         ${name}`,
      'Namespace:    default',
      'Labels:       endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io',
      '              kubernetes.io/service-name=orders-db',
      'Annotations:  <none>',
      'AddressType:  IPv4',
      'Ports:',
      '  Name      Port  Protocol',
      '  ----      ----  --------',
      '  postgres  5432  TCP',
      'Endpoints:',
      '  - Addresses:  192.0.2.42',
      '    Conditions:',
      '      Ready:   true',
      '    Hostname:  <unset>',
      '    NodeName:  <unset>',
      '    Zone:      <unset>',
      'Events:        <none>',
    ];
    assert.equal(r.stdout, `${want.join('\n')}\n`, showRun(['describe endpointslice'], r));
  });

  test('kubectl get endpointslices -w shows the mirror follow an edit of the Endpoints', async () => {
    const watch = spawnKubectl(t.url, ['get', 'endpointslices', '-w', '-l', 'kubernetes.io/service-name=orders-db'], home.env);
    try {
      await watch.waitForLine(/^orders-db-\S+\s+IPv4\s+5432\s+192\.0\.2\.42\s/, 'the initial row');
      const patch = await kubectl(
        'patch',
        'endpoints',
        'orders-db',
        '--type=merge',
        '-p',
        JSON.stringify({ subsets: [{ addresses: [{ ip: '192.0.2.42' }, { ip: '192.0.2.43' }], ports: [{ name: 'postgres', port: 5432 }] }] }),
      );
      assert.equal(patch.code, 0, showRun(['patch'], patch));
      await watch.waitForLine(/^orders-db-\S+\s+IPv4\s+5432\s+192\.0\.2\.42,192\.0\.2\.43\s/, 'the row after the edit');
    } finally {
      await watch.stop();
    }
    const describe = await kubectl('describe', 'svc', 'orders-db');
    assert.match(describe.stdout, /^Endpoints:\s+192\.0\.2\.42:5432,192\.0\.2\.43:5432$/m);
  });
});
