import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import request from 'supertest';
import { createServer } from '../../src/index.js';
import { tempDir } from '../support/server.js';

const ns = '/api/v1/namespaces/default/services';
const np = (name: string, nodePort?: number) => ({ metadata: { name }, spec: { type: 'NodePort', ports: [{ port: 80, ...(nodePort ? { nodePort } : {}) }] } });

test('objects and allocations survive a graceful restart on a file database', async () => {
  const dir = tempDir();
  const db = join(dir, 'svcplane.db');
  const first = await createServer({ port: 0, db, logLevel: 'silent' });
  const created = (
    await request(await first.start())
      .post(ns)
      .send(np('keep'))
      .expect(201)
  ).body;
  await first.close();

  const second = await createServer({ port: 0, db, logLevel: 'silent' });
  const url = await second.start();
  const got = (await request(url).get(`${ns}/keep`).expect(200)).body;
  assert.deepEqual(got, created);
  // The allocator knows the values are taken after the restart.
  const dup = await request(url).post(ns).send(np('dup', created.spec.ports[0].nodePort)).expect(422);
  assert.match(dup.body.message, /provided port is already allocated/);
  await second.close();
  rmSync(dir, { recursive: true, force: true });
});

function startProcess(db: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['dist/cli.js', '--port', '0', '--db', db, '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`svcplane exited with ${code}: ${out}`)));
  });
}

test('after kill -9, every acknowledged write is there with the same IP and ports, and nothing leaked', async () => {
  const dir = tempDir();
  const db = join(dir, 'svcplane.db');
  const { child, url } = await startProcess(db);
  const acknowledged = [];
  for (let i = 0; i < 40; i++)
    acknowledged.push(
      (
        await request(url)
          .post(ns)
          .send(np(`crash-${i}`))
          .expect(201)
      ).body,
    );
  await request(url).delete(`${ns}/crash-0`).expect(200);
  child.kill('SIGKILL');
  await once(child, 'exit');

  const restarted = await createServer({ port: 0, db, logLevel: 'silent' });
  const url2 = await restarted.start();
  await request(url2).get(`${ns}/crash-0`).expect(404);
  for (const svc of acknowledged.slice(1)) {
    const got = (await request(url2).get(`${ns}/${svc.metadata.name}`).expect(200)).body;
    assert.equal(got.spec.clusterIP, svc.spec.clusterIP);
    assert.equal(got.spec.ports[0].nodePort, svc.spec.ports[0].nodePort);
  }
  // Allocation rows are exactly what the surviving objects hold: crash-0's were released.
  const ports = (await restarted.store.allocations('node-port')).map((r) => Number(r.value)).sort();
  assert.deepEqual(
    ports,
    acknowledged
      .slice(1)
      .map((s) => s.spec.ports[0].nodePort)
      .sort(),
  );
  await request(url2).post(ns).send(np('reuse', acknowledged[0].spec.ports[0].nodePort)).expect(201);
  await restarted.close();
  rmSync(dir, { recursive: true, force: true });
});

test('SIGTERM shuts down cleanly with exit code 0', async () => {
  const dir = tempDir();
  const { child } = await startProcess(join(dir, 'svcplane.db'));
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  rmSync(dir, { recursive: true, force: true });
});

test('a bad flag exits 2 with one clear line', async () => {
  const child = spawn(process.execPath, ['dist/cli.js', '--service-cidr', 'nonsense'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.equal(err.trim().split('\n').length, 1);
  assert.match(err, /invalid --service-cidr/);
});
