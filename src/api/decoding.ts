// Request decoding as kube-apiserver's codecs do it: bodies may be JSON or YAML; a value of the
// wrong JSON type is a 400 BadRequest, but an unknown enum value decodes fine (validation
// reports it as a 422 field error), so the schemas' string enums are dropped before compiling.
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { parse as parseYaml } from 'yaml';
import { badRequest } from '../registry/errors.js';
import { NestingError, checkJsonDepth, checkValueDepth } from './bodyGuard.js';
import { sharedSchemas } from '../model/definitions.js';
import { ProtobufKinds, protobufContentType } from './protobuf/envelope.js';
import { ProtobufDecodeError } from './protobuf/wire.js';
import { setOwn } from '../model/ownProperty.js';

type Schema = Record<string, unknown>;

/** Turns every string enum into a plain string, recursively. */
export function relaxEnums(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(relaxEnums);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  const isStringEnum = (schema as Schema).type === 'string';
  for (const [k, v] of Object.entries(schema as Schema)) {
    if (k === 'enum' && isStringEnum) continue;
    out[k] = k === 'const' || k === 'enum' ? v : relaxEnums(v);
  }
  return out;
}

/** Go decodes a JSON null into a field's zero value, so a null is as good as an absent field. */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) setOwn(out, k, dropNulls(v));
  return out;
}

// A JSON string may spell half of a UTF-16 surrogate pair (\ud83d) with nothing after it. Go's
// decoder (encoding/json, sigs.k8s.io/json) turns each such lone surrogate into U+FFFD, so Go
// never holds text that is not valid Unicode; JSON.parse keeps it, and a name or label stored
// with it cannot be put in a URL (encodeURIComponent throws) or sent back as UTF-8 faithfully.
// Only a \u escape in the text can make one (decoded bytes never do), so most bodies skip the walk.
const surrogateEscape = /\\(?:u|U0000)[dD][89a-fA-F]/;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const fixString = (s: string) => s.replace(loneSurrogate, '\uFFFD');

/** Replaces every lone surrogate, in keys and values, with U+FFFD, as Go's decoder does. */
export function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return fixString(value);
  if (Array.isArray(value)) return value.map(wellFormed);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, fixString(k), wellFormed(v));
  return out;
}

