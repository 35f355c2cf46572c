// The service DNS responder (issue 18): a view of the cluster fed by watches, CoreDNS's answers
// over it, and the UDP and TCP sockets. createServer builds one when --dns-port is set.
import { networkInterfaces } from 'node:os';
import { Rcode, ServiceAnswers, type Reply } from './answers.js';
import type { ClusterFeed } from './clusterFeed.js';
import { ClusterView } from './clusterView.js';
import { DnsServer } from './dnsServer.js';
import { badVersionReply, type Query } from './wire.js';

export interface ServiceDnsOptions {
  host: string;
  /** 0 picks a free port (the same for UDP and TCP). */
  port: number;
  clusterDomain: string;
  /** Seconds. */
  ttl: number;
}

const refused: Reply = { rcode: Rcode.REFUSED, authoritative: false, answers: [], authorities: [], additionals: [] };

/**
 * The addresses NS records name: CoreDNS's boundIPs, this server's own addresses other than
 * loopback (every interface's when it listens on all of them).
 */
function ownAddresses(bound: string): string[] {
  const loopback = (ip: string) => /^127\./.test(ip) || ip === '::1';
  if (bound !== '0.0.0.0' && bound !== '::') return loopback(bound) ? [] : [bound];
  const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  return all.filter((i) => !i.internal && !i.address.includes('%') && (bound === '::' || i.family === 'IPv4')).map((i) => i.address);
}

export class ServiceDns {
  private readonly view = new ClusterView();
  private answers?: ServiceAnswers;
  private readonly server: DnsServer;

  constructor(
    private readonly options: ServiceDnsOptions,
    private readonly feed: ClusterFeed,
    warn: (message: string) => void,
  ) {
    this.server = new DnsServer({ host: options.host, port: options.port, respond: (q) => this.respond(q), warn });
  }

  /** Where it answers, once started. */
  get address(): { address: string; port: number } | undefined {
    return this.server.address;
  }

  /** Reads the current state, then listens; answers follow every later change as it commits. */
  async start(): Promise<{ address: string; port: number }> {
    try {
      await this.view.follow(this.feed);
      const bound = await this.server.listen();
      this.answers = new ServiceAnswers(this.view, {
        clusterDomain: this.options.clusterDomain,
        ttl: this.options.ttl,
        localIPs: ownAddresses(bound.address),
      });
      return bound;
    } catch (err) {
      this.view.stop();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.view.stop();
    await this.server.close();
  }

  private respond(query: Query): Reply {
    if (query.edns && query.edns.version !== 0) return badVersionReply();
    // A name dns-packet cannot carry as text, or a class other than IN, is nothing it serves.
    if (!this.answers || !query.plainName || (query.qclass !== 'IN' && query.qclass !== 'ANY')) return refused;
    return this.answers.answer(query.name, query.type);
  }
}
