// Discovery documents, so kubectl and client libraries find the resources: legacy /api and
// /api/v1 (kubectl falls back to these when the aggregated form is not offered), /apis, /version.
import type { FastifyInstance } from 'fastify';
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

export async function discoveryRoutes(app: FastifyInstance, opts: DiscoveryOptions): Promise<void> {
  const hide = { hide: true };
  app.get('/api', { schema: hide }, async (req, reply) =>
    sendJson(reply, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.host }] }),
  );
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
  app.get('/apis', { schema: hide }, async (_req, reply) => sendJson(reply, { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups, group] }));
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
