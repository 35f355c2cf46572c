// The field-set machinery on its own: FieldsV1 as kube writes it (member '.', sorted path
// elements, numeric key order), structured-merge-diff's path strings in conflict messages, and
// merge.go's list order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FieldSet, pathString } from '../../src/registry/apply/fieldSet.js';
import { mergeTypeOf } from '../../src/registry/apply/mergeType.js';
import { compare, merge, toFieldSet } from '../../src/registry/apply/typed.js';
import fc from 'fast-check';
import { EndpointSlice } from '../../src/model/endpointSlice.js';
import { Event } from '../../src/model/event.js';
import { Lease } from '../../src/model/lease.js';
import { Namespace } from '../../src/model/namespace.js';
import { Service } from '../../src/model/service.js';
import { FieldManager } from '../../src/registry/apply/fieldManager.js';

const svcType = mergeTypeOf(Service);

describe('FieldSet', () => {
  test('FieldsV1 round-trips, with . for a member that has children and keys in PathElement order', () => {
    const json = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
      'f:spec': {
        'f:ports': {
          '.': {},
          'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {} },
          'k:{"port":443,"protocol":"TCP"}': { '.': {}, 'f:port': {} },
        },
      },
    };
    const set = FieldSet.fromFieldsV1(json);
    assert.deepEqual(set.toFieldsV1(), json);
    assert.deepEqual(
      JSON.stringify(Object.keys((set.toFieldsV1()['f:spec'] as any)['f:ports'])),
      JSON.stringify(['.', 'k:{"port":80,"protocol":"TCP"}', 'k:{"port":443,"protocol":"TCP"}']),
    );
  });

  test('path strings are fieldpath.Path.String()', () => {
    assert.equal(pathString(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}', 'f:targetPort']), '.spec.ports[port=80,protocol="TCP"].targetPort');
    assert.equal(pathString(['f:metadata', 'f:finalizers', 'v:"a/b"']), '.metadata.finalizers[="a/b"]');
    assert.equal(pathString(['f:x', 'i:3']), '.x[3]');
  });

  test('toFieldSet: list-map keys default protocol to TCP; atomic lists and maps are leaves', () => {
    const set = toFieldSet({ spec: { ports: [{ port: 53 }], selector: { a: 'b' }, clusterIPs: ['10.0.0.1'] } }, svcType);
    assert.deepEqual(set.toFieldsV1(), {
      'f:spec': { 'f:clusterIPs': {}, 'f:ports': { 'k:{"port":53,"protocol":"TCP"}': { '.': {}, 'f:port': {} } }, 'f:selector': {} },
    });
  });

  test('compare marks containers only one side has, and changed leaves', () => {
    const c = compare(
      { spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] } },
      {
        spec: {
          type: 'NodePort',
          ports: [
            { port: 80, protocol: 'TCP' },
            { port: 81, protocol: 'TCP' },
          ],
        },
      },
      svcType,
    );
    assert.deepEqual(c.changed.toFieldsV1(), {
      'f:spec': { 'f:ports': { 'k:{"port":81,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:protocol': {} } }, 'f:type': {} },
    });
    assert.deepEqual(c.removed.toFieldsV1(), {});
  });

  test("merge keeps a live-only list entry in place and the configuration's order for shared ones", () => {
    const p = (port: number) => ({ port, protocol: 'TCP' });
    const out = merge({ spec: { ports: [p(1), p(2), p(3)] } }, { spec: { ports: [p(3), p(4), p(1)] } }, svcType) as any;
    assert.deepEqual(
      out.spec.ports.map((x: any) => x.port),
      [2, 3, 4, 1],
    );
  });
});

