// The watch stream writes pre-framed HTTP chunks straight to the socket and coalesces what
// arrives in one turn; these tests read it back with Node's own HTTP client, whose chunked
// decoder rejects a malformed frame, and check the connection stays usable afterwards.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { chunkFrame, WatchStream } from '../../src/api/watchStream.js';

function withServer(handler: (res: http.ServerResponse, path: string) => void, run: (port: number) => Promise<void>): Promise<void> {
  const server = http.createServer((req, res) => handler(res, req.url ?? '/'));
  return new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    .then(() => run((server.address() as AddressInfo).port))
    .finally(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
}

function get(agent: http.Agent, port: number, path: string): Promise<{ body: string; socket: unknown }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ body, socket: res.socket }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const line = (i: number) => `{"type":"ADDED","object":{"n":${i},"text":"é ${'x'.repeat(i * 37)}"}}\n`;

test('events written in one turn are coalesced into valid chunks, in order, and the connection is reused', async () => {
  await withServer(
    (res, path) => {
      if (path !== '/watch') return res.end('next');
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      const stream = new WatchStream(res);
      // Shared frames, as fan-out hands every watcher the same Buffer.
      const frames = Array.from({ length: 20 }, (_, i) => chunkFrame(line(i)));
      for (let i = 0; i < 10; i++) stream.write(line(i), () => frames[i]);
      setTimeout(() => {
        for (let i = 10; i < 20; i++) stream.write(line(i), () => frames[i]);
        stream.end(`{"type":"ERROR","object":{}}\n`);
      }, 5);
    },
    async (port) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const first = await get(agent, port, '/watch');
      const lines = first.body.split('\n').filter(Boolean);
      assert.deepEqual(lines, [...Array.from({ length: 20 }, (_, i) => line(i).trim()), '{"type":"ERROR","object":{}}']);
      const second = await get(agent, port, '/other');
      assert.equal(second.body, 'next');
      assert.equal(second.socket, first.socket, 'the watch ended cleanly, so keep-alive reuses its connection');
      agent.destroy();
    },
  );
});

test('streams holding the same or overlapping events each receive exactly their own', async () => {
  // Fan-out hands every watcher the same Buffer per event, and a filtered watcher a subset of them.
  const frames = Array.from({ length: 6 }, (_, i) => chunkFrame(line(i)));
  const wants = [
    [0, 1, 2, 3, 4],
    [0, 1, 2, 3, 4],
    [0, 1, 2, 3, 4, 5],
    [0, 1, 4],
    [0, 2, 4],
  ];
  const streams: WatchStream[] = [];
  await withServer(
    (res) => {
      res.writeHead(200, { 'Transfer-Encoding': 'chunked' });
      streams.push(new WatchStream(res));
      if (streams.length < wants.length) return;
      wants.forEach((events, s) => events.forEach((i) => streams[s].write(line(i), () => frames[i])));
      setTimeout(() => streams.forEach((s) => s.end()), 5);
    },
    async (port) => {
      const bodies = await Promise.all(wants.map((_, s) => get(new http.Agent(), port, `/${s}`)));
      const got = bodies.map((b) => b.body).sort();
      const expected = wants.map((events) => events.map(line).join('')).sort();
      assert.deepEqual(got, expected);
    },
  );
});

test('a flush of more streams than one turn writes (250) gives each every event once, in order, with events arriving between its slices', async () => {
  // The flush writes 100 streams a turn; events that arrive between its slices land on streams
  // already written (queued again) and on streams still waiting (written with the slice).
  const count = 250;
  const events = 3;
  const frames = Array.from({ length: events }, (_, i) => chunkFrame(line(i)));
  const streams: WatchStream[] = [];
  const agent = new http.Agent({ maxSockets: count });
  let unflushed = -1;
  await withServer(
    (res) => {
      res.writeHead(200, { 'Transfer-Encoding': 'chunked' });
      streams.push(new WatchStream(res));
      if (streams.length < count) return;
      let i = 0;
      const next = () => {
        for (const s of streams) s.write(line(i), () => frames[i]);
        if (++i < events) setImmediate(next);
        else
          setTimeout(() => {
            // Written by the flushes themselves, not by end()'s final flush.
            unflushed = streams.filter((s) => s.backlog > 0).length;
            for (const s of streams) s.end();
          }, 200);
      };
      next();
    },
    async (port) => {
      const bodies = await Promise.all(Array.from({ length: count }, (_, s) => get(agent, port, `/${s}`)));
      const expected = Array.from({ length: events }, (_, i) => line(i)).join('');
      for (const b of bodies) assert.equal(b.body, expected);
    },
  );
  assert.equal(unflushed, 0);
  agent.destroy();
});
