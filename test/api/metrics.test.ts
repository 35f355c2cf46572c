import assert from 'node:assert/strict';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { test } from 'node:test';
import request from 'supertest';
import { startServer } from '../support/server.js';

const ns = '/api/v1/namespaces/default/services';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (the subset prom-client writes). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparsable line ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await request(url).get('/metrics').expect(200);
  assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  return parse(res.text);
}

/** The value of the one sample with this name whose labels include `labels` (0 when none). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

const services = { group: '', version: 'v1', resource: 'services', subresource: '', component: 'apiserver', dry_run: '' };

test('/metrics counts requests with kube-apiserver labels and reports allocators, watchers and load balancers', async (t) => {
  const s = await startServer({ lbProvisionDelay: 20 });
  t.after(() => s.stop());
  const before = await scrape(s.url);
  const usedIPs = value(before, 'svcplane_allocator_used', { range: 'service-ip', family: 'IPv4' });

  await request(s.url)
    .post(ns)
    .send({ metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } })
    .expect(201);
  await request(s.url).get(`${ns}/web`).expect(200);
  await request(s.url).get(ns).expect(200);
  await request(s.url).get('/api/v1/services').expect(200);
  await request(s.url).get(`${ns}/missing`).expect(404);
  await request(s.url)
    .post(ns)
    .query({ dryRun: 'All' })
    .send({ metadata: { name: 'dry' }, spec: { ports: [{ port: 80 }] } })
    .expect(201);
  await request(s.url)
    .post(ns)
    .send({ metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } })
    .expect(201);
  await request(s.url)
    .patch(`${ns}/web`)
    .set('Content-Type', 'application/merge-patch+json')
    .send({ metadata: { labels: { a: 'b' } } })
    .expect(200);
  await request(s.url).delete(`${ns}/web`).expect(200);

  const after = await scrape(s.url);
  const count = (labels: Record<string, string>) => value(after, 'apiserver_request_total', { ...services, ...labels });
  assert.equal(count({ verb: 'POST', scope: 'resource', code: '201' }), 2);
  assert.equal(count({ verb: 'POST', scope: 'resource', code: '201', dry_run: 'All' }), 1);
  assert.equal(count({ verb: 'GET', scope: 'resource', code: '200' }), 1);
  assert.equal(count({ verb: 'GET', scope: 'resource', code: '404' }), 1);
  assert.equal(count({ verb: 'LIST', scope: 'namespace', code: '200' }), 1);
  assert.equal(count({ verb: 'LIST', scope: 'cluster', code: '200' }), 1);
  assert.equal(count({ verb: 'PATCH', scope: 'resource', code: '200' }), 1);
  assert.equal(count({ verb: 'DELETE', scope: 'resource', code: '200' }), 1);
  // Non-resource paths: the route in subresource, empty scope; the scrape before counts too.
  assert.equal(value(after, 'apiserver_request_total', { verb: 'GET', resource: '', subresource: '/metrics', scope: '', code: '200' }), 1);

  const hist = (suffix: string, labels: Record<string, string>) => value(after, `apiserver_request_duration_seconds${suffix}`, { ...services, ...labels });
  assert.equal(hist('_count', { verb: 'GET', scope: 'resource' }), 2);
  assert.ok(hist('_sum', { verb: 'GET', scope: 'resource' }) > 0);
  assert.equal(hist('_bucket', { verb: 'GET', scope: 'resource', le: '+Inf' }), 2);
  const buckets = after
    .filter((x) => x.name === 'apiserver_request_duration_seconds_bucket' && x.labels.verb === 'LIST' && x.labels.scope === 'cluster')
    .map((x) => x.labels.le);
  assert.deepEqual(buckets, [
    '0.005',
    '0.025',
    '0.05',
    '0.1',
    '0.2',
    '0.4',
    '0.6',
    '0.8',
    '1',
    '1.25',
    '1.5',
    '2',
    '3',
    '4',
    '5',
    '6',
    '8',
    '10',
    '15',
    '20',
    '30',
    '45',
    '60',
    '+Inf',
  ]);

  // The scrape itself is the one request in flight.
  assert.equal(value(after, 'apiserver_current_inflight_requests', { request_kind: 'readOnly' }), 1);
  assert.equal(value(after, 'apiserver_current_inflight_requests', { request_kind: 'mutating' }), 0);

  // web was deleted and the dry run allocated nothing: one more cluster IP (np) and one node port.
  assert.equal(value(after, 'svcplane_allocator_used', { range: 'service-ip', family: 'IPv4' }), usedIPs + 1);
  assert.equal(value(after, 'svcplane_allocator_size', { range: 'service-ip', family: 'IPv4' }), Number(s.server.allocators.serviceIPs[0].stats().size));
  assert.equal(value(after, 'svcplane_allocator_used', { range: 'node-port', family: '' }), 1);
  assert.equal(value(after, 'svcplane_allocator_size', { range: 'node-port', family: '' }), 2768);
});

test('svcplane_watchers follows an open watch, which is counted as WATCH when it ends', async (t) => {
  const s = await startServer();
  t.after(() => s.stop());
  const base = value(await scrape(s.url), 'svcplane_watchers');
  let req: ClientRequest | undefined;
  await new Promise<void>((resolve, reject) => {
    req = httpRequest(`${s.url}${ns}?watch=true`, (res) => res.once('data', () => resolve()));
    req.on('error', reject);
    req.end();
  });
  const during = await scrape(s.url);
  assert.equal(value(during, 'svcplane_watchers'), base + 1);
  assert.equal(value(during, 'apiserver_request_total', { verb: 'WATCH' }), 0);
  req!.on('error', () => {});
  req!.destroy();
  await new Promise((r) => setTimeout(r, 100));
  const after = await scrape(s.url);
  assert.equal(value(after, 'svcplane_watchers'), base);
  assert.equal(value(after, 'apiserver_request_total', { ...services, verb: 'WATCH', scope: 'namespace', code: '200' }), 1);
  // Watches stay out of the duration histogram, as long-running requests.
  assert.equal(after.filter((x) => x.name.startsWith('apiserver_request_duration_seconds') && x.labels.verb === 'WATCH').length, 0);
});

test('svcplane_lb_provision_seconds observes each load balancer that gets its address', async (t) => {
  const s = await startServer({ lbProvisionDelay: 20 });
  t.after(() => s.stop());
  assert.equal(value(await scrape(s.url), 'svcplane_lb_provision_seconds_count'), 0);
  await request(s.url)
    .post(ns)
    .send({ metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } })
    .expect(201);
  for (let i = 0; ; i++) {
    const res = await request(s.url).get(`${ns}/lb`).expect(200);
    if (res.body.status?.loadBalancer?.ingress?.length) break;
    assert.ok(i < 200, 'the load balancer never got an address');
    await new Promise((r) => setTimeout(r, 10));
  }
  const after = await scrape(s.url);
  assert.equal(value(after, 'svcplane_lb_provision_seconds_count'), 1);
  assert.ok(value(after, 'svcplane_lb_provision_seconds_sum') > 0);
  assert.equal(value(after, 'svcplane_lb_provision_seconds_bucket', { le: '+Inf' }), 1);
});

test('every server has its own registry', async (t) => {
  const a = await startServer();
  const b = await startServer();
  t.after(async () => {
    await a.stop();
    await b.stop();
  });
  await request(a.url).get('/version').expect(200);
  assert.equal(value(await scrape(a.url), 'apiserver_request_total', { subresource: '/version' }), 1);
  assert.equal(value(await scrape(b.url), 'apiserver_request_total', { subresource: '/version' }), 0);
});

test('a request the client abandons leaves the in-flight gauge', async (t) => {
  const s = await startServer();
  t.after(() => s.stop());
  const url = new URL(s.url);
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    method: 'POST',
    path: ns,
    headers: { 'Content-Type': 'application/json', 'Content-Length': '100000' },
  });
  req.on('error', () => {});
  req.write('{"metadata":');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(value(await scrape(s.url), 'apiserver_current_inflight_requests', { request_kind: 'mutating' }), 1);
  req.destroy();
  await new Promise((r) => setTimeout(r, 100));
  const after = await scrape(s.url);
  assert.equal(value(after, 'apiserver_current_inflight_requests', { request_kind: 'mutating' }), 0);
  assert.equal(value(after, 'apiserver_request_total', { verb: 'POST' }), 0);
});
