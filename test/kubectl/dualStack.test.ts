// The real kubectl against a dual-stack svcplane (10.96.0.0/12,fd00:10:96::/108): `apply` of a
// PreferDualStack manifest, `get -o wide` (whose CLUSTER-IP column is clusterIPs[0] only, as
// kube-apiserver's printer makes it), `get -o jsonpath` of both IPs, and `describe` with its IP
// family lines. The server runs in-process (runKubectl is asynchronous), so no build is needed.
//
// Run: node --import tsx --test test/kubectl/dualStack.test.ts
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kubectlHome, kubectlSkip, runKubectl, showRun, tableCells, type KubectlHome, type Run } from '../support/kubectl.js';
import { startServer, type TestServer } from '../support/server.js';

const skip = kubectlSkip('the kubectl dual-stack suite');

interface Svc {
  spec: { clusterIP: string; clusterIPs: string[]; ipFamilies: string[]; ipFamilyPolicy: string };
}

const manifest = `apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  ipFamilyPolicy: PreferDualStack
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
`;

describe('kubectl against a dual-stack cluster', { skip }, () => {
  let t: TestServer;
  let home: KubectlHome;
  let svc: Svc;
  const kubectl = (...args: string[]): Promise<Run> => runKubectl(t.url, args, { env: home.env });

  async function ok(...args: string[]): Promise<string> {
    const r = await kubectl(...args);
    assert.equal(r.code, 0, showRun(args, r));
    assert.equal(r.stderr, '', showRun(args, r));
    return r.stdout;
  }

  before(async () => {
    t = await startServer({ serviceCidr: '10.96.0.0/12,fd00:10:96::/108' });
    home = kubectlHome();
  });
  after(async () => {
    await t?.stop();
    home?.remove();
  });

  test('kubectl apply -f creates a PreferDualStack Service with an IP in each family', async () => {
    const file = join(home.dir, 'web.yaml');
    writeFileSync(file, manifest);
    assert.equal(await ok('apply', '-f', file), 'service/web created\n');
    svc = JSON.parse(await ok('get', 'svc', 'web', '-o', 'json')) as Svc;
    assert.equal(svc.spec.ipFamilyPolicy, 'PreferDualStack');
    assert.deepEqual(svc.spec.ipFamilies, ['IPv4', 'IPv6']);
    assert.equal(svc.spec.clusterIPs.length, 2);
    assert.equal(svc.spec.clusterIP, svc.spec.clusterIPs[0]);
    assert.match(svc.spec.clusterIPs[0], /^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    assert.match(svc.spec.clusterIPs[1], /^fd00:10:96::[0-9a-f]{1,4}(:[0-9a-f]{1,4})?$/);
    // A second apply of the same file changes nothing.
    assert.equal(await ok('apply', '-f', file), 'service/web unchanged\n');
    const again = JSON.parse(await ok('get', 'svc', 'web', '-o', 'json')) as Svc;
    assert.deepEqual(again.spec, svc.spec);
  });

  test('get -o wide shows the primary IP only in CLUSTER-IP', async () => {
    const out = await ok('get', 'svc', 'web', '-o', 'wide');
    const [head, ...rows] = out.trimEnd().split('\n');
    assert.deepEqual(tableCells(head), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    assert.equal(rows.length, 1, out);
    const [name, type, clusterIP, external, ports, , selector] = tableCells(rows[0]);
    assert.deepEqual([name, type, clusterIP, external, ports, selector], ['web', 'ClusterIP', svc.spec.clusterIPs[0], '<none>', '80/TCP', 'app=web']);
    assert.ok(!out.includes(svc.spec.clusterIPs[1]), out);
  });

  test('get -o jsonpath={.spec.clusterIPs} shows both', async () => {
    const out = await ok('get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIPs}');
    assert.deepEqual(JSON.parse(out), svc.spec.clusterIPs);
    assert.equal(await ok('get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIPs[1]}'), svc.spec.clusterIPs[1]);
    assert.equal(await ok('get', 'svc', 'web', '-o', 'jsonpath={.spec.ipFamilies}'), '["IPv4","IPv6"]');
  });

  test('describe shows the policy, the families and both IPs', async () => {
    const out = await ok('describe', 'svc', 'web');
    const lines = out.split('\n');
    // kubectl aligns values on the longest label ("Internal Traffic Policy:"), so the padding is
    // whatever the tabwriter makes it; the label and value are what describe prints.
    const line = (label: string) => lines.find((l) => l.startsWith(`${label}:`));
    assert.match(line('Name') ?? '', /^Name:\s+web$/, out);
    assert.match(line('IP Family Policy') ?? '', /^IP Family Policy:\s+PreferDualStack$/, out);
    assert.match(line('IP Families') ?? '', /^IP Families:\s+IPv4,IPv6$/, out);
    assert.equal(line('IP')?.replace(/\s+/g, ' '), `IP: ${svc.spec.clusterIPs[0]}`, out);
    assert.equal(line('IPs')?.replace(/\s+/g, ' '), `IPs: ${svc.spec.clusterIPs.join(',')}`, out);
    // Every value starts in the same column.
    const column = (l: string | undefined) => (l ? l.length - l.replace(/^[^:]+:\s+/, '').length : -1);
    assert.equal(column(line('IP Family Policy')), column(line('IPs')), out);
    assert.equal(column(line('IP Families')), column(line('Name')), out);
  });

  test('kubectl delete frees both IPs: a new Service can ask for exactly them', async () => {
    assert.equal(await ok('delete', 'svc', 'web'), 'service "web" deleted\n');
    const [v4, v6] = svc.spec.clusterIPs;
    const file = join(home.dir, 'again.yaml');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Service
metadata:
  name: again
spec:
  ipFamilyPolicy: RequireDualStack
  clusterIP: ${v4}
  clusterIPs: [${v4}, "${v6}"]
  ports:
  - {port: 80}
`,
    );
    assert.equal(await ok('apply', '-f', file), 'service/again created\n');
    assert.equal(await ok('get', 'svc', 'again', '-o', 'jsonpath={.spec.clusterIPs}'), JSON.stringify([v4, v6]));
  });
  test('kubectl get allocations shows each range with its use; get -o json lists the holders; explain reads its schema', async () => {
    const rows = (await ok('get', 'allocations')).trimEnd().split('\n').map(tableCells);
    assert.deepEqual(rows[0], ['NAME', 'RANGE', 'SIZE', 'USED', 'FREE', 'OUT-OF-RANGE', 'AGE']);
    const byName = new Map(rows.slice(1).map((r) => [r[0], r]));
    assert.deepEqual([...byName.keys()], ['service-ip-ipv4', 'service-ip-ipv6', 'node-port']);
    assert.deepEqual(byName.get('service-ip-ipv6')!.slice(1, 6), ['fd00:10:96::/108', String(2 ** 20 - 1), '1', String(2 ** 20 - 2), '0']);
    const v6 = JSON.parse(await ok('get', 'allocation', 'service-ip-ipv6', '-o', 'json')) as {
      status: { holders: { value: string; name: string; inRange: boolean }[] };
    };
    // The previous test deleted web and made 'again' on exactly its addresses.
    assert.deepEqual(
      v6.status.holders.map((h) => [h.value, h.name, h.inRange]),
      [[svc.spec.clusterIPs[1], 'again', true]],
    );
    const explain = await ok('explain', 'allocations.status');
    assert.match(explain, /GROUP:\s+svcplane\.dev\nKIND:\s+Allocation\nVERSION:\s+v1alpha1/);
    assert.match(explain, /holders\s+<\[\]AllocationHolder> -required-/);
    const missing = await kubectl('get', 'allocation', 'nope');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error from server (NotFound): allocations.svcplane.dev "nope" not found\n');
    const del = await kubectl('delete', 'allocation', 'node-port');
    assert.equal(del.code, 1);
    assert.match(del.stderr, /MethodNotAllowed|does not allow this method/);
  });
});
