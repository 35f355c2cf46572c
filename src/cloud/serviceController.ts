// The cloud provider's service controller (k8s.io/cloud-provider/controllers/service), against the
// fake cloud. Like the real one it is a client of the API: it learns about Services from the watch
// hub (the stream watch clients get, starting with every existing Service, so work left pending by
// a crash is picked up at start), and writes back through the registry as an external controller
// writes through the API server: the finalizer on the object, the address via the status
// subresource, and Events. Work is level-triggered: a key is queued, and its sync reads the
// Service as it is now and makes the cloud match it.
import type { Service } from '../model/service.js';
import type { EventRegistry, RecordInput } from '../registry/eventRegistry.js';
import type { ServiceRegistry } from '../registry/serviceRegistry.js';
import { StatusError } from '../registry/errors.js';
import { controllerManager } from '../registry/generic/store.js';
import { eventObject, type WatchEvent, type WatchHandle, type WatchHub } from '../watch/watchHub.js';
import { CloudError, type CloudProvider, type LoadBalancerIngress, type LoadBalancerRequest } from './cloudProvider.js';

/** servicehelper.LoadBalancerCleanupFinalizer */
export const cleanupFinalizer = 'service.kubernetes.io/load-balancer-cleanup';
const component = 'service-controller';

export interface ServiceControllerOptions {
  /** The workqueue's per-item exponential backoff after a failed sync: 5 s doubling to 300 s in kube. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export const serviceControllerDefaults: ServiceControllerOptions = { retryBaseMs: 5000, retryMaxMs: 300_000 };

interface KeyState {
  uid?: string;
  /** What the last event showed of the fields a sync depends on; other changes do not queue work. */
  fingerprint?: string;
  running?: Promise<void>;
  /** Another sync is needed once the running one ends. */
  again?: boolean;
  retry?: NodeJS.Timeout;
  failures: number;
}

/** cloud-provider's wantsLoadBalancer: type LoadBalancer and no class, which means the default (cloud) implementation. */
export function wantsLoadBalancer(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' && !svc.spec.loadBalancerClass;
}

const hasFinalizer = (svc: Service) => svc.metadata?.finalizers?.includes(cleanupFinalizer) ?? false;

/**
 * The fields whose change needs a sync (the controller's needsUpdate), plus deletion and the
 * status (someone else clearing it is repaired). The finalizer is left out: adding it is the
 * sync's own first write, and re-running on it would double every failed attempt.
 */
function fingerprint(svc: Service): string {
  const spec = svc.spec ?? {};
  const annotations = Object.entries(svc.metadata?.annotations ?? {}).filter(([k]) => k.includes('load-balancer') || k.startsWith('svcplane.dev/'));
  return JSON.stringify([
    svc.metadata?.uid,
    spec.type,
    spec.loadBalancerClass,
    spec.loadBalancerIP,
    spec.externalTrafficPolicy,
    spec.healthCheckNodePort,
    (spec.ports ?? []).map((p) => [p.name, p.protocol, p.port, p.nodePort]),
    annotations.sort(),
    svc.metadata?.deletionTimestamp !== undefined,
    svc.status?.loadBalancer?.ingress ?? [],
  ]);
}

export class ServiceController {
  private readonly keys = new Map<string, KeyState>();
  private handle?: WatchHandle;
  private stopped = false;
  /** Told how long each new load balancer took, in seconds, once its address is written (metrics). */
  onProvisioned?: (seconds: number) => void;

