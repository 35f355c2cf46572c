// Routes for /api/v1/.../events: thin, like services.ts. Each handler reads the request, calls the
// event registry and encodes the answer; Kubernetes semantics live in registry/eventRegistry.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { refs } from '../model/definitions.js';
import { Event } from '../model/event.js';
import { eventCells, eventColumns } from '../printers/tables.js';
import { methodNotAllowed, unsupportedMediaType } from '../registry/errors.js';
import type { EventRegistry } from '../registry/eventRegistry.js';
import { applyPatch, patchContentTypes } from '../registry/patch/index.js';
import { eventPatchMeta } from '../registry/patch/strategicMerge.js';
import { eventFieldLabels, eventFields } from '../registry/selectors.js';
import { dropNulls, type ShapeCheck } from './decoding.js';
import { legacyWatchRoutes, listOrWatch, type CollectionResource, type ListWatchContext } from './listWatch.js';
import { decodeBody, deleteOptions, deleteQuery, dryRun, listQuery, readQuery, selectorFilter, writeQuery, type Query } from './requestOptions.js';
import { sendJson } from './respond.js';
import { sendTable, tableVersion } from './tableNegotiation.js';

export interface EventRoutesOptions {
  events: EventRegistry;
  checkEvent: ShapeCheck;
  listWatch: ListWatchContext;
}

const collection = '/api/v1/namespaces/:namespace/events';
const item = `${collection}/:name`;
const nsParams = Type.Object({ namespace: Type.String({ description: 'object name and auth scope, such as for teams and projects' }) });
const itemParams = Type.Object({
  namespace: Type.String({ description: 'object name and auth scope, such as for teams and projects' }),
  name: Type.String({ description: 'name of the Event' }),
});
const tags = ['core_v1'];
const errors = { 400: refs.Status, 404: refs.Status, 409: refs.Status, 422: refs.Status };
const patchTypes = Object.keys(patchContentTypes);

type Req = FastifyRequest<{ Params: { namespace: string; name: string }; Querystring: Query }>;

export const eventResource: CollectionResource<Event> = {
  resource: 'events', kind: 'Event', listKind: 'EventList', namespaced: true,
  fieldLabels: eventFieldLabels, fieldsOf: eventFields, columns: eventColumns, cells: eventCells,
};

/**
 * What DELETE answers. The event store, unlike the service store, does not set
 * ReturnDeletedObject, so kube-apiserver's finalizeDelete answers a removal with a Success
 * Status (details.kind is the resource, "events"); an event that finalizers keep comes back as
 * the object.
 */
function deleteAnswer(ev: Event): unknown {
  if (ev.metadata?.finalizers?.length) return ev;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: ev.metadata?.name ?? '', kind: 'events', uid: ev.metadata?.uid ?? '' } };
}

