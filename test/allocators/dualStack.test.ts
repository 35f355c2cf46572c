// Dual-stack cluster IPs over real HTTP, against a running svcplane with a real SQLite file, for
// a dual-stack cluster (10.96.0.0/12,fd00:10:96::/108) and the two single-stack ones. What is
// asserted is what kube-apiserver 1.33 answers: the defaulting and pre-validation of
// pkg/registry/core/service/storage/alloc.go (initIPFamilyFields), its allocation, upgrade,
// downgrade and type-change cases (allocClusterIPs, updateClusterIPs), and the update rules of
// pkg/apis/core/validation (validateUpgradeDowngradeIPFamilies). Freed addresses are proven
// free by another Service asking for exactly them.
//
// Run: node --import tsx --test test/allocators/dualStack.test.ts
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../support/server.js';

const DUAL = '10.96.0.0/12,fd00:10:96::/108';
const V6_ONLY = 'fd00:10:96::/108';

interface Spec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  externalName?: string;
  selector?: Record<string, string>;
  ports?: { port: number }[];
}
interface Svc {
  metadata: { name: string; uid: string; resourceVersion: string };
  spec: Spec;
}
interface Cause {
  reason: string;
  message: string;
  field: string;
}
interface Status {
  kind: string;
  apiVersion: string;
  status: string;
  message: string;
  reason: string;
  code: number;
  details: { name: string; kind: string; causes: Cause[] };
}
interface Res<T> {
  status: number;
  body: T;
}

// Independent of the code under test: node's BlockList decides CIDR membership.
const v4Block = new BlockList();
v4Block.addSubnet('10.96.0.0', 12, 'ipv4');
const v6Block = new BlockList();
v6Block.addSubnet('fd00:10:96::', 108, 'ipv6');

function assertV4InRange(ip: string | undefined): void {
  assert.ok(ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip), `${ip} is an IPv4 address`);
  assert.ok(v4Block.check(ip, 'ipv4'), `${ip} is in 10.96.0.0/12`);
  assert.ok(ip !== '10.96.0.0' && ip !== '10.111.255.255', `${ip} is neither network nor broadcast`);
}

function assertV6InRange(ip: string | undefined): void {
  assert.ok(ip && ip.includes(':'), `${ip} is an IPv6 address`);
  assert.ok(v6Block.check(ip, 'ipv6'), `${ip} is in fd00:10:96::/108`);
  assert.notEqual(ip, 'fd00:10:96::', 'not the network address');
}

const ports = [{ port: 80 }];
const svc = (name: string, spec: Spec) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports, selector: { app: name }, ...spec } });