  constructor(
    private readonly hub: WatchHub,
    private readonly services: ServiceRegistry,
    private readonly events: EventRegistry,
    private readonly cloud: CloudProvider,
    private readonly options: ServiceControllerOptions = serviceControllerDefaults,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  /** Starts watching; every existing Service arrives first, as an informer's initial list does. */
  async start(): Promise<void> {
    // Most Services never concern this controller, and at start there may be 100,000 of them: the
    // initial state holds only those that are LoadBalancers or carry the finalizer (a prefilter
    // the database applies; observe decides). One that only still holds a load balancer is found
    // from the cloud's side below.
    this.handle = await this.hub.watch(
      { resource: 'services', kind: 'Service', initialContains: ['"LoadBalancer"', cleanupFinalizer] },
      {
        send: (event) => {
          this.observe(event);
          return true;
        },
        end: () => {},
      },
    );
    for (const lb of await this.cloud.listLoadBalancers()) {
      const key = `${lb.namespace}/${lb.name}`;
      if (this.keys.has(key)) continue;
      const svc = await this.read(lb.namespace, lb.name);
      if (svc?.metadata?.uid === lb.uid) {
        // Its Service changed type while no controller ran: the sync releases the load balancer.
        this.keys.set(key, { failures: 0 });
        this.observe({ type: 'ADDED', object: JSON.stringify(svc), revision: 0 });
        continue;
      }
      // Its Service is gone entirely (deleted while the finalizer was missing, or the database
      // replaced): the real controller's cleanup of orphans.
      void this.cloud.deleteLoadBalancer(lb.uid).catch((err) => this.log(`deleting orphaned load balancer ${lb.cloudName}: ${(err as Error).message}`));
    }
  }

  /** Stops queueing work and waits for syncs in flight (the cloud rejects them once closed). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.handle?.stop();
    for (const state of this.keys.values()) if (state.retry) clearTimeout(state.retry);
    await Promise.allSettled([...this.keys.values()].map((s) => s.running));
  }

  /** Resolves when no sync is running or queued to run at once (retries after backoff excluded). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.keys.values()].map((s) => s.running).filter(Boolean);
      if (running.length === 0) return;
      await Promise.allSettled(running);
    }
  }

  private observe(event: WatchEvent): void {
    const svc = eventObject<Service>(event);
    const key = `${svc.metadata!.namespace}/${svc.metadata!.name}`;
    let state = this.keys.get(key);
    if (event.type === 'DELETED') {
      // Removed for good. If it still had a load balancer (no finalizer), release it now.
      const uid = state?.uid;
      if (uid) void this.releaseOrphan(uid);
      if (state && !state.running) this.keys.delete(key);
      return;
    }
    // A Service that holds a load balancer always has a key here: it got one when it was a
    // LoadBalancer, or at start from the cloud's list. So other Services, nearly every write on a
    // busy server, are dismissed without asking the cloud.
    if (!state && !wantsLoadBalancer(svc) && !hasFinalizer(svc)) return;
    if (!state) this.keys.set(key, (state = { failures: 0 }));
    const print = fingerprint(svc);
    if (state.fingerprint === print) return;
    if (state.uid && state.uid !== svc.metadata?.uid) state.failures = 0;
    state.fingerprint = print;
    state.uid = svc.metadata?.uid;
    this.enqueue(key, state);
  }

  private enqueue(key: string, state: KeyState): void {
    if (this.stopped) return;
    if (state.running) {
      state.again = true;
      return;
    }
    if (state.retry) {
      clearTimeout(state.retry);
      state.retry = undefined;
    }
    state.running = (async () => {
      try {
        await this.sync(key);
        state.failures = 0;
      } catch (err) {
        if (this.stopped || (err instanceof CloudError && err.reason === 'ShuttingDown')) return;
        state.failures++;
        // workqueue.NewItemExponentialFailureRateLimiter(5s, 300s)
        const delay = Math.min(this.options.retryBaseMs * 2 ** (state.failures - 1), this.options.retryMaxMs);
        this.log(`syncing service ${key} failed (attempt ${state.failures}), retrying in ${delay} ms: ${(err as Error).message}`);
        state.retry = setTimeout(() => {
          state.retry = undefined;
          this.enqueue(key, state);
        }, delay);
        state.retry.unref();
      } finally {
        state.running = undefined;
        if (state.again) {
          state.again = false;
          this.enqueue(key, state);
        }
      }
    })();
  }

  /** One level-triggered pass over a Service: the real controller's syncService/processLoadBalancerDelete. */
  private async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const svc = await this.read(namespace, name);
    if (!svc) return;
    const uid = svc.metadata!.uid!;
    const ref = { kind: 'Service', namespace, name, uid, apiVersion: 'v1' };
    const record = async (type: RecordInput['type'], reason: string, message: string) => {
      try {
        await this.events.record({ involvedObject: ref, type, reason, message, component });
      } catch (err) {
        // An event is best effort, as with client-go's recorder (the namespace may be going away).
        this.log(`recording event ${reason} for ${key}: ${(err as Error).message}`);
      }
    };

    if (wantsLoadBalancer(svc) && !svc.metadata?.deletionTimestamp) {
      if (!hasFinalizer(svc))
        await this.patch(namespace, name, 'main', (s) => ({
          ...s,
          metadata: { ...s.metadata, finalizers: [...(s.metadata?.finalizers ?? []), cleanupFinalizer] },
        }));
      const existing = await this.cloud.getLoadBalancer(uid);
      const request = toRequest(svc);
      const changed =
        !existing ||
        JSON.stringify(existing.ports.map((p) => [p.protocol, p.port, p.nodePort])) !==
          JSON.stringify(request.ports.map((p) => [p.protocol, p.port, p.nodePort]));
      if (changed) await record('Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
      let ingress: LoadBalancerIngress[];
      let created = false;
      const started = performance.now();
      try {
        const result = await this.cloud.ensureLoadBalancer(request);
        ingress = result.ingress;
        created = result.action === 'created';
        if (created) await record('Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
        else if (result.action === 'updated') {
          await record('Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
          await record('Normal', 'UpdatedLoadBalancer', 'Updated load balancer with new ports');
        }
      } catch (err) {
        if (err instanceof CloudError && err.reason === 'ShuttingDown') throw err;
        await record('Warning', 'SyncLoadBalancerFailed', `Error syncing load balancer: failed to ensure load balancer: ${(err as Error).message}`);
        throw err;
      }
      // The Service may have changed while the cloud worked; a later event syncs again.
      const now = await this.read(namespace, name);
      if (!now || now.metadata!.uid !== uid) return;
      if (JSON.stringify(now.status?.loadBalancer?.ingress ?? []) !== JSON.stringify(ingress)) {
        await this.patch(namespace, name, 'status', (s) => ({ ...s, status: { ...s.status, loadBalancer: { ingress } } }));
      }
      if (created) this.onProvisioned?.((performance.now() - started) / 1000);
      return;
    }

    // Not (or no longer) a load balancer this controller serves: release it, clear the status, drop the finalizer.
    if (await this.cloud.getLoadBalancer(uid)) {
      await record('Normal', 'DeletingLoadBalancer', 'Deleting load balancer');
      await this.cloud.deleteLoadBalancer(uid);
      await record('Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
    }
    const now = await this.read(namespace, name);
    if (!now || now.metadata!.uid !== uid) return;
    if ((now.status?.loadBalancer?.ingress?.length ?? 0) > 0 && !wantsLoadBalancer(now)) {
      await this.patch(namespace, name, 'status', (s) => ({ ...s, status: { ...s.status, loadBalancer: {} } }));
    }
    if (hasFinalizer(now)) {
      // With deletionTimestamp set, removing the last finalizer is what deletes the object.
      await this.patch(namespace, name, 'main', (s) => ({
        ...s,
        metadata: { ...s.metadata, finalizers: s.metadata?.finalizers?.filter((f) => f !== cleanupFinalizer) },
      }));
    }
  }

  /** A Service removed for good while it still had a load balancer (no finalizer): release it now. */
  private async releaseOrphan(uid: string): Promise<void> {
    try {
      if (await this.cloud.getLoadBalancer(uid)) await this.cloud.deleteLoadBalancer(uid);
    } catch {
      // Best effort: the next start's orphan cleanup finds what this missed.
    }
  }

  private async read(namespace: string, name: string): Promise<Service | undefined> {
    try {
      return await this.services.get(namespace, name);
    } catch (err) {
      if (err instanceof StatusError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  private async patch(namespace: string, name: string, subresource: 'main' | 'status', mutate: (s: Service) => Service): Promise<void> {
    try {
      await this.services.patch(namespace, name, mutate, { subresource, fieldManager: controllerManager });
    } catch (err) {
      // Gone meanwhile: nothing left to do for it.
      if (err instanceof StatusError && err.statusCode === 404) return;
      throw err;
    }
  }
}

function toRequest(svc: Service): LoadBalancerRequest {
  return {
    uid: svc.metadata!.uid!,
    namespace: svc.metadata!.namespace!,
    name: svc.metadata!.name!,
    annotations: svc.metadata?.annotations ?? {},
    loadBalancerIP: svc.spec?.loadBalancerIP || undefined,
    ports: (svc.spec?.ports ?? []).map((p) => ({ name: p.name, protocol: p.protocol ?? 'TCP', port: p.port, nodePort: p.nodePort })),
  };
}
