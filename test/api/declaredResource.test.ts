// A resource of the test's own, declared as the built-in ones are: a schema, a strategy, a
// declaration. The machinery gives it the whole REST surface: CRUD, every patch type, watch,
// Tables, dry run, 405s, discovery, OpenAPI and the namespace lifecycle.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { Type, type Static } from 'typebox';
import { canonicalize } from '../../src/model/canonical.js';
import { ListMeta, ObjectMeta } from '../../src/model/meta.js';
import { GenericStore } from '../../src/registry/generic/store.js';
import type { Strategy } from '../../src/registry/generic/strategy.js';
import { invalid as fieldInvalid } from '../../src/registry/validation/fieldErrors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../src/registry/validation/objectMeta.js';
import { isDNS1123Subdomain } from '../../src/registry/validation/names.js';
import { allVerbs, type ResourceDeclaration } from '../../src/resources/declaration.js';
import { openWatch } from '../support/watch.js';
import { startServer, type TestServer } from '../support/server.js';

const WidgetSpec = Type.Object(
  {
    size: Type.Optional(Type.Integer({ description: 'How big.' })),
    colors: Type.Optional(Type.Array(Type.String(), { description: 'Which colours.' })),
  },
  { description: 'WidgetSpec is what a widget should be.' },
);
const Widget = Type.Object(
  {
    kind: Type.Optional(Type.String({ description: 'Widget' })),
    apiVersion: Type.Optional(Type.String({ description: 'example.svcplane.dev/v1' })),
    metadata: Type.Optional(ObjectMeta),
    spec: Type.Optional(WidgetSpec),
  },
  { description: 'Widget is a resource declared by a test.' },
);
type Widget = Static<typeof Widget>;
const WidgetList = Type.Object(
  {
    kind: Type.Optional(Type.String({ description: 'WidgetList' })),
    apiVersion: Type.Optional(Type.String({ description: 'example.svcplane.dev/v1' })),
    metadata: Type.Optional(ListMeta),
    items: Type.Array(Widget, { description: 'The widgets.' }),
  },
  { description: 'WidgetList is a list of widgets.' },
);

const strategy: Strategy<Widget> = {
  defaults(w) {
    w.spec ??= {};
    w.spec.size ??= 1;
  },
  validate: (w) => [
    [
      ...validateObjectMeta(w.metadata, { namespaced: true, nameIsDNS1035: false, nameFn: (n) => isDNS1123Subdomain(n) }),
      ...((w.spec?.size ?? 0) < 1 ? [fieldInvalid('spec.size', w.spec?.size, 'must be at least 1')] : []),
    ],
  ],
  allowCreateOnUpdate: false,
  validateUpdate: (w, old) => [
    ...validateObjectMetaUpdate(w.metadata!, old.metadata!),
    ...((w.spec?.size ?? 0) < 1 ? [fieldInvalid('spec.size', w.spec?.size, 'must be at least 1')] : []),
  ],
  serialize: (w) => JSON.stringify(canonicalize(Widget, w)),
};

const declaration: ResourceDeclaration<Widget> = {
  group: 'example.svcplane.dev',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  resource: 'widgets',
  singular: 'widget',
  namespaced: true,
  shortNames: ['wd'],
  verbs: allVerbs,
  schema: Widget,
  definition: 'dev.svcplane.example.v1.Widget',
  listDefinition: 'dev.svcplane.example.v1.WidgetList',
  definitions: { 'dev.svcplane.example.v1.Widget': Widget, 'dev.svcplane.example.v1.WidgetList': WidgetList, 'dev.svcplane.example.v1.WidgetSpec': WidgetSpec },
  patchMeta: { fields: { spec: { fields: { colors: { strategy: 'merge' } } } } },
  deleteAnswer: 'object',
  statusSubresource: false,
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
    { name: 'Size', type: 'integer', format: '', description: 'How big', priority: 0 },
  ],
  cells: (w) => [w.metadata?.name ?? '', w.spec?.size ?? 0],
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  fieldsOf: (w) => ({ 'metadata.name': w.metadata?.name ?? '', 'metadata.namespace': w.metadata?.namespace ?? '' }),
};

