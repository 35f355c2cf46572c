import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import request from 'supertest';
import { requestInfo, microTime } from '../../src/api/audit.js';
import { startServer, tempDir } from '../support/server.js';

const ns = '/api/v1/namespaces/default/services';
const svc = { metadata: { name: 'audited' }, spec: { ports: [{ port: 80 }] } };
const microRe = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** Opens a watch, waits for its first bytes, then drops the connection. */
function watchBriefly(url: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, (res) => {
      res.once('data', () => {
        req.destroy();
        setTimeout(resolve, 50);
      });
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(err)));
    req.end();
  });
}

test('--audit-log-path writes one audit.k8s.io/v1 Event per request', async () => {
  const dir = tempDir();
  const path = join(dir, 'audit.log');
  const s = await startServer({ auditLogPath: path });
  const created = await request(s.url).post(ns).set('User-Agent', 'kubectl/v1.33.0').send(svc).expect(201);
  assert.match(created.headers['audit-id'], /^[0-9a-f-]{36}$/);
  await request(s.url).get(`${ns}/audited`).expect(200);
  await request(s.url).get(ns).expect(200);
  await request(s.url)
    .patch(`${ns}/audited`)
    .set('Content-Type', 'application/merge-patch+json')
    .send({ metadata: { labels: { a: 'b' } } })
    .expect(200);
  await request(s.url).get(`${ns}/audited/status`).expect(200);
  await request(s.url).get(`${ns}/missing`).expect(404);
  await request(s.url).delete(`${ns}/audited`).expect(200);
  await request(s.url).get('/version').expect(200);
  await watchBriefly(s.url, `${ns}?watch=true`);
  await s.server.close();

  const lines = readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  const brief = lines.map((e) => [e.stage, e.verb, e.requestURI, e.objectRef?.name ?? '', e.objectRef?.subresource ?? '', e.responseStatus.code].join(' '));
  assert.deepEqual(brief, [
    `ResponseComplete create ${ns} audited  201`,
    `ResponseComplete get ${ns}/audited audited  200`,
    `ResponseComplete list ${ns}   200`,
    `ResponseComplete patch ${ns}/audited audited  200`,
    `ResponseComplete get ${ns}/audited/status audited status 200`,
    `ResponseComplete get ${ns}/missing missing  404`,
    `ResponseComplete delete ${ns}/audited audited  200`,
    'ResponseComplete get /version   200',
    `ResponseStarted watch ${ns}?watch=true   200`,
    `ResponseComplete watch ${ns}?watch=true   200`,
  ]);
  const [first] = lines;
  assert.deepEqual(Object.keys(first), [
    'kind',
    'apiVersion',
    'level',
    'auditID',
    'stage',
    'requestURI',
    'verb',
    'user',
    'sourceIPs',
    'userAgent',
    'objectRef',
    'responseStatus',
    'requestReceivedTimestamp',
    'stageTimestamp',
  ]);
  assert.equal(first.kind, 'Event');
  assert.equal(first.apiVersion, 'audit.k8s.io/v1');
  assert.equal(first.level, 'Metadata');
  assert.equal(first.auditID, created.headers['audit-id']);
  assert.deepEqual(first.user, { username: 'system:anonymous', groups: ['system:unauthenticated'] });
  assert.deepEqual(first.sourceIPs, ['127.0.0.1']);
  assert.equal(first.userAgent, 'kubectl/v1.33.0');
  assert.deepEqual(first.objectRef, { resource: 'services', namespace: 'default', name: 'audited', apiVersion: 'v1' });
  assert.deepEqual(first.responseStatus, { metadata: {}, code: 201 });
  for (const e of lines) {
    assert.match(e.requestReceivedTimestamp, microRe);
    assert.match(e.stageTimestamp, microRe);
    assert.ok(e.stageTimestamp >= e.requestReceivedTimestamp);
  }
  assert.deepEqual(lines[5].responseStatus, { metadata: {}, status: 'Failure', message: 'services "missing" not found', reason: 'NotFound', code: 404 });
  assert.equal(lines[7].objectRef, undefined);
  assert.equal(lines[8].auditID, lines[9].auditID);
  rmSync(dir, { recursive: true, force: true });
});

test('without --audit-log-path nothing is written and no Audit-Id is sent', async () => {
  const s = await startServer();
  const res = await request(s.url).post(ns).send(svc).expect(201);
  assert.equal(res.headers['audit-id'], undefined);
  assert.deepEqual(
    readdirSync(s.dir).filter((f) => !f.startsWith('svcplane.db')),
    [],
  );
  assert.equal(existsSync(join(s.dir, 'audit.log')), false);
  await s.stop();
});

test('verbs and object references follow the RequestInfoFactory', () => {
  const cases: [string, string, string, Record<string, string> | undefined][] = [
    ['GET', '/api/v1/services', 'list', { resource: 'services', apiVersion: 'v1' }],
    ['GET', '/api/v1/services?watch=1', 'watch', { resource: 'services', apiVersion: 'v1' }],
    ['GET', '/api/v1/watch/namespaces/default/services/x', 'watch', { resource: 'services', namespace: 'default', name: 'x', apiVersion: 'v1' }],
    ['DELETE', '/api/v1/namespaces/default/services', 'deletecollection', { resource: 'services', namespace: 'default', apiVersion: 'v1' }],
    [
      'PUT',
      '/api/v1/namespaces/default/services/x/status',
      'update',
      { resource: 'services', namespace: 'default', name: 'x', apiVersion: 'v1', subresource: 'status' },
    ],
    ['GET', '/api/v1/namespaces/kube-system', 'get', { resource: 'namespaces', namespace: 'kube-system', name: 'kube-system', apiVersion: 'v1' }],
    ['POST', '/api/v1/namespaces', 'create', { resource: 'namespaces', apiVersion: 'v1' }],
    [
      'GET',
      '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
      'list',
      { resource: 'endpointslices', namespace: 'default', apiGroup: 'discovery.k8s.io', apiVersion: 'v1' },
    ],
    ['GET', '/api/v1', 'get', undefined],
    ['GET', '/openapi/v3/api/v1', 'get', undefined],
    ['GET', '/livez', 'get', undefined],
  ];
  for (const [method, url, verb, ref] of cases) assert.deepEqual(requestInfo(method, url), ref ? { verb, objectRef: ref } : { verb }, `${method} ${url}`);
  assert.equal(microTime(Date.UTC(2026, 10, 22, 18, 50, 1, 123) * 1000 + 456), '2026-11-22T18:50:01.123456Z');
});
