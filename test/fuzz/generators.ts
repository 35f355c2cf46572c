// Structure-aware request generators for the HTTP fuzz suite (issue 15). Every request is a pure
// function of (seed, index): a failure report names both, and replaying that one index gives
// the same bytes whatever ran before it.
import type { TSchema } from 'typebox';
import { stringify as toYaml } from 'yaml';
import { messageOf } from '../../src/api/protobuf/codec.js';
import { encodeObject } from '../../src/api/protobuf/envelope.js';
import { Event } from '../../src/model/event.js';
import { DeleteOptions } from '../../src/model/meta.js';
import { Namespace } from '../../src/model/namespace.js';
import { Role } from '../../src/model/rbac.js';
import { Service } from '../../src/model/service.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** mulberry32: tiny, fast and good enough; Math.random cannot be seeded. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  weighted<T>(entries: ReadonlyArray<readonly [number, T]>): T {
    let total = 0;
    for (const [w] of entries) total += w;
    let r = this.next() * total;
    for (const [w, v] of entries) {
      r -= w;
      if (r < 0) return v;
    }
    return entries[entries.length - 1][1];
  }
}

/** Mixes seed and index (murmur3 finalizer) so neighbouring indices get unrelated streams. */
export function requestSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body with chunked transfer encoding instead of a Content-Length. */
  chunked?: boolean;
  /** What the generator meant to exercise; shown in failure reports. */
  label: string;
}

// The names the fuzzer aims at are few, so creates, updates and deletes hit the same objects.
export const fuzzNamespaces = ['fz-a', 'fz-b'] as const;
const serviceNamespaces = ['default', 'fz-a', 'fz-b', 'default', 'fz-a', 'fz-missing'];
const extraNamespaces = ['ns-0', 'ns-1', 'ns-2', 'ns-3'];
const serviceNames = Array.from({ length: 24 }, (_, i) => `s${i}`);
const eventNames = Array.from({ length: 12 }, (_, i) => `e${i}`);

// Raw splices: a string value or key equal to a marker is replaced, quotes included, by bytes
// that JSON.stringify cannot produce (invalid UTF-8, duplicate keys, deep nesting, odd numbers).
const markerPrefix = '@@RAW:';
class Splices {
  readonly pieces: Buffer[] = [];
  add(raw: Buffer | string): string {
    this.pieces.push(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
    return `${markerPrefix}${this.pieces.length - 1}@@`;
  }
  render(text: string): Buffer {
    if (!this.pieces.length) return Buffer.from(text, 'utf8');
    const out: Buffer[] = [];
    const re = /"@@RAW:(\d+)@@"/g;
    let last = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      out.push(Buffer.from(text.slice(last, m.index), 'utf8'));
      out.push(this.pieces[Number(m[1])]);
      last = m.index + m[0].length;
    }
    out.push(Buffer.from(text.slice(last), 'utf8'));
    return Buffer.concat(out);
  }
}

/** Sets an own enumerable key, so "__proto__" becomes a real key instead of the prototype. */
function setKey(obj: JsonObject, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const unicodeBits = ['名前', 'é', 'ß', 'Ω', '😀', '\u202e', '\u0000', '\u200b', 'ǅ', '\ufeff', 'Ā', 'ڪ', '\u{10ffff}', 'ﬀ', 'İ', '\ud83d'];
function unicodeString(rng: Rng, max = 12): string {
  let s = '';
  const n = rng.range(1, max);
  for (let i = 0; i < n; i++) s += rng.chance(0.6) ? rng.pick(unicodeBits) : String.fromCharCode(rng.range(0x20, 0x7e));
  return s;
}

const badUtf8 = [
  [0xff],
  [0xfe],
  [0xc3, 0x28],
  [0xa0, 0xa1],
  [0xe2, 0x28, 0xa1],
  [0xe2, 0x82],
  [0xf0, 0x28, 0x8c, 0xbc],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
];
function invalidUtf8String(rng: Rng): Buffer {
  const parts: Buffer[] = [Buffer.from('"')];
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.5)) parts.push(Buffer.from(rng.pick(['a', 'name', 'x-', '名']), 'utf8'));
    parts.push(Buffer.from(rng.pick(badUtf8)));
  }
  parts.push(Buffer.from('"'));
  return Buffer.concat(parts);
}

function deepText(rng: Rng, depth: number): string {
  switch (rng.int(4)) {
    case 0:
      return '['.repeat(depth) + ']'.repeat(depth);
    case 1:
      return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    case 2:
      return `${'[{"x":'.repeat(depth)}null${'}]'.repeat(depth)}`;
    default:
      return `${'{"spec":{"ports":['.repeat(depth)}{}${']}}'.repeat(depth)}`;
  }
}

function hugeString(rng: Rng): string {
  const len = rng.weighted([
    [10, 300],
    [6, 70_000],
    [3, 1_100_000],
    [1, 3_300_000],
  ] as const);
  return rng.pick(['a', 'é', '名', 'x.']).repeat(Math.ceil(len / 2));
}

function randomScalar(rng: Rng): Json {
  return rng.weighted<Json>([
    [2, rng.int(100000)],
    [1, -1],
    [1, 0],
    [1, 3.5],
    [1, 2 ** 53 + 2],
    [1, 1e300],
    [1, -2147483649],
    [1, 65536],
    [2, 'x'],
    [1, ''],
    [1, unicodeString(rng)],
    [1, true],
    [1, false],
    [2, null],
  ]);
}

function randomValue(rng: Rng, depth = 0): Json {
  if (depth > 3 || rng.chance(0.5)) return randomScalar(rng);
  if (rng.chance(0.5)) return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
  const o: JsonObject = {};
  for (let i = rng.int(4); i > 0; i--) setKey(o, rng.pick(['a', 'port', 'name', 'spec', unicodeString(rng, 4)]), randomValue(rng, depth + 1));
  return o;
}

