// The generic store: one create/update/patch/delete pipeline for every resource, as
// kube-apiserver's generic registry Store (k8s.io/apiserver/pkg/registry/generic/registry/
// store.go). A resource brings its strategy; the order of the steps here decides which error a
// client sees, and is kube's: decode, default, admission, prepare, begin hooks (allocation),
// validation, write with its change-log row, after hooks. Each write is one store transaction.
// No HTTP and no SQL here.
import type { UserInfo } from '../../auth/user.js';
import type { ObjectStore, ReadTx, StoredObject, WriteTx } from '../../storage/objectStore.js';
import { Rollback, UniqueViolation } from '../../storage/objectStore.js';
import { alreadyExists, badRequest, conflict, invalid, notFound, staleResourceVersion, unknownError } from '../errors.js';
import { randomIdentities, timestamp, type Identities } from '../metadata.js';
import type { FieldError } from '../validation/fieldErrors.js';
import type { KubeObject, StatusStrategy, Strategy } from './strategy.js';
import type { TSchema } from 'typebox';
import { FieldManager, type FieldVersions } from '../apply/fieldManager.js';
import { mergeTypeOf } from '../apply/mergeType.js';

export interface WriteOptions {
  dryRun?: boolean;
  /** Who asks, where authentication runs: RBAC's escalation checks read it (kube's request context). */
  user?: UserInfo;
  /**
   * Who writes: ?fieldManager or the User-Agent's product (kube's managerOrUserAgent). The
   * server's own writes are kube-apiserver's.
   */
  fieldManager?: string;
  /**
   * The group/version the request came through, when it is not the store's own: a storage
   * served through a second group/version (events.k8s.io/v1 over core/v1 Events) validates by it.
   */
  requestVersion?: string;
}

/** An apply: PATCH application/apply-patch+yaml. */
export interface ApplyOptions extends WriteOptions {
  fieldManager: string;
  force: boolean;
  subresource?: Subresource;
  /** The merged object to the stored type: nulls dropped, shape checked, decoded. */
  decode(merged: unknown): KubeObject;
}

export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListFilter<T> {
  matches?: (obj: T) => boolean;
}

/** A patch, applied to the current object inside the write transaction. */
export type Mutation<T> = (current: T) => T | Promise<T>;

export type Subresource = 'main' | 'status';

/** What the namespace lifecycle needs of each namespaced store. */
export interface NamespacedContents {
  readonly resource: string;
  count(tx: ReadTx, namespace: string): Promise<number>;
  deleteNamespaceContents(tx: WriteTx, namespace: string): Promise<number>;
}

/** What the namespace lifecycle asks of and tells every namespaced store's writes. */
export interface NamespaceGate {
  /** Every namespaced store joins the lifecycle as it is made: a namespace's delete sweeps it. */
  register(contents: NamespacedContents): void;
  /** NamespaceLifecycle admission: new content only in an existing, active namespace. */
  assertAcceptsContent(tx: ReadTx, namespace: string, resource: string, name: string): Promise<void>;
  /** Something left a namespace: a Terminating one left empty goes away. */
  contentRemoved(tx: WriteTx, namespace: string): Promise<void>;
}

export interface StoreIdentity {
  /** The plural resource name: the storage key and the word in error messages. */
  resource: string;
  kind: string;
  /** The group/version objects are written with (v1, discovery.k8s.io/v1, ...). */
  apiVersion: string;
  namespaced: boolean;
}

export interface StoreOptions<T extends KubeObject> extends StoreIdentity {
  strategy: Strategy<T>;
  status?: StatusStrategy<T>;
  identities?: Identities;
  /** Namespaced resources only. */
  namespaces?: NamespaceGate;
  /** The object's schema: its x-kubernetes-* keywords drive managedFields and apply. */
  schema: TSchema;
  /** Served through more than one group/version: how managedFields sets translate between them. */
  fieldVersions?: FieldVersions;
  /** The other group/versions this kind is served through (by a ConvertedStore over this one). */
  servedAlsoAs?: readonly string[];
}

/**
 * An object's state as a read answers it: the body is served as it is, and uid with
 * resourceVersion name that state without reading the body (the protobuf encodings are cached
 * by them).
 */
