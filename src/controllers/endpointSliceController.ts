// kube-controller-manager's endpointslice controller (pkg/controller/endpointslice with the
// staging endpointslice reconciler), for a server that runs no pods: a Service with a selector
// (and not ExternalName) gets, for each of its IP families, the placeholder slice the
// reconciler writes when no endpoint exists: generateName `<service>-`, no endpoints, no ports,
// the Service's labels with kubernetes.io/service-name and managed-by
// endpointslice-controller.k8s.io, owned by the Service (controller, blockOwnerDeletion).
// Only slices with that managed-by label are this controller's; others (the mirroring
// controller's, a user's) are left alone. A Service's slices go with it by their owner
// reference (garbageCollector.ts).
import type { EndpointSlice } from '../model/endpointSlice.js';
import type { Service } from '../model/service.js';
import type { GenericStore } from '../registry/generic/store.js';
import type { ServiceRegistry } from '../registry/serviceRegistry.js';
import { isIPv6String, nameIsDNSSubdomain } from '../registry/validation/names.js';
import { isServiceIPSet } from './endpointsController.js';
import { type Informer, keyOf, splitKey } from './informer.js';
import {
  annotationTriggerTime,
  controllerRef,
  deleteIfPresent,
  getOrUndefined,
  labelHeadless,
  labelManagedBy,
  labelServiceName,
  sameMap,
  sliceControllerName,
} from './objects.js';
import type { SliceIndex } from './sliceIndex.js';
import { type Controller, WorkQueue, type WorkQueueOptions } from './workQueue.js';
import { byController } from '../registry/generic/store.js';

type AddressType = 'IPv4' | 'IPv6';

/** getAddressTypesForService: the Service's IP families, else its cluster IP's, else both. */
export function addressTypesOf(svc: Service): AddressType[] {
  const families = (svc.spec?.ipFamilies ?? []).filter((f): f is AddressType => f === 'IPv4' || f === 'IPv6');
  if (families.length) return [...new Set(families)];
  const ip = svc.spec?.clusterIP;
  if (ip && ip !== 'None') return [isIPv6String(ip) ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

/** setEndpointSliceLabels: the Service's labels but the reserved ones, then the reserved ones. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) {
    if (k !== labelServiceName && k !== labelManagedBy && k !== labelHeadless) labels[k] = v;
  }
  if (!isServiceIPSet(svc)) labels[labelHeadless] = '';
  labels[labelServiceName] = svc.metadata?.name ?? '';
  labels[labelManagedBy] = sliceControllerName;
  return labels;
}

/** getEndpointSlicePrefix: `<service>-`, or `endpointslice-` where that is no valid prefix. */
export function slicePrefix(name: string): string {
  const prefix = `${name}-`;
  return nameIsDNSSubdomain(prefix, true).length === 0 ? prefix : 'endpointslice-';
}

const isPlaceholderLike = (slice: EndpointSlice, want: EndpointSlice) =>
  slice.addressType === want.addressType && !slice.endpoints?.length && !slice.ports?.length && sameMap(slice.metadata?.labels, want.metadata?.labels);

export class EndpointSliceController implements Controller {
  private readonly queue: WorkQueue;
  private readonly lastTrigger = new Map<string, string>();

  constructor(
    services: Informer<Service>,
    slices: Informer<EndpointSlice>,
    private readonly index: SliceIndex,
    private readonly serviceStore: ServiceRegistry,
    private readonly sliceStore: GenericStore<EndpointSlice>,
    queue: WorkQueueOptions,
  ) {
    this.queue = new WorkQueue('endpointslice-controller', (key) => this.sync(key), queue);
    services.on((type, svc) => {
      if (type === 'DELETED') this.lastTrigger.delete(keyOf(svc));
      else if (svc.spec?.selector || this.index.slicesOf(keyOf(svc), sliceControllerName).length) this.queue.add(keyOf(svc));
    });
    // A change to one of its slices by anyone else is undone (onEndpointSliceUpdate/Delete).
    slices.on((_type, slice) => {
      const labels = slice.metadata?.labels ?? {};
      if (labels[labelManagedBy] === sliceControllerName && labels[labelServiceName]) {
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
    const svc = await getOrUndefined(this.serviceStore, namespace, name);
    if (!svc || svc.spec?.type === 'ExternalName' || !svc.spec?.selector) return;
    const uid = svc.metadata?.uid;
    const existing = (await Promise.all(this.index.slicesOf(key, sliceControllerName).map((n) => getOrUndefined(this.sliceStore, namespace, n)))).filter(
      (s): s is EndpointSlice => s !== undefined && !s.metadata?.deletionTimestamp,
    );

    const created = svc.metadata?.creationTimestamp ?? '';
    const triggerTime = created > (this.lastTrigger.get(key) ?? '') ? created : undefined;
    this.lastTrigger.set(key, created);

    const types = addressTypesOf(svc);
    // Slices of a family the Service no longer has, or left by an earlier Service of this name.
    for (const slice of existing) {
      const owned = slice.metadata?.ownerReferences?.some((o) => o.controller && o.uid === uid);
      if (!owned || !types.includes(slice.addressType as AddressType)) await deleteIfPresent(this.sliceStore, slice);
    }
    for (const addressType of types) {
      const ofType = existing.filter((s) => s.addressType === addressType && s.metadata?.ownerReferences?.some((o) => o.controller && o.uid === uid));
      const placeholder: EndpointSlice = {
        metadata: {
          generateName: slicePrefix(name),
          labels: sliceLabels(svc),
          annotations: triggerTime ? { [annotationTriggerTime]: triggerTime } : undefined,
          ownerReferences: [controllerRef(svc, 'Service')],
        },
        addressType,
      };
      // The one placeholder that is already right stays; anything else is replaced by it.
      if (ofType.length === 1 && isPlaceholderLike(ofType[0], placeholder)) continue;
      for (const slice of ofType) await deleteIfPresent(this.sliceStore, slice);
      await this.sliceStore.create(namespace, placeholder, byController);
    }
  }
}
