// The route installer: every REST route of a resource from its declaration and its store, as
// kube-apiserver's APIInstaller (k8s.io/apiserver/pkg/endpoints/installer.go) registers them
// from each REST storage. Handlers stay thin: read the request, call the store, encode the answer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ref, refs } from '../model/definitions.js';
import { methodNotAllowed, unsupportedMediaType } from '../registry/errors.js';
import type { ResourceStore, StoredBody } from '../registry/generic/store.js';
import type { KubeObject } from '../registry/generic/strategy.js';
import { applyPatch, patchContentTypes } from '../registry/patch/index.js';
import { applyConfiguration } from './apply.js';
import { groupVersion, pathPrefix, type ResourceDeclaration, type Verb } from '../resources/declaration.js';
import { userOf } from '../auth/user.js';
import { noteObjectName } from './audit.js';
import { dropNulls, type ShapeCheck } from './decoding.js';
import { legacyWatchRoutes, listOrWatch, type CollectionResource, type ListWatchContext } from './listWatch.js';
import {
  checkPatchOptions,
  decodeBody,
  deleteOptions,
  deleteQuery,
  dryRun,
  fieldManagerOf,
  forceOf,
  listQuery,
  readQuery,
  selectorFilter,
  writeQuery,
  type Query,
} from './requestOptions.js';
import { sendJson, sendProtobuf, sendStored, type StoredAnswer } from './respond.js';
import type { Message } from './protobuf/codec.js';
import { encodeList, encodeObject, encodeStatus, encodeStored, typeMetaOf, type ProtobufKinds } from './protobuf/envelope.js';
import { answersInProtobuf } from './protobuf/negotiation.js';
import { sendTable, tableVersion } from './tableNegotiation.js';
import { addWarnings } from './warnings.js';

/** One row of the server's resource table. */
export interface InstalledResource<T extends KubeObject> {
  declaration: ResourceDeclaration<T>;
  store: ResourceStore<T>;
}

export interface InstallContext {
  listWatch: ListWatchContext;
  shapeCheck(definition: string): ShapeCheck;
  /** Where the kinds served in protobuf are registered, for request decoding. */
  protobufKinds: ProtobufKinds;
  /** No write batch is committing: an answer may leave without waiting for durability. */
  settled(): boolean;
}

type Req = FastifyRequest<{ Params: { namespace?: string; name: string }; Querystring: Query }>;

const patchTypes = Object.keys(patchContentTypes);
const nsParam = { namespace: Type.String({ description: 'object name and auth scope, such as for teams and projects' }) };
const errors = { 400: refs.Status, 403: refs.Status, 404: refs.Status, 409: refs.Status, 422: refs.Status };

/** The fields list and watch read from a declaration. */
export function collectionOf<T extends KubeObject>(d: ResourceDeclaration<T>, protobuf?: Message): CollectionResource<T> {
  return {
    protobuf,
    resource: d.resource,
    apiVersion: groupVersion(d),
    kind: d.kind,
    listKind: d.listKind,
    namespaced: d.namespaced,
    fieldLabels: d.fieldLabels,
    fieldsOf: d.fieldsOf,
    columns: d.columns,
    cells: d.cells,
    fromStored: d.fromStored,
    operationGroupVersion: d.operationGroupVersion,
  };
}

/**
 * Sends an object of the resource (its stored JSON or the object), a Status, or the resource's
 * list, in the encoding the Accept header prefers: protobuf for kinds that have field numbers.
 * `stored` answers a read with a stored state as it is: its JSON, or its cached encoding.
 */
function responder(d: { kind: string; listKind: string; group: string; version: string }, message: Message | undefined, settled: () => boolean) {
  const apiVersion = groupVersion(d);
  const typeMeta = typeMetaOf(apiVersion, d.kind);
  const send = (reply: FastifyReply, value: unknown, list?: { resourceVersion?: string; items: object[] }): FastifyReply => {
    if (!answersInProtobuf(reply.request.headers.accept, message)) return sendJson(reply, value);
    if (list)
      return sendProtobuf(
        reply,
        encodeList(message, apiVersion, d.listKind, { resourceVersion: list.resourceVersion }, list.items as Record<string, unknown>[]),
      );
    if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status') {
      return sendProtobuf(reply, encodeStatus(value as Record<string, unknown>));
    }
    return sendProtobuf(reply, encodeObject(message, apiVersion, d.kind, value as string | Record<string, unknown>));
  };
  const stored = (reply: FastifyReply, state: StoredBody): FastifyReply => {
    const answer: StoredAnswer = answersInProtobuf(reply.request.headers.accept, message)
      ? { media: 'protobuf', encoding: encodeStored(message, typeMeta, state) }
      : { media: 'json', text: state.body };
    return sendStored(reply, answer, settled());
  };
  return { send, stored };
}