export type StoredBody = Pick<StoredObject, 'uid' | 'resourceVersion' | 'body'>;

/**
 * What the route installer asks of a resource's store: a GenericStore, or a ConvertedStore that
 * serves another group/version's storage.
 */
export interface ResourceStore<T extends KubeObject> {
  readonly resource: string;
  get(namespace: string, name: string): Promise<T>;
  /** The stored JSON as it is served, with the uid and resourceVersion that identify that state. */
  getStored(namespace: string, name: string): Promise<StoredBody>;
  create(namespace: string, input: T, options?: WriteOptions): Promise<T>;
  update(namespace: string, name: string, input: T, options?: WriteOptions & { subresource?: Subresource }): Promise<{ object: T; created: boolean }>;
  updateStatus(namespace: string, name: string, input: T, options?: WriteOptions): Promise<T>;
  patch(namespace: string, name: string, mutate: Mutation<T>, options?: WriteOptions & { subresource?: Subresource }): Promise<T>;
  apply(namespace: string, name: string, config: T, options: ApplyOptions): Promise<{ object: T; created: boolean }>;
  delete(namespace: string, name: string, options?: DeleteOptions): Promise<T>;
  deleteCollection(namespace: string | undefined, filter: ListFilter<T>, options?: DeleteOptions): Promise<{ items: T[]; resourceVersion: string }>;
}

/** The manager of the server's own writes, as kube-apiserver's loopback client names itself. */
export const serverManager = 'kube-apiserver';
/** The manager of the controllers' writes (kube-controller-manager's User-Agent product). */
export const controllerManager = 'kube-controller-manager';
export const byController: WriteOptions = { fieldManager: controllerManager };

const preconditionFailed = (field: 'UID' | 'ResourceVersion', wanted: string, actual: string | undefined) =>
  `Precondition failed: ${field} in precondition: ${wanted}, ${field} in object meta: ${actual}`;

export class GenericStore<T extends KubeObject> implements ResourceStore<T> {
  readonly resource: string;
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespaced: boolean;
  /** The API group ('' for core): errors name a resource of another group as resource.group. */
  readonly group: string;
  protected readonly strategy: Strategy<T>;
  private readonly statusStrategy: StatusStrategy<T> | undefined;
  protected readonly ids: Identities;
  private readonly namespaces: NamespaceGate | undefined;
  readonly fields: FieldManager | undefined;
  private readonly servedAlsoAs: readonly string[];

  constructor(
    protected readonly store: ObjectStore,
    options: StoreOptions<T>,
  ) {
    this.resource = options.resource;
    this.kind = options.kind;
    this.apiVersion = options.apiVersion;
    this.namespaced = options.namespaced;
    this.group = options.apiVersion.includes('/') ? options.apiVersion.split('/')[0] : '';
    this.strategy = options.strategy;
    this.statusStrategy = options.status;
    this.ids = options.identities ?? randomIdentities;
    this.servedAlsoAs = options.servedAlsoAs ?? [];
    this.namespaces = options.namespaces;
    this.fields =
      options.schema && new FieldManager(mergeTypeOf(options.schema), options.apiVersion, options.kind, options.status !== undefined, options.fieldVersions);
    if (this.namespaced) this.namespaces?.register(this);
  }

  get hasStatus(): boolean {
    return this.statusStrategy !== undefined;
  }

  protected row(namespace: string, name: string, tx: ReadTx = this.store): Promise<StoredObject | undefined> {
    return tx.get({ resource: this.resource, namespace, name });
  }

  async getStored(namespace: string, name: string): Promise<StoredBody> {
    const row = await this.row(namespace, name);
    if (!row) throw notFound(this.resource, name, this.group);
    return row;
  }

  async get(namespace: string, name: string): Promise<T> {
    return JSON.parse((await this.getStored(namespace, name)).body) as T;
  }

  /** Bodies in namespace/name order, and the revision the list is consistent at. */
  async listBodies(namespace: string | undefined): Promise<{ bodies: string[]; resourceVersion: string }> {
    const page = await this.store.listPage(this.resource, namespace);
    return { bodies: page.bodies, resourceVersion: String(page.revision) };
  }

