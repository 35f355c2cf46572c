// The schema-driven codec against Kubernetes' own generated.proto files (test/fixtures/proto),
// read by protobufjs: every field number and type we keep beside the schemas matches kube's,
// every served kind round-trips both ways (protobufjs encodes, we decode; we encode, protobufjs
// decodes), and the envelope and watch frames parse as runtime.Unknown and metav1.WatchEvent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { decodeMessage, encodeMessage, messageOf, type Message } from '../../src/api/protobuf/codec.js';
import { encodeBare, encodeList, encodeObject, encodeStatus, encodeStored, encodeWatchFrame, typeMetaOf } from '../../src/api/protobuf/envelope.js';
import { DeleteOptions, Status } from '../../src/model/meta.js';
import { kubeJsonToProto, loadKubeProtos, plain, withoutZeros } from '../support/kubeProto.js';
import { servedDeclarations } from '../support/protobufKinds.js';

const root = loadKubeProtos();
const meta = 'k8s.io.apimachinery.pkg.apis.meta.v1.';
const runtimeUnknown = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
const watchEvent = root.lookupType(`${meta}WatchEvent`);

type Json = Record<string, unknown>;

const objectMeta = {
  name: 'web',
  generateName: 'web-',
  namespace: 'shop',
  uid: '7e0c2f4a-9a43-4b8e-9a55-1d2b3c4d5e6f',
  resourceVersion: '42',
  generation: 3,
  creationTimestamp: '2026-01-02T03:04:05Z',
  deletionTimestamp: '2026-01-02T04:00:00Z',
  deletionGracePeriodSeconds: 0,
  labels: { app: 'web', 'example.com/tier': 'front' },
  annotations: { note: 'ünïcode ✓' },
  ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u-1', controller: true, blockOwnerDeletion: false }],
  finalizers: ['example.com/keep'],
  managedFields: [
    {
      manager: 'kubectl',
      operation: 'Update',
      apiVersion: 'v1',
      time: '2026-01-02T03:04:05Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
    },
  ],
};

const objectRef = { kind: 'Pod', namespace: 'shop', name: 'web-0', uid: 'p-1', apiVersion: 'v1', resourceVersion: '7', fieldPath: 'spec.containers{web}' };
const selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] };