/** A value of another JSON type than the one given, so decoders meet a wrong type. */
function otherType(rng: Rng, v: Json): Json {
  const options: Json[] = [];
  if (typeof v !== 'string') options.push(rng.pick(['80', 'abc', '', 'true', 'null']));
  if (typeof v !== 'number') options.push(rng.pick([80, -1, 0, 1.5, 1e21, 2 ** 63]));
  if (typeof v !== 'boolean') options.push(rng.chance(0.5));
  if (!Array.isArray(v)) options.push(rng.pick<Json[]>([[], [1], ['a', null], [{}]]));
  if (v === null || typeof v !== 'object' || Array.isArray(v)) options.push(rng.pick<Json>([{}, { a: 1 }, { port: 'x' }]));
  if (v !== null) options.push(null);
  return rng.pick(options);
}

// ---- valid objects -------------------------------------------------------------------------

export type ServiceKind = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName' | 'Headless';

function servicePorts(rng: Rng, withNodePort: boolean): JsonObject[] {
  const n = rng.weighted([
    [6, 1],
    [3, 2],
    [1, 3],
  ] as const);
  const ports: JsonObject[] = [];
  for (let i = 0; i < n; i++) {
    const p: JsonObject = { port: rng.pick([80, 443, 8080, 53, 9000 + i]) + i, protocol: rng.pick(['TCP', 'TCP', 'UDP', 'SCTP']) };
    if (n > 1 || rng.chance(0.3)) p.name = `p${i}`;
    if (rng.chance(0.5)) p.targetPort = rng.chance(0.5) ? rng.range(1, 65535) : rng.pick(['http', 'metrics', 'web']);
    if (withNodePort && rng.chance(0.2)) p.nodePort = rng.range(30000, 32767);
    if (rng.chance(0.1)) p.appProtocol = rng.pick(['http', 'kubernetes.io/h2c', 'grpc']);
    ports.push(p);
  }
  return ports;
}

export function validService(rng: Rng, name: string, namespace?: string, kind?: ServiceKind): JsonObject {
  const type = kind ?? rng.pick<ServiceKind>(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'Headless']);
  const metadata: JsonObject = { name };
  if (namespace && rng.chance(0.5)) metadata.namespace = namespace;
  if (rng.chance(0.7)) metadata.labels = { app: rng.pick(['web', 'db', 'cache']), fuzz: 'yes' };
  if (rng.chance(0.2)) metadata.annotations = { 'fuzz.svcplane.dev/note': unicodeString(rng) };
  if (rng.chance(0.05)) metadata.finalizers = ['fuzz.svcplane.dev/hold'];
  const spec: JsonObject = {};
  if (type === 'ExternalName') {
    spec.type = 'ExternalName';
    spec.externalName = rng.pick(['example.com', 'db.internal', 'a.b.c']);
    if (rng.chance(0.3)) spec.ports = servicePorts(rng, false);
  } else {
    if (type === 'Headless') spec.clusterIP = 'None';
    else if (rng.chance(0.6)) spec.type = type;
    else if (type !== 'ClusterIP') spec.type = type;
    if (type !== 'Headless' && rng.chance(0.1)) spec.clusterIP = `10.${rng.range(96, 111)}.${rng.int(256)}.${rng.range(1, 254)}`;
    spec.ports = servicePorts(rng, type === 'NodePort' || type === 'LoadBalancer');
    if (type === 'Headless' && rng.chance(0.3)) delete spec.ports;
    spec.selector = { app: rng.pick(['web', 'db', 'cache']) };
    if (rng.chance(0.15)) spec.sessionAffinity = 'ClientIP';
    if (rng.chance(0.1)) spec.ipFamilyPolicy = rng.pick(['SingleStack', 'PreferDualStack', 'RequireDualStack']);
    if (type === 'LoadBalancer') {
      if (rng.chance(0.4)) spec.externalTrafficPolicy = rng.pick(['Local', 'Cluster']);
      if (spec.externalTrafficPolicy === 'Local' && rng.chance(0.3)) spec.healthCheckNodePort = rng.range(30000, 32767);
      if (rng.chance(0.2)) spec.allocateLoadBalancerNodePorts = false;
      if (rng.chance(0.2)) spec.loadBalancerSourceRanges = ['10.0.0.0/8', '192.168.1.0/24'];
    }
    if (type === 'NodePort' && rng.chance(0.2)) spec.externalTrafficPolicy = 'Local';
  }
  const svc: JsonObject = { metadata, spec };
  if (rng.chance(0.8)) {
    svc.apiVersion = 'v1';
    svc.kind = 'Service';
  }
  return svc;
}

function serviceStatus(rng: Rng): JsonObject {
  const ingress: JsonObject = rng.chance(0.5) ? { ip: `203.0.113.${rng.int(256)}` } : { hostname: 'lb.example.com' };
  if (rng.chance(0.3)) ingress.ipMode = rng.pick(['VIP', 'Proxy']);
  if (rng.chance(0.2)) ingress.ports = [{ port: 80, protocol: 'TCP', error: 'fuzz' }];
  const status: JsonObject = { loadBalancer: { ingress: rng.chance(0.8) ? [ingress] : [] } };
  if (rng.chance(0.4)) {
    status.conditions = [
      { type: 'Fuzzed', status: rng.pick(['True', 'False', 'Unknown']), reason: 'Fuzz', message: 'm', lastTransitionTime: '2024-01-01T00:00:00Z' },
    ];
  }
  return status;
}

