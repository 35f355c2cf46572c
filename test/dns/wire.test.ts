// The responder on the wire: EDNS0 and the client's UDP size, truncation and the retry over TCP,
// and what it does with requests it cannot or will not answer (miekg/dns's rules, as CoreDNS).
//
// Run: node --import tsx --test test/dns/wire.test.ts
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, describe, test } from 'node:test';
import type { Answer, OptAnswer } from 'dns-packet';
import dnsPacket from 'dns-packet';
import { ask, dig, digSkip, exchange } from '../support/dns.js';
import { startServer, type TestServer } from '../support/server.js';

if (digSkip) console.log(`# skipping the dig tests: ${digSkip}`);

/** A query as bytes; `name` may hold raw labels (an array) that dns-packet could not write. */
function queryBytes(options: { id?: number; flags?: number; labels?: Buffer[]; name?: string; type?: number; qclass?: number; opts?: Answer[] }): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(options.id ?? 0x1234, 0);
  header.writeUInt16BE(options.flags ?? 0x0100, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(options.opts?.length ?? 0, 10);
  const labels = options.labels ?? (options.name ?? '').split('.').map((l) => Buffer.from(l));
  const name = Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(options.type ?? 1, 0);
  tail.writeUInt16BE(options.qclass ?? 1, 2);
  const opts = (options.opts ?? []).map((opt) => dnsPacket.encode({ additionals: [opt] }).subarray(12));
  return Buffer.concat([header, name, tail, ...opts]);
}

const opt = (fields: Partial<OptAnswer> = {}): Answer => ({ name: '.', type: 'OPT', udpPayloadSize: 1232, ...fields }) as Answer;

