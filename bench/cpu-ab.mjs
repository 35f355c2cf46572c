// CPU time per create of two builds (the servers' user+sys from /proc, not their rate), each
// round a fresh server and database, A and B interleaved: on a machine busy with other work the
// rate of each side swings, its CPU per request much less. For a change to the create path:
//   node bench/cpu-ab.mjs /tmp/before . [rounds=4] [creates=15000]
// The managedFields cost was measured against the same build with FieldManager disabled (in
// src/registry/generic/store.ts, `this.fields = undefined`).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
const [dirA, dirB, rounds = '4', amount = '15000'] = process.argv.slice(2);
const tick = 100; // USER_HZ
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / tick; };
async function start(dir, port, db) {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const child = spawn(process.execPath, [resolve(dir, "dist/cli.js"), '--db', db, '--port', String(port), '--log-level', 'error', '--repair-interval', '0'], { stdio: 'ignore' });
  for (;;) { try { if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return child; } catch {} await new Promise((r) => setTimeout(r, 20)); }
}
let n = 0;
const load = (port, amount) => new Promise((done) => autocannon({ url: `http://127.0.0.1:${port}/api/v1/namespaces/default/services`, connections: 16, amount, method: 'POST', headers: { 'content-type': 'application/json' },
  requests: [{ setupRequest: (r) => ({ ...r, body: `{"metadata":{"name":"ab-${n++}"},"spec":{"ports":[{"port":80}]}}` }) }] }, (e, r) => done(r)));
const res = { A: [], B: [] };
for (let i = 0; i < Number(rounds); i++) {
  for (const [side, dir, port] of [['A', dirA, 18811], ['B', dirB, 18812]]) {
    const c = await start(dir, port, `/tmp/cpuab-${side}.db`);
    await load(port, 3000);
    const t0 = cpu(c.pid);
    const r = await load(port, Number(amount));
    const us = ((cpu(c.pid) - t0) / Number(amount)) * 1e6;
    res[side].push(us);
    c.kill(); await new Promise((r) => c.once('exit', r));
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log('A us/create', res.A.map((x) => x.toFixed(0)).join(' '), 'median', med(res.A).toFixed(0));
console.log('B us/create', res.B.map((x) => x.toFixed(0)).join(' '), 'median', med(res.B).toFixed(0), 'A/B (rate ratio)', (med(res.A) / med(res.B)).toFixed(3));
