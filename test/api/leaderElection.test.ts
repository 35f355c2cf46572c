// Leader election over HTTP as client-go's leaderelection package does it with a LeaseLock
// (k8s.io/client-go/tools/leaderelection, tryAcquireOrRenew): get the Lease, create it when
// missing, otherwise update it with the resourceVersion read, so that of two candidates racing
// for it the API server lets exactly one through (the other gets a 409). A candidate takes over
// only once the holder has not renewed for leaseDurationSeconds. @kubernetes/client-node 1.x has
// no leader-election helper, so the elector here is written by hand against the REST API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.stop());

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** metav1.MicroTime as Go writes it: microseconds, UTC. */
const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

const leaseUrl = (name: string) => `${t.url}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases${name ? `/${name}` : ''}`;

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** One candidate: tryAcquireOrRenew every retry period until stopped. */
class Elector {
  isLeader = false;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    readonly identity: string,
    private readonly name: string,
    private readonly leaseDurationSeconds: number,
    private readonly retryPeriodMs: number,
  ) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        this.isLeader = await this.tryAcquireOrRenew().catch(() => false);
        await sleep(this.retryPeriodMs);
      }
    })();
  }

  /** Stops campaigning and renewing, as a leader that dies does (no release: the lease must expire). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.isLeader = false;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const got = await call('GET', leaseUrl(this.name));
    if (got.status === 404) {
      const created = await call('POST', leaseUrl(''), {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: 'kube-system' },
        spec: {
          holderIdentity: this.identity,
          leaseDurationSeconds: this.leaseDurationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      });
      // Another candidate created it first: 409 AlreadyExists, and we are not the leader.
      return created.status === 201;
    }
    if (got.status !== 200) return false;
    const lease = got.body as Lease;
    const spec = lease.spec ?? {};
    const held = spec.holderIdentity && spec.holderIdentity !== this.identity;
    const expires = Date.parse(spec.renewTime ?? '') + (spec.leaseDurationSeconds ?? 0) * 1000;
    if (held && Number.isFinite(expires) && expires > now.getTime()) return false;
    const mine = spec.holderIdentity === this.identity;
    const next: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseDurationSeconds,
      acquireTime: mine ? spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    // The resourceVersion read makes the update conditional: a 409 means someone wrote in between.
    const updated = await call('PUT', leaseUrl(this.name), { ...lease, spec: next });
    return updated.status === 200;
  }
}

async function eventually<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${seconds}s: ${what}`);
    await sleep(100);
  }
}

test('two electors over one Lease: exactly one leads, the other takes over once it stops renewing, and leaseTransitions counts it', async () => {
  const name = 'example-controller';
  const a = new Elector('candidate-a', name, 2, 200);
  const b = new Elector('candidate-b', name, 2, 200);
  a.start();
  b.start();
  try {
    const leader = await eventually('one leader', 15, async () => {
      const lease = await call('GET', leaseUrl(name));
      if (lease.status !== 200) return undefined;
      const leaders = [a, b].filter((e) => e.isLeader);
      return leaders.length === 1 && leaders[0].identity === lease.body.spec.holderIdentity ? leaders[0] : undefined;
    });
    const follower = leader === a ? b : a;
    const first = (await call('GET', leaseUrl(name))).body as Lease;
    assert.equal(first.spec?.leaseTransitions, 0);
    assert.equal(first.spec?.leaseDurationSeconds, 2);
    assert.equal(follower.isLeader, false);

    await leader.stop();
    const takenOver = await eventually('the follower takes over', 20, async () => {
      const lease = (await call('GET', leaseUrl(name))).body as Lease;
      return follower.isLeader && lease.spec?.holderIdentity === follower.identity ? lease : undefined;
    });
    assert.equal(takenOver.spec?.leaseTransitions, 1);
    assert.notEqual(takenOver.spec?.acquireTime, first.spec?.acquireTime);
    assert.ok(Date.parse(takenOver.spec!.renewTime!) >= Date.parse(first.spec!.renewTime!));
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('an update with a stale resourceVersion is a 409 Conflict, so a lost race never overwrites the holder', async () => {
  const name = 'stale-update';
  const now = microTime(new Date());
  const created = await call('POST', leaseUrl(''), {
    metadata: { name },
    spec: { holderIdentity: 'a', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: 0 },
  });
  assert.equal(created.status, 201);
  const renewed = await call('PUT', leaseUrl(name), { ...created.body, spec: { ...created.body.spec, renewTime: microTime(new Date()) } });
  assert.equal(renewed.status, 200);
  // A candidate that read the Lease before the renewal tries to take it over.
  const stale = await call('PUT', leaseUrl(name), { ...created.body, spec: { ...created.body.spec, holderIdentity: 'b', leaseTransitions: 1 } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.reason, 'Conflict');
  assert.equal(
    stale.body.message,
    `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
  );
  assert.equal((await call('GET', leaseUrl(name))).body.spec.holderIdentity, 'a');
  // Two candidates creating a missing Lease at once: one 201, one 409 AlreadyExists.
  const race = await Promise.all(
    ['x', 'y'].map((id) => call('POST', leaseUrl(''), { metadata: { name: 'race' }, spec: { holderIdentity: id, leaseDurationSeconds: 1 } })),
  );
  assert.deepEqual(race.map((r) => r.status).sort(), [201, 409]);
  assert.equal(race.find((r) => r.status === 409)!.body.reason, 'AlreadyExists');
});
