import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch, namespacePatchMeta, PatchError, servicePatchMeta, type PatchMeta } from '../../src/registry/patch/strategicMerge.js';

type Obj = Record<string, unknown>;

const apply = (original: unknown, patch: unknown, meta: PatchMeta = servicePatchMeta): Obj => applyStrategicMergePatch(original, patch, meta) as Obj;

function patchError(fn: () => unknown, message: string | RegExp, status?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PatchError, `expected PatchError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    if (status !== undefined) assert.equal(e.status, status);
    return true;
  });
}

function hasDirectiveKeys(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasDirectiveKeys);
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v).some(([k, x]) => k.startsWith('$') || hasDirectiveKeys(x));
  }
  return false;
}

// ---------------------------------------------------------------------------
// What kubectl apply (client-side, CreateThreeWayMergePatch) sends for a Service
// ---------------------------------------------------------------------------

const lastAppliedV1 = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'frontend' } },
  spec: {
    selector: { app: 'web', tier: 'frontend' },
    ports: [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'https', port: 443, targetPort: 8443 },
      { name: 'metrics', port: 9090, targetPort: 9090 },
    ],
  },
};

/** The live object after the first apply: defaults and allocations filled in by the server. */
function liveAfterFirstApply(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: '0b8f6f1e-3f0c-4e38-9a53-1d5c1f2f9f11',
      resourceVersion: '42',
      creationTimestamp: '2025-01-01T00:00:00Z',
      labels: { app: 'web', tier: 'frontend' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(lastAppliedV1)}\n` },
    },
    spec: {
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'https', protocol: 'TCP', port: 443, targetPort: 8443 },
        { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9090 },
      ],
      selector: { app: 'web', tier: 'frontend' },
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  };
}

const appliedV2 = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'backend', team: 'payments' } },
  spec: {
    selector: { app: 'web-v2' },
    ports: [
      { name: 'http', port: 80, targetPort: 8081 },
      { name: 'https', port: 443, targetPort: 8443 },
    ],
  },
};

/** The patch kubectl apply computes for v1 -> v2: targetPort of :80 changed, :9090 removed,
 *  label tier changed and team added, selector app changed and tier removed. */
