// The Swagger 2.0 document as the protobuf message client-go asks for: discovery's
// OpenAPISchema() requests /openapi/v2 with Accept
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf and only understands that answer
// (there is no JSON fallback), so `kubectl explain --output=plaintext-openapiv2` and kubectl's
// v2 code paths need it. The message is gnostic's openapi.v2.Document (google/gnostic,
// openapiv2/OpenAPIv2.proto); field numbers below are that file's. Values without a proto type
// of their own (defaults, enum values, vendor extensions) travel as Any{yaml}, which
// kube-openapi reads with a YAML parser, so JSON text (valid YAML) is what we put there.

type Json = Record<string, unknown>;

/** A protobuf message being written: fields appended in call order. */
class Message {
  private readonly parts: Buffer[] = [];

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }

  string(field: number, value: unknown): this {
    if (typeof value !== 'string' || value === '') return this;
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  strings(field: number, values: unknown): this {
    if (Array.isArray(values)) for (const v of values) if (typeof v === 'string') this.bytes(field, Buffer.from(v, 'utf8'));
    return this;
  }

  bool(field: number, value: unknown): this {
    if (value !== true) return this;
    this.key(field, 0);
    this.varint(1);
    return this;
  }

  int64(field: number, value: unknown): this {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) return this;
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  double(field: number, value: unknown): this {
    if (typeof value !== 'number') return this;
    this.key(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.parts.push(b);
    return this;
  }

  message(field: number, m: Message | undefined): this {
    return m ? this.bytes(field, m.toBuffer()) : this;
  }

  private bytes(field: number, b: Buffer): this {
    this.key(field, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** Any{yaml}: JSON is YAML. */
const any = (value: unknown) => new Message().string(2, JSON.stringify(value));

/** The `x-` keys of an object as repeated NamedAny at `field`. */
function vendorExtensions(m: Message, field: number, obj: Json): Message {
  for (const [k, v] of Object.entries(obj)) if (k.startsWith('x-')) m.message(field, new Message().string(1, k).message(2, any(v)));
  return m;
}

function schema(s: Json): Message {
  const m = new Message().string(1, s.$ref).string(2, s.format).string(3, s.title).string(4, s.description);
  if ('default' in s) m.message(5, any(s.default));
  m.double(6, s.multipleOf)
    .double(7, s.maximum)
    .bool(8, s.exclusiveMaximum)
    .double(9, s.minimum)
    .bool(10, s.exclusiveMinimum)
    .int64(11, s.maxLength)
    .int64(12, s.minLength)
    .string(13, s.pattern)
    .int64(14, s.maxItems)
    .int64(15, s.minItems)
    .bool(16, s.uniqueItems)
    .int64(17, s.maxProperties)
    .int64(18, s.minProperties)
    .strings(19, s.required);
  if (Array.isArray(s.enum)) for (const v of s.enum) m.message(20, any(v));
  if (typeof s.additionalProperties === 'boolean') m.message(21, new Message().bool(2, s.additionalProperties));
  else if (isObject(s.additionalProperties)) m.message(21, new Message().message(1, schema(s.additionalProperties)));
  if (s.type !== undefined) m.message(22, new Message().strings(1, Array.isArray(s.type) ? s.type : [s.type]));
  if (isObject(s.items)) m.message(23, new Message().message(1, schema(s.items)));
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) if (isObject(sub)) m.message(24, schema(sub));
  if (isObject(s.properties)) {
    const props = new Message();
    for (const [name, sub] of Object.entries(s.properties)) if (isObject(sub)) props.message(1, new Message().string(1, name).message(2, schema(sub)));
    m.message(25, props);
  }
  m.bool(27, s.readOnly);
  if ('example' in s) m.message(30, any(s.example));
  return vendorExtensions(m, 31, s);
}

/** Query, path and header parameters share their first fields; the rest differ by one place. */
function nonBodyParameter(p: Json): Message {
  const where = p.in as string;
  const [wrapper, shift, vendor] = where === 'query' ? [3, 1, 23] : where === 'path' ? [4, 0, 22] : where === 'header' ? [1, 0, 22] : [2, 1, 23];
  // formData and query have allow_empty_value at 5, which moves every later field one place down.
  const sub = new Message().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
  if (shift) sub.bool(5, p.allowEmptyValue);
  sub.string(5 + shift, p.type).string(6 + shift, p.format);
  sub.bool(19 + shift, p.uniqueItems);
  vendorExtensions(sub, vendor, p);
  return new Message().message(2, new Message().message(wrapper, sub));
}

function parameter(p: Json): Message {
  if (typeof p.$ref === 'string') return new Message().message(2, new Message().string(1, p.$ref).string(2, p.description));
  if (p.in === 'body') {
    const body = new Message().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required);
    if (isObject(p.schema)) body.message(5, schema(p.schema));
    return new Message().message(1, new Message().message(1, vendorExtensions(body, 6, p)));
  }
  return new Message().message(1, nonBodyParameter(p));
}

function operation(op: Json): Message {
  const m = new Message()
    .strings(1, op.tags)
    .string(2, op.summary)
    .string(3, op.description)
    .string(5, op.operationId)
    .strings(6, op.produces)
    .strings(7, op.consumes);
  if (Array.isArray(op.parameters)) for (const p of op.parameters) if (isObject(p)) m.message(8, parameter(p));
  if (isObject(op.responses)) {
    const responses = new Message();
    for (const [code, r] of Object.entries(op.responses)) {
      if (!isObject(r)) continue;
      const response = new Message().string(1, r.description);
      if (isObject(r.schema)) response.message(2, new Message().message(1, schema(r.schema)));
      vendorExtensions(response, 5, r);
      responses.message(1, new Message().string(1, code).message(2, new Message().message(1, response)));
    }
    m.message(9, responses);
  }
  m.strings(10, op.schemes).bool(11, op.deprecated);
  return vendorExtensions(m, 13, op);
}

const pathItemFields: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

/** openapi.v2.Document for a Swagger 2.0 JSON document. */
export function encodeSwaggerV2(doc: Json): Buffer {
  const m = new Message().string(1, doc.swagger);
  if (isObject(doc.info))
    m.message(2, vendorExtensions(new Message().string(1, doc.info.title).string(2, doc.info.version).string(3, doc.info.description), 7, doc.info));
  m.string(3, doc.host).string(4, doc.basePath).strings(5, doc.schemes).strings(6, doc.consumes).strings(7, doc.produces);
  if (isObject(doc.paths)) {
    const paths = new Message();
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!isObject(item)) continue;
      const pi = new Message();
      for (const [method, field] of Object.entries(pathItemFields)) if (isObject(item[method])) pi.message(field, operation(item[method]));
      if (Array.isArray(item.parameters)) for (const p of item.parameters) if (isObject(p)) pi.message(9, parameter(p));
      paths.message(2, new Message().string(1, path).message(2, vendorExtensions(pi, 10, item)));
    }
    m.message(8, paths);
  }
  if (isObject(doc.definitions)) {
    const defs = new Message();
    for (const [name, s] of Object.entries(doc.definitions)) if (isObject(s)) defs.message(1, new Message().string(1, name).message(2, schema(s)));
    m.message(9, defs);
  }
  return vendorExtensions(m, 16, doc).toBuffer();
}
