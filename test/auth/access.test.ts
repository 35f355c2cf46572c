// Who may do what, over a real HTTPS server with tokens, client certificates and RBAC: a table of
// requests with their expected codes, kube's 401 and 403 Statuses, the reviews, escalation checks
// and the bootstrap policy across a restart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeCertificate } from '../../src/api/x509.js';
import { createServer } from '../../src/index.js';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { tempDir } from '../support/server.js';
import { call, startAuthServer, tokens, type AuthServer, type Credentials } from './support.js';

let s: AuthServer;
const admin = { token: tokens.admin };
const alice = { token: tokens.alice };
const bob = { token: tokens.bob };
const dave = { token: tokens.dave };
const anonymous: Credentials = {};
const rbacPath = '/apis/rbac.authorization.k8s.io/v1';

async function ok(creds: Credentials, method: string, path: string, body: unknown, code = 201) {
  const r = await call(s, method, path, creds, body);
  assert.equal(r.status, code, `${method} ${path}: ${r.text}`);
  return r;
}

before(async () => {
  s = await startAuthServer();
  await ok(admin, 'POST', '/api/v1/namespaces', { metadata: { name: 'team' } });
  // alice may view team; bob's group dev edits Services in default; dave administers team.
  await ok(admin, 'POST', `${rbacPath}/namespaces/team/rolebindings`, {
    metadata: { name: 'alice-view' },
    subjects: [{ kind: 'User', name: 'alice' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
  });
  await ok(admin, 'POST', `${rbacPath}/namespaces/default/roles`, {
    metadata: { name: 'svc-editor' },
    rules: [
      { verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], apiGroups: [''], resources: ['services'] },
      { verbs: ['get'], apiGroups: [''], resources: ['services/status'] },
    ],
  });
  await ok(admin, 'POST', `${rbacPath}/namespaces/default/rolebindings`, {
    metadata: { name: 'dev-svc-editor' },
    subjects: [{ kind: 'Group', name: 'dev' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'svc-editor' },
  });
  await ok(admin, 'POST', `${rbacPath}/namespaces/team/rolebindings`, {
    metadata: { name: 'dave-admin' },
    subjects: [{ kind: 'User', name: 'dave' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
  });
  await ok(admin, 'POST', '/api/v1/namespaces/team/services', { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
});
after(async () => s.stop());

const svc = (name: string) => ({ metadata: { name }, spec: { ports: [{ port: 80 }] } });

// [who, credentials, method, path, body, expected]
const table: [string, Credentials, string, string, unknown, number][] = [
  // Non-resource paths: health and version for everyone, discovery and OpenAPI for the authenticated.
  ['anonymous', anonymous, 'GET', '/version', undefined, 200],
  ['anonymous', anonymous, 'GET', '/healthz', undefined, 200],
  ['anonymous', anonymous, 'GET', '/livez', undefined, 200],
  ['anonymous', anonymous, 'GET', '/readyz', undefined, 200],
  ['anonymous', anonymous, 'GET', '/api', undefined, 403],
  ['anonymous', anonymous, 'GET', '/apis', undefined, 403],
  ['anonymous', anonymous, 'GET', '/openapi/v3', undefined, 403],
  ['anonymous', anonymous, 'GET', '/metrics', undefined, 403],
  ['anonymous', anonymous, 'GET', '/docs', undefined, 403],
  ['anonymous', anonymous, 'GET', '/api/v1/namespaces/default/services', undefined, 403],
  ['anonymous', anonymous, 'GET', '/no/such/path', undefined, 403],
  ['alice', alice, 'GET', '/api', undefined, 200],
  ['alice', alice, 'GET', '/api/v1', undefined, 200],
  ['alice', alice, 'GET', '/apis', undefined, 200],
  ['alice', alice, 'GET', '/apis/rbac.authorization.k8s.io/v1', undefined, 200],
  ['alice', alice, 'GET', '/openapi/v3', undefined, 200],
  ['alice', alice, 'GET', '/openapi/v2', undefined, 200],
  ['alice', alice, 'GET', '/version', undefined, 200],
  ['alice', alice, 'GET', '/metrics', undefined, 403],
  ['alice', alice, 'GET', '/docs', undefined, 403],
  // Resources: alice views team only.
  ['alice', alice, 'GET', '/api/v1/namespaces/team/services', undefined, 200],
  ['alice', alice, 'GET', '/api/v1/namespaces/team/services/web', undefined, 200],
  ['alice', alice, 'GET', '/api/v1/namespaces/team/services/web/status', undefined, 200],
  ['alice', alice, 'GET', '/api/v1/namespaces/team/services?watch=true', undefined, 200],
  ['alice', alice, 'GET', '/api/v1/watch/namespaces/team/services', undefined, 200],
  ['alice', alice, 'GET', '/api/v1/namespaces/team/endpoints', undefined, 200],
  ['alice', alice, 'GET', '/apis/discovery.k8s.io/v1/namespaces/team/endpointslices', undefined, 200],
  ['alice', alice, 'GET', '/api/v1/namespaces/team/events', undefined, 200],
  ['alice', alice, 'GET', '/api/v1/namespaces/team', undefined, 200],
  ['alice', alice, 'POST', '/api/v1/namespaces/team/services', svc('nope'), 403],
  ['alice', alice, 'PATCH', '/api/v1/namespaces/team/services/web', { metadata: { labels: { a: 'b' } } }, 403],
  ['alice', alice, 'PATCH', '/api/v1/namespaces/team/services/web/status', { status: {} }, 403],
  ['alice', alice, 'DELETE', '/api/v1/namespaces/team/services/web', undefined, 403],
  ['alice', alice, 'DELETE', '/api/v1/namespaces/team/services', undefined, 403],
  ['alice', alice, 'GET', `${rbacPath}/namespaces/team/rolebindings`, undefined, 403],
  ['alice', alice, 'GET', '/api/v1/namespaces/default/services', undefined, 403],
  ['alice', alice, 'GET', '/api/v1/namespaces/default/services/kubernetes', undefined, 403],
  ['alice', alice, 'GET', '/api/v1/services', undefined, 403],
  ['alice', alice, 'GET', '/api/v1/namespaces', undefined, 403],
  ['alice', alice, 'GET', '/api/v1/namespaces/default', undefined, 403],
  ['alice', alice, 'GET', `${rbacPath}/clusterroles`, undefined, 403],
  ['alice', alice, 'GET', '/apis/svcplane.dev/v1alpha1/allocations', undefined, 403],
  // bob's group edits Services in default, nothing else.
  ['bob', bob, 'POST', '/api/v1/namespaces/default/services', svc('bobs'), 201],
  ['bob', bob, 'GET', '/api/v1/namespaces/default/services/bobs', undefined, 200],
  ['bob', bob, 'PATCH', '/api/v1/namespaces/default/services/bobs', { metadata: { labels: { a: 'b' } } }, 200],
  ['bob', bob, 'GET', '/api/v1/namespaces/default/services/bobs/status', undefined, 200],
  ['bob', bob, 'PUT', '/api/v1/namespaces/default/services/bobs/status', svc('bobs'), 403],
  ['bob', bob, 'DELETE', '/api/v1/namespaces/default/services', undefined, 403],
  ['bob', bob, 'DELETE', '/api/v1/namespaces/default/services/bobs', undefined, 200],
  ['bob', bob, 'GET', '/api/v1/namespaces/team/services', undefined, 403],
  ['bob', bob, 'GET', '/api/v1/namespaces/default/endpoints', undefined, 403],
  // system:masters: everything.
  ['admin', admin, 'GET', '/metrics', undefined, 200],
  ['admin', admin, 'GET', '/api/v1/services', undefined, 200],
  ['admin', admin, 'GET', '/apis/svcplane.dev/v1alpha1/allocations', undefined, 200],
  ['admin', admin, 'GET', `${rbacPath}/clusterroles/cluster-admin`, undefined, 200],
  ['admin', admin, 'GET', `${rbacPath}/clusterrolebindings?watch=true`, undefined, 200],
  ['admin', admin, 'DELETE', '/api/v1/namespaces/default/services/missing', undefined, 404],
  // Credentials that do not check out are a 401 everywhere, /healthz included.
  ['a bad token', { token: 'nope' }, 'GET', '/healthz', undefined, 401],
  ['a bad token', { token: 'nope' }, 'GET', '/api/v1/namespaces/team/services', undefined, 401],
  // A header that is no bearer token is no credential (kube's bearertoken): anonymous.
  ['a Basic header', { authorization: 'Basic YWxpY2U6cHc=' }, 'GET', '/version', undefined, 200],
  ['an empty Bearer', { authorization: 'Bearer' }, 'GET', '/api', undefined, 403],
  ['a spaced Bearer', { authorization: 'Bearer  alice-token' }, 'GET', '/api', undefined, 403],
  ['a lowercase bearer', { authorization: 'bearer alice-token' }, 'GET', '/api', undefined, 200],
  ['garbage', { authorization: '\u00ff\u00fe' }, 'GET', '/api', undefined, 403],
];

describe('the access table over HTTPS', () => {
  for (const [who, creds, method, path, body, expected] of table) {
    test(`${who}: ${method} ${path} → ${expected}`, async () => {
      const r = await call(s, method, path, creds, body);
      assert.equal(r.status, expected, r.text);
      if (expected === 401)
        assert.deepEqual(r.body, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        });
      if (expected === 403) assert.equal(r.body.reason, 'Forbidden');
    });
  }
});

describe("kube's messages", () => {
  test('a namespaced refusal', async () => {
    const r = await call(s, 'GET', '/api/v1/namespaces/default/services', alice);
    assert.deepEqual(r.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'services is forbidden: User "alice" cannot list resource "services" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { kind: 'services' },
      code: 403,
    });
  });
  test('a named object, a subresource, a group, the cluster scope and a path', async () => {
    assert.equal(
      (await call(s, 'GET', '/api/v1/namespaces/default/services/kubernetes', alice)).body.message,
      'services "kubernetes" is forbidden: User "alice" cannot get resource "services" in API group "" in the namespace "default"',
    );
    assert.equal(
      (await call(s, 'PATCH', '/api/v1/namespaces/team/services/web/status', alice, {})).body.message,
      'services "web" is forbidden: User "alice" cannot patch resource "services/status" in API group "" in the namespace "team"',
    );
    const rbac = await call(s, 'GET', `${rbacPath}/clusterroles`, alice);
    assert.equal(
      rbac.body.message,
      'clusterroles.rbac.authorization.k8s.io is forbidden: User "alice" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    );
    assert.deepEqual(rbac.body.details, { group: 'rbac.authorization.k8s.io', kind: 'clusterroles' });
    assert.equal((await call(s, 'GET', '/metrics', alice)).body.message, 'forbidden: User "alice" cannot get path "/metrics"');
    assert.equal(
      (await call(s, 'GET', '/api/v1/namespaces/team/services?watch=1', bob)).body.message,
      'services is forbidden: User "bob" cannot watch resource "services" in API group "" in the namespace "team"',
    );
  });
});

describe('client certificates', () => {
  test('CN is the user and each O a group', async () => {
    const carol = s.clientCert('carol', ['dev', 'qa']);
    const who = await call(
      s,
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { cert: carol },
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    );
    assert.equal(who.status, 201, who.text);
    assert.deepEqual(who.body.status, { userInfo: { username: 'carol', groups: ['dev', 'qa', 'system:authenticated'] } });
    assert.equal((await call(s, 'POST', '/api/v1/namespaces/default/services', { cert: carol }, svc('carols'))).status, 201);
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/team/services', { cert: carol })).status, 403);
  });
  test('a certificate from another CA is a 401', async () => {
    const otherCA = makeCertificate({ commonName: 'other', usage: 'ca' });
    const mallory = makeCertificate({
      commonName: 'admin',
      organizations: ['system:masters'],
      usage: 'client',
      issuer: { commonName: 'other', key: otherCA.key },
    });
    const r = await call(s, 'GET', '/version', { cert: mallory });
    assert.equal(r.status, 401);
  });
});

describe('the plain-HTTP port is behind the same checks', () => {
  test('tokens work, anonymous is refused', async () => {
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/team/services', alice, undefined, true)).status, 200);
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/team/services', anonymous, undefined, true)).status, 403);
  });
});

describe('reviews', () => {
  const ssar = (attrs: Record<string, unknown>) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: attrs });
  test('SelfSubjectAccessReview answers for the asking user', async () => {
    const yes = await call(
      s,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      alice,
      ssar({ resourceAttributes: { namespace: 'team', verb: 'list', resource: 'services' } }),
    );
    assert.equal(yes.status, 201, yes.text);
    assert.equal((yes.body.status as { allowed: boolean }).allowed, true);
    assert.match(String((yes.body.status as { reason: string }).reason), /RoleBinding "alice-view\/team" of ClusterRole "view" to User "alice"/);
    const no = await call(
      s,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      alice,
      ssar({ resourceAttributes: { namespace: 'default', verb: 'list', resource: 'services' } }),
    );
    assert.deepEqual(no.body.status, { allowed: false });
    const path = await call(
      s,
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      alice,
      ssar({ nonResourceAttributes: { path: '/metrics', verb: 'get' } }),
    );
    assert.equal((path.body.status as { allowed: boolean }).allowed, false);
    const bad = await call(s, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', alice, ssar({}));
    assert.equal(bad.status, 422, bad.text);
  });
  test('SelfSubjectRulesReview lists the rules in a namespace', async () => {
    const r = await call(s, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', alice, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      spec: { namespace: 'team' },
    });
    assert.equal(r.status, 201, r.text);
    const status = r.body.status as {
      resourceRules: { resources?: string[]; verbs: string[] }[];
      nonResourceRules: { nonResourceURLs: string[] }[];
      incomplete: boolean;
    };
    assert.ok(status.resourceRules.some((rule) => rule.resources?.includes('services') && rule.verbs.includes('list')));
    assert.ok(status.nonResourceRules.some((rule) => rule.nonResourceURLs.includes('/api')));
    assert.equal(status.incomplete, false);
  });
  test('SubjectAccessReview: for whoever may create it', async () => {
    const body = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: 'alice', resourceAttributes: { namespace: 'team', verb: 'get', resource: 'services' } },
    };
    assert.equal((await call(s, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', alice, body)).status, 403);
    const r = await call(s, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', admin, body);
    assert.equal(r.status, 201, r.text);
    assert.equal((r.body.status as { allowed: boolean }).allowed, true);
  });
  test('SelfSubjectReview: whoami', async () => {
    const r = await call(s, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', bob, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    });
    assert.deepEqual(r.body.status, { userInfo: { username: 'bob', uid: '1002', groups: ['dev', 'system:authenticated'] } });
    assert.equal((await call(s, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', anonymous, {})).status, 403);
  });
});

describe('escalation', () => {
  const role = (name: string, rules: unknown[]) => ({ metadata: { name }, rules });
  test('an admin of a namespace grants what they hold, and nothing more', async () => {
    await ok(dave, 'POST', `${rbacPath}/namespaces/team/roles`, role('svc-deleter', [{ verbs: ['delete'], apiGroups: [''], resources: ['services'] }]));
    const refused = await call(
      s,
      'POST',
      `${rbacPath}/namespaces/team/roles`,
      dave,
      role('node-reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['nodes'] }]),
    );
    assert.equal(refused.status, 403, refused.text);
    assert.equal(
      refused.body.message,
      'roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "dave" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}',
    );
    assert.deepEqual(refused.body.details, { name: 'node-reader', group: 'rbac.authorization.k8s.io', kind: 'roles' });
    // Nor by changing a role they may edit.
    const patched = await call(s, 'PATCH', `${rbacPath}/namespaces/team/roles/svc-deleter`, dave, {
      rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    });
    assert.equal(patched.status, 403, patched.text);
  });
  test('bindings: to a role one holds, yes; to cluster-admin, no; with bind, yes', async () => {
    const binding = (name: string, roleName: string) => ({
      metadata: { name },
      subjects: [{ kind: 'User', name: 'erin' }],
      roleRef: { kind: 'ClusterRole', name: roleName, apiGroup: 'rbac.authorization.k8s.io' },
    });
    await ok(dave, 'POST', `${rbacPath}/namespaces/team/rolebindings`, binding('erin-view', 'view'));
    const refused = await call(s, 'POST', `${rbacPath}/namespaces/team/rolebindings`, dave, binding('erin-admin', 'cluster-admin'));
    assert.equal(refused.status, 403, refused.text);
    assert.match(
      String(refused.body.message),
      /^rolebindings\.rbac\.authorization\.k8s\.io "erin-admin" is forbidden: user "dave" .* is attempting to grant RBAC permissions not currently held:\n/,
    );
    await ok(
      admin,
      'POST',
      `${rbacPath}/clusterroles`,
      role('bind-cluster-admin', [
        { verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['cluster-admin'] },
      ]),
    );
    await ok(admin, 'POST', `${rbacPath}/namespaces/team/rolebindings`, {
      metadata: { name: 'dave-bind' },
      subjects: [{ kind: 'User', name: 'dave' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'bind-cluster-admin' },
    });
    await ok(dave, 'POST', `${rbacPath}/namespaces/team/rolebindings`, binding('erin-admin', 'cluster-admin'));
  });
  test("a binding's roleRef never changes", async () => {
    const r = await call(s, 'PATCH', `${rbacPath}/namespaces/team/rolebindings/alice-view`, admin, {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    });
    assert.equal(r.status, 422, r.text);
    assert.match(String(r.body.message), /roleRef: Invalid value: .*: cannot change roleRef/);
  });
  test("a binding without roleRef.apiGroup gets kube's default", async () => {
    const r = await ok(admin, 'POST', `${rbacPath}/namespaces/team/rolebindings`, {
      metadata: { name: 'defaulted' },
      subjects: [{ kind: 'User', name: 'frank' }],
      roleRef: { kind: 'ClusterRole', name: 'view' },
    });
    assert.deepEqual(r.body.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' });
    assert.deepEqual(r.body.subjects, [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'frank' }]);
  });
  test('aggregation: a ClusterRole labelled aggregate-to-view adds its rules to view, edit and admin', async () => {
    const view = async () => (await call(s, 'GET', `${rbacPath}/clusterroles/view`, admin)).body as { rules: { resources?: string[] }[] };
    assert.ok(
      (await view()).rules.some((r) => r.resources?.includes('services')),
      'bootstrap rules are written into view',
    );
    await ok(admin, 'POST', `${rbacPath}/clusterroles`, {
      metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] }],
    });
    const has = async (role: string) =>
      ((await call(s, 'GET', `${rbacPath}/clusterroles/${role}`, admin)).body as { rules: { resources?: string[] }[] }).rules.some((r) =>
        r.resources?.includes('widgets'),
      );
    for (let i = 0; i < 100 && !(await has('admin')); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(await has('view'));
    assert.ok(await has('edit'));
    assert.ok(await has('admin'));
    assert.equal((await call(s, 'GET', '/apis/example.com/v1/namespaces/team/widgets/w', alice)).status, 404, 'allowed, then not found');
  });
  test('validation: kube messages', async () => {
    const r = await call(s, 'POST', `${rbacPath}/namespaces/team/roles`, admin, role('bad', [{ verbs: [], nonResourceURLs: ['/x'] }]));
    assert.equal(r.status, 422, r.text);
    assert.match(String(r.body.message), /rules\[0\]\.verbs: Required value: verbs must contain at least one value/);
    assert.match(String(r.body.message), /rules\[0\]\.nonResourceURLs: Invalid value: .*: namespaced rules cannot apply to non-resource URLs/);
  });
});

describe('anonymous auth off', () => {
  let closed: AuthServer;
  before(async () => {
    closed = await startAuthServer({ anonymousAuth: false });
  });
  after(async () => closed.stop());
  for (const path of [
    '/healthz',
    '/livez',
    '/readyz',
    '/version',
    '/api',
    '/apis',
    '/openapi/v3',
    '/metrics',
    '/docs',
    '/api/v1/namespaces/default/services',
    '/nope',
  ]) {
    test(`GET ${path} without credentials → 401`, async () => {
      assert.equal((await call(closed, 'GET', path)).status, 401);
      assert.equal((await call(closed, 'GET', path, {}, undefined, true)).status, 401, 'over plain HTTP too');
    });
  }
  test('with a token: the same answers as ever', async () => {
    assert.equal((await call(closed, 'GET', '/version', { token: tokens.alice })).status, 200);
    assert.equal((await call(closed, 'POST', '/api/v1/namespaces/default/services', { token: tokens.admin }, svc('x'))).status, 201);
  });
});

describe('bootstrap policy', () => {
  test('present at first start, not duplicated or rewritten after a restart', async () => {
    const dir = tempDir();
    const db = join(dir, 'svcplane.db');
    const list = async () => {
      const server = await createServer({ port: 0, db, logLevel: 'silent', authorizationMode: 'RBAC' });
      try {
        const roles = await server.rbac!.clusterRoles.list(undefined);
        const bindings = await server.rbac!.clusterRoleBindings.list(undefined);
        return [...roles.items, ...bindings.items].map((o) => `${o.kind}/${o.metadata?.name}@${o.metadata?.resourceVersion}`);
      } finally {
        await server.close();
      }
    };
    const first = await list();
    for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer']) {
      assert.ok(
        first.some((o) => o.startsWith(`ClusterRole/${name}@`)),
        name,
      );
    }
    assert.ok(first.some((o) => o.startsWith('ClusterRoleBinding/cluster-admin@')));
    assert.deepEqual(await list(), first);
    rmSync(dir, { recursive: true, force: true });
  });
});
