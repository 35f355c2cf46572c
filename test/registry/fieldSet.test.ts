// The field-set machinery on its own: FieldsV1 as kube writes it (member '.', sorted path
// elements, numeric key order), structured-merge-diff's path strings in conflict messages, and
// merge.go's list order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FieldSet, pathString } from '../../src/registry/apply/fieldSet.js';
import { mergeTypeOf } from '../../src/registry/apply/mergeType.js';
import { compare, merge, toFieldSet } from '../../src/registry/apply/typed.js';
import { Service } from '../../src/model/service.js';

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
