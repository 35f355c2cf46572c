// Issue 15's findings, each as the request that found it: the server must answer every one with
// a Kubernetes Status and stay up for the next client.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { answerInternalError, continueSend } from '../../src/api/lastResort.js';
import { startServer, tempDir, type TestServer } from '../support/server.js';

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Header values as the bytes on the wire (Node reads header bytes as latin1). */
  rawWarnings: Buffer[];
  body: string;
}

function send(url: string, method: string, path: string, body: Buffer | string | undefined, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    // Node sends a DELETE's body with neither Content-Length nor chunking unless told its length.
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(new URL(path, url), { method, headers: { 'content-type': 'application/json', ...length, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const rawWarnings: Buffer[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2)
          if (res.rawHeaders[i].toLowerCase() === 'warning') rawWarnings.push(Buffer.from(res.rawHeaders[i + 1], 'latin1'));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawWarnings, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Raw bytes on a socket, for what http.request refuses to send; resolves with all it got back. */
function rawExchange(port: number, bytes: string | Buffer, holdMs = 0): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if (holdMs) setTimeout(() => socket.end(), holdMs).unref();
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), closedAfterMs: Date.now() - started }));
  });
}

function assertStatus(answer: { status: number; headers?: http.IncomingHttpHeaders; body: string }, code: number, reason: string): Record<string, unknown> {
  assert.equal(answer.status, code, answer.body);
  if (answer.headers) assert.match(String(answer.headers['content-type']), /^application\/json/);
  const status = JSON.parse(answer.body) as Record<string, unknown>;
  assert.equal(status.kind, 'Status');
  assert.equal(status.apiVersion, 'v1');
  assert.equal(status.status, 'Failure');
  assert.equal(status.code, code);
  assert.equal(status.reason, reason);
  return status;
}