let t: TestServer;
before(async () => {
  t = await startServer(
    {},
    {
      resources: ({ store, namespaces, identities }) =>
        [
          {
            declaration,
            store: new GenericStore<Widget>(store, {
              resource: 'widgets',
              kind: 'Widget',
              apiVersion: 'example.svcplane.dev/v1',
              namespaced: true,
              strategy,
              identities,
              namespaces,
              // Every store names its schema now: managedFields and apply read it (issue 21).
              schema: Widget,
            }),
          },
        ] as never,
    },
  );
});
after(async () => t.stop());
const api = () => request(t.url);
const base = '/apis/example.svcplane.dev/v1';
const widgets = `${base}/namespaces/default/widgets`;

describe('a resource declared by a test gets the whole REST surface', () => {
  test('create with defaults and validation, get, list, replace, delete', async () => {
    const created = await api()
      .post(widgets)
      .send({ metadata: { name: 'w1' }, spec: { colors: ['red'] } })
      .expect(201);
    assert.equal(created.body.kind, 'Widget');
    assert.equal(created.body.apiVersion, 'example.svcplane.dev/v1');
    assert.equal(created.body.spec.size, 1);
    assert.match(created.body.metadata.uid, /^[0-9a-f-]{36}$/);
    const bad = await api()
      .post(widgets)
      .send({ metadata: { name: 'w2' }, spec: { size: 0 } })
      .expect(422);
    assert.equal(bad.body.message, 'Widget.example.svcplane.dev "w2" is invalid: spec.size: Invalid value: 0: must be at least 1');
    await api()
      .post(widgets)
      .send({ metadata: { name: 'w1' } })
      .expect(409);
    const got = await api().get(`${widgets}/w1`).expect(200);
    assert.deepEqual(got.body, created.body);
    const list = await api().get(widgets).expect(200);
    assert.equal(list.body.kind, 'WidgetList');
    assert.equal(list.body.apiVersion, 'example.svcplane.dev/v1');
    assert.deepEqual(
      list.body.items.map((w: Widget) => w.metadata?.name),
      ['w1'],
    );
    assert.equal(list.body.items[0].kind, undefined, 'items carry no kind, as kube writes lists');
    const replaced = await api()
      .put(`${widgets}/w1`)
      .send({ ...got.body, spec: { size: 3 } })
      .expect(200);
    assert.equal(replaced.body.spec.size, 3);
    await api()
      .put(`${widgets}/w1`)
      .send({ ...got.body, spec: { size: 4 } })
      .expect(409);
    await api()
      .put(`${widgets}/nope`)
      .send({ metadata: { name: 'nope' } })
      .expect(404);
    const deleted = await api().delete(`${widgets}/w1`).expect(200);
    assert.equal(deleted.body.metadata.name, 'w1');
    await api().get(`${widgets}/w1`).expect(404);
  });

  test('every patch type, with the declared merge key', async () => {
    await api()
      .post(widgets)
      .send({ metadata: { name: 'p1' }, spec: { colors: ['red'] } })
      .expect(201);
    const smp = await api()
      .patch(`${widgets}/p1`)
      .set('Content-Type', 'application/strategic-merge-patch+json')
      .send({ spec: { colors: ['blue'] } })
      .expect(200);
    assert.deepEqual(smp.body.spec.colors, ['blue', 'red']);
    const merge = await api()
      .patch(`${widgets}/p1`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ spec: { colors: ['green'] } })
      .expect(200);
    assert.deepEqual(merge.body.spec.colors, ['green']);
    const jsonPatch = await api()
      .patch(`${widgets}/p1`)
      .set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'replace', path: '/spec/size', value: 7 }])
      .expect(200);
    assert.equal(jsonPatch.body.spec.size, 7);
  });

  test('dry run writes nothing and answers as kube does', async () => {
    const dry = await api()
      .post(`${widgets}?dryRun=All`)
      .send({ metadata: { name: 'd1' } })
      .expect(201);
    assert.equal(dry.body.metadata.resourceVersion, undefined);
    await api().get(`${widgets}/d1`).expect(404);
  });

  test('watch streams its changes', async () => {
    const list = await api().get(widgets).expect(200);
    const watch = await openWatch(`${t.url}${widgets}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    try {
      await api()
        .post(widgets)
        .send({ metadata: { name: 'watched' } })
        .expect(201);
      const ev = await watch.next();
      assert.equal(ev.type, 'ADDED');
      assert.equal(ev.object.metadata.name, 'watched');
      assert.equal(ev.object.apiVersion, 'example.svcplane.dev/v1');
    } finally {
      watch.close();
    }
  });

  test('server-side printing from the declared columns', async () => {
    const res = await api().get(widgets).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200);
    assert.equal(res.body.kind, 'Table');
    assert.deepEqual(
      res.body.columnDefinitions.map((c: { name: string }) => c.name),
      ['Name', 'Size'],
    );
    assert.ok(res.body.rows.some((r: { cells: unknown[] }) => r.cells[0] === 'p1' && r.cells[1] === 7));
  });

  test('without protobuf field numbers it answers JSON, or 406 to a client that accepts only protobuf', async () => {
    await api()
      .post(widgets)
      .send({ metadata: { name: 'wp' }, spec: { colors: ['red'] } })
      .expect(201);
    const fallback = await api().get(`${widgets}/wp`).set('Accept', 'application/vnd.kubernetes.protobuf, */*').expect(200);
    assert.match(String(fallback.headers['content-type']), /^application\/json/);
    assert.equal(fallback.body.metadata.name, 'wp');
    await api()
      .get(widgets)
      .set('Accept', 'application/vnd.kubernetes.protobuf,application/json')
      .expect(200)
      .expect('Content-Type', /^application\/json/);
    for (const path of [`${widgets}/wp`, widgets, `${widgets}?watch=true`]) {
      // In JSON, as kube-apiserver writes a failed negotiation's Status.
      const refused = await api().get(path).set('Accept', 'application/vnd.kubernetes.protobuf').expect(406);
      assert.equal(refused.body.reason, 'NotAcceptable', path);
    }
  });

  test('verbs it does not have answer 405', async () => {
    await api().put(widgets).send({}).expect(405);
    await api().post(`${widgets}/p1`).send({}).expect(405);
  });

  test('discovery and OpenAPI list it', async () => {
    const groups = await api().get('/apis').expect(200);
    assert.ok(groups.body.groups.some((g: { name: string }) => g.name === 'example.svcplane.dev'));
    const resources = await api().get(base).expect(200);
    assert.equal(resources.body.groupVersion, 'example.svcplane.dev/v1');
    assert.deepEqual(resources.body.resources, [
      { name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: [...allVerbs].sort(), shortNames: ['wd'] },
    ]);
    const index = await api().get('/openapi/v3').expect(200);
    assert.ok(index.body.paths['apis/example.svcplane.dev/v1']);
    const doc = await api().get('/openapi/v3/apis/example.svcplane.dev/v1').expect(200);
    const ops = Object.values(doc.body.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((p) =>
      Object.values(p).map((o) => o.operationId),
    );
    for (const id of [
      'listNamespacedWidget',
      'createNamespacedWidget',
      'readNamespacedWidget',
      'replaceNamespacedWidget',
      'patchNamespacedWidget',
      'deleteNamespacedWidget',
      'deleteCollectionNamespacedWidget',
      'listWidgetForAllNamespaces',
    ]) {
      assert.ok(ops.includes(id), id);
    }
    assert.ok(doc.body.components.schemas['dev.svcplane.example.v1.Widget']);
  });

  test('its objects go with their namespace', async () => {
    await api()
      .post('/api/v1/namespaces')
      .send({ metadata: { name: 'shop' } })
      .expect(201);
    await api()
      .post(`${base}/namespaces/shop/widgets`)
      .send({ metadata: { name: 'w', finalizers: ['example.com/keep'] } })
      .expect(201);
    await api().delete('/api/v1/namespaces/shop').expect(200);
    await api()
      .post(`${base}/namespaces/shop/widgets`)
      .send({ metadata: { name: 'late' } })
      .expect(403);
    await api()
      .patch(`${base}/namespaces/shop/widgets/w`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { finalizers: null } })
      .expect(200);
    await api().get('/api/v1/namespaces/shop').expect(404);
  });
});
