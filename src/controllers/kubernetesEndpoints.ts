// kube-apiserver's endpoint reconciler for the `kubernetes` Service (pkg/controlplane/reconcilers,
// the lease reconciler with one server, through its EndpointsAdapter): the Endpoints
// default/kubernetes names this server's address and port ("https"), labelled
// endpointslice.kubernetes.io/skip-mirror=true so the mirroring controller leaves it, and the
// EndpointSlice default/kubernetes says the same: labelled kubernetes.io/service-name only (no
// managed-by, no owner), one ready endpoint. Written at start and again whenever someone
// changes or deletes either, as the reconciler's periodic pass would put them back.
import type { EndpointSlice } from '../model/endpointSlice.js';
import type { Endpoints } from '../model/endpoints.js';
import type { GenericStore } from '../registry/generic/store.js';
import { isIPv6String } from '../registry/validation/names.js';
import type { Informer } from './informer.js';
import { getOrUndefined, labelServiceName, labelSkipMirror, sameMap } from './objects.js';
import { type Controller, WorkQueue, type WorkQueueOptions } from './workQueue.js';

const namespace = 'default';
const name = 'kubernetes';

export class KubernetesEndpointsReconciler implements Controller {
  private readonly queue: WorkQueue;
  private target?: { ip: string; port: number };

  constructor(
    endpoints: Informer<Endpoints>,
    slices: Informer<EndpointSlice>,
    private readonly endpointsStore: GenericStore<Endpoints>,
    private readonly sliceStore: GenericStore<EndpointSlice>,
    queue: WorkQueueOptions,
  ) {
    this.queue = new WorkQueue('endpoint-reconciler', () => this.sync(), queue);
    const ours = (obj: Endpoints | EndpointSlice) => obj.metadata?.namespace === namespace && obj.metadata?.name === name;
    endpoints.on((_type, ep) => {
      if (ours(ep)) this.queue.add(name);
    });
    slices.on((_type, slice) => {
      if (ours(slice)) this.queue.add(name);
    });
  }

  /** The address and port to advertise, known once the server listens; undefined: none to name. */
  advertise(ip: string | undefined, port: number): void {
    this.target = ip === undefined ? undefined : { ip, port };
    this.queue.add(name);
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

  private async sync(): Promise<void> {
    if (!this.target) return;
    const { ip, port } = this.target;
    const ports = [{ name: 'https', port, protocol: 'TCP' as const }];
    const subsets = [{ addresses: [{ ip }], ports }];
    const current = await getOrUndefined(this.endpointsStore, namespace, name);
    const endpointsRight = current?.metadata?.labels?.[labelSkipMirror] === 'true' && JSON.stringify(current.subsets) === JSON.stringify(subsets);
    if (!current) {
      await this.endpointsStore.create(namespace, { metadata: { name, labels: { [labelSkipMirror]: 'true' } }, subsets });
    } else if (!endpointsRight) {
      const labels = { ...current.metadata?.labels, [labelSkipMirror]: 'true' };
      await this.endpointsStore.update(namespace, name, { ...current, metadata: { ...current.metadata, labels }, subsets });
    }

    // EnsureEndpointSliceFromEndpoints
    const slice: EndpointSlice = {
      metadata: { name, labels: { [labelServiceName]: name } },
      addressType: isIPv6String(ip) ? 'IPv6' : 'IPv4',
      endpoints: [{ addresses: [ip], conditions: { ready: true } }],
      ports: [{ name: 'https', protocol: 'TCP', port }],
    };
    const existing = await getOrUndefined(this.sliceStore, namespace, name);
    if (!existing) {
      await this.sliceStore.create(namespace, slice);
      return;
    }
    if (existing.addressType !== slice.addressType) {
      await this.sliceStore.delete(namespace, name, { preconditions: { uid: existing.metadata?.uid } });
      await this.sliceStore.create(namespace, slice);
      return;
    }
    if (
      JSON.stringify(existing.endpoints) === JSON.stringify(slice.endpoints) &&
      JSON.stringify(existing.ports) === JSON.stringify(slice.ports) &&
      sameMap(existing.metadata?.labels, slice.metadata?.labels)
    ) {
      return;
    }
    // The adapter's Update sends the object it built, with no resourceVersion: whatever else the
    // stored one had (annotations, owners) goes.
    await this.sliceStore.update(namespace, name, slice);
  }
}
