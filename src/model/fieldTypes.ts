// Schema shapes shared by the API types, written the way Kubernetes' own OpenAPI document writes
// them, because kubectl reads that document: `kubectl explain` prints `type <string>` with an
// `enum:` line only for a plain string with an `enum`, a field's type name (`<ObjectMeta>`,
// `<IntOrString>`) only for a reference, and a field's own description only when it sits next
// to that reference (OpenAPI v3: `allOf: [{$ref}]` plus `description`).
import { Type, type TSchema } from 'typebox';

/**
 * A string with a fixed set of values, `{type: string, enum: [...]}` with the values sorted, as
 * kube-openapi writes Go string enums. The request decoder drops the `enum` (api/decoding.ts):
 * kube-apiserver decodes any string and lets validation report a bad value as a 422 field error.
 */
export function Enum<const T extends readonly string[]>(values: T, description: string) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values].sort(), description });
}

/**
 * A field whose type is a named definition (ObjectMeta, ServiceSpec, ...), carrying the field's
 * own description. definitions.ts recognises the definition by its shape and writes the field
 * as `{allOf: [{$ref}], description}`.
 */
export function Described<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}

/**
 * io.k8s.apimachinery.pkg.util.intstr.IntOrString: an int32 or a string. The OpenAPI v3 form is
 * kube-openapi's (OpenAPIV3OneOfTypes): no `type`, so kubectl explain names it; the Swagger 2.0
 * form (api/swaggerV2.ts) is `{type: string, format: int-or-string}`.
 */
export const IntOrString = Type.Unsafe<number | string>({
  oneOf: [{ type: 'integer' }, { type: 'string' }],
  format: 'int-or-string',
  description: 'IntOrString holds either a 32-bit integer or a string. In JSON and YAML it is written as the value itself: 8080 or "http".',
});

const apiVersionDoc =
  'APIVersion names the versioned schema this representation of the object follows ("v1" for the core group). A server converts the versions it knows and may refuse others.';
const kindDoc =
  'Kind names the REST resource this object represents, in CamelCase. The server infers it from the endpoint a request is sent to; it cannot be updated.';

/** TypeMeta's two fields, as every top-level kind has them. */
export const apiVersionField = () => Type.Optional(Type.String({ description: apiVersionDoc }));
export const kindField = () => Type.Optional(Type.String({ description: kindDoc }));
