// Discovery documents, so kubectl and client libraries find the resources: /api and /apis in
// both forms (the aggregated APIGroupDiscoveryList a client asks for by media type, which holds
// every resource in one document, and the legacy lists), /api/v1 and /apis/GROUP/VERSION, /version.
// Everything comes from the resource table's declarations.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KubeObject } from '../registry/generic/strategy.js';
import { groupVersion, type ResourceDeclaration } from '../resources/declaration.js';
import { sendJson } from './respond.js';

export interface DiscoveryOptions {
  kubernetesVersion: string;
  /** The resource table's declarations: every served resource, in one place. */
  resources: readonly ResourceDeclaration<KubeObject>[];
}

/** The APIResourceList of one group/version, as kube-apiserver's discovery handler writes it. */
export function apiResourceList(resources: readonly ResourceDeclaration<KubeObject>[], gv: string) {
  const entries: Record<string, unknown>[] = [];
  for (const d of [...resources].filter((r) => groupVersion(r) === gv).sort((a, b) => a.resource.localeCompare(b.resource))) {
    const entry: Record<string, unknown> = { name: d.resource, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: [...d.verbs].sort() };
    if (d.shortNames?.length) entry.shortNames = d.shortNames;
    if (d.categories?.length) entry.categories = d.categories;
    entries.push(entry);
    if (d.statusSubresource)
      entries.push({ name: `${d.resource}/status`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: ['get', 'patch', 'update'] });
  }
  return { kind: 'APIResourceList', groupVersion: gv, resources: entries };
}

export function versionInfo(version: string) {
  const m = /^v(\d+)\.(\d+)\.(\d+)/.exec(version)!;
  return {
    major: m[1],
    minor: m[2],
    gitVersion: version,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.24.0',
    compiler: 'gc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

/**
 * kube-aggregator's default priorities for the built-in groups (cmd/kube-apiserver's
 * apiVersionPriorities): /apis lists groups by priority, highest first, then by name; a group
 * kube does not know gets the default minimum, 1000.
 */
const groupPriorities: Record<string, number> = {
  '': 18000,
  'events.k8s.io': 17750,
  'authentication.k8s.io': 17700,
  'authorization.k8s.io': 17600,
  'rbac.authorization.k8s.io': 17000,
  'coordination.k8s.io': 16500,
  'discovery.k8s.io': 16200,
};
const priorityOf = (group: string) => groupPriorities[group] ?? 1000;
const byPriority = (a: string, b: string) => priorityOf(b) - priorityOf(a) || (a < b ? -1 : a > b ? 1 : 0);

/** What a group/version serves, in the shape both discovery forms are written from. */
interface ServedResource {
  resource: string;
  singular: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  status: boolean;
}

const served = (d: ResourceDeclaration<KubeObject>): ServedResource => ({
  resource: d.resource,
  singular: d.singular,
  namespaced: d.namespaced,
  kind: d.kind,
  verbs: [...d.verbs].sort(),
  shortNames: d.shortNames,
  categories: d.categories,
  status: d.statusSubresource,
});

/** svcplane's own group: the read-only view of the allocators. */
const allocations: ServedResource = {
  resource: 'allocations',
  singular: 'allocation',
  namespaced: false,
  kind: 'Allocation',
  verbs: ['get', 'list'],
  status: false,
};

/**
 * The aggregated discovery media types (apidiscovery.k8s.io v2, and v2beta1 for older clients):
 * the first JSON one in the Accept header picks the document's version; protobuf is not served,
 * so a client offering only that gets the legacy form, as from a server without the feature.
 */
function aggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const entry of (accept ?? '').split(',')) {
    const [type, ...params] = entry.split(';').map((p) => p.trim());
    if (type !== 'application/json') continue;
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((x) => x.trim())));
    if (p.g === 'apidiscovery.k8s.io' && p.as === 'APIGroupDiscoveryList' && (p.v === 'v2' || p.v === 'v2beta1')) return p.v;
  }
  return undefined;
}

/** One APIVersionDiscovery: resources in name order, status as a subresource of its parent. */
function versionDiscovery(group: string, version: string, resources: ServedResource[]) {
  return {
    version,
    resources: [...resources]
      .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0))
      .map((r) => ({
        resource: r.resource,
        responseKind: { group, version, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: r.singular,
        verbs: r.verbs,
        ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories?.length ? { categories: r.categories } : {}),
        ...(r.status ? { subresources: [{ subresource: 'status', responseKind: { group, version, kind: r.kind }, verbs: ['get', 'patch', 'update'] }] } : {}),
      })),
    freshness: 'Current',
  };
}

