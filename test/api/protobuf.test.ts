import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { protobufContentType } from '../../src/api/protobuf/envelope.js';
import { ProtobufDecodeError } from '../../src/api/protobuf/wire.js';
import { servedProtobufKinds } from '../support/protobufKinds.js';
import { kubectlBinary, kubectlHome, runKubectl, showRun } from '../support/kubectl.js';

const kinds = servedProtobufKinds();
const decodeKubernetesProtobuf = (body: Buffer) => kinds.decode(body);

// ---------------------------------------------------------------------------------------------
// A tiny protobuf encoder. The per-type encoders below write what Go's gogo-generated Marshal
// writes: every non-pointer field, even when it holds its zero value, and pointer fields only
// when set. Field numbers are written out independently of the decoder's tables.

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;

function varint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}

const key = (no: number, wire: number): Buffer => varint(no * 8 + wire);
const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
const int = (no: number, value: number | bigint): Buffer => cat(key(no, VARINT), varint(value));
const bool = (no: number, value: boolean): Buffer => int(no, value ? 1 : 0);
const bytes = (no: number, value: Buffer): Buffer => cat(key(no, BYTES), varint(value.length), value);
const str = (no: number, value: string): Buffer => bytes(no, Buffer.from(value, 'utf8'));
const msg = (no: number, ...parts: Buffer[]): Buffer => bytes(no, cat(...parts));
const strs = (no: number, values: readonly string[] = []): Buffer => cat(...values.map((v) => str(no, v)));
const map = (no: number, entries: Readonly<Record<string, string>> = {}): Buffer =>
  cat(
    ...Object.keys(entries)
      .sort()
      .map((k) => msg(no, str(1, k), str(2, entries[k]))),
  );
const opt = <T>(value: T | undefined, encode: (v: T) => Buffer): Buffer => (value === undefined ? Buffer.alloc(0) : encode(value));

/** runtime.Unknown behind the "k8s\0" magic. */
function envelope(apiVersion: string, kind: string, raw: Buffer, extra: Buffer = Buffer.alloc(0)): Buffer {
  return cat(Buffer.from('k8s\0', 'latin1'), msg(1, str(1, apiVersion), str(2, kind)), bytes(2, raw), str(3, ''), str(4, ''), extra);
}

/** meta/v1 Time: Go writes an empty message for the zero time. */
function time(no: number, iso: string | undefined): Buffer {
  if (iso === undefined) return msg(no);
  return msg(no, int(1, Date.parse(iso) / 1000), int(2, 0));
}

interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}
interface Meta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerRef[];
  finalizers?: string[];
}
interface Port {
  name?: string;
  protocol?: string;
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}
interface Spec {
  ports?: Port[];
  selector?: Record<string, string>;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: string;
  externalIPs?: string[];
  sessionAffinity?: string;
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  externalName?: string;
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  publishNotReadyAddresses?: boolean;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
  loadBalancerClass?: string;
  internalTrafficPolicy?: string;
  trafficDistribution?: string;
}
interface PortStatus {
  port: number;
  protocol: string;
  error?: string;
}
interface Ingress {
  ip?: string;
  hostname?: string;
  ipMode?: string;
  ports?: PortStatus[];
}
interface Condition {
  type: string;
  status: string;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}
interface Status {
  loadBalancer?: { ingress?: Ingress[] };
  conditions?: Condition[];
}
interface ServiceObject {
  metadata?: Meta;
  spec?: Spec;
  status?: Status;
}

function encodeMeta(m: Meta = {}): Buffer {
  return cat(
    str(1, m.name ?? ''),
    str(2, m.generateName ?? ''),
    str(3, m.namespace ?? ''),
    str(4, ''),
    str(5, m.uid ?? ''),
    str(6, m.resourceVersion ?? ''),
    int(7, m.generation ?? 0),
    time(8, m.creationTimestamp),
    opt(m.deletionTimestamp, (t) => time(9, t)),
    opt(m.deletionGracePeriodSeconds, (s) => int(10, s)),
    map(11, m.labels),
    map(12, m.annotations),
    ...(m.ownerReferences ?? []).map((o) =>
      msg(
        13,
        str(1, o.kind),
        str(3, o.name),
        str(4, o.uid),
        str(5, o.apiVersion),
        opt(o.controller, (c) => bool(6, c)),
        opt(o.blockOwnerDeletion, (b) => bool(7, b)),
      ),
    ),
    strs(14, m.finalizers),
  );
}

