// The band strategy kube-apiserver uses for both cluster IPs and node ports (KEP-3070): random
// picks fill the upper band first and fall back to the static band only when it is full; the
// band sizes follow calculateRangeOffset; nothing is proportional to the size of the range.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BandedAllocator, staticBandSize } from '../../src/allocators/bandedAllocator.js';
import { IPRange, PortRange } from '../../src/allocators/ipRange.js';
import { NodePortAllocator } from '../../src/allocators/nodePortAllocator.js';
import { ServiceIPAllocator } from '../../src/allocators/serviceIPAllocator.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteObjectStore } from '../../src/storage/sqlite/objectStore.js';

const owner = (i: number) => ({ resource: 'services', namespace: 'default', name: `s${i}`, uid: `u${i}` });

test('static band sizes follow kube-apiserver: min(max(16, size/16), 256) for IPs, min(max(16, size/32), 128) for ports', () => {
  const ipBand = (cidr: string) => new ServiceIPAllocator(cidr).staticBand;
  assert.equal(ipBand('10.96.0.0/12'), 256);
  assert.equal(ipBand('10.96.0.0/24'), 16);
  assert.equal(ipBand('10.96.0.0/20'), 256);
  assert.equal(ipBand('10.96.0.0/21'), 128);
  assert.equal(ipBand('10.96.0.0/28'), 0, 'a range of 16 has no band');
  assert.equal(ipBand('fd00::/64'), 256);
  assert.equal(ipBand('fd00::/120'), 16);
  assert.equal(new NodePortAllocator(PortRange.parse('30000-32767')).staticBand, 86);
  assert.equal(new NodePortAllocator(PortRange.parse('30000-30015')).staticBand, 0);
  assert.equal(staticBandSize(2n ** 64n, 16, 16, 256), 256);
});

test('random picks fill the upper band, then the static band; then the range is full', async () => {
  const store = new SqliteObjectStore(openDatabase(':memory:'));
  const range = new IPRange('10.0.0.0/27'); // 30 addresses, band 16 (cidr size 32 / 16 = 2, at least 16)
  const alloc = new BandedAllocator('service-ip/IPv4', range, staticBandSize(32n, 16, 16, 256));
  const offsets: bigint[] = [];
  await store.transaction(async (tx) => {
    for (let i = 0; i < 30; i++) offsets.push(range.offsetOf(await alloc.allocateNext(tx, owner(i)))!);
  });
  assert.deepEqual(
    offsets.slice(0, 14).map((o) => o >= 16n),
    Array(14).fill(true),
    'the first 14 come from the upper band',
  );
  assert.deepEqual(
    offsets.slice(14).map((o) => o < 16n),
    Array(16).fill(true),
    'then the static band',
  );
  assert.equal(new Set(offsets).size, 30);
  await assert.rejects(() => store.transaction(async (tx) => await alloc.allocateNext(tx, owner(99))), /range is full/);
  assert.equal((await store.allocations('service-ip/IPv4')).length, 30);
});

test('an IPv6 /64 allocates from its upper band with memory proportional to what is held', async () => {
  const store = new SqliteObjectStore(openDatabase(':memory:'));
  const ips = new ServiceIPAllocator('fd00:10:96::/64');
  const before = process.memoryUsage().heapUsed;
  const got = new Set<string>();
  await store.transaction(async (tx) => {
    for (let i = 0; i < 2000; i++) got.add(await ips.allocateNext(tx, owner(i)));
  });
  assert.equal(got.size, 2000);
  for (const ip of got) {
    assert.ok(ips.range.contains(ip), ip);
    assert.ok(ips.range.offsetOf(ip)! >= 256n, `${ip} is above the static band`);
  }
  assert.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024, 'no bitmap of the range');
  assert.equal(ips.stats().size, 2n ** 64n - 1n);
  assert.equal(ips.stats().used, 2000);
  // A requested address in the static band is honoured, and only once.
  await store.transaction(async (tx) => await ips.allocate(tx, 'fd00:10:96::10', owner(5000)));
  await assert.rejects(() => store.transaction(async (tx) => await ips.allocate(tx, 'fd00:10:96:0::10', owner(5001))), /provided IP is already allocated/);
});