/** kube's operation ids: verb, Namespaced for namespaced kinds, the Kind, a suffix. */
function operationId(verb: string, d: { namespaced: boolean; kind: string; operationGroupVersion?: string }, suffix = ''): string {
  return `${verb}${d.operationGroupVersion ?? ''}${d.namespaced ? 'Namespaced' : ''}${d.kind}${suffix}`;
}

/**
 * What a DELETE answers. A store without ReturnDeletedObject answers a removal with a Success
 * Status (details.kind is the resource); an object that finalizers keep comes back as itself.
 */
function deleteAnswer<T extends KubeObject>(d: ResourceDeclaration<T>, obj: T): unknown {
  if (d.deleteAnswer === 'object' || obj.metadata?.finalizers?.length) return obj;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata?.name ?? '', kind: d.resource, uid: obj.metadata?.uid ?? '' },
  };
}

export function installResource<T extends KubeObject>(app: FastifyInstance, { declaration: d, store }: InstalledResource<T>, ctx: InstallContext): void {
  const can = (verb: Verb) => d.verbs.includes(verb);
  const prefix = pathPrefix(d);
  const collection = d.namespaced ? `${prefix}/namespaces/:namespace/${d.resource}` : `${prefix}/${d.resource}`;
  const item = `${collection}/:name`;
  const tags = [`${d.group ? d.group.split('.')[0] : 'core'}_${d.version}`];
  const object = ref(d.definition);
  const list = ref(d.listDefinition);
  const params = Type.Object({ ...(d.namespaced ? nsParam : {}), name: Type.String({ description: `name of the ${d.kind}` }) });
  const collectionParams = d.namespaced ? { params: Type.Object(nsParam) } : {};
  const check = ctx.shapeCheck(d.definition);
  const message = ctx.protobufKinds.register(groupVersion(d), d.kind, d.schema);
  const desc = collectionOf(d, message);
  const { send, stored } = responder(d, message, ctx.settled);
  const ns = (req: Req) => req.params.namespace ?? '';
  const a = /^[aeiou]/i.test(d.kind) ? 'an' : 'a';
  const manager = (req: Req) => fieldManagerOf(req.query, req.headers['user-agent']);

  if (can('list') || can('watch')) {
    const listHandler = (all: boolean) => async (req: Req, reply: FastifyReply) =>
      listOrWatch(ctx.listWatch, desc, all || !d.namespaced ? undefined : ns(req), req, reply);
    app.get(
      collection,
      {
        schema: {
          operationId: operationId('list', d),
          tags,
          description: `list or watch objects of kind ${d.kind}`,
          ...collectionParams,
          querystring: listQuery,
          response: { 200: list, ...errors },
        },
      },
      listHandler(false),
    );
    if (d.namespaced) {
      app.get(
        `${prefix}/${d.resource}`,
        {
          schema: {
            operationId: `list${d.operationGroupVersion ?? ''}${d.kind}ForAllNamespaces`,
            tags,
            description: `list or watch objects of kind ${d.kind}`,
            querystring: listQuery,
            response: { 200: list, ...errors },
          },
        },
        listHandler(true),
      );
    }
    if (can('watch')) legacyWatchRoutes(app, ctx.listWatch, desc, prefix, tags);
  }

  if (can('create')) {
    app.post(
      collection,
      {
        schema: {
          operationId: operationId('create', d),
          tags,
          description: `create ${a} ${d.kind}`,
          ...collectionParams,
          querystring: writeQuery,
          body: object,
          response: { 200: object, 201: object, 202: object, ...errors },
        },
      },
      async (req: Req, reply) => {
        const dry = dryRun(req.query, 'CreateOptions');
        const body = decodeBody<T>(d.schema, req.body, req.query, reply);
        const created = await store.create(ns(req), body, { dryRun: dry, user: userOf(req), fieldManager: manager(req) });
        noteObjectName(req, created.metadata?.name);
        return send(reply.code(201), created);
      },
    );
  }

  if (can('deletecollection')) {
    app.delete(
      collection,
      {
        schema: {
          operationId: operationId('deleteCollection', d),
          tags,
          description: `delete collection of ${d.kind}`,
          ...collectionParams,
          querystring: { ...listQuery, properties: { ...listQuery.properties, ...deleteQuery.properties } },
          response: { 200: refs.Status, ...errors },
        },
      },
      async (req: Req, reply) => {
        const options = deleteOptions(req.query, req.body, reply);
        const matches = selectorFilter<T>(req.query, d.fieldLabels, d.fieldsOf);
        // The generic store's DeleteCollection answers with the list of what it deleted.
        const { items, resourceVersion } = await store.deleteCollection(d.namespaced ? ns(req) : undefined, { matches }, options);
        const stripped = items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
        return send(
          reply,
          { kind: d.listKind, apiVersion: groupVersion(d), metadata: { resourceVersion }, items: stripped },
          { resourceVersion, items: stripped },
        );
      },
    );
  }

  if (can('get')) {
    app.get(
      item,
      {
        schema: {
          operationId: operationId('read', d),
          tags,
          description: `read the specified ${d.kind}`,
          params,
          querystring: readQuery,
          response: { 200: object, ...errors },
        },
      },
      async (req: Req, reply) => {
        const table = tableVersion(req);
        if (table) {
          const obj = await store.get(ns(req), req.params.name);
          return sendTable(req, reply, table, desc, [obj], { resourceVersion: obj.metadata?.resourceVersion });
        }
        return stored(reply, await store.getStored(ns(req), req.params.name));
      },
    );
  }

  if (can('update')) {
    app.put(
      item,
      {
        schema: {
          operationId: operationId('replace', d),
          tags,
          description: `replace the specified ${d.kind}`,
          params,
          querystring: writeQuery,
          body: object,
          response: { 200: object, 201: object, ...errors },
        },
      },
      async (req: Req, reply) => {
        const dry = dryRun(req.query, 'UpdateOptions');
        const body = decodeBody<T>(d.schema, req.body, req.query, reply);
        const { object: updated, created } = await store.update(ns(req), req.params.name, body, { dryRun: dry, user: userOf(req), fieldManager: manager(req) });
        return send(reply.code(created ? 201 : 200), updated);
      },
    );
  }

  const patchHandler = (subresource: 'main' | 'status') => async (req: Req, reply: FastifyReply) => {
    const type = patchContentTypes[(req.headers['content-type'] ?? '').split(';')[0].trim()];
    if (!type) throw unsupportedMediaType(patchTypes);
    checkPatchOptions(req.query, type === 'apply');
    const dry = dryRun(req.query, 'PatchOptions');
    if (type === 'apply') {
      const { object, created } = await applyConfiguration(store, ns(req), req.params.name, req.body, {
        fieldManager: req.query.fieldManager as string,
        force: forceOf(req.query),
        subresource,
        dryRun: dry,
        decode: (merged) => {
          const result = dropNulls(merged);
          check(result);
          return decodeBody<T>(d.schema, result, { ...req.query, fieldValidation: 'Ignore' }, reply);
        },
      });
      return send(reply.code(created ? 201 : 200), object);
    }
    const patched = await store.patch(
      ns(req),
      req.params.name,
      (current) => {
        // Stored objects may carry null for unset fields (as Go writes zero times); Go decodes a
        // null into the zero value, so nulls are dropped before the shape check, as for bodies.
        const result = dropNulls(applyPatch(type, current, req.body, d.patchMeta));
        check(result);
        return decodeBody<T>(d.schema, result, req.query, reply);
      },
      { subresource, dryRun: dry, user: userOf(req), fieldManager: manager(req) },
    );
    return send(reply, patched);
  };
  const patchSchema = (id: string, description: string) => ({
    operationId: id,
    tags,
    description,
    params,
    querystring: { ...writeQuery, properties: { ...writeQuery.properties, force: Type.Optional(Type.String()) } },
    body: Type.Unknown({ description: 'a JSON patch (a list of operations), a merge patch, a strategic merge patch or an apply configuration' }),
    consumes: patchTypes,
    response: { 200: object, 201: object, ...errors },
  });
  if (can('patch')) app.patch(item, { schema: patchSchema(operationId('patch', d), `partially update the specified ${d.kind}`) }, patchHandler('main'));

  if (can('delete')) {
    app.delete(
      item,
      {
        schema: {
          operationId: operationId('delete', d),
          tags,
          description: `delete ${a} ${d.kind}`,
          params,
          querystring: deleteQuery,
          response: d.deleteAnswer === 'object' ? { 200: object, 202: object, ...errors } : { 200: refs.Status, 202: refs.Status, ...errors },
        },
      },
      async (req: Req, reply) => send(reply, deleteAnswer(d, await store.delete(ns(req), req.params.name, deleteOptions(req.query, req.body, reply)))),
    );
  }

  if (d.statusSubresource) {
    const status = `${item}/status`;
    app.get(
      status,
      {
        schema: {
          operationId: operationId('read', d, 'Status'),
          tags,
          description: `read status of the specified ${d.kind}`,
          params,
          querystring: readQuery,
          response: { 200: object, ...errors },
        },
      },
      async (req: Req, reply) => stored(reply, await store.getStored(ns(req), req.params.name)),
    );
    app.put(
      status,
      {
        schema: {
          operationId: operationId('replace', d, 'Status'),
          tags,
          description: `replace status of the specified ${d.kind}`,
          params,
          querystring: writeQuery,
          body: object,
          response: { 200: object, ...errors },
        },
      },
      async (req: Req, reply) => {
        const dry = dryRun(req.query, 'UpdateOptions');
        const body = decodeBody<T>(d.schema, req.body, req.query, reply);
        return send(reply, await store.updateStatus(ns(req), req.params.name, body, { dryRun: dry, fieldManager: manager(req) }));
      },
    );
    app.patch(status, { schema: patchSchema(operationId('patch', d, 'Status'), `partially update status of the specified ${d.kind}`) }, patchHandler('status'));
    notAllowed(app, status, ['POST', 'DELETE']);
  }

  // Verbs the resource does not have answer 405, as kube-apiserver does, not 404.
  notAllowed(app, collection, ['PUT', 'PATCH', ...(can('create') ? [] : ['POST' as const]), ...(can('deletecollection') ? [] : ['DELETE' as const])]);
  notAllowed(app, item, [
    'POST',
    ...(can('update') ? [] : ['PUT' as const]),
    ...(can('patch') ? [] : ['PATCH' as const]),
    ...(can('delete') ? [] : ['DELETE' as const]),
  ]);
}

