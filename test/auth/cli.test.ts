// The command line: a malformed token file or certificate stops the start with one line and exit
// code 2; `svcplane kubeconfig` prints a file kubectl uses as it is; @kubernetes/client-node sees
// a 403 as kube's.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { kubectlBinary, kubectlHome, repoRoot, showRun } from '../support/kubectl.js';
import { tempDir } from '../support/server.js';
import { startAuthServer, tokens, type AuthServer } from './support.js';

const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--port', '0', '--db', ':memory:', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('bad credentials files stop the start', () => {
  const dir = tempDir();
  const cases: [string, string, string[], RegExp][] = [
    [
      'a token line with two fields',
      'tok,alice\n',
      ['--token-auth-file'],
      /^svcplane: invalid --token-auth-file: .*line 1: token file entries must have at least 3 fields/,
    ],
    [
      'an unterminated quote',
      'tok,alice,1,"dev\n',
      ['--token-auth-file'],
      /^svcplane: invalid --token-auth-file: .*line 1: extraneous or missing " in quoted-field/,
    ],
    ['an empty token', ',alice,1\n', ['--token-auth-file'], /^svcplane: invalid --token-auth-file: .*empty token/],
    ['a client CA that is no certificate', 'hello\n', ['--client-ca-file'], /^svcplane: invalid --client-ca-file: .* holds no PEM certificate/],
    [
      'a client CA with a broken certificate',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      ['--client-ca-file'],
      /^svcplane: invalid --client-ca-file: /,
    ],
  ];
  for (const [name, content, [flag], message] of cases) {
    test(name, () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.txt`);
      writeFileSync(file, content);
      const r = cli([flag, file]);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
    });
  }
  test('a missing file, an unknown authorization mode, half a serving pair', () => {
    assert.match(cli(['--token-auth-file', join(dir, 'none.csv')]).stderr, /^svcplane: invalid --token-auth-file: cannot read .*ENOENT/);
    const mode = cli(['--authorization-mode', 'Node']);
    assert.equal(mode.status, 2);
    assert.equal(mode.stderr, 'svcplane: invalid --authorization-mode "Node": must be AlwaysAllow or RBAC\n');
    assert.equal(cli(['--secure-port', '0', '--tls-cert-file', join(dir, 'x.crt')]).status, 2);
    assert.equal(cli(['--anonymous-auth', 'maybe']).status, 2);
  });
});

describe('svcplane kubeconfig and clients', () => {
  let s: AuthServer;
  before(async () => {
    s = await startAuthServer();
  });
  after(async () => s.stop());

  test('a kubeconfig kubectl uses as it is', { skip: kubectlBinary ? false : 'kubectl not found on PATH' }, async () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'kubeconfig',
        '--server',
        s.secureUrl,
        '--token',
        tokens.bob,
        '--user',
        'bob',
        '--cert-dir',
        join(s.files.dir, 'certs'),
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /certificate-authority-data: /);
    const home = kubectlHome();
    try {
      const config = join(home.dir, 'config');
      writeFileSync(config, r.stdout);
      const args = ['--kubeconfig', config, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'];
      // Asynchronously: the server answering kubectl runs in this process.
      const who = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
        execFile(kubectlBinary!, args, { env: home.env, timeout: 30_000 }, (err, stdout, stderr) =>
          done({ code: err ? 1 : 0, stdout: String(stdout), stderr: String(stderr) }),
        ),
      );
      assert.equal(who.stdout, 'bob', showRun(args, who));
    } finally {
      home.remove();
    }
  });

  test('@kubernetes/client-node gets the 403 as kube answers it', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'svcplane', server: s.secureUrl, caData: Buffer.from(s.ca).toString('base64') }],
      users: [{ name: 'alice', token: tokens.alice }],
      contexts: [{ name: 'svcplane', cluster: 'svcplane', user: 'alice' }],
      currentContext: 'svcplane',
    });
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.listNamespacedService({ namespace: 'default' }), (err: unknown) => {
      const e = err as { code?: number; body?: string };
      assert.equal(e.code, 403);
      const status = JSON.parse(String(e.body));
      assert.equal(status.reason, 'Forbidden');
      assert.equal(status.message, 'services is forbidden: User "alice" cannot list resource "services" in API group "" in the namespace "default"');
      return true;
    });
    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    assert.equal(version.gitVersion, 'v1.33.0');
  });
});
