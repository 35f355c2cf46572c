// The service DNS responder of a real server (--dns-port 0 on loopback), asked by dig and by
// Node's own resolver (c-ares, dns.promises.Resolver with setServers) for every record type, and
// followed through writes to the API.
//
// Run: node --import tsx --test test/dns/responder.test.ts
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, describe, test } from 'node:test';
import { ask, dataOf, dig, digSkip } from '../support/dns.js';
import { startServer, type TestServer } from '../support/server.js';

if (digSkip) console.log(`# skipping the dig tests: ${digSkip}`);

interface Svc {
  metadata: { name: string; namespace: string };
  spec: { clusterIP: string; clusterIPs: string[] };
}

async function api(t: TestServer, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Svc> {
  const res = await fetch(`${t.url}${path}`, { method, headers: { 'content-type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json as Svc;
}

const createService = (t: TestServer, spec: Record<string, unknown>, name: string, namespace = 'default') =>
  api(t, 'POST', `/api/v1/namespaces/${namespace}/services`, { metadata: { name }, spec });

const err = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
  return 'no error';
};

describe('service DNS on a real server', () => {
  let t: TestServer;
  let port: number;
  let resolver: Resolver;
  let backend: Svc;

  before(async () => {
    t = await startServer({ dnsPort: 0 });
    port = t.server.dns!.address!.port;
    resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    backend = await createService(t, { selector: { app: 'backend' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }, 'backend-service');
    await createService(t, { selector: { app: 'solo' }, ports: [{ port: 5432 }] }, 'solo');
    await createService(t, { type: 'ExternalName', externalName: 'db.example.com' }, 'external-db');
  });
  after(() => t.stop());

  describe('with dig', { skip: digSkip }, () => {
    test('A: the cluster IP, authoritative, TTL 30', async () => {
      const r = await dig(port, 'backend-service.default.svc.cluster.local');
      assert.equal(r.status, 'NOERROR');
      assert.ok(r.flags.includes('aa'), r.output);
      assert.deepEqual(r.answer, [['backend-service.default.svc.cluster.local.', '30', 'IN', 'A', backend.spec.clusterIP]]);
    });

    test('AAAA of an IPv4 Service: NODATA with the SOA in authority', async () => {
      const r = await dig(port, 'AAAA', 'backend-service.default.svc.cluster.local');
      assert.equal(r.status, 'NOERROR');
      assert.deepEqual(r.answer, []);
      assert.equal(r.authority.length, 1);
      const [name, ttl, , type, mname, rname, , refresh, retry, expire, minimum] = r.authority[0];
      assert.deepEqual(
        [name, ttl, type, mname, rname, refresh, retry, expire, minimum],
        ['cluster.local.', '30', 'SOA', 'ns.dns.cluster.local.', 'hostmaster.cluster.local.', '7200', '1800', '86400', '30'],
      );
    });

    test('a name that does not exist: NXDOMAIN with the SOA, authoritative', async () => {
      const r = await dig(port, 'nope.default.svc.cluster.local');
      assert.equal(r.status, 'NXDOMAIN');
      assert.ok(r.flags.includes('aa'));
      assert.equal(r.authority[0][3], 'SOA');
    });

    test('SRV for a named port, with the address as glue; an unnamed port has no _port._proto name', async () => {
      const r = await dig(port, 'SRV', '_http._tcp.backend-service.default.svc.cluster.local');
      assert.deepEqual(r.answer, [
        ['_http._tcp.backend-service.default.svc.cluster.local.', '30', 'IN', 'SRV', '0', '100', '80', 'backend-service.default.svc.cluster.local.'],
      ]);
      assert.deepEqual(r.additional, [['backend-service.default.svc.cluster.local.', '30', 'IN', 'A', backend.spec.clusterIP]]);
      assert.equal((await dig(port, 'SRV', '_postgres._tcp.solo.default.svc.cluster.local')).status, 'NXDOMAIN');
    });

    test('PTR of the cluster IP (dig -x)', async () => {
      const r = await dig(port, '-x', backend.spec.clusterIP);
      assert.deepEqual(
        r.answer.map((rr) => rr.slice(3)),
        [['PTR', 'backend-service.default.svc.cluster.local.']],
      );
    });

    test('ExternalName: a CNAME to spec.externalName', async () => {
      const r = await dig(port, 'external-db.default.svc.cluster.local');
      assert.equal(r.status, 'NOERROR');
      assert.deepEqual(r.answer, [['external-db.default.svc.cluster.local.', '30', 'IN', 'CNAME', 'db.example.com.']]);
    });

    test('dns-version TXT, pods, the kubernetes Service, REFUSED outside the zone', async () => {
      assert.deepEqual((await dig(port, 'TXT', 'dns-version.cluster.local')).answer, [['dns-version.cluster.local.', '28800', 'IN', 'TXT', '"1.1.0"']]);
      assert.deepEqual((await dig(port, '10-244-0-5.default.pod.cluster.local')).answer[0].slice(3), ['A', '10.244.0.5']);
      assert.deepEqual((await dig(port, 'kubernetes.default.svc.cluster.local')).answer[0].slice(3), ['A', '10.96.0.1']);
      const refused = await dig(port, 'example.com');
      assert.equal(refused.status, 'REFUSED');
      assert.ok(!refused.flags.includes('aa'));
    });

    test('over TCP the same answers', async () => {
      const r = await dig(port, '+tcp', 'backend-service.default.svc.cluster.local');
      assert.equal(r.transport, 'TCP');
      assert.deepEqual(r.answer[0].slice(3), ['A', backend.spec.clusterIP]);
    });
  });

  describe("with Node's resolver", () => {
    test('resolve4 / resolve6: the address, ENODATA for the other family, ENOTFOUND for no name', async () => {
      assert.deepEqual(await resolver.resolve4('backend-service.default.svc.cluster.local', { ttl: true }), [{ address: backend.spec.clusterIP, ttl: 30 }]);
      assert.equal(await err(resolver.resolve6('backend-service.default.svc.cluster.local')), 'ENODATA');
      assert.equal(await err(resolver.resolve4('nope.default.svc.cluster.local')), 'ENOTFOUND');
    });

    test('resolveSrv, reverse, resolveCname, resolveTxt, resolveSoa', async () => {
      assert.deepEqual(await resolver.resolveSrv('_http._tcp.backend-service.default.svc.cluster.local'), [
        { name: 'backend-service.default.svc.cluster.local', port: 80, priority: 0, weight: 100 },
      ]);
      assert.deepEqual(await resolver.reverse(backend.spec.clusterIP), ['backend-service.default.svc.cluster.local']);
      assert.deepEqual(await resolver.resolveCname('external-db.default.svc.cluster.local'), ['db.example.com']);
      assert.deepEqual(await resolver.resolveTxt('dns-version.cluster.local'), [['1.1.0']]);
      const soa = await resolver.resolveSoa('cluster.local');
      assert.deepEqual(
        { ...soa, serial: 0 },
        {
          nsname: 'ns.dns.cluster.local',
          hostmaster: 'hostmaster.cluster.local',
          serial: 0,
          refresh: 7200,
          retry: 1800,
          expire: 86400,
          minttl: 30,
        },
      );
      assert.ok(soa.serial > 1_700_000_000, 'the serial is the time of the last change, in seconds');
      assert.equal(await err(resolver.resolveSrv('_postgres._tcp.solo.default.svc.cluster.local')), 'ENOTFOUND');
    });
  });

  test('a name follows its Service: it resolves, moves and goes away within 100 ms of each write', async () => {
    const name = 'moving.default.svc.cluster.local';
    /** Milliseconds from the write's answer until the responder answers as `expected` says. */
    const until = async (expected: (r: Awaited<ReturnType<typeof ask>>) => boolean) => {
      const start = performance.now();
      for (;;) {
        const r = await ask(port, name, 'A');
        if (expected(r)) return performance.now() - start;
        assert.ok(performance.now() - start < 2000, `still ${JSON.stringify(r.answers)} after 2 s`);
      }
    };
    const cnameTo = (target: string) => (r: Awaited<ReturnType<typeof ask>>) => dataOf(r.answers, 'CNAME')[0] === target;
    const timings: number[] = [];
    await createService(t, { type: 'ExternalName', externalName: 'first.example.com' }, 'moving');
    timings.push(await until(cnameTo('first.example.com')));
    await api(t, 'PATCH', '/api/v1/namespaces/default/services/moving', { spec: { externalName: 'second.example.com' } }, 'application/merge-patch+json');
    timings.push(await until(cnameTo('second.example.com')));
    const svc = await api(
      t,
      'PATCH',
      '/api/v1/namespaces/default/services/moving',
      { spec: { type: 'ClusterIP', externalName: null, ports: [{ port: 80 }] } },
      'application/merge-patch+json',
    );
    timings.push(await until((r) => dataOf(r.answers, 'A')[0] === svc.spec.clusterIP));
    await api(t, 'DELETE', '/api/v1/namespaces/default/services/moving');
    timings.push(await until((r) => r.rcodeNumber === 3));
    console.log(`# DNS answers followed the writes in ${timings.map((ms) => ms.toFixed(1)).join(', ')} ms`);
    for (const ms of timings) assert.ok(ms < 100, `${ms} ms`);
  });
});

describe('service DNS on a dual-stack server', () => {
  let t: TestServer;
  let port: number;
  let svc: Svc;

  before(async () => {
    t = await startServer({ dnsPort: 0, serviceCidr: '10.96.0.0/12,fd00:10:96::/108' });
    port = t.server.dns!.address!.port;
    svc = await createService(t, { ipFamilyPolicy: 'RequireDualStack', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }, 'web');
  });
  after(() => t.stop());

  test('A and AAAA, one per family of spec.clusterIPs, and PTR for both (dig)', { skip: digSkip }, async () => {
    const [v4, v6] = svc.spec.clusterIPs;
    assert.deepEqual(
      (await dig(port, 'A', 'web.default.svc.cluster.local')).answer.map((r) => r[4]),
      [v4],
    );
    assert.deepEqual(
      (await dig(port, 'AAAA', 'web.default.svc.cluster.local')).answer.map((r) => r[4]),
      [v6],
    );
    assert.deepEqual(
      (await dig(port, '-x', v6)).answer.map((r) => r[4]),
      ['web.default.svc.cluster.local.'],
    );
    const srv = await dig(port, 'SRV', '_http._tcp.web.default.svc.cluster.local');
    assert.deepEqual(
      srv.answer.map((r) => r.slice(4)),
      [['0', '50', '80', 'web.default.svc.cluster.local.']],
    );
    assert.deepEqual(
      srv.additional.map((r) => r[4]),
      [v4, v6],
    );
  });

  test("A and AAAA with Node's resolver", async () => {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    assert.deepEqual(await resolver.resolve4('web.default.svc.cluster.local'), [svc.spec.clusterIPs[0]]);
    assert.deepEqual(await resolver.resolve6('web.default.svc.cluster.local'), [svc.spec.clusterIPs[1]]);
    assert.deepEqual(await resolver.reverse(svc.spec.clusterIPs[1]), ['web.default.svc.cluster.local']);
  });
});
