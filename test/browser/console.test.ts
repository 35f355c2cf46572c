// The console at /ui/ in a real browser: Debian's chromium driven by playwright-core, against a
// real server loaded with examples/. Skipped where chromium is not installed. Screenshots of each
// page go to a temporary folder printed in the log, never into the repository.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../support/chromium.js';
import { consoleDir } from '../../src/api/console.js';
import { startServer, type TestServer } from '../support/server.js';

const executablePath = chromiumPath;
const skip = !executablePath ? 'chromium is not installed (apt-get install chromium)' : !consoleDir() ? 'the console is not built (npm run build)' : false;
if (skip) console.log(`# skipping the console browser tests: ${skip}`);
const shots = skip ? '' : mkdtempSync(join(tmpdir(), 'svcplane-console-screens-'));
if (shots) console.log(`# console screenshots: ${shots}`);

async function api(s: TestServer, method: string, path: string, body?: unknown) {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath, args: chromiumArgs });
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** The kinds of the hops drawn for one port, left to right, with their labels. */
async function hops(page: Page, figure = 0): Promise<{ kind: string; label: string }[]> {
  return page
    .locator('figure.path-fig')
    .nth(figure)
    .locator('g.hop')
    .evaluateAll((gs) => gs.map((g) => ({ kind: g.getAttribute('data-kind') ?? '', label: g.querySelector('title')?.textContent ?? '' })));
}

