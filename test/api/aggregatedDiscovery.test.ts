// Aggregated discovery (apidiscovery.k8s.io v2 and v2beta1): /api and /apis answer one
// APIGroupDiscoveryList when the client asks for it by media type, with the same resources,
// verbs, short names and categories as the legacy documents, kube's caching headers, and the
// legacy form for everyone else. kubectl then needs two requests to discover everything.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { kubectlHome, kubectlSkip, runKubectl, showRun } from '../support/kubectl.js';
import { startServer, type TestServer } from '../support/server.js';

const accept = (v: string) => `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
// What kubectl 1.33 sends.
const kubectlAccept = `${accept('v2')},${accept('v2beta1')},application/json`;

interface ResourceDiscovery {
  resource: string;
  responseKind: { group: string; version: string; kind: string };
  scope: string;
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: { subresource: string; responseKind: { kind: string }; verbs: string[] }[];
}
interface GroupDiscovery {
  metadata: { name?: string; creationTimestamp: null };
  versions: { version: string; resources: ResourceDiscovery[]; freshness: string }[];
}

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.stop());

const api = () => request(t.url);

describe('aggregated discovery', () => {
  test('/api answers the core group as an APIGroupDiscoveryList when asked, with its media type', async () => {
    const res = await api().get('/api').set('Accept', kubectlAccept).expect(200);
    assert.equal(res.headers['content-type'], accept('v2'));
    const doc = JSON.parse(res.text) as { kind: string; apiVersion: string; items: GroupDiscovery[] };
    assert.equal(doc.kind, 'APIGroupDiscoveryList');
    assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2');
    assert.equal(doc.items.length, 1);
    assert.deepEqual(doc.items[0].metadata, { creationTimestamp: null }, 'the core group has no name');
    const [v1] = doc.items[0].versions;
    assert.equal(v1.version, 'v1');
    assert.equal(v1.freshness, 'Current');
    const services = v1.resources.find((r) => r.resource === 'services')!;
    assert.deepEqual(services, {
      resource: 'services',
      responseKind: { group: '', version: 'v1', kind: 'Service' },
      scope: 'Namespaced',
      singularResource: 'service',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['svc'],
      categories: ['all'],
      subresources: [{ subresource: 'status', responseKind: { group: '', version: 'v1', kind: 'Service' }, verbs: ['get', 'patch', 'update'] }],
    });
    assert.equal(v1.resources.find((r) => r.resource === 'namespaces')?.scope, 'Cluster');
    assert.deepEqual(
      v1.resources.map((r) => r.resource),
      [...v1.resources.map((r) => r.resource)].sort(),
      'resources in name order',
    );
  });

  test('/apis lists every group by kube priority, in v2beta1 too', async () => {
    const res = await api().get('/apis').set('Accept', accept('v2beta1')).expect(200);
    assert.equal(res.headers['content-type'], accept('v2beta1'));
    const doc = JSON.parse(res.text) as { apiVersion: string; items: GroupDiscovery[] };
    assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2beta1');
    const names = doc.items.map((g) => g.metadata.name);
    const legacy = (await api().get('/apis').expect(200)).body.groups.map((g: { name: string }) => g.name);
    assert.deepEqual(names, legacy, 'the same groups in the same order as the legacy list');
    assert.ok(names.indexOf('discovery.k8s.io') < names.indexOf('svcplane.dev'), 'a built-in group before our own');
    const slices = doc.items.find((g) => g.metadata.name === 'discovery.k8s.io')!.versions[0].resources[0];
    assert.deepEqual(slices.responseKind, { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice' });
  });

  test('it holds exactly what the legacy documents hold', async () => {
    type Legacy = { name: string; singularName: string; namespaced: boolean; kind: string; verbs: string[]; shortNames?: string[]; categories?: string[] };
    const flatten = (group: string, version: string, resources: ResourceDiscovery[]) =>
      resources.flatMap((r) => [
        {
          gv: group ? `${group}/${version}` : version,
          name: r.resource,
          singularName: r.singularResource,
          namespaced: r.scope === 'Namespaced',
          kind: r.responseKind.kind,
          verbs: r.verbs,
          shortNames: r.shortNames,
          categories: r.categories,
        },
        ...(r.subresources ?? []).map((s) => ({
          gv: group ? `${group}/${version}` : version,
          name: `${r.resource}/${s.subresource}`,
          singularName: '',
          namespaced: r.scope === 'Namespaced',
          kind: s.responseKind.kind,
          verbs: s.verbs,
          shortNames: undefined,
          categories: undefined,
        })),
      ]);
    const aggregated = [
      ...(JSON.parse((await api().get('/api').set('Accept', accept('v2'))).text).items as GroupDiscovery[]).flatMap((g) =>
        g.versions.flatMap((v) => flatten('', v.version, v.resources)),
      ),
      ...(JSON.parse((await api().get('/apis').set('Accept', accept('v2'))).text).items as GroupDiscovery[]).flatMap((g) =>
        g.versions.flatMap((v) => flatten(g.metadata.name!, v.version, v.resources)),
      ),
    ];
    const gvs = [
      'v1',
      ...(await api().get('/apis').expect(200)).body.groups.flatMap((g: { versions: { groupVersion: string }[] }) => g.versions.map((v) => v.groupVersion)),
    ];
    const legacy = [];
    for (const gv of gvs) {
      const list = (
        await api()
          .get(gv === 'v1' ? '/api/v1' : `/apis/${gv}`)
          .expect(200)
      ).body as { resources: Legacy[] };
      for (const r of list.resources) legacy.push({ gv, ...r, shortNames: r.shortNames, categories: r.categories });
    }
    const key = (r: { gv: string; name: string }) => `${r.gv} ${r.name}`;
    const norm = (rs: { gv: string; name: string }[]) =>
      [...rs].sort((a, b) => (key(a) < key(b) ? -1 : 1)).map((r) => JSON.stringify(r, Object.keys(r).sort()));
    assert.deepEqual(norm(aggregated), norm(legacy));
  });

  test('an ETag over the document, Vary: Accept, and 304 when the client has it', async () => {
    const first = await api().get('/apis').set('Accept', kubectlAccept).expect(200);
    const etag = first.headers.etag;
    assert.match(etag, /^"[0-9A-F]{128}"$/);
    assert.equal(first.headers.vary, 'Accept');
    assert.equal(first.headers['cache-control'], 'public');
    const again = await api().get('/apis').set('Accept', kubectlAccept).set('If-None-Match', etag).expect(304);
    assert.equal(again.text, '');
    await api().get('/apis').set('Accept', kubectlAccept).set('If-None-Match', '"other"').expect(200);
    assert.notEqual((await api().get('/api').set('Accept', kubectlAccept)).headers.etag, etag, 'each document its own tag');
  });

  test('anyone else gets the legacy documents', async () => {
    for (const a of [undefined, 'application/json', '*/*', 'application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList']) {
      const req = api().get('/api');
      if (a) req.set('Accept', a);
      const res = await req.expect(200);
      assert.equal(res.body.kind, 'APIVersions', `Accept: ${a}`);
      assert.equal(res.headers.vary, 'Accept');
    }
    assert.equal((await api().get('/apis').set('Accept', 'application/json').expect(200)).body.kind, 'APIGroupList');
  });

  describe('kubectl', { skip: kubectlSkip('aggregated discovery with kubectl') }, () => {
    test('discovers every resource from /api and /apis alone', async () => {
      const home = kubectlHome();
      try {
        const args = ['api-resources', '-v=6'];
        const r = await runKubectl(t.url, args, { env: home.env });
        assert.equal(r.code, 0, showRun(args, r));
        const gets = [...r.stderr.matchAll(/verb="GET" url="([^"?]*)/g)].map((m) => new URL(m[1]).pathname);
        assert.deepEqual(gets.sort(), ['/api', '/apis'], showRun(args, r));
        for (const line of ['services', 'endpointslices', 'allocations']) assert.match(r.stdout, new RegExp(`^${line} `, 'm'), showRun(args, r));
      } finally {
        home.remove();
      }
    });
  });
});
