// Watch fan-out at informer scale (issue 4's target): W watchers on one svcplane process while a
// writer patches Services at R writes/s. Reports delivery latency (write sent -> event received at
// each watcher, so it includes the write's own HTTP round trip), whether every watcher got every
// event, and the server's resident memory per idle watcher.
// Run: npm run build && node --import tsx bench/watch.mts [watchers=1000] [writesPerSecond=200] [seconds=10]
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [watchers, rate, seconds] = [Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 200), Number(process.argv[4] ?? 10)];
const dir = mkdtempSync(join(tmpdir(), 'svcplane-bench-'));
const child = spawn(process.execPath, ['dist/cli.js', '--port', '0', '--db', join(dir, 'bench.db'), '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve) => {
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    const m = /at (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
});
const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const call = (method: string, path: string, body?: unknown, type = 'application/json') =>
  new Promise<string>((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, agent, headers: body ? { 'Content-Type': type } : {} }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });

const targets = 20;
for (let i = 0; i < targets; i++) await call('POST', '/api/v1/namespaces/default/services', { metadata: { name: `t${i}` }, spec: { ports: [{ port: 80 }] } });
const startRv = JSON.parse(await call('GET', '/api/v1/namespaces/default/services?limit=1')).metadata.resourceVersion;

await new Promise((r) => setTimeout(r, 500));
const before = rssKiB();
const latencies: number[] = [];
const received = new Array<number>(watchers).fill(0);
const stamp = /"svcplane\.dev\/sent":"(\d+(?:\.\d+)?)"/g;
let open = 0;
await new Promise<void>((resolve) => {
  for (let w = 0; w < watchers; w++) {
    http.get(`${url}/api/v1/namespaces/default/services?watch=true&resourceVersion=${startRv}`, { agent: false }, (res) => {
      if (++open === watchers) resolve();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = performance.now();
        for (const m of chunk.matchAll(stamp)) {
          received[w]++;
          latencies.push(now - Number(m[1]));
        }
      });
    });
  }
});
await new Promise((r) => setTimeout(r, 1000));
const idle = rssKiB();

const total = rate * seconds;
const t0 = performance.now();
for (let i = 0; i < total; i++) {
  const due = t0 + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  void call('PATCH', `/api/v1/namespaces/default/services/t${i % targets}`, { metadata: { annotations: { 'svcplane.dev/sent': String(performance.now()) } } }, 'application/merge-patch+json');
}
const deadline = performance.now() + 10_000;
while (received.some((n) => n < total) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
const elapsed = (performance.now() - t0) / 1000;

latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
const complete = received.filter((n) => n === total).length;
console.log(JSON.stringify({
  watchers, writesPerSecond: rate, writes: total, achievedWritesPerSecond: Math.round(total / elapsed),
  watchersWithEveryEvent: complete,
  deliveries: latencies.length,
  p50_ms: Number(q(0.5).toFixed(1)), p99_ms: Number(q(0.99).toFixed(1)), max_ms: Number(q(1).toFixed(1)),
  rss_before_watchers_MiB: Math.round(before / 1024), rss_with_idle_watchers_MiB: Math.round(idle / 1024),
  KiB_per_idle_watcher: Number(((idle - before) / watchers).toFixed(1)),
}, null, 2));
child.kill('SIGTERM');
agent.destroy();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
