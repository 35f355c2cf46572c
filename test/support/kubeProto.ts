// Kubernetes' own generated.proto files (test/fixtures/proto), loaded with protobufjs: an
// encoder and decoder nobody here wrote, reading kube's field numbers and types rather than ours.
// kubeJsonToProto turns an object's JSON form into the protobufjs form of its message, walking
// kube's .proto types (Time and MicroTime from RFC 3339, IntOrString, FieldsV1 as JSON bytes,
// ExtraValue), so the tests can encode any kind with it and compare decodes both ways.
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { repoRoot } from './kubectl.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'proto');

const files = [
  'k8s.io/api/core/v1/generated.proto',
  'k8s.io/api/coordination/v1/generated.proto',
  'k8s.io/api/discovery/v1/generated.proto',
  'k8s.io/api/rbac/v1/generated.proto',
  'k8s.io/api/authorization/v1/generated.proto',
  'k8s.io/api/authentication/v1/generated.proto',
  'k8s.io/api/events/v1/generated.proto',
];

export function loadKubeProtos(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(fixtures, target);
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

type Json = Record<string, unknown>;

const meta = 'k8s.io.apimachinery.pkg.apis.meta.v1.';

function timeOf(v: unknown, micro: boolean): Json | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  const fraction = /\.(\d+)/.exec(v);
  const nanos = micro && fraction ? Number(`${fraction[1]}000000`.slice(0, 6)) * 1000 : 0;
  return { seconds: Math.floor(ms / 1000), nanos };
}

/** The protobufjs form of an object's JSON, walking kube's message type. */
export function kubeJsonToProto(type: protobuf.Type, value: Json): Json {
  const out: Json = {};
  for (const field of type.fieldsArray) {
    const v = value[field.name];
    if (v === undefined || v === null) continue;
    const convert = (item: unknown): unknown => {
      const t = field.resolvedType;
      if (!(t instanceof protobuf.Type)) return item;
      const name = t.fullName.slice(1);
      if (name === `${meta}Time` || name === `${meta}MicroTime`) return timeOf(item, name.endsWith('MicroTime'));
      if (name === 'k8s.io.apimachinery.pkg.util.intstr.IntOrString') return typeof item === 'number' ? { type: 0, intVal: item } : { type: 1, strVal: item };
      if (name === `${meta}FieldsV1`) return { Raw: Buffer.from(JSON.stringify(item)) };
      if (name.endsWith('.ExtraValue')) return { items: item };
      return kubeJsonToProto(t, item as Json);
    };
    if (field instanceof protobuf.MapField) {
      const entries: Json = {};
      for (const [k, item] of Object.entries(v as Json)) entries[k] = convert(item);
      out[field.name] = entries;
    } else if (field.repeated) out[field.name] = (v as unknown[]).map(convert);
    else out[field.name] = convert(v);
  }
  return out;
}

/** Drops what Go's zero values leave behind ('' , 0, false, {}, []), so encoders that write zeros compare equal to ones that do not. */
export function withoutZeros(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutZeros);
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value && typeof value === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      const w = withoutZeros(v);
      if (w === '' || w === 0 || w === false || w === undefined || w === null) continue;
      if (Array.isArray(w) && w.length === 0) continue;
      if (w && typeof w === 'object' && !Array.isArray(w) && Object.keys(w).length === 0) continue;
      out[k] = w;
    }
    return out;
  }
  return value;
}

/** A decoded protobufjs message as a plain object (numbers for int64). */
export function plain(type: protobuf.Type, bytes: Uint8Array): Json {
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Buffer }) as Json;
}
