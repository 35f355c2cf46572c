// A/B of two builds on the create path: each DIR is a checkout with `npm run build` done; both
// servers run side by side on fresh databases and get the same POST load (autocannon, 16
// connections) in alternating rounds, after one warm-up round each. Prints each side's rounds,
// the median rps and p99 latency, and B/A. For a change to a hot path, before and after:
//   git worktree add /tmp/before HEAD~1 && (cd /tmp/before && ln -s "$PWD/../node_modules" . ; npm run build)
//   node bench/ab.mjs /tmp/before . [rounds=5] [seconds=4]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import autocannon from 'autocannon';

const [dirA, dirB, rounds = '5', secs = '4'] = process.argv.slice(2);
if (!dirA || !dirB) throw new Error('usage: node bench/ab.mjs DIR_A DIR_B [rounds] [seconds]');

async function start(dir, port, db) {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const child = spawn(process.execPath, [resolve(dir, 'dist/cli.js'), '--db', db, '--port', String(port), '--log-level', 'error', '--repair-interval', '0'], { stdio: 'ignore' });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return child;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 20));
  }
}

let n = 0;
const round = (port) => new Promise((done) => autocannon({
  url: `http://127.0.0.1:${port}/api/v1/namespaces/default/services`, connections: 16, duration: Number(secs), method: 'POST',
  headers: { 'content-type': 'application/json' },
  requests: [{ setupRequest: (r) => ({ ...r, body: `{"metadata":{"name":"ab-${n++}"},"spec":{"ports":[{"port":80}]}}` }) }],
}, (err, r) => (err ? done([0, 0]) : done([r.requests.average, r.latency.p99]))));

const a = await start(dirA, 18801, '/tmp/svcplane-ab-a.db');
const b = await start(dirB, 18802, '/tmp/svcplane-ab-b.db');
await round(18801);
await round(18802);
const ra = [];
const rb = [];
for (let i = 0; i < Number(rounds); i++) {
  ra.push(await round(18801));
  rb.push(await round(18802));
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const show = (name, rs) => `${name} rps ${rs.map((r) => Math.round(r[0])).join(' ')} (median ${Math.round(median(rs.map((r) => r[0])))}), p99 ms ${rs.map((r) => r[1]).join(' ')}`;
console.log(show('A', ra));
console.log(show('B', rb), `B/A ${(median(rb.map((r) => r[0])) / median(ra.map((r) => r[0]))).toFixed(3)}`);
a.kill();
b.kill();