/** One rich object of every served kind, as its JSON form (what Go would write). */
const samples: Record<string, Json> = {
  Service: {
    metadata: objectMeta,
    spec: {
      ports: [
        { name: 'http', protocol: 'TCP', appProtocol: 'http', port: 80, targetPort: 'http', nodePort: 30080 },
        { name: 'metrics', protocol: 'UDP', port: 9090, targetPort: 9091 },
      ],
      selector: { app: 'web' },
      clusterIP: '10.0.0.10',
      clusterIPs: ['10.0.0.10', 'fd00::10'],
      type: 'LoadBalancer',
      externalIPs: ['192.0.2.1'],
      sessionAffinity: 'ClientIP',
      loadBalancerIP: '192.0.2.9',
      loadBalancerSourceRanges: ['0.0.0.0/0'],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 31000,
      publishNotReadyAddresses: true,
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      ipFamilies: ['IPv4', 'IPv6'],
      ipFamilyPolicy: 'PreferDualStack',
      allocateLoadBalancerNodePorts: false,
      loadBalancerClass: 'example.com/lb',
      internalTrafficPolicy: 'Cluster',
      trafficDistribution: 'PreferClose',
    },
    status: {
      loadBalancer: { ingress: [{ ip: '192.0.2.9', hostname: 'lb.example.com', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP', error: 'Pending' }] }] },
      conditions: [{ type: 'Ready', status: 'True', observedGeneration: 3, lastTransitionTime: '2026-01-02T03:04:06Z', reason: 'Done', message: 'ok' }],
    },
  },
  Namespace: { metadata: { name: 'shop', labels: { team: 'a' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } },
  Event: {
    metadata: { name: 'web.1', namespace: 'shop' },
    involvedObject: objectRef,
    reason: 'Pulled',
    message: 'pulled the image',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2026-01-02T03:04:05Z',
    lastTimestamp: '2026-01-02T03:05:05Z',
    count: 2,
    type: 'Normal',
    eventTime: '2026-01-02T03:04:05.123456Z',
    series: { count: 4, lastObservedTime: '2026-01-02T03:06:07.000001Z' },
    action: 'Pull',
    related: { kind: 'Node', name: 'node-1' },
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
  },
  'events.k8s.io/v1 Event': {
    metadata: { name: 'web.2', namespace: 'shop' },
    eventTime: '2026-01-02T03:04:05.123456Z',
    series: { count: 4, lastObservedTime: '2026-01-02T03:06:07.000001Z' },
    reportingController: 'kubelet',
    reportingInstance: 'node-1',
    action: 'Pull',
    reason: 'Pulled',
    regarding: objectRef,
    related: { kind: 'Node', name: 'node-1' },
    note: 'pulled the image',
    type: 'Normal',
    deprecatedSource: { component: 'kubelet', host: 'node-1' },
    deprecatedFirstTimestamp: '2026-01-02T03:04:05Z',
    deprecatedLastTimestamp: '2026-01-02T03:05:05Z',
    deprecatedCount: 2,
  },
  Endpoints: {
    metadata: { name: 'web', namespace: 'shop' },
    subsets: [
      {
        addresses: [{ ip: '10.1.0.1', hostname: 'web-0', nodeName: 'node-1', targetRef: objectRef }],
        notReadyAddresses: [{ ip: '10.1.0.2' }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }],
      },
    ],
  },
  EndpointSlice: {
    metadata: { name: 'web-abc', namespace: 'shop' },
    addressType: 'IPv4',
    endpoints: [
      {
        addresses: ['10.1.0.1'],
        conditions: { ready: true, serving: true, terminating: false },
        hostname: 'web-0',
        targetRef: objectRef,
        deprecatedTopology: { zone: 'a' },
        nodeName: 'node-1',
        zone: 'zone-a',
        hints: { forZones: [{ name: 'zone-a' }], forNodes: [{ name: 'node-1' }] },
      },
    ],
    ports: [{ name: 'http', protocol: 'TCP', port: 8080, appProtocol: 'http' }],
  },
  Lease: {
    metadata: { name: 'leader', namespace: 'kube-system' },
    spec: {
      holderIdentity: 'replica-1',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-02T03:04:05.000000Z',
      renewTime: '2026-01-02T03:04:20.654321Z',
      leaseTransitions: 0,
      strategy: 'OldestEmulationVersion',
      preferredHolder: 'replica-2',
    },
  },
  Role: {
    metadata: { name: 'reader', namespace: 'shop' },
    rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['services'], resourceNames: ['web'] }],
  },
  ClusterRole: {
    metadata: { name: 'aggregate' },
    rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }],
    aggregationRule: { clusterRoleSelectors: [selector] },
  },
  RoleBinding: {
    metadata: { name: 'read', namespace: 'shop' },
    subjects: [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'ann' },
      { kind: 'ServiceAccount', name: 'default', namespace: 'shop' },
    ],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
  },
  ClusterRoleBinding: {
    metadata: { name: 'read-all' },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
  },
  SelfSubjectAccessReview: {
    spec: { resourceAttributes: { namespace: 'shop', verb: 'get', group: 'apps', version: 'v1', resource: 'services', subresource: 'status', name: 'web' } },
    status: { allowed: false, denied: true, reason: 'no', evaluationError: 'e' },
  },
  SelfSubjectRulesReview: {
    spec: { namespace: 'shop' },
    status: {
      resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['services'], resourceNames: ['web'] }],
      nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }],
      incomplete: false,
      evaluationError: 'partial',
    },
  },
  SubjectAccessReview: {
    spec: {
      nonResourceAttributes: { path: '/healthz', verb: 'get' },
      user: 'ann',
      groups: ['devs', 'system:authenticated'],
      extra: { scopes: ['a', 'b'], empty: [] },
      uid: 'u-9',
    },
    status: { allowed: true },
  },
  SelfSubjectReview: {
    metadata: { creationTimestamp: '2026-01-02T03:04:05Z' },
    status: { userInfo: { username: 'ann', uid: 'u-9', groups: ['devs'], extra: { scopes: ['a'] } } },
  },
};

