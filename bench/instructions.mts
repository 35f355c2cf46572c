// Instructions per request under callgrind, for two ways of answering the same requests (by
// default protobuf against JSON, the get-proto and watch-proto rows' two sides). Timed rounds on
// this machine swing by 2-5% between back-to-back runs, more than such differences; an
// instruction count does not move with the machine. Counted on the main thread only: V8
// compiles and collects garbage on threads of its own, whenever it likes. Not part of `npm run
// bench`: it needs valgrind (Debian's package) and runs the server about 50 times slower.
//
// get (default): one Service read over 4 connections, instructions per GET.
// watch: --watchers watchers of the Services in one namespace, each round's own, while one
// Service is patched --requests times one after another; instructions per write, its fan-out
// to every watcher included (every watcher gets every event before the round ends).
//
// usage: node --import tsx bench/instructions.mts [get|watch] [--requests N] [--rounds N] [--watchers N] [--accept A --accept B]
import { execFileSync, spawn } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, log, median, repoRoot, tempDir } from './lib.mjs';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const mode = args[0] === 'watch' ? 'watch' : 'get';
const requests = option('--requests', mode === 'get' ? 3000 : 200);
const rounds = option('--rounds', 4);
const watchers = option('--watchers', 100);
const accepts = args.flatMap((a, i) => (a === '--accept' ? [args[i + 1]] : []));
const sides =
  accepts.length === 2
    ? accepts
    : mode === 'get'
      ? ['application/vnd.kubernetes.protobuf, */*', 'application/json']
      : ['application/vnd.kubernetes.protobuf;stream=watch', 'application/json'];

const dir = tempDir('svcplane-instructions-');
const server = spawn(
  'valgrind',
  [
    '--tool=callgrind',
    '--separate-threads=yes',
    // V8 rewrites the code it generated; valgrind must notice that outside the stack too.
    '--smc-check=all-non-file',
    `--callgrind-out-file=${join(dir, 'cg')}`,
    process.execPath,
    join(repoRoot, 'dist/cli.js'),
    '--port',
    '0',
    '--db',
    join(dir, 'svcplane.db'),
    '--log-level',
    'error',
  ],
  { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] },
);
process.on('exit', () => server.kill('SIGKILL'));

const url = await new Promise<string>((resolveUrl, reject) => {
  let out = '';
  server.stdout!.setEncoding('utf8');
  server.stdout!.on('data', (chunk: string) => {
    out += chunk;
    const m = /at (http:\/\/[^\s)]+)/.exec(out);
    if (m) resolveUrl(m[1]);
  });
  server.once('exit', (code) => reject(new Error(`valgrind exited (${code}) before the server listened; is valgrind installed? ${out}`)));
});
const created = await fetch(`${url}/api/v1/namespaces/default/services`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ metadata: { name: 'bench-get' }, spec: { ports: [{ port: 80 }] } }),
});
if (created.status !== 201) throw new Error(`create answered ${created.status}`);
const target = `${url}/api/v1/namespaces/default/services/bench-get`;

const dump = (hint: string) => execFileSync('callgrind_control', [`--dump=${hint}`, String(server.pid)], { stdio: 'ignore' });
const services = `${url}/api/v1/namespaces/default/services`;

const get = async (accept: string) => {
  const m = await load({ url: target, connections: 4, amount: requests, headers: { accept } });
  if (m.ok !== requests) throw new Error(`${accept}: ${m.ok}/${requests} answered 2xx`);
};

/** Counts the events of one watch stream: protobuf frames (a 4-byte length first) or JSON lines. */
function eventCounter(protobuf: boolean): { add(chunk: Buffer): void; readonly events: number } {
  let events = 0;
  let pending = Buffer.alloc(0);
  return {
    add(chunk) {
      if (!protobuf) {
        for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) events++;
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        pending = pending.subarray(4 + pending.readUInt32BE(0));
        events++;
      }
    },
    get events() {
      return events;
    },
  };
}

