// One storage served through a second group/version, as kube-apiserver serves events.k8s.io/v1
// Events from the core Event storage (pkg/registry/events/rest hands the same REST object to
// both groups; conversion through the internal type does the rest). Writes convert the served
// object to the stored one and go through the stored kind's store, pipeline, hooks and
// validation (told the request's group/version); reads convert back. List and watch read the
// stored bodies and convert them in the route layer (api/listWatch.ts, the declaration's
// conversion). No HTTP and no SQL here.
import { StatusError, badRequest } from '../errors.js';
import type { ApplyOptions, DeleteOptions, GenericStore, ListFilter, Mutation, ResourceStore, StoredBody, Subresource, WriteOptions } from './store.js';
import type { KubeObject } from './strategy.js';

/** Served object (V) <-> stored object (S). */
export interface Conversion<V extends KubeObject, S extends KubeObject> {
  /**
   * To the stored type, kind and apiVersion left out. It must map a partial object to the
   * matching partial object (an apply configuration converts before the merge).
   */
  toStored(obj: V): S;
  /** A stored object as the served group/version writes it: its field order, kind and apiVersion. */
  fromStored(obj: S): V;
}

export interface ServedAs {
  /** group/version, as served objects carry it in apiVersion. */
  apiVersion: string;
  kind: string;
}

export class ConvertedStore<V extends KubeObject, S extends KubeObject> implements ResourceStore<V> {
  readonly resource: string;
  private readonly group: string;

  constructor(
    private readonly stored: GenericStore<S>,
    private readonly conversion: Conversion<V, S>,
    private readonly served: ServedAs,
  ) {
    this.resource = stored.resource;
    this.group = served.apiVersion.includes('/') ? served.apiVersion.split('/')[0] : '';
  }

  private out = (obj: S): V => this.conversion.fromStored(obj);

  /** A served object to the stored type, refusing another kind or version as the stored store would. */
  private in(obj: V): S {
    // The stored group/version of the same kind is one kube's decoder knows: its handlers refuse
    // it by version rather than as an unknown type.
    if (obj.kind === this.served.kind && obj.apiVersion === this.stored.apiVersion) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${this.served.apiVersion})`);
    }
    if ((obj.kind && obj.kind !== this.served.kind) || (obj.apiVersion && obj.apiVersion !== this.served.apiVersion)) {
      throw badRequest(`the object provided is unrecognized (must be of type ${this.served.kind}): ${obj.apiVersion ?? ''}, Kind=${obj.kind ?? ''}`);
    }
    return this.conversion.toStored(obj);
  }

  private options<O extends WriteOptions>(options: O | undefined): O {
    return { ...(options ?? ({} as O)), requestVersion: this.served.apiVersion };
  }

  /**
   * kube names the resource of the request in its errors (the store's qualifiedResourceFromContext):
   * a missing event read through events.k8s.io is `events.events.k8s.io "x" not found`.
   */
  private async call<R>(fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      const s = err instanceof StatusError ? err.status : undefined;
      const d = s?.details;
      if (!s || !d || !this.group || d.group || d.kind !== this.resource || !['NotFound', 'AlreadyExists', 'Conflict'].includes(s.reason ?? '')) throw err;
      const { name, kind, ...rest } = d;
      throw new StatusError({
        ...s,
        message: (s.message ?? '').replace(`${this.resource} "`, `${this.resource}.${this.group} "`),
        details: { ...(name === undefined ? {} : { name }), group: this.group, kind, ...rest },
      });
    }
  }

  get(namespace: string, name: string): Promise<V> {
    return this.call(async () => this.out(await this.stored.get(namespace, name)));
  }

  async getStored(namespace: string, name: string): Promise<StoredBody> {
    const obj = await this.get(namespace, name);
    return { uid: obj.metadata?.uid ?? '', resourceVersion: Number(obj.metadata?.resourceVersion), body: JSON.stringify(obj) };
  }

  create(namespace: string, input: V, options?: WriteOptions): Promise<V> {
    return this.call(async () => this.out(await this.stored.create(namespace, this.in(input), this.options(options))));
  }

  update(namespace: string, name: string, input: V, options?: WriteOptions & { subresource?: Subresource }): Promise<{ object: V; created: boolean }> {
    return this.call(async () => {
      const { object, created } = await this.stored.update(namespace, name, this.in(input), this.options(options));
      return { object: this.out(object), created };
    });
  }

  updateStatus(namespace: string, name: string, input: V, options?: WriteOptions): Promise<V> {
    return this.call(async () => this.out(await this.stored.updateStatus(namespace, name, this.in(input), this.options(options))));
  }

  patch(namespace: string, name: string, mutate: Mutation<V>, options?: WriteOptions & { subresource?: Subresource }): Promise<V> {
    return this.call(async () =>
      this.out(await this.stored.patch(namespace, name, async (current) => this.in(await mutate(this.out(current))), this.options(options))),
    );
  }

  /**
   * The configuration converts to the stored type and merges there; the stored kind's field
   * manager (told the request's group/version, and how its field sets translate) records the
   * applier's entry in the applier's group/version and field names, as kube does.
   */
  apply(namespace: string, name: string, config: V, options: ApplyOptions): Promise<{ object: V; created: boolean }> {
    return this.call(async () => {
      const storedConfig = { ...this.in(config), kind: this.stored.kind, apiVersion: this.stored.apiVersion } as S;
      const { object, created } = await this.stored.apply(namespace, name, storedConfig, {
        ...this.options(options),
        decode: (merged) => this.in(options.decode(this.out(merged as S)) as V),
      });
      return { object: this.out(object), created };
    });
  }

  delete(namespace: string, name: string, options?: DeleteOptions): Promise<V> {
    return this.call(async () => this.out(await this.stored.delete(namespace, name, this.options(options))));
  }

  deleteCollection(namespace: string | undefined, filter: ListFilter<V>, options?: DeleteOptions): Promise<{ items: V[]; resourceVersion: string }> {
    const matches = filter.matches;
    return this.call(async () => {
      const { items, resourceVersion } = await this.stored.deleteCollection(
        namespace,
        { matches: matches && ((obj: S) => matches(this.out(obj))) },
        this.options(options),
      );
      return { items: items.map(this.out), resourceVersion };
    });
  }
}
