// kubectl's client-side workflows against a real svcplane process: `apply` (a three-way strategic
// merge computed from the OpenAPI document, with the last-applied annotation), `diff` (a
// server-side dry run) and `edit` (with KUBE_EDITOR set to a script that changes the file).
// The second apply must remove what was removed from the file and keep what the server
// allocated, as it does against kube-apiserver.
//
// Run: npm run build && node --import tsx --test test/kubectl/apply.test.ts
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  kubectlHome,
  kubectlSkip,
  runKubectl,
  showRun,
  startServerProcess,
  tableCells,
  type KubectlHome,
  type Run,
  type ServerProcess,
} from '../support/kubectl.js';

const skip = kubectlSkip('the kubectl apply, diff and edit suite');

interface Port {
  name?: string;
  port: number;
  targetPort: number | string;
  nodePort?: number;
  protocol: string;
}
interface Svc {
  metadata: { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { type: string; clusterIP: string; selector?: Record<string, string>; ports: Port[] };
}

const first = `apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web, tier: frontend}
spec:
  type: NodePort
  selector: {app: web, tier: frontend}
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
  - {name: metrics, port: 9090, targetPort: 9090}
`;

// The https port and the tier label are gone, the selector changed, http's targetPort and
// metrics' port number changed.
const second = `apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  type: NodePort
  selector: {app: web, version: v2}
  ports:
  - {name: http, port: 80, targetPort: 8081}
  - {name: metrics, port: 9091, targetPort: 9090}
`;

describe('kubectl apply, diff and edit', { skip }, () => {
  let server: ServerProcess;
  let home: KubectlHome;
  let dir: string;
  let firstFile: string;
  let secondFile: string;
  let created: Svc;
  const kubectl = (args: string[], env?: NodeJS.ProcessEnv): Promise<Run> => runKubectl(server.url, args, { env: { ...home.env, ...env } });

  async function expectOut(args: string[], stdout: string, env?: NodeJS.ProcessEnv): Promise<void> {
    const r = await kubectl(args, env);
    assert.equal(r.code, 0, showRun(args, r));
    assert.equal(r.stdout, stdout, showRun(args, r));
    assert.equal(r.stderr, '', showRun(args, r));
  }

  async function getJson(): Promise<Svc> {
    const r = await kubectl(['get', 'svc', 'web', '-o', 'json']);
    assert.equal(r.code, 0, showRun(['get', 'svc', 'web', '-o', 'json'], r));
    return JSON.parse(r.stdout) as Svc;
  }

  /** An editor for KUBE_EDITOR: node running `body` on the file kubectl gives it, logging each version it was shown. */
  function editor(name: string, body: string): { path: string; shown: () => string[] } {
    const path = join(dir, name);
    const log = join(dir, `${name}.log`);
    writeFileSync(log, '');
    writeFileSync(
      path,
      `#!${process.execPath}
const fs = require('node:fs');
const file = process.argv[2];
let text = fs.readFileSync(file, 'utf8');
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(text) + '\\n');
${body}
fs.writeFileSync(file, text);
`,
    );
    chmodSync(path, 0o755);
    return {
      path,
      shown: () =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as string),
    };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'svcplane-apply-'));
    home = kubectlHome();
    server = await startServerProcess(join(dir, 'svcplane.db'));
    firstFile = join(dir, 'web-v1.yaml');
    secondFile = join(dir, 'web-v2.yaml');
    writeFileSync(firstFile, first);
    writeFileSync(secondFile, second);
  });
  after(async () => {
    await server?.stop();
    home?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the first apply creates the Service', async () => {
    await expectOut(['apply', '-f', firstFile], 'service/web created\n');
    created = await getJson();
    assert.deepEqual(
      created.spec.ports.map((p) => [p.name, p.port, p.targetPort]),
      [
        ['http', 80, 8080],
        ['https', 443, 8443],
        ['metrics', 9090, 9090],
      ],
    );
    for (const p of created.spec.ports) assert.ok(p.nodePort && p.nodePort >= 30000 && p.nodePort <= 32767, `${p.name} has a node port`);
  });

  test('kubectl diff shows what the second file would change, and exits 1', async () => {
    const r = await kubectl(['diff', '-f', secondFile]);
    assert.equal(r.code, 1, showRun(['diff'], r));
    assert.equal(r.stderr, '', showRun(['diff'], r));
    const changed = r.stdout.split('\n').filter((l) => /^[-+] /.test(l));
    const https = created.spec.ports[1].nodePort;
    // Only what the file changes: no resourceVersion line, since a dry run takes no revision.
    assert.deepEqual(
      changed,
      [
        '-    tier: frontend',
        '-    targetPort: 8080',
        '-  - name: https',
        `-    nodePort: ${https}`,
        '-    port: 443',
        '-    protocol: TCP',
        '-    targetPort: 8443',
        '+    targetPort: 8081',
        '-    port: 9090',
        '+    port: 9091',
        '-    tier: frontend',
        '+    version: v2',
      ],
      showRun(['diff'], r),
    );
  });

  test('the second apply removes the port, the label and the selector key that left the file', async () => {
    await expectOut(['apply', '-f', secondFile], 'service/web configured\n');
    const now = await getJson();
    assert.equal(now.metadata.uid, created.metadata.uid);
    assert.deepEqual(now.metadata.labels, { app: 'web' });
    assert.deepEqual(now.spec.selector, { app: 'web', version: 'v2' });
    assert.equal(now.spec.clusterIP, created.spec.clusterIP);
    // Ports keep their node ports by name (patchAllocatedValues), even metrics, whose number changed.
    assert.deepEqual(now.spec.ports, [
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 8081, nodePort: created.spec.ports[0].nodePort },
      { name: 'metrics', protocol: 'TCP', port: 9091, targetPort: 9090, nodePort: created.spec.ports[2].nodePort },
    ]);
    const applied = JSON.parse(now.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']);
    assert.deepEqual(applied.spec.ports, [
      { name: 'http', port: 80, targetPort: 8081 },
      { name: 'metrics', port: 9091, targetPort: 9090 },
    ]);

    const r = await kubectl(['get', 'svc', 'web', '-o', 'wide']);
    const row = tableCells(r.stdout.split('\n')[1]);
    assert.deepEqual(
      [row[0], row[1], row[4], row[6]],
      ['web', 'NodePort', `80:${created.spec.ports[0].nodePort}/TCP,9091:${created.spec.ports[2].nodePort}/TCP`, 'app=web,version=v2'],
      showRun(['get'], r),
    );
  });

  test('applying the same file again changes nothing, and diff is empty', async () => {
    const before = await getJson();
    await expectOut(['apply', '-f', secondFile], 'service/web unchanged\n');
    assert.deepEqual(await getJson(), before);
    await expectOut(['diff', '-f', secondFile], '');
  });

  test("kubectl edit: the editor's changes are patched in", async () => {
    const ed = editor('edit.cjs', `text = text.replace(/^    port: 9091$/m, '    port: 9092').replace(/^  labels:\\n/m, '  labels:\\n    edited: "true"\\n');`);
    await expectOut(['edit', 'svc', 'web'], 'service/web edited\n', { KUBE_EDITOR: ed.path });
    const shown = ed.shown();
    assert.equal(shown.length, 1);
    assert.match(shown[0], /^# Please edit the object below\./);
    assert.match(shown[0], /^apiVersion: v1\nkind: Service\n/m);
    const now = await getJson();
    assert.deepEqual(now.metadata.labels, { app: 'web', edited: 'true' });
    assert.deepEqual(
      now.spec.ports.map((p) => [p.name, p.port, p.nodePort]),
      [
        ['http', 80, created.spec.ports[0].nodePort],
        ['metrics', 9092, created.spec.ports[2].nodePort],
      ],
    );
  });

  test('kubectl edit with no change cancels', async () => {
    const ed = editor('noop.cjs', '');
    const r = await kubectl(['edit', 'svc', 'web'], { KUBE_EDITOR: ed.path });
    assert.equal(r.code, 0, showRun(['edit'], r));
    assert.equal(r.stderr, 'Edit cancelled, no changes made.\n', showRun(['edit'], r));
  });

  test("an invalid edit comes back to the editor with the server's field errors, then is cancelled", async () => {
    const ed = editor('invalid.cjs', `text = text.replace(/nodePort: \\d+/, 'nodePort: 29999');`);
    // TMPDIR: kubectl keeps a copy of the refused edit there.
    const r = await kubectl(['edit', 'svc', 'web'], { KUBE_EDITOR: ed.path, TMPDIR: dir });
    assert.equal(r.code, 1, showRun(['edit'], r));
    assert.match(
      r.stderr,
      /^error: services "web" is invalid\nA copy of your changes has been stored to "[^"]+"\nerror: Edit cancelled, no valid changes were saved\.\n$/,
      showRun(['edit'], r),
    );
    assert.ok(r.stderr.includes(`stored to "${dir}`), showRun(['edit'], r));
    const shown = ed.shown();
    assert.equal(shown.length, 2, 'the editor opens a second time with the errors');
    assert.match(
      shown[1],
      /^# services "web" was not valid:\n# \* spec\.ports\[0\]\.nodePort: Invalid value: 29999: provided port is not in the valid range\. The range of valid ports is 30000-32767\n/m,
    );
    const now = await getJson();
    assert.equal(now.spec.ports[0].nodePort, created.spec.ports[0].nodePort);
  });

  test('kubectl delete -f deletes the applied Service', async () => {
    await expectOut(['delete', '-f', secondFile], 'service "web" deleted\n');
    const r = await kubectl(['get', 'svc', 'web']);
    assert.equal(r.stderr, 'Error from server (NotFound): services "web" not found\n', showRun(['get'], r));
  });
});
