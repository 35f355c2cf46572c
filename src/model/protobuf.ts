// Protobuf field numbers, kept beside each TypeBox schema: `protobuf(ServicePort, name, {...})`
// right after the schema's definition attaches its message facts under a symbol. A symbol is
// invisible to JSON.stringify, so the OpenAPI documents and the shared-definition shapes
// (definitions.ts) do not see it, and object spread (Type.Optional, Described) copies it, so
// every use of the schema carries the same facts. The codec (api/protobuf/codec.ts) reads them;
// it refuses a schema whose object fields lack a number, so a new property cannot drift silently.
//
// The facts are those of the generated.proto files of k8s.io/api and k8s.io/apimachinery, and
// of the Go types they come from (what protobuf cannot say: how the JSON form treats a zero).
import type { TObject } from 'typebox';

/**
 * A field's number, and what the number alone does not say:
 * - 'pointer': a Go pointer (*int32, *string, *Struct): only on the wire when set, and kept in
 *   JSON whenever it was on the wire, even when zero;
 * - 'required': a Go field without omitempty: always in JSON (as its zero value when absent);
 * - otherwise a non-pointer field with omitempty: always on the wire, dropped from JSON when zero;
 * - 'int32': the proto type is int32 (integers are int64 otherwise);
 * - 'micro': a metav1.MicroTime (microseconds on the wire and in JSON; Time keeps seconds);
 * - 'fieldsV1': a metav1.FieldsV1, whose one field carries the JSON of the value as bytes.
 */
export type ProtobufModifier = 'pointer' | 'required' | 'int32' | 'micro' | 'fieldsV1';
export type ProtobufField = number | readonly [number, ...ProtobufModifier[]];

export interface ProtobufMessage {
  /** The full proto name, as generated.proto declares it (k8s.io.api.core.v1.ServicePort). */
  readonly name: string;
  readonly fields: Readonly<Record<string, ProtobufField>>;
}

export const protobufMessage: unique symbol = Symbol.for('svcplane.protobufMessage');

/** Attaches a schema's protobuf message facts; call it before the schema is used in another. */
export function protobuf<T extends TObject>(schema: T, name: string, fields: { readonly [K in keyof T['properties'] & string]?: ProtobufField }): T {
  Object.defineProperty(schema, protobufMessage, { value: { name, fields }, enumerable: true, writable: false, configurable: false });
  return schema;
}

/** A schema's protobuf message facts, if it has any. */
export function protobufOf(schema: unknown): ProtobufMessage | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  return (schema as { [protobufMessage]?: ProtobufMessage })[protobufMessage];
}
