// kube-apiserver finds the route before it reads the body: a body sent to a path it does not
// serve is a 404 and to a verb the resource lacks a 405, whatever the body holds (a protobuf kind
// svcplane has no codec for, garbage, malformed JSON or YAML), never a 400 about the body.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer;
before(async () => {
  t = await startServer();
});
after(() => t.stop());

const bodies: [string, Buffer | string][] = [
  ['application/vnd.kubernetes.protobuf', Buffer.from('k8s\0\n\v\n\x02v1\x12\x05Lease', 'latin1')],
  ['application/vnd.kubernetes.protobuf', 'garbage'],
  ['application/json', '{not json'],
  ['application/yaml', 'a: [unclosed'],
];

test('a body to a path that is not served is a 404', async () => {
  for (const [type, body] of bodies) {
    for (const path of ['/apis/example.io/v1/namespaces/default/widgets', '/api/v1/namespaces/default/pods', '/nowhere']) {
      const res = await request(t.url).post(path).set('Content-Type', type).send(body);
      assert.equal(res.status, 404, `${type} to ${path}: ${res.text}`);
      assert.equal(res.body.reason, 'NotFound');
    }
  }
});

test('a body to a verb the resource does not have is a 405', async () => {
  for (const [type, body] of bodies) {
    const res = await request(t.url).post('/api/v1/namespaces/default/services/web').set('Content-Type', type).send(body);
    assert.equal(res.status, 405, `${type}: ${res.text}`);
    assert.equal(res.body.reason, 'MethodNotAllowed');
  }
});

test('a served path still decodes, and refuses a bad body with 400', async () => {
  const res = await request(t.url)
    .post('/api/v1/namespaces/default/services')
    .set('Content-Type', 'application/vnd.kubernetes.protobuf')
    .send(Buffer.from('garbage'));
  assert.equal(res.status, 400);
  assert.match(res.body.message, /failed to decode protobuf body/);
});