  async list(namespace: string | undefined, filter: ListFilter<T> = {}): Promise<{ items: T[]; resourceVersion: string }> {
    const { bodies, resourceVersion } = await this.listBodies(namespace);
    let items = bodies.map((b) => JSON.parse(b) as T);
    if (filter.matches) items = items.filter(filter.matches);
    return { items, resourceVersion };
  }

  /** How many objects of this resource a namespace holds. */
  count(tx: ReadTx, namespace: string): Promise<number> {
    return tx.count(this.resource, namespace);
  }

  /** `replayable`: fn starts from its input each time it is called (see TransactionOptions). */
  protected async run<R>(options: WriteOptions, fn: (tx: WriteTx) => Promise<R>, replayable = false): Promise<R> {
    try {
      return await this.store.transaction(
        async (tx) => {
          const result = await fn(tx);
          if (options.dryRun) throw new Rollback(result);
          return result;
        },
        { replayable },
      );
    } catch (err) {
      if (err instanceof Rollback) return this.dryRunAnswer(err.value as R);
      throw err;
    }
  }

  /**
   * A dry run answers with the object as it would be stored but with the resourceVersion it has
   * now (none for a create): kube-apiserver's DryRunnableStorage writes nothing, so no revision
   * is taken. `kubectl diff` compares exactly this answer with the live object.
   */
  private async dryRunAnswer<R>(value: R): Promise<R> {
    const restore = async (obj: T) => {
      const meta = obj.metadata!;
      const stored = await this.row(meta.namespace ?? '', meta.name!);
      if (stored) meta.resourceVersion = String(stored.resourceVersion);
      else delete meta.resourceVersion;
    };
    const v = value as { object?: T; items?: T[]; metadata?: unknown };
    if (v.object) await restore(v.object);
    else if (v.items) for (const item of v.items) await restore(item);
    else if (v.metadata) await restore(value as unknown as T);
    return value;
  }

  protected serialize(obj: T): string {
    return this.strategy.serialize({ ...obj, kind: this.kind, apiVersion: this.apiVersion });
  }

