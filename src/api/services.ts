// Routes for /api/v1/.../services: thin. Each handler reads the request, calls the registry and
// encodes the answer; Kubernetes semantics live in registry/.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { refs } from '../model/definitions.js';
import { Service } from '../model/service.js';
import { methodNotAllowed, unsupportedMediaType } from '../registry/errors.js';
import { applyPatch, patchContentTypes } from '../registry/patch/index.js';
import { servicePatchMeta } from '../registry/patch/strategicMerge.js';
import { serviceFieldLabels, serviceFields } from '../registry/selectors.js';
import type { ServiceRegistry } from '../registry/serviceRegistry.js';
import type { ShapeCheck } from './decoding.js';
import { decodeBody, deleteOptions, deleteQuery, dryRun, listQuery, readQuery, selectorFilter, writeQuery, type Query } from './requestOptions.js';
import { listOrWatch, type CollectionResource, type ListWatchContext } from './listWatch.js';
import { sendJson } from './respond.js';
import { serviceCells, serviceColumns } from '../printers/tables.js';
import { sendTable, tableVersion } from './tableNegotiation.js';

export interface ServiceRoutesOptions {
  services: ServiceRegistry;
  checkService: ShapeCheck;
  listWatch: ListWatchContext;
}

const collection = '/api/v1/namespaces/:namespace/services';
const item = `${collection}/:name`;
const nsParams = Type.Object({ namespace: Type.String({ description: 'object name and auth scope, such as for teams and projects' }) });
const itemParams = Type.Object({
  namespace: Type.String({ description: 'object name and auth scope, such as for teams and projects' }),
  name: Type.String({ description: 'name of the Service' }),
});
const tags = ['core_v1'];
const errors = { 400: refs.Status, 404: refs.Status, 409: refs.Status, 422: refs.Status };
const patchTypes = Object.keys(patchContentTypes);

type Req = FastifyRequest<{ Params: { namespace: string; name: string }; Querystring: Query }>;

export const serviceResource: CollectionResource<Service> = {
  resource: 'services', kind: 'Service', listKind: 'ServiceList', namespaced: true,
  fieldLabels: serviceFieldLabels, fieldsOf: serviceFields, columns: serviceColumns, cells: serviceCells,
};

