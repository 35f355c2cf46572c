// Issue 23, "data written today stays readable": a database file written by the code on main
// before the one-resource-machinery refactor (fixtures/old-main.db, made by
// fixtures/make-old-db.mjs from commit 77786dc) opens with this code and serves the same objects,
// allocations, load balancer addresses and watch history that the old server answered
// (fixtures/old-main.json).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import request from 'supertest';
import { createServer, type Svcplane } from '../../src/index.js';
import { migrate, migrationsDir, openDatabase } from '../../src/storage/sqlite/database.js';
import { tempDir } from '../support/server.js';
import { openWatch, type WatchEventJSON } from '../support/watch.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
type Obj = Record<string, any>;
interface List {
  metadata: { resourceVersion: string };
  items: Obj[];
}
const old = JSON.parse(readFileSync(join(fixtures, 'old-main.json'), 'utf8')) as {
  options: { serviceCidr: string; nodePortRange: string; cloudProfile: 'aws'; cloudRegion: string; lbProvisionDelay: string; seed: number };
  earlyResourceVersion: string;
  lists: Record<'services' | 'namespaces' | 'events', List>;
  objects: Record<'services' | 'namespaces' | 'events', Obj[]>;
  allocations: { items: Obj[] };
  watches: Record<'services' | 'namespaces' | 'events', WatchEventJSON[]>;
};
const resources = ['services', 'namespaces', 'events'] as const;
const newestMigration = Math.max(
  ...readdirSync(migrationsDir)
    .map((f) => Number.parseInt(f, 10))
    .filter(Number.isFinite),
);
const oldRevisions = resources.flatMap((r) => old.lists[r].items.map((o) => Number(o.metadata.resourceVersion)));
const oldListRevision = Number(old.lists.services.metadata.resourceVersion);
const heldBefore = (pool: string) => new Set<string>(old.allocations.items.find((a) => a.metadata.name === pool)!.status.holders.map((h: Obj) => h.value));
const byKey = (items: Obj[]) => new Map(items.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
const path = (resource: string, o: Obj) =>
  o.metadata.namespace ? `/api/v1/namespaces/${o.metadata.namespace}/${resource}/${o.metadata.name}` : `/api/v1/${resource}/${o.metadata.name}`;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The old server's options, so the allocators and the fake cloud see the same ranges and profile.
 * The fixture's events are long past --event-ttl; they are read before the first expiry sweep,
 * which runs a minute after start.
 */
const sameOptions = {
  logLevel: 'silent' as const,
  serviceCidr: old.options.serviceCidr,
  nodePortRange: old.options.nodePortRange,
  cloudProfile: old.options.cloudProfile,
  cloudRegion: old.options.cloudRegion,
  lbProvisionDelay: 100,
  seed: old.options.seed,
};

let dir: string;
let db: string;
let server: Svcplane;
let url: string;

before(async () => {
  dir = tempDir();
  db = join(dir, 'old-main.db');
  copyFileSync(join(fixtures, 'old-main.db'), db);
  assert.ok(!existsSync(join(fixtures, 'old-main.db-wal')), 'the fixture must be self-contained, without a -wal file');
  server = await createServer({ port: 0, db, ...sameOptions });
  url = await server.start();
  // Long enough for the fake cloud's start-up sync (a 100ms provisioning delay) to have written
  // anything it was going to write: a re-provisioned load balancer would show below.
  await settle(800);
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the fixture is an old database: its schema was recorded by the old code', () => {
  // A copy: even a read-only connection leaves -wal/-shm files next to a WAL database.
  const pristine = join(dir, 'pristine.db');
  copyFileSync(join(fixtures, 'old-main.db'), pristine);
  const raw = new Database(pristine, { readonly: true, fileMustExist: true });
  try {
    const versions = (raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
    assert.ok(versions.length > 0 && versions.every((v, i) => v === i + 1), `old migrations ${versions}`);
    const count = raw.prepare('SELECT count(*) FROM change_log').pluck().get() as number;
    assert.ok(count > 0, 'the old change log has history');
    const events = (raw.prepare('SELECT DISTINCT event FROM change_log').pluck().all() as string[]).sort();
    assert.deepEqual(events, ['ADDED', 'DELETED', 'MODIFIED']);
  } finally {
    raw.close();
  }
});

test('every old object reads back over HTTP, alone and in its list, with the same uid, resourceVersion, spec and status', async () => {
  for (const resource of resources) {
    const list = (await request(url).get(`/api/v1/${resource}`).expect(200)).body as List;
    const got = byKey(list.items);
    for (const [key, want] of byKey(old.lists[resource].items)) {
      assert.deepEqual(got.get(key), want, `${resource} ${key} in the list`);
      const answered: Obj = byKey(old.objects[resource]).get(key)!;
      const one: Obj = (await request(url).get(path(resource, want)).expect(200)).body;
      assert.deepEqual(one, answered, `GET ${resource} ${key}`);
      assert.equal(one.metadata.uid, want.metadata.uid);
      assert.equal(one.metadata.resourceVersion, want.metadata.resourceVersion);
    }
    assert.deepEqual([...got.keys()].sort(), [...byKey(old.lists[resource].items).keys()].sort(), `${resource}: nothing more, nothing less`);
    // No old object was written on opening (each kept its resourceVersion, above). The revision
    // may have moved on: the endpoint controllers write the Endpoints and EndpointSlices a
    // database from before them lacks, as kube-controller-manager fills in missing ones.
    assert.ok(Number(list.metadata.resourceVersion) >= Number(old.lists[resource].metadata.resourceVersion), `${resource} list resourceVersion`);
  }
  // The deleted Service stays deleted.
  await request(url).get('/api/v1/namespaces/team-a/services/doomed').expect(404);
});

test('load balancer addresses and health-check node ports are the ones the old fake cloud gave', async () => {
  const lbs = old.lists.services.items.filter((s) => s.spec.type === 'LoadBalancer');
  assert.equal(lbs.length, 2);
  for (const want of lbs) {
    assert.ok(want.status.loadBalancer.ingress[0].hostname, 'the fixture has a provisioned hostname');
    const got = (await request(url).get(path('services', want)).expect(200)).body;
    assert.deepEqual(got.status, want.status);
    assert.equal(got.spec.healthCheckNodePort, want.spec.healthCheckNodePort);
  }
  assert.ok(lbs.some((s) => s.spec.externalTrafficPolicy === 'Local' && s.spec.healthCheckNodePort > 0));
});

test('the allocation view holds the same values for the same owners', async () => {
  const list = (await request(url).get('/apis/svcplane.dev/v1alpha1/allocations').expect(200)).body;
  const pools = (l: { items: Obj[] }) =>
    Object.fromEntries(l.items.map((a) => [a.metadata.name, { spec: a.spec, holders: a.status.holders, used: a.status.used }]));
  assert.deepEqual(pools(list), pools(old.allocations));
});

test('a watch from an early resourceVersion replays the same events in order', async () => {
  for (const resource of resources) {
    const want = old.watches[resource];
    assert.ok(resource === 'namespaces' ? want.length >= 1 : want.length > 3, `${resource}: the fixture recorded history`);
    const watch = await openWatch(`${url}/api/v1/${resource}?watch=true&resourceVersion=${old.earlyResourceVersion}`);
    try {
      assert.equal(watch.status, 200);
      const got: WatchEventJSON[] = [];
      for (let i = 0; i < want.length; i++) got.push(await watch.next(5000));
      assert.deepEqual(got, want, `${resource} watch history`);
      await settle(300);
      assert.equal(watch.events.length, want.length, `${resource}: no event after the old history`);
    } finally {
      watch.close();
    }
  }
  const types = old.watches.services.map((e) => e.type);
  assert.ok(types.includes('MODIFIED') && types.includes('DELETED'));
});

test('the database is at the newest migration, and opening it again changes nothing', () => {
  const rows = () => {
    const raw = new Database(db, { readonly: true });
    try {
      return raw.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all();
    } finally {
      raw.close();
    }
  };
  const first = rows() as { version: number; name: string }[];
  assert.equal(first.at(-1)!.version, newestMigration);
  assert.deepEqual(
    first.map((r) => r.version),
    Array.from({ length: newestMigration }, (_, i) => i + 1),
  );
  // Two more opens, as a second process would: no migration runs, nothing is recorded again.
  for (let i = 0; i < 2; i++) {
    const again = openDatabase(db);
    try {
      assert.deepEqual(migrate(again), []);
    } finally {
      again.close();
    }
  }
  assert.deepEqual(rows(), first);
});

test('a create after the upgrade gets a newer resourceVersion and values no old Service holds', async () => {
  const maxOld = Math.max(...oldRevisions, oldListRevision);
  const ipv4 = heldBefore('service-ip-ipv4');
  const ipv6 = heldBefore('service-ip-ipv6');
  const ports = heldBefore('node-port');
  const created = (
    await request(url)
      .post('/api/v1/namespaces/default/services')
      .send({
        metadata: { name: 'after-upgrade' },
        spec: {
          type: 'LoadBalancer',
          ipFamilyPolicy: 'PreferDualStack',
          externalTrafficPolicy: 'Local',
          ports: [
            { name: 'http', port: 80 },
            { name: 'https', port: 443 },
          ],
        },
      })
      .expect(201)
  ).body;
  assert.ok(Number(created.metadata.resourceVersion) > maxOld, `${created.metadata.resourceVersion} > ${maxOld}`);
  const [v4, v6] = created.spec.clusterIPs as string[];
  assert.ok(v4 && !ipv4.has(v4), `IPv4 ${v4} is new`);
  assert.ok(v6 && !ipv6.has(v6), `IPv6 ${v6} is new`);
  const newPorts = [...created.spec.ports.map((p: Obj) => String(p.nodePort)), String(created.spec.healthCheckNodePort)];
  for (const p of newPorts) assert.ok(!ports.has(p), `node port ${p} is new`);
  assert.equal(new Set(newPorts).size, 3);
  const oldUids = new Set(resources.flatMap((r) => old.lists[r].items.map((o) => o.metadata.uid)));
  assert.ok(!oldUids.has(created.metadata.uid));
  // Asking for an old Service's port is refused: the allocator knows it is taken.
  const dup = await request(url)
    .post('/api/v1/namespaces/default/services')
    .send({ metadata: { name: 'dup' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } })
    .expect(422);
  assert.match(dup.body.message, /already allocated/);
  // The old objects are untouched by the new write.
  const lb = old.objects.services.find((s) => s.metadata.name === 'lb')!;
  assert.deepEqual((await request(url).get(path('services', lb)).expect(200)).body, lb);
});

test('the built CLI (dist/cli.js) opens the old file and serves the same objects by GET', async () => {
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  assert.ok(existsSync(cli), 'npm run build first');
  const own = tempDir();
  const copy = join(own, 'svcplane.db');
  copyFileSync(join(fixtures, 'old-main.db'), copy);
  const o = old.options;
  const child = spawn(
    process.execPath,
    [
      cli,
      ...['--port', '0', '--db', copy, '--log-level', 'error', '--service-cidr', o.serviceCidr, '--node-port-range', o.nodePortRange],
      ...['--cloud-profile', o.cloudProfile, '--cloud-region', o.cloudRegion, '--lb-provision-delay', o.lbProvisionDelay, '--seed', String(o.seed)],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const cliUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /(http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`svcplane exited with ${code}: ${out}`)));
    });
    await settle(500);
    for (const resource of resources)
      for (const want of old.objects[resource]) assert.deepEqual((await request(cliUrl).get(path(resource, want)).expect(200)).body, want);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    rmSync(own, { recursive: true, force: true });
  }
  assert.equal(child.exitCode, 0);
});