/** The APIGroupDiscoveryList of the given groups (each with its versions, preferred first). */
function aggregatedDocument(groups: { name: string; versions: { version: string; resources: ServedResource[] }[] }[]) {
  return {
    metadata: {},
    items: groups.map((g) => ({
      // Go writes the zero creationTimestamp of an ObjectMeta as null.
      metadata: { ...(g.name ? { name: g.name } : {}), creationTimestamp: null },
      versions: g.versions.map((v) => versionDiscovery(g.name, v.version, v.resources)),
    })),
  };
}

/**
 * Serves a discovery root in both forms: the aggregated document when the client asks for it,
 * with kube's caching headers (a SHA-512 ETag over the document, Vary: Accept, 304 on a match),
 * else the legacy one.
 */
function discoveryRoot(app: FastifyInstance, path: string, aggregated: ReturnType<typeof aggregatedDocument>, legacy: (req: FastifyRequest) => unknown) {
  const body = JSON.stringify(aggregated);
  const etag = `"${createHash('sha512').update(body).digest('hex').toUpperCase()}"`;
  // Buffers: fastify would rewrite a string answer's media type (quoting its parameters, adding a charset).
  const documents = {
    v2: Buffer.from(`{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2",${body.slice(1)}`),
    v2beta1: Buffer.from(`{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2beta1",${body.slice(1)}`),
  };
  app.get(path, { schema: { hide: true } }, async (req, reply: FastifyReply) => {
    const version = aggregatedVersion(req.headers.accept);
    reply.header('vary', 'Accept');
    if (!version) return sendJson(reply, legacy(req));
    reply.header('etag', etag).header('cache-control', 'public');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    reply.header('content-type', `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`);
    return reply.send(documents[version]);
  });
}

export async function discoveryRoutes(app: FastifyInstance, opts: DiscoveryOptions): Promise<void> {
  const hide = { hide: true };
  const core = opts.resources.filter((d) => !d.group && d.version === 'v1').map(served);
  discoveryRoot(app, '/api', aggregatedDocument([{ name: '', versions: [{ version: 'v1', resources: core }] }]), (req) => ({
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.host }],
  }));
  app.get('/api/v1', { schema: hide }, async (_req, reply) => sendJson(reply, apiResourceList(opts.resources, 'v1')));
  // svcplane's own group: the read-only view of the allocators (GET allocations).
  const group = {
    name: 'svcplane.dev',
    versions: [{ groupVersion: 'svcplane.dev/v1alpha1', version: 'v1alpha1' }],
    preferredVersion: { groupVersion: 'svcplane.dev/v1alpha1', version: 'v1alpha1' },
  };
  // The API groups of the resource table, each with the versions its resources are served at.
  const declared = new Map<string, string[]>();
  for (const d of opts.resources) {
    if (!d.group) continue;
    const versions = declared.get(d.group) ?? [];
    if (!versions.includes(d.version)) versions.push(d.version);
    declared.set(d.group, versions);
  }
  const groups = [...declared].map(([name, versions]) => {
    const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
    return { name, versions: list, preferredVersion: list[0] };
  });
  for (const g of groups) {
    app.get(`/apis/${g.name}`, { schema: hide }, async (_req, reply) => sendJson(reply, { kind: 'APIGroup', apiVersion: 'v1', ...g }));
    for (const v of g.versions) {
      app.get(`/apis/${v.groupVersion}`, { schema: hide }, async (_req, reply) =>
        sendJson(reply, { apiVersion: 'v1', ...apiResourceList(opts.resources, v.groupVersion) }),
      );
    }
  }
  const allGroups = [...groups, group].sort((a, b) => byPriority(a.name, b.name));
  const resourcesOf = (name: string, version: string) =>
    name === 'svcplane.dev' ? [allocations] : opts.resources.filter((d) => d.group === name && d.version === version).map(served);
  discoveryRoot(
    app,
    '/apis',
    aggregatedDocument(
      allGroups.map((g) => ({ name: g.name, versions: g.versions.map((v) => ({ version: v.version, resources: resourcesOf(g.name, v.version) })) })),
    ),
    () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: allGroups }),
  );
  app.get('/apis/svcplane.dev', { schema: hide }, async (_req, reply) => sendJson(reply, { kind: 'APIGroup', apiVersion: 'v1', ...group }));
  app.get('/apis/svcplane.dev/v1alpha1', { schema: hide }, async (_req, reply) =>
    sendJson(reply, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'svcplane.dev/v1alpha1',
      resources: [{ name: 'allocations', singularName: 'allocation', namespaced: false, kind: 'Allocation', verbs: ['get', 'list'] }],
    }),
  );
  app.get('/version', { schema: hide }, async (_req, reply) => sendJson(reply, versionInfo(opts.kubernetesVersion)));
}
