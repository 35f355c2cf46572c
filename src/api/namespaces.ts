import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { refs } from '../model/definitions.js';
import { Namespace } from '../model/namespace.js';
import { methodNotAllowed } from '../registry/errors.js';
import type { NamespaceRegistry } from '../registry/namespaceRegistry.js';
import { namespaceFieldLabels, namespaceFields } from '../registry/selectors.js';
import { decodeBody, deleteQuery, dryRun, listQuery, readQuery, selectorFilter, writeQuery, type Query } from './requestOptions.js';
import { sendJson } from './respond.js';
import { namespaceCells, namespaceColumns } from '../printers/tables.js';
import { sendTable, tableVersion } from './tableNegotiation.js';

type Req = FastifyRequest<{ Params: { name: string }; Querystring: Query }>;
const tags = ['core_v1'];
const params = Type.Object({ name: Type.String({ description: 'name of the Namespace' }) });
const errors = { 400: refs.Status, 403: refs.Status, 404: refs.Status, 409: refs.Status, 422: refs.Status };

export async function namespaceRoutes(app: FastifyInstance, opts: { namespaces: NamespaceRegistry }): Promise<void> {
  const { namespaces } = opts;
  app.get('/api/v1/namespaces', {
    schema: { operationId: 'listNamespace', tags, description: 'list or watch objects of kind Namespace', querystring: listQuery, response: { 200: refs.NamespaceList, ...errors } },
  }, async (req: Req, reply) => {
    const matches = selectorFilter<Namespace>(req.query, namespaceFieldLabels, namespaceFields);
    const { items, resourceVersion } = namespaces.list();
    const table = tableVersion(req);
    if (table) return sendTable(req, reply, table, namespaceColumns, namespaceCells, matches ? items.filter(matches) : items, { resourceVersion }, 'Namespace');
    const kept = (matches ? items.filter(matches) : items).map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    return sendJson(reply, { kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion }, items: kept });
  });
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
    if (table) return sendTable(req, reply, table, namespaceColumns, namespaceCells, [namespaces.get(req.params.name)], {}, 'Namespace');
    return sendJson(reply, namespaces.getBody(req.params.name));
  });
  app.delete('/api/v1/namespaces/:name', {
    schema: { operationId: 'deleteNamespace', tags, description: 'delete a Namespace', params, querystring: deleteQuery, response: { 200: refs.Namespace, ...errors } },
  }, async (req: Req, reply) => sendJson(reply, namespaces.delete(req.params.name, { dryRun: dryRun(req.query, 'DeleteOptions') })));
  app.route({ method: ['PUT', 'PATCH', 'POST'], url: '/api/v1/namespaces/:name', handler: async () => { throw methodNotAllowed(); }, schema: { hide: true } });
}
