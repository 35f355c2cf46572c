// Discovery documents, so kubectl and client libraries find the resources: legacy /api and
// /api/v1 (kubectl falls back to these when the aggregated form is not offered), /apis, /version.
import type { FastifyInstance } from 'fastify';
import { sendJson } from './respond.js';

export interface DiscoveryOptions {
  kubernetesVersion: string;
}

const serviceVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const eventVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiResourceList() {
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: eventVerbs, shortNames: ['ev'] },
      { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['create', 'delete', 'get', 'list', 'watch'], shortNames: ['ns'] },
      { name: 'services', singularName: 'service', namespaced: true, kind: 'Service', verbs: serviceVerbs, shortNames: ['svc'], categories: ['all'] },
      { name: 'services/status', singularName: '', namespaced: true, kind: 'Service', verbs: ['get', 'patch', 'update'] },
    ],
  };
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
    sendJson(reply, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.host }] }));
  app.get('/api/v1', { schema: hide }, async (_req, reply) => sendJson(reply, apiResourceList()));
  // svcplane's own group: the read-only view of the allocators (GET allocations).
  const group = {
    name: 'svcplane.dev',
    versions: [{ groupVersion: 'svcplane.dev/v1alpha1', version: 'v1alpha1' }],
    preferredVersion: { groupVersion: 'svcplane.dev/v1alpha1', version: 'v1alpha1' },
  };
  app.get('/apis', { schema: hide }, async (_req, reply) => sendJson(reply, { kind: 'APIGroupList', apiVersion: 'v1', groups: [group] }));
  app.get('/apis/svcplane.dev', { schema: hide }, async (_req, reply) => sendJson(reply, { kind: 'APIGroup', apiVersion: 'v1', ...group }));
  app.get('/apis/svcplane.dev/v1alpha1', { schema: hide }, async (_req, reply) => sendJson(reply, {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'svcplane.dev/v1alpha1',
    resources: [{ name: 'allocations', singularName: 'allocation', namespaced: false, kind: 'Allocation', verbs: ['get', 'list'] }],
  }));
  app.get('/version', { schema: hide }, async (_req, reply) => sendJson(reply, versionInfo(opts.kubernetesVersion)));
}
