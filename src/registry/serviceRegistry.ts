// The Service registry: kube-apiserver's create/update/delete pipeline for Services, in the
// order that decides which error a client sees (decode, default, admission, allocation,
// validation, write). Each write is one store transaction holding the object, its change-log
// row and its allocations. No HTTP and no SQL here.
import { canonicalize } from '../model/canonical.js';
import { Service } from '../model/service.js';
import type { ObjectStore, StoredObject, WriteTx } from '../storage/objectStore.js';
import { Rollback, UniqueViolation } from '../storage/objectStore.js';
import { setServiceDefaults } from './defaults.js';
import { alreadyExists, badRequest, conflict, invalid, notFound, staleResourceVersion, unknownError, type StatusError } from './errors.js';
import { randomIdentities, timestamp, type Identities } from './metadata.js';
import type { NamespaceRegistry } from './namespaceRegistry.js';
import type { ServiceAllocation } from './serviceAllocation.js';
import { dropTypeDependentFields, normalizeClusterIPs, patchAllocatedValues } from './serviceStrategy.js';
import { validateService, validateServiceStatusUpdate, validateServiceUpdate } from './validation/service.js';

const resource = 'services';

export interface WriteOptions {
  dryRun?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListFilter {
  matches?: (svc: Service) => boolean;
}

/** A patch, applied to the current object inside the write transaction. */
export type Mutation = (current: Service) => Service;

export class ServiceRegistry {
  constructor(
    private readonly store: ObjectStore,
    private readonly allocation: ServiceAllocation,
    private readonly namespaces: NamespaceRegistry,
    private readonly ids: Identities = randomIdentities,
  ) {
    namespaces.deleteContents = (tx, ns) => this.deleteNamespaceContents(tx, ns);
  }

  private serialize(svc: Service): string {
    return JSON.stringify(canonicalize(Service, { ...svc, kind: 'Service', apiVersion: 'v1' }));
  }

  private row(namespace: string, name: string): StoredObject | undefined {
    return this.store.get({ resource, namespace, name });
  }

  /** The stored JSON, served as is. */
  getBody(namespace: string, name: string): string {
    const row = this.row(namespace, name);
    if (!row) throw notFound(resource, name);
    return row.body;
  }

  get(namespace: string, name: string): Service {
    return JSON.parse(this.getBody(namespace, name)) as Service;
  }

  /** Bodies in namespace/name order, and the revision the list is consistent at. */
  listBodies(namespace: string | undefined): { bodies: string[]; resourceVersion: string } {
    // better-sqlite3 is synchronous: the read and the revision are taken with no write between them.
    return { bodies: this.store.list(resource, namespace), resourceVersion: String(this.store.currentRevision()) };
  }

  list(namespace: string | undefined, filter: ListFilter = {}): { items: Service[]; resourceVersion: string } {
    const { bodies, resourceVersion } = this.listBodies(namespace);
    let items = bodies.map((b) => JSON.parse(b) as Service);
    if (filter.matches) items = items.filter(filter.matches);
    return { items, resourceVersion };
  }

  private run<T>(options: WriteOptions, fn: (tx: WriteTx) => T): T {
    try {
      return this.store.transaction((tx) => {
        const result = fn(tx);
        if (options.dryRun) throw new Rollback(result);
        return result;
      });
    } catch (err) {
      if (err instanceof Rollback) return this.dryRunAnswer(err.value as T);
      throw err;
    }
  }

  /**
   * A dry run answers with the object as it would be stored but with the resourceVersion it has
   * now (none for a create): kube-apiserver's DryRunnableStorage writes nothing, so no revision
   * is taken. `kubectl diff` compares exactly this answer with the live object.
   */
  private dryRunAnswer<T>(value: T): T {
    const restore = (svc: Service) => {
      const stored = this.row(svc.metadata!.namespace!, svc.metadata!.name!);
      if (stored) svc.metadata!.resourceVersion = String(stored.resourceVersion);
      else delete svc.metadata!.resourceVersion;
    };
    const v = value as { object?: Service; items?: Service[]; metadata?: unknown };
    if (v.object) restore(v.object);
    else if (v.items) v.items.forEach(restore);
    else if (v.metadata) restore(value as Service);
    return value;
  }

  private owner(svc: Service) {
    return { resource, namespace: svc.metadata!.namespace!, name: svc.metadata?.name ?? '', uid: svc.metadata!.uid! };
  }

  private checkTypeMeta(svc: Service): void {
    if ((svc.kind && svc.kind !== 'Service') || (svc.apiVersion && svc.apiVersion !== 'v1')) {
      throw badRequest(`the object provided is unrecognized (must be of type Service): ${svc.apiVersion ?? ''}, Kind=${svc.kind ?? ''}`);
    }
  }

