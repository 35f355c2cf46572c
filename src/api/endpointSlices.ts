// kubectl describe service (1.33 on) lists the Service's EndpointSlices
// (GET /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices?labelSelector=kubernetes.io/service-name=NAME)
// to fill in its "Endpoints:" lines. svcplane runs no pods, so no Service has endpoints: the list
// is always empty, and describe prints `Endpoints: <none>` as it does on a real cluster where no
// selected pod is ready. The group is not advertised in discovery because EndpointSlices are not
// served as a resource; only this read is answered, so describe's request gets a list, not a 404.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ObjectStore } from '../storage/objectStore.js';
import { selectorFilter, type Query } from './requestOptions.js';
import { sendJson } from './respond.js';

const fieldLabels = ['metadata.name', 'metadata.namespace'] as const;

export async function endpointSliceRoutes(app: FastifyInstance, opts: { store: ObjectStore }): Promise<void> {
  const emptyList = (req: FastifyRequest<{ Querystring: Query }>) => {
    // A malformed selector is still a 400, as on the real server.
    selectorFilter(req.query, fieldLabels, () => ({}));
    return { kind: 'EndpointSliceList', apiVersion: 'discovery.k8s.io/v1', metadata: { resourceVersion: String(opts.store.currentRevision()) }, items: [] };
  };
  app.get(
    '/apis/discovery.k8s.io/v1/namespaces/:namespace/endpointslices',
    { schema: { hide: true } },
    async (req: FastifyRequest<{ Querystring: Query }>, reply) => sendJson(reply, emptyList(req)),
  );
  app.get('/apis/discovery.k8s.io/v1/endpointslices', { schema: { hide: true } }, async (req: FastifyRequest<{ Querystring: Query }>, reply) =>
    sendJson(reply, emptyList(req)),
  );
}
