// Service CIDR arithmetic (src/allocators/ipRange.ts): how many addresses a CIDR lends, as
// kube-apiserver's ipallocator counts them (never the network address; for IPv4 never the
// broadcast address either), the bigint offsets that make an IPv6 /64 as cheap as a /30,
// --service-cidr parsing (one IPv4 and/or one IPv6 CIDR, primary first), and the one spelling
// of an address (Go's net.IP.String(), RFC 5952) that allocation keys use.
//
// Run: node --import tsx --test test/allocators/ipRange.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalIP, CIDRError, familyOfIP, IPRange, parseServiceCIDRs } from '../../src/allocators/ipRange.js';

/** valueAt and offsetOf invert each other at `offset`. */
function roundTrip(range: IPRange, offset: bigint, ip: string): void {
  assert.equal(range.valueAt(offset), ip, `valueAt(${offset})`);
  assert.equal(range.offsetOf(ip), offset, `offsetOf(${ip})`);
  assert.ok(range.contains(ip), `${range} contains ${ip}`);
}

describe('IPv4 ranges', () => {
  test('sizes exclude the network and the broadcast address', () => {
    assert.equal(new IPRange('10.0.0.0/30').size, 2n);
    assert.equal(new IPRange('10.0.0.0/29').size, 6n);
    assert.equal(new IPRange('192.168.1.0/24').size, 254n);
    assert.equal(new IPRange('10.96.0.0/12').size, 2n ** 20n - 2n);
    assert.equal(new IPRange('10.0.0.0/8').size, 2n ** 24n - 2n);
  });

  test('the first usable address is network+1, the last is broadcast-1', () => {
    const r = new IPRange('192.168.1.0/24');
    assert.equal(r.family, 'IPv4');
    roundTrip(r, 0n, '192.168.1.1');
    roundTrip(r, 253n, '192.168.1.254');
    assert.equal(r.offsetOf('192.168.1.0'), undefined, 'network address');
    assert.equal(r.offsetOf('192.168.1.255'), undefined, 'broadcast address');
    assert.equal(r.offsetOf('192.168.2.1'), undefined, 'next network');
    assert.equal(r.offsetOf('192.168.0.254'), undefined, 'previous network');
    assert.equal(r.contains('192.168.1.255'), false);
  });

  test('a /12 round-trips at both ends and in the middle', () => {
    const r = new IPRange('10.96.0.0/12');
    roundTrip(r, 0n, '10.96.0.1');
    roundTrip(r, 255n, '10.96.1.0');
    roundTrip(r, r.size - 1n, '10.111.255.254');
    assert.equal(r.offsetOf('10.111.255.255'), undefined);
    assert.equal(r.offsetOf('10.112.0.0'), undefined);
    assert.equal(r.offsetOf('10.96.0.0'), undefined);
  });

  test('host bits in the CIDR are masked off', () => {
    assert.equal(new IPRange('10.96.3.4/12').cidr, '10.96.0.0/12');
    assert.equal(new IPRange('10.96.3.4/12').toString(), '10.96.0.0/12');
  });

  test('a /31 and a /32 have no usable address and are refused', () => {
    assert.throws(() => new IPRange('10.0.0.0/31'), CIDRError);
    assert.throws(() => new IPRange('10.0.0.0/32'), CIDRError);
  });

  test('an address of the other family is not in the range', () => {
    const r = new IPRange('10.96.0.0/12');
    assert.equal(r.offsetOf('fd00:10:96::5'), undefined);
    assert.equal(r.contains('fd00:10:96::5'), false);
    assert.equal(r.offsetOf('not-an-ip'), undefined);
    assert.equal(r.offsetOf(''), undefined);
  });
});