/** HTTP against one server, in the default namespace. */
function client(t: () => TestServer) {
  const base = () => `${t().url}/api/v1/namespaces/default/services`;
  async function call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Res<T>> {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  return {
    create: (obj: unknown) => call<Svc & Status>('POST', '', obj),
    get: (name: string) => call<Svc & Status>('GET', `/${name}`),
    patch: (name: string, patch: unknown) => call<Svc & Status>('PATCH', `/${name}`, patch, 'application/merge-patch+json'),
    replace: (name: string, obj: unknown) => call<Svc & Status>('PUT', `/${name}`, obj),
    createDryRun: (obj: unknown) => call<Svc & Status>('POST', '?dryRun=All', obj),
    /** Creates and expects 201. */
    async created(obj: { metadata: { name: string } } & Record<string, unknown>): Promise<Svc> {
      const res = await call<Svc>('POST', '', obj);
      assert.equal(res.status, 201, `create ${obj.metadata.name}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async patched(name: string, patch: unknown): Promise<Svc> {
      const res = await call<Svc>('PATCH', `/${name}`, patch, 'application/merge-patch+json');
      assert.equal(res.status, 200, `patch ${name}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async deleted(name: string): Promise<void> {
      const res = await call<Status>('DELETE', `/${name}`);
      assert.equal(res.status, 200, `delete ${name}: ${JSON.stringify(res.body)}`);
      assert.equal((await call('GET', `/${name}`)).status, 404);
    },
  };
}

/**
 * A 422 Invalid Status for a Service, every cause carrying a field, one of them at `field` with
 * a message matching `message`.
 */
function assertInvalid(res: Res<unknown>, name: string, field: string, message: RegExp): void {
  const show = JSON.stringify(res.body);
  assert.equal(res.status, 422, show);
  const s = res.body as Status;
  assert.equal(s.kind, 'Status', show);
  assert.equal(s.apiVersion, 'v1', show);
  assert.equal(s.status, 'Failure', show);
  assert.equal(s.reason, 'Invalid', show);
  assert.equal(s.code, 422, show);
  assert.equal(s.details.kind, 'Service', show);
  assert.equal(s.details.name, name, show);
  assert.ok(Array.isArray(s.details.causes) && s.details.causes.length > 0, show);
  for (const c of s.details.causes) assert.equal(typeof c.field, 'string', show);
  const hit = s.details.causes.find((c) => c.field === field && message.test(c.message));
  assert.ok(hit, `expected a cause at ${field} matching ${message}: ${show}`);
  assert.match(s.message, new RegExp(`^Service "${name}" is invalid: `), show);
  assert.ok(s.message.includes(field), show);
}

describe('a dual-stack cluster (10.96.0.0/12,fd00:10:96::/108)', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ serviceCidr: DUAL });
  });
  after(async () => t?.stop());
  const api = client(() => t);

  describe('defaulting', () => {
    test("the kubernetes Service is single-stack, on the primary family's first address", async () => {
      const k = await api.get('kubernetes');
      assert.equal(k.status, 200);
      assert.equal(k.body.spec.clusterIP, '10.96.0.1');
      assert.deepEqual(k.body.spec.clusterIPs, ['10.96.0.1']);
      assert.deepEqual(k.body.spec.ipFamilies, ['IPv4']);
      assert.equal(k.body.spec.ipFamilyPolicy, 'SingleStack');
    });

    test('no policy: SingleStack on the primary family, one IP', async () => {
      const s = await api.created(svc('plain', {}));
      assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
      assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
      assert.equal(s.spec.clusterIPs?.length, 1);
      assert.equal(s.spec.clusterIP, s.spec.clusterIPs[0]);
      assertV4InRange(s.spec.clusterIP);
    });

    test('ipFamilies [IPv6] alone: SingleStack IPv6', async () => {
      const s = await api.created(svc('only-v6', { ipFamilies: ['IPv6'] }));
      assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
      assert.deepEqual(s.spec.ipFamilies, ['IPv6']);
      assert.equal(s.spec.clusterIPs?.length, 1);
      assertV6InRange(s.spec.clusterIP);
    });

    test('PreferDualStack: both families, primary first, one IP in each CIDR', async () => {
      const s = await api.created(svc('prefer', { ipFamilyPolicy: 'PreferDualStack' }));
      assert.equal(s.spec.ipFamilyPolicy, 'PreferDualStack');
      assert.deepEqual(s.spec.ipFamilies, ['IPv4', 'IPv6']);
      assert.equal(s.spec.clusterIPs?.length, 2);
      assert.equal(s.spec.clusterIP, s.spec.clusterIPs[0]);
      assertV4InRange(s.spec.clusterIPs[0]);
      assertV6InRange(s.spec.clusterIPs[1]);
      const got = await api.get('prefer');
      assert.deepEqual(got.body, s);
    });

    test('RequireDualStack with ipFamilies [IPv6, IPv4]: IPv6 first', async () => {
      const s = await api.created(svc('require-v6', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] }));
      assert.equal(s.spec.ipFamilyPolicy, 'RequireDualStack');
      assert.deepEqual(s.spec.ipFamilies, ['IPv6', 'IPv4']);
      assert.equal(s.spec.clusterIPs?.length, 2);
      assert.equal(s.spec.clusterIP, s.spec.clusterIPs[0]);
      assertV6InRange(s.spec.clusterIPs[0]);
      assertV4InRange(s.spec.clusterIPs[1]);
    });

    test('RequireDualStack with no families: primary first', async () => {
      const s = await api.created(svc('require', { ipFamilyPolicy: 'RequireDualStack' }));
      assert.deepEqual(s.spec.ipFamilies, ['IPv4', 'IPv6']);
      assertV4InRange(s.spec.clusterIPs?.[0]);
      assertV6InRange(s.spec.clusterIPs?.[1]);
    });

    test('PreferDualStack with an IPv6 clusterIP: families inferred from it, IPv6 first', async () => {
      const s = await api.created(svc('prefer-v6ip', { ipFamilyPolicy: 'PreferDualStack', clusterIP: 'fd00:10:96::6:1', clusterIPs: ['fd00:10:96::6:1'] }));
      assert.deepEqual(s.spec.ipFamilies, ['IPv6', 'IPv4']);
      assert.equal(s.spec.clusterIPs?.[0], 'fd00:10:96::6:1');
      assertV4InRange(s.spec.clusterIPs?.[1]);
    });

    test('headless with a selector: single-stack primary, no IPs', async () => {
      const s = await api.created(svc('headless-sel', { clusterIP: 'None' }));
      assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
      assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
      assert.deepEqual(s.spec.clusterIPs, ['None']);
    });

    test('headless selectorless: RequireDualStack, both families, no IPs', async () => {
      const s = await api.created({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless-nosel' }, spec: { clusterIP: 'None', ports } });
      assert.equal(s.spec.ipFamilyPolicy, 'RequireDualStack');
      assert.deepEqual(s.spec.ipFamilies, ['IPv4', 'IPv6']);
      assert.equal(s.spec.clusterIP, 'None');
      assert.deepEqual(s.spec.clusterIPs, ['None']);
    });

    test('headless selectorless with ipFamilies [IPv6]: IPv6 first', async () => {
      const s = await api.created({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'headless-nosel-v6' },
        spec: { clusterIP: 'None', ipFamilies: ['IPv6'] },
      });
      assert.equal(s.spec.ipFamilyPolicy, 'RequireDualStack');
      assert.deepEqual(s.spec.ipFamilies, ['IPv6', 'IPv4']);
      assert.deepEqual(s.spec.clusterIPs, ['None']);
    });
  });

  describe('requested cluster IPs', () => {
    test('explicit clusterIPs in both families are honoured', async () => {
      const s = await api.created(svc('explicit', { ipFamilyPolicy: 'PreferDualStack', clusterIP: '10.96.7.7', clusterIPs: ['10.96.7.7', 'fd00:10:96::7:7'] }));
      assert.equal(s.spec.clusterIP, '10.96.7.7');
      assert.deepEqual(s.spec.clusterIPs, ['10.96.7.7', 'fd00:10:96::7:7']);
      assert.deepEqual(s.spec.ipFamilies, ['IPv4', 'IPv6']);
    });

    test('explicit clusterIPs IPv6 first, with RequireDualStack', async () => {
      const s = await api.created(
        svc('explicit-v6', { ipFamilyPolicy: 'RequireDualStack', clusterIP: 'fd00:10:96::7:8', clusterIPs: ['fd00:10:96::7:8', '10.96.7.8'] }),
      );
      assert.deepEqual(s.spec.clusterIPs, ['fd00:10:96::7:8', '10.96.7.8']);
      assert.deepEqual(s.spec.ipFamilies, ['IPv6', 'IPv4']);
    });

    test('two clusterIPs with no policy: the SingleStack default refuses them', async () => {
      const res = await api.create(svc('two-no-policy', { clusterIP: '10.96.7.9', clusterIPs: ['10.96.7.9', 'fd00:10:96::7:9'] }));
      assertInvalid(res, 'two-no-policy', 'spec.ipFamilyPolicy', /must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified/);
    });

    test('an IPv4 already held: 422 at spec.clusterIPs', async () => {
      const res = await api.create(svc('dup-v4', { ipFamilyPolicy: 'PreferDualStack', clusterIP: '10.96.7.7', clusterIPs: ['10.96.7.7'] }));
      assertInvalid(res, 'dup-v4', 'spec.clusterIPs', /failed to allocate IP 10\.96\.7\.7: provided IP is already allocated/);
    });

    test('an IPv6 already held: 422 at spec.clusterIPs, also when spelt differently', async () => {
      const same = await api.create(svc('dup-v6', { ipFamilies: ['IPv6'], clusterIP: 'fd00:10:96::7:7', clusterIPs: ['fd00:10:96::7:7'] }));
      assertInvalid(same, 'dup-v6', 'spec.clusterIPs', /provided IP is already allocated/);
      for (const spelling of ['fd00:10:96::0:7:7', 'fd00:10:96:0:0:0:7:7', 'FD00:0010:0096::0007:0007']) {
        const res = await api.create(svc('dup-v6', { ipFamilies: ['IPv6'], clusterIP: spelling, clusterIPs: [spelling] }));
        assertInvalid(res, 'dup-v6', 'spec.clusterIPs', /provided IP is already allocated/);
      }
    });

    test('a dry-run create shows both IPs and holds neither', async () => {
      const obj = svc('dry', { ipFamilyPolicy: 'PreferDualStack', clusterIP: '10.96.11.11', clusterIPs: ['10.96.11.11', 'fd00:10:96::b:b'] });
      const dry = await api.createDryRun(obj);
      assert.equal(dry.status, 201, JSON.stringify(dry.body));
      assert.deepEqual(dry.body.spec.clusterIPs, ['10.96.11.11', 'fd00:10:96::b:b']);
      assert.equal((await api.get('dry')).status, 404);
      const real = await api.created(obj);
      assert.deepEqual(real.spec.clusterIPs, ['10.96.11.11', 'fd00:10:96::b:b']);
    });

    test('a failed create keeps nothing: the free IP it asked for alongside a held one stays free', async () => {
      const res = await api.create(
        svc('half-held', { ipFamilyPolicy: 'RequireDualStack', clusterIP: '10.96.8.8', clusterIPs: ['10.96.8.8', 'fd00:10:96::7:7'] }),
      );
      assertInvalid(res, 'half-held', 'spec.clusterIPs', /provided IP is already allocated/);
      assert.equal((await api.get('half-held')).status, 404);
      const s = await api.created(svc('takes-8-8', { clusterIP: '10.96.8.8', clusterIPs: ['10.96.8.8'] }));
      assert.equal(s.spec.clusterIP, '10.96.8.8');
    });

    test('an IP outside its CIDR: 422 not in the valid range', async () => {
      const v6 = await api.create(svc('out-v6', { ipFamilies: ['IPv6'], clusterIP: 'fd00:10:97::5', clusterIPs: ['fd00:10:97::5'] }));
      assertInvalid(
        v6,
        'out-v6',
        'spec.clusterIPs',
        /the provided IP \(fd00:10:97::5\) is not in the valid range\. The range of valid IPs is fd00:10:96::\/108/,
      );
      const v4 = await api.create(svc('out-v4', { ipFamilyPolicy: 'PreferDualStack', clusterIP: '10.112.0.5', clusterIPs: ['10.112.0.5'] }));
      assertInvalid(v4, 'out-v4', 'spec.clusterIPs', /not in the valid range/);
      const secondary = await api.create(
        svc('out-second', { ipFamilyPolicy: 'PreferDualStack', clusterIP: '10.96.9.9', clusterIPs: ['10.96.9.9', 'fd00:10:96::10:0'] }),
      );
      assertInvalid(secondary, 'out-second', 'spec.clusterIPs', /not in the valid range/);
      // ... and the IPv4 it would have had is still free.
      await api.created(svc('takes-9-9', { clusterIP: '10.96.9.9', clusterIPs: ['10.96.9.9'] }));
    });

    test('the network address of the IPv6 CIDR is not lendable', async () => {
      const res = await api.create(svc('v6-network', { ipFamilies: ['IPv6'], clusterIP: 'fd00:10:96::', clusterIPs: ['fd00:10:96::'] }));
      assertInvalid(res, 'v6-network', 'spec.clusterIPs', /not in the valid range/);
      // The last address of an IPv6 range is (there is no broadcast).
      const last = await api.created(svc('v6-last', { ipFamilies: ['IPv6'], clusterIP: 'fd00:10:96::f:ffff', clusterIPs: ['fd00:10:96::f:ffff'] }));
      assert.deepEqual(last.spec.clusterIPs, ['fd00:10:96::f:ffff']);
    });

    test('a clusterIP of the wrong family for ipFamilies: 422 at spec.clusterIPs[0]', async () => {
      const res = await api.create(svc('wrong-family', { ipFamilies: ['IPv6'], clusterIP: '10.96.10.10', clusterIPs: ['10.96.10.10'] }));
      assertInvalid(res, 'wrong-family', 'spec.clusterIPs[0]', /expected an IPv6 value as indicated by `ipFamilies\[0\]`/);
    });

    test('two IPs of one family: 422', async () => {
      const res = await api.create(
        svc('same-family', { ipFamilyPolicy: 'RequireDualStack', clusterIP: '10.96.10.11', clusterIPs: ['10.96.10.11', '10.96.10.12'] }),
      );
      assertInvalid(res, 'same-family', 'spec.clusterIPs', /may specify no more than one IP for each IP family/);
    });
  });

  describe('updates', () => {
    test('upgrade by merge patch SingleStack -> PreferDualStack: a secondary IP, the primary unchanged', async () => {
      const before = await api.created(svc('up', {}));
      assert.equal(before.spec.ipFamilyPolicy, 'SingleStack');
      const primary = before.spec.clusterIP!;
      const after = await api.patched('up', { spec: { ipFamilyPolicy: 'PreferDualStack' } });
      assert.equal(after.spec.ipFamilyPolicy, 'PreferDualStack');
      assert.deepEqual(after.spec.ipFamilies, ['IPv4', 'IPv6']);
      assert.equal(after.spec.clusterIP, primary);
      assert.equal(after.spec.clusterIPs?.length, 2);
      assert.equal(after.spec.clusterIPs[0], primary);
      assertV6InRange(after.spec.clusterIPs[1]);
      assert.deepEqual((await api.get('up')).body, after);
      // The new secondary is held.
      const taken = await api.create(svc('up-probe', { ipFamilies: ['IPv6'], clusterIP: after.spec.clusterIPs[1], clusterIPs: [after.spec.clusterIPs[1]] }));
      assertInvalid(taken, 'up-probe', 'spec.clusterIPs', /provided IP is already allocated/);
    });

    test('upgrade naming the secondary IP: that IP is taken', async () => {
      const before = await api.created(svc('up-named', {}));
      const primary = before.spec.clusterIP!;
      const after = await api.patched('up-named', { spec: { ipFamilyPolicy: 'RequireDualStack', clusterIPs: [primary, 'fd00:10:96::a:1'] } });
      assert.deepEqual(after.spec.clusterIPs, [primary, 'fd00:10:96::a:1']);
      assert.deepEqual(after.spec.ipFamilies, ['IPv4', 'IPv6']);
    });

    test('downgrade PreferDualStack -> SingleStack keeps the primary and frees the secondary', async () => {
      const before = await api.created(svc('down', { ipFamilyPolicy: 'PreferDualStack' }));
      const [primary, secondary] = before.spec.clusterIPs!;
      const after = await api.patched('down', { spec: { ipFamilyPolicy: 'SingleStack' } });
      assert.equal(after.spec.ipFamilyPolicy, 'SingleStack');
      assert.deepEqual(after.spec.ipFamilies, ['IPv4']);
      assert.equal(after.spec.clusterIP, primary);
      assert.deepEqual(after.spec.clusterIPs, [primary]);
      assert.deepEqual((await api.get('down')).body, after);
      // The secondary is free: another Service gets exactly it.
      const probe = await api.created(svc('down-probe', { ipFamilies: ['IPv6'], clusterIP: secondary, clusterIPs: [secondary] }));
      assert.deepEqual(probe.spec.clusterIPs, [secondary]);
      // The primary is still held.
      const held = await api.create(svc('down-probe2', { clusterIP: primary, clusterIPs: [primary] }));
      assertInvalid(held, 'down-probe2', 'spec.clusterIPs', /provided IP is already allocated/);
    });

    test('dropping the secondary without SingleStack: 422 at spec.ipFamilyPolicy', async () => {
      const before = await api.created(svc('down-bad', { ipFamilyPolicy: 'PreferDualStack' }));
      const [primary] = before.spec.clusterIPs!;
      const res = await api.patch('down-bad', { spec: { clusterIPs: [primary], ipFamilies: ['IPv4'] } });
      assertInvalid(res, 'down-bad', 'spec.ipFamilyPolicy', /must be 'SingleStack' to release the secondary cluster IP/);
      assert.deepEqual((await api.get('down-bad')).body, before);
    });

    test('changing ipFamilies[0] of a single-stack service: 422, nothing changes', async () => {
      const before = await api.created(svc('flip1', {}));
      // Pre-validation: the kept IPv4 clusterIP no longer matches ipFamilies[0].
      const res = await api.patch('flip1', { spec: { ipFamilies: ['IPv6'] } });
      assertInvalid(res, 'flip1', 'spec.clusterIPs[0]', /expected an IPv6 value as indicated by `ipFamilies\[0\]`/);
      assert.deepEqual((await api.get('flip1')).body, before);
    });

    test('changing ipFamilies[0] of a dual-stack service: 422 may not change once set', async () => {
      const before = await api.created(svc('flip2', { ipFamilyPolicy: 'PreferDualStack' }));
      const [v4, v6] = before.spec.clusterIPs!;
      const res = await api.patch('flip2', { spec: { ipFamilies: ['IPv6', 'IPv4'], clusterIP: v6, clusterIPs: [v6, v4] } });
      assertInvalid(res, 'flip2', 'spec.ipFamilies[0]', /may not change once set/);
      const fields = (res.body as Status).details.causes.map((c) => c.field);
      assert.ok(fields.includes('spec.clusterIPs[0]'), JSON.stringify(res.body));
      assert.deepEqual((await api.get('flip2')).body, before);
    });

    test('PUT of the original manifest (no IP fields) keeps both IPs and the families', async () => {
      const before = await api.created(svc('put-same', { ipFamilyPolicy: 'PreferDualStack' }));
      const res = await api.replace('put-same', {
        ...svc('put-same', { ipFamilyPolicy: 'PreferDualStack' }),
        metadata: { name: 'put-same', resourceVersion: before.metadata.resourceVersion },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.spec.clusterIPs, before.spec.clusterIPs);
      assert.deepEqual(res.body.spec.ipFamilies, ['IPv4', 'IPv6']);
      assert.equal(res.body.spec.ipFamilyPolicy, 'PreferDualStack');
    });

    test('PUT with ipFamilyPolicy SingleStack and no IP fields downgrades and frees the secondary', async () => {
      const before = await api.created(svc('put-down', { ipFamilyPolicy: 'PreferDualStack' }));
      const [primary, secondary] = before.spec.clusterIPs!;
      const res = await api.replace('put-down', {
        ...svc('put-down', { ipFamilyPolicy: 'SingleStack' }),
        metadata: { name: 'put-down', resourceVersion: before.metadata.resourceVersion },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.spec.clusterIPs, [primary]);
      assert.deepEqual(res.body.spec.ipFamilies, ['IPv4']);
      await api.created(svc('put-down-probe', { ipFamilies: ['IPv6'], clusterIP: secondary, clusterIPs: [secondary] }));
    });

    test('downgrade then upgrade again: a secondary IP again, the primary unchanged', async () => {
      const before = await api.created(svc('down-up', { ipFamilyPolicy: 'PreferDualStack' }));
      const [primary] = before.spec.clusterIPs!;
      await api.patched('down-up', { spec: { ipFamilyPolicy: 'SingleStack' } });
      const again = await api.patched('down-up', { spec: { ipFamilyPolicy: 'RequireDualStack' } });
      assert.equal(again.spec.clusterIPs?.[0], primary);
      assert.equal(again.spec.clusterIPs?.length, 2);
      assertV6InRange(again.spec.clusterIPs?.[1]);
      assert.deepEqual(again.spec.ipFamilies, ['IPv4', 'IPv6']);
    });

    test('a PreferDualStack service left alone by an unrelated patch keeps both IPs', async () => {
      const before = await api.created(svc('untouched', { ipFamilyPolicy: 'PreferDualStack' }));
      const after = await api.patched('untouched', { metadata: { labels: { a: 'b' } }, spec: { selector: { app: 'other' } } });
      assert.deepEqual(after.spec.clusterIPs, before.spec.clusterIPs);
      assert.deepEqual(after.spec.ipFamilies, before.spec.ipFamilies);
    });
  });

  describe('release', () => {
    test('deleting a dual-stack Service frees both IPs', async () => {
      const s = await api.created(svc('gone', { ipFamilyPolicy: 'PreferDualStack' }));
      const ips = s.spec.clusterIPs!;
      await api.deleted('gone');
      const again = await api.created(svc('gone-again', { ipFamilyPolicy: 'RequireDualStack', clusterIP: ips[0], clusterIPs: ips }));
      assert.deepEqual(again.spec.clusterIPs, ips);
      assert.deepEqual(again.spec.ipFamilies, ['IPv4', 'IPv6']);
    });

    test('deleting an IPv6-first Service frees both IPs', async () => {
      const s = await api.created(svc('gone6', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] }));
      const [v6, v4] = s.spec.clusterIPs!;
      await api.deleted('gone6');
      await api.created(svc('gone6-a', { ipFamilies: ['IPv6'], clusterIP: v6, clusterIPs: [v6] }));
      await api.created(svc('gone6-b', { ipFamilies: ['IPv4'], clusterIP: v4, clusterIPs: [v4] }));
    });

    test('ClusterIP (PreferDualStack) -> ExternalName frees both IPs; back to ClusterIP allocates both', async () => {
      const s = await api.created(svc('flipper', { ipFamilyPolicy: 'PreferDualStack' }));
      const ips = s.spec.clusterIPs!;
      assert.equal(ips.length, 2);

      const ext = await api.patched('flipper', { spec: { type: 'ExternalName', externalName: 'db.example.com' } });
      assert.equal(ext.spec.type, 'ExternalName');
      assert.equal(ext.spec.clusterIP, undefined);
      assert.equal(ext.spec.clusterIPs, undefined);
      assert.equal(ext.spec.ipFamilies, undefined);
      assert.equal(ext.spec.ipFamilyPolicy, undefined);

      // Both are free: one Service takes exactly them, then gives them back.
      await api.created(svc('flipper-probe', { ipFamilyPolicy: 'RequireDualStack', clusterIP: ips[0], clusterIPs: ips }));
      await api.deleted('flipper-probe');

      const back = await api.patched('flipper', { spec: { type: 'ClusterIP', externalName: null, ipFamilyPolicy: 'PreferDualStack' } });
      assert.equal(back.spec.type, 'ClusterIP');
      assert.equal(back.spec.ipFamilyPolicy, 'PreferDualStack');
      assert.deepEqual(back.spec.ipFamilies, ['IPv4', 'IPv6']);
      assert.equal(back.spec.clusterIPs?.length, 2);
      assert.equal(back.spec.clusterIP, back.spec.clusterIPs[0]);
      assertV4InRange(back.spec.clusterIPs[0]);
      assertV6InRange(back.spec.clusterIPs[1]);
      // Both new IPs are held.
      for (const [i, family] of [
        [0, 'IPv4'],
        [1, 'IPv6'],
      ] as const) {
        const ip = back.spec.clusterIPs[i];
        const res = await api.create(svc('flipper-probe2', { ipFamilies: [family], clusterIP: ip, clusterIPs: [ip] }));
        assertInvalid(res, 'flipper-probe2', 'spec.clusterIPs', /provided IP is already allocated/);
      }
    });

    test('ExternalName -> ClusterIP PreferDualStack allocates both; deleting frees both', async () => {
      await api.created({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'ext-first' },
        spec: { type: 'ExternalName', externalName: 'db.example.com', ports },
      });
      const s = await api.patched('ext-first', { spec: { type: 'ClusterIP', externalName: null, ipFamilyPolicy: 'PreferDualStack' } });
      assert.deepEqual(s.spec.ipFamilies, ['IPv4', 'IPv6']);
      const ips = s.spec.clusterIPs!;
      assertV4InRange(ips[0]);
      assertV6InRange(ips[1]);
      await api.deleted('ext-first');
      await api.created(svc('ext-first-probe', { ipFamilyPolicy: 'PreferDualStack', clusterIP: ips[0], clusterIPs: ips }));
    });
  });
});

