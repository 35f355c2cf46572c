// kube-controller-manager's endpointslicemirroring controller (pkg/controller/
// endpointslicemirroring): the Endpoints of a Service without a selector are mirrored into
// EndpointSlices, so that everything reading slices (kube-proxy, DNS, kubectl describe) sees
// endpoints written the old way. Not mirrored: Endpoints labelled
// endpointslice.kubernetes.io/skip-mirror=true, Endpoints with the legacy leader-election
// annotation, Endpoints whose Service is missing or has a selector; their mirrors are deleted.
//
// Each subset gives up to 1000 addresses (ready ones first), split by IP family; subsets with
// the same ports share slices, at most 1000 endpoints each. A slice is named by generateName
// `<endpoints>-`, carries the Endpoints' labels and annotations (but the trigger time and
// kubectl's last-applied configuration) with kubernetes.io/service-name and managed-by
// endpointslicemirroring-controller.k8s.io, and is owned by the Endpoints (controller,
// blockOwnerDeletion), so it goes with them (garbageCollector.ts).
import type { Endpoint, EndpointPort, EndpointSlice } from '../model/endpointSlice.js';
import type { EndpointAddress, Endpoints, EndpointsPort } from '../model/endpoints.js';
import type { Service } from '../model/service.js';
import { isV4Mapped, parseIPSloppy } from '../net/ip.js';
import type { GenericStore } from '../registry/generic/store.js';
import type { ServiceRegistry } from '../registry/serviceRegistry.js';
import { slicePrefix } from './endpointSliceController.js';
import { type Informer, keyOf, splitKey } from './informer.js';
import {
  annotationLastApplied,
  annotationLeader,
  annotationTriggerTime,
  controllerRef,
  deleteIfPresent,
  getOrUndefined,
  labelManagedBy,
  labelServiceName,
  labelSkipMirror,
  mirroringControllerName,
  sameMap,
} from './objects.js';
import type { SliceIndex } from './sliceIndex.js';
import { type Controller, WorkQueue, type WorkQueueOptions } from './workQueue.js';
import { byController } from '../registry/generic/store.js';

/** --mirroring-max-endpoints-per-subset: addresses mirrored per subset, and endpoints per slice. */
export const maxEndpointsPerSubset = 1000;

/** epPortsToEpsPorts */
const slicePorts = (ports: EndpointsPort[] | undefined): EndpointPort[] =>
  (ports ?? []).map((p) => ({
    name: p.name ?? '',
    protocol: p.protocol ?? 'TCP',
    port: p.port ?? 0,
    ...(p.appProtocol === undefined ? {} : { appProtocol: p.appProtocol }),
  }));

/** addressToEndpoint */
function toEndpoint(address: EndpointAddress, ready: boolean): Endpoint {
  const endpoint: Endpoint = { addresses: [address.ip ?? ''], conditions: { ready } };
  if (address.hostname) endpoint.hostname = address.hostname;
  if (address.targetRef) endpoint.targetRef = address.targetRef;
  if (address.nodeName !== undefined) endpoint.nodeName = address.nodeName;
  return endpoint;
}

