// Watch fan-out at informer scale (issue 4's target): W watchers on one svcplane process while a
// writer patches Services at R writes/s. Reports delivery latency (write sent -> event received at
// each watcher, so it includes the write's own HTTP round trip), whether every watcher got every
// event, and the server's resident memory per idle watcher.
//
// The watchers live in separate receiver processes reading raw sockets, so the client's own cost
// (1000 sockets, 200,000 events a second) does not sit in the writer's event loop and skew its
// timing. Send and receive times come from process.hrtime, the system's monotonic clock, which
// all processes share. The last line printed is the result as JSON.
// Run: npm run build && node --import tsx bench/watch.mts [watchers=1000] [writesPerSecond=200] [seconds=10] [receivers=2] [warmupSeconds=2] [resource=services|endpointslices]
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
// SVCPLANE_BENCH_WATCH_PROTOBUF=1: the watchers ask for kube's protobuf stream, where the
// annotation is a map entry {1: key, 2: value}: the key's bytes, 0x12, a one-byte length, the value.
const protobuf = process.env.SVCPLANE_BENCH_WATCH_PROTOBUF === '1';
const marker = protobuf ? Buffer.concat([Buffer.from('svcplane.dev/sent'), Buffer.from([0x12])]) : Buffer.from('"svcplane.dev/sent":"');
const watchAccept = protobuf ? 'application/vnd.kubernetes.protobuf;stream=watch' : 'application/json';

type ToReceiver = { watchers: number; url: string; path: string } | { report: true };
type FromReceiver = { open: true } | { received: number[]; latencies: Float64Array; sent: Float64Array };

if (process.argv[2] === '--receiver') receiver();
else await main();

function receiver(): void {
  let received: number[] = [];
  let latencies = new Float64Array(1 << 16);
  let sent = new Float64Array(1 << 16);
  let n = 0;
  const record = (at: number, ms: number) => {
    if (n === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
      const grownSent = new Float64Array(sent.length * 2);
      grownSent.set(sent);
      sent = grownSent;
    }
    sent[n] = at;
    latencies[n++] = ms;
  };
  process.on('message', (msg: ToReceiver) => {
    if ('report' in msg) {
      process.send!({ received, latencies: latencies.slice(0, n), sent: sent.slice(0, n) } satisfies FromReceiver, () => process.exit(0));
      return;
    }
    const { hostname, port } = new URL(msg.url);
    received = new Array<number>(msg.watchers).fill(0);
    let open = 0;
    // One read buffer for every socket (onread: no Buffer, no stream machinery per read), so
    // that the receivers, which share the machine with the servers they measure, cost as
    // little as they can.
    const readBuffer = Buffer.allocUnsafe(1 << 16);
    for (let w = 0; w < msg.watchers; w++) {
      let headers = false;
      // A marker or a value can straddle two reads: the unscanned tail, copied out of the
      // shared buffer.
      let carry: Buffer | null = null;
      const onData = (data: Buffer) => {
        const now = nowMs();
        if (!headers) {
          headers = true;
          if (++open === msg.watchers) process.send!({ open: true } satisfies FromReceiver);
        }
        const buf = carry ? Buffer.concat([carry, data]) : data;
        carry = null;
        let at = 0;
        for (;;) {
          const i = buf.indexOf(marker, at);
          if (i < 0) {
            carry = partialMarker(buf, at);
            break;
          }
          let start = i + marker.length;
          let end: number;
          if (protobuf) {
            end = start < buf.length ? start + 1 + buf[start] : buf.length + 1;
            start++;
            if (end > buf.length) end = -1;
          } else end = buf.indexOf(0x22, start);
          if (end < 0) {
            carry = Buffer.from(buf.subarray(i));
            break;
          }
          received[w]++;
          const sentAt = Number(buf.toString('latin1', start, end));
          record(sentAt, now - sentAt);
          at = protobuf ? end : end + 1;
        }
      };
      const socket = net.connect(
        {
          port: Number(port),
          host: hostname,
          onread: {
            buffer: readBuffer,
            callback: (nread: number) => {
              onData(readBuffer.subarray(0, nread));
              return true;
            },
          },
        },
        () => {
          socket.write(`GET ${msg.path} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: ${watchAccept}\r\n\r\n`);
        },
      );
      socket.on('error', (err) => {
        process.stderr.write(`watcher ${w}: ${err.message}\n`);
      });
    }
  });
}

/** A copy of the end of `buf` (after `from`) that begins the marker, if it does: the next read may finish it. */
function partialMarker(buf: Buffer, from: number): Buffer | null {
  for (let k = Math.min(marker.length - 1, buf.length - from); k > 0; k--) {
    if (buf.compare(marker, 0, k, buf.length - k, buf.length) === 0) return Buffer.from(buf.subarray(buf.length - k));
  }
  return null;
}