const status = {
  metadata: { resourceVersion: '12', continue: 'abc', remainingItemCount: 0 },
  status: 'Failure',
  message: 'services "web" not found',
  reason: 'NotFound',
  details: {
    name: 'web',
    group: 'g',
    kind: 'services',
    uid: 'u',
    causes: [{ reason: 'FieldValueInvalid', message: 'bad', field: 'spec.ports[0]' }],
    retryAfterSeconds: 3,
  },
  code: 404,
};
const deleteOptions = {
  gracePeriodSeconds: 0,
  preconditions: { uid: 'u', resourceVersion: '5' },
  orphanDependents: false,
  propagationPolicy: 'Foreground',
  dryRun: ['All'],
};

/** Every message reachable from m, once. */
function reachable(m: Message, seen = new Set<Message>()): Set<Message> {
  if (seen.has(m)) return seen;
  seen.add(m);
  for (const f of m.fields) if (f.message) reachable(f.message, seen);
  return seen;
}

const protoType: Record<string, (f: protobuf.Field) => boolean> = {
  string: (f) => f.type === 'string',
  int32: (f) => f.type === 'int32',
  int64: (f) => f.type === 'int64',
  bool: (f) => f.type === 'bool',
  time: (f) => f.resolvedType?.fullName === `.${meta}Time`,
  microTime: (f) => f.resolvedType?.fullName === `.${meta}MicroTime`,
  intOrString: (f) => f.resolvedType?.fullName === '.k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  fieldsV1: (f) => f.resolvedType?.fullName === `.${meta}FieldsV1`,
  stringMap: (f) => f instanceof protobuf.MapField && f.type === 'string',
  extraMap: (f) => f instanceof protobuf.MapField && (f.resolvedType?.fullName ?? '').endsWith('.ExtraValue'),
};

function checkAgainstKube(m: Message): void {
  for (const message of reachable(m)) {
    const type = root.lookupType(message.fullName);
    for (const f of message.fields) {
      const kube = type.fieldsById[f.no];
      assert.ok(kube, `${message.fullName} field ${f.no} (${f.json}) is not in kube's .proto`);
      assert.equal(kube.name, f.json, `${message.fullName} field ${f.no}`);
      assert.equal(kube.repeated && !(kube instanceof protobuf.MapField), f.repeated, `${message.fullName}.${f.json} repeated`);
      if (f.kind === 'message') assert.equal(kube.resolvedType?.fullName, `.${f.message?.fullName}`, `${message.fullName}.${f.json} type`);
      else assert.ok(protoType[f.kind](kube), `${message.fullName}.${f.json}: ${f.kind} against kube's ${kube.type}`);
    }
  }
}

function roundTrips(m: Message, json: Json): void {
  const type = root.lookupType(m.fullName);
  // protobufjs encodes from kube's .proto; we decode.
  const theirs = type.encode(type.fromObject(kubeJsonToProto(type, json))).finish();
  assert.deepEqual(decodeMessage(m, Buffer.from(theirs)), json, `${m.name}: decoding protobufjs's bytes`);
  // We encode; protobufjs decodes. We also write Go's zero values, which protobufjs leaves out.
  const ours = encodeMessage(m, json);
  assert.deepEqual(withoutZeros(plain(type, ours)), withoutZeros(plain(type, theirs)), `${m.name}: protobufjs decoding our bytes`);
  // And our own decode of our bytes gives the JSON back.
  assert.deepEqual(decodeMessage(m, ours), json, `${m.name}: decoding our bytes`);
}