function encodeIntOrString(no: number, v: number | string | undefined): Buffer {
  if (typeof v === 'string') return msg(no, int(1, 1), int(2, 0), str(3, v));
  return msg(no, int(1, 0), int(2, v ?? 0), str(3, ''));
}

function encodeSpec(s: Spec = {}): Buffer {
  return cat(
    ...(s.ports ?? []).map((p) =>
      msg(
        1,
        str(1, p.name ?? ''),
        str(2, p.protocol ?? ''),
        int(3, p.port),
        encodeIntOrString(4, p.targetPort),
        int(5, p.nodePort ?? 0),
        opt(p.appProtocol, (a) => str(6, a)),
      ),
    ),
    map(2, s.selector),
    str(3, s.clusterIP ?? ''),
    str(4, s.type ?? ''),
    strs(5, s.externalIPs),
    str(7, s.sessionAffinity ?? ''),
    str(8, s.loadBalancerIP ?? ''),
    strs(9, s.loadBalancerSourceRanges),
    str(10, s.externalName ?? ''),
    str(11, s.externalTrafficPolicy ?? ''),
    int(12, s.healthCheckNodePort ?? 0),
    bool(13, s.publishNotReadyAddresses ?? false),
    opt(s.sessionAffinityConfig, (c) =>
      msg(
        14,
        opt(c.clientIP, (ip) =>
          msg(
            1,
            opt(ip.timeoutSeconds, (t) => int(1, t)),
          ),
        ),
      ),
    ),
    opt(s.ipFamilyPolicy, (p) => str(17, p)),
    strs(18, s.clusterIPs),
    strs(19, s.ipFamilies),
    opt(s.allocateLoadBalancerNodePorts, (a) => bool(20, a)),
    opt(s.loadBalancerClass, (c) => str(21, c)),
    opt(s.internalTrafficPolicy, (p) => str(22, p)),
    opt(s.trafficDistribution, (t) => str(23, t)),
  );
}

function encodeCondition(no: number, c: Condition): Buffer {
  return msg(no, str(1, c.type), str(2, c.status), int(3, c.observedGeneration ?? 0), time(4, c.lastTransitionTime), str(5, c.reason), str(6, c.message));
}

function encodeStatus(s: Status = {}): Buffer {
  const ingress = (s.loadBalancer?.ingress ?? []).map((i) =>
    msg(
      1,
      str(1, i.ip ?? ''),
      str(2, i.hostname ?? ''),
      opt(i.ipMode, (m) => str(3, m)),
      ...(i.ports ?? []).map((p) =>
        msg(
          4,
          int(1, p.port),
          str(2, p.protocol),
          opt(p.error, (e) => str(3, e)),
        ),
      ),
    ),
  );
  return cat(msg(1, ...ingress), ...(s.conditions ?? []).map((c) => encodeCondition(2, c)));
}

function encodeService(s: ServiceObject): Buffer {
  return cat(msg(1, encodeMeta(s.metadata)), msg(2, encodeSpec(s.spec)), msg(3, encodeStatus(s.status)));
}

/** The JSON a client would send for a Service object, as the decoder should return it. */
function serviceBody(s: ServiceObject): Buffer {
  return envelope('v1', 'Service', encodeService(s));
}

function assertDecodeError(body: Buffer, message?: string | RegExp): void {
  assert.throws(
    () => decodeKubernetesProtobuf(body),
    (e: unknown) => {
      assert.ok(e instanceof ProtobufDecodeError, `expected ProtobufDecodeError, got ${String(e)}`);
      if (typeof message === 'string') assert.equal(e.message, message);
      else if (message) assert.match(e.message, message);
      return true;
    },
  );
}

