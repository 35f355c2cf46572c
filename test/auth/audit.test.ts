// The audit log with authentication and RBAC on: the real user and groups, the decision and its
// reason as annotations, a 401's and a 403's events, a generated name on a create.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { call, startAuthServer, tokens } from './support.js';

test('the audit log records user, groups and the decision', async () => {
  const probe = await startAuthServer();
  const path = join(probe.files.dir, 'audit.log');
  await probe.stop();
  const s = await startAuthServer({ auditLogPath: path });
  try {
    assert.equal(
      (
        await call(
          s,
          'POST',
          '/api/v1/namespaces/default/services',
          { token: tokens.admin },
          { metadata: { generateName: 'gen-' }, spec: { ports: [{ port: 80 }] } },
        )
      ).status,
      201,
    );
    assert.equal((await call(s, 'GET', '/api/v1/namespaces/default/services', { token: tokens.alice })).status, 403);
    assert.equal((await call(s, 'GET', '/version', { token: 'wrong' })).status, 401);
  } finally {
    await s.server.close();
  }
  const events = readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  const [create, refused, unauthorized] = events;
  assert.deepEqual(create.user, { username: 'admin', uid: '1000', groups: ['system:masters', 'system:authenticated'] });
  assert.match(create.objectRef.name, /^gen-[a-z0-9]{5}$/);
  assert.deepEqual(Object.keys(create.objectRef), ['resource', 'namespace', 'name', 'apiVersion']);
  assert.equal(create.annotations['authorization.k8s.io/decision'], 'allow');
  assert.deepEqual(refused.user, { username: 'alice', uid: '1001', groups: ['system:authenticated'] });
  assert.deepEqual(refused.annotations, { 'authorization.k8s.io/decision': 'forbid' });
  assert.equal(refused.responseStatus.code, 403);
  assert.equal(refused.responseStatus.reason, 'Forbidden');
  assert.equal(unauthorized.responseStatus.code, 401);
  assert.equal(unauthorized.annotations, undefined);
});
