// The `dns` scenario (issue 18): queries a second over loopback UDP to the service DNS responder
// with 10,000 Services stored, against a bare dgram + dns-packet server answering a fixed record
// (bench/baselines/bare-dns.mts); and `get` with the responder on against the same server with
// it off, to show the API's rate does not move. The load generator is dnsperf (Debian's package)
// where installed, else the one below; SVCPLANE_BENCH_DNS_GEN=node|dnsperf picks one.
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import {
  freePort,
  load,
  log,
  machineBusySeconds,
  processCpuSeconds,
  quantile,
  removeTempDir,
  requestOk,
  spawnNode,
  startServer,
  stopChild,
  svcplaneArgs,
  tempDir,
  tsxArgs,
  type Measurement,
  type Server,
} from './lib.mjs';
import { alternate, cachedDatabases, httpRow, type Config, type Row } from './scenarios.mjs';

const services = 10_000;
/** Queries kept outstanding: dnsperf's default. */
const inflight = 100;

type Generator = 'dnsperf' | 'node';

function generator(): Generator {
  const asked = process.env.SVCPLANE_BENCH_DNS_GEN;
  if (asked === 'node' || asked === 'dnsperf') return asked;
  return spawnSync('dnsperf', ['-h']).error ? 'node' : 'dnsperf';
}

/** The mix: 80% A of a stored Service, 10% AAAA of one (NODATA), 10% A of a missing one (NXDOMAIN). */
function queryMix(count: number): { name: string; type: 'A' | 'AAAA' }[] {
  const names: { name: string; type: 'A' | 'AAAA' }[] = [];
  for (let i = 0; i < count; i++) {
    const svc = `svc-${String((i * 7919) % services).padStart(6, '0')}.default.svc.cluster.local`;
    const pick = i % 10;
    names.push(
      pick === 8 ? { name: svc, type: 'AAAA' } : pick === 9 ? { name: `missing-${i}.default.svc.cluster.local`, type: 'A' } : { name: svc, type: 'A' },
    );
  }
  return names;
}

/** A UDP load generator: `inflight` queries outstanding, a new one sent as each reply arrives. */
function nodeLoad(port: number, seconds: number, pid: number | undefined): Promise<Measurement> {
  const queries = queryMix(10_000).map((q) => dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [q] }));
  return new Promise((resolveRun) => {
    const socket = dgram.createSocket('udp4');
    const sentAt = new Float64Array(65536);
    const outstanding = new Uint8Array(65536);
    const latencies: number[] = [];
    const statusCodes: Record<string, number> = {};
    let nextId = 0;
    let nextQuery = 0;
    let timeouts = 0;
    let unexpected = 0;
    let running = true;
    const send = () => {
      if (!running) return;
      let id = nextId;
      while (outstanding[id]) id = (id + 1) & 0xffff;
      nextId = (id + 1) & 0xffff;
      const message = Buffer.from(queries[nextQuery++ % queries.length]);
      message.writeUInt16BE(id, 0);
      outstanding[id] = 1;
      sentAt[id] = performance.now();
      socket.send(message, port, '127.0.0.1');
    };
    socket.on('message', (reply) => {
      const id = reply.readUInt16BE(0);
      if (!outstanding[id]) return;
      outstanding[id] = 0;
      const rcode = reply[3] & 0xf;
      const name = rcode === 0 ? 'NOERROR' : rcode === 3 ? 'NXDOMAIN' : `RCODE${rcode}`;
      statusCodes[name] = (statusCodes[name] ?? 0) + 1;
      if (rcode === 0 || rcode === 3) latencies.push(performance.now() - sentAt[id]);
      else unexpected++;
      send();
    });
    // A query unanswered after a second is lost; its slot goes to a new one.
    const sweep = setInterval(() => {
      const old = performance.now() - 1000;
      for (let id = 0; id < 65536; id++) {
        if (outstanding[id] && sentAt[id] < old) {
          outstanding[id] = 0;
          timeouts++;
          send();
        }
      }
    }, 200);
    socket.bind(0, '127.0.0.1', () => {
      socket.setRecvBufferSize(4 << 20);
      const cpu0 = { server: pid === undefined ? null : processCpuSeconds(pid), client: process.cpuUsage(), all: machineBusySeconds(), t: performance.now() };
      for (let i = 0; i < inflight; i++) send();
      setTimeout(() => {
        running = false;
        const wall = (performance.now() - cpu0.t) / 1000;
        const serverNow = pid === undefined ? null : processCpuSeconds(pid);
        const client = process.cpuUsage(cpu0.client);
        const allNow = machineBusySeconds();
        clearInterval(sweep);
        socket.close();
        const serverCpu = serverNow === null || cpu0.server === null ? null : (serverNow - cpu0.server) / wall;
        const clientCpu = (client.user + client.system) / 1e6 / wall;
        const sorted = Float64Array.from(latencies).sort();
        resolveRun({
          rps: latencies.length / wall,
          p50_ms: quantile(sorted, 0.5),
          p99_ms: quantile(sorted, 0.99),
          ok: latencies.length,
          non2xx: unexpected,
          errors: 0,
          timeouts,
          statusCodes,
          duration_s: wall,
          server_cpu: serverCpu,
          client_cpu: clientCpu,
          other_cpu: allNow === null || cpu0.all === null || serverCpu === null ? null : Math.max(0, (allNow - cpu0.all) / wall - serverCpu - clientCpu),
        });
      }, seconds * 1000);
    });
  });
}

