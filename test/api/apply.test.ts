// Server-side apply and managedFields: cases from the Kubernetes server-side apply documentation
// and structured-merge-diff's merge tests (multiple appliers, conflicts, force, list-map merges,
// atomic replacement, status, managedFields reset), against a real server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(async () => t.stop());

const base = '/api/v1/namespaces/default/services';
type Obj = Record<string, any>;

async function call(method: string, path: string, body?: unknown, contentType = 'application/json', userAgent = 'test-client/v1') {
  const res = await fetch(t.url + path, {
    method,
    headers: { 'content-type': contentType, 'user-agent': userAgent },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Obj };
}

const apply = (name: string, manager: string | undefined, config: unknown, extra = '', sub = '') =>
  call('PATCH', `${base}/${name}${sub}?${manager ? `fieldManager=${manager}&` : ''}${extra}`, config, 'application/apply-patch+yaml');

const svc = (name: string, spec: Obj, meta: Obj = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, ...meta }, spec });
const entries = (o: Obj) => (o.metadata.managedFields ?? []) as Obj[];
const entry = (o: Obj, manager: string, operation = 'Apply') => entries(o).find((e) => e.manager === manager && e.operation === operation);
const get = async (name: string) => (await call('GET', `${base}/${name}`)).body;

describe('managedFields on every write', () => {
  test("a create records an Update entry for the User-Agent product, with kube's FieldsV1", async () => {
    const r = await call(
      'POST',
      base,
      svc('mf-create', { selector: { app: 'a' }, ports: [{ port: 80 }] }, { labels: { app: 'a' } }),
      'application/json',
      'kubectl-create/v1.33.0 (linux/amd64)',
    );
    assert.equal(r.status, 201);
    const [e] = entries(r.body);
    assert.deepEqual(Object.keys(e), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
    assert.equal(e.manager, 'kubectl-create');
    assert.equal(e.operation, 'Update');
    assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(e.fieldsV1, {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:internalTrafficPolicy': {},
        'f:ports': { '.': {}, 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:protocol': {}, 'f:targetPort': {} } },
        'f:selector': {},
        'f:sessionAffinity': {},
        'f:type': {},
      },
    });
  });

  test('?fieldManager wins over the User-Agent; a second update of one manager merges into its entry', async () => {
    await call('POST', `${base}?fieldManager=first`, svc('mf-merge', { ports: [{ port: 80 }] }));
    const r = await call('PATCH', `${base}/mf-merge?fieldManager=first`, { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json');
    assert.deepEqual(
      entries(r.body).map((e) => e.manager),
      ['first'],
    );
    assert.deepEqual(entries(r.body)[0].fieldsV1['f:metadata'], { 'f:labels': { '.': {}, 'f:a': {} } });
    const other = await call('PATCH', `${base}/mf-merge`, { metadata: { labels: { a: 'c' } } }, 'application/merge-patch+json', 'kubectl-label/v1.33.0');
    // The field moved to the manager that changed it.
    assert.deepEqual(entry(other.body, 'kubectl-label', 'Update')?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:a': {} } } });
    // What stays with the first manager is the labels map it created ('.' alone is written {}).
    assert.deepEqual(entry(other.body, 'first', 'Update')?.fieldsV1['f:metadata'], { 'f:labels': {} });
  });

  test('a request without managedFields keeps them; an empty list or [{}] resets them, and updates then stay untracked', async () => {
    const created = (await call('POST', base, svc('mf-reset', { ports: [{ port: 80 }] }))).body;
    const put = await call('PUT', `${base}/mf-reset`, { ...created, metadata: { name: 'mf-reset', labels: { x: 'y' } } });
    assert.equal(entries(put.body).length, 1);
    const reset = await call('PATCH', `${base}/mf-reset`, { metadata: { managedFields: [] } }, 'application/merge-patch+json');
    assert.equal(reset.body.metadata.managedFields, undefined);
    const after = await call('PATCH', `${base}/mf-reset`, { metadata: { labels: { z: '1' } } }, 'application/merge-patch+json');
    assert.equal(after.body.metadata.managedFields, undefined);
    // The first apply to an untracked object gives what is there to before-first-apply, and
    // changing it is a conflict with that manager.
    const refused = await apply('mf-reset', 'mgr', svc('mf-reset', { type: 'NodePort' }));
    assert.equal(refused.body.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .spec.type');
    const applied = await apply('mf-reset', 'mgr', svc('mf-reset', { type: 'NodePort' }), 'force=true');
    assert.deepEqual(
      entries(applied.body).map((e) => `${e.manager}/${e.operation}`),
      ['mgr/Apply', 'before-first-apply/Update'],
    );
    const reset2 = await call('PATCH', `${base}/mf-reset`, { metadata: { managedFields: [{}] } }, 'application/merge-patch+json');
    assert.equal(reset2.body.metadata.managedFields, undefined);
  });

  test('more than ten Update managers: the oldest merge into ancient-changes (capManagers)', async () => {
    assert.equal((await call('POST', `${base}?fieldManager=m0`, svc('mf-cap', { ports: [{ port: 80 }] }, { labels: { l0: 'x' } }))).status, 201);
    let last: Obj = {};
    for (let i = 1; i <= 10; i++) {
      const r = await call('PATCH', `${base}/mf-cap?fieldManager=m${i}`, { metadata: { labels: { [`l${i}`]: 'x' } } }, 'application/merge-patch+json');
      assert.equal(r.status, 200);
      last = r.body;
      // Up to ten, every manager keeps its own entry.
      if (i === 9) assert.equal(entries(last).length, 10);
    }
    // Eleven updaters: the two oldest (m0 and m1; within one second the identifiers decide, and
    // m0 and m1 sort first either way) become one ancient-changes entry with the fields of both.
    const names = entries(last).map((e) => e.manager);
    assert.equal(names.length, 10);
    assert.deepEqual(
      names.filter((n) => n === 'm0' || n === 'm1'),
      [],
    );
    const ancient = entry(last, 'ancient-changes', 'Update');
    assert.ok(ancient, JSON.stringify(names));
    assert.equal(ancient.apiVersion, 'v1');
    const labels = (e: Obj) => Object.keys(e.fieldsV1['f:metadata']['f:labels']).filter((k) => k !== '.');
    assert.deepEqual(labels(ancient).sort(), ['f:l0', 'f:l1']);
    assert.ok(ancient.fieldsV1['f:spec'], 'the create entry brought the spec fields');
    // A twelfth manager merges one more (the oldest by second, then by identifier, which within
    // one second is m10) into the same bucket, and that manager's entry is gone.
    const r = await call('PATCH', `${base}/mf-cap?fieldManager=m11`, { metadata: { labels: { l11: 'x' } } }, 'application/merge-patch+json');
    assert.equal(entries(r.body).length, 10);
    const merged = labels(entry(r.body, 'ancient-changes', 'Update')!).filter((l) => l !== 'f:l0' && l !== 'f:l1');
    assert.equal(merged.length, 1, JSON.stringify(merged));
    assert.equal(entry(r.body, `m${merged[0].slice(3)}`, 'Update'), undefined);
  });
});

describe('apply', () => {
  test('a YAML body and a JSON one apply alike', async () => {
    const yaml = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: ap-yaml\nspec:\n  ports:\n  - port: 80\n';
    const r = await apply('ap-yaml', 'kubectl', yaml);
    assert.equal(r.status, 201);
    const again = await apply('ap-yaml', 'kubectl', svc('ap-yaml', { ports: [{ port: 80 }] }));
    assert.equal(again.body.metadata.resourceVersion, r.body.metadata.resourceVersion);
    const flow = await apply('ap-yaml', 'kubectl', '{apiVersion: v1, kind: Service, metadata: {name: ap-yaml}, spec: {ports: [{port: 80}]}}');
    assert.equal(flow.status, 200);
  });

  test('fieldManager is required, force only with apply', async () => {
    const r = await apply('x', undefined, svc('x', {}));
    assert.equal(r.status, 422);
    assert.equal(r.body.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const m = await call('PATCH', `${base}/x?force=true`, {}, 'application/merge-patch+json');
    assert.equal(m.status, 422);
    assert.equal(m.body.message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });

  test('an apply to a missing object creates it (201) with allocation; re-applying writes nothing', async () => {
    const config = svc('ap-create', { type: 'NodePort', selector: { app: 'w' }, ports: [{ name: 'http', port: 80 }] });
    const r = await apply('ap-create', 'kubectl', config, 'force=false');
    assert.equal(r.status, 201);
    assert.match(r.body.spec.clusterIP, /^10\./);
    assert.ok(r.body.spec.ports[0].nodePort >= 30000);
    assert.deepEqual(
      entries(r.body).map((e) => `${e.manager}/${e.operation}`),
      ['kubectl/Apply'],
    );
    assert.deepEqual(entries(r.body)[0].fieldsV1, {
      'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {} } }, 'f:selector': {}, 'f:type': {} },
    });
    const again = await apply('ap-create', 'kubectl', config, 'force=false');
    assert.equal(again.status, 200);
    assert.equal(again.body.metadata.resourceVersion, r.body.metadata.resourceVersion);
    // Server-allocated values stay with the object when the applier leaves them out.
    assert.equal(again.body.spec.clusterIP, r.body.spec.clusterIP);
    assert.equal(again.body.spec.ports[0].nodePort, r.body.spec.ports[0].nodePort);
  });

  test("a second manager changing a field the first owns is a 409 with kube's message and causes, until forced", async () => {
    await apply('ap-conflict', 'alice', svc('ap-conflict', { type: 'NodePort', ports: [{ port: 80 }] }));
    const before = await get('ap-conflict');
    const r = await apply('ap-conflict', 'bob', svc('ap-conflict', { type: 'LoadBalancer' }));
    assert.equal(r.status, 409);
    assert.equal(r.body.reason, 'Conflict');
    assert.equal(r.body.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.type');
    assert.deepEqual(r.body.details, { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.type' }] });
    assert.equal((await get('ap-conflict')).metadata.resourceVersion, before.metadata.resourceVersion);
    // The same value is shared ownership, not a conflict.
    const same = await apply('ap-conflict', 'carol', svc('ap-conflict', { type: 'NodePort' }));
    assert.equal(same.status, 200);
    assert.ok(entry(same.body, 'carol')?.fieldsV1['f:spec']['f:type']);
    assert.ok(entry(same.body, 'alice')?.fieldsV1['f:spec']['f:type']);
    const forced = await apply('ap-conflict', 'bob', svc('ap-conflict', { type: 'LoadBalancer' }), 'force=true');
    assert.equal(forced.status, 200);
    assert.equal(forced.body.spec.type, 'LoadBalancer');
    assert.equal(entry(forced.body, 'alice')?.fieldsV1['f:spec']['f:type'], undefined);
    assert.equal(entry(forced.body, 'carol')?.fieldsV1?.['f:spec']?.['f:type'], undefined);
  });

  test("kubectl's apply takes over, without conflict, what its client-side annotation still describes (lastAppliedManager)", async () => {
    const lastApplied = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'lam', namespace: 'default' },
      spec: { selector: { app: 'a' }, ports: [{ port: 80, targetPort: 8080 }] },
    };
    const created = await call(
      'POST',
      base,
      { ...lastApplied, metadata: { name: 'lam', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(lastApplied) } } },
      'application/json',
      'kubectl-client-side-apply/v1.33.0 (linux/amd64)',
    );
    assert.equal(created.status, 201);
    const moved = (port: number, app = 'a') => svc('lam', { selector: { app }, ports: [{ port: 80, targetPort: port }] });
    // Another manager changing targetPort is a conflict as always.
    const other = await apply('lam', 'someone', moved(9090));
    assert.equal(other.status, 409);
    assert.equal(other.body.details.causes[0].field, '.spec.ports[port=80,protocol="TCP"].targetPort');
    // kubectl: the annotation says targetPort 8080, the live object agrees, so it may take it.
    const taken = await apply('lam', 'kubectl', moved(9090));
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    assert.equal(taken.body.spec.ports[0].targetPort, 9090);
    assert.ok(entry(taken.body, 'kubectl')!.fieldsV1['f:spec']['f:ports']['k:{"port":80,"protocol":"TCP"}']['f:targetPort']);
    // A field someone changed since (the annotation no longer describes it) stays a conflict,
    // and only it is reported.
    assert.equal(
      (await call('PATCH', `${base}/lam`, { spec: { selector: { app: 'b' } } }, 'application/merge-patch+json', 'kubectl-patch/v1.33.0')).status,
      200,
    );
    const refused = await apply('lam', 'kubectl', moved(9090, 'c'));
    assert.equal(refused.status, 409);
    assert.equal(refused.body.message, 'Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .spec.selector');
  });

  test('conflicts with an Update manager name the API version; several are listed by manager', async () => {
    await call('POST', base, svc('ap-update', { ports: [{ port: 80 }], sessionAffinity: 'None' }), 'application/json', 'kubectl-client-side-apply/v1.33.0');
    const r = await apply('ap-update', 'kubectl', svc('ap-update', { type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ port: 80, targetPort: 8080 }] }));
    assert.equal(r.status, 409);
    assert.equal(
      r.body.message,
      'Apply failed with 3 conflicts: conflicts with "kubectl-client-side-apply" using v1:\n- .spec.ports[port=80,protocol="TCP"].targetPort\n- .spec.sessionAffinity\n- .spec.type',
    );
    assert.deepEqual(
      r.body.details.causes.map((c: Obj) => c.field),
      ['.spec.ports[port=80,protocol="TCP"].targetPort', '.spec.sessionAffinity', '.spec.type'],
    );
  });

  test('fields a manager no longer applies are removed unless another manager owns them', async () => {
    await apply('ap-remove', 'one', svc('ap-remove', { ports: [{ port: 80 }] }, { labels: { a: '1', b: '2' } }));
    await apply('ap-remove', 'two', svc('ap-remove', {}, { labels: { b: '2' } }));
    const r = await apply('ap-remove', 'one', svc('ap-remove', { ports: [{ port: 80 }] }));
    assert.deepEqual(r.body.metadata.labels, { b: '2' });
    const r2 = await apply('ap-remove', 'two', svc('ap-remove', {}));
    assert.equal(r2.body.metadata.labels, undefined);
  });

  test('a manager that owned only labels and drops them leaves the rest of metadata alone', async () => {
    await call('POST', base, svc('ap-meta', { ports: [{ port: 80 }] }));
    await apply('ap-meta', 'labeller', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ap-meta', labels: { team: 'x' } } });
    const r = await apply('ap-meta', 'labeller', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ap-meta' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.metadata.name, 'ap-meta');
    assert.equal(r.body.metadata.labels, undefined);
    assert.deepEqual(
      r.body.spec.ports.map((p: Obj) => p.port),
      [80],
    );
  });

  test('two managers share a ports list: each owns its entries, and dropping one removes only it', async () => {
    await apply('ap-ports', 'web', svc('ap-ports', { ports: [{ name: 'http', port: 80 }] }));
    const both = await apply('ap-ports', 'metrics', svc('ap-ports', { ports: [{ name: 'metrics', port: 9090 }] }));
    assert.deepEqual(
      both.body.spec.ports.map((p: Obj) => p.port),
      [80, 9090],
    );
    assert.deepEqual(Object.keys(entry(both.body, 'metrics')!.fieldsV1['f:spec']['f:ports']), ['k:{"port":9090,"protocol":"TCP"}']);
    const udp = await apply(
      'ap-ports',
      'web',
      svc('ap-ports', {
        ports: [
          { name: 'http', port: 80 },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      }),
    );
    assert.deepEqual(
      udp.body.spec.ports.map((p: Obj) => `${p.port}/${p.protocol}`),
      // merge.go keeps a live-only entry where it was and appends the configuration's new one.
      ['80/TCP', '9090/TCP', '53/UDP'],
    );
    const dropped = await apply('ap-ports', 'web', svc('ap-ports', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }));
    assert.deepEqual(
      dropped.body.spec.ports.map((p: Obj) => `${p.port}/${p.protocol}`),
      ['9090/TCP', '53/UDP'],
    );
  });

  test('an atomic map is replaced whole, and owned as one field', async () => {
    await apply('ap-atomic', 'one', svc('ap-atomic', { selector: { app: 'a', tier: 'web' }, ports: [{ port: 80 }] }));
    const r = await apply('ap-atomic', 'two', svc('ap-atomic', { selector: { app: 'b' } }), 'force=true');
    assert.deepEqual(r.body.spec.selector, { app: 'b' });
    assert.deepEqual(entry(r.body, 'two')!.fieldsV1, { 'f:spec': { 'f:selector': {} } });
    assert.equal(entry(r.body, 'one')!.fieldsV1['f:spec']['f:selector'], undefined);
  });

  test('the status subresource records its own entry; conditions merge by type', async () => {
    await apply('ap-status', 'owner', svc('ap-status', { ports: [{ port: 80 }] }));
    const cond = (type: string) => ({ type, status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'R', message: 'm' });
    const a = await apply(
      'ap-status',
      'ctrl-a',
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ap-status' }, status: { conditions: [cond('A')] } },
      '',
      '/status',
    );
    assert.equal(a.status, 200);
    const b = await apply(
      'ap-status',
      'ctrl-b',
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ap-status' }, status: { conditions: [cond('B')] } },
      '',
      '/status',
    );
    assert.deepEqual(
      b.body.status.conditions.map((c: Obj) => c.type),
      ['A', 'B'],
    );
    const e = entry(b.body, 'ctrl-b')!;
    assert.equal(e.subresource, 'status');
    assert.deepEqual(Object.keys(e.fieldsV1['f:status']['f:conditions']), ['k:{"type":"B"}']);
    // Status in an apply to the main resource is not the applier's (the strategy resets it).
    const main = await apply('ap-status', 'owner', { ...svc('ap-status', { ports: [{ port: 80 }] }), status: { conditions: [] } });
    assert.equal(main.status, 200);
    assert.equal(entry(main.body, 'owner')!.fieldsV1['f:status'], undefined);
  });

  test('dryRun=All answers the merged object and writes nothing', async () => {
    const r = await apply('ap-dry', 'kubectl', svc('ap-dry', { ports: [{ port: 80 }] }), 'dryRun=All');
    assert.equal(r.status, 201);
    assert.equal((await call('GET', `${base}/ap-dry`)).status, 404);
  });

  test("bad input is kube's Status and nothing is written", async () => {
    await apply('ap-bad', 'kubectl', svc('ap-bad', { ports: [{ port: 80 }] }));
    const rv = (await get('ap-bad')).metadata.resourceVersion;
    const yaml = await apply('ap-bad', 'kubectl', 'metadata: [\n');
    assert.equal(yaml.status, 400);
    assert.match(yaml.body.message, /^error decoding YAML: error converting YAML to JSON: /);
    const mf = await apply('ap-bad', 'kubectl', { ...svc('ap-bad', {}), metadata: { name: 'ap-bad', managedFields: [] } });
    assert.deepEqual([mf.status, mf.body.message], [400, 'metadata.managedFields must be nil']);
    const kind = await apply('ap-bad', 'kubectl', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ap-bad' } });
    assert.deepEqual([kind.status, kind.body.message], [400, 'invalid object type: /v1, Kind=Namespace']);
    const version = await apply('ap-bad', 'kubectl', { apiVersion: 'v2', kind: 'Service', metadata: { name: 'ap-bad' } });
    assert.deepEqual([version.status, version.body.message], [400, 'invalid object type: /v2, Kind=Service']);
    const unknown = await apply('ap-bad', 'kubectl', svc('ap-bad', { bogus: 1 }), 'fieldValidation=Strict');
    assert.deepEqual(
      [unknown.status, unknown.body.message],
      [500, 'failed to create typed patch object (/ap-bad; /v1, Kind=Service): .spec.bogus: field not declared in schema'],
    );
    const invalid = await apply('ap-bad', 'kubectl', svc('ap-bad', { type: 'Bogus' }));
    assert.equal(invalid.status, 422);
    assert.equal((await get('ap-bad')).metadata.resourceVersion, rv);
  });

  test('every resource takes an apply: a Namespace, Endpoints, an EndpointSlice', async () => {
    const nsr = await call(
      'PATCH',
      '/api/v1/namespaces/ap-ns?fieldManager=m',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ap-ns', labels: { a: 'b' } } },
      'application/apply-patch+yaml',
    );
    assert.equal(nsr.status, 201);
    assert.deepEqual(entry(nsr.body, 'm')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:a': {} } } });
    const slice = await call(
      'PATCH',
      '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/ap-slice?fieldManager=m',
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'ap-slice' },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.0.0.1'] }],
      },
      'application/apply-patch+yaml',
    );
    assert.equal(slice.status, 201);
    assert.deepEqual(entry(slice.body, 'm')!.fieldsV1, { 'f:addressType': {}, 'f:endpoints': {} });
    const lease = await call(
      'PATCH',
      '/apis/coordination.k8s.io/v1/namespaces/default/leases/ap-lease?fieldManager=m',
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'ap-lease' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } },
      'application/apply-patch+yaml',
    );
    assert.equal(lease.status, 201);
    assert.deepEqual(entry(lease.body, 'm')!.fieldsV1, { 'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {} } });
  });
});
