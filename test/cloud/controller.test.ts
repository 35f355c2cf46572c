// The fake cloud's service controller end to end, over HTTP against a real server: a
// LoadBalancer Service is pending, then its address arrives as a MODIFIED event; deletes wait for
// the finalizer; failures retry with Warning events; state survives restarts and kill -9.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import request from 'supertest';
import { createServer, type Svcplane } from '../../src/index.js';
import { startServer, tempDir, type TestServer } from '../support/server.js';
import { openWatch, type TestWatch, type WatchEventJSON } from '../support/watch.js';

const aws = /^[0-9a-f]{32}-\d{10}\.us-east-1\.elb\.amazonaws\.com$/;
const lb = (name: string, extra: { annotations?: Record<string, string>; spec?: Record<string, unknown> } = {}) => ({
  metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
  spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...extra.spec },
});

/** Waits for the event that satisfies `pred`, failing with what was seen after `timeoutMs`. */
async function waitFor(w: TestWatch, pred: (e: WatchEventJSON) => boolean, timeoutMs = 8000): Promise<WatchEventJSON> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await w.next(Math.max(1, deadline - Date.now()));
    if (pred(e)) return e;
  }
}
const ingressOf = (e: WatchEventJSON) => e.object.status?.loadBalancer?.ingress as { hostname?: string; ip?: string; ports?: unknown[] }[] | undefined;
const named = (name: string) => (e: WatchEventJSON) => e.object.metadata?.name === name;
const assigned = (name: string) => (e: WatchEventJSON) => named(name)(e) && e.type === 'MODIFIED' && (ingressOf(e)?.length ?? 0) > 0;
const reasons = async (url: string, ns: string, name: string) =>
  (await request(url).get(`/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3D${name}`).expect(200)).body.items.map(
    (e: { reason: string; type: string; count: number }) => `${e.type}/${e.reason}`,
  );

describe('the service controller with the aws profile', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ lbProvisionDelay: 300, lbRetryDelay: 50 });
  });
  after(async () => t.stop());
  const api = () => request(t.url);
  const ns = '/api/v1/namespaces/default/services';

  test('a LoadBalancer is pending, then its hostname arrives through the status subresource as a MODIFIED event', async () => {
    const w = await openWatch(`${t.url}${ns}?watch=true&resourceVersion=${t.server.store.currentRevision()}`);
    const created = (await api().post(ns).send(lb('web')).expect(201)).body;
    assert.deepEqual(created.status, { loadBalancer: {} }, 'pending at creation');
    const table = await api().get(`${ns}/web`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200);
    assert.equal(table.body.rows[0].cells[3], '<pending>');
    const done = await waitFor(w, assigned('web'));
    const ingress = ingressOf(done)!;
    assert.match(ingress[0].hostname!, aws);
    assert.deepEqual(done.object.metadata.finalizers, ['service.kubernetes.io/load-balancer-cleanup']);
    assert.ok(Number(done.object.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
    const after = await api().get(`${ns}/web`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200);
    assert.equal(after.body.rows[0].cells[3], ingress[0].hostname);
    assert.deepEqual(await reasons(t.url, 'default', 'web'), ['Normal/EnsuringLoadBalancer', 'Normal/EnsuredLoadBalancer']);
    w.close();
  });

  test('a port change updates the load balancer in place; a delete waits for the finalizer, then completes', async () => {
    const w = await openWatch(`${t.url}${ns}?watch=true&resourceVersion=${t.server.store.currentRevision()}`);
    await api().post(ns).send(lb('shop')).expect(201);
    const first = ingressOf(await waitFor(w, assigned('shop')))![0].hostname;
    await api()
      .patch(`${ns}/shop`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(
        JSON.stringify({
          spec: {
            ports: [
              { name: 'http', port: 80, targetPort: 8080 },
              { name: 'https', port: 443, targetPort: 8443 },
            ],
          },
        }),
      )
      .expect(200);
    const updated = await waitFor(w, (e) => named('shop')(e) && (ingressOf(e)?.[0]?.ports?.length ?? 0) === 2);
    assert.equal(ingressOf(updated)![0].hostname, first, 'the same address after an update');
    assert.ok((await reasons(t.url, 'default', 'shop')).includes('Normal/UpdatedLoadBalancer'));

    const deleted = (await api().delete(`${ns}/shop`).expect(200)).body;
    assert.ok(deleted.metadata.deletionTimestamp, 'marked for deletion, not gone');
    await api().get(`${ns}/shop`).expect(200);
    await waitFor(w, (e) => named('shop')(e) && e.type === 'DELETED');
    await api().get(`${ns}/shop`).expect(404);
    const rs = await reasons(t.url, 'default', 'shop');
    assert.ok(rs.includes('Normal/DeletingLoadBalancer') && rs.includes('Normal/DeletedLoadBalancer'), rs.join());
    assert.equal(
      (await t.server.cloud.listLoadBalancers()).some((l) => l.name === 'shop'),
      false,
    );
    w.close();
  });

  test('a type change away from LoadBalancer releases the load balancer and clears the status and finalizer', async () => {
    const w = await openWatch(`${t.url}${ns}?watch=true&resourceVersion=${t.server.store.currentRevision()}`);
    const created = (await api().post(ns).send(lb('flip')).expect(201)).body;
    await waitFor(w, assigned('flip'));
    await api()
      .patch(`${ns}/flip`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ spec: { type: 'ClusterIP' } }))
      .expect(200);
    const cleared = await waitFor(w, (e) => named('flip')(e) && e.object.spec.type === 'ClusterIP' && !ingressOf(e)?.length && !e.object.metadata.finalizers);
    assert.deepEqual(cleared.object.status, { loadBalancer: {} });
    assert.equal(await t.server.cloud.getLoadBalancer(created.metadata.uid), undefined);
    w.close();
  });

  test('failures retry with backoff and Warning events until the cloud succeeds', async () => {
    const w = await openWatch(`${t.url}${ns}?watch=true&resourceVersion=${t.server.store.currentRevision()}`);
    await api()
      .post(ns)
      .send(lb('flaky', { annotations: { 'svcplane.dev/fake-lb-fail': '2' } }))
      .expect(201);
    await waitFor(w, assigned('flaky'));
    const rs = await reasons(t.url, 'default', 'flaky');
    assert.equal(rs.filter((r: string) => r === 'Warning/SyncLoadBalancerFailed').length, 2, rs.join());
    assert.ok(rs.includes('Normal/EnsuredLoadBalancer'));
    const warning = (await api().get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dflaky,type%3DWarning').expect(200)).body.items[0];
    assert.match(warning.message, /^Error syncing load balancer: failed to ensure load balancer: /);
    w.close();
  });

  test('Services of another loadBalancerClass are left alone', async () => {
    const w = await openWatch(`${t.url}${ns}?watch=true&resourceVersion=${t.server.store.currentRevision()}`);
    await api()
      .post(ns)
      .send(lb('classy', { spec: { loadBalancerClass: 'example.com/other-lb' } }))
      .expect(201);
    await api().post(ns).send(lb('plain')).expect(201);
    await waitFor(w, assigned('plain'));
    await t.server.cloudController.idle();
    const classy = (await api().get(`${ns}/classy`).expect(200)).body;
    assert.equal(classy.metadata.finalizers, undefined);
    assert.deepEqual(classy.status, { loadBalancer: {} });
    assert.deepEqual(await reasons(t.url, 'default', 'classy'), []);
    w.close();
  });
});

