// Kubernetes' protobuf framing around the messages codec.ts reads and writes, as
// k8s.io/apimachinery/pkg/runtime/serializer/protobuf writes it:
// - a body (request or response) is the 4 magic bytes "k8s\0", then a runtime.Unknown
//   {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2 (the object's message), contentEncoding = 3,
//   contentType = 4}, the last two written empty (Unknown.NestedMarshalTo);
// - a list is its XxxList message {metadata = 1 (ListMeta), items = 2 (each item's message)};
// - a watch stream (Content-Type ...;stream=watch) is a sequence of frames, each a 4-byte
//   big-endian length and a bare metav1.WatchEvent {type = 1, object = 2 (RawExtension {raw = 1})}
//   (the stream's RawSerializer writes no magic), whose raw holds the object as a full body,
//   magic and Unknown included (the watch handler's embedded encoder).
//
// An object's encoding at a resourceVersion never changes, so the encodings of stored bodies are
// cached by uid and resourceVersion: a GET, a LIST or a watch event pays a copy, not an encode.
import { DeleteOptions, ListMeta, Status } from '../../model/meta.js';
import type { StoredBody } from '../../registry/generic/store.js';
import { decodeMessage, messageOf, planMessage, writePlanned, type Message } from './codec.js';
import { ProtobufDecodeError, WireReader, WIRE_BYTES, WIRE_END_GROUP, utf8Length, varintSize, writeString, writeVarint } from './wire.js';

export const protobufContentType = 'application/vnd.kubernetes.protobuf';
export const protobufWatchContentType = 'application/vnd.kubernetes.protobuf;stream=watch';

/** The 4-byte prefix of every Kubernetes protobuf body: "k8s\0". */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
/** Unknown's contentEncoding (3) and contentType (4), both empty, as Go writes them. */
const UNKNOWN_TRAILER = Buffer.from([0x1a, 0x00, 0x22, 0x00]);

const listMetaMessage = messageOf(ListMeta) as Message;
const statusMessage = messageOf(Status) as Message;
const deleteOptionsMessage = messageOf(DeleteOptions) as Message;

type JsonObject = Record<string, unknown>;

/** The kinds served in protobuf, by apiVersion and kind: the served kinds whose schemas have field numbers. */
export class ProtobufKinds {
  private readonly kinds = new Map<string, Message>();

  constructor() {
    // DeleteOptions decodes in meta.k8s.io as in every served group-version (metav1.AddToGroupVersion).
    this.kinds.set(key('meta.k8s.io/v1', 'DeleteOptions'), deleteOptionsMessage);
    this.kinds.set(key('meta.k8s.io/v1beta1', 'DeleteOptions'), deleteOptionsMessage);
    this.kinds.set(key('v1', 'Status'), statusMessage);
  }

  /** Registers a kind; undefined (and nothing registered) when its schema has no field numbers. */
  register(apiVersion: string, kind: string, schema: unknown): Message | undefined {
    const message = messageOf(schema);
    if (!message) return undefined;
    this.kinds.set(key(apiVersion, kind), message);
    this.kinds.set(key(apiVersion, 'DeleteOptions'), deleteOptionsMessage);
    return message;
  }

  get(apiVersion: string, kind: string): Message | undefined {
    return this.kinds.get(key(apiVersion, kind));
  }