// A create's managedFields come from one walk that builds FieldsV1 directly (the hot path); an
// explicit empty managedFields (a reset) takes the general path through FieldSet. The two must
// write the same entry for any object.
describe("a create's managedFields: the one-walk path equals the general one", () => {
  const kinds = [
    { schema: Service, kind: 'Service', apiVersion: 'v1', status: true },
    { schema: EndpointSlice, kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', status: false },
    { schema: Event, kind: 'Event', apiVersion: 'v1', status: false },
    { schema: Namespace, kind: 'Namespace', apiVersion: 'v1', status: true },
    { schema: Lease, kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', status: false },
  ];
  const now = new Date('2026-12-06T10:00:00Z');
  const both = (k: (typeof kinds)[number], obj: Record<string, any>) => {
    const fm = new FieldManager(mergeTypeOf(k.schema), k.apiVersion, k.kind, k.status);
    const fast = structuredClone(obj);
    fm.update(undefined, fast, 'kubectl-create', 'main', now);
    const general = structuredClone(obj);
    general.metadata = { ...general.metadata, managedFields: [] };
    fm.update(undefined, general, 'kubectl-create', 'main', now);
    assert.equal(JSON.stringify(fast), JSON.stringify(general));
    return fast;
  };

  test('seed-like objects of every kind', () => {
    const svc = both(kinds[0], {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: 'default',
        labels: { app: 'web', tier: '' },
        annotations: {},
        finalizers: ['a/b', 'a/b'],
        uid: 'u',
        resourceVersion: '1',
      },
      spec: {
        type: 'NodePort',
        selector: { app: 'web' },
        ports: [
          { name: 'https', port: 443, targetPort: 'https' },
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 },
          { name: 'dns', port: 53, protocol: 'UDP' },
          { port: 80, protocol: 'TCP', name: 'dup' },
        ],
        clusterIPs: ['10.0.0.1'],
        ipFamilies: ['IPv4'],
        sessionAffinity: 'None',
        externalIPs: [],
      },
      status: { loadBalancer: {} },
    });
    assert.ok(svc.metadata.managedFields[0].fieldsV1['f:spec']['f:ports']['k:{"port":53,"protocol":"UDP"}']);
    both(kinds[1], {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 's',
        labels: { 'kubernetes.io/service-name': 'web' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'u', controller: true }],
      },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.1.0.1'], conditions: { ready: true }, nodeName: 'n' },
        { addresses: ['10.1.0.2'], conditions: {} },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, null],
    });
    both(kinds[2], {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e' },
      involvedObject: { kind: 'Service', name: 'web' },
      source: {},
      reason: 'R',
      count: 0,
    });
    both(kinds[3], { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    both(kinds[4], {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', generateName: 'l-' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
    });
    // Nothing created beyond what strip removes: no entry at all.
    const bare = both(kinds[0], { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: {}, status: { loadBalancer: {} } });
    assert.equal(bare.metadata.managedFields, undefined);
  });

  test('random Services', () => {
    const label = fc.dictionary(fc.constantFrom('a', 'b', 'app', 'x/y'), fc.oneof(fc.string({ maxLength: 3 }), fc.constant(null)));
    const port = fc.record(
      {
        name: fc.constantFrom('a', 'b', 'http', ''),
        port: fc.integer({ min: 1, max: 5 }),
        protocol: fc.constantFrom('TCP', 'UDP', undefined, null),
        targetPort: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('http', '')),
        nodePort: fc.integer({ min: 0, max: 2 }),
      },
      { requiredKeys: [] },
    );
    const svc = fc.record(
      {
        apiVersion: fc.constant('v1'),
        kind: fc.constant('Service'),
        metadata: fc.record(
          { name: fc.constant('s'), labels: label, annotations: label, finalizers: fc.array(fc.constantFrom('a', 'b')) },
          { requiredKeys: ['name'] },
        ),
        spec: fc.record(
          {
            ports: fc.oneof(fc.array(fc.oneof(port, fc.constant(null)), { maxLength: 4 }), fc.constant(null)),
            selector: fc.oneof(label, fc.constant({})),
            type: fc.constantFrom('ClusterIP', 'NodePort', '', null),
            clusterIPs: fc.array(fc.constantFrom('10.0.0.1', 'fd00::1'), { maxLength: 2 }),
            externalTrafficPolicy: fc.constantFrom('Local', undefined),
            sessionAffinityConfig: fc.record(
              { clientIP: fc.record({ timeoutSeconds: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: [] }) },
              { requiredKeys: [] },
            ),
          },
          { requiredKeys: [] },
        ),
        status: fc.oneof(fc.constant({ loadBalancer: {} }), fc.constant({ loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } }), fc.constant(undefined)),
      },
      { requiredKeys: ['apiVersion', 'kind', 'metadata'] },
    );
    fc.assert(
      fc.property(svc, (obj) => {
        both(kinds[0], obj as Record<string, any>);
      }),
      { numRuns: 500 },
    );
  });
});
