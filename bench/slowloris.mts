// `node --import tsx bench/slowloris.mts [connections=500] [timeout=10s] [seconds=15]`
// (`npm run bench:slowloris -- ...` builds first). Issue 15's target: "slowloris with 500
// connections leaves other clients' p99 under 50 ms and the slow connections closed within the
// timeout".
//
// Starts dist/cli.js with `--request-timeout <timeout>` on a temp SQLite file, creates a few
// Services, measures a short baseline of GETs, then opens N slowloris connections to 127.0.0.1:
// half send the headers of a GET one byte a second and never finish them, half send the complete
// headers of a POST announcing a 2 MB body and then one body byte a second. A slot whose
// connection the server closes opens a new one while the load runs, so the pressure stays at N.
// Meanwhile autocannon GETs single Services. For every slow connection it records when the
// server closed it (FIN or reset, from the moment it connected) and whether the answer was a 408
// Status. Loopback only; time-bounded; the server and every socket are always torn down.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import net from 'node:net';
import { killAll, load, log, median, requestOk, round, sleep, startServer, svcplaneArgs, tempDir, type Measurement } from './lib.mjs';

// --- arguments -----------------------------------------------------------------------------

/** Go-style durations as the server takes them: 500ms, 10s, 1m, 1m30s; a bare number is seconds. */
function parseDuration(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  let rest = text;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`not a duration: ${JSON.stringify(text)} (e.g. 500ms, 10s, 1m)`);
    ms += Number(m[1]) * unit[m[2]];
    rest = rest.slice(m[0].length);
  }
  return ms;
}

const usage = 'usage: node --import tsx bench/slowloris.mts [connections=500] [timeout=10s] [seconds=15]';
const [connArg = '500', timeoutArg = '10s', secondsArg = '15'] = process.argv.slice(2);
if (process.argv.includes('-h') || process.argv.includes('--help')) {
  console.log(usage);
  process.exit(0);
}
const requested = Number(connArg);
const timeoutMs = parseDuration(timeoutArg);
const seconds = Number(secondsArg);
if (!Number.isInteger(requested) || requested < 2 || !(timeoutMs >= 1000) || !(seconds > 0)) {
  console.error(`${usage}\n(connections >= 2, timeout >= 1s, seconds > 0)`);
  process.exit(2);
}
/** The server's header timeout: min(32 s, request timeout), as in src/api/requestLimits.ts. */
const headersTimeoutMs = Math.min(32_000, timeoutMs);
const GRACE_MS = 2000;
const LOAD_CONNECTIONS = 16;
const SERVICES = 8;
const NS = '/api/v1/namespaces/default/services';

// --- file descriptors ----------------------------------------------------------------------

/** Sockets on each side (slow ones, load, a margin for files, pipes and the HTTP agent). */
const fdsNeeded = requested + LOAD_CONNECTIONS + 100;

function fdLimits(): { soft: number; hard: number } {
  const read = (flag: string) => {
    const text = execFileSync('sh', ['-c', `ulimit ${flag} -n`], { encoding: 'utf8' }).trim();
    return text === 'unlimited' ? Infinity : Number(text);
  };
  return { soft: read('-S'), hard: read('-H') };
}

// Node raises its soft limit to the hard one at start (children, the server included, inherit
// it), so what is left to check is that the hard limit is high enough.
const fds = fdLimits();
let fdNote = `open files limit ${fds.soft} (hard ${fds.hard}), ${fdsNeeded} needed on each side`;
/** Slow connections opened: the requested number, or as many as the limit allows (said so). */
let N = requested;
if (fds.soft < fdsNeeded) {
  N = Math.floor((fds.soft - LOAD_CONNECTIONS - 100) / 2) * 2;
  if (N < 2) {
    console.error(`${fdNote}: too low to run; raise it first, e.g. ulimit -n 4096`);
    process.exit(2);
  }
  fdNote += ` - TOO LOW: running with ${N} slow connections instead of ${requested}; raise it (e.g. ulimit -n 4096) to measure ${requested}`;
  log(fdNote);
}

// --- slow connections ----------------------------------------------------------------------

type Kind = 'headers' | 'body';

interface Slow {
  kind: Kind;
  socket: net.Socket;
  openedAt: number;
  /** ms after connecting at which the server closed it (FIN or reset); undefined while open. */
  closedAfter?: number;
  /** Closed by us (at the end), not by the server. */
  abandoned: boolean;
  failed: boolean;
  answer: string;
  /** Bytes sent after the initial part. */
  dribbled: number;
}

const all: Slow[] = [];
const live = new Set<Slow>();
let reopen = false;
let port = 0;