  /** Decodes a request body (magic + runtime.Unknown) into the JSON object it stands for. */
  decode(body: Buffer): JsonObject {
    try {
      return this.decodeEnvelope(body);
    } catch (err) {
      if (err instanceof ProtobufDecodeError) throw err;
      throw new ProtobufDecodeError(`proto: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private decodeEnvelope(body: Buffer): JsonObject {
    if (!Buffer.isBuffer(body)) throw new ProtobufDecodeError('protobuf body must be a Buffer');
    if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new ProtobufDecodeError(`provided data does not appear to be a protobuf message, expected prefix [${[...MAGIC].join(' ')}]`);
    }
    const unknown = readUnknown(body);
    if (unknown.contentEncoding !== '') throw new ProtobufDecodeError(`unsupported content encoding "${unknown.contentEncoding}"`);
    if (unknown.kind === '') throw new ProtobufDecodeError("Object 'Kind' is missing in protobuf data");
    const message = this.get(unknown.apiVersion, unknown.kind);
    if (!message) throw new ProtobufDecodeError(`no kind "${unknown.kind}" is registered for version "${unknown.apiVersion}"`);
    const object = decodeMessage(message, body, unknown.raw[0], unknown.raw[1]);
    return { kind: unknown.kind, apiVersion: unknown.apiVersion, ...object };
  }
}

const key = (apiVersion: string, kind: string) => `${apiVersion}\0${kind}`;

const typeMetas = new Map<string, Buffer>();

/** Unknown's typeMeta field (key, length and message), made once per kind. */
export function typeMetaOf(apiVersion: string, kind: string): Buffer {
  const k = key(apiVersion, kind);
  let tm = typeMetas.get(k);
  if (!tm) {
    const a = Buffer.from(apiVersion);
    const b = Buffer.from(kind);
    const inner = 1 + varintSize(a.length) + a.length + 1 + varintSize(b.length) + b.length;
    tm = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
    tm[0] = 0x0a;
    let pos = writeVarint(tm, 1, inner);
    tm[pos++] = 0x0a;
    pos = writeVarint(tm, pos, a.length);
    pos += a.copy(tm, pos);
    tm[pos++] = 0x12;
    pos = writeVarint(tm, pos, b.length);
    b.copy(tm, pos);
    typeMetas.set(k, tm);
  }
  return tm;
}

interface UnknownFields {
  apiVersion: string;
  kind: string;
  raw: [number, number];
  contentEncoding: string;
}

/** runtime.Unknown after the magic; fields seen twice merge (typeMeta) or the last wins. */
function readUnknown(body: Buffer): UnknownFields {
  const out: UnknownFields = { apiVersion: '', kind: '', raw: [0, 0], contentEncoding: '' };
  const r = new WireReader(body, MAGIC.length, body.length);
  const expectBytes = (wire: number, field: string) => {
    if (wire !== WIRE_BYTES) throw new ProtobufDecodeError(`proto: Unknown: wrong wireType = ${wire} for field ${field}`);
  };
  while (!r.done) {
    const { field, wire } = r.key('Unknown');
    if (wire === WIRE_END_GROUP) throw new ProtobufDecodeError('proto: Unknown: wiretype end group for non-group');
    if (field === 1) {
      expectBytes(wire, 'TypeMeta');
      const tm = r.sub();
      while (!tm.done) {
        const k = tm.key('TypeMeta');
        if (k.field === 1 || k.field === 2) {
          expectBytes(k.wire, k.field === 1 ? 'APIVersion' : 'Kind');
          if (k.field === 1) out.apiVersion = tm.string();
          else out.kind = tm.string();
        } else tm.skip(k.wire, k.field);
      }
    } else if (field === 2) {
      expectBytes(wire, 'Raw');
      const { start, end } = r.lengthDelimited();
      out.raw = [start, end];
    } else if (field === 3) {
      expectBytes(wire, 'ContentEncoding');
      out.contentEncoding = r.string();
    } else r.skip(wire, field);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding, with the encodings of stored bodies cached

interface Encoded {
  /** The stored state it was made from: its resourceVersion and its body's length (a cheap check). */
  resourceVersion: number;
  length: number;
  /** The object's message alone, as a list item carries it. */
  bare: Buffer;
  /** Magic + Unknown around it (a GET's body, a watch event's object), and the typeMeta it was made with. */
  whole?: Buffer;
  typeMeta?: Buffer;
  /** `whole` with its latin1 string, made for the first GET of it (encodeStored). */
  forGet?: StoredEncoding;
}

/**
 * A GET's protobuf body: its bytes, and the same bytes as a latin1 string (one byte a
 * character), which api/respond.ts sendStored writes with the response head in one piece.
 */
export interface StoredEncoding {
  readonly bytes: Buffer;
  readonly latin1: string;
}

/**
 * Encodings of stored bodies, per message, by the object's uid, each for one resourceVersion: a
 * stored object at a resourceVersion is one state, so its encoding never changes, and a newer
 * state replaces the older one. Keyed by the uid, not the body's text: a LIST reads fresh strings
 * from the database, and hashing 10,000 whole bodies was a third of the list's encoding. A GET
 * knows uid and resourceVersion from the row and reads no text at all; the uid string it holds
 * comes from the read cache, so its hash is computed once.
 */
class EncodingCache {
  private readonly entries = new Map<string, Encoded>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(uid: string, resourceVersion: number, length: number): Encoded | undefined {
    const hit = this.entries.get(uid);
    return hit && hit.resourceVersion === resourceVersion && hit.length === length ? hit : undefined;
  }

  set(uid: string, value: Encoded): void {
    const old = this.entries.get(uid);
    if (old) {
      this.bytes -= entryBytes(uid, old);
      // Deleted first so that the entry moves to the end: eviction goes oldest first.
      this.entries.delete(uid);
    }
    this.entries.set(uid, value);
    this.bytes += entryBytes(uid, value);
    // Oldest first: Map iterates in insertion order.
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= entryBytes(k, v);
    }
  }
}

/** What an entry may come to hold: `bare`, `whole` and its latin1 string, each about as long. */
function entryBytes(uid: string, e: Encoded): number {
  return e.bare.length * 3 + uid.length;
}

const caches = new WeakMap<Message, EncodingCache>();
const cacheBytes = 64 * 1024 * 1024;

function cacheOf(message: Message): EncodingCache {
  let cache = caches.get(message);
  if (!cache) {
    cache = new EncodingCache(cacheBytes);
    caches.set(message, cache);
  }
  return cache;
}

const UID = '"uid":"';
const RESOURCE_VERSION = '"resourceVersion":"';

/**
 * uid and resourceVersion of a stored body, from its text: metadata comes first in a stored
 * object, and in it uid before resourceVersion (the canonical field order), so the first of each
 * are the object's own. undefined (not cached) without both: bookmarks, objects never stored.
 */
function storedIdentity(body: string): { uid: string; resourceVersion: number } | undefined {
  const u = body.indexOf(UID);
  if (u < 0 || u > 2048) return undefined;
  const uEnd = body.indexOf('"', u + UID.length);
  const r = body.indexOf(RESOURCE_VERSION, uEnd);
  if (r < 0 || r > 4096) return undefined;
  // A stored resourceVersion is the decimal revision; anything else is not cached.
  let resourceVersion = 0;
  let i = r + RESOURCE_VERSION.length;
  for (let c = body.charCodeAt(i); c !== 0x22; c = body.charCodeAt(++i)) {
    // NaN past the end of the text fails this too.
    if (!(c >= 0x30 && c <= 0x39)) return undefined;
    resourceVersion = resourceVersion * 10 + (c - 0x30);
  }
  if (i === r + RESOURCE_VERSION.length) return undefined;
  return { uid: body.slice(u + UID.length, uEnd), resourceVersion };
}

/**
 * The cached encoding of a stored state, made on a miss. `parsed` gives the body as an object
 * where a caller already has it (a watch event's, parsed once for every in-process sink): a miss
 * then skips a JSON.parse, and the garbage of a second copy.
 */
function encodedState(message: Message, uid: string, resourceVersion: number, body: string, parsed?: () => unknown): Encoded {
  const cache = cacheOf(message);
  let hit = cache.get(uid, resourceVersion, body.length);
  if (!hit) {
    const obj = (parsed ? parsed() : JSON.parse(body)) as JsonObject;
    hit = { resourceVersion, length: body.length, bare: encodePlain(message, obj) };
    cache.set(uid, hit);
  }
  return hit;
}

/** The cached encoding of a stored body, made on a miss; undefined for a body that is not cached. */
function encoded(message: Message, body: string, parsed?: () => unknown): Encoded | undefined {
  const id = storedIdentity(body);
  return id && encodedState(message, id.uid, id.resourceVersion, body, parsed);
}

/** An object's message bytes; `body` is its stored JSON (cached) or the object itself. */
export function encodeBare(message: Message, body: string | JsonObject): Buffer {
  if (typeof body !== 'string') return encodePlain(message, body);
  return encoded(message, body)?.bare ?? encodePlain(message, JSON.parse(body) as JsonObject);
}

function encodePlain(message: Message, obj: JsonObject): Buffer {
  const p = planMessage(message, obj);
  const buf = Buffer.allocUnsafe(p.length);
  writePlanned(p, buf, 0);
  return buf;
}

/** Magic + Unknown around `raw`. */
function envelope(typeMeta: Buffer, raw: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(MAGIC.length + typeMeta.length + 1 + varintSize(raw.length) + raw.length + UNKNOWN_TRAILER.length);
  let pos = MAGIC.copy(buf, 0);
  pos += typeMeta.copy(buf, pos);
  buf[pos++] = 0x12;
  pos = writeVarint(buf, pos, raw.length);
  pos += raw.copy(buf, pos);
  UNKNOWN_TRAILER.copy(buf, pos);
  return buf;
}

/**
 * A full protobuf body for one object (magic, Unknown, the object's message). `parsed`: the
 * stored body as an object, where the caller has it already (see encodedState).
 */
export function encodeObject(message: Message, apiVersion: string, kind: string, body: string | JsonObject, parsed?: () => unknown): Buffer {
  const tm = typeMetaOf(apiVersion, kind);
  if (typeof body !== 'string') return envelope(tm, encodePlain(message, body));
  const hit = encoded(message, body, parsed);
  return hit ? whole(hit, tm) : envelope(tm, encodePlain(message, (parsed ? parsed() : JSON.parse(body)) as JsonObject));
}

/**
 * A GET's full protobuf body for a stored state. `typeMeta` comes from typeMetaOf, once per
 * route: the hot path reads no text and builds no string.
 */
export function encodeStored(message: Message, typeMeta: Buffer, stored: StoredBody): StoredEncoding {
  const hit = encodedState(message, stored.uid, stored.resourceVersion, stored.body);
  const bytes = whole(hit, typeMeta);
  if (hit.forGet?.bytes !== bytes) hit.forGet = { bytes, latin1: bytes.toString('latin1') };
  return hit.forGet;
}

function whole(hit: Encoded, tm: Buffer): Buffer {
  if (hit.typeMeta !== tm || !hit.whole) {
    hit.whole = envelope(tm, hit.bare);
    hit.typeMeta = tm;
  }
  return hit.whole;
}

/** A meta/v1 Status (an error, or a deletion's Success) as a full protobuf body. */
export function encodeStatus(status: JsonObject): Buffer {
  return envelope(typeMetaOf('v1', 'Status'), encodePlain(statusMessage, status));
}

export interface ListMetaJson {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A list (XxxList {metadata = 1, items = 2}) as a full protobuf body, its items copied from the cache. */
export function encodeList(item: Message, apiVersion: string, listKind: string, meta: ListMetaJson, bodies: readonly (string | JsonObject)[]): Buffer {
  const tm = typeMetaOf(apiVersion, listKind);
  const metaPlan = planMessage(listMetaMessage, meta as JsonObject);
  const items = bodies.map((b) => encodeBare(item, b));
  let length = 1 + varintSize(metaPlan.length) + metaPlan.length;
  for (const b of items) length += 1 + varintSize(b.length) + b.length;
  const buf = Buffer.allocUnsafe(MAGIC.length + tm.length + 1 + varintSize(length) + length + UNKNOWN_TRAILER.length);
  let pos = MAGIC.copy(buf, 0);
  pos += tm.copy(buf, pos);
  buf[pos++] = 0x12;
  pos = writeVarint(buf, pos, length);
  buf[pos++] = 0x0a;
  pos = writeVarint(buf, pos, metaPlan.length);
  pos = writePlanned(metaPlan, buf, pos);
  for (const b of items) {
    buf[pos++] = 0x12;
    pos = writeVarint(buf, pos, b.length);
    pos += b.copy(buf, pos);
  }
  UNKNOWN_TRAILER.copy(buf, pos);
  return buf;
}

/**
 * One watch stream frame: a 4-byte big-endian length, then metav1.WatchEvent {type, object:
 * RawExtension {raw: the object as a full body}}.
 */
export function encodeWatchFrame(type: string, object: Buffer): Buffer {
  const typeLen = utf8Length(type);
  const raw = 1 + varintSize(object.length) + object.length;
  const event = 1 + varintSize(typeLen) + typeLen + 1 + varintSize(raw) + raw;
  const buf = Buffer.allocUnsafe(4 + event);
  buf.writeUInt32BE(event, 0);
  let pos = 4;
  buf[pos++] = 0x0a;
  pos = writeString(buf, writeVarint(buf, pos, typeLen), type, typeLen);
  buf[pos++] = 0x12;
  pos = writeVarint(buf, pos, raw);
  buf[pos++] = 0x0a;
  pos = writeVarint(buf, pos, object.length);
  object.copy(buf, pos);
  return buf;
}