/** utime + stime in seconds (Linux clock ticks are 100 Hz). */
function cpuOf(p: ChildProcess): number {
  const f = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function main(): Promise<void> {
  const [watchers, rate, seconds, receivers, warmupSeconds] = [
    Number(process.argv[2] ?? 1000),
    Number(process.argv[3] ?? 200),
    Number(process.argv[4] ?? 10),
    Number(process.argv[5] ?? 2),
    Number(process.argv[6] ?? 2),
  ];
  // Services, or EndpointSlices (one address, one port each, as the mirroring controller writes them).
  const slices = process.argv[7] === 'endpointslices';
  const collection = slices ? '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices' : '/api/v1/namespaces/default/services';
  const target = (i: number) =>
    slices
      ? {
          metadata: { name: `t${i}` },
          addressType: 'IPv4',
          endpoints: [{ addresses: [`10.0.${(i + 1) >> 8}.${(i + 1) & 255}`] }],
          ports: [{ name: 'http', port: 80 }],
        }
      : { metadata: { name: `t${i}` }, spec: { ports: [{ port: 80 }] } };
  const dir = mkdtempSync(join(tmpdir(), 'svcplane-bench-'));
  // SVCPLANE_BENCH_DB (a postgres:// URL) and SVCPLANE_BENCH_REPLICAS=N: N servers on that one
  // database (issue 19); writes go to them in turn, and receiver i watches through replica i mod N.
  const replicas = Number(process.env.SVCPLANE_BENCH_REPLICAS ?? 1);
  const db = process.env.SVCPLANE_BENCH_DB ?? join(dir, 'bench.db');
  const spawnServer = () =>
    spawn(
      process.execPath,
      [...(process.env.SVCPLANE_NODE_ARGS?.split(' ').filter(Boolean) ?? []), 'dist/cli.js', '--port', '0', '--db', db, '--log-level', 'error'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
  const servers = Array.from({ length: replicas }, spawnServer);
  const server = servers[0];
  const children: ChildProcess[] = [...servers];
  const cleanup = () => {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  const urls = await Promise.all(
    servers.map(
      (srv) =>
        new Promise<string>((resolve) => {
          let out = '';
          srv.stdout!.on('data', (c: Buffer) => {
            out += c.toString();
            const m = /at (http:\/\/\S+)/.exec(out);
            if (m) resolve(m[1]);
          });
        }),
    ),
  );
  const url = urls[0];
  const cpuSeconds = () => cpuOf(server);
  const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const call = (method: string, path: string, body?: unknown, type = 'application/json', base = url) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request(`${base}${path}`, { method, agent, headers: body ? { 'Content-Type': type } : {} }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => (res.statusCode! < 300 ? resolve(text) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))));
      });
      req.on('error', reject);
      req.end(body ? JSON.stringify(body) : undefined);
    });

  const targets = 20;
  for (let i = 0; i < targets; i++) await call('POST', collection, target(i));
  const startRv = JSON.parse(await call('GET', `${collection}?limit=1`)).metadata.resourceVersion;

  await new Promise((r) => setTimeout(r, 500));
  const before = rssKiB();
  const self = fileURLToPath(import.meta.url);
  const procs = Array.from({ length: receivers }, () => {
    const p = fork(self, ['--receiver'], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(p);
    return p;
  });
  const path = `${collection}?watch=true&resourceVersion=${startRv}`;
  await Promise.all(
    procs.map(
      (p, i) =>
        new Promise<void>((resolve) => {
          p.on('message', (m: FromReceiver) => 'open' in m && resolve());
          const share = Math.floor(watchers / receivers) + (i < watchers % receivers ? 1 : 0);
          p.send({ watchers: share, url: urls[i % urls.length], path } satisfies ToReceiver);
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const idle = rssKiB();

  const total = rate * seconds;
  let failed = 0;
  // How long each measured write took to be answered (its share of the delivery latency).
  const answeredMs: number[] = [];
  /** Which replica each measured write went through, by its stamp (BENCH_DEBUG splits latency by it). */
  const replicaOf = new Map<number, number>();
  // Warm-up at the same rate first (JIT, socket buffers, heap growth), under an annotation the
  // receivers do not count; then the measured window.
  // Each write returns once sent; its answer is the promise it hands back.
  const write = async (i: number, key: string, t0: number): Promise<{ answered: Promise<unknown> }> => {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sentAt = nowMs();
    if (key === 'svcplane.dev/sent') replicaOf.set(sentAt, i % urls.length);
    const answered = call(
      'PATCH',
      `${collection}/t${i % targets}`,
      { metadata: { annotations: { [key]: String(sentAt) } } },
      'application/merge-patch+json',
      urls[i % urls.length],
    ).then(
      () => key === 'svcplane.dev/sent' && answeredMs.push(nowMs() - sentAt),
      () => failed++,
    );
    return { answered };
  };
  const warm0 = performance.now();
  const warming: Promise<unknown>[] = [];
  for (let i = 0; i < rate * warmupSeconds; i++) warming.push((await write(i, 'svcplane.dev/warm-up', warm0)).answered);
  // Every warm-up write answered before the first measured one: one still in flight could
  // commit after a measured write to its Service and repeat that write's annotation in a second
  // event, which the receivers would count as a second delivery.
  await Promise.all(warming);
  await new Promise((r) => setTimeout(r, 1000 / rate));
  const cpu0 = cpuSeconds();
  const receiverCpu0 = procs.map(cpuOf);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) await write(i, 'svcplane.dev/sent', t0);
  const sendSeconds = (performance.now() - t0) / 1000;
  const serverCpu = (cpuSeconds() - cpu0) / sendSeconds;
  const receiverCpu = procs.map(cpuOf).reduce((a, b, i) => a + b - receiverCpu0[i], 0) / sendSeconds;
  // Let the last events drain (bounded), then collect.
  await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 + seconds * 200)));
  const reports = await Promise.all(
    procs.map(
      (p) =>
        new Promise<{ received: number[]; latencies: Float64Array; sent: Float64Array }>((resolve) => {
          p.on('message', (m: FromReceiver) => 'received' in m && resolve(m));
          p.send({ report: true } satisfies ToReceiver);
        }),
    ),
  );
  const received = reports.flatMap((r) => r.received);
  const all = new Float64Array(reports.reduce((n, r) => n + r.latencies.length, 0));
  let off = 0;
  for (const r of reports) {
    all.set(r.latencies, off);
    off += r.latencies.length;
  }
  if (process.env.BENCH_DEBUG) {
    // Latency by the second in which the write was sent: shows whether a tail is a stall or steady.
    const bySecond = new Map<number, number[]>();
    const first = Math.min(...reports.map((r) => r.sent[0] ?? Infinity));
    for (const r of reports)
      for (let i = 0; i < r.sent.length; i++) {
        const k = Math.floor((r.sent[i] - first) / 1000);
        (bySecond.get(k) ?? bySecond.set(k, []).get(k)!).push(r.latencies[i]);
      }
    for (const [k, l] of [...bySecond].sort((a, b) => a[0] - b[0])) {
      l.sort((a, b) => a - b);
      console.error(
        `second ${k}: n=${l.length} p50=${l[Math.floor(l.length / 2)].toFixed(1)} p99=${l[Math.floor(l.length * 0.99)].toFixed(1)} max=${l[l.length - 1].toFixed(1)}`,
      );
    }
  }
  if (process.env.BENCH_DEBUG && urls.length > 1) {
    // Whether an event written through one replica reaches the other's watchers later than its own.
    reports.forEach((r, ri) => {
      for (let rep = 0; rep < urls.length; rep++) {
        const l: number[] = [];
        for (let i = 0; i < r.sent.length; i++) if (replicaOf.get(r.sent[i]) === rep) l.push(r.latencies[i]);
        l.sort((a, b) => a - b);
        console.error(
          `receiver ${ri} (via replica ${ri % urls.length}) writes via replica ${rep}: n=${l.length} p50=${l[l.length >> 1]?.toFixed(1)} p99=${l[Math.floor(l.length * 0.99)]?.toFixed(1)}`,
        );
      }
    });
  }
  all.sort();
  answeredMs.sort((a, b) => a - b);
  const answeredQ = (p: number) =>
    answeredMs.length ? Number(answeredMs[Math.min(answeredMs.length - 1, Math.floor(p * answeredMs.length))].toFixed(1)) : NaN;
  const q = (p: number) => (all.length ? all[Math.min(all.length - 1, Math.floor(p * all.length))] : NaN);
  const complete = received.filter((n) => n === total).length;
  console.log(
    JSON.stringify({
      watchers,
      writesPerSecond: rate,
      writes: total,
      warmupSeconds,
      failedWrites: failed,
      achievedWritesPerSecond: Math.round(total / sendSeconds),
      watchersWithEveryEvent: complete,
      deliveries: all.length,
      expectedDeliveries: total * watchers,
      p50_ms: Number(q(0.5).toFixed(1)),
      p99_ms: Number(q(0.99).toFixed(1)),
      max_ms: Number(q(1).toFixed(1)),
      write_answered_p50_ms: answeredQ(0.5),
      write_answered_p99_ms: answeredQ(0.99),
      server_cpu_cores: Number(serverCpu.toFixed(2)),
      receivers_cpu_cores: Number(receiverCpu.toFixed(2)),
      rss_before_watchers_MiB: Math.round(before / 1024),
      rss_with_idle_watchers_MiB: Math.round(idle / 1024),
      KiB_per_idle_watcher: Number(((idle - before) / watchers).toFixed(1)),
    }),
  );
  agent.destroy();
  process.exit(0);
}