const services = '/api/v1/namespaces/default/services';
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('unknown fields whose names Node cannot put in a header', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(async () => t.stop());

  test('a name above U+00FF: the create succeeds and the Warning carries its UTF-8 bytes, as kube sends them', async () => {
    const answer = await send(t.url, 'POST', services, '{"metadata":{"name":"u2"},"spec":{"ports":[{"port":80}]},"名前":1}');
    assert.equal(answer.status, 201, answer.body);
    assert.deepEqual(
      answer.rawWarnings.map((w) => w.toString('utf8')),
      ['299 - "unknown field \\"名前\\""'],
    );
    assert.equal(JSON.parse(answer.body).metadata.name, 'u2');
    const again = await send(t.url, 'GET', `${services}/u2`, undefined);
    assert.equal(again.status, 200, 'the server is still up and the write is there');
  });

  test('the same on a replace, a dry run and every patch type', async () => {
    const current = JSON.parse((await send(t.url, 'GET', `${services}/u2`, undefined)).body);
    const put = await send(t.url, 'PUT', `${services}/u2`, JSON.stringify({ ...current, ключ: 1 }));
    assert.equal(put.status, 200, put.body);
    assert.equal(put.rawWarnings[0].toString('utf8'), '299 - "unknown field \\"ключ\\""');
    const dry = await send(t.url, 'POST', `${services}?dryRun=All`, '{"metadata":{"name":"u3"},"spec":{"ports":[{"port":80}]},"😀":1}');
    assert.equal(dry.status, 201, dry.body);
    assert.equal(dry.rawWarnings[0].toString('utf8'), '299 - "unknown field \\"😀\\""');
    for (const type of ['merge-patch+json', 'strategic-merge-patch+json']) {
      const patched = await send(t.url, 'PATCH', `${services}/u2`, '{"spec":{"名前":1}}', { 'content-type': `application/${type}` });
      assert.equal(patched.status, 200, patched.body);
      assert.equal(patched.rawWarnings[0].toString('utf8'), '299 - "unknown field \\"spec.名前\\""');
    }
    const jsonPatch = await send(t.url, 'PATCH', `${services}/u2`, '[{"op":"add","path":"/spec/名前","value":1}]', {
      'content-type': 'application/json-patch+json',
    });
    assert.equal(jsonPatch.status, 200, jsonPatch.body);
  });

  test('an invalid UTF-8 byte in a key reads as U+FFFD, as Go decodes it; the answer is whole', async () => {
    const body = Buffer.concat([Buffer.from('{"metadata":{"name":"u4"},"spec":{"ports":[{"port":80}]},"'), Buffer.from([0xff, 0xfe]), Buffer.from('":1}')]);
    const answer = await send(t.url, 'POST', services, body);
    assert.equal(answer.status, 201, answer.body);
    assert.match(String(answer.headers['content-type']), /^application\/json/);
    assert.equal(answer.rawWarnings[0].toString('utf8'), '299 - "unknown field \\"\uFFFD\uFFFD\\""');
  });

  test('control characters in a name are escaped as Go quotes them, never sent raw', async () => {
    const answer = await send(t.url, 'POST', services, '{"metadata":{"name":"u5"},"spec":{"ports":[{"port":80}]},"a\\u0001\\n\\u007f\\u0085":1}');
    assert.equal(answer.status, 201, answer.body);
    assert.equal(answer.rawWarnings[0].toString('utf8'), '299 - "unknown field \\"a\\\\x01\\\\n\\\\x7f\\\\u0085\\""');
  });

  test('warnings for 10,000 unknown fields stay within the recorder limits: 4,096 runes, then 256 a warning', async () => {
    const fields = Array.from({ length: 10_000 }, (_, i) => `"f${i}${'x'.repeat(300)}":1`).join(',');
    const answer = await send(t.url, 'POST', `${services}?dryRun=All`, `{"metadata":{"name":"many"},"spec":{"ports":[{"port":80}]},${fields}}`);
    assert.equal(answer.status, 201, answer.body.slice(0, 300));
    const texts = answer.rawWarnings.map((w) => w.toString('utf8'));
    assert.ok(texts.length > 0 && texts.length <= 20, `${texts.length} warnings`);
    for (const t of texts) assert.ok(t.length <= '299 - ""'.length + 256 + 10, t);
    assert.ok(texts[0].startsWith('299 - "unknown field \\"f0xxx'), texts[0]);
  });

  test('fieldValidation=Strict names such a field in its 400', async () => {
    const answer = await send(t.url, 'POST', `${services}?fieldValidation=Strict`, '{"metadata":{"name":"u6"},"spec":{"ports":[{"port":80}]},"名前":1}');
    const status = assertStatus(answer, 400, 'BadRequest');
    assert.equal(status.message, 'strict decoding error: unknown field "名前"');
  });
});

describe('"__proto__" keys', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(async () => t.stop());

  test('on create it is an unknown field, not a way to smuggle in a spec', async () => {
    const answer = await send(t.url, 'POST', services, '{"metadata":{"name":"p1"},"__proto__":{"spec":{"type":"NodePort","ports":[{"port":80}]}}}');
    const status = assertStatus(answer, 422, 'Invalid');
    assert.match(String(status.message), /spec\.ports: Required value/);
    assert.equal(answer.rawWarnings[0]?.toString('utf8'), '299 - "unknown field \\"__proto__\\""');
  });

  test('as a label key it is validated like any other key', async () => {
    const status = assertStatus(
      await send(t.url, 'POST', services, '{"metadata":{"name":"p2","labels":{"__proto__":"x"}},"spec":{"ports":[{"port":80}]}}'),
      422,
      'Invalid',
    );
    assert.match(String(status.message), /metadata\.labels: Invalid value: "__proto__"/);
  });

  test('in merge and strategic merge patches it changes nothing', async () => {
    assert.equal((await send(t.url, 'POST', services, '{"metadata":{"name":"p3"},"spec":{"ports":[{"port":80}]}}')).status, 201);
    for (const type of ['merge-patch+json', 'strategic-merge-patch+json']) {
      const answer = await send(t.url, 'PATCH', `${services}/p3`, '{"__proto__":{"spec":{"type":"NodePort"}},"spec":{"__proto__":{"type":"NodePort"}}}', {
        'content-type': `application/${type}`,
      });
      assert.equal(answer.status, 200, answer.body);
      assert.equal(JSON.parse(answer.body).spec.type, 'ClusterIP');
    }
    const fresh = JSON.parse((await send(t.url, 'POST', services, '{"metadata":{"name":"p4"},"spec":{"ports":[{"port":80}]}}')).body);
    assert.equal(fresh.spec.type, 'ClusterIP', 'no prototype was polluted');
  });
});

