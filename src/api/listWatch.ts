// GET on a collection: a list (JSON or Table, paginated) or, with ?watch, a stream of
// newline-delimited WatchEvents. One implementation for every resource, as kube-apiserver's
// generic handlers are; the resource contributes its kind, selectable fields and table.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { refs } from '../model/definitions.js';
import { readCollection, awaitRevision } from '../registry/collectionReader.js';
import { parseListOptions, parseResourceVersion, type ListOptions, type Query } from '../registry/listOptions.js';
import { StorageUnavailable, type ObjectStore } from '../storage/objectStore.js';
import { CompactedError, eventObject, type WatchEvent, type WatchHandle, type WatchHub, type WatchRequest } from '../watch/watchHub.js';
import type { ObjectMeta } from '../model/meta.js';
import { listQuery, selectorFilter } from './requestOptions.js';
import { sendJson, sendProtobuf } from './respond.js';
import type { Message } from './protobuf/codec.js';
import { encodeList, encodeObject, encodeStatus, encodeWatchFrame, protobufWatchContentType } from './protobuf/envelope.js';
import { answersInProtobuf } from './protobuf/negotiation.js';
import { chunkFrame, WatchStream } from './watchStream.js';
import { buildTable, includeObject, sendTable, tableVersion, type TableShape, type TableVersion } from './tableNegotiation.js';

interface Listable {
  metadata?: ObjectMeta;
}

export interface CollectionResource<T extends Listable> extends TableShape<T> {
  resource: string;
  /** group/version, as objects of this resource carry it. */
  apiVersion: string;
  listKind: string;
  namespaced: boolean;
  fieldLabels: readonly string[];
  fieldsOf: (obj: T) => Record<string, string>;
  /** The declaration's operationGroupVersion, for the legacy watch routes' operationIds. */
  operationGroupVersion?: string;
  /** Served over another kind's storage: a stored object as this group/version reads it. */
  fromStored?: (stored: never) => T;
  /** The kind's protobuf message; undefined for a kind served in JSON only. */
  protobuf?: Message;
}

/** The resource's objects from stored ones: parsed, and converted where it is served over another kind's storage. */
function reader<T extends Listable>(desc: CollectionResource<T>): (stored: unknown) => T {
  const convert = desc.fromStored as ((stored: unknown) => T) | undefined;
  return convert ?? ((obj) => obj as T);
}

/** A stored body as this resource's JSON text (the stored text itself when no conversion applies). */
function bodyOf<T extends Listable>(desc: CollectionResource<T>, body: string): string {
  return desc.fromStored ? JSON.stringify(reader(desc)(JSON.parse(body))) : body;
}

export interface ListWatchContext {
  store: ObjectStore;
  hub: WatchHub;
  /** kube-apiserver's --min-request-timeout: a watch without timeoutSeconds lasts 1 to 2 times this. */
  minRequestTimeoutMs?: number;
}

/** A watcher whose unread output passes this (beyond its initial burst) is too slow and is ended. */
const slowWatcherBytes = 8 * 1024 * 1024;