export async function eventRoutes(app: FastifyInstance, opts: EventRoutesOptions): Promise<void> {
  const { events, checkEvent } = opts;

  const list = (namespace: string | undefined, req: Req, reply: FastifyReply) => listOrWatch(opts.listWatch, eventResource, namespace, req, reply);

  app.get(collection, {
    schema: { operationId: 'listNamespacedEvent', tags, description: 'list or watch objects of kind Event', params: nsParams, querystring: listQuery, response: { 200: refs.EventList, ...errors } },
  }, async (req: Req, reply) => list(req.params.namespace, req, reply));

  app.get('/api/v1/events', {
    schema: { operationId: 'listEventForAllNamespaces', tags, description: 'list or watch objects of kind Event', querystring: listQuery, response: { 200: refs.EventList, ...errors } },
  }, async (req: Req, reply) => list(undefined, req, reply));

  app.post(collection, {
    schema: { operationId: 'createNamespacedEvent', tags, description: 'create an Event', params: nsParams, querystring: writeQuery, body: refs.Event, response: { 200: refs.Event, 201: refs.Event, 202: refs.Event, ...errors } },
  }, async (req: Req, reply) => {
    const dry = dryRun(req.query, 'CreateOptions');
    const body = decodeBody<Event>(Event, req.body, req.query, reply);
    return sendJson(reply.code(201), events.create(req.params.namespace, body, { dryRun: dry }));
  });

  app.delete(collection, {
    schema: { operationId: 'deleteCollectionNamespacedEvent', tags, description: 'delete collection of Event', params: nsParams, querystring: { ...listQuery, properties: { ...listQuery.properties, ...deleteQuery.properties } }, response: { 200: refs.Status, ...errors } },
  }, async (req: Req, reply) => {
    const dry = dryRun(req.query, 'DeleteOptions');
    const matches = selectorFilter<Event>(req.query, eventFieldLabels, eventFields);
    // The generic store's DeleteCollection answers with the list of what it deleted.
    const { items, resourceVersion } = events.deleteCollection(req.params.namespace, { matches }, { dryRun: dry });
    return sendJson(reply, { kind: 'EventList', apiVersion: 'v1', metadata: { resourceVersion }, items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest) });
  });

  app.get(item, {
    schema: { operationId: 'readNamespacedEvent', tags, description: 'read the specified Event', params: itemParams, querystring: readQuery, response: { 200: refs.Event, ...errors } },
  }, async (req: Req, reply) => {
    const table = tableVersion(req);
    if (table) {
      const ev = events.get(req.params.namespace, req.params.name);
      return sendTable(req, reply, table, eventResource, [ev], { resourceVersion: ev.metadata?.resourceVersion });
    }
    return sendJson(reply, events.getBody(req.params.namespace, req.params.name));
  });

  app.put(item, {
    schema: { operationId: 'replaceNamespacedEvent', tags, description: 'replace the specified Event', params: itemParams, querystring: writeQuery, body: refs.Event, response: { 200: refs.Event, 201: refs.Event, ...errors } },
  }, async (req: Req, reply) => {
    const dry = dryRun(req.query, 'UpdateOptions');
    const body = decodeBody<Event>(Event, req.body, req.query, reply);
    // The event strategy allows create on update: a PUT to a missing name creates it (201).
    const { object, created } = events.update(req.params.namespace, req.params.name, body, { dryRun: dry });
    return sendJson(reply.code(created ? 201 : 200), object);
  });

  app.patch(item, {
    schema: {
      operationId: 'patchNamespacedEvent', tags, description: 'partially update the specified Event', params: itemParams,
      querystring: { ...writeQuery, properties: { ...writeQuery.properties, force: Type.Optional(Type.String()) } },
      body: Type.Unknown({ description: 'a JSON patch (a list of operations), a merge patch or a strategic merge patch' }),
      consumes: patchTypes, response: { 200: refs.Event, 201: refs.Event, ...errors },
    },
  }, async (req: Req, reply) => {
    const type = patchContentTypes[(req.headers['content-type'] ?? '').split(';')[0].trim()];
    if (!type) throw unsupportedMediaType(patchTypes);
    const dry = dryRun(req.query, 'PatchOptions');
    const object = events.patch(req.params.namespace, req.params.name, (current) => {
      // Stored events carry null for unset times (as Go writes them); Go decodes a null into
      // the zero value, so nulls are dropped before the shape check, as for request bodies.
      const patched = dropNulls(applyPatch(type, current, req.body, eventPatchMeta));
      checkEvent(patched);
      return decodeBody<Event>(Event, patched, req.query, reply);
    }, { dryRun: dry });
    return sendJson(reply, object);
  });

  app.delete(item, {
    schema: { operationId: 'deleteNamespacedEvent', tags, description: 'delete an Event', params: itemParams, querystring: deleteQuery, response: { 200: refs.Status, 202: refs.Status, ...errors } },
  }, async (req: Req, reply) => {
    const options = deleteOptions(req.query, req.body, reply);
    return sendJson(reply, deleteAnswer(events.delete(req.params.namespace, req.params.name, options)));
  });

  legacyWatchRoutes(app, opts.listWatch, eventResource, 'events');

  // Verbs the resource does not have answer 405, as kube-apiserver does, not 404.
  const notAllowed = async () => {
    throw methodNotAllowed();
  };
  app.route({ method: ['PUT', 'PATCH'], url: collection, handler: notAllowed, schema: { hide: true } });
  app.route({ method: ['POST'], url: item, handler: notAllowed, schema: { hide: true } });
}
