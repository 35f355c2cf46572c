// kube-controller-manager's endpoints controller (pkg/controller/endpoint), for a server that
// runs no pods: every Service with a selector gets the Endpoints its controller writes when no
// pod matches. That is an Endpoints of the Service's name with no subsets, the Service's labels
// (plus service.kubernetes.io/headless for a headless one) and, when the write follows a change
// to the Service, endpoints.kubernetes.io/last-change-trigger-time (the Service's creation time,
// the trigger time tracker's answer when only the Service changed). A Service that goes takes
// its same-named Endpoints with it, selector or not, as syncService does on NotFound; at start,
// every Endpoints is checked for its Service (checkLeftoverEndpoints), but for the legacy
// leader-election records.
import type { Endpoints } from '../model/endpoints.js';
import type { Service } from '../model/service.js';
import type { GenericStore } from '../registry/generic/store.js';
import type { ServiceRegistry } from '../registry/serviceRegistry.js';
import { type Informer, keyOf, splitKey } from './informer.js';
import { annotationLeader, annotationTriggerTime, deleteIfPresent, getOrUndefined, labelHeadless, sameMap } from './objects.js';
import { type Controller, WorkQueue, type WorkQueueOptions } from './workQueue.js';
import { byController } from '../registry/generic/store.js';

/** helper.IsServiceIPSet: a cluster IP that is neither empty nor None. */
export const isServiceIPSet = (svc: Service) => Boolean(svc.spec?.clusterIP) && svc.spec?.clusterIP !== 'None';

const withoutHeadless = (labels: Record<string, string> | undefined) => {
  const { [labelHeadless]: _h, ...rest } = labels ?? {};
  return rest;
};

export class EndpointsController implements Controller {
  private readonly queue: WorkQueue;
  /** The trigger time tracker: the Service creation time each key was last synced with. */
  private readonly lastTrigger = new Map<string, string>();
  /** Endpoints listed before start, each checked once for its Service. */
  private leftovers: string[] | undefined = [];

  constructor(
    services: Informer<Service>,
    endpoints: Informer<Endpoints>,
    private readonly serviceStore: ServiceRegistry,
    private readonly endpointsStore: GenericStore<Endpoints>,
    queue: WorkQueueOptions,
  ) {
    this.queue = new WorkQueue('endpoints-controller', (key) => this.sync(key), queue);
    services.on((type, svc) => {
      if (type === 'DELETED' || svc.spec?.selector) this.queue.add(keyOf(svc));
    });
    // Someone deleting a controller-written Endpoints gets it back (onEndpointsDelete).
    endpoints.on((type, ep) => {
      if (type === 'DELETED') this.queue.add(keyOf(ep));
      else if (this.leftovers && ep.metadata?.annotations?.[annotationLeader] === undefined) this.leftovers.push(keyOf(ep));
    });
  }

  start(): void {
    for (const key of this.leftovers ?? []) this.queue.add(key);
    this.leftovers = undefined;
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

  private async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const svc = await getOrUndefined(this.serviceStore, namespace, name);
    if (!svc) {
      this.lastTrigger.delete(key);
      const current = await getOrUndefined(this.endpointsStore, namespace, name);
      if (current && current.metadata?.annotations?.[annotationLeader] === undefined) await deleteIfPresent(this.endpointsStore, current);
      return;
    }
    if (!svc.spec?.selector) return;

    const current = await getOrUndefined(this.endpointsStore, namespace, name);
    // No pod matches, so the desired subsets are none; equal labels and no over-capacity
    // annotation mean there is nothing to write.
    if (
      current &&
      !current.subsets?.length &&
      sameMap(withoutHeadless(current.metadata?.labels), svc.metadata?.labels) &&
      current.metadata?.annotations?.['endpoints.kubernetes.io/over-capacity'] === undefined
    ) {
      return;
    }
    const created = svc.metadata?.creationTimestamp ?? '';
    const triggerTime = created > (this.lastTrigger.get(key) ?? '') ? created : undefined;
    this.lastTrigger.set(key, created);

    const next: Endpoints = current ? structuredClone(current) : { metadata: { name, labels: svc.metadata?.labels } };
    const meta = next.metadata!;
    delete next.subsets;
    const annotations = { ...meta.annotations };
    if (triggerTime) annotations[annotationTriggerTime] = triggerTime;
    else delete annotations[annotationTriggerTime];
    delete annotations['endpoints.kubernetes.io/over-capacity'];
    meta.annotations = annotations;
    meta.labels = isServiceIPSet(svc) ? withoutHeadless(svc.metadata?.labels) : { ...svc.metadata?.labels, [labelHeadless]: '' };
    if (current) await this.endpointsStore.update(namespace, name, next, byController);
    else await this.endpointsStore.create(namespace, next, byController);
  }
}
