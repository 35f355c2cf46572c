// Clients for the DNS responder's tests: dig (Debian's dnsutils) as a person would run it, and a
// bare client over UDP or TCP that shows every bit of a reply.
import { execFile, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import dnsPacket from 'dns-packet';

/** Why the dig tests skip, or false. */
export const digSkip: string | false = spawnSync('dig', ['-v']).error ? 'dig is not installed (apt-get install dnsutils)' : false;

export interface Dig {
  status: string;
  flags: string[];
  /** Each record split on whitespace: name, ttl, class, type, data... */
  answer: string[][];
  authority: string[][];
  additional: string[][];
  /** The transport the answer came over (dig retries over TCP after a truncated UDP answer). */
  transport: 'UDP' | 'TCP';
  output: string;
}

/** dig @127.0.0.1 -p PORT ARGS..., parsed. No cookie (BIND's default), one try, two seconds. */
export function dig(port: number, ...args: string[]): Promise<Dig> {
  return new Promise((resolve, reject) => {
    execFile('dig', [`@127.0.0.1`, '-p', String(port), '+nocookie', '+tries=1', '+time=2', ...args], (err, stdout) => {
      if (err && !stdout) return reject(err);
      const section = (title: string): string[][] => {
        const start = stdout.indexOf(`;; ${title} SECTION:\n`);
        if (start < 0) return [];
        const body = stdout.slice(start).split('\n').slice(1);
        const end = body.indexOf('');
        return body.slice(0, end < 0 ? undefined : end).map((line) => line.split(/\s+/));
      };
      resolve({
        status: /status: (\w+)/.exec(stdout)?.[1] ?? 'none',
        flags: (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').split(' ').filter(Boolean),
        answer: section('ANSWER'),
        authority: section('AUTHORITY'),
        additional: section('ADDITIONAL'),
        transport: /;; SERVER: .*\((TCP|UDP)\)/.exec(stdout)?.[1] === 'TCP' ? 'TCP' : 'UDP',
        output: stdout,
      });
    });
  });
}

/** Sends one message and waits for one reply; undefined if none comes within `timeoutMs`. */
export function exchange(port: number, message: Buffer, transport: 'udp' | 'tcp' = 'udp', timeoutMs = 1000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    if (transport === 'udp') {
      const socket = dgram.createSocket('udp4');
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (reply: Buffer | undefined) => {
        clearTimeout(timer);
        socket.close();
        resolve(reply);
      };
      socket.on('message', (reply) => done(reply));
      socket.send(message, port, '127.0.0.1');
      return;
    }
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const done = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    socket.on('error', () => done(undefined));
    socket.on('close', () => done(undefined));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) done(received.subarray(2, 2 + received.readUInt16BE(0)));
    });
    const frame = Buffer.alloc(2 + message.length);
    frame.writeUInt16BE(message.length, 0);
    message.copy(frame, 2);
    socket.write(frame);
  });
}

export interface AskOptions {
  /** Advertised EDNS0 UDP size; undefined: no OPT record. */
  udpSize?: number;
  tcp?: boolean;
  id?: number;
}

export interface Asked extends DecodedPacket {
  rcodeNumber: number;
  raw: Buffer;
}

/** One question, decoded reply (with the header's rcode as a number). */
export async function ask(port: number, name: string, type: string, options: AskOptions = {}): Promise<Asked> {
  const query: Packet = {
    type: 'query',
    id: options.id ?? Math.floor(Math.random() * 65536),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'A' }],
  };
  if (options.udpSize !== undefined) query.additionals = [{ name: '.', type: 'OPT', udpPayloadSize: options.udpSize } as Answer];
  const raw = await exchange(port, dnsPacket.encode(query), options.tcp ? 'tcp' : 'udp');
  if (!raw) throw new Error(`no reply to ${type} ${name}`);
  return { ...dnsPacket.decode(raw), rcodeNumber: raw.readUInt16BE(2) & 0xf, raw };
}

/** The data of the reply's records of one type, for comparisons. */
export function dataOf(records: Answer[] | undefined, type?: string): unknown[] {
  return (records ?? []).filter((r) => type === undefined || r.type === type).map((r) => ('data' in r ? r.data : undefined));
}
