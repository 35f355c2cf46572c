// The sockets: DNS over UDP and over TCP (RFC 1035 4.2, RFC 7766) on one address and port. A
// request is answered in the turn it arrives in; nothing a client sends reaches past handle()'s
// catch, and no client can hold more than one partial message and a bounded write backlog.
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { Reply } from './answers.js';
import { maxTcpSize, type Query, readQuery, udpRoom, writeReply } from './wire.js';

export interface DnsServerOptions {
  host: string;
  /** 0 picks a port free for both UDP and TCP. */
  port: number;
  respond(query: Query): Reply;
  /** Told of what goes wrong with a socket or a request; nothing here stops the server. */
  warn(message: string): void;
}

/** A TCP connection that sends nothing for this long is closed (miekg/dns's idle timeout is 8 s). */
const tcpIdleMs = 10_000;
const maxTcpConnections = 1000;
/** A client that stops reading its answers is cut off once this much waits to be written. */
const maxTcpBacklog = 1 << 20;

export class DnsServer {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly connections = new Set<net.Socket>();
  private bound?: { address: string; port: number };

  constructor(private readonly options: DnsServerOptions) {}

  /** Where it listens, once listen() has resolved. */
  get address(): { address: string; port: number } | undefined {
    return this.bound;
  }

  async listen(): Promise<{ address: string; port: number }> {
    const { host, port } = this.options;
    const address = net.isIP(host) ? host : (await lookup(host)).address;
    // With port 0 the kernel picks the UDP port; TCP must get the same one, so a port whose TCP
    // side is taken is given back and another tried.
    for (let attempt = 0; ; attempt++) {
      const udp = await this.bindUdp(address, port);
      const udpPort = udp.address().port;
      try {
        this.tcp = await this.listenTcp(address, udpPort);
      } catch (err) {
        udp.close();
        if (port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 20) continue;
        throw err;
      }
      this.udp = udp;
      this.bound = { address, port: udpPort };
      return this.bound;
    }
  }

  async close(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const socket of this.connections) socket.destroy();
    await Promise.all([udp && new Promise<void>((resolve) => udp.close(() => resolve())), tcp && new Promise<void>((resolve) => tcp.close(() => resolve()))]);
  }

  /** The reply to one message, or undefined to send nothing. */
  private handle(message: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    try {
      const incoming = readQuery(message);
      if (incoming.kind === 'drop') return undefined;
      if (incoming.kind === 'reject') return incoming.reply;
      const { query } = incoming;
      return writeReply(query, this.options.respond(query), transport === 'udp' ? udpRoom(query) : maxTcpSize);
    } catch (err) {
      this.options.warn(`DNS request not answered: ${(err as Error).message}`);
      return undefined;
    }
  }

  private bindUdp(address: string, port: number): Promise<dgram.Socket> {
    const udp = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, address, () => {
        udp.off('error', reject);
        udp.on('error', (err) => this.options.warn(`DNS over UDP: ${err.message}`));
        udp.on('message', (message, peer) => {
          const reply = this.handle(message, 'udp');
          if (reply) udp.send(reply, peer.port, peer.address, (err) => err && this.options.warn(`DNS reply to ${peer.address}: ${err.message}`));
        });
        resolve(udp);
      });
    });
  }

  private listenTcp(address: string, port: number): Promise<net.Server> {
    const server = net.createServer((socket) => this.serveConnection(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.options.warn(`DNS over TCP: ${err.message}`));
        resolve(server);
      });
    });
  }

  /** Length-prefixed messages (RFC 1035 4.2.2), as many as the client sends, answered in order. */
  private serveConnection(socket: net.Socket): void {
    if (this.connections.size >= maxTcpConnections) {
      socket.destroy();
      return;
    }
    this.connections.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(tcpIdleMs, () => socket.destroy());
    socket.on('error', () => {});
    socket.on('close', () => this.connections.delete(socket));
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const message = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        const reply = this.handle(message, 'tcp');
        if (!reply) continue;
        const frame = Buffer.allocUnsafe(2 + reply.length);
        frame.writeUInt16BE(reply.length, 0);
        reply.copy(frame, 2);
        socket.write(frame);
        if (socket.writableLength > maxTcpBacklog) {
          socket.destroy();
          return;
        }
      }
      // What is left is less than one message; copy it so the chunk it came in can be freed.
      if (pending.length) pending = Buffer.from(pending);
    });
  }
}