describe('IPv6 ranges', () => {
  test('sizes exclude the network address but include the last address', () => {
    assert.equal(new IPRange('fd00::/120').size, 255n);
    assert.equal(new IPRange('fd00::/127').size, 1n);
    assert.equal(new IPRange('fd00:10:96::/108').size, 2n ** 20n - 1n);
    assert.equal(new IPRange('fd00::/96').size, 2n ** 32n - 1n);
  });

  test('a /120 lends ::1 to ::ff, and not the network address', () => {
    const r = new IPRange('fd00::/120');
    assert.equal(r.family, 'IPv6');
    roundTrip(r, 0n, 'fd00::1');
    roundTrip(r, 254n, 'fd00::ff');
    assert.equal(r.offsetOf('fd00::'), undefined, 'network address');
    assert.equal(r.offsetOf('fd00::100'), undefined, 'next network');
  });

  test('a /127 lends exactly its second address', () => {
    const r = new IPRange('fd00::/127');
    roundTrip(r, 0n, 'fd00::1');
    assert.equal(r.offsetOf('fd00::'), undefined);
    assert.equal(r.offsetOf('fd00::2'), undefined);
  });

  test('a /128 is refused', () => {
    assert.throws(() => new IPRange('fd00::1/128'), CIDRError);
  });

  test('a /64 works: 2^64-1 addresses, round trips near both ends', () => {
    const r = new IPRange('fd00:10:96::/64');
    assert.equal(r.size, 2n ** 64n - 1n);
    assert.equal(r.cidr, 'fd00:10:96::/64');
    roundTrip(r, 0n, 'fd00:10:96::1');
    roundTrip(r, 1n, 'fd00:10:96::2');
    roundTrip(r, 0xfffen, 'fd00:10:96::ffff');
    roundTrip(r, 0xffffn, 'fd00:10:96::1:0');
    roundTrip(r, r.size - 1n, 'fd00:10:96:0:ffff:ffff:ffff:ffff');
    roundTrip(r, r.size - 2n, 'fd00:10:96:0:ffff:ffff:ffff:fffe');
    roundTrip(r, 2n ** 63n, 'fd00:10:96:0:8000::1');
    assert.equal(r.offsetOf('fd00:10:96::'), undefined, 'network address');
    assert.equal(r.offsetOf('fd00:10:96:1::'), undefined, 'next /64');
    assert.equal(r.offsetOf('fd00:10:95:ffff:ffff:ffff:ffff:ffff'), undefined, 'previous /64');
  });

  test('offsets above Number.MAX_SAFE_INTEGER stay exact', () => {
    const r = new IPRange('fd00::/64');
    const offset = BigInt(Number.MAX_SAFE_INTEGER) + 2n;
    const ip = r.valueAt(offset);
    assert.equal(r.offsetOf(ip), offset);
    assert.notEqual(r.valueAt(offset + 1n), ip);
    assert.equal(r.offsetOf(r.valueAt(offset + 1n)), offset + 1n);
  });

  test('a prefix shorter than /64 is refused', () => {
    assert.throws(() => new IPRange('fd00::/63'), CIDRError);
    assert.throws(() => new IPRange('fd00::/48'), CIDRError);
    assert.throws(() => new IPRange('fd00::/8'), CIDRError);
    assert.throws(() => parseServiceCIDRs('10.96.0.0/12,fd00::/56'), CIDRError);
  });

  test('the CIDR is printed in its canonical spelling with host bits masked', () => {
    assert.equal(new IPRange('FD00:0010:0096:0000::/108').cidr, 'fd00:10:96::/108');
    assert.equal(new IPRange('fd00:10:96::1234:5678/108').cidr, 'fd00:10:96::1230:0/108');
  });

  test('addresses are accepted in any spelling and given back canonical', () => {
    const r = new IPRange('fd00:10:96::/108');
    assert.equal(r.offsetOf('fd00:10:96::0:5'), 4n);
    assert.equal(r.offsetOf('FD00:0010:0096:0000:0000:0000:0000:0005'), 4n);
    assert.equal(r.valueAt(4n), 'fd00:10:96::5');
    assert.equal(r.canonical('fd00:10:96:0:0:0:0:5'), 'fd00:10:96::5');
    assert.equal(r.offsetOf('10.96.0.5'), undefined);
  });
});

describe('parseServiceCIDRs', () => {
  test('one CIDR of either family', () => {
    const [v4, ...rest] = parseServiceCIDRs('10.96.0.0/12');
    assert.equal(rest.length, 0);
    assert.equal(v4.family, 'IPv4');
    const [v6] = parseServiceCIDRs('fd00:10:96::/108');
    assert.equal(v6.family, 'IPv6');
  });

  test('one of each family, the first being primary, in either order', () => {
    const ranges = parseServiceCIDRs('10.96.0.0/12,fd00:10:96::/108');
    assert.deepEqual(
      ranges.map((r) => [r.family, r.cidr]),
      [
        ['IPv4', '10.96.0.0/12'],
        ['IPv6', 'fd00:10:96::/108'],
      ],
    );
    const v6First = parseServiceCIDRs('fd00:10:96::/108, 10.96.0.0/12');
    assert.deepEqual(
      v6First.map((r) => r.family),
      ['IPv6', 'IPv4'],
    );
  });

  test('two CIDRs of the same family are refused', () => {
    assert.throws(() => parseServiceCIDRs('10.96.0.0/12,10.112.0.0/12'), CIDRError);
    assert.throws(() => parseServiceCIDRs('fd00:10:96::/108,fd00:20:96::/108'), CIDRError);
  });

  test('three CIDRs are refused', () => {
    assert.throws(() => parseServiceCIDRs('10.96.0.0/12,fd00:10:96::/108,fd00:20:96::/108'), CIDRError);
    assert.throws(() => parseServiceCIDRs('10.96.0.0/12,fd00:10:96::/108,10.112.0.0/12'), CIDRError);
  });

  test('garbage, empty parts and bare addresses are refused', () => {
    for (const bad of ['', 'x', '10.96.0.0', '10.96.0.0/33', 'fd00::/129', '10.96.0.0/12,', ',10.96.0.0/12', '300.0.0.0/8', '10.96.0.0/12,,fd00::/108']) {
      assert.throws(() => parseServiceCIDRs(bad), CIDRError, JSON.stringify(bad));
    }
  });

  test('an IPv4 CIDR with leading zeros is refused (not read as octal, not read as decimal)', () => {
    assert.throws(() => new IPRange('010.96.0.0/12'), CIDRError);
    assert.throws(() => parseServiceCIDRs('010.096.000.000/12'), CIDRError);
  });
});