/** One dnsperf run. It reports an average latency, no percentiles: p50_ms holds the average. */
function dnsperfLoad(port: number, seconds: number, pid: number | undefined, dataFile: string): Promise<Measurement> {
  const cpu0 = { server: pid === undefined ? null : processCpuSeconds(pid), client: process.cpuUsage(), all: machineBusySeconds(), t: performance.now() };
  return new Promise((resolveRun, reject) => {
    const args = ['-s', '127.0.0.1', '-p', String(port), '-d', dataFile, '-l', String(seconds), '-q', String(inflight), '-c', '1', '-t', '1'];
    execFile('dnsperf', args, (err, stdout) => {
      if (err) return reject(new Error(`dnsperf ${args.join(' ')}: ${err.message}\n${stdout}`));
      const wall = (performance.now() - cpu0.t) / 1000;
      const serverNow = pid === undefined ? null : processCpuSeconds(pid);
      const allNow = machineBusySeconds();
      const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? Number.NaN);
      const completed = num(/Queries completed:\s+(\d+)/);
      const lost = num(/Queries lost:\s+(\d+)/);
      const statusCodes: Record<string, number> = {};
      for (const [, code, n] of (/Response codes:\s+(.*)/.exec(stdout)?.[1] ?? '').matchAll(/(\w+) (\d+)/g)) statusCodes[code] = Number(n);
      const unexpected = Object.entries(statusCodes)
        .filter(([code]) => code !== 'NOERROR' && code !== 'NXDOMAIN')
        .reduce((n, [, c]) => n + c, 0);
      const serverCpu = serverNow === null || cpu0.server === null ? null : (serverNow - cpu0.server) / wall;
      // dnsperf is another process: what the machine did beyond the server is counted as its
      // share, other processes included, so no round can be marked disturbed.
      const clientCpu = allNow === null || cpu0.all === null || serverCpu === null ? 0 : Math.max(0, (allNow - cpu0.all) / wall - serverCpu);
      resolveRun({
        rps: num(/Queries per second:\s+([\d.]+)/),
        p50_ms: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
        p99_ms: Number.NaN,
        ok: completed - unexpected,
        non2xx: unexpected,
        errors: 0,
        timeouts: lost,
        statusCodes,
        duration_s: num(/Run time \(s\):\s+([\d.]+)/),
        server_cpu: serverCpu,
        client_cpu: clientCpu,
        other_cpu: null,
      });
    });
  });
}

