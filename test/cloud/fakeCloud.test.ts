import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CloudError,
  FakeCloud,
  systemClock,
  type CloudClock,
  type CloudErrorReason,
  type FakeCloudOptions,
  type LoadBalancerRequest,
} from '../../src/cloud/fakeCloud.js';
import { createRandom } from '../../src/random.js';
import { openDatabase, type SqliteDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteLoadBalancerStore } from '../../src/storage/sqlite/loadBalancerStore.js';
import { tempDir } from '../support/server.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dbFile(): string {
  const dir = tempDir();
  dirs.push(dir);
  return join(dir, 'svcplane.db');
}

/** Resolves every sleep at once and remembers how long each was asked to be. */
function recordingClock(): CloudClock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => new Date(), sleep: async (ms) => void sleeps.push(ms) };
}

/** A sleep that only ends when the cloud closes: an operation caught mid-provisioning. */
const stuckClock: CloudClock = {
  now: () => new Date(),
  sleep: (_ms, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
};

function cloud(options: Partial<FakeCloudOptions> = {}, { file = dbFile(), seed = 1, clock = recordingClock() as CloudClock } = {}) {
  const db: SqliteDatabase = openDatabase(file);
  return { cloud: new FakeCloud(new SqliteLoadBalancerStore(db), options, createRandom(seed), clock), db, file };
}

const uid = (n: number) => `6b1f0c2e-4a7d-4e9b-9c3a-${n.toString(16).padStart(12, '0')}`;

function lb(n: number, extra: Partial<LoadBalancerRequest> = {}): LoadBalancerRequest {
  return { uid: uid(n), namespace: 'default', name: `svc-${n}`, annotations: {}, ports: [{ protocol: 'TCP', port: 80, nodePort: 30080 }], ...extra };
}

async function rejectsWith(promise: Promise<unknown>, reason: CloudErrorReason, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof CloudError, `expected a CloudError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.match(err.message, message);
    return true;
  });
}

test('aws: classic ELB hostnames named after the uid, in the configured region, hostname only', async () => {
  const { cloud: c } = cloud({ profile: 'aws', region: 'ap-southeast-2' });
  const result = await c.ensureLoadBalancer(lb(1));
  assert.equal(result.action, 'created');
  const [ingress] = result.ingress;
  assert.match(ingress.hostname!, /^a[0-9a-f]{31}-[0-9]{10}\.ap-southeast-2\.elb\.amazonaws\.com$/);
  assert.ok(ingress.hostname!.startsWith(`a${uid(1).replaceAll('-', '')}`.slice(0, 32)));
  assert.deepEqual(result.ingress, [{ hostname: ingress.hostname, ports: [{ port: 80, protocol: 'TCP' }] }]);
  assert.equal((await c.getLoadBalancer(uid(1)))?.addressKind, 'hostname');
});

test('aws: the nlb annotation gives the NLB hostname shape; every label is a DNS label', async () => {
  const { cloud: c } = cloud({ profile: 'aws', region: 'eu-west-2' });
  const result = await c.ensureLoadBalancer(lb(1, { annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' } }));
  const hostname = result.ingress[0].hostname!;
  assert.match(hostname, /^a[0-9a-f]{31}-[0-9a-f]{16}\.elb\.eu-west-2\.amazonaws\.com$/);
  assert.ok(hostname.length <= 253);
  for (const label of hostname.split('.')) assert.match(label, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
});

test('aws: refuses what the in-tree AWS provider refuses', async () => {
  const { cloud: c } = cloud({ profile: 'aws' });
  await rejectsWith(c.ensureLoadBalancer(lb(1, { loadBalancerIP: '203.0.113.9' })), 'Unsupported', /^LoadBalancerIP cannot be specified for AWS ELB$/);
  await rejectsWith(c.ensureLoadBalancer(lb(2, { ports: [{ protocol: 'UDP', port: 53 }] })), 'Unsupported', /^Protocol UDP not supported by LoadBalancer$/);
  const nlbUDP = await c.ensureLoadBalancer(
    lb(3, { ports: [{ protocol: 'UDP', port: 53 }], annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' } }),
  );
  assert.deepEqual(nlbUDP.ingress[0].ports, [{ port: 53, protocol: 'UDP' }]);
  await rejectsWith(c.ensureLoadBalancer(lb(4, { ports: [] })), 'Unsupported', /^requested load balancer with no ports$/);
});

test('ip profiles: addresses from the pool, never its network or broadcast address, not simply the lowest', async () => {
  for (const profile of ['gcp', 'azure', 'metallb'] as const) {
    const { cloud: c } = cloud({ profile, ipPool: '198.51.100.0/28' });
    const ips = [];
    for (let n = 1; n <= 14; n++) {
      const { ingress } = await c.ensureLoadBalancer(lb(n, { ports: [{ protocol: 'UDP', port: 53 }] }));
      assert.deepEqual(Object.keys(ingress[0]).sort(), ['ip', 'ipMode', 'ports']);
      assert.equal(ingress[0].ipMode, 'VIP');
      assert.deepEqual(ingress[0].ports, [{ port: 53, protocol: 'UDP' }]);
      ips.push(ingress[0].ip!);
    }
    const hosts = ips.map((ip) => Number(ip.split('.')[3]));
    assert.deepEqual(
      [...hosts].sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
      profile,
    );
    assert.notDeepEqual(
      hosts,
      [...hosts].sort((a, b) => a - b),
      'handed out in ascending order',
    );
  }
});

test('ip profiles: loadBalancerIP is honoured when free and in the pool, refused precisely otherwise', async () => {
  const { cloud: c } = cloud({ profile: 'metallb', ipPool: '203.0.113.0/24' });
  assert.equal((await c.ensureLoadBalancer(lb(1, { loadBalancerIP: '203.0.113.7' }))).ingress[0].ip, '203.0.113.7');
  await rejectsWith(
    c.ensureLoadBalancer(lb(2, { loadBalancerIP: '203.0.113.7' })),
    'IPAlreadyAllocated',
    /^failed to allocate IP 203\.0\.113\.7 for load balancer a6b1f0c2e\w+ \(default\/svc-2\): already allocated to default\/svc-1$/,
  );
  await rejectsWith(
    c.ensureLoadBalancer(lb(2, { loadBalancerIP: '198.51.100.7' })),
    'IPNotInPool',
    /198\.51\.100\.7 .*: not in the address pool 203\.0\.113\.0\/24$/,
  );
  await rejectsWith(c.ensureLoadBalancer(lb(2, { loadBalancerIP: '203.0.113.255' })), 'IPNotInPool', /network or broadcast address of the address pool/);
  await rejectsWith(c.ensureLoadBalancer(lb(2, { loadBalancerIP: '203.0.113.300' })), 'InvalidIP', /"203\.0\.113\.300" .*: not a valid IPv4 address$/);
  // The same request again is a no-op, and a new loadBalancerIP moves the address.
  assert.equal((await c.ensureLoadBalancer(lb(1, { loadBalancerIP: '203.0.113.7' }))).action, 'unchanged');
  const moved = await c.ensureLoadBalancer(lb(1, { loadBalancerIP: '203.0.113.8' }));
  assert.deepEqual([moved.action, moved.ingress[0].ip], ['updated', '203.0.113.8']);
  assert.equal((await c.ensureLoadBalancer(lb(2, { loadBalancerIP: '203.0.113.7' }))).ingress[0].ip, '203.0.113.7');
});

test('a /30 pool holds two load balancers; the third is refused; a delete frees its IP for reuse', async () => {
  const { cloud: c } = cloud({ profile: 'gcp', ipPool: '192.0.2.0/30' });
  const first = (await c.ensureLoadBalancer(lb(1))).ingress[0].ip!;
  const second = (await c.ensureLoadBalancer(lb(2))).ingress[0].ip!;
  assert.deepEqual([first, second].sort(), ['192.0.2.1', '192.0.2.2']);
  await rejectsWith(
    c.ensureLoadBalancer(lb(3)),
    'PoolExhausted',
    /^failed to allocate an IP for load balancer \w+ \(default\/svc-3\): no free address in the pool 192\.0\.2\.0\/30 \(2 of 2 in use\)$/,
  );
  assert.equal(await c.deleteLoadBalancer(uid(1)), true);
  assert.equal(await c.deleteLoadBalancer(uid(1)), false);
  assert.equal(await c.getLoadBalancer(uid(1)), undefined);
  assert.equal((await c.ensureLoadBalancer(lb(3))).ingress[0].ip, first);
  assert.deepEqual(
    (await c.listLoadBalancers()).map((l) => l.name),
    ['svc-2', 'svc-3'],
  );
});

test('the same uid keeps its address across a restart; a ports change updates in place', async () => {
  for (const profile of ['aws', 'metallb'] as const) {
    const first = cloud({ profile }, { seed: 1 });
    const created = await first.cloud.ensureLoadBalancer(lb(1));
    await first.cloud.close();
    first.db.close();

    // A different seed: the address must come from the table, not from replaying the generator.
    const second = cloud({ profile }, { file: first.file, seed: 2 });
    assert.deepEqual(await second.cloud.ensureLoadBalancer(lb(1)), { ...created, action: 'unchanged' });
    const ports = [
      { name: 'http', protocol: 'TCP', port: 80, nodePort: 30081 },
      { name: 'https', protocol: 'TCP', port: 443, nodePort: 30443 },
    ];
    const updated = await second.cloud.ensureLoadBalancer(lb(1, { ports }));
    assert.equal(updated.action, 'updated');
    assert.deepEqual(updated.ingress[0].ports, [
      { port: 80, protocol: 'TCP' },
      { port: 443, protocol: 'TCP' },
    ]);
    assert.equal(updated.ingress[0].hostname ?? updated.ingress[0].ip, created.ingress[0].hostname ?? created.ingress[0].ip);
    assert.deepEqual((await second.cloud.getLoadBalancer(uid(1)))?.ports, ports);
    if (profile === 'metallb') {
      await rejectsWith(
        second.cloud.ensureLoadBalancer(lb(2, { loadBalancerIP: created.ingress[0].ip })),
        'IPAlreadyAllocated',
        /already allocated to default\/svc-1/,
      );
    }
    second.db.close();
  }
});

test('the same seed gives the same addresses on fresh databases; another seed other ones', async () => {
  const run = async (profile: FakeCloudOptions['profile'], seed: number) => {
    const { cloud: c } = cloud({ profile }, { seed });
    const addresses = [];
    for (let n = 1; n <= 5; n++) {
      const { ingress } = await c.ensureLoadBalancer(lb(n));
      addresses.push(ingress[0].hostname ?? ingress[0].ip);
    }
    return addresses;
  };
  for (const profile of ['aws', 'gcp'] as const) {
    assert.deepEqual(await run(profile, 42), await run(profile, 42));
    assert.notDeepEqual(await run(profile, 42), await run(profile, 43));
  }
});

test('fake-lb-fail N fails exactly N attempts, counted across restarts; always never succeeds', async () => {
  const failing = lb(1, { annotations: { 'svcplane.dev/fake-lb-fail': '3' } });
  const first = cloud({ profile: 'gcp' });
  await rejectsWith(
    first.cloud.ensureLoadBalancer(failing),
    'InjectedFailure',
    /^fake cloud: injected failure 1 of 3 for load balancer a6b1f0c2e\w+ \(default\/svc-1\)$/,
  );
  await rejectsWith(first.cloud.ensureLoadBalancer(failing), 'InjectedFailure', /injected failure 2 of 3/);
  first.db.close();
  const second = cloud({ profile: 'gcp' }, { file: first.file });
  await rejectsWith(second.cloud.ensureLoadBalancer(failing), 'InjectedFailure', /injected failure 3 of 3/);
  assert.equal((await second.cloud.ensureLoadBalancer(failing)).action, 'created');
  assert.equal((await second.cloud.ensureLoadBalancer({ ...failing, ports: [{ protocol: 'TCP', port: 81 }] })).action, 'updated');

  const always = lb(2, { annotations: { 'svcplane.dev/fake-lb-fail': 'always' } });
  for (let i = 0; i < 5; i++) await rejectsWith(second.cloud.ensureLoadBalancer(always), 'InjectedFailure', /fake-lb-fail=always/);
  assert.equal(await second.cloud.getLoadBalancer(uid(2)), undefined);
  // A value that is neither a count nor "always" injects nothing.
  assert.equal((await second.cloud.ensureLoadBalancer(lb(3, { annotations: { 'svcplane.dev/fake-lb-fail': 'sometimes' } }))).action, 'created');
});

test('failureRate 1 fails every create and update; 0 never fails', async () => {
  const { cloud: always } = cloud({ profile: 'aws', failureRate: 1 });
  for (let n = 1; n <= 10; n++) await rejectsWith(always.ensureLoadBalancer(lb(n)), 'InjectedFailure', /failure rate 1/);
  const { cloud: never } = cloud({ profile: 'aws', failureRate: 0 });
  for (let n = 1; n <= 50; n++) assert.equal((await never.ensureLoadBalancer(lb(n))).action, 'created');
});

test('the provisioning delay: jittered by default, exact from the annotation, a tenth for an update', async () => {
  const clock = recordingClock();
  const { cloud: c } = cloud({ profile: 'aws', provisionDelayMs: 1000 }, { clock });
  const withDelay = (n: number, value: string) => lb(n, { annotations: { 'svcplane.dev/fake-lb-delay': value } });
  await c.ensureLoadBalancer(lb(1));
  await c.ensureLoadBalancer(withDelay(2, '500ms'));
  await c.ensureLoadBalancer(withDelay(3, '1m30s'));
  await c.ensureLoadBalancer(withDelay(4, '0s'));
  await c.ensureLoadBalancer(withDelay(5, 'soon'));
  await c.ensureLoadBalancer(withDelay(6, '-1s'));
  await c.ensureLoadBalancer(withDelay(2, '500ms'));
  await c.ensureLoadBalancer({ ...withDelay(2, '500ms'), ports: [{ protocol: 'TCP', port: 81 }] });
  const [byDefault, ms500, ms90000, zero, invalid, negative, update] = clock.sleeps;
  for (const jittered of [byDefault, invalid, negative]) assert.ok(jittered >= 800 && jittered <= 1200, `${jittered}`);
  assert.deepEqual([ms500, ms90000, zero, update, clock.sleeps.length], [500, 90_000, 0, 50, 7]);
  await c.deleteLoadBalancer(uid(1));
  assert.equal(clock.sleeps.at(-1), 100);
});

test('on the real clock, a 0s annotation is fast and the default delay is really waited', async () => {
  // The cloud's timers are unref'd; this interval stands in for the listening server.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const { cloud: c } = cloud({ profile: 'aws', provisionDelayMs: 300 }, { clock: systemClock });
    let started = performance.now();
    await c.ensureLoadBalancer(lb(1, { annotations: { 'svcplane.dev/fake-lb-delay': '0s' } }));
    assert.ok(performance.now() - started < 200, 'a 0s delay waited');
    started = performance.now();
    await c.ensureLoadBalancer(lb(2));
    assert.ok(performance.now() - started >= 235, 'the default delay was skipped');
  } finally {
    clearInterval(keepAlive);
  }
});

test('concurrent ensures for one uid make one load balancer; two uids cannot race to one IP', async () => {
  const { cloud: c } = cloud({ profile: 'metallb', ipPool: '192.0.2.0/29', provisionDelayMs: 20 }, { clock: systemClock });
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const results = await Promise.all(Array.from({ length: 5 }, () => c.ensureLoadBalancer(lb(1))));
    assert.deepEqual(
      results.map((r) => r.action),
      ['created', 'unchanged', 'unchanged', 'unchanged', 'unchanged'],
    );
    assert.equal(new Set(results.map((r) => r.ingress[0].ip)).size, 1);
    assert.equal((await c.listLoadBalancers()).length, 1);

    const racing = await Promise.allSettled([
      c.ensureLoadBalancer(lb(2, { loadBalancerIP: '192.0.2.5' })),
      c.ensureLoadBalancer(lb(3, { loadBalancerIP: '192.0.2.5' })),
    ]);
    assert.equal(racing[0].status, 'fulfilled');
    assert.ok(racing[1].status === 'rejected' && racing[1].reason instanceof CloudError && racing[1].reason.reason === 'IPAlreadyAllocated');
    // Unrequested picks made while others provision never collide either.
    const many = await Promise.all([4, 5, 6, 7].map((n) => c.ensureLoadBalancer(lb(n))));
    assert.equal(new Set([...many, ...results.slice(0, 1)].map((r) => r.ingress[0].ip)).size, 5);
  } finally {
    clearInterval(keepAlive);
  }
});

test('close() settles operations in flight with ShuttingDown and refuses new ones', async () => {
  const { cloud: c } = cloud({ profile: 'gcp' }, { clock: stuckClock });
  const pending = c.ensureLoadBalancer(lb(1));
  const queued = c.ensureLoadBalancer(lb(1));
  await new Promise((resolve) => setImmediate(resolve));
  await c.close();
  await rejectsWith(pending, 'ShuttingDown', /^fake cloud: shutting down/);
  await rejectsWith(queued, 'ShuttingDown', /shutting down/);
  await rejectsWith(c.ensureLoadBalancer(lb(2)), 'ShuttingDown', /shutting down/);
  await rejectsWith(c.deleteLoadBalancer(uid(1)), 'ShuttingDown', /shutting down/);
  assert.deepEqual(await c.listLoadBalancers(), []);
});

test('bad options are refused at construction', async () => {
  const db = openDatabase(':memory:');
  const lbs = new SqliteLoadBalancerStore(db);
  const random = createRandom(1);
  assert.throws(() => new FakeCloud(lbs, { ipPool: '203.0.113.0/31' }, random), /invalid load balancer IP pool/);
  assert.throws(() => new FakeCloud(lbs, { ipPool: '2001:db8::/64' }, random), /invalid load balancer IP pool/);
  assert.throws(() => new FakeCloud(lbs, { region: 'US_EAST' }, random), /invalid cloud region/);
  assert.throws(() => new FakeCloud(lbs, { failureRate: 1.5 }, random), /invalid failure rate/);
  assert.throws(() => new FakeCloud(lbs, { provisionDelayMs: -1 }, random), /invalid provisioning delay/);
  assert.throws(() => new FakeCloud(lbs, { profile: 'oracle' as FakeCloudOptions['profile'] }, random), /unknown cloud profile/);
  db.close();
});