const kubectlPatchV2 = {
  metadata: {
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(appliedV2)}\n` },
    labels: { team: 'payments', tier: 'backend' },
  },
  spec: {
    '$setElementOrder/ports': [{ port: 80 }, { port: 443 }],
    ports: [
      { port: 80, targetPort: 8081 },
      { $patch: 'delete', port: 9090 },
    ],
    selector: { app: 'web-v2', tier: null },
  },
};

describe('strategic merge patch: kubectl apply of a Service', () => {
  it('second apply changes a targetPort, removes a port, changes labels and selector', () => {
    const live = liveAfterFirstApply();
    const result = apply(live, kubectlPatchV2);
    const spec = result.spec as Obj;
    const metadata = result.metadata as Obj;

    assert.deepEqual(spec.ports, [
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 8081 },
      { name: 'https', protocol: 'TCP', port: 443, targetPort: 8443 },
    ]);
    assert.deepEqual(spec.selector, { app: 'web-v2' });
    assert.deepEqual(metadata.labels, { app: 'web', tier: 'backend', team: 'payments' });
    assert.equal((metadata.annotations as Obj)['kubectl.kubernetes.io/last-applied-configuration'], `${JSON.stringify(appliedV2)}\n`);
    // server-owned fields untouched
    assert.equal(spec.clusterIP, '10.96.0.10');
    assert.deepEqual(spec.clusterIPs, ['10.96.0.10']);
    assert.equal(spec.type, 'ClusterIP');
    assert.equal(metadata.uid, '0b8f6f1e-3f0c-4e38-9a53-1d5c1f2f9f11');
    assert.deepEqual(result.status, { loadBalancer: {} });
    assert.equal(hasDirectiveKeys(result), false);
  });

  it('does not mutate its inputs', () => {
    const live = liveAfterFirstApply();
    const liveCopy = structuredClone(live);
    const patch = structuredClone(kubectlPatchV2);
    const patchCopy = structuredClone(patch);
    apply(live, patch);
    assert.deepEqual(live, liveCopy);
    assert.deepEqual(patch, patchCopy);
  });

  it('adds a port in the middle at the position $setElementOrder asks for', () => {
    const live = liveAfterFirstApply();
    const result = apply(live, {
      spec: {
        '$setElementOrder/ports': [{ port: 80 }, { port: 8080 }, { port: 443 }, { port: 9090 }],
        ports: [{ name: 'alt', port: 8080, targetPort: 8080 }],
      },
    });
    assert.deepEqual(
      (result.spec as { ports: { port: number }[] }).ports.map((p) => p.port),
      [80, 8080, 443, 9090],
    );
    assert.deepEqual((result.spec as { ports: Obj[] }).ports[1], { name: 'alt', port: 8080, targetPort: 8080 });
  });

  it('reorders ports with only a $setElementOrder list', () => {
    const result = apply(liveAfterFirstApply(), {
      spec: { '$setElementOrder/ports': [{ port: 9090 }, { port: 443 }, { port: 80 }] },
    });
    assert.deepEqual(
      (result.spec as { ports: { port: number }[] }).ports.map((p) => p.port),
      [9090, 443, 80],
    );
  });

  it('without $setElementOrder, patched items keep the patch order and server-only items interleave', () => {
    // mergeSortedSlice: a new item (not in the live list) cannot be compared with the
    // server-only items, so it is taken first; 443 is placed by its live position.
    const result = apply(liveAfterFirstApply(), {
      spec: {
        ports: [
          { port: 7000, name: 'new', targetPort: 7000 },
          { port: 443, targetPort: 9443 },
        ],
      },
    });
    const ports = (result.spec as { ports: Obj[] }).ports;
    assert.deepEqual(
      ports.map((p) => p.port),
      [7000, 80, 443, 9090],
    );
    assert.equal(ports[2].targetPort, 9443);
  });

  it('switches a targetPort from a number to a named port', () => {
    const result = apply(liveAfterFirstApply(), { spec: { ports: [{ port: 80, targetPort: 'http-web' }] } });
    assert.equal((result.spec as { ports: Obj[] }).ports[0].targetPort, 'http-web');
  });

  it('removing all the labels kubectl no longer applies', () => {
    const result = apply(liveAfterFirstApply(), { metadata: { labels: null } });
    assert.equal('labels' in (result.metadata as Obj), false);
  });
});

// ---------------------------------------------------------------------------
// Maps
// ---------------------------------------------------------------------------

describe('strategic merge patch: maps', () => {
  it('null deletes a key, also when nested', () => {
    assert.deepEqual(apply({ a: 1, b: { c: 2, d: 3 } }, { a: null, b: { c: null } }, {}), { b: { d: 3 } });
  });

  it('null for a missing key is ignored', () => {
    assert.deepEqual(apply({ a: 1 }, { z: null }, {}), { a: 1 });
  });

  it('merges nested maps recursively and adds new keys', () => {
    assert.deepEqual(apply({ a: { b: { c: 1, d: 2 } } }, { a: { b: { d: 3, e: 4 }, f: 5 } }, {}), {
      a: { b: { c: 1, d: 3, e: 4 }, f: 5 },
    });
  });

  it('replaces a value whose type changes', () => {
    assert.deepEqual(apply({ a: { b: 1 } }, { a: 'x' }, {}), { a: 'x' });
    assert.deepEqual(apply({ a: 'x' }, { a: { b: 1, c: null } }, {}), { a: { b: 1 } });
  });

  it('$patch: replace on a map replaces it', () => {
    const r = apply(liveAfterFirstApply(), { spec: { selector: { $patch: 'replace', only: 'this' } } });
    assert.deepEqual((r.spec as Obj).selector, { only: 'this' });
  });

  it('$patch: delete on a map empties it', () => {
    const r = apply(liveAfterFirstApply(), { metadata: { labels: { $patch: 'delete' } } });
    assert.deepEqual((r.metadata as Obj).labels, {});
  });

  it('$patch with an unknown value is rejected', () => {
    patchError(() => apply({ m: { a: '1' } }, { m: { $patch: 'bogus', b: '2' } }, {}), 'unknown patch type: bogus in map: map[$patch:bogus b:2]', 500);
  });

  it('$patch: merge on a map is an unknown map directive', () => {
    patchError(() => apply({ m: {} }, { m: { $patch: 'merge' } }, {}), 'unknown patch type: merge in map: map[$patch:merge]');
  });

  it('$retainKeys clears keys not listed', () => {
    const r = apply({ s: { a: 1, b: 2, c: 3 } }, { s: { $retainKeys: ['a', 'c'], c: 4 } }, {});
    assert.deepEqual(r, { s: { a: 1, c: 4 } });
  });

  it('$retainKeys must list every key the patch sets', () => {
    patchError(() => apply({ s: { a: 1 } }, { s: { $retainKeys: ['a'], b: 2 } }, {}), 'invalid patch format of retainKeys', 400);
    patchError(() => apply({ s: { a: 1 } }, { s: { $retainKeys: 'a' } }, {}), 'invalid patch format of retainKeys', 400);
  });

  it('a replace strategy on a map field takes the patch value', () => {
    const meta: PatchMeta = { fields: { m: { strategy: 'replace' } } };
    assert.deepEqual(apply({ m: { a: 1, b: 2 } }, { m: { c: 3 } }, meta), { m: { c: 3 } });
  });
});

// ---------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------

describe('strategic merge patch: lists', () => {
  it('lists without a strategy are replaced', () => {
    const r = apply(liveAfterFirstApply(), { spec: { externalIPs: ['1.2.3.4'], clusterIPs: ['10.96.0.11'] } });
    assert.deepEqual((r.spec as Obj).externalIPs, ['1.2.3.4']);
    assert.deepEqual((r.spec as Obj).clusterIPs, ['10.96.0.11']);
    const s = apply(
      { status: { loadBalancer: { ingress: [{ ip: '1.1.1.1' }, { ip: '2.2.2.2' }] } } },
      { status: { loadBalancer: { ingress: [{ hostname: 'lb' }] } } },
    );
    assert.deepEqual(s, { status: { loadBalancer: { ingress: [{ hostname: 'lb' }] } } });
  });

  it('primitive lists with the merge strategy are unioned', () => {
    const r = apply({ metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['b', 'c'] } });
    assert.deepEqual((r.metadata as Obj).finalizers, ['a', 'b', 'c']);
  });

  it('$deleteFromPrimitiveList removes from a merge primitive list', () => {
    const r = apply({ metadata: { finalizers: ['a', 'b', 'c'] } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'zzz'] } });
    assert.deepEqual(r, { metadata: { finalizers: ['a', 'c'] } });
  });

  it('finalizers as kubectl apply sends them: add, remove and order', () => {
    const r = apply(
      { metadata: { finalizers: ['a', 'b'] } },
      { metadata: { '$setElementOrder/finalizers': ['a', 'c'], '$deleteFromPrimitiveList/finalizers': ['b'], finalizers: ['c'] } },
    );
    assert.deepEqual(r, { metadata: { finalizers: ['a', 'c'] } });
  });

  it('$setElementOrder on a primitive list orders it', () => {
    const r = apply({ metadata: { finalizers: ['a', 'b', 'c'] } }, { metadata: { '$setElementOrder/finalizers': ['c', 'a', 'b'] } });
    assert.deepEqual(r, { metadata: { finalizers: ['c', 'a', 'b'] } });
  });

  it('merge lists of objects merge by key and append new items', () => {
    const r = apply(
      { metadata: { ownerReferences: [{ uid: '1', name: 'a', kind: 'K', apiVersion: 'v1' }] } },
      {
        metadata: {
          ownerReferences: [
            { uid: '1', controller: true },
            { uid: '2', name: 'b', kind: 'K', apiVersion: 'v1' },
          ],
        },
      },
    );
    assert.deepEqual((r.metadata as Obj).ownerReferences, [
      { uid: '1', name: 'a', kind: 'K', apiVersion: 'v1', controller: true },
      { uid: '2', name: 'b', kind: 'K', apiVersion: 'v1' },
    ]);
  });

  it('status conditions merge by type', () => {
    const r = apply(
      {
        status: {
          conditions: [
            { type: 'A', status: 'True' },
            { type: 'B', status: 'False' },
          ],
        },
      },
      { status: { conditions: [{ type: 'B', status: 'True', reason: 'Fixed' }] } },
    );
    assert.deepEqual((r.status as Obj).conditions, [
      { type: 'A', status: 'True' },
      { type: 'B', status: 'True', reason: 'Fixed' },
    ]);
  });

  it('a list item without its merge key is rejected with the Go message', () => {
    patchError(
      () => apply(liveAfterFirstApply(), { spec: { ports: [{ targetPort: 8443 }] } }),
      'map: map[targetPort:8443] does not contain declared merge key: port',
      500,
    );
    patchError(
      () => apply(liveAfterFirstApply(), { spec: { ports: [{ $patch: 'delete', name: 'http' }] } }),
      'map: map[$patch:delete name:http] does not contain declared merge key: port',
    );
  });

  it('$patch: delete on a list item removes every item with that key', () => {
    const r = apply(liveAfterFirstApply(), { spec: { ports: [{ $patch: 'delete', port: 443 }] } });
    assert.deepEqual(
      (r.spec as { ports: { port: number }[] }).ports.map((p) => p.port),
      [80, 9090],
    );
  });

  it('$patch: replace as a list item replaces the whole list', () => {
    const r = apply(liveAfterFirstApply(), { spec: { ports: [{ $patch: 'replace' }, { port: 8080, name: 'only' }] } });
    assert.deepEqual((r.spec as Obj).ports, [{ port: 8080, name: 'only' }]);
  });

  it('$patch: merge as a list item is not supported', () => {
    patchError(() => apply(liveAfterFirstApply(), { spec: { ports: [{ $patch: 'merge' }] } }), 'merging lists cannot yet be specified in the patch');
  });

  it('unknown $patch on a list item', () => {
    patchError(
      () => apply(liveAfterFirstApply(), { spec: { ports: [{ $patch: 'nope', port: 80 }] } }),
      'unknown patch type: nope in map: map[$patch:nope port:80]',
    );
  });

  it('patch items not listed in $setElementOrder are rejected', () => {
    patchError(
      () => apply(liveAfterFirstApply(), { spec: { '$setElementOrder/ports': [{ port: 80 }], ports: [{ port: 443, targetPort: 1 }] } }),
      "the order in patch list:\n[map[port:443 targetPort:1]]\n doesn't match $setElementOrder list:\n[map[port:80]]",
    );
  });

  it('a malformed directive key is rejected', () => {
    patchError(
      () => apply({ metadata: { finalizers: ['a'] } }, { metadata: { $deleteFromPrimitiveListfinalizers: ['a'] } }),
      'invalid patch format of primitive list',
      400,
    );
    patchError(() => apply(liveAfterFirstApply(), { spec: { $setElementOrderports: [{ port: 80 }] } }), 'invalid patch format of setElementOrder list', 400);
  });

  it('a $setElementOrder that is not a list is rejected', () => {
    patchError(() => apply(liveAfterFirstApply(), { spec: { '$setElementOrder/ports': 'x' } }), 'expected a []interface {}, but received a string');
  });

  it('mixed element types and lists of lists are rejected', () => {
    patchError(() => apply({ metadata: { finalizers: ['a'] } }, { metadata: { finalizers: [1] } }), 'list element types are not identical: [[a] [1]]');
    patchError(() => apply({ metadata: { finalizers: [['a']] } }, { metadata: { finalizers: [['b']] } }), 'lists of lists are not supported', 422);
  });

  it('a merge list of objects without a merge key in the meta is rejected', () => {
    const meta: PatchMeta = { fields: { l: { strategy: 'merge' } } };
    patchError(() => apply({ l: [{ a: 1 }] }, { l: [{ a: 2 }] }, meta), 'cannot merge lists without merge key for struct');
  });
});

// ---------------------------------------------------------------------------
// Directives never leak, top-level shapes, namespaces
// ---------------------------------------------------------------------------

describe('strategic merge patch: directives and shapes', () => {
  it('values taken whole from the patch lose their directives and nulls', () => {
    const r = apply(
      { metadata: { name: 'x' } },
      {
        spec: {
          '$setElementOrder/ports': [{ port: 80 }],
          ports: [
            { port: 80, name: null },
            { $patch: 'delete', port: 1 },
          ],
          selector: { $retainKeys: ['a'], a: 'b' },
          sessionAffinityConfig: { clientIP: { $patch: 'delete' } },
        },
      },
    );
    assert.deepEqual(r, { metadata: { name: 'x' }, spec: { ports: [{ port: 80 }], selector: { a: 'b' }, sessionAffinityConfig: {} } });
    assert.equal(hasDirectiveKeys(r), false);
  });

  it('directives inside replaced lists and appended items never reach the result', () => {
    const r = apply(liveAfterFirstApply(), {
      spec: {
        externalIPs: ['1.1.1.1'],
        ports: [{ port: 7000, name: 'n', $retainKeys: ['port', 'name'] }],
        selector: { $patch: 'replace', x: 'y' },
      },
    });
    assert.equal(hasDirectiveKeys(r), false);
  });

  it('a null patch is a no-op and non-object patches are rejected', () => {
    assert.deepEqual(apply({ a: 1 }, null, {}), { a: 1 });
    patchError(() => apply({ a: 1 }, [1, 2], {}), 'json: cannot unmarshal array into Go value of type map[string]interface {}', 400);
    patchError(() => apply({ a: 1 }, 'x', {}), 'json: cannot unmarshal string into Go value of type map[string]interface {}', 400);
    patchError(() => apply({ a: 1 }, 3, {}), 'json: cannot unmarshal number into Go value of type map[string]interface {}', 400);
  });

  it('$patch: delete at the top level yields an empty object', () => {
    assert.deepEqual(apply({ a: 1 }, { $patch: 'delete' }, {}), {});
  });

  it('namespace spec.finalizers are replaced, status conditions merged by type', () => {
    const ns = {
      metadata: { name: 'n', finalizers: ['x'] },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active', conditions: [{ type: 'A', status: 'False' }] },
    };
    const r = apply(
      ns,
      { metadata: { finalizers: ['y'] }, spec: { finalizers: ['other'] }, status: { conditions: [{ type: 'B', status: 'True' }] } },
      namespacePatchMeta,
    );
    assert.deepEqual(r, {
      // a new item is placed before the server-only ones (mergeSortedSlice), as in kube
      metadata: { name: 'n', finalizers: ['y', 'x'] },
      spec: { finalizers: ['other'] },
      status: {
        phase: 'Active',
        conditions: [
          { type: 'B', status: 'True' },
          { type: 'A', status: 'False' },
        ],
      },
    });
  });

  it('the exported metas are frozen', () => {
    assert.equal(Object.isFrozen(servicePatchMeta), true);
    assert.equal(Object.isFrozen(servicePatchMeta.fields?.spec?.fields?.ports), true);
  });
});
