import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { refs } from '../model/definitions.js';
import { Namespace } from '../model/namespace.js';
import { methodNotAllowed } from '../registry/errors.js';
import type { NamespaceRegistry } from '../registry/namespaceRegistry.js';
import { namespaceFieldLabels, namespaceFields } from '../registry/selectors.js';
import { decodeBody, deleteOptions, deleteQuery, dryRun, listQuery, readQuery, writeQuery, type Query } from './requestOptions.js';
import { listOrWatch, type CollectionResource, type ListWatchContext } from './listWatch.js';
import { sendJson } from './respond.js';
import { namespaceCells, namespaceColumns } from '../printers/tables.js';
import { sendTable, tableVersion } from './tableNegotiation.js';

type Req = FastifyRequest<{ Params: { name: string }; Querystring: Query }>;
const tags = ['core_v1'];
const params = Type.Object({ name: Type.String({ description: 'name of the Namespace' }) });
const errors = { 400: refs.Status, 403: refs.Status, 404: refs.Status, 409: refs.Status, 422: refs.Status };

export const namespaceResource: CollectionResource<Namespace> = {
  resource: 'namespaces', kind: 'Namespace', listKind: 'NamespaceList', namespaced: false,
  fieldLabels: namespaceFieldLabels, fieldsOf: namespaceFields, columns: namespaceColumns, cells: namespaceCells,
};

export async function namespaceRoutes(app: FastifyInstance, opts: { namespaces: NamespaceRegistry; listWatch: ListWatchContext }): Promise<void> {
  const { namespaces } = opts;
  app.get('/api/v1/namespaces', {
    schema: { operationId: 'listNamespace', tags, description: 'list or watch objects of kind Namespace', querystring: listQuery, response: { 200: refs.NamespaceList, ...errors } },
  }, async (req: Req, reply) => listOrWatch(opts.listWatch, namespaceResource, undefined, req, reply));
  app.post('/api/v1/namespaces', {
    schema: { operationId: 'createNamespace', tags, description: 'create a Namespace', querystring: writeQuery, body: refs.Namespace, response: { 201: refs.Namespace, ...errors } },
  }, async (req: Req, reply) => {
    const dry = dryRun(req.query, 'CreateOptions');
    return sendJson(reply.code(201), namespaces.create(decodeBody<Namespace>(Namespace, req.body, req.query, reply), { dryRun: dry }));
  });
  app.get('/api/v1/namespaces/:name', {
    schema: { operationId: 'readNamespace', tags, description: 'read the specified Namespace', params, querystring: readQuery, response: { 200: refs.Namespace, ...errors } },
  }, async (req: Req, reply) => {
    const table = tableVersion(req);
    if (table) {
      const ns = namespaces.get(req.params.name);
      return sendTable(req, reply, table, namespaceResource, [ns], { resourceVersion: ns.metadata?.resourceVersion });
    }
    return sendJson(reply, namespaces.getBody(req.params.name));
  });
  app.delete('/api/v1/namespaces/:name', {
    schema: { operationId: 'deleteNamespace', tags, description: 'delete a Namespace', params, querystring: deleteQuery, response: { 200: refs.Namespace, ...errors } },
  }, async (req: Req, reply) => sendJson(reply, namespaces.delete(req.params.name, { dryRun: deleteOptions(req.query, req.body, reply).dryRun })));
  app.route({ method: ['PUT', 'PATCH', 'POST'], url: '/api/v1/namespaces/:name', handler: async () => { throw methodNotAllowed(); }, schema: { hide: true } });
}