export function validNamespace(rng: Rng, name: string): JsonObject {
  const ns: JsonObject = { metadata: { name } };
  if (rng.chance(0.5)) (ns.metadata as JsonObject).labels = { team: rng.pick(['a', 'b']) };
  if (rng.chance(0.8)) {
    ns.apiVersion = 'v1';
    ns.kind = 'Namespace';
  }
  return ns;
}

export function validEvent(rng: Rng, name: string, namespace: string): JsonObject {
  const ts = `2024-0${rng.range(1, 9)}-1${rng.int(10)}T00:00:0${rng.int(10)}Z`;
  const ev: JsonObject = {
    metadata: { name, namespace },
    involvedObject: { kind: 'Service', apiVersion: 'v1', namespace, name: rng.pick(serviceNames) },
    reason: rng.pick(['Fuzzed', 'EnsuringLoadBalancer', 'Created']),
    message: rng.chance(0.8) ? 'fuzz event' : unicodeString(rng, 40),
    type: rng.pick(['Normal', 'Warning']),
    source: { component: 'fuzz' },
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: rng.range(1, 5),
  };
  if (rng.chance(0.3)) {
    ev.reportingComponent = 'fuzz';
    ev.reportingInstance = 'fuzz-1';
  }
  if (rng.chance(0.8)) {
    ev.apiVersion = 'v1';
    ev.kind = 'Event';
  }
  return ev;
}

// ---- mutations on the object tree -----------------------------------------------------------

/** Picks a random container (object or array) in the tree and a key in it. */
function randomSlot(rng: Rng, root: Json): { parent: JsonObject | Json[]; key: string | number } | undefined {
  let node: Json = root;
  let slot: { parent: JsonObject | Json[]; key: string | number } | undefined;
  for (let depth = 0; depth < 6; depth++) {
    if (node === null || typeof node !== 'object') break;
    const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (!keys.length) break;
    const key = rng.pick(keys);
    slot = { parent: node, key };
    node = Array.isArray(node) ? node[key as number] : node[key as string];
    if (rng.chance(0.3)) break;
  }
  return slot;
}

function getSlot(slot: { parent: JsonObject | Json[]; key: string | number }): Json {
  return Array.isArray(slot.parent) ? slot.parent[slot.key as number] : slot.parent[slot.key as string];
}
function putSlot(slot: { parent: JsonObject | Json[]; key: string | number }, v: Json): void {
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = v;
  else setKey(slot.parent, slot.key as string, v);
}

/** A random object node in the tree (root included), for adding keys. */
function randomObject(rng: Rng, root: Json): JsonObject | undefined {
  const objs: JsonObject[] = [];
  const walk = (n: Json, d: number) => {
    if (n === null || typeof n !== 'object' || d > 6) return;
    if (!Array.isArray(n)) objs.push(n);
    for (const v of Array.isArray(n) ? n : Object.values(n)) walk(v, d + 1);
  };
  walk(root, 0);
  return objs.length ? rng.pick(objs) : undefined;
}

type Mutation = (rng: Rng, root: JsonObject, splices: Splices) => string;

const mutations: ReadonlyArray<readonly [number, Mutation]> = [
  [
    6,
    (rng, root) => {
      const s = randomSlot(rng, root);
      if (!s) return 'noop';
      putSlot(s, otherType(rng, getSlot(s)));
      return `type-change@${String(s.key)}`;
    },
  ],
  [
    3,
    (rng, root) => {
      const s = randomSlot(rng, root);
      if (!s) return 'noop';
      if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
      else delete s.parent[s.key as string];
      return `remove@${String(s.key)}`;
    },
  ],
  [
    2,
    (rng, root) => {
      const s = randomSlot(rng, root);
      if (!s) return 'noop';
      putSlot(s, null);
      return `null@${String(s.key)}`;
    },
  ],
  [
    4,
    (rng, root) => {
      const o = randomObject(rng, root) ?? root;
      const key = rng.chance(0.5) ? rng.pick(['名前', 'ñame', 'Ωmega', '😀', 'ключ', 'clé', 'x\u0000y', '\u202eevil', '']) : unicodeString(rng);
      setKey(o, key, rng.chance(0.5) ? 1 : randomValue(rng));
      return 'unicode-unknown-field';
    },
  ],
  [
    3,
    (rng, root) => {
      const s = randomSlot(rng, root);
      if (!s) return 'noop';
      putSlot(s, unicodeString(rng, 30));
      return 'unicode-value';
    },
  ],
  [
    3,
    (rng, root) => {
      const o = randomObject(rng, root) ?? root;
      const key = rng.pick(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '__defineGetter__']);
      setKey(o, key, rng.pick<Json>([{ polluted: true }, { prototype: { polluted: true } }, 'x', 1, null, [], { toString: 1 }]));
      return `proto-key:${key}`;
    },
  ],
  [
    3,
    (rng, root, splices) => {
      const s = randomSlot(rng, root);
      if (!s) return 'noop';
      const depth = rng.weighted([
        [3, 100],
        [3, 1000],
        [4, 10_000],
        [1, 10_001],
        [1, 50_000],
      ] as const);
      putSlot(s, splices.add(deepText(rng, depth)));
      return `deep-${depth}`;
    },
  ],
  [
    3,
    (rng, root) => {
      const s = randomSlot(rng, root) ?? { parent: root, key: 'x' };
      putSlot(s, hugeString(rng));
      return 'huge-string';
    },
  ],
  [
    3,
    (rng, root) => {
      const n = rng.weighted([
        [4, 200],
        [3, 5000],
        [1, 100_000],
      ] as const);
      const what = rng.int(4);
      const spec = (root.spec && typeof root.spec === 'object' && !Array.isArray(root.spec) ? root.spec : (root.spec = {})) as JsonObject;
      const meta = (root.metadata && typeof root.metadata === 'object' && !Array.isArray(root.metadata) ? root.metadata : (root.metadata = {})) as JsonObject;
      if (what === 0) spec.ports = Array.from({ length: n }, (_, i) => ({ port: (i % 65535) + 1, name: `p${i}` }));
      else if (what === 1) meta.finalizers = Array.from({ length: n }, (_, i) => `f.dev/f${i}`);
      else if (what === 2) meta.labels = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
      else spec.externalIPs = Array.from({ length: n }, (_, i) => `10.0.${(i >> 8) & 255}.${i & 255}`);
      return `big-array-${what}-${n}`;
    },
  ],
  [
    3,
    (rng, root, splices) => {
      const s = randomSlot(rng, root);
      if (!s) return 'noop';
      putSlot(s, splices.add(invalidUtf8String(rng)));
      return 'invalid-utf8-value';
    },
  ],
  [
    3,
    (rng, root, splices) => {
      const o = randomObject(rng, root) ?? root;
      setKey(o, splices.add(invalidUtf8String(rng)), rng.chance(0.5) ? 1 : 'v');
      return 'invalid-utf8-key';
    },
  ],
  [
    3,
    (rng, root, splices) => {
      const o = randomObject(rng, root) ?? root;
      const keys = Object.keys(o);
      const key = keys.length && rng.chance(0.7) ? rng.pick(keys) : rng.pick(['name', 'type', 'spec', 'metadata']);
      // `"<key>":<value>,"<key>"` in place of one key: the same key twice in one object.
      const first = JSON.stringify(randomValue(rng)) ?? 'null';
      setKey(o, splices.add(`${JSON.stringify(key)}:${first},${JSON.stringify(key)}`), rng.chance(0.5) ? (o[key] ?? 1) : randomValue(rng));
      return `duplicate-key:${key}`;
    },
  ],
  [
    2,
    (rng, root, splices) => {
      const s = randomSlot(rng, root);
      if (!s) return 'noop';
      putSlot(
        s,
        splices.add(
          rng.pick(['1e999', '-0', '0.0000000000000000000000001', '123456789012345678901234567890', '1E+2', '"\\ud800"', '"\\u0000"', '"\\uDFFF\\uD800"']),
        ),
      );
      return 'odd-literal';
    },
  ],
];