describe('the responder on the wire', () => {
  let t: TestServer;
  let port: number;
  const ports = Array.from({ length: 40 }, (_, i) => ({ name: `port-${i}`, port: 1000 + i }));

  before(async () => {
    t = await startServer({ dnsPort: 0 });
    port = t.server.dns!.address!.port;
    const res = await fetch(`${t.url}/api/v1/namespaces/default/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'wide' }, spec: { selector: { app: 'wide' }, ports } }),
    });
    assert.equal(res.status, 201);
  });
  after(() => t.stop());

  test("a UDP answer fits the client's EDNS0 size, or 512 bytes without EDNS, and says TC when records were left out", async () => {
    const name = 'wide.default.svc.cluster.local';
    const plain = await ask(port, name, 'SRV');
    assert.ok(plain.raw.length <= 512, `${plain.raw.length} bytes`);
    assert.equal(plain.flag_tc, true);
    assert.ok(plain.answers!.length > 0 && plain.answers!.length < 40);
    const small = await ask(port, name, 'SRV', { udpSize: 1232 });
    assert.ok(small.raw.length <= 1232 && small.raw.length > 512, `${small.raw.length} bytes`);
    assert.equal(small.flag_tc, true);
    const big = await ask(port, name, 'SRV', { udpSize: 4096 });
    assert.equal(big.flag_tc, false);
    assert.equal(big.answers!.length, 40);
    const opts = (big.additionals ?? []).filter((rr): rr is OptAnswer => rr.type === 'OPT');
    assert.deepEqual(
      opts.map((o) => [o.udpPayloadSize, o.ednsVersion]),
      [[4096, 0]],
    );
    // Records are kept in order: a truncated answer is a prefix of the whole one.
    assert.deepEqual(plain.answers, big.answers!.slice(0, plain.answers!.length));
    const tcp = await ask(port, name, 'SRV', { tcp: true });
    assert.equal(tcp.flag_tc, false);
    assert.deepEqual(tcp.answers, big.answers);
  });

  test('dig retries a truncated answer over TCP and gets all of it; with +ignore it shows the TC flag', { skip: digSkip }, async () => {
    const retried = await dig(port, '+bufsize=512', 'SRV', 'wide.default.svc.cluster.local');
    assert.equal(retried.transport, 'TCP');
    assert.equal(retried.answer.length, 40);
    const truncated = await dig(port, '+bufsize=512', '+ignore', 'SRV', 'wide.default.svc.cluster.local');
    assert.equal(truncated.transport, 'UDP');
    assert.ok(truncated.flags.includes('tc'), truncated.output);
  });

  test("Node's resolver (c-ares) retries over TCP too", async () => {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    const records = await resolver.resolveSrv('wide.default.svc.cluster.local');
    assert.deepEqual(records.map((r) => r.port).sort(), ports.map((p) => p.port).sort());
  });

  test('the question comes back byte for byte, the owner names in the case asked, RD copied, RA never set', async () => {
    const query = queryBytes({ name: 'WIDE.Default.SVC.cluster.LOCAL', flags: 0x0100 });
    const raw = (await exchange(port, query))!;
    assert.deepEqual(raw.subarray(12, query.length), query.subarray(12));
    const reply = dnsPacket.decode(raw);
    assert.equal(reply.flag_rd, true);
    assert.equal(reply.flag_ra, false);
    assert.equal(reply.flag_aa, true);
    assert.equal(reply.answers![0].name, 'WIDE.Default.SVC.cluster.LOCAL');
  });

  test('an EDNS version other than 0 gets BADVERS (extended rcode 1) with an OPT of version 0', async () => {
    const raw = (await exchange(port, queryBytes({ name: 'wide.default.svc.cluster.local', opts: [opt({ ednsVersion: 1 })] })))!;
    const reply = dnsPacket.decode(raw);
    assert.equal(raw.readUInt16BE(2) & 0xf, 0);
    const o = reply.additionals!.find((rr): rr is OptAnswer => rr.type === 'OPT')!;
    assert.deepEqual([o.extendedRcode, o.ednsVersion], [1, 0]);
    assert.deepEqual(reply.answers, []);
  });

  test('FORMERR for what cannot be read as one question, NOTIMP for other opcodes; the id and opcode come back', async () => {
    const rcodeOf = async (message: Buffer) => {
      const raw = await exchange(port, message);
      assert.ok(raw, 'a reply');
      assert.equal(raw.readUInt16BE(0), message.readUInt16BE(0), 'the id');
      assert.ok(raw.readUInt16BE(2) & 0x8000, 'QR');
      return { rcode: raw.readUInt16BE(2) & 0xf, opcode: (raw.readUInt16BE(2) >> 11) & 0xf, questions: raw.readUInt16BE(4) };
    };
    const good = queryBytes({ name: 'wide.default.svc.cluster.local' });
    const noQuestion = Buffer.from(good.subarray(0, 12));
    noQuestion.writeUInt16BE(0, 4);
    const twoQuestions = Buffer.concat([good, good.subarray(12)]);
    twoQuestions.writeUInt16BE(2, 4);
    const pointerLoop = Buffer.concat([good.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
    const twoOpts = queryBytes({ name: 'wide.default.svc.cluster.local', opts: [opt(), opt()] });
    for (const [what, message] of [
      ['no question', noQuestion],
      ['two questions', twoQuestions],
      ['a question cut short', good.subarray(0, 20)],
      ['a name pointing at itself', pointerLoop],
      ['two OPT records', twoOpts],
    ] as const) {
      assert.deepEqual(await rcodeOf(message), { rcode: 1, opcode: 0, questions: 0 }, what);
    }
    const update = Buffer.from(good);
    update.writeUInt16BE(5 << 11, 2);
    assert.deepEqual(await rcodeOf(update), { rcode: 4, opcode: 5, questions: 0 });
  });

  test('nothing comes back to a packet shorter than a header, or to a response', async () => {
    assert.equal(await exchange(port, Buffer.from([1, 2, 3]), 'udp', 200), undefined);
    const response = queryBytes({ name: 'wide.default.svc.cluster.local', flags: 0x8100 });
    assert.equal(await exchange(port, response, 'udp', 200), undefined);
  });

  test('REFUSED for a class other than IN, and for a name whose label holds a dot (it can be no Service)', async () => {
    const chaos = (await exchange(port, queryBytes({ name: 'version.bind', type: 16, qclass: 3 })))!;
    assert.equal(chaos.readUInt16BE(2) & 0xf, 5);
    const dotted = queryBytes({ labels: ['wide.default', 'svc', 'cluster', 'local'].map((l) => Buffer.from(l)) });
    const raw = (await exchange(port, dotted))!;
    assert.equal(raw.readUInt16BE(2) & 0xf, 5);
    assert.deepEqual(raw.subarray(12, dotted.length), dotted.subarray(12));
  });
});