describe('console', { skip, timeout: 120_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  before(async () => {
    s = await startServer({ load: 'examples', lbProvisionDelay: 1500 });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('/ sends a browser to /ui/; API clients keep their answer', async () => {
    const res = await fetch(`${s.url}/`, { headers: { accept: 'application/json, */*' } });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as any).kind, 'Status');
    const page = await browser.newPage();
    await page.goto(`${s.url}/`);
    assert.equal(new URL(page.url()).pathname, '/ui/');
    await page.close();
  });

  test('lists every example Service with type, cluster IP, ports and external address; filter and namespace picker', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = watchErrors(page);
    await page.goto(`${s.url}/ui/`);
    await page.locator('.count', { hasText: /\d+ Services/ }).waitFor();
    for (const name of ['web-service', 'backend-service', 'external-db', 'headless-app', 'frontend-service', 'myservice']) {
      await page.locator(`.spacer .row[data-name="${name}"]`).first().waitFor();
    }
    const backend = page.locator('.spacer .row[data-name="backend-service"]');
    assert.match(await backend.innerText(), /ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+8080\/TCP/);
    assert.match(await page.locator('.spacer .row[data-name="external-db"]').innerText(), /ExternalName\s+<none>\s+db\.example\.com/);
    await page.locator('.spacer .row[data-name="web-service"] [data-col=external]', { hasText: /elb\.amazonaws\.com/ }).waitFor();
    await page.screenshot({ path: join(shots, 'services.png') });

    await page.getByLabel('Filter').fill('nodeport');
    await page.locator('.count', { hasText: /of \d+ Services/ }).waitFor();
    const names = await page.locator('.spacer .row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
    assert.ok(names.includes('web-nodeport') && !names.includes('backend-service'), names.join(','));

    assert.equal((await api(s, 'POST', '/api/v1/namespaces', { metadata: { name: 'shop' } })).status, 201);
    assert.equal((await api(s, 'POST', '/api/v1/namespaces/shop/services', { metadata: { name: 'cart' }, spec: { ports: [{ port: 80 }] } })).status, 201);
    await page.getByLabel('Namespace').selectOption('shop');
    await page.locator('.spacer .row[data-name="cart"]').waitFor();
    assert.equal(await page.locator('.spacer .row').count(), 1);
    await page.getByLabel('Namespace').selectOption('');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a new LoadBalancer shows <pending>, then its address the moment it is provisioned', async () => {
    const page = await browser.newPage();
    await page.goto(`${s.url}/ui/#/services`);
    await page.locator('.count', { hasText: /\d+ Services/ }).waitFor();
    const created = await api(s, 'POST', '/api/v1/namespaces/default/services', {
      metadata: { name: 'live-lb' },
      spec: { type: 'LoadBalancer', selector: { app: 'live' }, ports: [{ port: 443, targetPort: 8443 }] },
    });
    assert.equal(created.status, 201);
    const ext = page.locator('.spacer .row[data-name="live-lb"] [data-col=external]');
    await ext.filter({ hasText: '<pending>' }).waitFor({ timeout: 5000 });
    await ext.filter({ hasText: /elb\.amazonaws\.com/ }).waitFor({ timeout: 10_000 });
    const stored = await api(s, 'GET', '/api/v1/namespaces/default/services/live-lb');
    assert.equal(await ext.innerText(), stored.body.status.loadBalancer.ingress[0].hostname);
    await page.close();
  });

  test('draws the access path of each type of Service', async () => {
    // An endpoint for backend-service, so its path ends on a real address.
    const slice = await api(s, 'POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
      metadata: { name: 'backend-service-manual', labels: { 'kubernetes.io/service-name': 'backend-service' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.7'], conditions: { ready: true } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    assert.equal(slice.status, 201, JSON.stringify(slice.body));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchErrors(page);
    const open = async (name: string) => {
      await page.goto(`${s.url}/ui/#/services/default/${name}`);
      await page.locator('figure.path-fig svg').first().waitFor();
    };

    await open('web-service');
    await page.locator('g.hop-external title', { hasText: /elb\.amazonaws\.com:80/ }).waitFor({ state: 'attached', timeout: 10_000 });
    const web = await api(s, 'GET', '/api/v1/namespaces/default/services/web-service');
    const lb = await hops(page);
    assert.deepEqual(
      lb.map((x) => x.kind),
      ['external', 'node', 'cluster', 'endpoint'],
    );
    assert.match(lb[1].label, new RegExp(`^NodeIP:${web.body.spec.ports[0].nodePort} `));
    assert.match(lb[2].label, new RegExp(`^${web.body.spec.clusterIP.replaceAll('.', '\\.')}:80 `));
    assert.match(lb[3].label, /^Pod:8080 /);
    assert.match(await page.locator('#yaml').innerText(), /kind: Service[\s\S]*type: LoadBalancer/);
    await page.locator('.events td', { hasText: 'EnsuredLoadBalancer' }).waitFor();
    await page.screenshot({ path: join(shots, 'path-loadbalancer.png'), fullPage: true });

    await open('frontend-service');
    assert.deepEqual(
      (await hops(page)).map((x) => x.kind),
      ['node', 'cluster', 'endpoint'],
    );
    await page.screenshot({ path: join(shots, 'path-nodeport.png'), fullPage: true });

    await open('backend-service');
    await page.locator('g.hop-endpoint title', { hasText: '10.244.1.7:8080' }).waitFor({ state: 'attached' });
    const cluster = await hops(page);
    assert.deepEqual(
      cluster.map((x) => x.kind),
      ['dns', 'cluster', 'endpoint'],
    );
    assert.match(cluster[0].label, /^backend-service\.default\.svc\.cluster\.local:8080 /);
    await page.screenshot({ path: join(shots, 'path-clusterip.png'), fullPage: true });

    await open('external-db');
    const alias = await hops(page);
    assert.deepEqual(
      alias.map((x) => x.kind),
      ['dns', 'alias'],
    );
    assert.match(alias[0].label, /^external-db\.default\.svc\.cluster\.local \(CNAME\)/);
    assert.match(alias[1].label, /^db\.example\.com /);
    await page.screenshot({ path: join(shots, 'path-externalname.png'), fullPage: true });

    await open('headless-app');
    const headless = await hops(page);
    assert.deepEqual(
      headless.map((x) => x.kind),
      ['dns', 'endpoint'],
    );
    assert.match(headless[1].label, /^Pod:6379 /);
    await page.screenshot({ path: join(shots, 'path-headless.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('create shows the API validation error next to the field it names, then creates; delete removes', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`${s.url}/ui/#/create`);
    await page.getByLabel('Seed manifest').selectOption('001-myservice-nodeport.yaml');
    const seed = await page.getByLabel('Manifest (YAML or JSON)').inputValue();
    assert.match(seed, /type: NodePort/);
    const bad = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: console-made',
      'spec:',
      '  type: NodePort',
      '  ports:',
      '    - port: 80',
      '      nodePort: 1',
      '',
    ].join('\n');
    await page.getByLabel('Manifest (YAML or JSON)').fill(bad);
    await page.getByRole('button', { name: 'Create' }).click();
    const error = page.locator('.annotated li.bad .field-error[data-field="spec.ports[0].nodePort"]');
    await error.waitFor();
    assert.match(await error.innerText(), /provided port is not in the valid range/);
    assert.equal(await page.locator('.annotated li.bad code').innerText(), '      nodePort: 1');
    assert.match(await page.locator('#create-errors > p.error').innerText(), /^422 Invalid: Service "console-made" is invalid/);
    await page.screenshot({ path: join(shots, 'create-invalid.png'), fullPage: true });
    assert.equal((await api(s, 'GET', '/api/v1/namespaces/default/services/console-made')).status, 404);

    await page.getByLabel('Manifest (YAML or JSON)').fill(bad.replace('nodePort: 1', 'nodePort: 30555'));
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/services\/default\/console-made$/);
    await page.locator('g.hop-node title', { hasText: 'NodeIP:30555' }).waitFor({ state: 'attached' });
    assert.equal((await api(s, 'GET', '/api/v1/namespaces/default/services/console-made')).body.spec.ports[0].nodePort, 30555);

    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/#\/services$/);
    await page.locator('.count', { hasText: /\d+ Services/ }).waitFor();
    assert.equal(await page.locator('.spacer .row[data-name="console-made"]').count(), 0);
    assert.equal((await api(s, 'GET', '/api/v1/namespaces/default/services/console-made')).status, 404);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('allocations: a bar per service CIDR and the node-port range, with holders', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${s.url}/ui/#/allocations`);
    const alloc = await api(s, 'GET', '/apis/svcplane.dev/v1alpha1/allocations');
    for (const item of alloc.body.items) {
      const meter = page.locator(`[data-allocation="${item.metadata.name}"] [role=meter]`);
      await meter.waitFor();
      assert.equal(await meter.getAttribute('aria-valuenow'), String(item.status.used));
    }
    await page.locator('[data-allocation="service-ip-ipv4"] summary').click();
    await page.locator('[data-allocation="service-ip-ipv4"] td a', { hasText: 'default/backend-service' }).waitFor();
    await page.screenshot({ path: join(shots, 'allocations.png'), fullPage: true });
    await page.close();
  });

  test('a token is sent as Authorization: Bearer', async () => {
    const page = await browser.newPage();
    await page.goto(`${s.url}/ui/`);
    await page.locator('.count', { hasText: /\d+ Services/ }).waitFor();
    const sent = page.waitForRequest((r) => r.url().includes('/api/v1/services') && r.headers().authorization === 'Bearer s3cret');
    await page.getByLabel('Token').fill('s3cret');
    await page.getByLabel('Token').press('Enter');
    await page.getByLabel('Token').blur();
    await sent;
    await page.close();
  });

  test('a phone-sized screen shows the list and a path', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await page.goto(`${s.url}/ui/`);
    await page.locator('.spacer .row[data-name="web-service"]').waitFor();
    await page.screenshot({ path: join(shots, 'phone-services.png') });
    await page.goto(`${s.url}/ui/#/services/default/web-service`);
    await page.locator('figure.path-fig svg').waitFor();
    await page.screenshot({ path: join(shots, 'phone-path.png'), fullPage: true });
    await page.close();
  });
});

describe('console on a dual-stack server', { skip, timeout: 60_000 }, () => {
  test('a dual-stack LoadBalancer draws both cluster IPs between the node port and the endpoints', async (t) => {
    const s = await startServer({ serviceCidr: '10.96.0.0/12,fd00:10:96::/108', lbProvisionDelay: 200, cloudProfile: 'metallb' });
    t.after(() => s.stop());
    const created = await api(s, 'POST', '/api/v1/namespaces/default/services', {
      metadata: { name: 'dual' },
      spec: { type: 'LoadBalancer', ipFamilyPolicy: 'RequireDualStack', selector: { app: 'dual' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const browser = await launch();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${s.url}/ui/#/services/default/dual`);
    await page.locator('g.hop-external title', { hasText: /^203\.0\.113\.\d+:80 / }).waitFor({ state: 'attached', timeout: 10_000 });
    const drawn = await hops(page);
    const [v4, v6] = created.body.spec.clusterIPs;
    assert.deepEqual(
      drawn.map((x) => x.kind),
      ['external', 'node', 'cluster', 'cluster', 'endpoint'],
    );
    assert.match(drawn[2].label, new RegExp(`^${v4.replaceAll('.', '\\.')}:80 \\(IPv4\\)`));
    assert.equal(drawn[3].label, `[${v6}]:80 (IPv6)`);
    await page.screenshot({ path: join(shots, 'path-dualstack-loadbalancer.png'), fullPage: true });
  });

  test('a 401 or 403 from the API is shown in a banner', async (t) => {
    const s = await startServer();
    t.after(() => s.stop());
    const browser = await launch();
    t.after(() => browser.close());
    const page = await browser.newPage();
    // svcplane has no authentication yet: the browser is answered as an authenticating server would.
    await page.route('**/api/v1/services*', (route) =>
      route.fulfill({
        status: 401,
        contentType: 'application/json',
        body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }),
      }),
    );
    await page.goto(`${s.url}/ui/#/services`);
    const banner = page.getByRole('alert').filter({ hasText: '401 Unauthorized' });
    await banner.waitFor();
    assert.match(await banner.innerText(), /Enter a token/);
    await page.screenshot({ path: join(shots, 'unauthorized.png') });
  });
});