const headerHead = (i: number) => `GET ${NS}/svc-${i % SERVICES} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n`;
/** Header lines, one byte a second; never the empty line that ends the headers. */
const headerDrip = 'X-Slowloris: aaaaaaaaaaaaaaaaaaaa\r\n';
const bodyHead = `POST ${NS} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{"metadata":{"name":"slow"},"x":"`;

function openSlow(kind: Kind, index: number): Promise<void> {
  return new Promise((resolveOpen) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const slow: Slow = { kind, socket, openedAt: 0, abandoned: false, failed: false, answer: '', dribbled: 0 };
    let connected = false;
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('connect', () => {
      connected = true;
      slow.openedAt = performance.now();
      all.push(slow);
      live.add(slow);
      socket.write(kind === 'headers' ? headerHead(index) : bodyHead);
      resolveOpen();
    });
    socket.on('data', (chunk: string) => {
      if (slow.answer.length < 4096) slow.answer += chunk;
    });
    const closed = () => {
      if (!connected || !live.has(slow)) return;
      live.delete(slow);
      if (!slow.abandoned) slow.closedAfter = performance.now() - slow.openedAt;
      socket.destroy();
      // The replacement waits a little, so that a server closing at once cannot make a busy loop.
      if (reopen && !slow.abandoned) setTimeout(() => reopen && void openSlow(kind, index), 200);
    };
    socket.on('end', closed);
    socket.on('close', closed);
    socket.on('error', () => {
      if (!connected) {
        slow.failed = true;
        failedConnects++;
        resolveOpen();
      }
      closed();
    });
  });
}
let failedConnects = 0;
let watchdog: ChildProcess | undefined;

/** Every 100 ms a tenth of the slow connections sends its next byte: one byte a second each. */
let tick = 0;
function drip(): void {
  tick++;
  let i = 0;
  for (const slow of live) {
    if (i++ % 10 !== tick % 10 || !slow.socket.writable) continue;
    const byte = slow.kind === 'headers' ? headerDrip[slow.dribbled % headerDrip.length] : 'a';
    slow.dribbled++;
    slow.socket.write(byte);
  }
}

/** The answer was `HTTP/1.1 408` with a Status body of code 408. */
function got408Status(answer: string): boolean {
  if (!/^HTTP\/1\.[01] 408 /.test(answer)) return false;
  try {
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { kind?: unknown; code?: unknown };
    return body.kind === 'Status' && body.code === 408;
  } catch {
    return false;
  }
}

// --- run -----------------------------------------------------------------------------------

const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const fmtMs = (ms: number) => `${round(ms, 2)} ms`;