interface Desired {
  addressType: 'IPv4' | 'IPv6';
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

/** The slices an Endpoints becomes, in subset order. */
export function desiredSlices(ep: Endpoints): Desired[] {
  const groups = new Map<string, Desired & { seen: Set<string> }>();
  for (const subset of ep.subsets ?? []) {
    const ports = slicePorts(subset.ports);
    const portsKey = JSON.stringify([...ports].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
    const addresses: [EndpointAddress, boolean][] = [
      ...(subset.addresses ?? []).map((a): [EndpointAddress, boolean] => [a, true]),
      ...(subset.notReadyAddresses ?? []).map((a): [EndpointAddress, boolean] => [a, false]),
    ].slice(0, maxEndpointsPerSubset);
    for (const [address, ready] of addresses) {
      const ip = parseIPSloppy(address.ip ?? '');
      if (ip === null) continue;
      const addressType = isV4Mapped(ip) ? 'IPv4' : 'IPv6';
      const key = `${addressType} ${portsKey}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { addressType, ports, endpoints: [], seen: new Set() }));
      const endpoint = toEndpoint(address, ready);
      const id = JSON.stringify(endpoint);
      if (group.seen.has(id)) continue;
      group.seen.add(id);
      group.endpoints.push(endpoint);
    }
  }
  const out: Desired[] = [];
  for (const { addressType, ports, endpoints } of groups.values()) {
    for (let i = 0; i < endpoints.length; i += maxEndpointsPerSubset) {
      out.push({ addressType, ports, endpoints: endpoints.slice(i, i + maxEndpointsPerSubset) });
    }
  }
  return out;
}

/** What a mirrored slice carries in its metadata: the Endpoints' labels and annotations. */
function mirroredMeta(ep: Endpoints): { labels: Record<string, string>; annotations: Record<string, string> } {
  const annotations = { ...ep.metadata?.annotations };
  delete annotations[annotationTriggerTime];
  delete annotations[annotationLastApplied];
  const labels = { ...ep.metadata?.labels, [labelServiceName]: ep.metadata?.name ?? '', [labelManagedBy]: mirroringControllerName };
  return { labels, annotations };
}

const sameContent = (slice: EndpointSlice, want: Desired) =>
  slice.addressType === want.addressType &&
  JSON.stringify(slice.ports ?? []) === JSON.stringify(want.ports) &&
  JSON.stringify(slice.endpoints ?? []) === JSON.stringify(want.endpoints);

export class MirroringController implements Controller {
  private readonly queue: WorkQueue;
  /** Keys of the Endpoints that exist: only their Services' changes concern this controller. */
  private readonly known = new Set<string>();

  constructor(
    services: Informer<Service>,
    endpoints: Informer<Endpoints>,
    slices: Informer<EndpointSlice>,
    private readonly index: SliceIndex,
    private readonly serviceStore: ServiceRegistry,
    private readonly endpointsStore: GenericStore<Endpoints>,
    private readonly sliceStore: GenericStore<EndpointSlice>,
    queue: WorkQueueOptions,
  ) {
    this.queue = new WorkQueue('endpointslicemirroring-controller', (key) => this.sync(key), queue);
    endpoints.on((type, ep) => {
      const key = keyOf(ep);
      if (type === 'DELETED') this.known.delete(key);
      else this.known.add(key);
      this.queue.add(key);
    });
    services.on((_type, svc) => {
      const key = keyOf(svc);
      if (this.known.has(key) || this.index.slicesOf(key, mirroringControllerName).length) this.queue.add(key);
    });
    slices.on((_type, slice) => {
      const labels = slice.metadata?.labels ?? {};
      if (labels[labelManagedBy] === mirroringControllerName && labels[labelServiceName]) {
        this.queue.add(`${slice.metadata?.namespace}/${labels[labelServiceName]}`);
      }
    });
  }

  start(): void {}

  stop(): Promise<void> {
    return this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  busy(): boolean {
    return this.queue.busy();
  }

  private async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const existing = (await Promise.all(this.index.slicesOf(key, mirroringControllerName).map((n) => getOrUndefined(this.sliceStore, namespace, n))))
      .filter((s): s is EndpointSlice => s !== undefined && !s.metadata?.deletionTimestamp)
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const ep = await getOrUndefined(this.endpointsStore, namespace, name);
    const svc = ep && (await getOrUndefined(this.serviceStore, namespace, name));
    const mirrored =
      ep && svc && !svc.spec?.selector && ep.metadata?.labels?.[labelSkipMirror] !== 'true' && ep.metadata?.annotations?.[annotationLeader] === undefined;
    if (!mirrored) {
      for (const slice of existing) await deleteIfPresent(this.sliceStore, slice);
      return;
    }

    const { labels, annotations } = mirroredMeta(ep);
    const owner = controllerRef(ep, 'Endpoints');
    const reusable = existing.filter((s) => s.metadata?.ownerReferences?.some((o) => o.uid === owner.uid));
    for (const slice of existing) if (!reusable.includes(slice)) await deleteIfPresent(this.sliceStore, slice);
    const wanted = desiredSlices(ep);
    const placed: [Desired, EndpointSlice | undefined][] = [];
    // A slice that already holds what a desired one should stays as it is (or has only its
    // metadata brought up to date); the rest are rewritten in place before any is created.
    for (const want of wanted) {
      const i = reusable.findIndex((s) => sameContent(s, want));
      placed.push([want, i >= 0 ? reusable.splice(i, 1)[0] : undefined]);
    }
    for (const entry of placed) {
      if (entry[1] === undefined) {
        const i = reusable.findIndex((s) => s.addressType === entry[0].addressType);
        if (i >= 0) entry[1] = reusable.splice(i, 1)[0];
      }
    }
    for (const slice of reusable) await deleteIfPresent(this.sliceStore, slice);
    for (const [want, slice] of placed) {
      if (!slice) {
        await this.sliceStore.create(
          namespace,
          {
            metadata: { generateName: slicePrefix(name), labels, annotations, ownerReferences: [owner] },
            addressType: want.addressType,
            endpoints: want.endpoints,
            ports: want.ports,
          },
          byController,
        );
        continue;
      }
      if (sameContent(slice, want) && sameMap(slice.metadata?.labels, labels) && sameMap(slice.metadata?.annotations, annotations)) continue;
      await this.sliceStore.update(
        namespace,
        slice.metadata?.name ?? '',
        {
          ...slice,
          metadata: { ...slice.metadata, labels, annotations },
          endpoints: want.endpoints,
          ports: want.ports,
        },
        byController,
      );
    }
  }
}