/** Decoding either succeeds or throws a ProtobufDecodeError: never anything else. */
function decodesOrRejects(body: Buffer): boolean {
  try {
    decodeKubernetesProtobuf(body);
    return true;
  } catch (e) {
    if (e instanceof ProtobufDecodeError) return false;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const nodePortService = {
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: '4a6d1e2c-7b1f-4c55-9d8e-0123456789ab',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2026-01-02T03:04:05Z',
    labels: { app: 'web', tier: 'frontend' },
    annotations: { 'example.com/owner': 'team-a', note: 'línea ✓' },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: '11111111-2222-3333-4444-555555555555', controller: true, blockOwnerDeletion: false },
    ],
    finalizers: ['example.com/cleanup'],
  },
  spec: {
    ports: [
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http-web', nodePort: 30080, appProtocol: 'http' },
      { name: 'metrics', protocol: 'UDP', port: 9090, targetPort: 9091, nodePort: 30091 },
    ],
    selector: { app: 'web' },
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10'],
    type: 'NodePort',
    externalIPs: ['192.0.2.10'],
    sessionAffinity: 'None',
    externalTrafficPolicy: 'Local',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    internalTrafficPolicy: 'Cluster',
    trafficDistribution: 'PreferClose',
  },
} satisfies ServiceObject;

const headlessService = {
  metadata: { name: 'db', namespace: 'default', labels: { app: 'db' } },
  spec: {
    ports: [{ name: 'pg', protocol: 'TCP', port: 5432, targetPort: 5432 }],
    selector: { app: 'db' },
    clusterIP: 'None',
    clusterIPs: ['None'],
    type: 'ClusterIP',
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
    publishNotReadyAddresses: true,
    ipFamilies: ['IPv4', 'IPv6'],
    ipFamilyPolicy: 'PreferDualStack',
  },
} satisfies ServiceObject;

const loadBalancerService = {
  metadata: {
    name: 'edge',
    namespace: 'default',
    creationTimestamp: '2026-01-02T03:04:05Z',
    deletionTimestamp: '2026-02-03T04:05:06Z',
    deletionGracePeriodSeconds: 0,
    finalizers: ['service.kubernetes.io/load-balancer-cleanup'],
  },
  spec: {
    ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 8443, nodePort: 31443 }],
    selector: { app: 'edge' },
    clusterIP: '10.96.7.7',
    type: 'LoadBalancer',
    loadBalancerIP: '203.0.113.5',
    loadBalancerSourceRanges: ['203.0.113.0/24', '198.51.100.0/24'],
    externalTrafficPolicy: 'Local',
    healthCheckNodePort: 32000,
    allocateLoadBalancerNodePorts: false,
    loadBalancerClass: 'example.com/lb',
  },
  status: {
    loadBalancer: {
      ingress: [
        { ip: '203.0.113.5', ipMode: 'VIP', ports: [{ port: 443, protocol: 'TCP', error: 'example.com/Pending' }] },
        { hostname: 'edge.example.com', ipMode: 'Proxy' },
      ],
    },
    conditions: [
      { type: 'LoadBalancerReady', status: 'True', observedGeneration: 2, lastTransitionTime: '2026-01-02T03:04:06Z', reason: 'Provisioned', message: '' },
    ],
  },
} satisfies ServiceObject;

// ---------------------------------------------------------------------------------------------

describe('protobuf: exports', () => {
  it('names the Kubernetes protobuf media type', () => {
    assert.equal(protobufContentType, 'application/vnd.kubernetes.protobuf');
    assert.ok(new ProtobufDecodeError('x') instanceof Error);
  });
});