function mutate(rng: Rng, root: JsonObject, splices: Splices): string[] {
  const applied: string[] = [];
  const n = rng.weighted([
    [6, 1],
    [3, 2],
    [1, 3],
  ] as const);
  for (let i = 0; i < n; i++) applied.push(rng.weighted(mutations)(rng, root, splices));
  return applied;
}

// ---- bodies ---------------------------------------------------------------------------------

interface Body {
  bytes: Buffer;
  contentType?: string;
  notes: string[];
}

/** Serialises a (possibly mutated) document and maybe damages the bytes or the framing. */
function encode(rng: Rng, doc: Json, splices: Splices, jsonType: string, notes: string[], _allowYaml: boolean): Body {
  let bytes = splices.render(JSON.stringify(doc));
  let contentType: string | undefined = jsonType;
  const damage = rng.weighted<string>([
    [30, 'none'],
    [2, 'truncate'],
    [1, 'empty'],
    [1, 'whitespace'],
    [1, 'garbage'],
    [1, 'bom'],
    [1, 'trailing'],
    [1, 'non-object'],
    [3, 'wrong-type'],
    [1, 'no-type'],
    [2, 'yaml'],
    [2, 'protobuf'],
    [3, 'protobuf-object'],
    [1, 'charset'],
  ]);
  switch (damage) {
    case 'truncate':
      bytes = bytes.subarray(0, rng.int(Math.max(1, bytes.length)));
      break;
    case 'empty':
      bytes = Buffer.alloc(0);
      break;
    case 'whitespace':
      bytes = Buffer.from(' \n\t ');
      break;
    case 'garbage':
      bytes = Buffer.from(rng.pick(['{', '}', 'nul', '{"a":}', '[', '\u0000\u0001', '{"metadata":{"name":"x"},}', "{'a':1}", 'NaN']));
      break;
    case 'bom':
      bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
      break;
    case 'trailing':
      bytes = Buffer.concat([bytes, Buffer.from(rng.pick(['}', ' {}', ',', '\u0000', ']]]']))]);
      break;
    case 'non-object':
      bytes = Buffer.from(rng.pick(['[]', '[{}]', '"str"', '42', 'null', 'true', `[${JSON.stringify(doc)}]`]));
      break;
    case 'wrong-type':
      contentType = rng.pick([
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/jsonx',
        'json',
        '*/*',
        'application/*',
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/strategic-merge-patch+json',
        'application/apply-patch+yaml',
        'application/json, text/plain',
        ';;;',
        'a/b/c',
        '名前/x',
      ]);
      break;
    case 'no-type':
      contentType = undefined;
      break;
    case 'charset':
      contentType = `${jsonType}; charset=${rng.pick(['utf-8', 'utf-16', 'latin1', 'bogus', '"utf-8"'])}`;
      break;
    case 'yaml':
      contentType = 'application/yaml';
      if (!splices.pieces.length && rng.chance(0.7)) {
        try {
          bytes = Buffer.from(toYaml(doc), 'utf8');
        } catch {
          // Unrepresentable in YAML: JSON is YAML too.
        }
      }
      if (rng.chance(0.2))
        bytes = Buffer.from(
          rng.pick([
            'a: [',
            '&a [*a]',
            '!!binary zzz',
            'a: !!js/function x',
            '---\na: 1\n---\nb: 2',
            'key: *undefinedalias',
            '? [a]\n: b',
            'x: 1\nx: 2',
            '<<: *a',
          ]),
        );
      break;
    case 'protobuf':
      contentType = 'application/vnd.kubernetes.protobuf';
      bytes = protobufGarbage(rng);
      break;
    case 'protobuf-object': {
      contentType = 'application/vnd.kubernetes.protobuf';
      const made = protobufObject(rng, doc);
      bytes = made.bytes;
      notes.push(made.note);
      break;
    }
  }
  notes.push(damage);
  return { bytes, contentType, notes };
}