export async function listOrWatch<T extends Listable>(
  ctx: ListWatchContext,
  desc: CollectionResource<T>,
  namespace: string | undefined,
  req: FastifyRequest<{ Querystring: Query }>,
  reply: FastifyReply,
  extraMatch?: (obj: T) => boolean,
): Promise<FastifyReply> {
  const options = parseListOptions(req.query);
  const selected = selectorFilter<T>(req.query, desc.fieldLabels, desc.fieldsOf);
  const wanted = selected && extraMatch ? (o: T) => selected(o) && extraMatch(o) : (selected ?? extraMatch);
  // Selectors name this resource's fields; the store holds the stored kind's objects.
  const read = reader(desc);
  const matches = wanted && desc.fromStored ? (o: unknown) => wanted(read(o)) : (wanted as ((o: unknown) => boolean) | undefined);
  if (options.watch) {
    await serveWatch(ctx, desc, namespace, options, matches, req, reply);
    return reply;
  }
  const accept = matches ? (body: string) => matches(JSON.parse(body)) : undefined;
  const list = await readCollection(ctx.store, ctx.hub, { resource: desc.resource, namespaced: desc.namespaced, namespace }, options, accept);
  const meta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: list.resourceVersion };
  if (list.continue) meta.continue = list.continue;
  if (list.remainingItemCount !== undefined) meta.remainingItemCount = list.remainingItemCount;
  const table = tableVersion(req);
  if (table)
    return sendTable(
      req,
      reply,
      table,
      desc,
      list.bodies.map((b) => read(JSON.parse(b))),
      meta,
    );
  if (answersInProtobuf(req.headers.accept, desc.protobuf)) {
    const bodies = desc.fromStored ? list.bodies.map((b) => bodyOf(desc, b)) : list.bodies;
    return sendProtobuf(reply, encodeList(desc.protobuf, desc.apiVersion, desc.listKind, meta, bodies));
  }
  // Items go out as stored, minus kind/apiVersion, which the real server omits inside lists.
  const prefix = `{"kind":"${desc.kind}","apiVersion":"${desc.apiVersion}",`;
  const items = list.bodies.map((stored) => {
    const b = bodyOf(desc, stored);
    return b.startsWith(prefix) ? `{${b.slice(prefix.length)}` : b;
  });
  return sendJson(reply, `{"kind":"${desc.listKind}","apiVersion":"${desc.apiVersion}","metadata":${JSON.stringify(meta)},"items":[${items.join(',')}]}`);
}

