import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childRandom, createRandom, type Random } from '../src/random.js';

const draw = (r: Random, count = 8) => Array.from({ length: count }, () => r.float());

test('a seed gives the same sequence every time; another seed gives another', () => {
  assert.deepEqual(draw(createRandom(42)), draw(createRandom(42)));
  assert.notDeepEqual(draw(createRandom(42)), draw(createRandom(43)));
  assert.equal(createRandom(42).seed, 42);
});

test('seeds beyond 32 bits and negative seeds are distinct and reproducible; fractions are refused', () => {
  assert.deepEqual(draw(createRandom(2 ** 40 + 5)), draw(createRandom(2 ** 40 + 5)));
  assert.notDeepEqual(draw(createRandom(2 ** 40 + 5)), draw(createRandom(5)));
  assert.notDeepEqual(draw(createRandom(-1)), draw(createRandom(1)));
  assert.throws(() => createRandom(1.5), RangeError);
  assert.throws(() => createRandom(Number.NaN), RangeError);
});

test('values stay in range and are spread out', () => {
  const r = createRandom(1);
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 10_000; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    const n = r.int(10);
    assert.ok(Number.isInteger(n) && n >= 0 && n < 10);
    buckets[n]++;
  }
  for (const count of buckets) assert.ok(count > 850 && count < 1150, `bucket count ${count}`);
  assert.equal(r.int(1), 0);
  for (const bad of [0, -1, 1.5, Number.POSITIVE_INFINITY]) assert.throws(() => r.int(bad), RangeError);
});

test('hex and digits have the requested length and alphabet', () => {
  const r = createRandom(9);
  assert.match(r.hex(32), /^[0-9a-f]{32}$/);
  assert.match(r.digits(10), /^[0-9]{10}$/);
  assert.equal(r.hex(0), '');
  assert.throws(() => r.digits(-1), RangeError);
  const seen = new Set(r.hex(2000));
  assert.equal(seen.size, 16);
});

test('child streams are reproducible, independent of each other and leave the parent alone', () => {
  const parent = createRandom(7);
  const a = childRandom(parent, 'service-ip');
  const b = childRandom(parent, 'node-port');
  assert.deepEqual(draw(a), draw(childRandom(createRandom(7), 'service-ip')));
  assert.notDeepEqual(draw(childRandom(createRandom(7), 'service-ip')), draw(childRandom(createRandom(7), 'node-port')));
  assert.notDeepEqual(draw(childRandom(createRandom(7), 'cloud')), draw(childRandom(createRandom(8), 'cloud')));

  // Drawing from one child (or deriving more children) moves neither a sibling nor the parent.
  const untouchedB = draw(childRandom(createRandom(7), 'node-port'));
  const untouchedParent = draw(createRandom(7));
  draw(a, 100);
  childRandom(parent, 'cloud');
  assert.deepEqual(draw(b), untouchedB);
  assert.deepEqual(draw(parent), untouchedParent);
  // Grandchildren are reproducible too.
  assert.deepEqual(
    draw(childRandom(childRandom(createRandom(7), 'cloud'), 'addresses')),
    draw(childRandom(childRandom(createRandom(7), 'cloud'), 'addresses')),
  );
});

test('without a seed the stream is Math.random, and so are its children', () => {
  const r = createRandom();
  assert.equal(r.seed, undefined);
  assert.equal(childRandom(r, 'x').seed, undefined);
  const f = r.float();
  assert.ok(f >= 0 && f < 1);
  assert.match(r.hex(8), /^[0-9a-f]{8}$/);
});