/**
 * The document as a well-formed protobuf body (our encoder, fed whatever the mutations left),
 * of its own kind, of another kind than the path serves, of a kind nobody serves or in a version
 * that does not have it; then maybe truncated or with one bit flipped. Each must be a 400 (or
 * the write the body stands for), never a 500.
 */
function protobufObject(rng: Rng, doc: Json): { bytes: Buffer; note: string } {
  const [apiVersion, kind, schema] = rng.pick<readonly [string, string, TSchema]>([
    ['v1', 'Service', Service],
    ['v1', 'Namespace', Namespace],
    ['v1', 'Event', Event],
    ['v1', 'DeleteOptions', DeleteOptions],
    ['rbac.authorization.k8s.io/v1', 'Role', Role],
    ['v1', 'Pod', Service],
    ['apps/v1', 'Service', Service],
    ['', 'Service', Service],
  ]);
  const obj = doc && typeof doc === 'object' && !Array.isArray(doc) ? doc : {};
  let bytes = encodeObject(messageOf(schema) as NonNullable<ReturnType<typeof messageOf>>, apiVersion, kind, obj);
  const damage = rng.weighted<string>([
    [3, 'whole'],
    [2, 'truncated'],
    [2, 'bit-flip'],
  ]);
  if (damage === 'truncated') bytes = bytes.subarray(0, rng.int(bytes.length));
  else if (damage === 'bit-flip' && bytes.length > 0) {
    bytes = Buffer.from(bytes);
    bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
  }
  return { bytes, note: `${apiVersion}/${kind} ${damage}` };
}

function protobufGarbage(rng: Rng): Buffer {
  const n = rng.weighted([
    [5, 16],
    [3, 300],
    [1, 70_000],
  ] as const);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  // The "k8s\0" magic gets past the first check half the time, so the decoder proper is fuzzed.
  if (rng.chance(0.5)) Buffer.from([0x6b, 0x38, 0x73, 0x00]).copy(out);
  if (rng.chance(0.2) && n > 12) Buffer.from([0x0a, 0x0a, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x07, 0x53, 0x65, 0x72]).copy(out, 4);
  return out;
}

function objectBody(rng: Rng, doc: JsonObject, mutateIt: boolean): Body {
  const splices = new Splices();
  const notes = mutateIt ? mutate(rng, doc, splices) : ['valid'];
  return encode(rng, doc, splices, 'application/json', notes, true);
}

// ---- patches --------------------------------------------------------------------------------

const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'] as const;

const jsonPatchPaths = [
  '/spec/type',
  '/spec/ports',
  '/spec/ports/0',
  '/spec/ports/-',
  '/spec/ports/0/port',
  '/spec/ports/0/nodePort',
  '/spec/clusterIP',
  '/spec/clusterIPs',
  '/spec/clusterIPs/0',
  '/spec/selector',
  '/spec/externalName',
  '/metadata/labels',
  '/metadata/labels/a~1b',
  '/metadata/name',
  '/metadata/namespace',
  '/metadata/uid',
  '/metadata/resourceVersion',
  '/metadata/finalizers',
  '/metadata/finalizers/-',
  '/status',
  '/status/loadBalancer/ingress',
  '/kind',
  '/apiVersion',
  '',
  '/',
  '/spec/ports/99999999999',
  '/spec/ports/-1',
  '/metadata/__proto__/polluted',
  '/__proto__/polluted',
  '/constructor/prototype/polluted',
  '/spec/~2',
  '/名前',
  '/message',
  '/count',
  '/involvedObject/name',
  '/reason',
  '/spec/healthCheckNodePort',
  '/spec/ipFamilies',
  '/spec/ipFamilyPolicy',
];

function jsonPatchDoc(rng: Rng, kind: 'service' | 'event'): Json {
  const n = rng.weighted([
    [5, 1],
    [3, 2],
    [1, 5],
    [1, 0],
  ] as const);
  const ops: Json[] = [];
  for (let i = 0; i < n; i++) {
    const op: JsonObject = {
      op: rng.weighted([
        [4, 'replace'],
        [4, 'add'],
        [2, 'remove'],
        [1, 'move'],
        [1, 'copy'],
        [1, 'test'],
        [1, 'nop'],
        [1, ''],
      ] as const),
      path: rng.pick(jsonPatchPaths),
    };
    if (op.op === 'move' || op.op === 'copy') op.from = rng.pick(jsonPatchPaths);
    if (op.op !== 'remove' || rng.chance(0.1)) {
      op.value = rng.weighted<Json>([
        [
          3,
          kind === 'service'
            ? rng.pick<Json>(['NodePort', 'ClusterIP', 'LoadBalancer', 'ExternalName', 'None', 80, 30080, [{ port: 81 }], { a: 'b' }])
            : rng.pick<Json>(['msg', 3, 'Warning']),
        ],
        [2, randomValue(rng)],
      ]);
    }
    ops.push(op);
  }
  return rng.chance(0.05) ? (ops[0] ?? {}) : ops;
}