describe('protobuf: Service round trips', () => {
  it('decodes a NodePort service with two ports, a named targetPort, labels and selector', () => {
    assert.deepEqual(decodeKubernetesProtobuf(serviceBody(nodePortService)), { kind: 'Service', apiVersion: 'v1', ...nodePortService });
  });

  it('decodes a headless service (clusterIP None) with ClientIP session affinity', () => {
    assert.deepEqual(decodeKubernetesProtobuf(serviceBody(headlessService)), { kind: 'Service', apiVersion: 'v1', ...headlessService });
  });

  it('decodes a LoadBalancer with status ingress (ipMode, ports), conditions and pointer zeros', () => {
    const decoded = decodeKubernetesProtobuf(serviceBody(loadBalancerService));
    assert.deepEqual(decoded, { kind: 'Service', apiVersion: 'v1', ...loadBalancerService });
    // Pointer fields set to their zero value stay: false and 0 are meaningful there.
    const spec = decoded.spec as Record<string, unknown>;
    assert.equal(spec.allocateLoadBalancerNodePorts, false);
    assert.equal((decoded.metadata as Record<string, unknown>).deletionGracePeriodSeconds, 0);
  });

  it('drops zero-valued non-pointer fields that Go marshals anyway, but keeps fields without omitempty', () => {
    const decoded = decodeKubernetesProtobuf(serviceBody({ metadata: { name: 'bare' }, spec: { ports: [{ port: 0 }] } }));
    assert.deepEqual(decoded, { kind: 'Service', apiVersion: 'v1', metadata: { name: 'bare' }, spec: { ports: [{ port: 0 }] } });
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Service', Buffer.alloc(0))), { kind: 'Service', apiVersion: 'v1' });
  });

  it('keeps an empty pointer struct (sessionAffinityConfig: {}) but omits empty ones that are not pointers', () => {
    const decoded = decodeKubernetesProtobuf(serviceBody({ metadata: { name: 's' }, spec: { sessionAffinityConfig: {} }, status: {} }));
    assert.deepEqual(decoded, { kind: 'Service', apiVersion: 'v1', metadata: { name: 's' }, spec: { sessionAffinityConfig: {} } });
  });

  it('decodes targetPort as a string when IntOrString.type is 1, a number when 0', () => {
    const body = serviceBody({
      spec: {
        ports: [
          { port: 80, targetPort: 'web' },
          { port: 81, targetPort: 8081 },
        ],
      },
    });
    const spec = decodeKubernetesProtobuf(body).spec as { ports: Array<Record<string, unknown>> };
    assert.equal(spec.ports[0].targetPort, 'web');
    assert.equal(spec.ports[1].targetPort, 8081);
  });

  it('decodes negative int32 (ten-byte varints) and large int64 values', () => {
    const raw = cat(msg(1, str(1, 'n'), int(10, 2 ** 40)), msg(2, msg(1, int(3, 80), int(5, -1))));
    const decoded = decodeKubernetesProtobuf(envelope('v1', 'Service', raw));
    assert.deepEqual(decoded, {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'n', deletionGracePeriodSeconds: 2 ** 40 },
      spec: { ports: [{ port: 80, nodePort: -1 }] },
    });
  });

  it('keeps label keys such as __proto__ as own properties', () => {
    const decoded = decodeKubernetesProtobuf(serviceBody({ metadata: { name: 'p', labels: { ['__proto__']: 'x', a: 'b' } } }));
    const labels = (decoded.metadata as { labels: Record<string, string> }).labels;
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
    assert.deepEqual(Object.entries(labels).sort(), [
      ['__proto__', 'x'],
      ['a', 'b'],
    ]);
    assert.equal(JSON.stringify(labels), '{"__proto__":"x","a":"b"}');
  });

  it('merges a repeated embedded message and lets the last scalar win, as protobuf does', () => {
    const raw = cat(
      msg(1, str(1, 'first'), map(11, { a: '1' })),
      msg(1, str(1, 'second'), map(11, { b: '2' })),
      msg(2, str(4, 'NodePort')),
      msg(2, str(3, 'None')),
    );
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Service', raw)), {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'second', labels: { a: '1', b: '2' } },
      spec: { clusterIP: 'None', type: 'NodePort' },
    });
  });

  it('skips unknown fields of every wire type, including nested groups, at every level', () => {
    const junk = cat(
      int(99, 12345n),
      cat(key(98, FIXED64), Buffer.alloc(8, 0xab)),
      str(97, 'ignored'),
      cat(key(96, FIXED32), Buffer.alloc(4, 0xcd)),
      cat(key(95, START_GROUP), int(1, 1), key(94, START_GROUP), str(2, 'x'), key(94, END_GROUP), key(95, END_GROUP)),
    );
    const raw = cat(
      junk,
      msg(1, junk, str(1, 'np1'), map(11, { app: 'np1' })),
      msg(2, msg(1, junk, int(3, 80), junk), junk, str(4, 'NodePort')),
      msg(3, junk),
      int(50, 1),
    );
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Service', raw, junk)), {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'np1', labels: { app: 'np1' } },
      spec: { ports: [{ port: 80 }], type: 'NodePort' },
    });
  });

  it('formats Time as RFC 3339 in UTC with second precision, and treats Go zero time as absent', () => {
    const withNanos = cat(msg(1, str(1, 't'), msg(8, int(1, Date.parse('2026-01-02T03:04:05Z') / 1000), int(2, 999_999_999))));
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Service', withNanos)).metadata, { name: 't', creationTimestamp: '2026-01-02T03:04:05Z' });
    const goZero = cat(msg(1, str(1, 't'), msg(8, int(1, -62135596800), int(2, 0))));
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Service', goZero)).metadata, { name: 't' });
    const epoch = cat(msg(1, str(1, 't'), msg(8, int(1, 0))));
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Service', epoch)).metadata, { name: 't', creationTimestamp: '1970-01-01T00:00:00Z' });
  });

  it('decodes managedFields, parsing fieldsV1 as JSON', () => {
    const fields = Buffer.from('{"f:metadata":{"f:labels":{"f:app":{}}}}');
    const raw = msg(
      1,
      str(1, 'm'),
      msg(17, str(1, 'kubectl'), str(2, 'Update'), str(3, 'v1'), time(4, '2026-01-02T03:04:05Z'), str(6, 'FieldsV1'), msg(7, bytes(1, fields)), str(8, '')),
    );
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Service', raw)).metadata, {
      name: 'm',
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2026-01-02T03:04:05Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } } },
        },
      ],
    });
  });
});