/** Describes the first schema violation the way Go's JSON decoder would name it. */
function describe(kind: string, errors: ValidateFunction['errors']): string {
  const e = errors?.[0];
  const path = (e?.instancePath ?? '')
    .replace(/^\//, '')
    .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
    .replace(/\//g, '.');
  const want = (e?.params as { type?: string } | undefined)?.type ?? 'a valid value';
  return `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${path ? `field ${path}` : 'object'}: expected ${want}`;
}

/** Checks a value (a patched object) against a named definition; throws a 400 BadRequest. */
export type ShapeCheck = (value: unknown) => void;

export function installDecoding(
  app: FastifyInstance,
  extraDefinitions: Record<string, TSchema> = {},
): { shapeCheck(definition: string): ShapeCheck; protobufKinds: ProtobufKinds } {
  const protobufKinds = new ProtobufKinds();
  const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false, useDefaults: false, removeAdditional: false });
  ajv.addFormat('date-time', true);
  ajv.addFormat('int-or-string', true);
  for (const schema of sharedSchemas(extraDefinitions)) ajv.addSchema(relaxEnums(schema) as Schema);
  const kindOf = (schema: Schema) =>
    String(schema.$ref ?? schema.$id ?? 'Object')
      .replace(/#$/, '')
      .split('.')
      .pop();
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (httpPart !== 'body') {
      // Query strings are validated by the handlers, which know Kubernetes' own messages.
      return () => true;
    }
    const validate = ajv.compile(relaxEnums(schema) as Schema);
    const kind = kindOf(schema as Schema) ?? 'Object';
    // Object bodies (a $ref to a definition) lose their nulls; patch documents keep them, since
    // a null there means "delete this field".
    const objectBody = typeof (schema as Schema).$ref === 'string';
    return (input: unknown) => {
      const data = objectBody ? dropNulls(input) : input;
      if (validate(data)) return { value: data };
      return { error: badRequest(describe(kind, validate.errors)) };
    };
  });

  const parseJson = (body: string): unknown => {
    try {
      checkJsonDepth(body);
      const value: unknown = JSON.parse(body);
      return surrogateEscape.test(body) ? wellFormed(value) : value;
    } catch (err) {
      throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
    }
  };
  // Only the media types kube-apiserver decodes; anything else is a 415.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  // kube-apiserver routes before it decodes: a body sent to a path it does not serve is a 404,
  // and to a verb the resource lacks a 405, whatever the body holds.
  const unread = (req: FastifyRequest) => req.is404 || (req.routeOptions.config as { bodyUnread?: boolean }).bodyUnread === true;
  const jsonTypes = ['application/json', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json'];
  app.addContentTypeParser(jsonTypes, { parseAs: 'string', bodyLimit: 3 * 1024 * 1024 }, (req, body, done) => {
    if (unread(req)) return done(null, undefined);
    try {
      done(null, body === '' ? undefined : parseJson(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser(['application/yaml', 'application/apply-patch+yaml'], { parseAs: 'string', bodyLimit: 3 * 1024 * 1024 }, (req, body, done) => {
    if (unread(req)) return done(null, undefined);
    try {
      // The yaml package checks duplicate keys pairwise, which a map of 100,000 keys turns into
      // seconds of blocked event loop; sigs.k8s.io/yaml (non-strict) lets the last one win too.
      // JSON is YAML, and what kubectl and client libraries send as an apply: JSON.parse reads
      // it many times faster than the YAML parser, with the same last-wins duplicate keys.
      const text = body as string;
      if (/^\s*\{/.test(text)) {
        let value: unknown;
        try {
          value = parseJson(text);
        } catch {
          // not JSON after all: flow-style YAML ({a: b}), read below
        }
        if (value !== undefined) {
          done(null, value);
          return;
        }
      }
      const value: unknown = parseYaml(text, { uniqueKeys: false });
      checkValueDepth(value);
      done(null, surrogateEscape.test(body as string) ? wellFormed(value) : value);
    } catch (thrown) {
      // The YAML parser recurses per level of flow nesting and runs out of stack long before
      // a nested document could be a Kubernetes object: that is the same refusal as the guard's.
      // (The parser reports the overflow as its own error, with the RangeError's message.)
      const overflow = thrown instanceof RangeError || /Maximum call stack size exceeded/.test(String((thrown as Error).message));
      const err = overflow ? new NestingError('[') : thrown;
      // An apply's body is read by the patcher, which says so first (applyPatcher: "error decoding YAML").
      const apply = req.headers['content-type']?.startsWith('application/apply-patch+yaml') ? 'error decoding YAML: ' : '';
      done(badRequest(`${apply}error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`), undefined);
    }
  });

  // kubectl create service and typed clients send protobuf bodies, of the kinds the installer
  // registers (every served kind whose schema has field numbers).
  app.addContentTypeParser(protobufContentType, { parseAs: 'buffer', bodyLimit: 3 * 1024 * 1024 }, (req, body, done) => {
    if (unread(req)) return done(null, undefined);
    try {
      done(null, protobufKinds.decode(body as Buffer));
    } catch (err) {
      done(err instanceof ProtobufDecodeError ? badRequest(`failed to decode protobuf body: ${err.message}`) : (err as Error), undefined);
    }
  });

  return {
    protobufKinds,
    shapeCheck(definition: string): ShapeCheck {
      const validate = ajv.compile({ $ref: `${definition}#` });
      const kind = definition.split('.').pop() ?? 'Object';
      return (value) => {
        if (!validate(value)) throw badRequest(describe(kind, validate.errors));
      };
    },
  };
}
