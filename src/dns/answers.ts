// What the responder answers, question by question: CoreDNS's kubernetes plugin in the usual
// Corefile (`kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa
// ip6.arpa; ttl 30 }`), read from coredns plugin/kubernetes (handler.go, kubernetes.go, parse.go,
// reverse.go, ns.go) and plugin/backend_lookup.go, over the Kubernetes DNS specification
// (kubernetes/dns docs/specification.md, schema 1.1.0). Where CoreDNS has a quirk a client can
// see (NODATA for SOA at any name, SRV weights of 100/n, TXT NXDOMAIN at the zone apex), the
// quirk is kept: a test written against svcplane should pass against a cluster.
import type { Answer } from 'dns-packet';
import { canonicalIP, type ClusterView, type EndpointAddress } from './clusterView.js';

export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface Reply {
  rcode: number;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

export interface AnswerOptions {
  /** The cluster domain, lowercase, without the trailing dot. */
  clusterDomain: string;
  /** Seconds, for every record but dns-version's TXT (CoreDNS's `ttl`). */
  ttl: number;
  /** This server's own non-loopback addresses: what NS and ns.dns.<zone> answer (CoreDNS's boundIPs). */
  localIPs: string[];
}

/** The schema version the responder implements (kubernetes/dns docs/specification.md). */
export const dnsSchemaVersion = '1.1.0';

/** A name being looked up: as asked (owner names keep the asker's case) and folded for matching. */
interface Ask {
  name: string;
  lower: string;
  /** The served zone it falls in, lowercase. */
  zone: string;
  /** That zone as the question spelled it: CoreDNS builds SOA, NS and SRV targets from it. */
  zoneAsked: string;
}

/**
 * CoreDNS's msg.Service: one thing a name stands for. `family` is undefined when `host` is a
 * name (an ExternalName's target), which answers as a CNAME.
 */
interface Item {
  host: string;
  family?: 4 | 6;
  /** -1: no port (CoreDNS's sentinel): an address record, but no SRV. */
  port: number;
  /** The name an SRV record points at for this item, and the owner of its glue. */
  target: string;
}

/** undefined: the name does not exist (CoreDNS's errNoItems/errInvalidRequest, NXDOMAIN). */
type Lookup = Item[] | undefined;

const maxCnameChain = 10;
const dnsVersionTtl = 28800;

const reverseZones = ['in-addr.arpa', 'ip6.arpa'];

/** CoreDNS's endpointHostname: the endpoint's hostname, or its address with dashes. */
export function endpointHostname(address: EndpointAddress): string {
  if (address.hostname) return address.hostname;
  if (address.family === 4) return address.ip.replaceAll('.', '-');
  const dashed = address.ip.replaceAll(':', '-');
  return dashed.endsWith('-') ? `${dashed}0` : dashed;
}

/** dnsutil.ExtractAddressFromReverse: the address a full reverse name stands for, or undefined. */
export function addressFromReverse(lower: string): string | undefined {
  if (lower.endsWith('.in-addr.arpa')) {
    const labels = lower.slice(0, -'.in-addr.arpa'.length).split('.');
    return labels.length === 4 ? canonicalIP(labels.reverse().join('.'))?.ip : undefined;
  }
  if (lower.endsWith('.ip6.arpa')) {
    const nibbles = lower.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const hex = nibbles.reverse().join('');
    return canonicalIP(hex.match(/.{4}/g)!.join(':'))?.ip;
  }
  return undefined;
}

const stripUnderscore = (label: string) => (label.startsWith('_') ? label.slice(1) : label);

/** matchPortAndProtocol: an empty request part matches anything; comparisons ignore case. */
function portMatches(r: { port: string; protocol: string }, name: string, protocol: string): boolean {
  return (r.port === '' || r.port === name.toLowerCase()) && (r.protocol === '' || r.protocol === protocol.toLowerCase());
}

export class ServiceAnswers {
  /** Longest first, so a name takes the most specific zone (plugin.Zones.Matches). */
  private readonly zones: string[];

  constructor(
    private readonly view: ClusterView,
    private readonly options: AnswerOptions,
  ) {
    this.zones = [options.clusterDomain, ...reverseZones].sort((a, b) => b.length - a.length);
  }

  /** The served zone `lower` falls in, or undefined (REFUSED: this server answers for no other). */
  zoneOf(lower: string): string | undefined {
    return this.zones.find((z) => lower === z || lower.endsWith(`.${z}`));
  }

  /** The reply to one question; `name` without the trailing dot, `type` as dns-packet names it. */
  answer(name: string, type: string): Reply {
    const lower = name.toLowerCase();
    const zone = this.zoneOf(lower);
    if (zone === undefined) return { rcode: Rcode.REFUSED, authoritative: false, answers: [], authorities: [], additionals: [] };
    const ask: Ask = { name, lower, zone, zoneAsked: name.slice(name.length - zone.length) };
    let records: Answer[] | undefined = [];
    let extra: Answer[] = [];
    switch (type) {
      case 'A':
      case 'AAAA':
        records = this.address(ask, type, []);
        break;
      case 'TXT':
        records = this.txt(ask);
        break;
      case 'CNAME':
        records = this.cname(ask);
        break;
      case 'PTR':
        records = this.ptr(ask);
        break;
      case 'SRV': {
        const srv = this.srv(ask);
        records = srv?.records;
        extra = srv?.extra ?? [];
        break;
      }
      case 'MX':
        // Nothing in the cluster is a mail exchanger; the name still exists or not.
        records = this.services(ask, type) && [];
        break;
      case 'SOA':
        // Only the apex has one; any other name is NODATA, even one that does not exist (handler.go).
        records = lower === zone ? [this.soa(ask)] : [];
        break;
      case 'AXFR':
      case 'IXFR':
        return { rcode: Rcode.REFUSED, authoritative: false, answers: [], authorities: [], additionals: [] };
      case 'NS':
        if (lower === zone) {
          const ns = this.ns(ask);
          records = ns.records;
          extra = ns.extra;
          break;
        }
        records = this.services(ask, 'A') && [];
        break;
      default:
        // A fake A lookup tells NODATA from NXDOMAIN for every other type.
        records = this.services(ask, 'A') && [];
    }
    if (records === undefined) return { rcode: Rcode.NXDOMAIN, authoritative: true, answers: [], authorities: [this.soa(ask)], additionals: [] };
    if (records.length === 0) return { rcode: Rcode.NOERROR, authoritative: true, answers: [], authorities: [this.soa(ask)], additionals: [] };
    return { rcode: Rcode.NOERROR, authoritative: true, answers: records, authorities: [], additionals: extra };
  }

  /** plugin.SOA: the zone's SOA, serial the time of the last change seen, minimum the TTL. */
  private soa(ask: Ask): Answer {
    const { ttl } = this.options;
    return {
      name: ask.zoneAsked,
      type: 'SOA',
      ttl: Math.min(ttl, 300),
      data: {
        mname: `ns.dns.${ask.zoneAsked}`,
        rname: `hostmaster.${ask.zoneAsked}`,
        serial: this.view.modified >>> 0,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: ttl,
      },
    };
  }

  /** Kubernetes.Services: the items a name stands for, the NS host name and SRV's filter included. */
  private services(ask: Ask, type: string): Lookup {
    if (ask.lower === `ns.dns.${ask.zone}`) {
      const family = type === 'A' ? 4 : type === 'AAAA' ? 6 : 0;
      return this.localAddresses()
        .filter((a) => a.family === family)
        .map((a) => ({ host: a.ip, family: a.family, port: 0, target: ask.name }));
    }
    const items = this.records(ask);
    // SRV for an ExternalName is not implemented in CoreDNS: its CNAME item is dropped.
    return type === 'SRV' && items ? items.filter((i) => i.family !== undefined) : items;
  }

  private localAddresses(): { ip: string; family: 4 | 6 }[] {
    return this.options.localIPs.map((ip) => canonicalIP(ip)).filter((a) => a !== undefined);
  }

  /** Kubernetes.Records with parseRequest: what a name in the zone stands for. */
  private records(ask: Ask): Lookup {
    const base = ask.lower === ask.zone ? '' : ask.lower.slice(0, -(ask.zone.length + 1));
    // The apex and the svc and pod subdomains exist and hold nothing (NODATA).
    if (base === '' || base === 'svc' || base === 'pod') return [];
    const segs = base.split('.');
    let last = segs.length - 1;
    const kind = segs[last--];
    if (kind !== 'svc' && kind !== 'pod') return undefined;
    const r = { namespace: '', service: '', endpoint: '', port: '', protocol: '' };
    if (last >= 0) r.namespace = segs[last--];
    if (last >= 0) r.service = segs[last--];
    if (last === 0) r.endpoint = segs[0];
    else if (last === 1) {
      r.port = stripUnderscore(segs[0]);
      r.protocol = stripUnderscore(segs[1]);
    } else if (last > 1) return undefined; // too long to mean anything
    if (reverseZones.some((z) => ask.lower.endsWith(`.${z}`))) return undefined;
    if (!this.view.hasNamespace(r.namespace)) return undefined;
    if (kind === 'pod') return this.pod(r.service, r.namespace, ask);
    if (r.service === '') return [];
    return this.service(r, ask);
  }

  /** findPods with `pods insecure`: a-b-c-d.<ns>.pod.<zone> is the address in its name. */
  private pod(podName: string, namespace: string, ask: Ask): Lookup {
    if (podName === '') return [];
    const text = (podName.match(/-/g)?.length ?? 0) === 3 && !podName.includes('--') ? podName.replaceAll('-', '.') : podName.replaceAll('-', ':');
    const ip = canonicalIP(text);
    if (!ip) return undefined;
    return [{ host: ip.ip, family: ip.family, port: 0, target: `${podName}.${namespace}.pod.${ask.zoneAsked}` }];
  }

  /** findServices: one Service's items, by its type. */
  private service(r: { namespace: string; service: string; endpoint: string; port: string; protocol: string }, ask: Ask): Lookup {
    const svc = this.view.service(r.namespace, r.service);
    if (!svc) return undefined;
    const name = `${svc.name}.${svc.namespace}.svc.${ask.zoneAsked}`;
    if (svc.type === 'ExternalName') {
      // No endpoints, ports or protocols under an ExternalName; an address is no CNAME target.
      if (r.endpoint || r.port || r.protocol || !svc.externalName || canonicalIP(svc.externalName)) return undefined;
      return [{ host: svc.externalName, port: 0, target: name }];
    }
    const items: Item[] = [];
    if (svc.headless || r.endpoint) {
      for (const slice of this.view.slicesOf(svc)) {
        for (const address of slice.addresses) {
          if (!this.view.published(address, svc)) continue;
          const hostname = endpointHostname(address);
          if (r.endpoint && r.endpoint !== hostname.toLowerCase()) continue;
          for (const p of slice.ports) {
            if (!portMatches(r, p.name, p.protocol)) continue;
            items.push({ host: address.ip, family: address.family, port: p.port, target: `${hostname}.${name}` });
          }
        }
      }
      // A headless Service with no ready endpoints does not exist, as the specification says.
      return items.length ? items : undefined;
    }
    let matched = false;
    for (const p of svc.ports) {
      if (!portMatches(r, p.name, p.protocol)) continue;
      matched = true;
      for (const ip of svc.clusterIPs) {
        const family = canonicalIP(ip)?.family;
        if (family) items.push({ host: ip, family, port: p.port, target: name });
      }
    }
    return matched ? items : undefined;
  }

  /** plugin.A / plugin.AAAA: addresses of the family asked, CNAMEs followed inside the zone. */
  private address(ask: Ask, type: 'A' | 'AAAA', previous: Answer[]): Answer[] | undefined {
    const items = this.services(ask, type);
    if (!items) return undefined;
    const family = type === 'A' ? 4 : 6;
    const { ttl } = this.options;
    const out: Answer[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      if (item.family === undefined) {
        const target = item.host.replace(/\.$/, '');
        const folded = target.toLowerCase();
        // x CNAME x, or x CNAME y.x, is a loop.
        if (folded === ask.lower || folded.endsWith(`.${ask.lower}`)) continue;
        if (previous.length > maxCnameChain) continue;
        if (previous.some((rr) => rr.type === 'CNAME' && rr.data === target)) continue;
        const cname: Answer = { name: ask.name, type: 'CNAME', ttl, data: target };
        if (folded === ask.zone || folded.endsWith(`.${ask.zone}`)) {
          const next = this.address({ name: target, lower: folded, zone: ask.zone, zoneAsked: target.slice(target.length - ask.zone.length) }, type, [
            ...previous,
            cname,
          ]);
          if (next?.length) out.push(cname, ...next);
          continue;
        }
        // Outside the zone CoreDNS asks its upstream and appends that answer; this server has
        // none to ask, so the CNAME stands alone and the client's resolver follows it.
        out.push(cname);
        continue;
      }
      if (item.family === family && !seen.has(item.host)) {
        seen.add(item.host);
        out.push({ name: ask.name, type, ttl, data: item.host });
      }
    }
    return out;
  }

  /** Only dns-version.<zone> has a TXT record; any other name that exists is NODATA. */
  private txt(ask: Ask): Answer[] | undefined {
    if (ask.lower === `dns-version.${ask.zone}`) return [{ name: ask.name, type: 'TXT', ttl: dnsVersionTtl, data: dnsSchemaVersion }];
    // Kubernetes.Services' TXT case: an empty lookup (the apex, svc., a namespace) is NXDOMAIN here.
    const items = this.records(ask);
    return items?.length ? [] : undefined;
  }

  /** plugin.CNAME: the first item, when it is a name. */
  private cname(ask: Ask): Answer[] | undefined {
    const items = this.services(ask, 'CNAME');
    if (!items) return undefined;
    const first = items[0];
    return first && first.family === undefined ? [{ name: ask.name, type: 'CNAME', ttl: this.options.ttl, data: first.host.replace(/\.$/, '') }] : [];
  }

  /** Kubernetes.Reverse: a Service's cluster IP names the Service; else each endpoint with the address. */
  private ptr(ask: Ask): Answer[] | undefined {
    const ip = addressFromReverse(ask.lower);
    if (ip === undefined) return this.records(ask) && [];
    const targets = new Set<string>();
    const domain = this.options.clusterDomain;
    const svc = this.view.serviceWithIP(ip);
    if (svc) targets.add(`${svc.name}.${svc.namespace}.svc.${domain}`);
    else {
      for (const slice of this.view.slicesWithIP(ip)) {
        if (!slice.service) continue;
        const owner = this.view.serviceOf(slice);
        for (const address of slice.addresses) {
          if (address.ip === ip && this.view.published(address, owner))
            targets.add(`${endpointHostname(address)}.${slice.service}.${slice.namespace}.svc.${domain}`);
        }
      }
    }
    if (targets.size === 0) return undefined;
    return [...targets].map((data) => ({ name: ask.name, type: 'PTR', ttl: this.options.ttl, data }));
  }

  /**
   * plugin.SRV: one record per distinct target and port, priority 0, weight 100 divided by the
   * number of items (CoreDNS counts before removing duplicates), the targets' addresses as glue.
   */
  private srv(ask: Ask): { records: Answer[]; extra: Answer[] } | undefined {
    const items = this.services(ask, 'SRV');
    if (!items) return undefined;
    const { ttl } = this.options;
    const weight = Math.max(1, Math.floor((100 / (100 * items.length)) * 100));
    const records: Answer[] = [];
    const extra: Answer[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      if (item.port === -1) continue;
      const srvKey = `${item.target}/port/${item.port}`;
      if (!seen.has(srvKey)) {
        seen.add(srvKey);
        records.push({ name: ask.name, type: 'SRV', ttl, data: { priority: 0, weight, port: item.port, target: item.target } });
      }
      const glueKey = `${item.target}/addr/${item.host}`;
      if (!seen.has(glueKey)) {
        seen.add(glueKey);
        extra.push({ name: item.target, type: item.family === 4 ? 'A' : 'AAAA', ttl, data: item.host });
      }
    }
    return { records, extra };
  }

  /** plugin.NS at the apex: ns.dns.<zone> and this server's addresses as glue (none on loopback). */
  private ns(ask: Ask): { records: Answer[]; extra: Answer[] } {
    const addresses = this.localAddresses();
    if (addresses.length === 0) return { records: [], extra: [] };
    const { ttl } = this.options;
    const host = `ns.dns.${ask.zoneAsked}`;
    return {
      records: [{ name: ask.name, type: 'NS', ttl, data: host }],
      extra: addresses.map((a) => ({ name: host, type: a.family === 4 ? 'A' : 'AAAA', ttl, data: a.ip })),
    };
  }
}