describe('deeply nested bodies', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
    await send(t.url, 'POST', services, '{"metadata":{"name":"d0"},"spec":{"ports":[{"port":80}]}}');
  });
  after(async () => t.stop());

  const cases: [string, string, string, (n: number) => string][] = [
    ['create', 'POST', services, (n) => `{"metadata":{"name":"x"},"spec":{"ports":[{"port":80}]},"zz":${deep(n)}}`],
    ['dry-run create', 'POST', `${services}?dryRun=All`, (n) => `{"metadata":{"name":"y","annotations":${deep(n)}},"spec":{}}`],
    ['replace', 'PUT', `${services}/d0`, (n) => `{"metadata":{"name":"d0"},"spec":{"ports":[{"port":80}],"zz":${deep(n)}}}`],
    ['merge patch', 'PATCH', `${services}/d0`, (n) => `{"spec":{"zz":${deep(n)}}}`],
    ['strategic merge patch', 'PATCH', `${services}/d0`, (n) => `{"metadata":{"labels":{"a":${deep(n)}}}}`],
    ['JSON patch', 'PATCH', `${services}/d0`, (n) => `[{"op":"add","path":"/spec/zz","value":${deep(n)}}]`],
    ['namespace create', 'POST', '/api/v1/namespaces', (n) => `{"metadata":{"name":"n1","labels":{"a":${deep(n)}}}}`],
    ['event create', 'POST', '/api/v1/namespaces/default/events', (n) => `{"metadata":{"name":"e1"},"involvedObject":${deep(n)}}`],
  ];
  const contentType = (label: string) =>
    label === 'merge patch'
      ? 'application/merge-patch+json'
      : label === 'strategic merge patch'
        ? 'application/strategic-merge-patch+json'
        : label === 'JSON patch'
          ? 'application/json-patch+json'
          : 'application/json';

  for (const [label, method, path, body] of cases) {
    test(`${label}: 2,000 and 10,001 levels are a 400 Status, as Go's decoder refuses past its depth`, async () => {
      for (const n of [2_000, 10_001]) {
        const answer = await send(t.url, method, path, body(n), { 'content-type': contentType(label) });
        const status = assertStatus(answer, 400, 'BadRequest');
        assert.match(String(status.message), /exceeded max depth/);
      }
    });
  }

  test('a YAML alias that refers to itself is refused as too deep, not followed forever', async () => {
    const status = assertStatus(
      await send(t.url, 'POST', services, 'metadata: {name: y2}\nspec: {ports: [{port: 80}]}\nzz: &a [*a]\n', { 'content-type': 'application/yaml' }),
      400,
      'BadRequest',
    );
    assert.match(String(status.message), /exceeded max depth/);
  });

  test('a YAML map of 100,000 keys with a duplicate decodes in linear time: the last value wins', async () => {
    const labels = Array.from({ length: 100_000 }, (_, i) => `    k${i}: v`).join('\n');
    const started = Date.now();
    const answer = await send(
      t.url,
      'POST',
      `${services}?dryRun=All`,
      `metadata:\n  name: y3\n  labels:\n${labels}\n    k1: w\nspec: {ports: [{port: 80}]}\n`,
      { 'content-type': 'application/yaml' },
    );
    assert.equal(answer.status, 201, answer.body.slice(0, 300));
    assert.equal(JSON.parse(answer.body).metadata.labels.k1, 'w');
    // Not a timing assertion on speed, a bound on a hang: the quadratic check took tens of seconds.
    assert.ok(Date.now() - started < 8_000, `took ${Date.now() - started} ms`);
  });

  test('a YAML body nested past the limit is refused the same way', async () => {
    const yaml = `metadata: {name: y1}\nspec: {ports: [{port: 80}]}\nzz: ${deep(2000)}\n`;
    const status = assertStatus(await send(t.url, 'POST', services, yaml, { 'content-type': 'application/yaml' }), 400, 'BadRequest');
    assert.match(String(status.message), /exceeded max depth/);
  });

  test('nesting within the limit still decodes: an unknown deep field is dropped with a warning', async () => {
    const answer = await send(t.url, 'POST', services, `{"metadata":{"name":"ok"},"spec":{"ports":[{"port":80}]},"zz":${deep(900)}}`);
    assert.equal(answer.status, 201, answer.body);
    assert.equal(answer.rawWarnings[0].toString('utf8'), '299 - "unknown field \\"zz\\""');
  });
});

