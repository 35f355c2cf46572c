// The Swagger 2.0 document kube-apiserver serves at /openapi/v2, derived from our OpenAPI v3
// document (which is derived from the route schemas), so the two never disagree. kube-openapi
// builds both from the same Go types; the differences we reproduce are the ones clients see:
// definitions under `definitions`, a field's reference with its own description as a `$ref`
// beside a `description` (v3 needs `allOf` for that), IntOrString as
// `{type: string, format: int-or-string}`, request bodies as `in: body` parameters, and
// `consumes`/`produces` lists instead of per-media-type content.

type Json = Record<string, unknown>;

interface V3Document {
  info: Json;
  paths?: Record<string, Record<string, Json>>;
  components?: { schemas?: Record<string, Json> };
}

const v3Prefix = '#/components/schemas/';
const v2Prefix = '#/definitions/';
const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

function convertSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convertSchema);
  if (!node || typeof node !== 'object') return node;
  const s = node as Json;
  if (typeof s.$ref === 'string') return { ...s, $ref: s.$ref.replace(v3Prefix, v2Prefix) };
  // `allOf: [{$ref}]` only exists in v3 to put a description beside a reference.
  if (Array.isArray(s.allOf) && s.allOf.length === 1 && !s.properties) {
    const { allOf, ...rest } = s;
    return { ...(convertSchema(allOf[0]) as Json), ...convertSchemaProperties(rest) };
  }
  // kube-openapi: IntOrString's OpenAPISchemaType is string (v2) and its one-of types are v3 only.
  if (s.format === 'int-or-string') {
    const { oneOf: _oneOf, anyOf: _anyOf, ...rest } = s;
    return { ...convertSchemaProperties(rest), type: 'string' };
  }
  return convertSchemaProperties(s);
}

function convertSchemaProperties(s: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'nullable') continue; // no such keyword in Swagger 2.0
    if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v as Json).map(([name, sub]) => [name, convertSchema(sub)]));
    } else if (k === 'items' || k === 'additionalProperties' || k === 'allOf' || k === 'oneOf' || k === 'anyOf') {
      out[k] = typeof v === 'boolean' ? v : convertSchema(v);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** A v3 parameter (`schema: {type}`) as a Swagger 2.0 non-body parameter (`type` beside it). */
function convertParameter(p: Json): Json {
  const { schema, ...rest } = p;
  const s = (schema ?? {}) as Json;
  const out: Json = { ...rest, type: s.type ?? 'string' };
  if (s.format) out.format = s.format;
  if (s.enum) out.enum = s.enum;
  if (s.items) out.items = s.items;
  if (p.required === false) delete out.required;
  return out;
}

function convertOperation(op: Json): Json {
  const { requestBody, responses, parameters, ...rest } = op;
  const out: Json = { ...rest };
  const params = ((parameters ?? []) as Json[]).map(convertParameter);
  const body = requestBody as { content?: Record<string, { schema?: unknown }>; description?: string; required?: boolean } | undefined;
  if (body?.content) {
    const types = Object.keys(body.content);
    out.consumes = types;
    const schema = convertSchema(body.content[types[0]]?.schema ?? {});
    const bodyParam: Json = { name: 'body', in: 'body', required: body.required ?? false, schema };
    if (body.description) bodyParam.description = body.description;
    params.unshift(bodyParam);
  }
  const produces = new Set<string>();
  const converted: Json = {};
  for (const [code, r] of Object.entries((responses ?? {}) as Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>)) {
    const response: Json = { description: r.description ?? '' };
    const types = Object.keys(r.content ?? {});
    for (const t of types) produces.add(t);
    if (types.length) response.schema = convertSchema(r.content![types[0]].schema);
    converted[code] = response;
  }
  if (produces.size) out.produces = [...produces];
  if (params.length) out.parameters = params;
  out.responses = converted;
  return out;
}

export function swaggerV2(v3: unknown): Json {
  const doc = v3 as V3Document;
  const paths: Json = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const converted: Json = {};
    for (const m of methods) if (item[m]) converted[m] = convertOperation(item[m]);
    paths[path] = converted;
  }
  const definitions: Json = {};
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) definitions[name] = convertSchema(schema);
  const { title, version } = doc.info as { title: string; version: string };
  return { swagger: '2.0', info: { title, version }, paths, definitions };
}
