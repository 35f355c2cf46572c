// A GET of a stored object is written straight to the socket (api/respond.ts sendStored) unless
// fastify's send path would add something. These tests hold the direct answer to what fastify's
// path answers: the same headers, bodies, HEAD and warnings.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, tempDir, type TestServer } from '../support/server.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const services = '/api/v1/namespaces/default/services';

let s: TestServer;
before(async () => {
  // The audit log sets a header (Audit-Id) on every response, as a hook would.
  s = await startServer({ auditLogPath: join(tempDir(), 'audit.log') });
});
after(() => s.stop());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${s.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const create = (path: string, object: object) => call('POST', path, { 'content-type': 'application/json' }, JSON.stringify(object));
const names = (a: Answer) => Object.keys(a.headers).sort();

test('a direct GET carries the headers fastify would have sent', async () => {
  assert.equal((await create(services, { metadata: { name: 'direct' }, spec: { ports: [{ port: 80 }] } })).status, 201);
  const direct = await call('GET', `${services}/direct`);
  // Pretty JSON always goes through fastify: its headers are what any hook added.
  const fastify = await call('GET', `${services}/direct?pretty=true`);
  assert.equal(direct.status, 200);
  assert.deepEqual(names(direct), names(fastify));
  assert.ok(direct.headers['audit-id'], 'a header set on the raw response goes with the direct answer');
  assert.equal(direct.headers['content-type'], 'application/json');
  assert.equal(Number(direct.headers['content-length']), direct.body.length);
  assert.deepEqual(JSON.parse(direct.body.toString('utf8')), JSON.parse(fastify.body.toString('utf8')));

  const proto = await call('GET', `${services}/direct`, { accept: `${PROTOBUF}, */*` });
  assert.equal(proto.status, 200);
  assert.deepEqual(names(proto), names(fastify));
  assert.equal(proto.headers['content-type'], PROTOBUF);
  assert.equal(Number(proto.headers['content-length']), proto.body.length);
  assert.deepEqual(proto.body.subarray(0, 4), MAGIC);
});

test('a non-ASCII name survives the direct JSON answer (its length is counted in bytes)', async () => {
  // Names are ASCII, annotations need not be.
  const object = { metadata: { name: 'utf8', annotations: { note: 'Grüße, 東京 ✓' } }, spec: { ports: [{ port: 80 }] } };
  assert.equal((await create(services, object)).status, 201);
  const direct = await call('GET', `${services}/utf8`);
  assert.equal(Number(direct.headers['content-length']), direct.body.length);
  assert.equal((JSON.parse(direct.body.toString('utf8')) as typeof object).metadata.annotations.note, 'Grüße, 東京 ✓');
});

test('HEAD of a stored object answers its length and no body, in either encoding', async () => {
  assert.equal((await create(services, { metadata: { name: 'headed' }, spec: { ports: [{ port: 80 }] } })).status, 201);
  for (const accept of ['application/json', PROTOBUF]) {
    const get = await call('GET', `${services}/headed`, { accept });
    const head = await call('HEAD', `${services}/headed`, { accept });
    assert.equal(head.status, 200, accept);
    assert.equal(head.headers['content-type'], get.headers['content-type']);
    assert.equal(Number(head.headers['content-length']), get.body.length, accept);
    assert.equal(head.body.length, 0, accept);
  }
});

test("a deprecated kind's GET keeps its Warning in either encoding", async () => {
  const endpoints = '/api/v1/namespaces/default/endpoints';
  const made = await create(endpoints, { metadata: { name: 'warned' }, subsets: [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 80 }] }] });
  assert.equal(made.status, 201);
  for (const accept of ['application/json', PROTOBUF]) {
    const get = await call('GET', `${endpoints}/warned`, { accept });
    assert.equal(get.status, 200, accept);
    assert.match(String(get.headers.warning), /v1 Endpoints is deprecated/, accept);
    assert.equal(Number(get.headers['content-length']), get.body.length, accept);
  }
});