function mergePatchDoc(rng: Rng, kind: 'service' | 'event', strategic: boolean): JsonObject {
  if (kind === 'event') {
    const p: JsonObject = {};
    if (rng.chance(0.6)) p.message = rng.chance(0.8) ? 'patched' : unicodeString(rng);
    if (rng.chance(0.3)) p.count = rng.range(1, 100);
    if (rng.chance(0.2)) p.metadata = { labels: { a: 'b' } };
    if (rng.chance(0.1)) p.involvedObject = { name: 'other' };
    return p;
  }
  const base = validService(rng, 'patch');
  const p: JsonObject = {};
  const spec = base.spec as JsonObject;
  const sp: JsonObject = {};
  for (const k of Object.keys(spec)) if (rng.chance(0.5)) sp[k] = spec[k];
  if (rng.chance(0.3)) sp.type = rng.pick(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);
  if (rng.chance(0.1)) sp.clusterIP = null;
  if (rng.chance(0.1)) sp.ports = null;
  if (Object.keys(sp).length) p.spec = sp;
  if (rng.chance(0.3)) p.metadata = { labels: { patched: 'yes', gone: null } };
  if (rng.chance(0.1)) p.status = serviceStatus(rng);
  if (strategic && rng.chance(0.5)) {
    // Directives only the strategic merge patch knows.
    const d = rng.int(6);
    if (d === 0) p.$patch = rng.pick(['replace', 'delete', 'merge', 'bogus']);
    else if (d === 1) p.spec = { ...((p.spec as JsonObject) ?? {}), ports: [{ port: 80, $patch: rng.pick(['delete', 'replace', 'bogus']) }] };
    else if (d === 2)
      p.spec = { ...((p.spec as JsonObject) ?? {}), '$setElementOrder/ports': rng.pick<Json>([[{ port: 80 }, { port: 443 }], [{ port: 'x' }], 'x', [1]]) };
    else if (d === 3) p.metadata = { '$deleteFromPrimitiveList/finalizers': rng.pick<Json>([['a'], 'a', [1, null]]) };
    else if (d === 4) p.spec = { ...((p.spec as JsonObject) ?? {}), $retainKeys: rng.pick<Json>([['type', 'ports'], 'x', [1]]) };
    else p.spec = { ...((p.spec as JsonObject) ?? {}), ports: rng.pick<Json>([[{ $patch: 'replace' }], [{ name: 'p0' }], [{ port: null }], [null]]) };
  }
  return p;
}

function patchBody(rng: Rng, kind: 'service' | 'event', mutateIt: boolean): Body {
  const type = rng.pick(patchTypes);
  const splices = new Splices();
  let doc: Json = type === 'application/json-patch+json' ? jsonPatchDoc(rng, kind) : mergePatchDoc(rng, kind, type.includes('strategic'));
  const notes: string[] = [type.split('/')[1]];
  if (mutateIt) {
    // Mutations work on objects; a JSON patch array is wrapped so they reach its operations.
    const holder: JsonObject = { doc };
    notes.push(...mutate(rng, holder, splices));
    doc = holder.doc ?? null;
  }
  return encode(rng, doc, splices, type, notes, false);
}

// ---- query strings and paths ----------------------------------------------------------------

const oddQueries: readonly string[] = [
  'dryRun=bogus',
  'dryRun=All&dryRun=All',
  'dryRun=',
  'dryRun=all',
  'fieldValidation=Strict',
  'fieldValidation=Warn',
  'fieldValidation=Ignore',
  'fieldValidation=bogus',
  'fieldValidation=',
  'fieldValidation=Strict&fieldValidation=Ignore',
  'resourceVersion=abc',
  'resourceVersion=-1',
  'resourceVersion=99999999999999999999',
  'resourceVersion=0',
  'resourceVersionMatch=Exact',
  'resourceVersionMatch=bogus&resourceVersion=1',
  'labelSelector=a%20in%20(b',
  'labelSelector=!!',
  'labelSelector=a%3Db%2Cc!%3Dd',
  'labelSelector=%E5%90%8D%3D1',
  `labelSelector=${'a,'.repeat(3000)}`,
  'labelSelector=a%3D%3D%3Db',
  'labelSelector=x%20notin%20()',
  'fieldSelector=metadata.name%3Dx',
  'fieldSelector=spec.bogus%3D1',
  'fieldSelector=%3D%3D%3D',
  'fieldSelector=metadata.name%3D%3Dx%2C',
  'fieldSelector=spec.type%3DNodePort',
  'fieldSelector=involvedObject.name%3Ds1',
  'limit=-1',
  'limit=abc',
  'limit=1e9',
  'limit=1',
  'continue=garbage',
  'continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MX0',
  'timeoutSeconds=abc',
  'pretty=true',
  'pretty=maybe',
  'watch=false',
  'watch=0',
  'propagationPolicy=bogus',
  'propagationPolicy=Foreground',
  'gracePeriodSeconds=abc',
  'gracePeriodSeconds=-5',
  'orphanDependents=maybe',
  `fieldManager=${'m'.repeat(200)}`,
  'fieldManager=%E5%90%8D',
  'force=true',
  'a=%zz',
  'a=%ff%fe',
  '%ff=1',
  'labelSelector=%ff',
  'fieldSelector=%c3%28',
  'a[b]=c',
  '=&&=',
  'dryRun=All&fieldValidation=Strict',
  'sendInitialEvents=true',
  'allowWatchBookmarks=maybe',
  'includeUninitialized=1',
  'export=true',
  `x=${'y'.repeat(20000)}`,
];

function query(rng: Rng, dryRunChance: number): string {
  const parts: string[] = [];
  if (rng.chance(dryRunChance)) parts.push('dryRun=All');
  if (rng.chance(0.25)) parts.push(rng.pick(oddQueries));
  if (rng.chance(0.05)) parts.push(rng.pick(oddQueries));
  return parts.length ? `?${parts.join('&')}` : '';
}