async function serveWatch<T extends Listable>(
  ctx: ListWatchContext,
  desc: CollectionResource<T>,
  namespace: string | undefined,
  options: ListOptions,
  matches: ((obj: unknown) => boolean) | undefined,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const table = tableVersion(req);
  const include = table ? includeObject(req) : 'Metadata';
  const proto = table ? undefined : answersInProtobuf(req.headers.accept, desc.protobuf) ? desc.protobuf : undefined;
  const rv = parseResourceVersion(options.resourceVersion);
  // Everything that can fail with an HTTP error happens before the 200 goes out.
  if (rv > 0) await awaitRevision(ctx.store, ctx.hub, rv);
  const request: WatchRequest = {
    resource: desc.resource,
    kind: desc.kind,
    apiVersion: desc.apiVersion,
    namespace,
    matches,
    bookmarks: options.allowWatchBookmarks,
    timeoutMs: options.timeoutSeconds !== undefined ? options.timeoutSeconds * 1000 : defaultTimeout(ctx),
  };
  // The initial-events-end bookmark is a bookmark: only for a watcher that allows them
  // (kube-apiserver's isInitialEventsEndBookmarkRequired).
  if (options.sendInitialEvents === true) request.initialEventsEnd = options.allowWatchBookmarks;
  else if (options.sendInitialEvents === false) request.sinceRevision = rv > 0 ? rv : ctx.store.currentRevision();
  else if (rv > 0) request.sinceRevision = rv;

  reply.hijack();
  // A hijacked reply writes its own head: warnings the request collected go with it.
  const warning = reply.getHeader('warning');
  reply.raw.writeHead(200, {
    'Content-Type': proto ? protobufWatchContentType : 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
    ...(warning === undefined ? {} : { Warning: warning as string | string[] }),
  });
  const stream = new WatchStream(reply.raw);
  let live = false;
  let allowance = slowWatcherBytes;
  let headers = true;
  const sink = {
    send: (event: WatchEvent) => {
      if (stream.isClosed) return false;
      if (table) {
        const line = encodeTableEvent(desc, table, include, event, headers && event.type !== 'BOOKMARK' ? ((headers = false), true) : false);
        stream.write(line, () => chunkFrame(line));
        if (!live) allowance += line.length;
      } else if (desc.fromStored) {
        // Served over another kind's storage: the shared encodings are the stored kind's.
        if (proto) {
          const object = event.type === 'BOOKMARK' ? event.object : bodyOf(desc, event.object);
          const frame = encodeWatchFrame(event.type, encodeObject(proto, desc.apiVersion, desc.kind, object));
          stream.write(frame, () => chunkFrame(frame));
          if (!live) allowance += frame.length;
        } else {
          const line = convertedLine(desc, event);
          stream.write(line, () => chunkFrame(line));
          if (!live) allowance += line.length;
        }
      } else if (proto) {
        // As for JSON, every protobuf watcher of this event shares one frame and one chunk.
        // The object in-process sinks (controllers, DNS) parse once serves the encoder too.
        const frame = (event.protobuf ??= encodeWatchFrame(
          event.type,
          encodeObject(proto, desc.apiVersion, desc.kind, event.object, () => eventObject(event)),
        ));
        stream.write(frame, () => (event.protobufFrame ??= chunkFrame(frame)));
        if (!live) allowance += frame.length;
      } else {
        // Every plain watcher of this event shares one line and one framed chunk.
        const line = (event.encoded ??= `{"type":"${event.type}","object":${event.object}}\n`);
        stream.write(line, () => (event.frame ??= chunkFrame(line)));
        if (!live) allowance += line.length;
      }
      return !live || stream.backlog <= allowance;
    },
    end: () => stream.end(),
  };
  let handle: WatchHandle | undefined;
  let closed = false;
  reply.raw.on('close', () => {
    closed = true;
    handle?.stop();
  });
  try {
    handle = await ctx.hub.watch(request, sink);
    live = true;
    if (closed) handle.stop();
  } catch (err) {
    if (!(err instanceof CompactedError)) {
      // The head is sent, so a failure to start (the database unreachable) ends the stream with
      // an ERROR event rather than leaving it open and silent; the client watches again.
      const message = err instanceof StorageUnavailable ? err.message : 'an unexpected error occurred; see the server log';
      const status = {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `Internal error occurred: ${message}`,
        reason: 'InternalError',
        code: 500,
      };
      stream.end(proto ? encodeWatchFrame('ERROR', encodeStatus(status)) : `{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
      if (!(err instanceof StorageUnavailable)) throw err;
      return;
    }
    // The stream has started, so "too old" travels as an ERROR event, as kube-apiserver's watch cache sends it.
    const status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `too old resource version: ${err.requested} (${err.compacted})`,
      reason: 'Expired',
      code: 410,
    };
    stream.end(proto ? encodeWatchFrame('ERROR', encodeStatus(status)) : `{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
  }
}

/** Converted lines, by event and then by group/version, so fan-out converts each event once per group/version. */
const converted = new WeakMap<WatchEvent, Map<string, string>>();

function convertedLine<T extends Listable>(desc: CollectionResource<T>, event: WatchEvent): string {
  let lines = converted.get(event);
  if (!lines) converted.set(event, (lines = new Map()));
  let line = lines.get(desc.apiVersion);
  if (line === undefined) {
    // A bookmark is already this resource's (the watch request names the kind and group/version).
    const object = event.type === 'BOOKMARK' ? event.object : bodyOf(desc, event.object);
    line = `{"type":"${event.type}","object":${object}}\n`;
    lines.set(desc.apiVersion, line);
  }
  return line;
}

function defaultTimeout(ctx: ListWatchContext): number {
  const min = ctx.minRequestTimeoutMs ?? 1800_000;
  return Math.round(min * (1 + Math.random()));
}

/** A watch event whose object is a one-row Table; only the first carries the column definitions. */
function encodeTableEvent<T extends Listable>(
  desc: CollectionResource<T>,
  version: TableVersion,
  include: 'None' | 'Metadata' | 'Object',
  event: WatchEvent,
  columns: boolean,
): string {
  const parsed: unknown = JSON.parse(event.object);
  const obj = event.type === 'BOOKMARK' ? (parsed as T) : reader(desc)(parsed);
  const rows = event.type === 'BOOKMARK' ? [] : [obj];
  const table = buildTable(desc, version, include, rows, { resourceVersion: obj.metadata?.resourceVersion ?? String(event.revision) }, columns);
  return `{"type":"${event.type}","object":${JSON.stringify(table)}}\n`;
}

/**
 * The deprecated /api/v1/watch/... paths, still served by kube-apiserver and used by older
 * clients: the same stream as ?watch=true on the list path, one object by name or a collection.
 */
export function legacyWatchRoutes<T extends Listable>(
  app: FastifyInstance,
  ctx: ListWatchContext,
  desc: CollectionResource<T>,
  prefix: string,
  tags: string[],
): void {
  const plural = desc.resource;
  const gv = desc.operationGroupVersion ?? '';
  const response = { 200: refs.WatchEvent };
  const querystring = listQuery;
  const watchQuery = (req: FastifyRequest<{ Querystring: Query }>) => ({ ...req.query, watch: 'true' });
  type Req = FastifyRequest<{ Params: { namespace?: string; name?: string }; Querystring: Query }>;
  const run = (req: Req, reply: FastifyReply, namespace: string | undefined, name?: string) => {
    (req as { query: Query }).query = watchQuery(req);
    return listOrWatch(ctx, desc, namespace, req, reply, name === undefined ? undefined : (o) => o.metadata?.name === name).then(() => reply);
  };
  const ns = { namespace: Type.String({ description: 'object name and auth scope, such as for teams and projects' }) };
  const name = { name: Type.String({ description: `name of the ${desc.kind}` }) };
  const watchDesc = (what: string) =>
    `watch ${what}. deprecated: use the 'watch' parameter with a list operation instead${what.startsWith('changes to an') ? ", filtered to a single item with the 'fieldSelector' parameter" : ''}.`;
  if (desc.namespaced) {
    app.get(
      `${prefix}/watch/namespaces/:namespace/${plural}`,
      {
        schema: {
          operationId: `watch${gv}Namespaced${desc.kind}List`,
          tags,
          description: watchDesc(`individual changes to a list of ${desc.kind}`),
          params: Type.Object(ns),
          querystring,
          response,
        },
      },
      async (req: Req, reply) => run(req, reply, req.params.namespace),
    );
    app.get(
      `${prefix}/watch/namespaces/:namespace/${plural}/:name`,
      {
        schema: {
          operationId: `watch${gv}Namespaced${desc.kind}`,
          tags,
          description: watchDesc(`changes to an object of kind ${desc.kind}`),
          params: Type.Object({ ...ns, ...name }),
          querystring,
          response,
        },
      },
      async (req: Req, reply) => run(req, reply, req.params.namespace, req.params.name),
    );
    app.get(
      `${prefix}/watch/${plural}`,
      {
        schema: {
          operationId: `watch${gv}${desc.kind}ListForAllNamespaces`,
          tags,
          description: watchDesc(`individual changes to a list of ${desc.kind}`),
          querystring,
          response,
        },
      },
      async (req: Req, reply) => run(req, reply, undefined),
    );
  } else {
    app.get(
      `${prefix}/watch/${plural}`,
      {
        schema: {
          operationId: `watch${gv}${desc.kind}List`,
          tags,
          description: watchDesc(`individual changes to a list of ${desc.kind}`),
          querystring,
          response,
        },
      },
      async (req: Req, reply) => run(req, reply, undefined),
    );
    app.get(
      `${prefix}/watch/${plural}/:name`,
      {
        schema: {
          operationId: `watch${gv}${desc.kind}`,
          tags,
          description: watchDesc(`changes to an object of kind ${desc.kind}`),
          params: Type.Object(name),
          querystring,
          response,
        },
      },
      async (req: Req, reply) => run(req, reply, undefined, req.params.name),
    );
  }
}
