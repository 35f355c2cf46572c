// Kubernetes protobuf request bodies (Content-Type: application/vnd.kubernetes.protobuf), decoded
// into the plain JSON object a JSON request would carry. kubectl and client-go send protobuf for
// built-in types; we answer in JSON (their Accept header allows it) but must read the body.
//
// Wire format: the 4 magic bytes "k8s\0", then a runtime.Unknown message whose typeMeta names the
// kind and whose raw bytes hold the object itself (a gogo-protobuf proto2 message). A small
// hand-written reader handles the four wire types in use (varint, 64-bit, length-delimited,
// 32-bit), skips unknown fields (and deprecated groups), and reports every malformed input,
// truncation or absurd length as a ProtobufDecodeError.
//
// Field numbers are those of the generated.proto files in kubernetes/kubernetes:
//   staging/src/k8s.io/apimachinery/pkg/runtime/generated.proto       (Unknown, TypeMeta)
//   staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto  (ObjectMeta, Time, ...)
//   staging/src/k8s.io/apimachinery/pkg/util/intstr/generated.proto   (IntOrString)
//   staging/src/k8s.io/api/core/v1/generated.proto                    (Service, Namespace, ...)
//
// JSON output follows the Go json tags of the types: a field tagged omitempty is dropped when it
// holds its zero value (gogo marshals non-pointer fields even when zero, so presence on the wire
// means nothing for them); a pointer field is kept whenever it is on the wire (so
// allocateLoadBalancerNodePorts=false or gracePeriodSeconds=0 survive); a field without
// omitempty (ServicePort.port, OwnerReference.uid, ...) is always emitted. Zero times (an empty
// Time message, or Go's zero time 0001-01-01T00:00:00Z) and empty non-pointer structs are omitted.
import { checkJsonDepth } from './bodyGuard.js';

export class ProtobufDecodeError extends Error {
  override name = 'ProtobufDecodeError';
}

export const protobufContentType = 'application/vnd.kubernetes.protobuf';

// ---------------------------------------------------------------------------------------------
// Wire reader

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;

/** The largest length-delimited field we accept (Go's protobuf rejects lengths that overflow int). */
const MAX_LENGTH = 0x7fffffff;
/** Nesting limit for skipped groups. */
const MAX_GROUP_DEPTH = 64;

const unexpectedEOF = () => new ProtobufDecodeError('proto: unexpected EOF');

