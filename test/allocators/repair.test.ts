// The repair controller and configuration changes across restarts: a database edited behind the
// server's back is put right, values outside a changed range stay with their Services (with a
// warning) and are never handed out, and `svcplane repair` does the same to a stopped server's
// database. Edits go through a second SQLite connection, as an operator's would.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { createServer, type Svcplane } from '../../src/index.js';
import type { Service } from '../../src/model/service.js';
import type { SvcplaneOptions } from '../../src/config.js';
import { tempDir } from '../support/server.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function freshDb(): string {
  const dir = tempDir();
  dirs.push(dir);
  return join(dir, 'svcplane.db');
}

async function open(db: string, options: Partial<SvcplaneOptions> = {}): Promise<Svcplane & { base: string }> {
  const server = await createServer({ port: 0, db, logLevel: 'silent', repairInterval: 0, ...options });
  const url = await server.start();
  return Object.assign(server, { base: url });
}

async function post(base: string, body: unknown): Promise<{ status: number; body: Service & { details?: { causes?: { field: string; message: string }[] } } }> {
  const res = await fetch(`${base}/api/v1/namespaces/default/services`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function allocation(base: string, name: string) {
  const res = await fetch(`${base}/apis/svcplane.dev/v1alpha1/allocations/${name}`);
  assert.equal(res.status, 200);
  return (await res.json()) as {
    spec: { range: string };
    status: { size: string; used: number; free: string; outOfRange: number; holders: { value: string; name: string; inRange: boolean }[] };
  };
}

async function metric(base: string, name: string, type: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{type="${type}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const nodePortService = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: { type: 'NodePort', ports: [{ port: 80 }], ...extra },
});

/** What each Service holds, against what the allocations table says, for every pool. */
async function assertConsistent(server: Svcplane): Promise<void> {
  const held = new Set<string>();
  for (const svc of (await server.services.list(undefined)).items) {
    for (const ip of svc.spec?.clusterIPs ?? []) if (ip !== 'None') held.add(`${ip.includes(':') ? 'service-ip/IPv6' : 'service-ip/IPv4'} ${ip}`);
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) held.add(`node-port ${p.nodePort}`);
    if (svc.spec?.healthCheckNodePort) held.add(`node-port ${svc.spec.healthCheckNodePort}`);
  }
  const rows = (await Promise.all((await server.store.allocationPools()).map((pool) => server.store.allocations(pool))))
    .flat()
    .map((r) => `${r.pool} ${r.value}`);
  assert.deepEqual(new Set(rows), held);
}

test('repair frees a leak, records a missing value, corrects a wrong owner, and the allocators follow', async () => {
  const db = freshDb();
  let server = await open(db);
  const a = (await post(server.base, nodePortService('a'))).body;
  const b = (await post(server.base, nodePortService('b'))).body;
  await server.close();

  const edit = new Database(db);
  const aPort = a.spec!.ports![0].nodePort!;
  const bPort = b.spec!.ports![0].nodePort!;
  edit.prepare("DELETE FROM allocations WHERE pool = 'node-port' AND value = ?").run(String(aPort));
  edit.prepare("INSERT INTO allocations VALUES ('service-ip/IPv4', '10.96.0.99', 'services', 'default', 'ghost', 'ghost-uid')").run();
  edit.prepare("UPDATE allocations SET uid = 'someone-else', name = 'zzz' WHERE pool = 'node-port' AND value = ?").run(String(bPort));
  edit.close();

  server = await open(db);
  try {
    const findings = (await server.allocators.repair.lastRun())!;
    assert.deepEqual(findings.map((f) => `${f.type} ${f.value}`).sort(), [`leak 10.96.0.99`, `repair ${aPort}`, `repair ${bPort}`].sort());
    await assertConsistent(server);
    assert.equal((await server.store.allocation('node-port', String(bPort)))?.uid, b.metadata!.uid);
    // The repaired port is held again: asking for it is refused with the field named.
    const clash = await post(server.base, nodePortService('c', { ports: [{ port: 80, nodePort: aPort }] }));
    assert.equal(clash.status, 422);
    assert.equal(clash.body.details?.causes?.[0].field, 'spec.ports[0].nodePort');
    assert.match(clash.body.details!.causes![0].message, /provided port is already allocated/);
    // The leaked address is free again.
    assert.equal((await post(server.base, { metadata: { name: 'd' }, spec: { clusterIP: '10.96.0.99', ports: [{ port: 80 }] } })).status, 201);
    assert.equal(await metric(server.base, 'apiserver_clusterip_repair_ip_errors_total', 'leak'), 1);
    assert.equal(await metric(server.base, 'apiserver_nodeport_repair_port_errors_total', 'repair'), 2);
    const text = await (await fetch(`${server.base}/metrics`)).text();
    assert.match(text, /^apiserver_clusterip_repair_reconcile_errors_total 0$/m, 'a pass that ran to the end is no reconcile error');
    assert.match(text, /^apiserver_nodeport_repair_reconcile_errors_total 0$/m);
    // A second run finds nothing left to do.
    assert.deepEqual(await server.allocators.repair.run(), []);
  } finally {
    await server.close();
  }
});

test('two Services holding one value are reported as duplicates, not silently reassigned', async () => {
  const db = freshDb();
  let server = await open(db);
  const a = (await post(server.base, { metadata: { name: 'a' }, spec: { ports: [{ port: 80 }] } })).body;
  await post(server.base, { metadata: { name: 'b' }, spec: { ports: [{ port: 80 }] } });
  await server.close();
  const edit = new Database(db);
  const row = edit.prepare("SELECT body FROM objects WHERE resource = 'services' AND name = 'b'").get() as { body: string };
  const body = JSON.parse(row.body) as Service;
  const bIP = body.spec!.clusterIP!;
  body.spec!.clusterIP = a.spec!.clusterIP;
  body.spec!.clusterIPs = [a.spec!.clusterIP!];
  edit.prepare("UPDATE objects SET body = ? WHERE resource = 'services' AND name = 'b'").run(JSON.stringify(body));
  edit.close();

  server = await open(db);
  try {
    const findings = (await server.allocators.repair.lastRun())!;
    const kinds = findings.map((f) => f.type).sort();
    // b's old address is no longer held by anyone: a leak. a's is held twice: a duplicate.
    assert.deepEqual(kinds, ['duplicate', 'leak']);
    const dup = findings.find((f) => f.type === 'duplicate')!;
    assert.match(dup.message, /default\/a and service default\/b was assigned to multiple services; please recreate/);
    assert.equal((await server.store.allocation('service-ip/IPv4', a.spec!.clusterIP!))?.uid, a.metadata!.uid, 'the row stays with its owner');
    assert.equal(await server.store.allocation('service-ip/IPv4', bIP), undefined);
    assert.equal(await metric(server.base, 'apiserver_clusterip_repair_ip_errors_total', 'duplicate'), 1);
  } finally {
    await server.close();
  }
});

test('a narrower range after a restart: Services keep their values, the view and metrics count them, nobody else gets them', async () => {
  const db = freshDb();
  let server = await open(db, { serviceCidr: '10.96.0.0/12', nodePortRange: '30000-32767' });
  const wide = (
    await post(server.base, { metadata: { name: 'wide' }, spec: { type: 'NodePort', clusterIP: '10.100.0.5', ports: [{ port: 80, nodePort: 32000 }] } })
  ).body;
  await server.close();

  server = await open(db, { serviceCidr: '10.96.0.0/16', nodePortRange: '30000-30100' });
  try {
    const findings = (await server.allocators.repair.lastRun())!;
    assert.deepEqual(findings.map((f) => `${f.type} ${f.value}`).sort(), ['outOfRange 10.100.0.5', 'outOfRange 32000']);
    assert.match(
      findings[0].message,
      /is not within the (service CIDR 10\.96\.0\.0\/16|node port range 30000-30100); the service keeps it and it will not be handed out again/,
    );
    const kept = (await (await fetch(`${server.base}/api/v1/namespaces/default/services/wide`)).json()) as Service;
    assert.deepEqual(kept.spec, wide.spec);
    const ips = await allocation(server.base, 'service-ip-ipv4');
    assert.equal(ips.spec.range, '10.96.0.0/16');
    assert.equal(ips.status.outOfRange, 1);
    assert.deepEqual(
      ips.status.holders.find((h) => h.name === 'wide'),
      { value: '10.100.0.5', namespace: 'default', name: 'wide', uid: wide.metadata!.uid, inRange: false },
    );
    assert.equal(ips.status.size, String(2 ** 16 - 2));
    assert.equal(ips.status.free, String(2 ** 16 - 2 - ips.status.used));
    const ports = await allocation(server.base, 'node-port');
    assert.equal(ports.status.outOfRange, 1);
    // Asking for a held out-of-range value is refused as out of range, like any other.
    const ask = await post(server.base, nodePortService('again', { ports: [{ port: 80, nodePort: 32000 }] }));
    assert.equal(ask.status, 422);
    assert.match(ask.body.details!.causes![0].message, /not in the valid range\. The range of valid ports is 30000-30100/);
    // Updating the Service leaves its values alone; deleting it frees them (no leak).
    const res = await fetch(`${server.base}/api/v1/namespaces/default/services/wide`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { x: 'y' } } }),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as Service).spec!.clusterIP, '10.100.0.5');
    assert.equal((await fetch(`${server.base}/api/v1/namespaces/default/services/wide`, { method: 'DELETE' })).status, 200);
    await assertConsistent(server);
    assert.equal((await allocation(server.base, 'service-ip-ipv4')).status.outOfRange, 0);
  } finally {
    await server.close();
  }
});