describe('protobuf: Namespace and DeleteOptions', () => {
  // Fields the schema lacks (NamespaceStatus.conditions, 2) are skipped like unknown fields.
  it('decodes a Namespace with metadata, spec.finalizers and status', () => {
    const raw = cat(
      msg(1, encodeMeta({ name: 'shop', labels: { team: 'a' }, annotations: { 'example.com/x': 'y' }, creationTimestamp: '2026-01-02T03:04:05Z' })),
      msg(2, strs(1, ['kubernetes'])),
      msg(
        3,
        str(1, 'Terminating'),
        msg(
          2,
          str(1, 'NamespaceContentRemaining'),
          str(2, 'True'),
          time(4, '2026-01-02T03:04:06Z'),
          str(5, 'SomeResourcesRemain'),
          str(6, 'Some resources are remaining'),
        ),
      ),
    );
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Namespace', raw)), {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'shop', creationTimestamp: '2026-01-02T03:04:05Z', labels: { team: 'a' }, annotations: { 'example.com/x': 'y' } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Terminating' },
    });
  });

  it('decodes a minimal Namespace as Go marshals it', () => {
    const raw = cat(msg(1, encodeMeta({ name: 'dev' })), msg(2), msg(3, str(1, '')));
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Namespace', raw)), { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'dev' } });
  });

  it('decodes DeleteOptions, keeping pointer zeros (gracePeriodSeconds 0, orphanDependents false)', () => {
    const raw = cat(int(1, 0), msg(2, str(1, 'uid-1'), str(2, '77')), bool(3, false), str(4, 'Foreground'), strs(5, ['All']));
    const expected = {
      gracePeriodSeconds: 0,
      preconditions: { uid: 'uid-1', resourceVersion: '77' },
      orphanDependents: false,
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    };
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'DeleteOptions', raw)), { kind: 'DeleteOptions', apiVersion: 'v1', ...expected });
    assert.deepEqual(decodeKubernetesProtobuf(envelope('meta.k8s.io/v1', 'DeleteOptions', raw)), {
      kind: 'DeleteOptions',
      apiVersion: 'meta.k8s.io/v1',
      ...expected,
    });
  });

  it('decodes empty DeleteOptions and empty preconditions', () => {
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'DeleteOptions', Buffer.alloc(0))), { kind: 'DeleteOptions', apiVersion: 'v1' });
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'DeleteOptions', cat(msg(2), int(1, 30)))), {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      gracePeriodSeconds: 30,
      preconditions: {},
    });
  });
});