describe('canonicalIP', () => {
  test('IPv6 comes out in RFC 5952 spelling', () => {
    assert.equal(canonicalIP('fd00:10:96::0:5'), 'fd00:10:96::5');
    assert.equal(canonicalIP('fd00:10:96:0:0:0:0:5'), 'fd00:10:96::5');
    assert.equal(canonicalIP('FD00:0010:0096::0005'), 'fd00:10:96::5');
    assert.equal(canonicalIP('fd00:0:0:0:0:0:0:0'), 'fd00::');
    assert.equal(canonicalIP('0:0:0:0:0:0:0:1'), '::1');
    // The longest run of zeros is the one compressed; on a tie, the first.
    assert.equal(canonicalIP('2001:db8:0:0:1:0:0:0'), '2001:db8:0:0:1::');
    assert.equal(canonicalIP('2001:0:0:1:0:0:1:1'), '2001::1:0:0:1:1');
    // A single zero group is not compressed.
    assert.equal(canonicalIP('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(canonicalIP('2001:db8::1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  });

  test('canonical IPv6 is a fixed point', () => {
    for (const ip of ['fd00:10:96::5', '::1', 'fd00::', '2001:db8:0:1:1:1:1:1', 'fd00:10:96:0:ffff:ffff:ffff:ffff']) {
      assert.equal(canonicalIP(ip), ip);
    }
  });

  test('IPv4 is dotted-quad decimal', () => {
    assert.equal(canonicalIP('10.96.0.5'), '10.96.0.5');
    assert.equal(familyOfIP('10.96.0.5'), 'IPv4');
    assert.equal(familyOfIP('fd00::5'), 'IPv6');
  });

  test('IPv4 with leading zeros is read as decimal, as ParseIPSloppy reads it (never as octal)', () => {
    assert.equal(familyOfIP('010.96.0.5'), 'IPv4');
    assert.equal(canonicalIP('010.96.0.5'), '10.96.0.5');
    assert.equal(canonicalIP('10.096.000.05'), '10.96.0.5');
    const r = new IPRange('10.96.0.0/12');
    assert.equal(r.offsetOf('010.96.0.5'), r.offsetOf('10.96.0.5'));
    assert.equal(r.contains('10.096.0.5'), true);
    // The fork of Go's parser Kubernetes keeps reads any number of digits per octet.
    assert.equal(canonicalIP('10.96.0.0005'), '10.96.0.5');
    for (const bad of ['256.0.0.1', '10.96.0', 'fe80::1%eth0']) assert.equal(familyOfIP(bad), undefined, bad);
    assert.equal(familyOfIP('00001::1'), 'IPv6');
    assert.equal(familyOfIP('::1.2.3.4'), 'IPv6', 'only the ::ffff: form is IPv4');
  });

  test('an IPv4-mapped IPv6 address counts as IPv4', () => {
    assert.equal(familyOfIP('::ffff:10.96.0.5'), 'IPv4');
    assert.equal(familyOfIP('::ffff:a60:5'), 'IPv4');
    assert.equal(canonicalIP('::ffff:10.96.0.5'), '10.96.0.5');
    assert.equal(canonicalIP('::FFFF:0a60:0005'), '10.96.0.5');
    const v4 = new IPRange('10.96.0.0/12');
    assert.equal(v4.offsetOf('::ffff:10.96.0.5'), v4.offsetOf('10.96.0.5'));
    assert.equal(v4.offsetOf('::ffff:10.96.0.5'), 4n);
    assert.equal(new IPRange('::/96').contains('::ffff:10.96.0.5'), false);
  });

  test('non-IPs are handed back as they are', () => {
    for (const s of ['', 'None', 'fd00::5::1', '10.96.0', '10.96.0.256', 'fd00:10:96::g', ' 10.96.0.5']) {
      assert.equal(canonicalIP(s), s, JSON.stringify(s));
      assert.equal(familyOfIP(s), undefined, JSON.stringify(s));
    }
  });
});