describe("the HTTP parser's refusals and timeouts are Status objects", () => {
  let t: TestServer;
  let port: number;
  before(async () => {
    t = await startServer({ requestTimeout: 1000 });
    port = Number(new URL(t.url).port);
  });
  after(async () => t.stop());

  test('a URL or headers past the limit: 431', async () => {
    // kube-apiserver's limit is 1 MiB (Go's MaxHeaderBytes); 20 KB of query is fine there and here.
    const fine = await rawExchange(port, `GET /api/v1?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(fine.text, /^HTTP\/1\.1 200 /);
    const long = await rawExchange(port, `GET /api/v1?x=${'a'.repeat(1_100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(long.text, /^HTTP\/1\.1 431 /);
    const json = long.text.slice(long.text.indexOf('\r\n\r\n') + 4);
    assertStatus({ status: 431, body: json }, 431, 'RequestHeaderFieldsTooLarge');
  });

  test('bytes that are not HTTP: 400', async () => {
    const answer = await rawExchange(port, 'GARBAGE\r\n\r\n');
    assert.match(answer.text, /^HTTP\/1\.1 400 /);
    assertStatus({ status: 400, body: answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4) }, 400, 'BadRequest');
  });

  test('a body announced and never finished: 408 and the connection closed within the request timeout', async () => {
    const head = `POST ${services} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{"a":`;
    const answer = await rawExchange(port, head, 10_000);
    assert.match(answer.text, /^HTTP\/1\.1 408 /);
    assertStatus({ status: 408, body: answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4) }, 408, 'Timeout');
    assert.ok(answer.closedAfterMs < 3_500, `closed after ${answer.closedAfterMs} ms with a 1 s timeout`);
  });

  test('headers that never end are cut the same way', async () => {
    const answer = await rawExchange(port, `GET /api/v1 HTTP/1.1\r\nHost: x\r\nX-Slow: a`, 10_000);
    assert.ok(answer.closedAfterMs < 3_500, `closed after ${answer.closedAfterMs} ms`);
    if (answer.text) assert.match(answer.text, /^HTTP\/1\.1 408 /);
  });

  test('a watch outlives the request timeout', async () => {
    const answer = await new Promise<{ status: number; aliveAfterMs: number }>((resolve, reject) => {
      const started = Date.now();
      const req = http.get(`${t.url}${services}?watch=true`, (res) => {
        res.on('data', () => {});
        setTimeout(() => {
          resolve({ status: res.statusCode ?? 0, aliveAfterMs: Date.now() - started });
          req.destroy();
        }, 2_500);
        res.on('end', () => reject(new Error('the watch ended')));
      });
      req.on('error', () => {});
    });
    assert.equal(answer.status, 200);
    assert.ok(answer.aliveAfterMs >= 2_500);
  });
});

describe('paths and DELETE bodies the router and decoders used to answer on their own', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
    await send(t.url, 'POST', services, '{"metadata":{"name":"keep"},"spec":{"ports":[{"port":80}]}}');
  });
  after(async () => t.stop());

  test('a path that is not valid percent-encoding is a 400 Status', async () => {
    for (const path of ['/%', '/api/v1/namespaces/%zz/services']) assertStatus(await send(t.url, 'DELETE', path, undefined), 400, 'BadRequest');
  });

  test('a name longer than the router keeps is looked up like any other: 404 NotFound', async () => {
    const status = assertStatus(await send(t.url, 'GET', `${services}/${'a'.repeat(300)}`, undefined), 404, 'NotFound');
    assert.match(String(status.message), /^services "a{300}" not found$/);
  });

  test('DeleteOptions of the wrong shape is a 400 and deletes nothing', async () => {
    for (const body of ['{"dryRun":"All"}', '{"preconditions":"x"}', '{"preconditions":{"uid":5}}', '{"gracePeriodSeconds":"1"}']) {
      const status = assertStatus(await send(t.url, 'DELETE', `${services}/keep`, body), 400, 'BadRequest');
      assert.match(String(status.message), /^json: cannot unmarshal \w+ into Go struct field DeleteOptions\./);
    }
    assert.equal((await send(t.url, 'GET', `${services}/keep`, undefined)).status, 200);
  });

  test('a DeleteOptions dryRun other than All is refused as the query parameter is, and deletes nothing', async () => {
    const status = assertStatus(await send(t.url, 'DELETE', `${services}/keep`, '{"dryRun":["Some"]}'), 422, 'Invalid');
    assert.match(String(status.message), /dryRun/);
    assert.equal((await send(t.url, 'GET', `${services}/keep`, undefined)).status, 200);
    assert.equal((await send(t.url, 'DELETE', `${services}/keep`, '{"dryRun":["All"]}')).status, 200);
    assert.equal((await send(t.url, 'GET', `${services}/keep`, undefined)).status, 200, 'a dry run deletes nothing');
  });
});

