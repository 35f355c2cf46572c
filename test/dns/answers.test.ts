// The responder's answers through its public interface (a ClusterView fed by a feed of objects,
// ServiceAnswers over it), case by case against what CoreDNS's kubernetes plugin answers in the
// usual Corefile. The wire, the sockets and the real watch are covered by responder.test.ts.
//
// Run: node --import tsx --test test/dns/answers.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Answer, SoaAnswer, StringAnswer } from 'dns-packet';
import { Rcode, ServiceAnswers } from '../../src/dns/answers.js';
import type { ClusterFeed, FeedEvent, FeedResource } from '../../src/dns/clusterFeed.js';
import { ClusterView } from '../../src/dns/clusterView.js';

/** A feed over objects held in memory: what a watch client would be sent. */
class MemoryFeed implements ClusterFeed {
  private readonly objects = new Map<FeedResource, Map<string, unknown>>();
  private readonly listeners = new Map<FeedResource, Set<(e: FeedEvent) => void>>();

  async watch(resource: FeedResource, onEvent: (e: FeedEvent) => void): Promise<() => void> {
    for (const object of this.of(resource).values()) onEvent({ type: 'ADDED', object });
    const set = this.listeners.get(resource) ?? new Set();
    this.listeners.set(resource, set.add(onEvent));
    return () => set.delete(onEvent);
  }

  put(resource: FeedResource, object: { metadata: { name: string; namespace?: string } }): void {
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    const type = this.of(resource).has(key) ? 'MODIFIED' : 'ADDED';
    this.of(resource).set(key, object);
    for (const l of this.listeners.get(resource) ?? []) l({ type, object });
  }

  remove(resource: FeedResource, object: { metadata: { name: string; namespace?: string } }): void {
    this.of(resource).delete(`${object.metadata.namespace}/${object.metadata.name}`);
    for (const l of this.listeners.get(resource) ?? []) l({ type: 'DELETED', object });
  }

  private of(resource: FeedResource): Map<string, unknown> {
    let map = this.objects.get(resource);
    if (!map) this.objects.set(resource, (map = new Map()));
    return map;
  }
}

interface Port {
  name?: string;
  port: number;
  protocol?: string;
}

const service = (name: string, spec: Record<string, unknown>, namespace = 'default') => ({
  metadata: { name, namespace },
  spec: { type: 'ClusterIP', ...spec },
});

interface Endpoint {
  addresses: string[];
  ready?: boolean | null;
  hostname?: string;
}

const slice = (name: string, svc: string, addressType: string, endpoints: Endpoint[], ports: Port[] = [], namespace = 'default') => ({
  metadata: { name, namespace, labels: { 'kubernetes.io/service-name': svc } },
  addressType,
  endpoints: endpoints.map((e) => ({
    addresses: e.addresses,
    conditions: e.ready === undefined ? {} : { ready: e.ready },
    ...(e.hostname ? { hostname: e.hostname } : {}),
  })),
  ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
});

async function cluster(ttl = 30) {
  const feed = new MemoryFeed();
  feed.put('namespaces', { metadata: { name: 'default' } });
  feed.put('namespaces', { metadata: { name: 'prod' } });
  const view = new ClusterView();
  await view.follow(feed);
  const answers = new ServiceAnswers(view, { clusterDomain: 'cluster.local', ttl, localIPs: [] });
  return { feed, view, answers };
}

const data = (records: Answer[], type?: string) => records.filter((r) => type === undefined || r.type === type).map((r) => ('data' in r ? r.data : undefined));

function assertSoa(records: Answer[], zone = 'cluster.local') {
  assert.equal(records.length, 1);
  const soa = records[0] as SoaAnswer;
  assert.equal(soa.type, 'SOA');
  assert.equal(soa.name, zone);
  assert.equal(soa.ttl, 30);
  assert.deepEqual(
    { ...soa.data, serial: 0 },
    {
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial: 0,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: 30,
    },
  );
}