class WireReader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A base-128 varint as an unsigned 64-bit value. */
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw unexpectedEOF();
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new ProtobufDecodeError('proto: integer overflow');
  }

  /** A field key: field number and wire type. */
  key(message: string): { field: number; wire: number } {
    const k = this.varint();
    if (k > 0xffffffffn) throw new ProtobufDecodeError(`proto: ${message}: illegal tag ${k}`);
    const n = Number(k);
    const field = Math.floor(n / 8);
    const wire = n & 7;
    if (field <= 0) throw new ProtobufDecodeError(`proto: ${message}: illegal tag ${field} (wire type ${wire})`);
    return { field, wire };
  }

  /** The [start, end) range of a length-delimited field's payload; the reader moves past it. */
  lengthDelimited(): { start: number; end: number } {
    const len = this.varint();
    if (len > BigInt(MAX_LENGTH)) throw new ProtobufDecodeError('proto: negative length found during unmarshaling');
    const n = Number(len);
    if (n > this.end - this.pos) throw unexpectedEOF();
    const start = this.pos;
    this.pos += n;
    return { start, end: this.pos };
  }

  string(): string {
    const { start, end } = this.lengthDelimited();
    return this.buf.toString('utf8', start, end);
  }

  bytes(): Buffer {
    const { start, end } = this.lengthDelimited();
    return this.buf.subarray(start, end);
  }

  /** A reader over an embedded message's bytes. */
  sub(): WireReader {
    const { start, end } = this.lengthDelimited();
    return new WireReader(this.buf, start, end);
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw unexpectedEOF();
    this.pos += n;
  }

  /** Skips the value of an unknown field whose key has just been read. */
  skip(wire: number, field: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES:
        this.lengthDelimited();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      case WIRE_START_GROUP:
        this.skipGroup(field);
        return;
      case WIRE_END_GROUP:
        throw new ProtobufDecodeError('proto: unexpected end of group');
      default:
        throw new ProtobufDecodeError(`proto: illegal wireType ${wire}`);
    }
  }

  /** Skips a (deprecated) group up to its matching end-group key. */
  private skipGroup(field: number): void {
    const open = [field];
    while (open.length > 0) {
      if (this.done) throw unexpectedEOF();
      const { field: f, wire } = this.key('group');
      if (wire === WIRE_END_GROUP) {
        if (open.pop() !== f) throw new ProtobufDecodeError('proto: mismatched end group');
      } else if (wire === WIRE_START_GROUP) {
        if (open.length >= MAX_GROUP_DEPTH) throw new ProtobufDecodeError('proto: groups nested too deeply');
        open.push(f);
      } else {
        this.skip(wire, f);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Message schemas

/** How a decoded field appears in JSON, after its Go json tag. */
type Presence =
  /** `json:",omitempty"` on a non-pointer field: dropped when zero (or an empty struct). */
  | 'omitempty'
  /** A pointer field: kept whenever it was on the wire, even when zero. */
  | 'pointer'
  /** No omitempty: always emitted, as its zero value when absent. */
  | 'required';

type ScalarKind = 'string' | 'bytes' | 'int32' | 'int64' | 'bool';

interface ScalarField {
  readonly no: number;
  readonly json: string;
  readonly kind: ScalarKind;
  readonly presence: Presence;
  readonly repeated: boolean;
}

interface MessageField {
  readonly no: number;
  readonly json: string;
  readonly kind: 'message';
  readonly message: () => MessageSpec;
  readonly presence: Presence;
  readonly repeated: boolean;
}

/** map<string, string>: repeated entries {key = 1, value = 2}. */
interface MapField {
  readonly no: number;
  readonly json: string;
  readonly kind: 'map';
}

type FieldSpec = ScalarField | MessageField | MapField;

type Scalar = string | number | boolean | Buffer;
type FieldValue = Scalar | MessageState | Scalar[] | MessageState[] | Map<string, string>;

interface MessageState {
  readonly spec: MessageSpec;
  readonly values: Map<number, FieldValue>;
}

interface MessageSpec {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
  readonly byNumber: ReadonlyMap<number, FieldSpec>;
  /** Replaces the generic object conversion (Time, IntOrString, FieldsV1); undefined = zero. */
  readonly finish?: (state: MessageState) => unknown;
}

function messageSpec(name: string, fields: FieldSpec[], finish?: (state: MessageState) => unknown): MessageSpec {
  const byNumber = new Map<number, FieldSpec>();
  for (const f of fields) byNumber.set(f.no, f);
  return { name, fields, byNumber, finish };
}

const scalar =
  (kind: ScalarKind) =>
  (no: number, json: string, presence: Presence = 'omitempty'): ScalarField => ({ no, json, kind, presence, repeated: false });
const str = scalar('string');
const bytes = scalar('bytes');
const int32 = scalar('int32');
const int64 = scalar('int64');
const bool = scalar('bool');
const strings = (no: number, json: string): ScalarField => ({ no, json, kind: 'string', presence: 'omitempty', repeated: true });
const msg = (no: number, json: string, message: () => MessageSpec, presence: Presence = 'omitempty'): MessageField => ({
  no,
  json,
  kind: 'message',
  message,
  presence,
  repeated: false,
});
const msgs = (no: number, json: string, message: () => MessageSpec): MessageField => ({
  no,
  json,
  kind: 'message',
  message,
  presence: 'omitempty',
  repeated: true,
});
const stringMap = (no: number, json: string): MapField => ({ no, json, kind: 'map' });

// Field numbers below are written as (number, jsonName) pairs, in Go struct order.

// runtime.TypeMeta and runtime.Unknown (apimachinery/pkg/runtime/generated.proto).
const TypeMeta = messageSpec('TypeMeta', [str(1, 'apiVersion'), str(2, 'kind')]);
const UNKNOWN_TYPE_META = 1;
const UNKNOWN_RAW = 2;
const UNKNOWN_CONTENT_ENCODING = 3;
const UNKNOWN_CONTENT_TYPE = 4;
const Unknown = messageSpec('Unknown', [
  msg(UNKNOWN_TYPE_META, 'typeMeta', () => TypeMeta),
  bytes(UNKNOWN_RAW, 'raw'),
  str(UNKNOWN_CONTENT_ENCODING, 'contentEncoding'),
  str(UNKNOWN_CONTENT_TYPE, 'contentType'),
]);

// meta/v1 Time {seconds = 1 (int64), nanos = 2 (int32)}, as RFC 3339 with second precision.
const TIME_SECONDS = 1;
const TIME_NANOS = 2;
/** time.Time{}.Unix(): what Go's zero time encodes as, if a client ever sends it. */
const GO_ZERO_TIME_SECONDS = -62135596800;
const Time = messageSpec('Time', [int64(TIME_SECONDS, 'seconds'), int32(TIME_NANOS, 'nanos')], (state) => {
  const seconds = numberField(state, TIME_SECONDS);
  const nanos = numberField(state, TIME_NANOS);
  if (seconds === undefined && nanos === undefined) return undefined;
  const s = seconds ?? 0;
  const n = nanos ?? 0;
  if (s === GO_ZERO_TIME_SECONDS && n === 0) return undefined;
  // Go's time.Unix normalises nanos outside [0, 1e9) into seconds; JSON drops sub-seconds.
  const total = s + Math.floor(n / 1e9);
  const date = new Date(total * 1000);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(date.getTime()) || year < 0 || year > 9999) {
    throw new ProtobufDecodeError(`Time.MarshalJSON: year outside of range [0,9999] (seconds=${s})`);
  }
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
});

// intstr.IntOrString {type = 1 (0 = int, 1 = string), intVal = 2, strVal = 3}.
const INT_OR_STRING_TYPE = 1;
const INT_OR_STRING_INT_VAL = 2;
const INT_OR_STRING_STR_VAL = 3;
const IntOrString = messageSpec(
  'IntOrString',
  [int64(INT_OR_STRING_TYPE, 'type'), int32(INT_OR_STRING_INT_VAL, 'intVal'), str(INT_OR_STRING_STR_VAL, 'strVal')],
  (state) => {
    const type = numberField(state, INT_OR_STRING_TYPE) ?? 0;
    if (type === 0) return numberField(state, INT_OR_STRING_INT_VAL) ?? 0;
    if (type === 1) return stringField(state, INT_OR_STRING_STR_VAL) ?? '';
    throw new ProtobufDecodeError(`impossible IntOrString.Type ${type}`);
  },
);

// meta/v1 FieldsV1 {Raw = 1}: the raw bytes are JSON.
const FIELDS_V1_RAW = 1;
const FieldsV1 = messageSpec('FieldsV1', [bytes(FIELDS_V1_RAW, 'Raw')], (state) => {
  const raw = state.values.get(FIELDS_V1_RAW);
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  try {
    const text = raw.toString('utf8');
    checkJsonDepth(text);
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ProtobufDecodeError(`FieldsV1: invalid JSON: ${(err as Error).message}`);
  }
});

// meta/v1 OwnerReference.
const OwnerReference = messageSpec('OwnerReference', [
  str(5, 'apiVersion', 'required'),
  str(1, 'kind', 'required'),
  str(3, 'name', 'required'),
  str(4, 'uid', 'required'),
  bool(6, 'controller', 'pointer'),
  bool(7, 'blockOwnerDeletion', 'pointer'),
]);

// meta/v1 ManagedFieldsEntry.
const ManagedFieldsEntry = messageSpec('ManagedFieldsEntry', [
  str(1, 'manager'),
  str(2, 'operation'),
  str(3, 'apiVersion'),
  msg(4, 'time', () => Time, 'pointer'),
  str(6, 'fieldsType'),
  msg(7, 'fieldsV1', () => FieldsV1, 'pointer'),
  str(8, 'subresource'),
]);

// meta/v1 ObjectMeta (15 was clusterName, 16 initializers: both gone; 17 is managedFields).
const ObjectMeta = messageSpec('ObjectMeta', [
  str(1, 'name'),
  str(2, 'generateName'),
  str(3, 'namespace'),
  str(4, 'selfLink'),
  str(5, 'uid'),
  str(6, 'resourceVersion'),
  int64(7, 'generation'),
  msg(8, 'creationTimestamp', () => Time),
  msg(9, 'deletionTimestamp', () => Time, 'pointer'),
  int64(10, 'deletionGracePeriodSeconds', 'pointer'),
  stringMap(11, 'labels'),
  stringMap(12, 'annotations'),
  msgs(13, 'ownerReferences', () => OwnerReference),
  strings(14, 'finalizers'),
  msgs(17, 'managedFields', () => ManagedFieldsEntry),
]);

// meta/v1 Condition.
const Condition = messageSpec('Condition', [
  str(1, 'type', 'required'),
  str(2, 'status', 'required'),
  int64(3, 'observedGeneration'),
  msg(4, 'lastTransitionTime', () => Time, 'required'),
  str(5, 'reason', 'required'),
  str(6, 'message', 'required'),
]);

// meta/v1 Preconditions and DeleteOptions.
const Preconditions = messageSpec('Preconditions', [str(1, 'uid', 'pointer'), str(2, 'resourceVersion', 'pointer')]);
const DeleteOptions = messageSpec('DeleteOptions', [
  int64(1, 'gracePeriodSeconds', 'pointer'),
  msg(2, 'preconditions', () => Preconditions, 'pointer'),
  bool(3, 'orphanDependents', 'pointer'),
  str(4, 'propagationPolicy', 'pointer'),
  strings(5, 'dryRun'),
]);

// core/v1 ServicePort.
const ServicePort = messageSpec('ServicePort', [
  str(1, 'name'),
  str(2, 'protocol'),
  str(6, 'appProtocol', 'pointer'),
  int32(3, 'port', 'required'),
  msg(4, 'targetPort', () => IntOrString),
  int32(5, 'nodePort'),
]);

// core/v1 ClientIPConfig and SessionAffinityConfig.
const ClientIPConfig = messageSpec('ClientIPConfig', [int32(1, 'timeoutSeconds', 'pointer')]);
const SessionAffinityConfig = messageSpec('SessionAffinityConfig', [msg(1, 'clientIP', () => ClientIPConfig, 'pointer')]);

// core/v1 ServiceSpec (field 6 is not used).
const ServiceSpec = messageSpec('ServiceSpec', [
  msgs(1, 'ports', () => ServicePort),
  stringMap(2, 'selector'),
  str(3, 'clusterIP'),
  strings(18, 'clusterIPs'),
  str(4, 'type'),
  strings(5, 'externalIPs'),
  str(7, 'sessionAffinity'),
  str(8, 'loadBalancerIP'),
  strings(9, 'loadBalancerSourceRanges'),
  str(10, 'externalName'),
  str(11, 'externalTrafficPolicy'),
  int32(12, 'healthCheckNodePort'),
  bool(13, 'publishNotReadyAddresses'),
  msg(14, 'sessionAffinityConfig', () => SessionAffinityConfig, 'pointer'),
  strings(19, 'ipFamilies'),
  str(17, 'ipFamilyPolicy', 'pointer'),
  bool(20, 'allocateLoadBalancerNodePorts', 'pointer'),
  str(21, 'loadBalancerClass', 'pointer'),
  str(22, 'internalTrafficPolicy', 'pointer'),
  str(23, 'trafficDistribution', 'pointer'),
]);

// core/v1 PortStatus, LoadBalancerIngress, LoadBalancerStatus, ServiceStatus.
const PortStatus = messageSpec('PortStatus', [int32(1, 'port', 'required'), str(2, 'protocol', 'required'), str(3, 'error', 'pointer')]);
const LoadBalancerIngress = messageSpec('LoadBalancerIngress', [
  str(1, 'ip'),
  str(2, 'hostname'),
  str(3, 'ipMode', 'pointer'),
  msgs(4, 'ports', () => PortStatus),
]);
const LoadBalancerStatus = messageSpec('LoadBalancerStatus', [msgs(1, 'ingress', () => LoadBalancerIngress)]);
const ServiceStatus = messageSpec('ServiceStatus', [msg(1, 'loadBalancer', () => LoadBalancerStatus), msgs(2, 'conditions', () => Condition)]);

// core/v1 Service.
const Service = messageSpec('Service', [msg(1, 'metadata', () => ObjectMeta), msg(2, 'spec', () => ServiceSpec), msg(3, 'status', () => ServiceStatus)]);

// core/v1 Namespace, NamespaceSpec, NamespaceStatus, NamespaceCondition (its field 3 is not used).
const NamespaceSpec = messageSpec('NamespaceSpec', [strings(1, 'finalizers')]);
const NamespaceCondition = messageSpec('NamespaceCondition', [
  str(1, 'type', 'required'),
  str(2, 'status', 'required'),
  msg(4, 'lastTransitionTime', () => Time),
  str(5, 'reason'),
  str(6, 'message'),
]);
const NamespaceStatus = messageSpec('NamespaceStatus', [str(1, 'phase'), msgs(2, 'conditions', () => NamespaceCondition)]);
const Namespace = messageSpec('Namespace', [
  msg(1, 'metadata', () => ObjectMeta),
  msg(2, 'spec', () => NamespaceSpec),
  msg(3, 'status', () => NamespaceStatus),
]);

// meta/v1 LabelSelector and its requirements.
const LabelSelectorRequirement = messageSpec('LabelSelectorRequirement', [str(1, 'key', 'required'), str(2, 'operator', 'required'), strings(3, 'values')]);
const LabelSelector = messageSpec('LabelSelector', [stringMap(1, 'matchLabels'), msgs(2, 'matchExpressions', () => LabelSelectorRequirement)]);

// rbac/v1 (k8s.io/api/rbac/v1/generated.proto).
const PolicyRule = messageSpec('PolicyRule', [
  strings(1, 'verbs'),
  strings(2, 'apiGroups'),
  strings(3, 'resources'),
  strings(4, 'resourceNames'),
  strings(5, 'nonResourceURLs'),
]);
const Subject = messageSpec('Subject', [str(1, 'kind', 'required'), str(2, 'apiGroup'), str(3, 'name', 'required'), str(4, 'namespace')]);
const RoleRef = messageSpec('RoleRef', [str(1, 'apiGroup', 'required'), str(2, 'kind', 'required'), str(3, 'name', 'required')]);
const AggregationRule = messageSpec('AggregationRule', [msgs(1, 'clusterRoleSelectors', () => LabelSelector)]);
const Role = messageSpec('Role', [msg(1, 'metadata', () => ObjectMeta), msgs(2, 'rules', () => PolicyRule)]);
const ClusterRole = messageSpec('ClusterRole', [
  msg(1, 'metadata', () => ObjectMeta),
  msgs(2, 'rules', () => PolicyRule),
  msg(3, 'aggregationRule', () => AggregationRule, 'pointer'),
]);
const RoleBinding = messageSpec('RoleBinding', [
  msg(1, 'metadata', () => ObjectMeta),
  msgs(2, 'subjects', () => Subject),
  msg(3, 'roleRef', () => RoleRef, 'required'),
]);

// authorization/v1 and authentication/v1 reviews (ExtraValue maps are not decoded).
const ResourceAttributes = messageSpec('ResourceAttributes', [
  str(1, 'namespace'),
  str(2, 'verb'),
  str(3, 'group'),
  str(4, 'version'),
  str(5, 'resource'),
  str(6, 'subresource'),
  str(7, 'name'),
]);
const NonResourceAttributes = messageSpec('NonResourceAttributes', [str(1, 'path'), str(2, 'verb')]);
const SubjectAccessReviewStatus = messageSpec('SubjectAccessReviewStatus', [
  bool(1, 'allowed', 'required'),
  bool(4, 'denied'),
  str(2, 'reason'),
  str(3, 'evaluationError'),
]);
const SelfSubjectAccessReviewSpec = messageSpec('SelfSubjectAccessReviewSpec', [
  msg(1, 'resourceAttributes', () => ResourceAttributes, 'pointer'),
  msg(2, 'nonResourceAttributes', () => NonResourceAttributes, 'pointer'),
]);
const SubjectAccessReviewSpec = messageSpec('SubjectAccessReviewSpec', [
  msg(1, 'resourceAttributes', () => ResourceAttributes, 'pointer'),
  msg(2, 'nonResourceAttributes', () => NonResourceAttributes, 'pointer'),
  str(3, 'user'),
  strings(4, 'groups'),
  str(6, 'uid'),
]);
const review = (name: string, spec: MessageSpec) =>
  messageSpec(name, [msg(1, 'metadata', () => ObjectMeta), msg(2, 'spec', () => spec, 'required'), msg(3, 'status', () => SubjectAccessReviewStatus)]);
const SelfSubjectRulesReviewSpec = messageSpec('SelfSubjectRulesReviewSpec', [str(1, 'namespace')]);
const SelfSubjectRulesReview = messageSpec('SelfSubjectRulesReview', [
  msg(1, 'metadata', () => ObjectMeta),
  msg(2, 'spec', () => SelfSubjectRulesReviewSpec, 'required'),
]);
const SelfSubjectReview = messageSpec('SelfSubjectReview', [msg(1, 'metadata', () => ObjectMeta)]);

/** Kinds we decode, by apiVersion. */
const registered: ReadonlyMap<string, ReadonlyMap<string, MessageSpec>> = new Map([
  [
    'v1',
    new Map([
      ['Service', Service],
      ['Namespace', Namespace],
      ['DeleteOptions', DeleteOptions],
    ]),
  ],
  [
    'rbac.authorization.k8s.io/v1',
    new Map([
      ['Role', Role],
      ['ClusterRole', ClusterRole],
      ['RoleBinding', RoleBinding],
      ['ClusterRoleBinding', RoleBinding],
      ['DeleteOptions', DeleteOptions],
    ]),
  ],
  [
    'authorization.k8s.io/v1',
    new Map([
      ['SelfSubjectAccessReview', review('SelfSubjectAccessReview', SelfSubjectAccessReviewSpec)],
      ['SubjectAccessReview', review('SubjectAccessReview', SubjectAccessReviewSpec)],
      ['SelfSubjectRulesReview', SelfSubjectRulesReview],
    ]),
  ],
  ['authentication.k8s.io/v1', new Map([['SelfSubjectReview', SelfSubjectReview]])],
  ['meta.k8s.io/v1', new Map([['DeleteOptions', DeleteOptions]])],
  ['meta.k8s.io/v1beta1', new Map([['DeleteOptions', DeleteOptions]])],
]);

// ---------------------------------------------------------------------------------------------
// Decoding

const MAP_ENTRY_KEY = 1;
const MAP_ENTRY_VALUE = 2;

function wrongWireType(spec: MessageSpec, field: FieldSpec, wire: number): ProtobufDecodeError {
  return new ProtobufDecodeError(`proto: ${spec.name}: wrong wireType = ${wire} for field ${field.json}`);
}

function readScalar(r: WireReader, kind: ScalarKind): Scalar {
  switch (kind) {
    case 'string':
      return r.string();
    case 'bytes':
      return r.bytes();
    case 'int32':
      return Number(BigInt.asIntN(32, r.varint()));
    case 'int64':
      return Number(BigInt.asIntN(64, r.varint()));
    case 'bool':
      return r.varint() !== 0n;
  }
}

function readMapEntry(r: WireReader, spec: MessageSpec, field: MapField, into: Map<string, string>): void {
  let key = '';
  let value = '';
  while (!r.done) {
    const { field: no, wire } = r.key(`${spec.name}.${field.json}`);
    if (no === MAP_ENTRY_KEY || no === MAP_ENTRY_VALUE) {
      if (wire !== WIRE_BYTES) throw wrongWireType(spec, field, wire);
      if (no === MAP_ENTRY_KEY) key = r.string();
      else value = r.string();
    } else {
      r.skip(wire, no);
    }
  }
  into.set(key, value);
}

/** Decodes a message's fields into state; a message seen twice merges, as proto requires. */
function decodeInto(r: WireReader, state: MessageState): void {
  const { spec, values } = state;
  while (!r.done) {
    const { field: no, wire } = r.key(spec.name);
    if (wire === WIRE_END_GROUP) throw new ProtobufDecodeError(`proto: ${spec.name}: wiretype end group for non-group`);
    const field = spec.byNumber.get(no);
    if (!field) {
      r.skip(wire, no);
      continue;
    }
    switch (field.kind) {
      case 'map': {
        if (wire !== WIRE_BYTES) throw wrongWireType(spec, field, wire);
        let entries = values.get(no);
        if (!(entries instanceof Map)) {
          entries = new Map<string, string>();
          values.set(no, entries);
        }
        readMapEntry(r.sub(), spec, field, entries);
        break;
      }
      case 'message': {
        if (wire !== WIRE_BYTES) throw wrongWireType(spec, field, wire);
        const sub = r.sub();
        if (field.repeated) {
          const child: MessageState = { spec: field.message(), values: new Map() };
          decodeInto(sub, child);
          const list = values.get(no);
          if (Array.isArray(list)) (list as MessageState[]).push(child);
          else values.set(no, [child]);
        } else {
          const existing = values.get(no);
          const child = isMessageState(existing) ? existing : { spec: field.message(), values: new Map<number, FieldValue>() };
          decodeInto(sub, child);
          values.set(no, child);
        }
        break;
      }
      default: {
        const expected = field.kind === 'string' || field.kind === 'bytes' ? WIRE_BYTES : WIRE_VARINT;
        if (wire !== expected) throw wrongWireType(spec, field, wire);
        const value = readScalar(r, field.kind);
        if (field.repeated) {
          const list = values.get(no);
          if (Array.isArray(list)) (list as Scalar[]).push(value);
          else values.set(no, [value]);
        } else {
          values.set(no, value);
        }
      }
    }
  }
}

function isMessageState(v: FieldValue | undefined): v is MessageState {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !Buffer.isBuffer(v);
}

function numberField(state: MessageState, no: number): number | undefined {
  const v = state.values.get(no);
  return typeof v === 'number' ? v : undefined;
}

function stringField(state: MessageState, no: number): string | undefined {
  const v = state.values.get(no);
  return typeof v === 'string' ? v : undefined;
}

/** Sets an own property, even for a key such as "__proto__" (labels are user data). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function zeroOf(kind: ScalarKind): Scalar {
  switch (kind) {
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'int32':
    case 'int64':
      return 0;
    case 'bool':
      return false;
  }
}

/** A scalar as JSON: []byte is base64 in Go's encoding/json. */
function scalarJson(v: Scalar): unknown {
  return Buffer.isBuffer(v) ? v.toString('base64') : v;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** Converts decoded state to its JSON value; undefined for a zero Time or IntOrString-like value. */
function finish(state: MessageState): unknown {
  if (state.spec.finish) return state.spec.finish(state);
  const out: Record<string, unknown> = {};
  for (const field of state.spec.fields) {
    const v = state.values.get(field.no);
    if (field.kind === 'map') {
      if (v instanceof Map && v.size > 0) {
        const obj: Record<string, unknown> = {};
        for (const [k, val] of v) setOwn(obj, k, val);
        setOwn(out, field.json, obj);
      }
      continue;
    }
    if (field.repeated) {
      if (!Array.isArray(v) || v.length === 0) continue;
      const items = field.kind === 'message' ? (v as MessageState[]).map(finish) : (v as Scalar[]).map(scalarJson);
      setOwn(out, field.json, items);
      continue;
    }
    let value: unknown;
    if (field.kind === 'message') {
      value = isMessageState(v) ? finish(v) : undefined;
      if (value === undefined) continue;
    } else {
      if (v === undefined && field.presence === 'pointer') continue;
      value = scalarJson((v ?? zeroOf(field.kind)) as Scalar);
    }
    if (field.presence === 'omitempty' && isEmpty(value)) continue;
    setOwn(out, field.json, value);
  }
  return out;
}

function decodeMessage(buf: Buffer, start: number, end: number, spec: MessageSpec): MessageState {
  const state: MessageState = { spec, values: new Map() };
  decodeInto(new WireReader(buf, start, end), state);
  return state;
}

/** The 4-byte prefix of every Kubernetes protobuf message: "k8s\0". */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

function decodeEnvelope(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ProtobufDecodeError(`provided data does not appear to be a protobuf message, expected prefix [${[...MAGIC].join(' ')}]`);
  }
  const unknown = decodeMessage(body, MAGIC.length, body.length, Unknown);
  const typeMeta = unknown.values.get(UNKNOWN_TYPE_META);
  const apiVersion = isMessageState(typeMeta) ? (stringField(typeMeta, 1) ?? '') : '';
  const kind = isMessageState(typeMeta) ? (stringField(typeMeta, 2) ?? '') : '';
  const encoding = stringField(unknown, UNKNOWN_CONTENT_ENCODING) ?? '';
  if (encoding !== '') throw new ProtobufDecodeError(`unsupported content encoding "${encoding}"`);
  if (kind === '') throw new ProtobufDecodeError("Object 'Kind' is missing in protobuf data");
  const spec = registered.get(apiVersion)?.get(kind);
  if (!spec) throw new ProtobufDecodeError(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const raw = unknown.values.get(UNKNOWN_RAW);
  const rawBytes = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
  const object = finish(decodeMessage(rawBytes, 0, rawBytes.length, spec)) as Record<string, unknown>;
  return { kind, apiVersion, ...object };
}

/** Decodes a full request body (magic + runtime.Unknown). Throws ProtobufDecodeError. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  try {
    // Callers are typed, but a body parser may still hand over a plain Uint8Array (or nothing).
    const input: unknown = body;
    if (Buffer.isBuffer(input)) return decodeEnvelope(input);
    if (input instanceof Uint8Array) return decodeEnvelope(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    throw new ProtobufDecodeError('protobuf body must be a Buffer');
  } catch (err) {
    if (err instanceof ProtobufDecodeError) throw err;
    throw new ProtobufDecodeError(`proto: ${err instanceof Error ? err.message : String(err)}`);
  }
}