describe('overload', () => {
  let t: TestServer;
  let port: number;
  before(async () => {
    t = await startServer({ maxMutatingRequestsInflight: 1, maxRequestsInflight: 1 });
    port = Number(new URL(t.url).port);
    // 60 Services of ~100 KiB each: a list of them (6 MiB) cannot all sit in socket buffers.
    const big = 'x'.repeat(100_000);
    for (let i = 0; i < 60; i++) {
      const created = await send(
        t.url,
        'POST',
        services,
        JSON.stringify({ metadata: { name: `big${i}`, annotations: { big } }, spec: { ports: [{ port: 80 }] } }),
      );
      assert.equal(created.status, 201, created.body);
    }
  });
  after(async () => t.stop());

  /** Sends a request and never reads the answer: the request holds its slot until the socket goes. */
  function stall(method: string, path: string): Promise<net.Socket> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
        socket.pause();
        setTimeout(() => resolve(socket), 300);
      });
    });
  }

  function assertTooMany(answer: RawAnswer): void {
    assert.equal(answer.headers['retry-after'], '1');
    const status = assertStatus(answer, 429, 'TooManyRequests');
    assert.equal(status.message, 'Too many requests, please try again later.');
    assert.deepEqual(status.details, { retryAfterSeconds: 1 });
  }

  test('a read past --max-requests-inflight gets 429 TooManyRequests with Retry-After; the slot comes back when its request ends', async () => {
    const holder = await stall('GET', services);
    assertTooMany(await send(t.url, 'GET', `${services}/big1`, undefined));
    assert.equal(
      (await send(t.url, 'POST', services, JSON.stringify({ metadata: { name: 'w1' }, spec: { ports: [{ port: 80 }] } }))).status,
      201,
      'writes have slots of their own',
    );
    holder.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await send(t.url, 'GET', `${services}/big1`, undefined)).status, 200);
  });

  test('a write past --max-mutating-requests-inflight gets 429, and nothing of it is stored', async () => {
    const holder = await stall('DELETE', services);
    const refused = await send(t.url, 'POST', services, JSON.stringify({ metadata: { name: 'refused' }, spec: { ports: [{ port: 80 }] } }));
    assertTooMany(refused);
    assert.equal((await send(t.url, 'GET', '/api/v1/namespaces/default', undefined)).status, 200, 'reads have slots of their own');
    holder.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await send(t.url, 'GET', `${services}/refused`, undefined)).status, 404);
    assert.equal((await send(t.url, 'POST', services, JSON.stringify({ metadata: { name: 'after' }, spec: { ports: [{ port: 80 }] } }))).status, 201);
  });

  test('watches take no slot', async () => {
    const watch = await stall('GET', `${services}?watch=true`);
    assert.equal((await send(t.url, 'GET', '/api/v1/namespaces/default', undefined)).status, 200);
    watch.destroy();
  });
});