describe('an IPv4-only cluster (the default 10.96.0.0/12)', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(async () => t?.stop());
  const api = client(() => t);

  test('no policy: SingleStack IPv4', async () => {
    const s = await api.created(svc('plain', {}));
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    assertV4InRange(s.spec.clusterIP);
  });

  test('PreferDualStack: one IPv4, policy kept', async () => {
    const s = await api.created(svc('prefer', { ipFamilyPolicy: 'PreferDualStack' }));
    assert.equal(s.spec.ipFamilyPolicy, 'PreferDualStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    assert.equal(s.spec.clusterIPs?.length, 1);
    assertV4InRange(s.spec.clusterIP);
  });

  test('a cluster IP written with leading zeros is kept as written and holds the address it denotes (ParseIPSloppy)', async () => {
    const s = await api.created(svc('zeros', { clusterIP: '010.96.0.77' }));
    assert.deepEqual(s.spec.clusterIPs, ['010.96.0.77']);
    assertInvalid(await api.create(svc('zeros-clash', { clusterIP: '10.96.0.77' })), 'zeros-clash', 'spec.clusterIPs', /provided IP is already allocated/);
    await api.deleted('zeros');
    await api.created(svc('zeros-after', { clusterIP: '10.96.0.77' }));
  });

  test('RequireDualStack: 422 at spec.ipFamilyPolicy', async () => {
    const res = await api.create(svc('require', { ipFamilyPolicy: 'RequireDualStack' }));
    assertInvalid(res, 'require', 'spec.ipFamilyPolicy', /this cluster is not configured for dual-stack services/);
  });

  test('ipFamilies [IPv6]: 422 at spec.ipFamilies[0]', async () => {
    const res = await api.create(svc('v6', { ipFamilies: ['IPv6'] }));
    assertInvalid(res, 'v6', 'spec.ipFamilies[0]', /not configured on this cluster/);
  });

  test('ipFamilies [IPv4, IPv6] with PreferDualStack: 422 at spec.ipFamilies[1]', async () => {
    const res = await api.create(svc('v4v6', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] }));
    assertInvalid(res, 'v4v6', 'spec.ipFamilies[1]', /not configured on this cluster/);
  });

  test('an IPv6 clusterIP: 422 at spec.clusterIPs[0]', async () => {
    const res = await api.create(svc('v6ip', { clusterIP: 'fd00:10:96::5', clusterIPs: ['fd00:10:96::5'] }));
    assertInvalid(res, 'v6ip', 'spec.clusterIPs[0]', /IPv6 is not configured on this cluster/);
  });

  test('headless selectorless still gets both families (no IPs to allocate)', async () => {
    const s = await api.created({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless' }, spec: { clusterIP: 'None' } });
    assert.equal(s.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4', 'IPv6']);
    assert.deepEqual(s.spec.clusterIPs, ['None']);
  });

  test('upgrade to PreferDualStack on a single-stack cluster stays single-stack', async () => {
    const before = await api.created(svc('up', {}));
    const after = await api.patched('up', { spec: { ipFamilyPolicy: 'PreferDualStack' } });
    assert.equal(after.spec.ipFamilyPolicy, 'PreferDualStack');
    assert.deepEqual(after.spec.ipFamilies, ['IPv4']);
    assert.deepEqual(after.spec.clusterIPs, before.spec.clusterIPs);
  });

  test('upgrade to RequireDualStack on a single-stack cluster: 422', async () => {
    await api.created(svc('up-require', {}));
    const res = await api.patch('up-require', { spec: { ipFamilyPolicy: 'RequireDualStack' } });
    assertInvalid(res, 'up-require', 'spec.ipFamilyPolicy', /this cluster is not configured for dual-stack services/);
  });
});

describe('an IPv6-only cluster (fd00:10:96::/108)', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ serviceCidr: V6_ONLY });
  });
  after(async () => t?.stop());
  const api = client(() => t);

  test('the kubernetes Service holds fd00:10:96::1', async () => {
    const k = await api.get('kubernetes');
    assert.equal(k.status, 200);
    assert.deepEqual(k.body.spec.clusterIPs, ['fd00:10:96::1']);
    assert.deepEqual(k.body.spec.ipFamilies, ['IPv6']);
  });

  test('no policy: SingleStack IPv6', async () => {
    const s = await api.created(svc('plain', {}));
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv6']);
    assert.equal(s.spec.clusterIPs?.length, 1);
    assertV6InRange(s.spec.clusterIP);
  });

  test('PreferDualStack: one IPv6', async () => {
    const s = await api.created(svc('prefer', { ipFamilyPolicy: 'PreferDualStack' }));
    assert.deepEqual(s.spec.ipFamilies, ['IPv6']);
    assert.equal(s.spec.clusterIPs?.length, 1);
    assertV6InRange(s.spec.clusterIP);
  });

  test('RequireDualStack: 422 at spec.ipFamilyPolicy', async () => {
    const res = await api.create(svc('require', { ipFamilyPolicy: 'RequireDualStack' }));
    assertInvalid(res, 'require', 'spec.ipFamilyPolicy', /this cluster is not configured for dual-stack services/);
  });

  test('ipFamilies [IPv4]: 422 at spec.ipFamilies[0]', async () => {
    const res = await api.create(svc('v4', { ipFamilies: ['IPv4'] }));
    assertInvalid(res, 'v4', 'spec.ipFamilies[0]', /not configured on this cluster/);
  });

  test('an explicit IPv6 in any spelling is kept as sent and held under one key', async () => {
    const s = await api.created(svc('spelt', { clusterIP: 'fd00:10:96::0:42', clusterIPs: ['fd00:10:96::0:42'] }));
    // kube-apiserver stores the requested string as it came (alloc.go allocIPs: allocated[family] = ip).
    assert.deepEqual(s.spec.clusterIPs, ['fd00:10:96::0:42']);
    const res = await api.create(svc('spelt2', { clusterIP: 'fd00:10:96::42', clusterIPs: ['fd00:10:96::42'] }));
    assertInvalid(res, 'spelt2', 'spec.clusterIPs', /provided IP is already allocated/);
    await api.deleted('spelt');
    await api.created(svc('spelt3', { clusterIP: 'fd00:10:96::42', clusterIPs: ['fd00:10:96::42'] }));
  });

  test('headless selectorless: RequireDualStack, IPv6 first', async () => {
    const s = await api.created({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless' }, spec: { clusterIP: 'None' } });
    assert.equal(s.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv6', 'IPv4']);
    assert.deepEqual(s.spec.clusterIPs, ['None']);
  });
});
