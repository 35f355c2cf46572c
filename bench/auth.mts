// The `get-auth` scenario (issue 17): the get scenario's GET with a bearer token and RBAC on,
// against the same server with neither. The user is bound to `view` by a RoleBinding, so every
// request is authenticated from the token file and authorized by walking the bindings (a
// system:masters user would skip RBAC). Target: ratio >= 0.9 (at most 10% of GET throughput).
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, removeTempDir, startServer, svcplaneArgs, tempDir, type Server } from './lib.mjs';
import { alternate, httpRow, type Config, type Row } from './scenarios.mjs';

function send(url: string, method: string, token: string | undefined, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (payload) headers['Content-Type'] = 'application/json';
    const req = http.request(url, { method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function ok(url: string, method: string, token: string | undefined, body?: unknown): Promise<void> {
  const code = await send(url, method, token, body);
  if (code < 200 || code > 299) throw new Error(`${method} ${url} -> ${code}`);
}

export async function getWithAuthScenario(cfg: Config): Promise<Row[]> {
  const start = async (extra: (dir: string) => string[]): Promise<Server & { dir: string }> => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tokens.csv'), 'admin-token,admin,1,"system:masters"\nreader-token,reader,2\n');
    const server = await startServer('svcplane', svcplaneArgs(join(dir, 'svcplane.db'), extra(dir)));
    return { ...server, dir, stop: () => server.stop().then(() => removeTempDir(dir)) };
  };
  const on = await start((dir) => ['--token-auth-file', join(dir, 'tokens.csv'), '--authorization-mode', 'RBAC']);
  const off = await start(() => []);
  const path = '/api/v1/namespaces/default/services/bench-get';
  try {
    for (const [s, token] of [
      [on, 'admin-token'],
      [off, undefined],
    ] as const)
      await ok(`${s.url}/api/v1/namespaces/default/services`, 'POST', token, { metadata: { name: 'bench-get' }, spec: { ports: [{ port: 80 }] } });
    await ok(`${on.url}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings`, 'POST', 'admin-token', {
      metadata: { name: 'reader-view' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'reader' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    });
    await ok(`${on.url}${path}`, 'GET', 'reader-token');
    const get = (s: Server, duration: number, headers?: Record<string, string>) =>
      load({ url: `${s.url}${path}`, connections: cfg.connections, duration, pid: s.child.pid, headers });
    const reader = { Authorization: 'Bearer reader-token' };
    await get(on, cfg.warmupSec, reader);
    await get(off, cfg.warmupSec);
    const result = await alternate(
      cfg,
      'get-auth',
      () => get(on, cfg.roundSec, reader),
      () => get(off, cfg.roundSec),
    );
    return [httpRow('get-auth', 'the same server without a token file and RBAC', result, { text: 'ratio >= 0.9', met: (m) => m.ratio >= 0.9 })];
  } finally {
    await on.stop();
    await off.stop();
  }
}