describe('the last resort', () => {
  test('an exception thrown while sending is answered with a 500 Status and the server keeps serving', async () => {
    const logged: unknown[] = [];
    const log = { error: (obj: unknown) => logged.push(obj) } as never;
    const server = http.createServer((_req, res) => {
      const reply = { raw: res, log } as never;
      continueSend(
        reply,
        () => {
          throw new TypeError('Invalid character in header content ["warning"]');
        },
        null,
        'payload',
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      for (let i = 0; i < 2; i++) {
        const answer = await send(url, 'GET', '/', undefined);
        assertStatus(answer, 500, 'InternalError');
      }
      assert.equal(logged.length, 2);
    } finally {
      server.close();
    }
  });

  test('once headers are out, the connection is cut rather than a second answer written', async () => {
    const log = { error: () => {} } as never;
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('01234');
      answerInternalError(res, log, new Error('boom'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      await assert.rejects(send(url, 'GET', '/', undefined));
    } finally {
      server.close();
    }
  });
});

describe('listening beyond loopback', () => {
  test('the server warns at start that everyone may do everything', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['dist/cli.js', '--host', '0.0.0.0', '--port', '0', '--db', join(dir, 'db.sqlite')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    try {
      // The log line and the URL line travel separately, in either order.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no warning and start line: ${out}`)), 15_000);
        const check = () => {
          if (out.includes('serving') && out.includes('beyond loopback')) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
      });
      assert.match(out, /listens on 0\.0\.0\.0, beyond loopback, with no authentication/);
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('on loopback it does not', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['dist/cli.js', '--port', '0', '--db', join(dir, 'db.sqlite')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    try {
      await new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('serving') && resolve()));
      // Long enough for a log line written before the URL line to have arrived too.
      await new Promise((r) => setTimeout(r, 500));
      assert.doesNotMatch(out, /beyond loopback/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('lone UTF-16 surrogates in JSON strings are U+FFFD, as Go decodes them', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(async () => t.stop());

  test('in values: each lone half becomes U+FFFD, a whole pair stays the character it spells', async () => {
    const answer = await send(
      t.url,
      'POST',
      services,
      '{"metadata":{"name":"ls1","annotations":{"a":"x\\ud83dy","b":"\\ude00z\\ud83d","c":"\\ud83d\\ude00"}},"spec":{"ports":[{"port":80}]}}',
    );
    assert.equal(answer.status, 201, answer.body);
    assert.deepEqual(JSON.parse(answer.body).metadata.annotations, { a: 'x\uFFFDy', b: '\uFFFDz\uFFFD', c: '\u{1F600}' });
    assert.doesNotMatch(answer.body, /\\ud[89a-f]/i, 'nothing that is not Unicode is stored or sent back');
  });

  test('in keys too: a label key with one is refused for the replacement character', async () => {
    const status = assertStatus(
      await send(t.url, 'POST', services, '{"metadata":{"name":"ls2","labels":{"a\\udc00":"x"}},"spec":{"ports":[{"port":80}]}}'),
      422,
      'Invalid',
    );
    assert.match(String(status.message), /metadata\.labels: Invalid value: "a\uFFFD"/);
  });

  test('an Event named with one (core/v1 Events only refuse "/", "%", "." and "..") can be read back by its name', async () => {
    const event = {
      metadata: { name: 'e\\ud83d\\u0000x' },
      involvedObject: { kind: 'Service', apiVersion: 'v1', namespace: 'default', name: 's' },
      reason: 'Fuzz',
      message: 'm',
      type: 'Normal',
      source: { component: 'fuzz' },
      firstTimestamp: '2024-08-13T00:00:09Z',
      lastTimestamp: '2024-08-13T00:00:09Z',
      count: 1,
    };
    const body = JSON.stringify(event).replace(/\\\\/g, '\\');
    const created = await send(t.url, 'POST', '/api/v1/namespaces/default/events', body);
    assert.equal(created.status, 201, created.body);
    const name = JSON.parse(created.body).metadata.name as string;
    assert.equal(name, 'e\uFFFD\u0000x');
    const got = await send(t.url, 'GET', `/api/v1/namespaces/default/events/${encodeURIComponent(name)}`, undefined);
    assert.equal(got.status, 200, got.body);
  });
});

describe('the update that removes the last finalizer deletes the Service and frees what that update allocated', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(async () => t.stop());

  // Found by the fuzz suite (allocation-leak, e.g. NodePort/32540 held by default/s17 at the
  // default seed). kube's Store.Update deletes the object through deleteWithoutFinalizers and
  // its AfterDelete releases what the *final* object holds; removeIn released the stored
  // object's allocations only, so node ports the deleting update allocated stayed held by a
  // Service that no longer existed.
  test('a node port asked for by that update is free again', async () => {
    const created = await send(t.url, 'POST', services, '{"metadata":{"name":"fin1","finalizers":["example.com/hold"]},"spec":{"ports":[{"port":80}]}}');
    assert.equal(created.status, 201, created.body);
    assert.equal((await send(t.url, 'DELETE', `${services}/fin1`, undefined)).status, 200);
    const last = await send(t.url, 'PUT', `${services}/fin1`, '{"metadata":{"name":"fin1"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30555}]}}');
    assert.equal(last.status, 200, last.body);
    assert.equal((await send(t.url, 'GET', `${services}/fin1`, undefined)).status, 404, 'the update deleted it');
    const again = await send(t.url, 'POST', services, '{"metadata":{"name":"fin2"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30555}]}}');
    assert.equal(again.status, 201, `30555 was leaked: ${again.body}`);
  });
});

describe('a JSON patch that moves a location into one of its children', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
    await send(t.url, 'POST', services, '{"metadata":{"name":"mv"},"spec":{"ports":[{"port":80}]}}');
  });
  after(async () => t.stop());

  // Found by the long fuzz run (#33375): moving the whole document ("") into /spec/clusterIP made
  // an object that contains itself, and the walk after the patch overflowed (500). RFC 6902
  // forbids such a move; kube's jsonPatcher answers a patch that cannot apply with a 422.
  test('is a 422, and the Service is unchanged', async () => {
    for (const [from, path] of [
      ['', '/spec/clusterIP'],
      ['/spec', '/spec/ports/0'],
    ]) {
      const answer = await send(t.url, 'PATCH', `${services}/mv`, JSON.stringify([{ op: 'move', from, path }]), {
        'content-type': 'application/json-patch+json',
      });
      const status = assertStatus(answer, 422, 'Invalid');
      assert.equal(status.message, 'the server rejected our request due to an error in our request');
    }
    const got = JSON.parse((await send(t.url, 'GET', `${services}/mv`, undefined)).body);
    assert.deepEqual(
      got.spec.ports.map((p: { port: number }) => p.port),
      [80],
    );
  });
});

describe('shutdown', () => {
  // Found while writing the upgrade test: fetch keeps its socket after aborting a watch, and
  // SIGTERM waited out the 72 s keep-alive timeout for it. Connections still open after the
  // grace period (5 s) are cut.
  test('a client that aborts a watch and never hangs up cannot hold SIGTERM for the keep-alive timeout', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['dist/cli.js', '--port', '0', '--db', join(dir, 'db.sqlite')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const url = await new Promise<string>((resolve) => {
      child.stdout.on('data', () => {
        const m = /at (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
    });
    const abort = new AbortController();
    const res = await fetch(`${url}${services}?watch=true`, { signal: abort.signal });
    await res.body?.getReader().read();
    abort.abort();
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const took = Date.now() - started;
    // Not a speed assertion: the bound is the grace period plus slack, far below 72 s.
    assert.ok(took < 20_000, `shutdown took ${took} ms`);
  });
});