describe('protobuf: malformed input', () => {
  const valid = serviceBody(loadBalancerService);

  it('rejects a body without the k8s magic', () => {
    const msgText = 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]';
    assertDecodeError(Buffer.alloc(0), msgText);
    assertDecodeError(Buffer.from('k8s'), msgText);
    assertDecodeError(Buffer.from('{"kind":"Service","apiVersion":"v1"}'), msgText);
    assertDecodeError(cat(Buffer.from('k8s\x01', 'latin1'), valid.subarray(4)), msgText);
  });

  it('rejects unregistered kinds and versions, and a missing kind', () => {
    assertDecodeError(envelope('v1', 'Pod', Buffer.alloc(0)), 'no kind "Pod" is registered for version "v1"');
    assertDecodeError(envelope('apps/v1', 'Service', Buffer.alloc(0)), 'no kind "Service" is registered for version "apps/v1"');
    assertDecodeError(envelope('', 'Namespace', Buffer.alloc(0)), 'no kind "Namespace" is registered for version ""');
    assertDecodeError(Buffer.from('k8s\0', 'latin1'), /Kind' is missing/);
    assertDecodeError(envelope('v1', 'Service', Buffer.alloc(0), str(3, 'gzip')), /unsupported content encoding "gzip"/);
  });

  it('rejects every truncation of a valid body with a ProtobufDecodeError, or decodes it', () => {
    let rejected = 0;
    for (let n = 0; n < valid.length; n++) if (!decodesOrRejects(valid.subarray(0, n))) rejected++;
    assert.ok(rejected > valid.length / 2, `only ${rejected} of ${valid.length} truncations were rejected`);
    // Cut inside the raw object: the declared length of runtime.Unknown.raw runs past the end.
    assertDecodeError(valid.subarray(0, valid.length - 10), 'proto: unexpected EOF');
  });

  it('rejects absurd and overlong lengths, overlong varints, bad tags and bad wire types', () => {
    const magic = Buffer.from('k8s\0', 'latin1');
    assertDecodeError(cat(magic, key(2, BYTES), varint(2n ** 40n)), /negative length/);
    assertDecodeError(cat(magic, key(2, BYTES), varint(0x7fffffff), Buffer.alloc(10)), 'proto: unexpected EOF');
    assertDecodeError(cat(magic, key(9, VARINT), Buffer.alloc(11, 0xff)), 'proto: integer overflow');
    assertDecodeError(cat(magic, key(9, VARINT), Buffer.from([0x80, 0x80])), 'proto: unexpected EOF');
    assertDecodeError(cat(magic, Buffer.from([0x00, 0x01])), /illegal tag 0/);
    assertDecodeError(cat(magic, key(9, 6)), /illegal wireType 6/);
    assertDecodeError(cat(magic, key(9, 7)), /illegal wireType 7/);
    assertDecodeError(cat(magic, key(7, END_GROUP)), /end group/);
    assertDecodeError(cat(magic, key(7, START_GROUP), int(1, 1)), 'proto: unexpected EOF');
    assertDecodeError(cat(magic, key(7, START_GROUP), key(8, END_GROUP)), /mismatched end group/);
    assertDecodeError(cat(magic, key(9, FIXED64), Buffer.alloc(7)), 'proto: unexpected EOF');
    assertDecodeError(cat(magic, key(9, FIXED32), Buffer.alloc(3)), 'proto: unexpected EOF');
    // A known field with the wrong wire type.
    assertDecodeError(envelope('v1', 'Service', int(2, 1)), 'proto: Service: wrong wireType = 0 for field spec');
    assertDecodeError(envelope('v1', 'Service', msg(2, msg(1, str(3, '80')))), 'proto: ServicePort: wrong wireType = 2 for field port');
    assertDecodeError(envelope('v1', 'Service', msg(1, bytes(11, int(1, 5)))), 'proto: ObjectMeta: wrong wireType = 0 for field labels');
  });

  it('rejects an impossible IntOrString type, an out-of-range Time and invalid fieldsV1 JSON', () => {
    assertDecodeError(envelope('v1', 'Service', msg(2, msg(1, int(3, 80), msg(4, int(1, 2))))), /IntOrString/);
    assertDecodeError(envelope('v1', 'Service', msg(1, msg(8, int(1, 2n ** 50n)))), /year outside of range/);
    assertDecodeError(envelope('v1', 'Service', msg(1, msg(17, msg(7, bytes(1, Buffer.from('{nope')))))), /FieldsV1/);
  });

  it('never throws anything but ProtobufDecodeError on garbage', () => {
    const magic = Buffer.from('k8s\0', 'latin1');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (garbage) => {
        decodesOrRejects(Buffer.from(garbage));
        decodesOrRejects(cat(magic, Buffer.from(garbage)));
        decodesOrRejects(envelope('v1', 'Service', Buffer.from(garbage)));
        decodesOrRejects(envelope('v1', 'Namespace', Buffer.from(garbage)));
        decodesOrRejects(envelope('v1', 'DeleteOptions', Buffer.from(garbage)));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but ProtobufDecodeError on mutated valid bodies', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (edits) => {
        const body = Buffer.from(valid);
        for (const [at, value] of edits) body[4 + (at % (body.length - 4))] = value;
        decodesOrRejects(body);
      }),
      { numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// A real kubectl request, captured by a minimal fake API server.

describe('protobuf: kubectl', () => {
  it('decodes the body of `kubectl create service nodeport`', { skip: kubectlBinary ? false : 'kubectl not found on PATH', timeout: 120_000 }, async () => {
    let captured: { contentType: string | undefined; body: Buffer } | undefined;
    const send = (res: ServerResponse, code: number, value: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/version') return send(res, 200, { major: '1', minor: '33', gitVersion: 'v1.33.0' });
        if (path === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'] });
        if (path === '/api/v1') {
          return send(res, 200, {
            kind: 'APIResourceList',
            apiVersion: 'v1',
            groupVersion: 'v1',
            resources: [
              { name: 'services', singularName: 'service', namespaced: true, kind: 'Service', verbs: ['create', 'get', 'list'], shortNames: ['svc'] },
            ],
          });
        }
        if (path === '/apis') return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
        if (req.method === 'POST' && path === '/api/v1/namespaces/default/services') {
          captured = { contentType: req.headers['content-type'], body: Buffer.concat(chunks) };
          return send(res, 201, {
            kind: 'Service',
            apiVersion: 'v1',
            metadata: {
              name: 'np1',
              namespace: 'default',
              uid: '00000000-0000-0000-0000-000000000001',
              resourceVersion: '1',
              creationTimestamp: '2026-01-02T03:04:05Z',
            },
            spec: {
              type: 'NodePort',
              ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
              selector: { app: 'np1' },
              clusterIP: '10.96.0.20',
            },
          });
        }
        send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${path} not found` });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const home = kubectlHome();
    try {
      const { port } = server.address() as AddressInfo;
      // A child process, run asynchronously so this process's event loop can answer it.
      const args = ['--cache-dir', join(home.dir, 'cache'), 'create', 'service', 'nodeport', 'np1', '--tcp=80:8080', '--node-port=30080'];
      const run = await runKubectl(`http://127.0.0.1:${port}`, args, { env: home.env, timeoutMs: 90_000 });
      assert.equal(run.code, 0, showRun(args, run));
    } finally {
      server.close();
      home.remove();
    }
    assert.ok(captured, 'kubectl did not POST the service');
    assert.equal(captured.contentType, protobufContentType);
    assert.deepEqual([...captured.body.subarray(0, 4)], [0x6b, 0x38, 0x73, 0x00]);
    const decoded = decodeKubernetesProtobuf(captured.body);
    assert.deepEqual(decoded, {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'np1', labels: { app: 'np1' } },
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
        selector: { app: 'np1' },
        type: 'NodePort',
      },
    });
  });
});