function notAllowed(app: FastifyInstance, url: string, methods: ('POST' | 'PUT' | 'PATCH' | 'DELETE')[]): void {
  if (methods.length === 0) return;
  app.route({
    method: methods,
    url,
    schema: { hide: true },
    config: { bodyUnread: true },
    handler: async () => {
      throw methodNotAllowed();
    },
  });
}

/**
 * The Warning of a deprecated resource on every request to its paths, the legacy /watch/ ones
 * and the verbs it refuses included: kube-apiserver's installer wraps the resource's every
 * handler in it, so the warning comes before anything else (an unknown field's) and with errors.
 */
export function installResourceWarnings(app: FastifyInstance, declarations: readonly ResourceDeclaration<KubeObject>[]): void {
  const warned = declarations
    .filter((d) => d.warning)
    .map((d) => ({ pattern: new RegExp(`^${pathPrefix(d)}/(watch/)?(namespaces/:namespace/)?${d.resource}(/|$)`), warning: d.warning! }));
  if (warned.length === 0) return;
  app.addHook('onRequest', (req, reply, done) => {
    const url = req.routeOptions.url;
    const found = url === undefined ? undefined : warned.find((w) => w.pattern.test(url));
    if (found) addWarnings(reply, [found.warning]);
    done();
  });
}
