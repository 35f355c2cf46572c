// kubectl against the HTTPS port with a token and with a client certificate: get, auth can-i,
// auth whoami, create rolebinding, and the 403 as kubectl prints it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { call, startAuthServer, tokens, type AuthServer } from '../auth/support.js';
import { kubectlHome, kubectlSkip, runKubectl, showRun, type KubectlHome } from '../support/kubectl.js';

describe('kubectl with tokens and client certificates over HTTPS', { skip: kubectlSkip('kubectl auth') }, () => {
  let s: AuthServer;
  let home: KubectlHome;
  let caFile: string;
  let carol: { certFile: string; keyFile: string };
  const as = (args: string[]) => ['--certificate-authority', caFile, ...args];
  const kubectl = (args: string[]) => runKubectl(s.secureUrl, as(args), { env: home.env });

  before(async () => {
    s = await startAuthServer();
    home = kubectlHome();
    caFile = join(home.dir, 'svcplane-ca.crt');
    writeFileSync(caFile, s.ca);
    const pair = s.clientCert('carol', ['dev']);
    carol = { certFile: join(home.dir, 'carol.crt'), keyFile: join(home.dir, 'carol.key') };
    writeFileSync(carol.certFile, pair.cert);
    writeFileSync(carol.keyFile, pair.key);
    const r = await call(s, 'POST', '/api/v1/namespaces', { token: tokens.admin }, { metadata: { name: 'team' } });
    assert.equal(r.status, 201, r.text);
  });
  after(async () => {
    await s?.stop();
    home?.remove();
  });

  test('an administrator gives alice view in one namespace with kubectl create rolebinding', async () => {
    const args = ['--token', tokens.admin, 'create', 'rolebinding', 'alice-view', '--clusterrole=view', '--user=alice', '-n', 'team'];
    const r = await kubectl(args);
    assert.equal(r.code, 0, showRun(args, r));
    assert.equal(r.stdout.trim(), 'rolebinding.rbac.authorization.k8s.io/alice-view created');
    const get = await kubectl(['--token', tokens.admin, 'get', 'rolebinding', 'alice-view', '-n', 'team', '-o', 'wide']);
    assert.match(get.stdout, /alice-view\s+ClusterRole\/view\s+\S+\s+alice/, get.stdout);
  });

  test('alice: get in team, 403 elsewhere, as kubectl prints it', async () => {
    const ok = await kubectl(['--token', tokens.alice, 'get', 'svc', '-n', 'team']);
    assert.equal(ok.code, 0, showRun(['get'], ok));
    assert.match(ok.stderr + ok.stdout, /No resources found in team namespace/);
    const refused = await kubectl(['--token', tokens.alice, 'get', 'svc', '-n', 'default']);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.trim(),
      'Error from server (Forbidden): services is forbidden: User "alice" cannot list resource "services" in API group "" in the namespace "default"',
    );
  });

  test('kubectl auth can-i', async () => {
    const yes = await kubectl(['--token', tokens.alice, 'auth', 'can-i', 'list', 'services', '-n', 'team']);
    assert.equal(yes.stdout.trim(), 'yes', showRun(['auth', 'can-i'], yes));
    assert.equal(yes.code, 0);
    const no = await kubectl(['--token', tokens.alice, 'auth', 'can-i', 'create', 'services', '-n', 'team']);
    assert.equal(no.stdout.trim(), 'no', showRun(['auth', 'can-i'], no));
    assert.equal(no.code, 1);
    const list = await kubectl(['--token', tokens.alice, 'auth', 'can-i', '--list', '-n', 'team']);
    assert.equal(list.code, 0, showRun(['auth', 'can-i', '--list'], list));
    assert.match(list.stdout, /services\s+\[\]\s+\[\]\s+\[get list watch\]/);
  });

  test('kubectl auth whoami, with a token and with a client certificate', async () => {
    const token = await kubectl(['--token', tokens.bob, 'auth', 'whoami', '-o', 'json']);
    assert.equal(token.code, 0, showRun(['auth', 'whoami'], token));
    assert.deepEqual(JSON.parse(token.stdout).status.userInfo, { username: 'bob', uid: '1002', groups: ['dev', 'system:authenticated'] });
    const cert = await kubectl(['--client-certificate', carol.certFile, '--client-key', carol.keyFile, 'auth', 'whoami']);
    assert.equal(cert.code, 0, showRun(['auth', 'whoami'], cert));
    assert.match(cert.stdout, /Username\s+carol/);
    assert.match(cert.stdout, /Groups\s+\[dev system:authenticated\]/);
  });

  test('a client certificate user creates a rolebinding where allowed, and is refused where not', async () => {
    const admin = await kubectl(['--token', tokens.admin, 'create', 'rolebinding', 'dev-admin', '--clusterrole=admin', '--group=dev', '-n', 'team']);
    assert.equal(admin.code, 0, showRun(['create', 'rolebinding'], admin));
    const cert = ['--client-certificate', carol.certFile, '--client-key', carol.keyFile];
    const ok = await kubectl([...cert, 'create', 'rolebinding', 'erin-edit', '--clusterrole=edit', '--user=erin', '-n', 'team']);
    assert.equal(ok.code, 0, showRun(['create', 'rolebinding'], ok));
    const escalation = await kubectl([...cert, 'create', 'rolebinding', 'erin-root', '--clusterrole=cluster-admin', '--user=erin', '-n', 'team']);
    assert.equal(escalation.code, 1);
    assert.match(escalation.stderr, /is attempting to grant RBAC permissions not currently held/);
    const get = await kubectl([...cert, 'get', 'svc', '-n', 'team']);
    assert.equal(get.code, 0, showRun(['get'], get));
  });

  test('a bad token: kubectl reports Unauthorized', async () => {
    const r = await kubectl(['--token', 'wrong', 'get', 'svc']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Unauthorized|You must be logged in to the server/);
  });
});
