// examples/controller.mjs (the README's "Controllers on svcplane") run as it is, against svcplane's
// own CLI (dist/cli.js, so `npm run build` first): it elects itself leader over a Lease, its
// informer sees a Service, and it posts an Event through events.k8s.io/v1 (EventsV1Api) and one
// through core/v1 (CoreV1Api), each then readable through both groups.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, spawnLive, startServerProcess, type LiveProcess, type ServerProcess } from '../support/kubectl.js';
import { tempDir } from '../support/server.js';

let server: ServerProcess;
let controller: LiveProcess | undefined;
const dir = tempDir();

before(async () => {
  server = await startServerProcess(join(dir, 'svcplane.db'));
});
after(async () => {
  await controller?.stop();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: (await res.json()) as any };
};

test("the README's copy of the example is the file, from its import on", () => {
  const file = readFileSync(join(repoRoot, 'examples', 'controller.mjs'), 'utf8');
  const code = file.slice(file.indexOf('import * as k8s'));
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Controllers on svcplane'));
  const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  assert.equal(block, code);
});

test('the example controller leads, sees a Service and reports it through both event groups', async () => {
  const created = await fetch(`${server.url}/api/v1/namespaces/default/services`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } }),
  });
  assert.equal(created.status, 201);
  controller = spawnLive(process.execPath, [join(repoRoot, 'examples', 'controller.mjs'), server.url]);
  const leading = await controller.waitForLine(/^leading as /, 'the controller to lead', 20_000);
  await controller.waitForLine(/^reported web$/, 'the controller to report the Service', 20_000);

  const lease = await get('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/example-controller');
  assert.equal(lease.status, 200);
  assert.equal(lease.body.spec.holderIdentity, leading.slice('leading as '.length));

  const selector = `?fieldSelector=${encodeURIComponent('regarding.name=web')}`;
  const v1 = await get(`/apis/events.k8s.io/v1/namespaces/default/events${selector}`);
  assert.deepEqual(v1.body.items.map((e: { note: string; reportingController?: string }) => [e.note, e.reportingController ?? '']).sort(), [
    ['saw Service web', ''],
    ['saw Service web', 'example.com/service-watcher'],
  ]);
  const core = await get(`/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('involvedObject.name=web')}`);
  assert.deepEqual(
    core.body.items.map((e: { source: { component?: string }; reportingComponent: string }) => [e.source.component ?? '', e.reportingComponent]).sort(),
    [
      ['', 'example.com/service-watcher'],
      ['service-watcher', ''],
    ],
  );
});