describe('the service controller with an IP profile', () => {
  test('IPs come from the pool, loadBalancerIP is honoured, exhaustion warns, and a freed IP is reused', async () => {
    const t = await startServer({ cloudProfile: 'metallb', lbIpPool: '198.51.100.0/30', lbProvisionDelay: 50, lbRetryDelay: 50 });
    try {
      const ns = '/api/v1/namespaces/default/services';
      const w = await openWatch(`${t.url}${ns}?watch=true&resourceVersion=${t.server.store.currentRevision()}`);
      await request(t.url)
        .post(ns)
        .send(lb('pinned', { spec: { loadBalancerIP: '198.51.100.2' } }))
        .expect(201);
      const pinned = ingressOf(await waitFor(w, assigned('pinned')))!;
      assert.deepEqual(
        pinned.map((i) => i.ip),
        ['198.51.100.2'],
      );
      await request(t.url).post(ns).send(lb('second')).expect(201);
      assert.equal(ingressOf(await waitFor(w, assigned('second')))![0].ip, '198.51.100.1');
      await request(t.url).post(ns).send(lb('third')).expect(201);
      // The pool (two usable addresses) is exhausted: a Warning event, and the Service stays pending.
      for (let i = 0; i < 100 && !(await reasons(t.url, 'default', 'third')).includes('Warning/SyncLoadBalancerFailed'); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok((await reasons(t.url, 'default', 'third')).includes('Warning/SyncLoadBalancerFailed'));
      await request(t.url).delete(`${ns}/pinned`).expect(200);
      assert.equal(ingressOf(await waitFor(w, assigned('third')))![0].ip, '198.51.100.2');
      w.close();
    } finally {
      await t.stop();
    }
  });
});

describe('restarts', () => {
  test('the same Service keeps the same address across a restart', async () => {
    const dir = tempDir();
    const db = join(dir, 'svcplane.db');
    const open = async () => {
      const s = await createServer({ port: 0, db, logLevel: 'silent', lbProvisionDelay: 50 });
      return { s, url: await s.start() };
    };
    let { s, url } = await open();
    const w = await openWatch(`${url}/api/v1/namespaces/default/services?watch=true&resourceVersion=${s.store.currentRevision()}`);
    await request(url).post('/api/v1/namespaces/default/services').send(lb('stable')).expect(201);
    const before = ingressOf(await waitFor(w, assigned('stable')))![0].hostname;
    w.close();
    await s.close();
    ({ s, url } = await open());
    await s.cloudController.idle();
    const got = (await request(url).get('/api/v1/namespaces/default/services/stable').expect(200)).body;
    assert.equal(got.status.loadBalancer.ingress[0].hostname, before);
    assert.equal((await s.cloud.getLoadBalancer(got.metadata.uid))!.address, before);
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('at start, load balancers left behind by a Service that is gone or no longer a LoadBalancer are released', async () => {
    // The controller's initial list only holds LoadBalancers and finalizer holders (a prefilter in
    // the database), so these two are found from the cloud's side.
    const dir = tempDir();
    const db = join(dir, 'svcplane.db');
    const open = async () => {
      const s = await createServer({ port: 0, db, logLevel: 'silent', lbProvisionDelay: 10 });
      return { s, url: await s.start() };
    };
    let { s, url } = await open();
    for (const name of ['gone', 'changed']) await request(url).post('/api/v1/namespaces/default/services').send(lb(name)).expect(201);
    await s.cloudController.idle();
    const uid = async (name: string) => (await s.services.get('default', name)).metadata!.uid!;
    const [gone, changed] = [await uid('gone'), await uid('changed')];
    assert.ok((await s.cloud.getLoadBalancer(gone)) && (await s.cloud.getLoadBalancer(changed)));
    await s.close();
    // What a controller that was not running would miss: a row removed outright, and a type
    // change that also dropped the finalizer, written straight into the database.
    const raw = new Database(db);
    raw.prepare("DELETE FROM objects WHERE resource = 'services' AND name = 'gone'").run();
    raw
      .prepare(`UPDATE objects SET body = json_remove(json_set(body, '$.spec.type', 'ClusterIP'), '$.metadata.finalizers', '$.status.loadBalancer.ingress')
      WHERE resource = 'services' AND name = 'changed'`)
      .run();
    raw.close();
    ({ s, url } = await open());
    await s.cloudController.idle();
    for (let i = 0; i < 100 && ((await s.cloud.getLoadBalancer(gone)) || (await s.cloud.getLoadBalancer(changed))); i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(await s.cloud.getLoadBalancer(gone), undefined, 'the orphan is deleted');
    assert.equal(await s.cloud.getLoadBalancer(changed), undefined, 'the ClusterIP Service no longer holds a load balancer');
    assert.deepEqual(await reasons(url, 'default', 'changed'), [
      'Normal/EnsuringLoadBalancer',
      'Normal/EnsuredLoadBalancer',
      'Normal/DeletingLoadBalancer',
      'Normal/DeletedLoadBalancer',
    ]);
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('kill -9 during provisioning: after a restart provisioning completes, with one load balancer per Service', async () => {
    const dir = tempDir();
    const db = join(dir, 'svcplane.db');
    const child: ChildProcess = spawn(
      process.execPath,
      ['dist/cli.js', '--port', '0', '--db', db, '--log-level', 'error', '--lb-provision-delay', '30s', '--cloud-profile', 'gcp'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /at (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    for (const name of ['k1', 'k2', 'k3']) await request(url).post('/api/v1/namespaces/default/services').send(lb(name)).expect(201);
    // The controller has added its finalizer, so provisioning is under way when the process dies.
    for (let i = 0; i < 100; i++) {
      const got = (await request(url).get('/api/v1/namespaces/default/services/k3').expect(200)).body;
      if (got.metadata.finalizers) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await once(child, 'exit');

    const s: Svcplane = await createServer({ port: 0, db, logLevel: 'silent', lbProvisionDelay: 50, cloudProfile: 'gcp' });
    const url2 = await s.start();
    const w = await openWatch(`${url2}/api/v1/namespaces/default/services?watch=true&labelSelector=&resourceVersion=0`);
    const ips = new Map<string, string>();
    while (ips.size < 3) {
      const e = await waitFor(w, (ev) => ['k1', 'k2', 'k3'].includes(ev.object.metadata?.name) && (ingressOf(ev)?.length ?? 0) > 0);
      ips.set(e.object.metadata.name, ingressOf(e)![0].ip!);
    }
    assert.equal(new Set(ips.values()).size, 3, 'no address handed out twice');
    assert.equal((await s.cloud.listLoadBalancers()).length, 3);
    w.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