test('dropping the IPv6 family: dual-stack Services keep their IPv6 address, shown as a retired range, freed on delete', async () => {
  const db = freshDb();
  let server = await open(db, { serviceCidr: '10.96.0.0/12,fd00:10:96::/108' });
  const ds = (await post(server.base, { metadata: { name: 'ds' }, spec: { ipFamilyPolicy: 'PreferDualStack', ports: [{ port: 80 }] } })).body;
  assert.equal(ds.spec!.clusterIPs!.length, 2);
  await server.close();

  server = await open(db, { serviceCidr: '10.96.0.0/12' });
  try {
    const findings = (await server.allocators.repair.lastRun())!;
    assert.deepEqual(
      findings.map((f) => f.type),
      ['outOfRange'],
    );
    assert.match(findings[0].message, /is not within any configured service CIDR \(its family is not configured\)/);
    const retired = await allocation(server.base, 'service-ip-ipv6');
    assert.equal(retired.spec.range, '');
    assert.deepEqual(
      retired.status.holders.map((h) => h.value),
      [ds.spec!.clusterIPs![1]],
    );
    // PreferDualStack with unchanged fields is not downgraded behind its owner's back.
    const patched = await fetch(`${server.base}/api/v1/namespaces/default/services/ds`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { a: 'b' } } }),
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(((await patched.json()) as Service).spec!.clusterIPs, ds.spec!.clusterIPs);
    assert.equal((await fetch(`${server.base}/api/v1/namespaces/default/services/ds`, { method: 'DELETE' })).status, 200);
    assert.deepEqual(await server.store.allocations('service-ip/IPv6'), []);
    assert.equal((await fetch(`${server.base}/apis/svcplane.dev/v1alpha1/allocations/service-ip-ipv6`)).status, 404);
  } finally {
    await server.close();
  }
});