async function main(): Promise<void> {
  const dir = tempDir('svcplane-slowloris-');
  const server = await startServer('svcplane', svcplaneArgs(join(dir, 'slowloris.db'), ['--request-timeout', timeoutArg]));
  // Should this process die without running its exit handlers (a fatal error such as running out
  // of memory), a watchdog kills the server within a second and removes its files.
  watchdog = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 ${server.child.pid} 2>/dev/null; rm -rf '${dir}'`], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  const url = new URL(server.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`server is not on loopback: ${server.url}`);
  port = server.port;
  log(`svcplane at ${server.url}, --request-timeout ${timeoutArg}; ${fdNote}`);
  let serverExited = false;
  server.child.once('exit', () => (serverExited = true));

  for (let i = 0; i < SERVICES; i++) await requestOk(`${server.url}${NS}`, 'POST', { metadata: { name: `svc-${i}` }, spec: { ports: [{ port: 80 }] } });

  let next = 0;
  const requests = [{ setupRequest: (req: { path?: string }) => ({ ...req, method: 'GET', path: `${NS}/svc-${next++ % SERVICES}` }) }];
  const baselineSeconds = Math.min(5, seconds);
  log('warm-up: 2 s of GETs, not reported');
  await load({ url: server.url, connections: LOAD_CONNECTIONS, duration: 2, requests });
  log(`baseline: ${LOAD_CONNECTIONS} connections GET for ${baselineSeconds} s, no slow connections`);
  const baseline = await load({ url: server.url, connections: LOAD_CONNECTIONS, duration: baselineSeconds, requests, pid: server.child.pid });

  log(`opening ${N} slow connections (${(N / 2) | 0} slow headers, ${N - ((N / 2) | 0)} slow bodies)`);
  reopen = true;
  const dripper = setInterval(drip, 100);
  const opening: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    opening.push(openSlow(i < N / 2 ? 'headers' : 'body', i));
    if (i % 50 === 49) await sleep(10);
  }
  await Promise.all(opening);
  log(
    `${live.size} slow connections open${failedConnects ? `, ${failedConnects} failed to connect` : ''}; load: ${LOAD_CONNECTIONS} connections GET for ${seconds} s`,
  );
  const underAttack = await load({ url: server.url, connections: LOAD_CONNECTIONS, duration: seconds, requests, pid: server.child.pid });

  // Stop replacing connections; give the open ones until their timeout + grace (+ a check interval).
  reopen = false;
  // (a replacement still connecting when the load stopped counts too: the deadline is recomputed)
  const deadline = () => all.reduce((t, s) => Math.max(t, s.openedAt), 0) + timeoutMs + GRACE_MS + 1000;
  log(`load done; waiting up to ${fmtS(Math.max(0, deadline() - performance.now()))} for the ${live.size} open slow connections to be closed`);
  while (live.size > 0 && performance.now() < deadline() && !serverExited) await sleep(100);
  clearInterval(dripper);
  for (const slow of [...live]) {
    slow.abandoned = true;
    slow.socket.destroy();
    live.delete(slow);
  }
  const exitedDuringRun = serverExited;
  await server.stop();
  report(baseline, underAttack, exitedDuringRun);
}

function report(baseline: Measurement, load1: Measurement, serverExited: boolean): void {
  const rows: string[][] = [['', 'rps', 'p50', 'p99', 'non-2xx', 'errors']];
  const loadRow = (name: string, m: Measurement) => [
    name,
    String(Math.round(m.rps)),
    fmtMs(m.p50_ms),
    fmtMs(m.p99_ms),
    String(m.non2xx),
    String(m.errors + m.timeouts),
  ];
  rows.push(loadRow(`other clients, no slowloris (${LOAD_CONNECTIONS} conns)`, baseline));
  rows.push(loadRow(`other clients, under slowloris (${LOAD_CONNECTIONS} conns)`, load1));
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const table = rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));

  const slowRows: string[][] = [['slow connections', 'opened', 'closed', 'in time', 'median', 'max', 'limit', '408 Status']];
  let allInTime = true;
  let closedTotal = 0;
  let openedTotal = 0;
  for (const kind of ['headers', 'body'] as const) {
    const group = all.filter((s) => s.kind === kind);
    const closed = group.filter((s) => s.closedAfter !== undefined);
    const times = closed.map((s) => s.closedAfter!);
    // The server's own limit for this kind: headers are cut at min(32 s, timeout).
    const limit = kind === 'headers' ? headersTimeoutMs : timeoutMs;
    const inTime = times.filter((t) => t <= limit + GRACE_MS).length;
    if (inTime < group.length || group.length === 0) allInTime = false;
    closedTotal += closed.length;
    openedTotal += group.length;
    slowRows.push([
      kind === 'headers' ? 'slow headers (GET)' : 'slow body (POST 2 MB)',
      String(group.length),
      String(closed.length),
      String(inTime),
      times.length ? fmtS(median(times)) : '-',
      times.length ? fmtS(Math.max(...times)) : '-',
      `${fmtS(limit)} + ${GRACE_MS / 1000} s`,
      String(closed.filter((s) => got408Status(s.answer)).length),
    ]);
  }
  const sw = slowRows[0].map((_, c) => Math.max(...slowRows.map((r) => r[c].length)));
  const slowTable = slowRows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(sw[c]) : cell.padStart(sw[c]))).join('  '));
  const allTimes = all.filter((s) => s.closedAfter !== undefined).map((s) => s.closedAfter!);
  const p99Met = load1.ok > 0 && load1.p99_ms < 50;

  console.log(`
slowloris: ${N} slow connections kept open (reopened when closed while the load ran), --request-timeout ${timeoutArg}, ${seconds} s of load
${fdNote}

${table.join('\n')}

${slowTable.join('\n')}
all slow connections: ${closedTotal} of ${openedTotal} closed by the server; time to close median ${allTimes.length ? fmtS(median(allTimes)) : '-'}, max ${allTimes.length ? fmtS(Math.max(...allTimes)) : '-'} (timeout ${fmtS(timeoutMs)}${headersTimeoutMs < timeoutMs ? `, headers timeout ${fmtS(headersTimeoutMs)}` : ''})${failedConnects ? `\n${failedConnects} slow connections failed to connect` : ''}${serverExited ? '\nTHE SERVER EXITED during the run' : ''}

target: other clients' p99 < 50 ms .............................. ${p99Met ? 'MET' : 'NOT MET'} (${fmtMs(load1.p99_ms)})
target: every slow connection closed within its timeout + 2 s ... ${allInTime ? 'MET' : 'NOT MET'} (${closedTotal} of ${openedTotal})`);
  process.exitCode = p99Met && allInTime && !serverExited ? 0 : 1;
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  reopen = false;
  for (const slow of live) slow.socket.destroy();
  killAll();
  if (watchdog?.pid !== undefined && watchdog.exitCode === null) {
    try {
      process.kill(-watchdog.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