export async function serviceRoutes(app: FastifyInstance, opts: ServiceRoutesOptions): Promise<void> {
  const { services, checkService } = opts;

  const list = (namespace: string | undefined, req: Req, reply: FastifyReply) => listOrWatch(opts.listWatch, serviceResource, namespace, req, reply);

  app.get(collection, {
    schema: { operationId: 'listNamespacedService', tags, description: 'list or watch objects of kind Service', params: nsParams, querystring: listQuery, response: { 200: refs.ServiceList, ...errors } },
  }, async (req: Req, reply) => list(req.params.namespace, req, reply));

  app.get('/api/v1/services', {
    schema: { operationId: 'listServiceForAllNamespaces', tags, description: 'list or watch objects of kind Service', querystring: listQuery, response: { 200: refs.ServiceList, ...errors } },
  }, async (req: Req, reply) => list(undefined, req, reply));

  app.post(collection, {
    schema: { operationId: 'createNamespacedService', tags, description: 'create a Service', params: nsParams, querystring: writeQuery, body: refs.Service, response: { 200: refs.Service, 201: refs.Service, 202: refs.Service, ...errors } },
  }, async (req: Req, reply) => {
    const dry = dryRun(req.query, 'CreateOptions');
    const body = decodeBody<Service>(Service, req.body, req.query, reply);
    return sendJson(reply.code(201), services.create(req.params.namespace, body, { dryRun: dry }));
  });

  app.delete(collection, {
    schema: { operationId: 'deleteCollectionNamespacedService', tags, description: 'delete collection of Service', params: nsParams, querystring: { ...listQuery, properties: { ...listQuery.properties, ...deleteQuery.properties } }, response: { 200: refs.ServiceList, ...errors } },
  }, async (req: Req, reply) => {
    const dry = dryRun(req.query, 'DeleteOptions');
    const matches = selectorFilter<Service>(req.query, serviceFieldLabels, serviceFields);
    const { items, resourceVersion } = services.deleteCollection(req.params.namespace, { matches }, { dryRun: dry });
    return sendJson(reply, { kind: 'ServiceList', apiVersion: 'v1', metadata: { resourceVersion }, items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest) });
  });

  app.get(item, {
    schema: { operationId: 'readNamespacedService', tags, description: 'read the specified Service', params: itemParams, querystring: readQuery, response: { 200: refs.Service, ...errors } },
  }, async (req: Req, reply) => {
    const table = tableVersion(req);
    if (table) {
      const svc = services.get(req.params.namespace, req.params.name);
      return sendTable(req, reply, table, serviceResource, [svc], { resourceVersion: svc.metadata?.resourceVersion });
    }
    return sendJson(reply, services.getBody(req.params.namespace, req.params.name));
  });

  app.put(item, {
    schema: { operationId: 'replaceNamespacedService', tags, description: 'replace the specified Service', params: itemParams, querystring: writeQuery, body: refs.Service, response: { 200: refs.Service, 201: refs.Service, ...errors } },
  }, async (req: Req, reply) => {
    const dry = dryRun(req.query, 'UpdateOptions');
    const body = decodeBody<Service>(Service, req.body, req.query, reply);
    const { object, created } = services.update(req.params.namespace, req.params.name, body, { dryRun: dry });
    return sendJson(reply.code(created ? 201 : 200), object);
  });

  const patchHandler = (subresource: 'main' | 'status') => async (req: Req, reply: FastifyReply) => {
    const type = patchContentTypes[(req.headers['content-type'] ?? '').split(';')[0].trim()];
    if (!type) throw unsupportedMediaType(patchTypes);
    const dry = dryRun(req.query, 'PatchOptions');
    const object = services.patch(req.params.namespace, req.params.name, (current) => {
      const patched = applyPatch(type, current, req.body, servicePatchMeta);
      checkService(patched);
      return decodeBody<Service>(Service, patched, req.query, reply);
    }, subresource, { dryRun: dry });
    return sendJson(reply, object);
  };
  const patchSchema = (operationId: string, description: string) => ({
    operationId, tags, description, params: itemParams, querystring: { ...writeQuery, properties: { ...writeQuery.properties, force: Type.Optional(Type.String()) } },
    body: Type.Unknown({ description: 'a JSON patch (a list of operations), a merge patch or a strategic merge patch' }),
    consumes: patchTypes, response: { 200: refs.Service, ...errors },
  });
  app.patch(item, { schema: patchSchema('patchNamespacedService', 'partially update the specified Service') }, patchHandler('main'));

  app.delete(item, {
    schema: { operationId: 'deleteNamespacedService', tags, description: 'delete a Service', params: itemParams, querystring: deleteQuery, response: { 200: refs.Service, 202: refs.Service, ...errors } },
  }, async (req: Req, reply) => {
    return sendJson(reply, services.delete(req.params.namespace, req.params.name, deleteOptions(req.query, req.body, reply)));
  });

  app.get(`${item}/status`, {
    schema: { operationId: 'readNamespacedServiceStatus', tags, description: 'read status of the specified Service', params: itemParams, querystring: readQuery, response: { 200: refs.Service, ...errors } },
  }, async (req: Req, reply) => sendJson(reply, services.getBody(req.params.namespace, req.params.name)));

  app.put(`${item}/status`, {
    schema: { operationId: 'replaceNamespacedServiceStatus', tags, description: 'replace status of the specified Service', params: itemParams, querystring: writeQuery, body: refs.Service, response: { 200: refs.Service, ...errors } },
  }, async (req: Req, reply) => {
    const dry = dryRun(req.query, 'UpdateOptions');
    const body = decodeBody<Service>(Service, req.body, req.query, reply);
    return sendJson(reply, services.updateStatus(req.params.namespace, req.params.name, body, { dryRun: dry }));
  });
  app.patch(`${item}/status`, { schema: patchSchema('patchNamespacedServiceStatus', 'partially update status of the specified Service') }, patchHandler('status'));

  // Verbs the resource does not have answer 405, as kube-apiserver does, not 404.
  const notAllowed = async () => {
    throw methodNotAllowed();
  };
  app.route({ method: ['PUT', 'PATCH'], url: collection, handler: notAllowed, schema: { hide: true } });
  app.route({ method: ['POST'], url: item, handler: notAllowed, schema: { hide: true } });
  app.route({ method: ['POST', 'DELETE'], url: `${item}/status`, handler: notAllowed, schema: { hide: true } });
}