const badNames = [
  'UPPER',
  'a'.repeat(300),
  '-lead',
  'trail-',
  'a_b',
  'a.b',
  '%E5%90%8D%E5%89%8D',
  '%2F',
  '..',
  '.',
  '%00',
  '%ff',
  '%',
  'a%20b',
  '%c3%28',
  'x'.repeat(64),
  '1234',
  '%F0%9F%98%80',
  'a:b',
  "a'b",
  '__proto__',
  'constructor',
];
const badNamespaces = ['NOPE', 'kube-system', 'kube-public', 'fz-missing', '%ff', '%2e%2e', 'a'.repeat(70), '__proto__', '', '%E5%90%8D'];

function serviceNs(rng: Rng): string {
  return rng.chance(0.03) ? rng.pick(badNamespaces) : rng.pick(serviceNamespaces);
}
function serviceName(rng: Rng): string {
  return rng.chance(0.03) ? rng.pick(badNames) : rng.pick(serviceNames);
}

/** A name to put in a body: usually the path's, sometimes another so PUT meets a mismatch. */
function bodyName(rng: Rng, pathName: string): string {
  if (rng.chance(0.9)) return decodeURIComponentSafe(pathName);
  return rng.pick([...serviceNames, 'UPPER', '', 'a'.repeat(300)]);
}
function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const badPaths: readonly string[] = [
  '/api/v1/namespaces/default/services/',
  '/api/v1/namespaces//services',
  '/api/v1/namespaces/default/services/s1/status/extra',
  '/api/v1/namespaces/default/services/s1/proxy',
  '/api/v1/namespaces/default/services/s1/scale',
  '/api/v2/namespaces/default/services',
  '/apis/core/v1/namespaces/default/services',
  '/api/v1/namespaces/default/pods',
  '/api/v1/namespaces/default/events/e1/status',
  '/api/v1/services/s1',
  '/api/v1//namespaces',
  '//api/v1/namespaces',
  '/api/v1/namespaces/default/services/%2e%2e/%2e%2e',
  '/api/v1/namespaces/%ff/services',
  '/api/v1/namespaces/default/services/s1%00',
  '/api/v1/namespaces/default/SERVICES',
  `/api/v1/namespaces/default/services/${'a'.repeat(9000)}`,
  '/apis/svcplane.dev/v1alpha1/allocations',
  '/apis/svcplane.dev/v1alpha1/allocations/node-port',
  '/apis/svcplane.dev/v1alpha1/allocations/%E5%90%8D',
  '/apis/events.k8s.io/v1/namespaces/default/events',
  '/api/v1/namespaces/default/endpoints/s1',
  '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
  '/api/v1/namespaces/default/services/s1/status/',
  '/api',
  '/apis',
  '/api/v1',
  '/openapi/v2',
  '/version',
  '/?x=1',
  '/%',
  '/api/v1/namespaces/default/services?%',
  '/api/v1/namespaces/fz-a/finalize',
  '/api/v1/namespaces/fz-a/status',
  '/healthz/../api/v1/services',
  '/api/v1/namespaces/default/services/s1/../s2',
];

// ---- requests -------------------------------------------------------------------------------

const acceptHeaders = [
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'application/json;as=Table;v=v1;g=meta.k8s.io',
  'application/json;as=Table;v=v1beta1;g=meta.k8s.io',
  'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io',
  'text/html',
  'application/foo',
  '*/*',
  'application/json;as=Bogus',
  'image/png, */*;q=0',
  '名前',
];

function withBody(rng: Rng, method: string, path: string, body: Body, label: string): FuzzRequest {
  const headers: Record<string, string> = {};
  if (body.contentType !== undefined) headers['content-type'] = body.contentType;
  if (rng.chance(0.08)) headers.accept = rng.pick(acceptHeaders);
  return { method, path, headers, body: body.bytes, chunked: rng.chance(0.1), label: `${label} [${body.notes.join(',')}]` };
}

function noBody(rng: Rng, method: string, path: string, label: string): FuzzRequest {
  const headers: Record<string, string> = {};
  if (rng.chance(0.1)) headers.accept = rng.pick(acceptHeaders);
  return { method, path, headers, label };
}

