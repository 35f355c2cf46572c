// The part of kube-controller-manager's garbage collector these controllers rely on: an
// EndpointSlice whose owners (a Service, an Endpoints) are all gone is deleted, as the collector
// deletes dependents in the background once no owner is left. Owners of other kinds are not
// known here, so slices naming them are left alone. At start, slices whose owners went while
// the server was down are found from the slice informer's first list.
import type { EndpointSlice } from '../model/endpointSlice.js';
import type { Endpoints } from '../model/endpoints.js';
import type { Service } from '../model/service.js';
import type { GenericStore } from '../registry/generic/store.js';
import type { KubeObject } from '../registry/generic/strategy.js';
import type { ServiceRegistry } from '../registry/serviceRegistry.js';
import { type Informer, splitKey } from './informer.js';
import { deleteIfPresent, getOrUndefined } from './objects.js';
import type { SliceIndex } from './sliceIndex.js';
import { type Controller, WorkQueue, type WorkQueueOptions } from './workQueue.js';

export class GarbageCollector implements Controller {
  private readonly queue: WorkQueue;

  constructor(
    services: Informer<Service>,
    endpoints: Informer<Endpoints>,
    private readonly index: SliceIndex,
    private readonly serviceStore: ServiceRegistry,
    private readonly endpointsStore: GenericStore<Endpoints>,
    private readonly sliceStore: GenericStore<EndpointSlice>,
    queue: WorkQueueOptions,
  ) {
    this.queue = new WorkQueue('garbage-collector', (key) => this.sync(key), queue);
    const ownerGone = (type: string, owner: KubeObject) => {
      if (type !== 'DELETED') return;
      for (const key of this.index.ownedBy(owner.metadata?.uid ?? '')) this.queue.add(key);
    };
    services.on(ownerGone);
    endpoints.on(ownerGone);
  }

  /** The first pass, over every slice with owners, once the informers have listed. */
  start(): void {
    for (const uid of this.index.owners()) for (const key of this.index.ownedBy(uid)) this.queue.add(key);
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  busy(): boolean {
    return this.queue.busy();
  }

  /** Whether an owner reference names an object that is still there (undefined: a kind not known here). */
  private async ownerExists(namespace: string, ref: { apiVersion: string; kind: string; name: string; uid: string }): Promise<boolean | undefined> {
    if (ref.apiVersion !== 'v1') return undefined;
    const store = ref.kind === 'Service' ? this.serviceStore : ref.kind === 'Endpoints' ? this.endpointsStore : undefined;
    if (!store) return undefined;
    return ((await getOrUndefined<KubeObject>(store as GenericStore<KubeObject>, namespace, ref.name))?.metadata?.uid ?? '') === ref.uid;
  }

  private async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const slice = await getOrUndefined(this.sliceStore, namespace, name);
    const owners = slice?.metadata?.ownerReferences ?? [];
    if (!slice || owners.length === 0) return;
    for (const ref of owners) if ((await this.ownerExists(namespace, ref)) !== false) return;
    await deleteIfPresent(this.sliceStore, slice);
  }
}