/** The baseline's process: it prints "at udp://127.0.0.1:PORT". */
async function startBareDns(): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const child = spawnNode(tsxArgs('baselines/bare-dns.mts'));
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const m = /udp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolvePort(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bare-dns exited (${code}): ${out}`)));
  });
  return { port, pid: child.pid!, stop: () => stopChild(child) };
}

export async function dnsScenario(cfg: Config): Promise<Row[]> {
  const gen = generator();
  log(`dns: load generator ${gen}`);
  const dir = tempDir();
  const db = join(dir, 'svcplane.db');
  copyFileSync((await cachedDatabases([services])).get(services)!, db);
  const dataFile = join(dir, 'queries.txt');
  writeFileSync(
    dataFile,
    `${queryMix(10_000)
      .map((q) => `${q.name} ${q.type}`)
      .join('\n')}\n`,
  );
  const dnsPort = await freePort();
  const svc = await startServer('svcplane', svcplaneArgs(db, ['--dns-port', String(dnsPort)]));
  const base = await startBareDns();
  const run = (port: number, pid: number, seconds: number) => (gen === 'dnsperf' ? dnsperfLoad(port, seconds, pid, dataFile) : nodeLoad(port, seconds, pid));
  try {
    await run(dnsPort, svc.child.pid!, cfg.warmupSec);
    await run(base.port, base.pid, cfg.warmupSec);
    const result = await alternate(
      cfg,
      'dns',
      () => run(dnsPort, svc.child.pid!, cfg.roundSec),
      () => run(base.port, base.pid, cfg.roundSec),
    );
    const notes = [
      `${services} Services stored; 80% A, 10% AAAA (NODATA), 10% missing names (NXDOMAIN); ${inflight} queries outstanding; load generator ${gen}`,
      ...(gen === 'dnsperf' ? ['dnsperf reports no percentiles: p50 ms is its average latency'] : []),
    ];
    const row = httpRow(
      'dns',
      'bare dgram + dns-packet answering one fixed A record',
      result,
      { text: '>= 20,000 queries/s', met: (m) => m.rps >= 20_000 },
      { notes },
    );
    if (gen === 'dnsperf') for (const side of [row.svcplane, row.baseline!]) side.p99_ms = null;
    return [row];
  } finally {
    await svc.stop();
    await base.stop();
    removeTempDir(dir);
  }
}

/** GET of one Service with the responder on (idle) against the same server with it off. */
export async function getWithDnsScenario(cfg: Config): Promise<Row[]> {
  const start = async (extra: string[]): Promise<Server & { dir: string }> => {
    const dir = tempDir();
    const server = await startServer('svcplane', svcplaneArgs(join(dir, 'svcplane.db'), extra));
    return { ...server, dir, stop: () => server.stop().then(() => removeTempDir(dir)) };
  };
  const on = await start(['--dns-port', String(await freePort())]);
  const off = await start([]);
  const path = '/api/v1/namespaces/default/services/bench-get';
  try {
    for (const s of [on, off])
      await requestOk(`${s.url}/api/v1/namespaces/default/services`, 'POST', { metadata: { name: 'bench-get' }, spec: { ports: [{ port: 80 }] } });
    const get = (s: Server, duration: number) => load({ url: `${s.url}${path}`, connections: cfg.connections, duration, pid: s.child.pid });
    await get(on, cfg.warmupSec);
    await get(off, cfg.warmupSec);
    const result = await alternate(
      cfg,
      'get-dns-on',
      () => get(on, cfg.roundSec),
      () => get(off, cfg.roundSec),
    );
    return [httpRow('get-dns-on', 'the same server without --dns-port', result, { text: 'ratio >= 0.9', met: (m) => m.ratio >= 0.9 })];
  } finally {
    await on.stop();
    await off.stop();
  }
}
