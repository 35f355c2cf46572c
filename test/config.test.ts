// Flags that decide the allocators: each bad value is refused before anything starts, with one
// line naming the flag.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, resolveOptions } from '../src/config.js';

test('--service-cidr takes one or two CIDRs of different families, IPv6 no wider than /64', () => {
  assert.equal(resolveOptions({ serviceCidr: '10.96.0.0/12,fd00:10:96::/108' }).serviceCidr, '10.96.0.0/12,fd00:10:96::/108');
  assert.equal(resolveOptions({ serviceCidr: 'fd00::/64' }).serviceCidr, 'fd00::/64');
  const refused = (cidr: string, message: RegExp) =>
    assert.throws(
      () => resolveOptions({ serviceCidr: cidr }),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
    );
  refused('10.0.0.0/8,10.1.0.0/16', /^invalid --service-cidr: .* must be of different IP families/);
  refused('fd00::/48', /^invalid --service-cidr: fd00::\/48 is too large: the shortest allowed prefix length for an IPv6 service CIDR is 64, got 48$/);
  refused('10.0.0.0/8,fd00::/64,fd01::/64', /at most two CIDRs/);
  refused('10.0.0.0/31', /too small/);
});

test('--repair-interval is a duration of at least a second, or 0 for none', () => {
  assert.equal(resolveOptions({}).repairInterval, 180_000);
  assert.equal(resolveOptions({ repairInterval: '0' } as never).repairInterval, 0);
  assert.equal(resolveOptions({ repairInterval: '90s' } as never).repairInterval, 90_000);
  assert.throws(
    () => resolveOptions({ repairInterval: '5ms' } as never),
    /invalid --repair-interval "5ms": must be a duration from 1000ms to 1440m, e\.g\. 30s, 3m, 1h, or 0 for none$/,
  );
});

test('--dns-port is off by default; --cluster-domain is a DNS subdomain; --dns-ttl is 0 to 3600 seconds', () => {
  const o = resolveOptions({});
  assert.equal(o.dnsPort, undefined);
  assert.equal(o.clusterDomain, 'cluster.local');
  assert.equal(o.dnsTtl, 30);
  assert.equal(resolveOptions({ dnsPort: '10053' } as never).dnsPort, 10053);
  assert.equal(resolveOptions({ dnsPort: 0 }).dnsPort, 0);
  assert.equal(resolveOptions({ clusterDomain: 'Example.Internal.' }).clusterDomain, 'example.internal');
  assert.equal(resolveOptions({ dnsTtl: '5s' } as never).dnsTtl, 5);
  assert.equal(resolveOptions({ dnsTtl: '0' } as never).dnsTtl, 0);
  assert.throws(
    () => resolveOptions({ dnsPort: '70000' } as never),
    /^Error: invalid --dns-port "70000": must be a whole number from 0 to 65535$|invalid --dns-port "70000"/,
  );
  assert.throws(() => resolveOptions({ clusterDomain: 'cluster_local' }), /invalid --cluster-domain "cluster_local": must be a DNS subdomain/);
  assert.throws(() => resolveOptions({ dnsTtl: '3601' } as never), /invalid --dns-ttl "3601": must be a whole number of seconds from 0 to 3600/);
  assert.throws(() => resolveOptions({ dnsTtl: '1.5s' } as never), /invalid --dns-ttl/);
});
