// The responder's picture of the cluster: the parts of Services, EndpointSlices and Namespaces that
// DNS answers depend on, indexed for the lookups a query makes (by name, by address), and kept up
// to date from the feed's events. CoreDNS keeps the same stripped-down objects
// (plugin/kubernetes/object) and the same indexes (controller.go: svcIPIndexFunc, epIPIndexFunc).
import ipaddr from 'ipaddr.js';
import type { ClusterFeed, FeedEvent } from './clusterFeed.js';

export interface PortEntry {
  /** '' for an unnamed port. */
  name: string;
  protocol: string;
  /** -1 stands for "no ports", as CoreDNS's sentinel: addresses answer A, but no SRV. */
  port: number;
}

export interface ServiceEntry {
  namespace: string;
  name: string;
  type: string;
  /** spec.clusterIPs in canonical form; ['None'] when headless, [] for ExternalName. */
  clusterIPs: string[];
  headless: boolean;
  externalName: string;
  ports: PortEntry[];
  publishNotReadyAddresses: boolean;
}

export interface EndpointAddress {
  ip: string;
  family: 4 | 6;
  /** The endpoint's hostname, or '' when it has none. */
  hostname: string;
  ready: boolean;
}

export interface SliceEntry {
  namespace: string;
  name: string;
  /** Its kubernetes.io/service-name label: the Service it belongs to. */
  service: string;
  ports: PortEntry[];
  /** One per address of each endpoint, in the slice's order. */
  addresses: EndpointAddress[];
}

const serviceNameLabel = 'kubernetes.io/service-name';

/**
 * The canonical text of an IP address as Go's net.ParseIP reads it (no leading zeros in IPv4, no
 * zone), or undefined. An IPv4-mapped IPv6 address is IPv4, as net.IP.To4 makes it.
 */
export function canonicalIP(text: string): { ip: string; family: 4 | 6 } | undefined {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(text)) return { ip: text, family: 4 };
  if (!text.includes(':') || text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
  const v6 = ipaddr.IPv6.parse(text);
  if (v6.isIPv4MappedAddress()) return { ip: v6.toIPv4Address().toString(), family: 4 };
  return { ip: v6.toString(), family: 6 };
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

interface Meta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
}

interface ServiceObject {
  metadata?: Meta;
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    publishNotReadyAddresses?: boolean;
    ports?: { name?: string; protocol?: string; port?: number }[];
  };
}

interface EndpointSliceObject {
  metadata?: Meta;
  addressType?: string;
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean | null }; hostname?: string | null }[] | null;
  ports?: { name?: string | null; protocol?: string | null; port?: number | null }[] | null;
}

function toService(obj: ServiceObject): ServiceEntry | undefined {
  const { name, namespace } = obj.metadata ?? {};
  if (!name || !namespace) return undefined;
  const spec = obj.spec ?? {};
  // CoreDNS's object.ToService: clusterIPs, else the single clusterIP (empty for ExternalName).
  const raw = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const headless = raw[0] === 'None';
  const clusterIPs = headless ? ['None'] : raw.map((ip) => canonicalIP(ip)?.ip).filter((ip): ip is string => ip !== undefined);
  const ports = (spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? -1 }));
  return {
    namespace,
    name,
    type: spec.type ?? 'ClusterIP',
    clusterIPs,
    headless,
    externalName: spec.externalName ?? '',
    ports: ports.length ? ports : [{ name: '', protocol: '', port: -1 }],
    publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
  };
}

function toSlice(obj: EndpointSliceObject): SliceEntry | undefined {
  const { name, namespace, labels } = obj.metadata ?? {};
  if (!name || !namespace) return undefined;
  const ports = (obj.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? -1 }));
  const addresses: EndpointAddress[] = [];
  // FQDN slices (deprecated) name hosts rather than addresses; there is nothing to answer A with.
  if (obj.addressType === 'IPv4' || obj.addressType === 'IPv6') {
    for (const endpoint of obj.endpoints ?? []) {
      // discovery/v1: a nil ready condition means unknown, which consumers read as ready.
      const ready = endpoint.conditions?.ready !== false;
      for (const address of endpoint.addresses ?? []) {
        const ip = canonicalIP(address);
        if (ip) addresses.push({ ...ip, hostname: endpoint.hostname ?? '', ready });
      }
    }
  }
  return {
    namespace,
    name,
    service: labels?.[serviceNameLabel] ?? '',
    ports: ports.length ? ports : [{ name: '', protocol: '', port: -1 }],
    addresses,
  };
}

