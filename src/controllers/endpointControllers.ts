// The controllers that keep Endpoints and EndpointSlices, assembled over three shared
// informers (Services, Endpoints, EndpointSlices) as kube-controller-manager shares its
// informer factory: the endpoints and endpointslice controllers (Services with a selector),
// the mirroring controller (Services without one), the garbage collector (slices whose owners
// are gone) and kube-apiserver's reconciler of the `kubernetes` Service's endpoints.
import type { EndpointSlice } from '../model/endpointSlice.js';
import type { Endpoints } from '../model/endpoints.js';
import type { Service } from '../model/service.js';
import type { GenericStore } from '../registry/generic/store.js';
import type { ServiceRegistry } from '../registry/serviceRegistry.js';
import type { WatchHub } from '../watch/watchHub.js';
import { EndpointSliceController } from './endpointSliceController.js';
import { EndpointsController } from './endpointsController.js';
import { GarbageCollector } from './garbageCollector.js';
import { Informer } from './informer.js';
import { KubernetesEndpointsReconciler } from './kubernetesEndpoints.js';
import { MirroringController } from './mirroringController.js';
import { labelManagedBy } from './objects.js';
import { SliceIndex } from './sliceIndex.js';
import type { Controller, WorkQueueOptions } from './workQueue.js';

export interface EndpointControllersDeps {
  hub: WatchHub;
  services: ServiceRegistry;
  endpoints: GenericStore<Endpoints>;
  endpointSlices: GenericStore<EndpointSlice>;
  log: (msg: string) => void;
  /** A failed sync is retried after this, doubling up to 5 minutes (the controllers' rate limiter). */
  retryBaseMs?: number;
}

export class EndpointControllers implements Controller {
  private readonly informers: Informer<Service | Endpoints | EndpointSlice>[];
  private readonly controllers: Controller[];
  private readonly kubernetes: KubernetesEndpointsReconciler;
  private started = false;

  constructor(deps: EndpointControllersDeps) {
    const queue: WorkQueueOptions = { baseMs: deps.retryBaseMs ?? 1000, maxMs: 300_000, log: deps.log };
    // Only Services with a selector concern these controllers at start (a Service without one
    // matters once its Endpoints are seen); only slices managed by a controller or owned by
    // something concern the index.
    const services = new Informer<Service>(deps.hub, { resource: 'services', kind: 'Service', initialContains: ['"selector"'], log: deps.log });
    const endpoints = new Informer<Endpoints>(deps.hub, { resource: 'endpoints', kind: 'Endpoints', log: deps.log });
    const slices = new Informer<EndpointSlice>(deps.hub, {
      resource: 'endpointslices',
      kind: 'EndpointSlice',
      initialContains: [labelManagedBy, '"ownerReferences"', '"kubernetes"'],
      log: deps.log,
    });
    const index = new SliceIndex();
    slices.on(index.observe);
    this.kubernetes = new KubernetesEndpointsReconciler(endpoints, slices, deps.endpoints, deps.endpointSlices, queue);
    this.controllers = [
      new EndpointsController(services, endpoints, deps.services, deps.endpoints, queue),
      new EndpointSliceController(services, slices, index, deps.services, deps.endpointSlices, queue),
      new MirroringController(services, endpoints, slices, index, deps.services, deps.endpoints, deps.endpointSlices, queue),
      new GarbageCollector(services, endpoints, index, deps.services, deps.endpoints, deps.endpointSlices, queue),
      this.kubernetes,
    ];
    this.informers = [slices, endpoints, services] as Informer<Service | Endpoints | EndpointSlice>[];
  }

  /** The informers list first; the controllers' first passes read what they listed. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // Together, so that their starting reads of one resource are one read (WatchHub.initialState).
    await Promise.all(this.informers.map((informer) => informer.start()));
    for (const controller of this.controllers) controller.start();
  }

  /** Where the `kubernetes` Service's endpoints point: this server's address and port. */
  advertise(ip: string | undefined, port: number): void {
    this.kubernetes.advertise(ip, port);
  }

  async stop(): Promise<void> {
    for (const informer of this.informers) informer.stop();
    await Promise.all(this.controllers.map((c) => c.stop()));
  }

  /** Resolves once no controller has work queued or running (backoff retries excepted). */
  async idle(): Promise<void> {
    do {
      await Promise.all(this.controllers.map((c) => c.idle()));
      // One controller's committed write may have queued another's work.
      await new Promise((resolve) => setImmediate(resolve));
    } while (this.busy());
  }

  busy(): boolean {
    return this.controllers.some((c) => c.busy());
  }
}