describe('a ClusterIP Service', async () => {
  const { feed, answers } = await cluster();
  feed.put('services', service('web', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  feed.put('services', service('solo', { clusterIP: '10.96.0.11', clusterIPs: ['10.96.0.11'], ports: [{ port: 5432, protocol: 'TCP' }] }));

  test('A is its cluster IP, authoritative, with the TTL, the owner spelled as asked', () => {
    const reply = answers.answer('Web.Default.svc.Cluster.Local', 'A');
    assert.equal(reply.rcode, Rcode.NOERROR);
    assert.equal(reply.authoritative, true);
    assert.deepEqual(reply.answers, [{ name: 'Web.Default.svc.Cluster.Local', type: 'A', ttl: 30, data: '10.96.0.10' }]);
  });

  test('AAAA of a single-stack IPv4 Service is NODATA: NOERROR, no answer, the SOA in authority', () => {
    const reply = answers.answer('web.default.svc.cluster.local', 'AAAA');
    assert.equal(reply.rcode, Rcode.NOERROR);
    assert.deepEqual(reply.answers, []);
    assertSoa(reply.authorities);
  });

  test('SRV _<port>._<proto> for a named port: priority 0, weight 100, the Service as target, its address as glue', () => {
    const reply = answers.answer('_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(data(reply.answers), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    assert.deepEqual(reply.additionals, [{ name: 'web.default.svc.cluster.local', type: 'A', ttl: 30, data: '10.96.0.10' }]);
  });

  test('an unnamed port has no _<port>._<proto> name; the bare name still lists every port, as CoreDNS does', () => {
    assert.equal(answers.answer('_postgres._tcp.solo.default.svc.cluster.local', 'SRV').rcode, Rcode.NXDOMAIN);
    assert.equal(answers.answer('_http._udp.web.default.svc.cluster.local', 'SRV').rcode, Rcode.NXDOMAIN);
    assert.deepEqual(data(answers.answer('solo.default.svc.cluster.local', 'SRV').answers), [
      { priority: 0, weight: 100, port: 5432, target: 'solo.default.svc.cluster.local' },
    ]);
  });

  test('PTR of the cluster IP names the Service', () => {
    const reply = answers.answer('10.0.96.10.in-addr.arpa', 'PTR');
    assert.deepEqual(reply.answers, [{ name: '10.0.96.10.in-addr.arpa', type: 'PTR', ttl: 30, data: 'web.default.svc.cluster.local' }]);
    const none = answers.answer('99.0.96.10.in-addr.arpa', 'PTR');
    assert.equal(none.rcode, Rcode.NXDOMAIN);
    assertSoa(none.authorities, 'in-addr.arpa');
  });

  test('other types at an existing name are NODATA; TXT too; CNAME of an address is NODATA', () => {
    for (const type of ['MX', 'TXT', 'CNAME', 'HINFO', 'ANY', 'CAA', 'UNKNOWN_65', 'PTR', 'SOA']) {
      const reply = answers.answer('web.default.svc.cluster.local', type);
      assert.equal(reply.rcode, Rcode.NOERROR, type);
      assert.deepEqual(reply.answers, [], type);
      assertSoa(reply.authorities);
    }
  });

  test('names that do not exist are NXDOMAIN with the SOA, for every type', () => {
    for (const name of [
      'nope.default.svc.cluster.local',
      'web.nope.svc.cluster.local',
      'nope.svc.cluster.local',
      'x.cluster.local',
      'a.b.c.web.default.svc.cluster.local',
      '*.default.svc.cluster.local',
      'web.*.svc.cluster.local',
      '10-0-0-1.web.default.svc.cluster.local',
    ]) {
      for (const type of ['A', 'AAAA', 'SRV', 'TXT', 'MX']) {
        const reply = answers.answer(name, type);
        assert.equal(reply.rcode, Rcode.NXDOMAIN, `${type} ${name}`);
        assertSoa(reply.authorities);
      }
    }
  });

  test('the apex, svc., pod. and a namespace exist and hold nothing but what CoreDNS gives them', () => {
    for (const name of ['cluster.local', 'svc.cluster.local', 'pod.cluster.local', 'default.svc.cluster.local', 'prod.pod.cluster.local']) {
      const reply = answers.answer(name, 'A');
      assert.equal(reply.rcode, Rcode.NOERROR, name);
      assert.deepEqual(reply.answers, [], name);
    }
    const soa = answers.answer('cluster.local', 'SOA');
    assertSoa(soa.answers);
    // SOA below the apex is NODATA even where nothing exists (CoreDNS's handler only looks at the apex).
    assert.equal(answers.answer('nope.default.svc.cluster.local', 'SOA').rcode, Rcode.NOERROR);
    // TXT at a name that holds no record is NXDOMAIN (Kubernetes.Services' TXT case).
    assert.equal(answers.answer('cluster.local', 'TXT').rcode, Rcode.NXDOMAIN);
    // No bound address but loopback: NS at the apex has none to name.
    assert.deepEqual(answers.answer('cluster.local', 'NS').answers, []);
  });

  test('dns-version.<zone> TXT is the schema version with its own TTL', () => {
    assert.deepEqual(answers.answer('dns-version.cluster.local', 'TXT').answers, [
      { name: 'dns-version.cluster.local', type: 'TXT', ttl: 28800, data: '1.1.0' },
    ]);
  });

  test('outside the served zones: REFUSED, not authoritative; zone transfers are refused too', () => {
    for (const name of ['example.com', 'cluster.local.example.com', 'local', '']) {
      const reply = answers.answer(name, 'A');
      assert.equal(reply.rcode, Rcode.REFUSED, name);
      assert.equal(reply.authoritative, false);
    }
    assert.equal(answers.answer('cluster.local', 'AXFR').rcode, Rcode.REFUSED);
  });
});

describe('a dual-stack Service', async () => {
  const { feed, answers } = await cluster();
  feed.put(
    'services',
    service('dual', {
      clusterIP: '10.96.0.20',
      clusterIPs: ['10.96.0.20', 'fd00:10:96::20'],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    }),
  );

  test('A and AAAA per family of clusterIPs, PTR for each', () => {
    assert.deepEqual(data(answers.answer('dual.default.svc.cluster.local', 'A').answers), ['10.96.0.20']);
    assert.deepEqual(data(answers.answer('dual.default.svc.cluster.local', 'AAAA').answers), ['fd00:10:96::20']);
    const v6 = '0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa';
    assert.deepEqual(data(answers.answer(v6, 'PTR').answers), ['dual.default.svc.cluster.local']);
    assert.deepEqual(data(answers.answer(v6.toUpperCase(), 'PTR').answers), ['dual.default.svc.cluster.local']);
  });

  test('SRV: one record (CoreDNS counts an item per address, so the weight is 50), both addresses as glue', () => {
    const reply = answers.answer('_http._tcp.dual.default.svc.cluster.local', 'SRV');
    assert.deepEqual(data(reply.answers), [{ priority: 0, weight: 50, port: 80, target: 'dual.default.svc.cluster.local' }]);
    assert.deepEqual(data(reply.additionals), ['10.96.0.20', 'fd00:10:96::20']);
  });
});

describe('a headless Service', async () => {
  const { feed, answers } = await cluster();
  const headless = (publishNotReadyAddresses = false) =>
    service('db', { clusterIP: 'None', clusterIPs: ['None'], publishNotReadyAddresses, ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] });
  feed.put('services', headless());

  test('with no EndpointSlices it does not exist: NXDOMAIN for every type', () => {
    for (const type of ['A', 'AAAA', 'SRV', 'TXT']) assert.equal(answers.answer('db.default.svc.cluster.local', type).rcode, Rcode.NXDOMAIN, type);
  });

  test('A per ready endpoint (a nil ready condition is ready); not-ready ones are left out', () => {
    feed.put(
      'endpointslices',
      slice(
        'db-abc',
        'db',
        'IPv4',
        [
          { addresses: ['10.1.0.1'], ready: true, hostname: 'db-0' },
          { addresses: ['10.1.0.2'], ready: null },
          { addresses: ['10.1.0.3'], ready: false, hostname: 'db-2' },
        ],
        [{ name: 'pg', port: 5432 }],
      ),
    );
    assert.deepEqual(data(answers.answer('db.default.svc.cluster.local', 'A').answers), ['10.1.0.1', '10.1.0.2']);
    // Only IPv4 endpoints: AAAA is NODATA.
    const aaaa = answers.answer('db.default.svc.cluster.local', 'AAAA');
    assert.equal(aaaa.rcode, Rcode.NOERROR);
    assert.deepEqual(aaaa.answers, []);
  });

  test('<hostname>.<service> answers the endpoint; without a hostname, its address with dashes', () => {
    assert.deepEqual(data(answers.answer('db-0.db.default.svc.cluster.local', 'A').answers), ['10.1.0.1']);
    assert.deepEqual(data(answers.answer('10-1-0-2.db.default.svc.cluster.local', 'A').answers), ['10.1.0.2']);
    assert.equal(answers.answer('db-2.db.default.svc.cluster.local', 'A').rcode, Rcode.NXDOMAIN);
    assert.equal(answers.answer('db-9.db.default.svc.cluster.local', 'A').rcode, Rcode.NXDOMAIN);
  });

  test('SRV: one per ready endpoint and named port, the endpoint names as targets with their glue', () => {
    const reply = answers.answer('_pg._tcp.db.default.svc.cluster.local', 'SRV');
    assert.deepEqual(data(reply.answers), [
      { priority: 0, weight: 50, port: 5432, target: 'db-0.db.default.svc.cluster.local' },
      { priority: 0, weight: 50, port: 5432, target: '10-1-0-2.db.default.svc.cluster.local' },
    ]);
    assert.deepEqual(
      reply.additionals.map((r) => [r.name, r.type, 'data' in r ? r.data : '']),
      [
        ['db-0.db.default.svc.cluster.local', 'A', '10.1.0.1'],
        ['10-1-0-2.db.default.svc.cluster.local', 'A', '10.1.0.2'],
      ],
    );
  });

  test('PTR of an endpoint address names the endpoint under its Service', () => {
    assert.deepEqual(data(answers.answer('1.0.1.10.in-addr.arpa', 'PTR').answers), ['db-0.db.default.svc.cluster.local']);
    assert.deepEqual(data(answers.answer('2.0.1.10.in-addr.arpa', 'PTR').answers), ['10-1-0-2.db.default.svc.cluster.local']);
    assert.equal(answers.answer('3.0.1.10.in-addr.arpa', 'PTR').rcode, Rcode.NXDOMAIN);
  });

  test('publishNotReadyAddresses publishes the not-ready endpoints too', () => {
    feed.put('services', headless(true));
    assert.deepEqual(data(answers.answer('db.default.svc.cluster.local', 'A').answers), ['10.1.0.1', '10.1.0.2', '10.1.0.3']);
    assert.deepEqual(data(answers.answer('db-2.db.default.svc.cluster.local', 'A').answers), ['10.1.0.3']);
    feed.put('services', headless(false));
  });

  test('IPv6 slices answer AAAA, their dashed names end in 0 when the address ends in ::', () => {
    feed.put('endpointslices', slice('db-v6', 'db', 'IPv6', [{ addresses: ['fd00:1::5'] }, { addresses: ['fd00:2::'] }], [{ name: 'pg', port: 5432 }]));
    assert.deepEqual(data(answers.answer('db.default.svc.cluster.local', 'AAAA').answers), ['fd00:1::5', 'fd00:2::']);
    assert.deepEqual(data(answers.answer('fd00-2--0.db.default.svc.cluster.local', 'AAAA').answers), ['fd00:2::']);
    feed.remove('endpointslices', slice('db-v6', 'db', 'IPv6', []));
  });

  test('when no endpoint is ready any more, the name goes away (NXDOMAIN)', () => {
    feed.put('endpointslices', slice('db-abc', 'db', 'IPv4', [{ addresses: ['10.1.0.1'], ready: false }], [{ name: 'pg', port: 5432 }]));
    const reply = answers.answer('db.default.svc.cluster.local', 'A');
    assert.equal(reply.rcode, Rcode.NXDOMAIN);
    assertSoa(reply.authorities);
  });

  test('a slice without ports still answers A, but no SRV', () => {
    feed.put('endpointslices', slice('db-abc', 'db', 'IPv4', [{ addresses: ['10.1.0.7'] }]));
    assert.deepEqual(data(answers.answer('db.default.svc.cluster.local', 'A').answers), ['10.1.0.7']);
    const srv = answers.answer('db.default.svc.cluster.local', 'SRV');
    assert.equal(srv.rcode, Rcode.NOERROR);
    assert.deepEqual(srv.answers, []);
  });

  test('a slice of another Service, or in another namespace, is not this one', () => {
    feed.put('endpointslices', slice('db-abc', 'other', 'IPv4', [{ addresses: ['10.1.0.8'] }]));
    feed.put('endpointslices', slice('db-xyz', 'db', 'IPv4', [{ addresses: ['10.1.0.9'] }], [], 'prod'));
    assert.equal(answers.answer('db.default.svc.cluster.local', 'A').rcode, Rcode.NXDOMAIN);
  });
});

describe('an ExternalName Service', async () => {
  const { feed, answers } = await cluster();
  feed.put('services', service('external-db', { type: 'ExternalName', externalName: 'db.example.com' }));
  feed.put('services', service('alias', { type: 'ExternalName', externalName: 'web.prod.svc.cluster.local' }));
  feed.put('services', service('web', { clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30'], ports: [{ name: 'http', port: 80 }] }, 'prod'));
  feed.put('services', service('loop', { type: 'ExternalName', externalName: 'loop.default.svc.cluster.local' }));

  test('A, AAAA and CNAME questions get a CNAME to spec.externalName', () => {
    for (const type of ['A', 'AAAA', 'CNAME']) {
      assert.deepEqual(answers.answer('external-db.default.svc.cluster.local', type).answers, [
        { name: 'external-db.default.svc.cluster.local', type: 'CNAME', ttl: 30, data: 'db.example.com' },
      ]);
    }
  });

  test('a target inside the zone is followed: the CNAME, then the addresses', () => {
    assert.deepEqual(answers.answer('alias.default.svc.cluster.local', 'A').answers, [
      { name: 'alias.default.svc.cluster.local', type: 'CNAME', ttl: 30, data: 'web.prod.svc.cluster.local' },
      { name: 'web.prod.svc.cluster.local', type: 'A', ttl: 30, data: '10.96.0.30' },
    ]);
    // Nothing at the end of the chain for AAAA: the CNAME is not given either (plugin.AAAA).
    assert.deepEqual(answers.answer('alias.default.svc.cluster.local', 'AAAA').answers, []);
    assert.deepEqual(answers.answer('loop.default.svc.cluster.local', 'A').answers, []);
  });

  test('SRV is NODATA, and no port or endpoint names exist below it', () => {
    const srv = answers.answer('external-db.default.svc.cluster.local', 'SRV');
    assert.equal(srv.rcode, Rcode.NOERROR);
    assert.deepEqual(srv.answers, []);
    assert.equal(answers.answer('_http._tcp.external-db.default.svc.cluster.local', 'SRV').rcode, Rcode.NXDOMAIN);
    assert.equal(answers.answer('x.external-db.default.svc.cluster.local', 'A').rcode, Rcode.NXDOMAIN);
  });
});

describe('pods insecure', async () => {
  const { answers } = await cluster();

  test('a-b-c-d.<namespace>.pod.<zone> is the address in its name, IPv6 with dashes for colons', () => {
    assert.deepEqual(answers.answer('10-244-1-7.default.pod.cluster.local', 'A').answers, [
      { name: '10-244-1-7.default.pod.cluster.local', type: 'A', ttl: 30, data: '10.244.1.7' },
    ]);
    assert.deepEqual(data(answers.answer('fd00-10-244--7.prod.pod.cluster.local', 'AAAA').answers), ['fd00:10:244::7']);
    assert.deepEqual(answers.answer('10-244-1-7.default.pod.cluster.local', 'AAAA').answers, []);
  });

  test('a namespace that does not exist, or a name that is no address, is NXDOMAIN', () => {
    assert.equal(answers.answer('10-244-1-7.nope.pod.cluster.local', 'A').rcode, Rcode.NXDOMAIN);
    assert.equal(answers.answer('10-244-1-300.default.pod.cluster.local', 'A').rcode, Rcode.NXDOMAIN);
    assert.equal(answers.answer('web.default.pod.cluster.local', 'A').rcode, Rcode.NXDOMAIN);
  });
});

describe('following changes', () => {
  test('a Service resolves once added, moves with its spec, and is gone once deleted', async () => {
    const { feed, view, answers } = await cluster();
    assert.equal(answers.answer('late.default.svc.cluster.local', 'A').rcode, Rcode.NXDOMAIN);
    const before = view.generation;
    feed.put('services', service('late', { clusterIP: '10.96.0.40', clusterIPs: ['10.96.0.40'], ports: [{ port: 80 }] }));
    assert.ok(view.generation > before);
    assert.deepEqual(data(answers.answer('late.default.svc.cluster.local', 'A').answers), ['10.96.0.40']);
    feed.put('services', service('late', { type: 'ExternalName', externalName: 'elsewhere.example' }));
    assert.deepEqual(data(answers.answer('late.default.svc.cluster.local', 'A').answers), ['elsewhere.example']);
    assert.equal(answers.answer('40.0.96.10.in-addr.arpa', 'PTR').rcode, Rcode.NXDOMAIN);
    feed.remove('services', service('late', {}));
    assert.equal(answers.answer('late.default.svc.cluster.local', 'A').rcode, Rcode.NXDOMAIN);
    feed.remove('namespaces', { metadata: { name: 'prod' } });
    assert.equal(answers.answer('prod.svc.cluster.local', 'A').rcode, Rcode.NXDOMAIN);
  });

  test('--dns-ttl sets every TTL but dns-version, and the SOA minimum (capped at 300 for the SOA itself)', async () => {
    const { feed, answers } = await cluster(600);
    feed.put('services', service('web', { clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50'], ports: [{ port: 80 }] }));
    assert.equal((answers.answer('web.default.svc.cluster.local', 'A').answers[0] as StringAnswer).ttl, 600);
    const soa = answers.answer('nope.default.svc.cluster.local', 'A').authorities[0] as SoaAnswer;
    assert.equal(soa.ttl, 300);
    assert.equal(soa.data.minimum, 600);
  });
});
