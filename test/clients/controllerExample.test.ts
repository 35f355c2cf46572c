// examples/controller.mjs (the README's "Controllers on svcplane") run as it is, against svcplane's
// own CLI (dist/cli.js, so `npm run build` first): it elects itself leader over a Lease, its
// informer sees a Service, and it posts an Event through events.k8s.io/v1 (EventsV1Api) and one
// through core/v1 (CoreV1Api), each then readable through both groups.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
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

// After the test above: the two events the example controller wrote are there to be listed.
test('a @kubernetes/client-node informer on events.k8s.io/v1 lists and watches the events written through either group', async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromClusterAndUser({ name: 'svcplane', server: server.url, skipTLSVerify: true }, { name: 'anyone' });
  const eventsApi = kc.makeApiClient(k8s.EventsV1Api);
  const informer = k8s.makeInformer<k8s.EventsV1Event>(kc, '/apis/events.k8s.io/v1/namespaces/default/events', () =>
    eventsApi.listNamespacedEvent({ namespace: 'default' }),
  );
  const seen: k8s.EventsV1Event[] = [];
  informer.on('add', (ev) => seen.push(ev));
  await informer.start();
  try {
    const deadline = Date.now() + 10_000;
    const notes = () => seen.filter((e) => e.regarding?.name === 'web').map((e) => e.note);
    while (notes().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(notes(), ['saw Service web', 'saw Service web']);
    // A write through core/v1 arrives on the events.k8s.io watch in events.k8s.io's shape.
    const coreApi = kc.makeApiClient(k8s.CoreV1Api);
    await coreApi.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'from-core' },
        involvedObject: { kind: 'Service', name: 'api', namespace: 'default' },
        reason: 'Seen',
        message: 'through core',
      },
    });
    while (!seen.some((e) => e.metadata?.name === 'from-core') && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 100));
    const fromCore = seen.find((e) => e.metadata?.name === 'from-core');
    assert.equal(fromCore?.note, 'through core');
    assert.equal(fromCore?.regarding?.name, 'api');
  } finally {
    await informer.stop();
  }
});