/** Opens `watchers` watches from `resourceVersion`; resolves once every one has its headers. */
async function openWatches(accept: string, resourceVersion: string) {
  const open = await Promise.all(
    Array.from(
      { length: watchers },
      () =>
        new Promise<{ res: IncomingMessage; counter: ReturnType<typeof eventCounter> }>((resolveWatch, reject) => {
          const req = httpRequest(`${services}?watch=true&resourceVersion=${resourceVersion}`, { headers: { accept } }, (res) => {
            if (res.statusCode !== 200) reject(new Error(`watch with ${accept} answered ${res.statusCode}`));
            const counter = eventCounter(accept.includes('protobuf'));
            res.on('data', (c: Buffer) => counter.add(c));
            resolveWatch({ res, counter });
          });
          req.on('error', reject);
          req.end();
        }),
    ),
  );
  return {
    delivered: () => Math.min(...open.map((w) => w.counter.events)),
    close: () => {
      for (const w of open) w.res.destroy();
    },
  };
}

let patches = 0;
const patch = async () => {
  const r = await fetch(target, {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ metadata: { annotations: { 'bench/n': String(++patches) } } }),
  });
  if (r.status !== 200) throw new Error(`PATCH answered ${r.status}`);
  return ((await r.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
};

/** One round of one side; `measured` dumps its writes and their delivery alone. */
const watchRound = async (accept: string, measured?: () => void) => {
  const resourceVersion = await patch();
  const watches = await openWatches(accept, resourceVersion);
  if (measured) dump('between');
  for (let i = 0; i < requests; i++) await patch();
  while (watches.delivered() < requests) await new Promise((r) => setTimeout(r, 20));
  measured?.();
  watches.close();
};

const run = (accept: string, measured?: () => void) => (mode === 'get' ? get(accept) : watchRound(accept, measured));

// The JIT needs many more requests under valgrind before the hot paths run optimized code.
log(`warming up (${3 * requests} ${mode === 'get' ? 'requests' : 'writes'} a side)`);
for (let w = 0; w < 3; w++) for (const accept of sides) await run(accept);
for (let r = 1; r <= rounds; r++) {
  for (const s of r % 2 ? [0, 1] : [1, 0]) {
    if (mode === 'get') {
      dump('between');
      await run(sides[s]);
      dump(`side${s}-round${r}`);
    } else await run(sides[s], () => dump(`side${s}-round${r}`));
  }
  log(`round ${r}/${rounds} done`);
}
server.kill('SIGINT');
await new Promise((r) => server.once('exit', r));

/** Instructions of the main thread (callgrind's thread 1 file) in the part a dump closed. */
const counted = new Map<string, number>();
for (const f of readdirSync(dir).filter((n) => n.endsWith('-01'))) {
  const text = readFileSync(join(dir, f), 'utf8');
  const hint = /^desc: Trigger: (?:Client Request: )?dump (\S+)$/m.exec(text)?.[1];
  const total = /^summary: (\d+)$/m.exec(text)?.[1] ?? /^totals: (\d+)$/m.exec(text)?.[1];
  if (hint?.startsWith('side') && total) counted.set(hint, Number(total) / requests);
}
const per = (s: number) => Array.from({ length: rounds }, (_, i) => counted.get(`side${s}-round${i + 1}`) ?? NaN);
const [a, b] = [per(0), per(1)];
const ratios = a.map((x, i) => x / b[i]);
console.log(
  mode === 'get'
    ? `instructions per GET, main thread, ${requests} requests a round:`
    : `instructions per write and its delivery to ${watchers} watchers, main thread, ${requests} writes a round:`,
);
console.log(`  ${sides[0]}: ${a.map((x) => Math.round(x)).join(', ')} (median ${Math.round(median(a))})`);
console.log(`  ${sides[1]}: ${b.map((x) => Math.round(x)).join(', ')} (median ${Math.round(median(b))})`);
console.log(`  ratio per round: ${ratios.map((x) => x.toFixed(3)).join(', ')} (median ${median(ratios).toFixed(3)})`);
// The server's own periodic work (lease renewals, expiry sweeps) lands in whichever rounds it
// happens to: it only ever adds, so each side's fewest is its cleanest figure.
console.log(`  fewest: ${Math.round(Math.min(...a))} against ${Math.round(Math.min(...b))} (ratio ${(Math.min(...a) / Math.min(...b)).toFixed(3)})`);