  private checkTypeMeta(obj: T): void {
    // The kind in a group/version the server also serves is known to kube's decoder: its
    // handlers refuse it by version rather than as an unknown type.
    if (obj.kind === this.kind && obj.apiVersion && this.servedAlsoAs.includes(obj.apiVersion)) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${this.apiVersion})`);
    }
    if ((obj.kind && obj.kind !== this.kind) || (obj.apiVersion && obj.apiVersion !== this.apiVersion)) {
      throw badRequest(`the object provided is unrecognized (must be of type ${this.kind}): ${obj.apiVersion ?? ''}, Kind=${obj.kind ?? ''}`);
    }
  }

  private scope(namespace: string): string {
    return this.namespaced ? namespace : '';
  }

  async create(namespace: string, input: T, options: WriteOptions = {}): Promise<T> {
    const prepare = () => {
      const obj = structuredClone(input);
      this.checkTypeMeta(obj);
      const meta = (obj.metadata ??= {});
      if (this.namespaced && meta.namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      this.strategy.defaults?.(obj);
      return obj;
    };
    // createIn changes the object it is given (uid, allocated values): a second attempt starts
    // from the input again.
    let first: T | undefined = prepare();
    return this.run(
      options,
      (tx) => {
        const obj = first ?? prepare();
        first = undefined;
        return this.createIn(tx, this.scope(namespace), obj, options.fieldManager, new Date(), options.requestVersion);
      },
      true,
    );
  }

  /** `manager` null: the managedFields are already the object's (an apply that creates). */
  protected async createIn(
    tx: WriteTx,
    namespace: string,
    obj: T,
    manager: string | null = serverManager,
    now = new Date(),
    requestVersion = this.apiVersion,
  ): Promise<T> {
    const meta = obj.metadata!;
    if (this.namespaced) {
      meta.namespace = namespace;
      await this.namespaces?.assertAcceptsContent(tx, namespace, this.resource, meta.name ?? meta.generateName ?? '');
    } else {
      delete meta.namespace;
    }
    // etcd3 refuses a create that carries a resourceVersion with a plain error, which the
    // apiserver reports as a reasonless 500; clients depend on nothing else here.
    if (meta.resourceVersion && /^\d+$/.test(meta.resourceVersion) && meta.resourceVersion !== '0') {
      throw unknownError('resourceVersion should not be set on objects to be created');
    }
    if (!meta.name && meta.generateName) {
      // RetryGenerateName: a clash with an existing name draws a new suffix.
      do meta.name = this.ids.name(meta.generateName);
      while (await this.row(namespace, meta.name, tx));
    }
    meta.uid = this.ids.uid();
    meta.creationTimestamp = timestamp(now);
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', ...(this.strategy.clearOnCreate ?? [])] as const) delete meta[k];
    if (!this.fields) delete meta.managedFields;
    else if (manager !== null) this.fields.update(undefined, obj, manager ?? serverManager, 'main', now, requestVersion);
    this.strategy.prepareForCreate?.(obj);
    await this.strategy.beginCreate?.(tx, obj);
    for (const errs of this.strategy.validate(obj, requestVersion)) {
      if (errs.length) throw invalid(this.kind, meta.name ?? '', errs, this.group);
    }
    meta.resourceVersion = String(tx.nextRevision());
    const body = this.serialize(obj);
    try {
      await tx.insert({ resource: this.resource, namespace, name: meta.name!, uid: meta.uid, resourceVersion: Number(meta.resourceVersion), body });
    } catch (err) {
      if (err instanceof UniqueViolation) {
        const existing = JSON.parse((await this.row(namespace, meta.name!, tx))!.body) as T;
        throw alreadyExists(this.resource, meta.name!, Boolean(existing.metadata?.deletionTimestamp), this.group);
      }
      throw err;
    }
    return this.committed(tx, body);
  }

  private committed(tx: WriteTx, body: string): T {
    const out = JSON.parse(body) as T;
    const written = this.strategy.written;
    if (written) tx.onCommit(() => written(out));
    return out;
  }

  private checkUpdateTarget(namespace: string, name: string, obj: T): void {
    this.checkTypeMeta(obj);
    const meta = (obj.metadata ??= {});
    if (meta.name !== name) throw badRequest(`the name of the object (${meta.name ?? ''}) does not match the name on the URL (${name})`);
    if (this.namespaced) {
      if (meta.namespace && meta.namespace !== namespace) {
        throw badRequest(`the namespace of the object (${meta.namespace}) does not match the namespace on the request (${namespace})`);
      }
      meta.namespace = namespace;
    }
  }

  /** PUT. Where the strategy allows it, a PUT to a missing name creates it (201); /status never does. */
  async update(
    namespace: string,
    name: string,
    input: T,
    options: WriteOptions & { subresource?: Subresource } = {},
  ): Promise<{ object: T; created: boolean }> {
    const obj = structuredClone(input);
    const ns = this.scope(namespace);
    const subresource = options.subresource ?? 'main';
    this.checkUpdateTarget(ns, name, obj);
    this.strategy.defaults?.(obj);
    return this.run(options, async (tx) => {
      const current = await this.row(ns, name, tx);
      if (!current) {
        if (subresource === 'status' || !this.strategy.allowCreateOnUpdate || obj.metadata!.resourceVersion) throw notFound(this.resource, name, this.group);
        return { object: await this.createIn(tx, ns, obj, options.fieldManager, new Date(), options.requestVersion), created: true };
      }
      return { object: await this.updateIn(tx, current, obj, subresource, options.fieldManager, new Date(), options.requestVersion), created: false };
    });
  }

  /** PUT on /status. */
  async updateStatus(namespace: string, name: string, input: T, options: WriteOptions = {}): Promise<T> {
    return (await this.update(namespace, name, input, { ...options, subresource: 'status' })).object;
  }

  /** PATCH: the mutation runs against the current object inside the transaction. */
  patch(namespace: string, name: string, mutate: Mutation<T>, options: WriteOptions & { subresource?: Subresource } = {}): Promise<T> {
    const ns = this.scope(namespace);
    return this.run(options, async (tx) => {
      const current = await this.row(ns, name, tx);
      if (!current) throw notFound(this.resource, name, this.group);
      const obj = await mutate(JSON.parse(current.body) as T);
      this.checkUpdateTarget(ns, name, obj);
      this.strategy.defaults?.(obj);
      return this.updateIn(tx, current, obj, options.subresource ?? 'main', options.fieldManager, new Date(), options.requestVersion);
    });
  }

  /**
   * PATCH application/apply-patch+yaml: the configuration merged over the live object by the
   * field manager; a missing object is created from it (201), with allocation as any create.
   */
  apply(namespace: string, name: string, config: T, options: ApplyOptions): Promise<{ object: T; created: boolean }> {
    const ns = this.scope(namespace);
    const fields = this.fields;
    if (!fields) throw new Error(`${this.resource}: no schema for apply`);
    const subresource = options.subresource ?? 'main';
    return this.run(options, async (tx) => {
      const current = await this.row(ns, name, tx);
      const now = new Date();
      if (!current) {
        if (subresource === 'status') throw notFound(this.resource, name, this.group);
        const merged = fields.apply(undefined, config, options.fieldManager, subresource, options.force, now, options.requestVersion);
        const obj = options.decode(merged) as T;
        this.checkUpdateTarget(ns, name, obj);
        this.strategy.defaults?.(obj);
        return { object: await this.createIn(tx, ns, obj, null, now, options.requestVersion), created: true };
      }
      const merged = fields.apply(JSON.parse(current.body) as T, config, options.fieldManager, subresource, options.force, now, options.requestVersion);
      const obj = options.decode(merged) as T;
      this.checkUpdateTarget(ns, name, obj);
      this.strategy.defaults?.(obj);
      return { object: await this.updateIn(tx, current, obj, subresource, null, now, options.requestVersion), created: false };
    });
  }

  /** `manager` null: the managedFields are already the object's (an apply). */
  protected async updateIn(
    tx: WriteTx,
    current: StoredObject,
    obj: T,
    subresource: Subresource,
    manager: string | null = serverManager,
    now = new Date(),
    requestVersion = this.apiVersion,
  ): Promise<T> {
    const old = JSON.parse(current.body) as T;
    const meta = obj.metadata!;
    const oldMeta = old.metadata!;
    const name = oldMeta.name!;
    if (meta.uid && meta.uid !== oldMeta.uid) throw conflict(this.resource, name, preconditionFailed('UID', meta.uid, oldMeta.uid), this.group);
    // No resourceVersion means "whatever is stored" (AllowUnconditionalUpdate, true for the
    // kinds served so far).
    if (meta.resourceVersion && meta.resourceVersion !== oldMeta.resourceVersion) throw staleResourceVersion(this.resource, name, this.group);
    // Fields no update can change are restored from storage.
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    meta.resourceVersion = oldMeta.resourceVersion;
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (oldMeta[k] === undefined) delete meta[k];
      else (meta as Record<string, unknown>)[k] = oldMeta[k];
    }
    delete meta.selfLink;
    if (!this.fields) delete meta.managedFields;
    else if (manager !== null) this.fields.update(old, obj, manager ?? serverManager, subresource, now, requestVersion);

    let errs: FieldError[];
    if (subresource === 'status') {
      if (!this.statusStrategy) throw notFound(this.resource, name, this.group);
      for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
        if (oldMeta[k] === undefined) delete meta[k];
        else (meta as Record<string, unknown>)[k] = oldMeta[k];
      }
      this.statusStrategy.prepareForUpdate(obj, old);
      errs = this.statusStrategy.validateUpdate(obj, old);
    } else {
      await this.strategy.prepareForUpdate?.(tx, obj, old);
      errs = this.strategy.validateUpdate(obj, old, requestVersion);
    }
    if (errs.length) throw invalid(this.kind, name, errs, this.group);

    // The update that removes the last finalizer of an object being deleted deletes it.
    if (meta.deletionTimestamp && !meta.finalizers?.length) return this.removeIn(tx, current, obj);
    if (this.serialize(obj) === current.body || this.onlyTimesMoved(obj, old, current.body)) return old;
    meta.resourceVersion = String(tx.nextRevision());
    const body = this.serialize(obj);
    await tx.update({ resource: this.resource, namespace: current.namespace, name, uid: current.uid, resourceVersion: Number(meta.resourceVersion), body });
    return this.committed(tx, body);
  }

  /**
   * kube's IgnoreManagedFieldsTimestampsTransformer: a write that would change nothing but the
   * times of managedFields entries (an apply whose configuration differs from the live object
   * only by what defaulting fills in) is a no-op, so re-applying the same manifest keeps the
   * resourceVersion.
   */
  private onlyTimesMoved(obj: T, old: T, stored: string): boolean {
    const now = obj.metadata?.managedFields;
    const before = old.metadata?.managedFields;
    if (!now || !before || now.length !== before.length) return false;
    const untimed = (entries: typeof now) => JSON.stringify(entries.map(({ time: _t, ...e }) => e));
    if (untimed(now) !== untimed(before)) return false;
    return this.serialize({ ...obj, metadata: { ...obj.metadata, managedFields: before } }) === stored;
  }

  /** Removes the object and releases what it holds; the change log gets its final state. */
  protected async removeIn(tx: WriteTx, current: StoredObject, obj: T): Promise<T> {
    const rv = tx.nextRevision();
    const final = structuredClone(obj);
    final.metadata!.resourceVersion = String(rv);
    await tx.remove(current, rv, this.serialize(final));
    // What the stored object held goes, and so does what the removing write itself allocated:
    // an update that drops the last finalizer deletes the object as that update left it, and
    // kube releases what the final object holds. (A release only frees what the owner holds.)
    await this.strategy.removing?.(tx, JSON.parse(current.body) as T, current);
    await this.strategy.removing?.(tx, obj, current);
    const removed = this.strategy.removed;
    if (removed) tx.onCommit(() => removed(current));
    if (this.namespaced) await this.namespaces?.contentRemoved(tx, current.namespace);
    return JSON.parse(this.serialize(obj)) as T;
  }

  delete(namespace: string, name: string, options: DeleteOptions = {}): Promise<T> {
    const ns = this.scope(namespace);
    return this.run(options, async (tx) => {
      const current = await this.row(ns, name, tx);
      if (!current) throw notFound(this.resource, name, this.group);
      return this.deleteIn(tx, current, options);
    });
  }

  /** A DELETE's preconditions against the stored object: a mismatch is a 409. */
  protected checkPreconditions(obj: T, options: DeleteOptions): void {
    const meta = obj.metadata!;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) throw conflict(this.resource, meta.name!, preconditionFailed('UID', pre.uid, meta.uid), this.group);
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(this.resource, meta.name!, preconditionFailed('ResourceVersion', pre.resourceVersion, meta.resourceVersion), this.group);
    }
  }

  protected async deleteIn(tx: WriteTx, current: StoredObject, options: DeleteOptions): Promise<T> {
    const obj = JSON.parse(current.body) as T;
    const meta = obj.metadata!;
    this.checkPreconditions(obj, options);
    if (meta.finalizers?.length) {
      // Marked, not removed: whoever owns the finalizers removes them, and that update deletes it.
      if (meta.deletionTimestamp) return obj;
      meta.deletionTimestamp = timestamp();
      meta.deletionGracePeriodSeconds = 0;
      meta.resourceVersion = String(tx.nextRevision());
      const body = this.serialize(obj);
      await tx.update({ ...current, resourceVersion: Number(meta.resourceVersion), body });
      return JSON.parse(body) as T;
    }
    return this.removeIn(tx, current, obj);
  }

  /** The generic DeleteCollection: every matching object deleted as by DELETE, answered as a list. */
  deleteCollection(namespace: string | undefined, filter: ListFilter<T>, options: DeleteOptions = {}): Promise<{ items: T[]; resourceVersion: string }> {
    return this.run(options, async (tx) => {
      const items: T[] = [];
      const revision = this.store.currentRevision();
      for (const body of await tx.list(this.resource, namespace)) {
        const obj = JSON.parse(body) as T;
        if (filter.matches && !filter.matches(obj)) continue;
        items.push(await this.deleteIn(tx, (await this.row(obj.metadata!.namespace ?? '', obj.metadata!.name!, tx))!, options));
      }
      return { items, resourceVersion: String(revision) };
    });
  }

  /** The namespace lifecycle's sweep, inside the namespace's delete: returns how many remain. */
  async deleteNamespaceContents(tx: WriteTx, namespace: string): Promise<number> {
    for (const body of await tx.list(this.resource, namespace)) {
      const obj = JSON.parse(body) as T;
      await this.deleteIn(tx, (await this.row(namespace, obj.metadata!.name!, tx))!, {});
    }
    return tx.count(this.resource, namespace);
  }
}