export class ClusterView {
  private readonly namespaces = new Set<string>();
  private readonly services = new Map<string, ServiceEntry>();
  private readonly slices = new Map<string, SliceEntry>();
  private readonly slicesByService = new Map<string, Set<SliceEntry>>();
  private readonly servicesByIP = new Map<string, Set<ServiceEntry>>();
  private readonly slicesByIP = new Map<string, Set<SliceEntry>>();
  private stops: (() => void)[] = [];
  /** Unix seconds of the last change that reached the view: the SOA serial, as CoreDNS's. */
  modified = Math.floor(Date.now() / 1000);
  /** Bumped by every change; answers computed at one generation stay valid until the next. */
  generation = 0;

  /** Starts following the feed; resolves once the current state is in the view. */
  async follow(feed: ClusterFeed): Promise<void> {
    this.stops.push(await feed.watch('namespaces', (e) => this.apply('namespaces', e)));
    this.stops.push(await feed.watch('services', (e) => this.apply('services', e)));
    this.stops.push(await feed.watch('endpointslices', (e) => this.apply('endpointslices', e)));
  }

  stop(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
  }

  hasNamespace(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  service(namespace: string, name: string): ServiceEntry | undefined {
    return this.services.get(keyOf(namespace, name));
  }

  /** The Service's EndpointSlices (those labelled with its name in its namespace). */
  slicesOf(svc: ServiceEntry): Iterable<SliceEntry> {
    return this.slicesByService.get(keyOf(svc.namespace, svc.name)) ?? [];
  }

  /** The Service holding a cluster IP (the first, should two ever claim one). */
  serviceWithIP(ip: string): ServiceEntry | undefined {
    const set = this.servicesByIP.get(ip);
    return set ? set.values().next().value : undefined;
  }

  slicesWithIP(ip: string): Iterable<SliceEntry> {
    return this.slicesByIP.get(ip) ?? [];
  }

  /** The Service a slice belongs to, when it exists. */
  serviceOf(slice: SliceEntry): ServiceEntry | undefined {
    return this.services.get(keyOf(slice.namespace, slice.service));
  }

  /** Whether DNS publishes an address: ready, or its Service publishes not-ready addresses. */
  published(address: EndpointAddress, svc: ServiceEntry | undefined): boolean {
    // In a cluster the EndpointSlice controller writes ready=true for every endpoint of a Service
    // with publishNotReadyAddresses, and CoreDNS reads only the condition. Here slices are written
    // by hand, so the Service's setting is applied at the reader to give the cluster's answer.
    return address.ready || svc?.publishNotReadyAddresses === true;
  }

  private apply(resource: 'namespaces' | 'services' | 'endpointslices', event: FeedEvent): void {
    this.generation++;
    this.modified = Math.floor(Date.now() / 1000);
    const deleted = event.type === 'DELETED';
    if (resource === 'namespaces') {
      const name = (event.object as { metadata?: Meta }).metadata?.name;
      if (!name) return;
      if (deleted) this.namespaces.delete(name);
      else this.namespaces.add(name);
    } else if (resource === 'services') {
      const svc = toService(event.object as ServiceObject);
      if (!svc) return;
      const key = keyOf(svc.namespace, svc.name);
      const old = this.services.get(key);
      if (old) for (const ip of old.clusterIPs) removeFrom(this.servicesByIP, ip, old);
      if (deleted) {
        this.services.delete(key);
        return;
      }
      this.services.set(key, svc);
      for (const ip of svc.clusterIPs) if (ip !== 'None') addTo(this.servicesByIP, ip, svc);
    } else {
      const slice = toSlice(event.object as EndpointSliceObject);
      if (!slice) return;
      const key = keyOf(slice.namespace, slice.name);
      const old = this.slices.get(key);
      if (old) {
        removeFrom(this.slicesByService, keyOf(old.namespace, old.service), old);
        for (const a of old.addresses) removeFrom(this.slicesByIP, a.ip, old);
      }
      if (deleted) {
        this.slices.delete(key);
        return;
      }
      this.slices.set(key, slice);
      addTo(this.slicesByService, keyOf(slice.namespace, slice.service), slice);
      for (const a of slice.addresses) addTo(this.slicesByIP, a.ip, slice);
    }
  }
}