describe('protobuf codec: against kube generated.proto (protobufjs)', () => {
  it('numbers and types every field of every served kind as kube does', () => {
    for (const d of servedDeclarations) checkAgainstKube(messageOf(d.schema) as Message);
    checkAgainstKube(messageOf(Status) as Message);
    checkAgainstKube(messageOf(DeleteOptions) as Message);
  });

  for (const d of servedDeclarations) {
    it(`round-trips a ${d.group ? `${d.group} ` : ''}${d.kind} both ways`, () => {
      const sample = samples[`${d.group}/${d.version} ${d.kind}`] ?? samples[d.kind];
      assert.ok(sample, `a sample ${d.kind}`);
      roundTrips(messageOf(d.schema) as Message, sample);
    });
  }

  it('round-trips Status and DeleteOptions', () => {
    roundTrips(messageOf(Status) as Message, status);
    roundTrips(messageOf(DeleteOptions) as Message, deleteOptions);
  });

  it('writes what gogo writes for zero values: non-pointer fields always, a zero Time as an empty message', () => {
    const m = messageOf(servedDeclarations[0].schema) as Message;
    const bytes = encodeMessage(m, { metadata: { name: 'a' } });
    const decoded = plain(root.lookupType(m.fullName), bytes);
    const md = decoded.metadata as Json;
    assert.equal(md.name, 'a');
    assert.equal(md.namespace, '');
    assert.equal(md.generation, 0);
    assert.deepEqual(md.creationTimestamp, {});
    assert.equal(md.deletionTimestamp, undefined);
    // Non-pointer structs are written (spec, status.loadBalancer), pointer ones not.
    assert.equal((decoded.spec as Json).sessionAffinityConfig, undefined);
    assert.deepEqual((decoded.status as Json).loadBalancer, {});
  });

  it('decodes a required list that is absent as [] (Go writes a nil slice as null, which decoding drops)', () => {
    const d = servedDeclarations.find((x) => x.kind === 'SelfSubjectRulesReview');
    const m = messageOf(d?.schema) as Message;
    // kubectl auth can-i --list sends status {incomplete: false} with both rule lists empty.
    const type = root.lookupType(m.fullName);
    const bytes = type.encode(type.fromObject({ spec: { namespace: 'default' }, status: { incomplete: false } })).finish();
    assert.deepEqual(decodeMessage(m, Buffer.from(bytes)), {
      spec: { namespace: 'default' },
      status: { resourceRules: [], nonResourceRules: [], incomplete: false },
    });
  });

  it('sorts map entries by key, as kube-apiserver writes them', () => {
    const m = messageOf(servedDeclarations[1].schema) as Message;
    const a = encodeMessage(m, { metadata: { labels: { b: '2', a: '1', c: '3' } } });
    const b = encodeMessage(m, { metadata: { labels: { c: '3', a: '1', b: '2' } } });
    assert.deepEqual(a, b);
  });

  it('wraps objects, lists and Status in "k8s\\0" and runtime.Unknown', () => {
    const d = servedDeclarations[0];
    const m = messageOf(d.schema) as Message;
    const body = JSON.stringify({ kind: 'Service', apiVersion: 'v1', ...samples.Service });
    const whole = encodeObject(m, 'v1', 'Service', body);
    assert.deepEqual(whole.subarray(0, 4), Buffer.from('k8s\0', 'latin1'));
    const unknown = runtimeUnknown.decode(whole.subarray(4)) as unknown as { typeMeta: Json; raw: Uint8Array; contentEncoding: string; contentType: string };
    assert.deepEqual({ ...unknown.typeMeta }, { apiVersion: 'v1', kind: 'Service' });
    assert.equal(unknown.contentEncoding, '');
    assert.equal(unknown.contentType, '');
    assert.deepEqual(decodeMessage(m, Buffer.from(unknown.raw)), samples.Service);
    // The cached encoding is the same bytes.
    assert.deepEqual(encodeObject(m, 'v1', 'Service', body), whole);

    const list = encodeList(m, 'v1', 'ServiceList', { resourceVersion: '9', continue: 'c' }, [body, body]);
    const listUnknown = runtimeUnknown.decode(list.subarray(4)) as unknown as { typeMeta: Json; raw: Uint8Array };
    assert.equal(listUnknown.typeMeta.kind, 'ServiceList');
    const decodedList = plain(root.lookupType('k8s.io.api.core.v1.ServiceList'), listUnknown.raw);
    assert.deepEqual(decodedList.metadata, { selfLink: '', resourceVersion: '9', continue: 'c' });
    assert.equal((decodedList.items as unknown[]).length, 2);

    const st = encodeStatus({ kind: 'Status', apiVersion: 'v1', ...status });
    const stUnknown = runtimeUnknown.decode(st.subarray(4)) as unknown as { typeMeta: Json; raw: Uint8Array };
    assert.deepEqual({ ...stUnknown.typeMeta }, { apiVersion: 'v1', kind: 'Status' });
    assert.deepEqual(
      withoutZeros(plain(root.lookupType(`${meta}Status`), stUnknown.raw)),
      withoutZeros(kubeJsonToProto(root.lookupType(`${meta}Status`), status)),
    );
  });

  it('serves each state of an object from the cache, whichever path and order encoded them', () => {
    const m = messageOf(servedDeclarations[0].schema) as Message;
    const uid = '0b7c9a52-3a8e-4f1e-8c0d-5a6b7c8d9e0f';
    const state = (resourceVersion: number, app: string) => ({
      uid,
      resourceVersion,
      body: JSON.stringify({
        kind: 'Service',
        apiVersion: 'v1',
        metadata: { name: 'cached', namespace: 'default', uid, resourceVersion: String(resourceVersion), labels: { app } },
        spec: { type: 'ClusterIP' },
      }),
    });
    const fresh = (st: { body: string }) => encodeObject(m, 'v1', 'Service', JSON.parse(st.body) as Json);
    const tm = typeMetaOf('v1', 'Service');
    // A GET's encoding is also kept one byte a character, to go out with the response head.
    const get = (st: ReturnType<typeof state>) => {
      const e = encodeStored(m, tm, st);
      assert.deepEqual(Buffer.from(e.latin1, 'latin1'), e.bytes);
      return e.bytes;
    };
    const older = state(7, 'old');
    const newer = state(8, 'new');
    // A GET (by uid and resourceVersion) and a LIST or watch (from the body's text) share entries.
    assert.deepEqual(get(older), fresh(older));
    assert.deepEqual(encodeObject(m, 'v1', 'Service', older.body), fresh(older));
    assert.deepEqual(get(newer), fresh(newer));
    // A watch replaying the older state after the newer one was cached, then a GET of the newer one.
    assert.deepEqual(encodeObject(m, 'v1', 'Service', older.body), fresh(older));
    assert.deepEqual(get(newer), fresh(newer));
    assert.deepEqual(encodeBare(m, newer.body), encodeMessage(m, JSON.parse(newer.body) as Json));
    // A resourceVersion that is not a decimal revision is encoded each time, not cached.
    const odd = state(9, 'odd').body.replace('"resourceVersion":"9"', '"resourceVersion":"9x"');
    assert.deepEqual(encodeObject(m, 'v1', 'Service', odd), fresh({ body: odd }));
    // Nor is a text that ends inside its resourceVersion (it is not JSON; it must not hang).
    const cut = older.body.slice(0, older.body.indexOf('"resourceVersion":"') + 20);
    assert.throws(() => encodeObject(m, 'v1', 'Service', cut), SyntaxError);
  });

  it("encodes a watch event's state from the object its sinks share, once, then from the cache", () => {
    const m = messageOf(servedDeclarations[0].schema) as Message;
    const uid = '5d1f0c3e-7a2b-4c9d-8e6f-0a1b2c3d4e5f';
    const body = JSON.stringify({
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'shared', namespace: 'default', uid, resourceVersion: '41' },
      spec: { type: 'ClusterIP', ports: [{ port: 80 }] },
    });
    let parses = 0;
    const parsed = () => {
      parses++;
      return JSON.parse(body) as Json;
    };
    const fresh = encodeObject(m, 'v1', 'Service', JSON.parse(body) as Json);
    assert.deepEqual(encodeObject(m, 'v1', 'Service', body, parsed), fresh);
    assert.equal(parses, 1, 'a miss encodes the shared object');
    assert.deepEqual(encodeObject(m, 'v1', 'Service', body, parsed), fresh);
    assert.equal(parses, 1, 'a hit needs no object at all');
  });

  it('frames a watch event as a 4-byte big-endian length and a bare WatchEvent whose object is a full body', () => {
    const m = messageOf(servedDeclarations[1].schema) as Message;
    const object = encodeObject(m, 'v1', 'Namespace', { metadata: { name: 'dev' } });
    const frame = encodeWatchFrame('ADDED', object);
    assert.equal(frame.readUInt32BE(0), frame.length - 4);
    const event = watchEvent.decode(frame.subarray(4)) as unknown as { type: string; object: { raw: Uint8Array } };
    assert.equal(event.type, 'ADDED');
    assert.deepEqual(Buffer.from(event.object.raw), object);
  });
});