function deleteOptions(rng: Rng): Body | undefined {
  if (!rng.chance(0.2)) return undefined;
  const doc: JsonObject = rng.pick<JsonObject>([
    { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' },
    { gracePeriodSeconds: 0 },
    { dryRun: ['All'] },
    { preconditions: { uid: 'nope' } },
    { preconditions: { resourceVersion: '1' } },
    { propagationPolicy: 'bogus' },
    { dryRun: 'All' },
    { kind: 'Service' },
  ]);
  return objectBody(rng, doc, rng.chance(0.5));
}

function serviceRequest(rng: Rng): FuzzRequest {
  const ns = serviceNs(rng);
  const name = serviceName(rng);
  const collection = `/api/v1/namespaces/${ns}/services`;
  const item = `${collection}/${name}`;
  const mut = rng.chance(0.6);
  const op = rng.weighted<string>([
    [20, 'create'],
    [10, 'replace'],
    [6, 'status'],
    [16, 'patch'],
    [3, 'patch-status'],
    [6, 'delete'],
    [1, 'deletecollection'],
    [4, 'read'],
  ]);
  switch (op) {
    case 'create': {
      const doc = validService(rng, bodyName(rng, name), ns);
      return withBody(rng, 'POST', collection + query(rng, 0.15), objectBody(rng, doc, mut), 'service create');
    }
    case 'replace': {
      const doc = validService(rng, bodyName(rng, name), ns);
      if (rng.chance(0.15)) (doc.metadata as JsonObject).resourceVersion = rng.pick(['1', 'abc', '999999', '']);
      return withBody(rng, 'PUT', item + query(rng, 0.15), objectBody(rng, doc, mut), 'service replace');
    }
    case 'status': {
      const doc = validService(rng, bodyName(rng, name), ns, 'LoadBalancer');
      doc.status = serviceStatus(rng);
      return withBody(rng, 'PUT', `${item}/status${query(rng, 0.15)}`, objectBody(rng, doc, mut), 'service status replace');
    }
    case 'patch':
      return withBody(rng, 'PATCH', item + query(rng, 0.15), patchBody(rng, 'service', mut), 'service patch');
    case 'patch-status':
      return withBody(rng, 'PATCH', `${item}/status${query(rng, 0.15)}`, patchBody(rng, 'service', mut), 'service status patch');
    case 'delete': {
      const body = deleteOptions(rng);
      const path = item + query(rng, 0.15);
      return body ? withBody(rng, 'DELETE', path, body, 'service delete') : noBody(rng, 'DELETE', path, 'service delete');
    }
    case 'deletecollection': {
      const sel = rng.pick([
        '?labelSelector=app%3Dcache',
        '?labelSelector=app%3Ddb&dryRun=All',
        '?fieldSelector=metadata.name%3Ds3',
        '?labelSelector=nomatch%3D1',
        '',
      ]);
      return noBody(rng, 'DELETE', collection + sel, 'service deletecollection');
    }
    default:
      return noBody(rng, 'GET', (rng.chance(0.5) ? item : rng.chance(0.5) ? collection : '/api/v1/services') + query(rng, 0), 'service read');
  }
}

function namespaceRequest(rng: Rng): FuzzRequest {
  const name = rng.chance(0.1) ? rng.pick(badNamespaces) : rng.pick([...extraNamespaces, ...fuzzNamespaces, 'default']);
  const op = rng.weighted<string>([
    [6, 'create'],
    [1, 'delete'],
    [2, 'write'],
    [2, 'read'],
  ]);
  switch (op) {
    case 'create':
      return withBody(
        rng,
        'POST',
        `/api/v1/namespaces${query(rng, 0.15)}`,
        objectBody(rng, validNamespace(rng, decodeURIComponentSafe(name)), rng.chance(0.6)),
        'namespace create',
      );
    case 'delete': {
      // Deleting the namespaces the services live in would starve the rest of the run.
      const target = rng.chance(0.9) ? rng.pick(extraNamespaces) : name;
      return noBody(rng, 'DELETE', `/api/v1/namespaces/${target}${query(rng, 0.2)}`, 'namespace delete');
    }
    case 'write': {
      const method = rng.pick(['PUT', 'PATCH']);
      const body = method === 'PUT' ? objectBody(rng, validNamespace(rng, name), rng.chance(0.5)) : patchBody(rng, 'service', rng.chance(0.5));
      return withBody(rng, method, `/api/v1/namespaces/${name}${rng.chance(0.3) ? '/status' : ''}${query(rng, 0.2)}`, body, 'namespace write');
    }
    default:
      return noBody(rng, 'GET', (rng.chance(0.5) ? `/api/v1/namespaces/${name}` : '/api/v1/namespaces') + query(rng, 0), 'namespace read');
  }
}

function eventRequest(rng: Rng): FuzzRequest {
  const ns = serviceNs(rng);
  const name = rng.chance(0.03) ? rng.pick(badNames) : rng.pick(eventNames);
  const collection = `/api/v1/namespaces/${ns}/events`;
  const item = `${collection}/${name}`;
  const mut = rng.chance(0.6);
  const op = rng.weighted<string>([
    [8, 'create'],
    [4, 'replace'],
    [6, 'patch'],
    [3, 'delete'],
    [1, 'deletecollection'],
    [2, 'read'],
  ]);
  switch (op) {
    case 'create':
      return withBody(
        rng,
        'POST',
        collection + query(rng, 0.15),
        objectBody(rng, validEvent(rng, bodyName(rng, name), decodeURIComponentSafe(ns)), mut),
        'event create',
      );
    case 'replace':
      return withBody(
        rng,
        'PUT',
        item + query(rng, 0.15),
        objectBody(rng, validEvent(rng, bodyName(rng, name), decodeURIComponentSafe(ns)), mut),
        'event replace',
      );
    case 'patch':
      return withBody(rng, 'PATCH', item + query(rng, 0.15), patchBody(rng, 'event', mut), 'event patch');
    case 'delete':
      return noBody(rng, 'DELETE', item + query(rng, 0.15), 'event delete');
    case 'deletecollection':
      return noBody(
        rng,
        'DELETE',
        collection + rng.pick(['?fieldSelector=reason%3DFuzzed', '?labelSelector=a%3Db', '?dryRun=All', '']),
        'event deletecollection',
      );
    default:
      return noBody(rng, 'GET', (rng.chance(0.5) ? item : rng.chance(0.5) ? collection : '/api/v1/events') + query(rng, 0), 'event read');
  }
}

function oddRequest(rng: Rng): FuzzRequest {
  const path = rng.pick(badPaths);
  const method = rng.weighted<string>([
    [4, 'GET'],
    [3, 'POST'],
    [2, 'PUT'],
    [2, 'PATCH'],
    [2, 'DELETE'],
    [1, 'OPTIONS'],
    [1, 'PROPFIND'],
    [1, 'TRACE'],
  ]);
  if (method === 'GET' || method === 'OPTIONS' || method === 'TRACE' || rng.chance(0.3)) return noBody(rng, method, path, 'odd path');
  const body = method === 'PATCH' ? patchBody(rng, 'service', rng.chance(0.5)) : objectBody(rng, validService(rng, 's1'), rng.chance(0.5));
  return withBody(rng, method, path, body, 'odd path');
}

/** Request number `index` of the run seeded with `seed`. */
export function generateRequest(seed: number, index: number): FuzzRequest {
  const rng = new Rng(requestSeed(seed, index));
  return rng.weighted<(r: Rng) => FuzzRequest>([
    [62, serviceRequest],
    [10, namespaceRequest],
    [22, eventRequest],
    [6, oddRequest],
  ])(rng);
}
