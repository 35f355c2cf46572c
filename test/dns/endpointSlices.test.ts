// Headless Services on a real server, answered from EndpointSlices written through the API
// (POST /apis/discovery.k8s.io/v1/namespaces/NS/endpointslices), asked by dig and by Node's
// resolver: ready endpoints, hostnames, SRV per endpoint, PTR, NXDOMAIN with none ready,
// publishNotReadyAddresses, and the TCP fallback of an answer with 100 addresses.
//
// Run: node --import tsx --test test/dns/endpointSlices.test.ts
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, describe, test } from 'node:test';
import { ask, dataOf, dig, digSkip } from '../support/dns.js';
import { startServer, type TestServer } from '../support/server.js';

if (digSkip) console.log(`# skipping the dig tests: ${digSkip}`);

async function api(t: TestServer, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
  const res = await fetch(`${t.url}${path}`, { method, headers: { 'content-type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean };
  hostname?: string;
}

const slice = (name: string, service: string, addressType: 'IPv4' | 'IPv6', endpoints: Endpoint[], ports = [{ name: 'pg', port: 5432, protocol: 'TCP' }]) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, labels: { 'kubernetes.io/service-name': service } },
  addressType,
  endpoints,
  ports,
});

const slices = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';
const headless = (name: string) => ({ metadata: { name }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } });

describe('headless Services from EndpointSlices', () => {
  let t: TestServer;
  let port: number;
  let resolver: Resolver;

  before(async () => {
    t = await startServer({ dnsPort: 0 });
    port = t.server.dns!.address!.port;
    resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    await api(t, 'POST', '/api/v1/namespaces/default/services', headless('db'));
  });
  after(() => t.stop());

  test('with no endpoints the name does not exist: NXDOMAIN with the SOA', async () => {
    const reply = await ask(port, 'db.default.svc.cluster.local', 'A');
    assert.equal(reply.rcodeNumber, 3);
    assert.equal(reply.authorities![0].type, 'SOA');
  });

  test('one A per ready endpoint (a missing ready condition counts as ready); not-ready ones are left out', async () => {
    await api(
      t,
      'POST',
      slices,
      slice('db-a', 'db', 'IPv4', [
        { addresses: ['10.1.0.1'], conditions: { ready: true }, hostname: 'db-0' },
        { addresses: ['10.1.0.2'] },
        { addresses: ['10.1.0.3'], conditions: { ready: false }, hostname: 'db-2' },
      ]),
    );
    assert.deepEqual((await resolver.resolve4('db.default.svc.cluster.local')).sort(), ['10.1.0.1', '10.1.0.2']);
    assert.deepEqual(await resolver.resolve4('db-0.db.default.svc.cluster.local'), ['10.1.0.1']);
    assert.deepEqual(await resolver.resolve4('10-1-0-2.db.default.svc.cluster.local'), ['10.1.0.2']);
    assert.equal((await ask(port, 'db-2.db.default.svc.cluster.local', 'A')).rcodeNumber, 3);
  });

  test('dig: A records, SRV per ready endpoint with the endpoint names and their glue, PTR of an endpoint', { skip: digSkip }, async () => {
    const a = await dig(port, 'db.default.svc.cluster.local');
    assert.ok(a.flags.includes('aa'));
    assert.deepEqual(
      a.answer.map((r) => r.slice(1)),
      [
        ['30', 'IN', 'A', '10.1.0.1'],
        ['30', 'IN', 'A', '10.1.0.2'],
      ],
    );
    const srv = await dig(port, 'SRV', '_pg._tcp.db.default.svc.cluster.local');
    assert.deepEqual(
      srv.answer.map((r) => r.slice(4)),
      [
        ['0', '50', '5432', 'db-0.db.default.svc.cluster.local.'],
        ['0', '50', '5432', '10-1-0-2.db.default.svc.cluster.local.'],
      ],
    );
    assert.deepEqual(
      srv.additional.map((r) => [r[0], r[4]]),
      [
        ['db-0.db.default.svc.cluster.local.', '10.1.0.1'],
        ['10-1-0-2.db.default.svc.cluster.local.', '10.1.0.2'],
      ],
    );
    assert.deepEqual(
      (await dig(port, '-x', '10.1.0.1')).answer.map((r) => r[4]),
      ['db-0.db.default.svc.cluster.local.'],
    );
  });

  test('IPv6 endpoints answer AAAA', async () => {
    await api(t, 'POST', slices, slice('db-b', 'db', 'IPv6', [{ addresses: ['fd00:1::7'], hostname: 'db-v6' }]));
    assert.deepEqual(await resolver.resolve6('db.default.svc.cluster.local'), ['fd00:1::7']);
    assert.deepEqual(await resolver.resolve6('db-v6.db.default.svc.cluster.local'), ['fd00:1::7']);
    await api(t, 'DELETE', `${slices}/db-b`);
  });

  test('when no endpoint is ready the name goes away; publishNotReadyAddresses brings the not-ready ones back', async () => {
    await api(t, 'PUT', `${slices}/db-a`, slice('db-a', 'db', 'IPv4', [{ addresses: ['10.1.0.3'], conditions: { ready: false }, hostname: 'db-2' }]));
    assert.equal((await ask(port, 'db.default.svc.cluster.local', 'A')).rcodeNumber, 3);
    await api(t, 'PATCH', '/api/v1/namespaces/default/services/db', { spec: { publishNotReadyAddresses: true } }, 'application/merge-patch+json');
    assert.deepEqual(await resolver.resolve4('db.default.svc.cluster.local'), ['10.1.0.3']);
    assert.deepEqual(await resolver.resolve4('db-2.db.default.svc.cluster.local'), ['10.1.0.3']);
  });

  test('100 endpoints: the UDP answer is truncated (TC), and dig and Node retry over TCP for all of them', async () => {
    await api(t, 'POST', '/api/v1/namespaces/default/services', headless('big'));
    const addresses = Array.from({ length: 100 }, (_, i) => `10.2.${i >> 8}.${(i & 0xff) + 1}`);
    await api(
      t,
      'POST',
      slices,
      slice(
        'big-a',
        'big',
        'IPv4',
        addresses.map((a) => ({ addresses: [a] })),
      ),
    );
    const udp = await ask(port, 'big.default.svc.cluster.local', 'A', { udpSize: 1232 });
    assert.equal(udp.flag_tc, true);
    assert.ok(udp.raw.length <= 1232);
    const tcp = await ask(port, 'big.default.svc.cluster.local', 'A', { tcp: true });
    assert.equal(tcp.flag_tc, false);
    assert.deepEqual(dataOf(tcp.answers, 'A'), addresses);
    assert.deepEqual((await resolver.resolve4('big.default.svc.cluster.local')).sort(), [...addresses].sort());
    if (!digSkip) {
      const r = await dig(port, 'big.default.svc.cluster.local');
      assert.equal(r.transport, 'TCP', 'dig retried over TCP');
      assert.equal(r.answer.length, 100);
    }
  });
});