test('the server logs one warning per value outside a changed range', async () => {
  const db = freshDb();
  const server = await open(db);
  await post(server.base, nodePortService('np', { clusterIP: '10.100.0.7', ports: [{ port: 80, nodePort: 32500 }] }));
  await server.close();
  const child = spawn(
    process.execPath,
    ['dist/cli.js', '--port', '0', '--db', db, '--service-cidr', '10.96.0.0/16', '--node-port-range', '30000-30100', '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  try {
    const deadline = Date.now() + 10_000;
    while (!(out.includes('32500') && out.includes('10.100.0.7')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const warnings = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; allocation?: { type: string } });
    const outOfRange = warnings.filter((w) => w.allocation?.type === 'outOfRange');
    assert.equal(outOfRange.length, 2, out);
    assert.ok(
      outOfRange.every((w) => w.level === 40),
      'logged at warn',
    );
    assert.ok(
      outOfRange.some(
        (w) =>
          w.msg ===
          'the node port 32500 for service default/np is not within the node port range 30000-30100; the service keeps it and it will not be handed out again',
      ),
      out,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});

test('svcplane repair --db: --dry-run reports and changes nothing; without it the database is fixed', async () => {
  const db = freshDb();
  const server = await open(db);
  await post(server.base, nodePortService('x'));
  await server.close();
  const edit = new Database(db);
  edit.prepare("DELETE FROM allocations WHERE pool = 'node-port'").run();
  edit.prepare("INSERT INTO allocations VALUES ('node-port', '30999', 'services', 'default', 'ghost', 'g')").run();
  edit.close();
  const rows = () => {
    const d = new Database(db, { readonly: true });
    try {
      return d.prepare("SELECT value, name FROM allocations WHERE pool = 'node-port' ORDER BY value").all();
    } finally {
      d.close();
    }
  };
  const before = rows();
  const dry = spawnSync(process.execPath, ['dist/cli.js', 'repair', '--db', db, '--dry-run'], { encoding: 'utf8' });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^repair: the node port \d+ for service default\/x was not allocated; repairing \(dry run: not fixed\)$/m);
  assert.match(dry.stdout, /^leak: the node port 30999 \(recorded for default\/ghost\) appears to have leaked: cleaning up \(dry run: not fixed\)$/m);
  assert.match(dry.stdout, /1 leaked, 1 to repair, 0 duplicate, 0 out of range; dry run, nothing changed/);
  assert.deepEqual(rows(), before);
  const fix = spawnSync(process.execPath, ['dist/cli.js', 'repair', '--db', db], { encoding: 'utf8' });
  assert.equal(fix.status, 0, fix.stderr);
  assert.match(fix.stdout, /; 2 fixed$/m);
  assert.deepEqual(
    rows().map((r) => (r as { name: string }).name),
    ['x'],
  );
  const again = spawnSync(process.execPath, ['dist/cli.js', 'repair', '--db', db], { encoding: 'utf8' });
  assert.match(again.stdout, /0 leaked, 0 to repair, 0 duplicate, 0 out of range; 0 fixed/);
  const missing = spawnSync(process.execPath, ['dist/cli.js', 'repair', '--db', join(tempDir(), 'nope.db')], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /repair needs an existing database/);
});

test("values a row holds behind a running server's back are refused with a 422 or skipped by random picks, never a 500", async () => {
  const db = freshDb();
  // A /29: six addresses, 10.0.0.1 for the kubernetes Service, no static band.
  const server = await open(db, { serviceCidr: '10.0.0.0/29' });
  try {
    await server.allocators.repair.lastRun();
    const edit = new Database(db);
    for (const d of [2, 3, 4, 5])
      edit.prepare("INSERT INTO allocations VALUES ('service-ip/IPv4', ?, 'services', 'default', 'ghost', 'ghost-uid')").run(`10.0.0.${d}`);
    edit.close();
    const explicit = await post(server.base, { metadata: { name: 'explicit' }, spec: { clusterIP: '10.0.0.3', ports: [{ port: 80 }] } });
    assert.equal(explicit.status, 422);
    assert.equal(explicit.body.details?.causes?.[0].field, 'spec.clusterIPs');
    assert.match(explicit.body.details!.causes![0].message, /provided IP is already allocated/);
    // Random picks that hit the hidden rows move on: the one free address is found.
    const random = await post(server.base, { metadata: { name: 'random' }, spec: { ports: [{ port: 80 }] } });
    assert.equal(random.status, 201, JSON.stringify(random.body));
    assert.equal(random.body.spec!.clusterIP, '10.0.0.6');
    const full = await post(server.base, { metadata: { name: 'full' }, spec: { ports: [{ port: 80 }] } });
    assert.equal(full.status, 500);
    assert.match((full.body as unknown as { message: string }).message, /failed to allocate a serviceIP: range is full/);
  } finally {
    await server.close();
  }
});
