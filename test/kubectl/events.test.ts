// End to end: the real kubectl reading events from svcplane. `kubectl get events` prints the
// server-side Table, and `kubectl describe svc` finds a Service's events with its involvedObject
// field selector. Skipped (with the reason printed) when kubectl is not on PATH.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startServer, type TestServer } from '../support/server.js';
import { kubectlHome, kubectlSkip, runKubectl, showRun as show, tableCells as columnsOf, type KubectlHome, type Run } from '../support/kubectl.js';

const skip = kubectlSkip('the kubectl events suite');

let t: TestServer;
let home: KubectlHome | undefined;

const kubectl = (...args: string[]): Promise<Run> => runKubectl(t.url, args, { env: home!.env });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');

describe('kubectl and events', { skip }, () => {
  const ns = 'kubectl-events';
  let serviceUid = '';

  before(async () => {
    t = await startServer();
    home = kubectlHome();
    await request(t.url)
      .post('/api/v1/namespaces')
      .send({ metadata: { name: ns } })
      .expect(201);
    const svc = await request(t.url)
      .post(`/api/v1/namespaces/${ns}/services`)
      .send({ metadata: { name: 'web' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } })
      .expect(201);
    serviceUid = svc.body.metadata.uid;
    const involvedObject = { kind: 'Service', namespace: ns, name: 'web', uid: serviceUid, apiVersion: 'v1' };
    // Half an hour ago prints as 30m however long the test takes (humanDuration drops seconds past 10m).
    const ts = minutesAgo(30);
    const events = [
      { name: 'web.1', type: 'Normal', reason: 'EnsuringLoadBalancer', message: 'Ensuring load balancer', count: 1 },
      { name: 'web.2', type: 'Warning', reason: 'SyncLoadBalancerFailed', message: 'Error syncing load balancer: quota exceeded', count: 3 },
    ];
    for (const e of events) {
      await request(t.url)
        .post(`/api/v1/namespaces/${ns}/events`)
        .send({
          metadata: { name: e.name },
          involvedObject,
          reason: e.reason,
          message: e.message,
          type: e.type,
          source: { component: 'service-controller' },
          firstTimestamp: ts,
          lastTimestamp: ts,
          count: e.count,
        })
        .expect(201);
    }
  });

  after(async () => {
    await t?.stop();
    home?.remove();
  });

  test('kubectl get events prints the event table', async () => {
    const args = ['get', 'events', '-n', ns];
    const r = await kubectl(...args);
    assert.equal(r.code, 0, show(args, r));
    assert.equal(r.stderr, '', show(args, r));
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 3, show(args, r));
    assert.deepEqual(columnsOf(lines[0]), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], show(args, r));
    assert.deepEqual(columnsOf(lines[1]), ['30m', 'Normal', 'EnsuringLoadBalancer', 'service/web', 'Ensuring load balancer'], show(args, r));
    assert.deepEqual(
      columnsOf(lines[2]),
      ['30m', 'Warning', 'SyncLoadBalancerFailed', 'service/web', 'Error syncing load balancer: quota exceeded'],
      show(args, r),
    );
  });

  test('kubectl get ev -o wide adds the priority-1 columns', async () => {
    const args = ['get', 'ev', '-n', ns, '-o', 'wide'];
    const r = await kubectl(...args);
    assert.equal(r.code, 0, show(args, r));
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.deepEqual(
      columnsOf(lines[0]),
      ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME'],
      show(args, r),
    );
    // SUBOBJECT is empty, so the row has one cell fewer once split on the padding.
    assert.deepEqual(
      columnsOf(lines[2]),
      ['30m', 'Warning', 'SyncLoadBalancerFailed', 'service/web', 'service-controller', 'Error syncing load balancer: quota exceeded', '30m', '3', 'web.2'],
      show(args, r),
    );
  });

  test("kubectl describe svc lists the service's events", async () => {
    const args = ['describe', 'svc', 'web', '-n', ns];
    const r = await kubectl(...args);
    assert.equal(r.code, 0, show(args, r));
    const events = r.stdout.slice(r.stdout.indexOf('Events:'));
    const lines = events.split('\n').filter((l) => l.trim() !== '');
    assert.deepEqual(lines[1].trim().split(/\s+/), ['Type', 'Reason', 'Age', 'From', 'Message'], show(args, r));
    assert.match(lines[3], /^\s+Normal\s+EnsuringLoadBalancer\s+30m\s+service-controller\s+Ensuring load balancer$/, show(args, r));
    assert.match(
      lines[4],
      /^\s+Warning\s+SyncLoadBalancerFailed\s+30m \(x3 over 30m\)\s+service-controller\s+Error syncing load balancer: quota exceeded$/,
      show(args, r),
    );
  });
});