  create(namespace: string, input: Service, options: WriteOptions = {}): Service {
    const svc = structuredClone(input);
    this.checkTypeMeta(svc);
    const meta = (svc.metadata ??= {});
    if (meta.namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    setServiceDefaults(svc);
    return this.run(options, (tx) => this.createIn(tx, namespace, svc));
  }

  private createIn(tx: WriteTx, namespace: string, svc: Service): Service {
    const meta = svc.metadata!;
    meta.namespace = namespace;
    this.namespaces.assertAcceptsContent(namespace, resource, meta.name ?? meta.generateName ?? '');
    // etcd3 refuses a create that carries a resourceVersion with a plain error, which the
    // apiserver reports as a reasonless 500; clients depend on nothing else here.
    if (meta.resourceVersion && /^\d+$/.test(meta.resourceVersion) && meta.resourceVersion !== '0') {
      throw unknownError('resourceVersion should not be set on objects to be created');
    }
    if (!meta.name && meta.generateName) {
      // RetryGenerateName: a clash with an existing name draws a new suffix.
      do meta.name = this.ids.name(meta.generateName);
      while (this.row(namespace, meta.name));
    }
    meta.uid = this.ids.uid();
    meta.creationTimestamp = timestamp();
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink', 'managedFields'] as const) delete meta[k];
    svc.status = { loadBalancer: {} };
    normalizeClusterIPs(svc, undefined);
    this.allocation.allocateCreate(tx, svc, this.owner(svc));
    const errs = validateService(svc, this.allocation.context);
    if (errs.length) throw invalid('Service', meta.name ?? '', errs);
    meta.resourceVersion = String(tx.nextRevision());
    const body = this.serialize(svc);
    try {
      tx.insert({ resource, namespace, name: meta.name!, uid: meta.uid, resourceVersion: Number(meta.resourceVersion), body });
    } catch (err) {
      if (err instanceof UniqueViolation) {
        const existing = JSON.parse(this.row(namespace, meta.name!)!.body) as Service;
        throw alreadyExists(resource, meta.name!, Boolean(existing.metadata?.deletionTimestamp));
      }
      throw err;
    }
    return JSON.parse(body) as Service;
  }

  private checkUpdateTarget(namespace: string, name: string, svc: Service): void {
    this.checkTypeMeta(svc);
    const meta = (svc.metadata ??= {});
    if (meta.name !== name) throw badRequest(`the name of the object (${meta.name ?? ''}) does not match the name on the URL (${name})`);
    if (meta.namespace && meta.namespace !== namespace) {
      throw badRequest(`the namespace of the object (${meta.namespace}) does not match the namespace on the request (${namespace})`);
    }
    meta.namespace = namespace;
  }

  /** PUT. A PUT to a missing name creates it, as for Services in kube-apiserver. */
  update(namespace: string, name: string, input: Service, options: WriteOptions = {}): { object: Service; created: boolean } {
    const svc = structuredClone(input);
    this.checkUpdateTarget(namespace, name, svc);
    setServiceDefaults(svc);
    return this.run(options, (tx) => {
      const current = this.row(namespace, name);
      if (!current) {
        if (svc.metadata!.resourceVersion) throw notFound(resource, name);
        return { object: this.createIn(tx, namespace, svc), created: true };
      }
      return { object: this.updateIn(tx, current, svc, 'main'), created: false };
    });
  }

  updateStatus(namespace: string, name: string, input: Service, options: WriteOptions = {}): Service {
    const svc = structuredClone(input);
    this.checkUpdateTarget(namespace, name, svc);
    setServiceDefaults(svc);
    return this.run(options, (tx) => {
      const current = this.row(namespace, name);
      if (!current) throw notFound(resource, name);
      return this.updateIn(tx, current, svc, 'status');
    });
  }

  /** PATCH: the mutation runs against the current object inside the transaction. */
  patch(namespace: string, name: string, mutate: Mutation, subresource: 'main' | 'status', options: WriteOptions = {}): Service {
    return this.run(options, (tx) => {
      const current = this.row(namespace, name);
      if (!current) throw notFound(resource, name);
      const svc = mutate(JSON.parse(current.body) as Service);
      this.checkUpdateTarget(namespace, name, svc);
      setServiceDefaults(svc);
      return this.updateIn(tx, current, svc, subresource);
    });
  }

  private updateIn(tx: WriteTx, current: StoredObject, svc: Service, subresource: 'main' | 'status'): Service {
    const old = JSON.parse(current.body) as Service;
    const meta = svc.metadata!;
    const oldMeta = old.metadata!;
    const name = oldMeta.name!;
    if (meta.uid && meta.uid !== oldMeta.uid) {
      throw conflict(resource, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${oldMeta.uid}`);
    }
    if (meta.resourceVersion && meta.resourceVersion !== oldMeta.resourceVersion) throw staleResourceVersion(resource, name);
    // Fields the client cannot change through an update are restored from storage.
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    meta.resourceVersion = oldMeta.resourceVersion;
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (oldMeta[k] === undefined) delete meta[k];
      else (meta as Record<string, unknown>)[k] = oldMeta[k];
    }
    delete meta.selfLink;
    delete meta.managedFields;

    let errs;
    if (subresource === 'status') {
      // The status subresource changes status only (ResetObjectMetaForStatus, statusStrategy).
      svc.spec = old.spec;
      for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
        if (oldMeta[k] === undefined) delete meta[k];
        else (meta as Record<string, unknown>)[k] = oldMeta[k];
      }
      errs = validateServiceStatusUpdate(svc, old);
    } else {
      svc.status = old.status;
      patchAllocatedValues(svc, old);
      normalizeClusterIPs(svc, old);
      this.allocation.allocateUpdate(tx, svc, old, this.owner(svc));
      dropTypeDependentFields(svc, old);
      errs = validateServiceUpdate(svc, old, this.allocation.context);
    }
    if (errs.length) throw invalid('Service', name, errs);

    if (meta.deletionTimestamp && !(meta.finalizers?.length)) {
      return this.removeIn(tx, current, svc);
    }
    const unchanged = this.serialize(svc);
    if (unchanged === current.body) return JSON.parse(current.body) as Service;
    meta.resourceVersion = String(tx.nextRevision());
    const body = this.serialize(svc);
    tx.update({ resource, namespace: current.namespace, name, uid: current.uid, resourceVersion: Number(meta.resourceVersion), body });
    return JSON.parse(body) as Service;
  }

  /** Removes the object and releases what it holds; the change log gets its final state. */
  private removeIn(tx: WriteTx, current: StoredObject, svc: Service): Service {
    const rv = tx.nextRevision();
    const final = structuredClone(svc);
    final.metadata!.resourceVersion = String(rv);
    tx.remove(current, rv, this.serialize(final));
    const held = JSON.parse(current.body) as Service;
    this.allocation.releaseAll(tx, held, this.owner(held));
    this.namespaces.contentRemoved(tx, current.namespace, this.store.count(resource, current.namespace));
    return JSON.parse(this.serialize(svc)) as Service;
  }

  delete(namespace: string, name: string, options: DeleteOptions = {}): Service {
    return this.run(options, (tx) => {
      const current = this.row(namespace, name);
      if (!current) throw notFound(resource, name);
      return this.deleteIn(tx, current, options);
    });
  }

  private deleteIn(tx: WriteTx, current: StoredObject, options: DeleteOptions): Service {
    const svc = JSON.parse(current.body) as Service;
    const meta = svc.metadata!;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflict(resource, meta.name!, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(resource, meta.name!, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
    }
    if (meta.finalizers?.length) {
      // Marked, not removed: whoever owns the finalizers removes them, and that update deletes it.
      if (meta.deletionTimestamp) return svc;
      meta.deletionTimestamp = timestamp();
      meta.deletionGracePeriodSeconds = 0;
      meta.resourceVersion = String(tx.nextRevision());
      const body = this.serialize(svc);
      tx.update({ ...current, resourceVersion: Number(meta.resourceVersion), body });
      return JSON.parse(body) as Service;
    }
    return this.removeIn(tx, current, svc);
  }

  deleteCollection(namespace: string, filter: ListFilter, options: DeleteOptions = {}): { items: Service[]; resourceVersion: string } {
    return this.run(options, (tx) => {
      const items: Service[] = [];
      for (const body of this.store.list(resource, namespace)) {
        const svc = JSON.parse(body) as Service;
        if (filter.matches && !filter.matches(svc)) continue;
        items.push(this.deleteIn(tx, this.row(namespace, svc.metadata!.name!)!, options));
      }
      return { items, resourceVersion: String(this.store.currentRevision()) };
    });
  }

  private deleteNamespaceContents(tx: WriteTx, namespace: string): number {
    for (const body of this.store.list(resource, namespace)) {
      const svc = JSON.parse(body) as Service;
      this.deleteIn(tx, this.row(namespace, svc.metadata!.name!)!, {});
    }
    return this.store.count(resource, namespace);
  }

  /** Every cluster has the `kubernetes` Service in default, on the first address of the range. */
  bootstrapKubernetesService(ip: string, port: number): void {
    if (this.row('default', 'kubernetes')) return;
    this.create('default', {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: port }], sessionAffinity: 'None' },
    });
  }
}

export type { StatusError };
