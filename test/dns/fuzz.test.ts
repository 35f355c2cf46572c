// Issue 18: nothing a client sends can stop the responder or the API. Seeded random packets,
// truncated and mutated queries, hostile names and hostile TCP framing go to a real server; every
// reply must be a well-formed response, and afterwards DNS (UDP and TCP) and the API still answer.
//
//   SVCPLANE_FUZZ_SEED=<n>   the seed (printed by every run)
//   SVCPLANE_FUZZ=long       100,000 packets instead of 3,000
//
// Run: node --import tsx --test test/dns/fuzz.test.ts
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, test } from 'node:test';
import type { Answer } from 'dns-packet';
import dnsPacket from 'dns-packet';
import { createRandom, type Random } from '../../src/random.js';
import { ask } from '../support/dns.js';
import { startServer, type TestServer } from '../support/server.js';

const seed = process.env.SVCPLANE_FUZZ_SEED ? Number(process.env.SVCPLANE_FUZZ_SEED) >>> 0 : 0xd45_18;
const count = process.env.SVCPLANE_FUZZ === 'long' ? 100_000 : 3_000;

const names = [
  'web.default.svc.cluster.local',
  '_http._tcp.web.default.svc.cluster.local',
  'nope.default.svc.cluster.local',
  '10-0-0-1.default.pod.cluster.local',
  '1.0.96.10.in-addr.arpa',
  'dns-version.cluster.local',
  'cluster.local',
  'example.com',
  '',
];
const types = ['A', 'AAAA', 'SRV', 'PTR', 'TXT', 'CNAME', 'SOA', 'NS', 'MX', 'ANY', 'AXFR', 'UNKNOWN_65'];

function validQuery(r: Random): Buffer {
  const additionals: Answer[] = [];
  if (r.int(2)) additionals.push({ name: '.', type: 'OPT', udpPayloadSize: r.int(65536), ednsVersion: r.int(4) === 0 ? 1 : 0 } as Answer);
  return dnsPacket.encode({
    type: 'query',
    id: r.int(65536),
    flags: r.int(65536) & 0x7fff & ~0x7800,
    questions: [{ name: names[r.int(names.length)] || '.', type: types[r.int(types.length)] as 'A' }],
    additionals,
  });
}

const randomBytes = (r: Random, n: number) => Buffer.from(Array.from({ length: n }, () => r.int(256)));

/** One hostile packet: random bytes, a cut query, a mutated query, or a header with a random body. */
function hostilePacket(r: Random): Buffer {
  switch (r.int(5)) {
    case 0:
      return randomBytes(r, r.int(600));
    case 1: {
      const q = validQuery(r);
      return q.subarray(0, r.int(q.length + 1));
    }
    case 2: {
      const q = Buffer.from(validQuery(r));
      for (let i = r.int(8) + 1; i > 0; i--) q[r.int(q.length)] = r.int(256);
      return q;
    }
    case 3: {
      const q = validQuery(r).subarray(0, 12);
      return Buffer.concat([q, randomBytes(r, r.int(300))]);
    }
    default: {
      // Compression pointers anywhere, counts that promise more than is there.
      const q = Buffer.from(validQuery(r));
      q.writeUInt16BE(r.int(4), 4);
      q.writeUInt16BE(r.int(3), 6);
      const at = 12 + r.int(Math.max(1, q.length - 13));
      q[at] = 0xc0 | r.int(64);
      q[at + 1] = r.int(256);
      return q;
    }
  }
}

let t: TestServer;
let port: number;

before(async () => {
  t = await startServer({ dnsPort: 0 });
  port = t.server.dns!.address!.port;
  const res = await fetch(`${t.url}/api/v1/namespaces/default/services`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ metadata: { name: 'web' }, spec: { clusterIP: '10.96.0.10', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } }),
  });
  assert.equal(res.status, 201);
});
after(() => t.stop());

async function stillServing(): Promise<void> {
  for (const tcp of [false, true]) {
    const reply = await ask(port, 'web.default.svc.cluster.local', 'A', { tcp });
    assert.deepEqual(
      reply.answers!.map((a) => ('data' in a ? a.data : '')),
      ['10.96.0.10'],
      tcp ? 'over TCP' : 'over UDP',
    );
  }
  const res = await fetch(`${t.url}/api/v1/namespaces/default/services/web`);
  assert.equal(res.status, 200);
}

test(`${count} hostile UDP packets: every reply is a well-formed response, and DNS and the API still answer`, { timeout: 600_000 }, async () => {
  console.log(`# DNS fuzz seed ${seed} (SVCPLANE_FUZZ_SEED), ${count} packets`);
  const r = createRandom(seed);
  const socket = dgram.createSocket('udp4');
  let replies = 0;
  const bad: string[] = [];
  socket.on('message', (reply) => {
    replies++;
    try {
      assert.ok(reply.length >= 12 && reply.readUInt16BE(2) & 0x8000);
      dnsPacket.decode(reply);
    } catch (err) {
      bad.push(`${reply.toString('hex')}: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  // In batches, so that the kernel's socket buffer is not what drops them.
  for (let sent = 0; sent < count; ) {
    for (let i = 0; i < 50 && sent < count; i++, sent++) socket.send(hostilePacket(r), port, '127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.close();
  console.log(`# ${replies} replies to ${count} packets`);
  assert.deepEqual(bad.slice(0, 5), []);
  assert.ok(replies > count / 10, 'the responder answered what it could read');
  await stillServing();
});

test('hostile TCP: garbage frames, frames cut short, oversized lengths, connections left open or reset', { timeout: 120_000 }, async () => {
  const r = createRandom(seed + 1);
  const clients: net.Socket[] = [];
  for (let i = 0; i < 60; i++) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    clients.push(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const frames: Buffer[] = [];
    for (let j = r.int(20); j > 0; j--) {
      const body = r.int(2) ? hostilePacket(r) : validQuery(r);
      const frame = Buffer.alloc(2 + body.length);
      frame.writeUInt16BE(r.int(8) === 0 ? r.int(65536) : body.length, 0);
      body.copy(frame, 2);
      frames.push(frame);
    }
    const bytes = Buffer.concat(frames);
    socket.write(r.int(3) === 0 ? bytes.subarray(0, r.int(bytes.length + 1)) : bytes);
    if (r.int(3) === 0) socket.resetAndDestroy();
    else if (r.int(2) === 0) socket.end();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  await stillServing();
  for (const socket of clients) socket.destroy();
});
