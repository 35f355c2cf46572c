// Namespaces: enough of kube-apiserver's namespace registry and lifecycle admission for
// Services to live in them. Deleting a namespace deletes its Services; the namespace stays
// Terminating until the last of them is gone (one with finalizers may take a while).
import { Namespace } from '../model/namespace.js';
import { canonicalize } from '../model/canonical.js';
import type { ObjectStore, WriteTx } from '../storage/objectStore.js';
import { UniqueViolation, Rollback } from '../storage/objectStore.js';
import { setNamespaceDefaults } from './defaults.js';
import { alreadyExists, badRequest, forbidden, invalid, notFound } from './errors.js';
import { randomIdentities, timestamp, type Identities } from './metadata.js';
import { validateNamespace } from './validation/service.js';

export const systemNamespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system'] as const;
const undeletable = new Set(['default', 'kube-public', 'kube-system']);
const resource = 'namespaces';

export interface WriteOptions {
  dryRun?: boolean;
}

export class NamespaceRegistry {
  /** Deletes a namespace's contents inside the transaction; returns how many objects remain. */
  deleteContents: (tx: WriteTx, namespace: string) => number = () => 0;

  constructor(private readonly store: ObjectStore, private readonly ids: Identities = randomIdentities) {}

  private serialize(ns: Namespace): string {
    return JSON.stringify(canonicalize(Namespace, { ...ns, kind: 'Namespace', apiVersion: 'v1' }));
  }

  bootstrap(): void {
    for (const name of systemNamespaces) {
      if (!this.store.get({ resource, namespace: '', name })) this.create({ metadata: { name } });
    }
  }

  getBody(name: string): string {
    const row = this.store.get({ resource, namespace: '', name });
    if (!row) throw notFound(resource, name);
    return row.body;
  }

  get(name: string): Namespace {
    return JSON.parse(this.getBody(name)) as Namespace;
  }

  /** NamespaceLifecycle admission: content may only be created in an existing, active namespace. */
  assertAcceptsContent(name: string, contentResource: string, contentName: string): void {
    const row = this.store.get({ resource, namespace: '', name });
    if (!row) throw notFound(resource, name);
    // Every create asks; only a body that mentions the phase is worth parsing.
    if (!row.body.includes('"Terminating"')) return;
    const ns = JSON.parse(row.body) as Namespace;
    if (ns.status?.phase === 'Terminating') {
      throw forbidden(contentResource, contentName, `unable to create new content in namespace ${name} because it is being terminated`);
    }
  }

  create(input: Namespace, options: WriteOptions = {}): Namespace {
    const ns = structuredClone(input);
    if (ns.kind && ns.kind !== 'Namespace') throw badRequest(`the object provided is unrecognized (must be of type Namespace): ${ns.kind}`);
    const meta = (ns.metadata ??= {});
    if (!meta.name && meta.generateName) meta.name = this.ids.name(meta.generateName);
    meta.uid = this.ids.uid();
    meta.creationTimestamp = timestamp();
    delete meta.deletionTimestamp;
    delete meta.namespace;
    ns.spec = { finalizers: ['kubernetes'] };
    ns.status = {};
    setNamespaceDefaults(ns);
    const errs = validateNamespace(ns);
    if (errs.length) throw invalid('Namespace', meta.name ?? '', errs);
    try {
      return this.store.transaction((tx) => {
        meta.resourceVersion = String(tx.nextRevision());
        const body = this.serialize(ns);
        tx.insert({ resource, namespace: '', name: meta.name!, uid: meta.uid!, resourceVersion: Number(meta.resourceVersion), body });
        const out = JSON.parse(body) as Namespace;
        if (options.dryRun) throw new Rollback(out);
        return out;
      });
    } catch (err) {
      if (err instanceof Rollback) return err.value as Namespace;
      if (err instanceof UniqueViolation) throw alreadyExists(resource, meta.name!);
      throw err;
    }
  }

  /**
   * Replaces a namespace's labels and annotations (what a fixture manifest declares), with
   * defaulting and validation as on create. Nothing changed: no write, same resourceVersion.
   */
  updateMetadata(name: string, labels: Record<string, string> | undefined, annotations: Record<string, string> | undefined): Namespace {
    return this.store.transaction((tx) => {
      const row = this.store.get({ resource, namespace: '', name });
      if (!row) throw notFound(resource, name);
      const ns = JSON.parse(row.body) as Namespace;
      const meta = ns.metadata!;
      if (labels) meta.labels = { ...labels };
      else delete meta.labels;
      if (annotations) meta.annotations = { ...annotations };
      else delete meta.annotations;
      setNamespaceDefaults(ns);
      const errs = validateNamespace(ns);
      if (errs.length) throw invalid('Namespace', name, errs);
      if (this.serialize(ns) === row.body) return JSON.parse(row.body) as Namespace;
      meta.resourceVersion = String(tx.nextRevision());
      const body = this.serialize(ns);
      tx.update({ resource, namespace: '', name, uid: row.uid, resourceVersion: Number(meta.resourceVersion), body });
      return JSON.parse(body) as Namespace;
    });
  }

  delete(name: string, options: WriteOptions = {}): Namespace {
    if (undeletable.has(name)) throw forbidden(resource, name, 'this namespace may not be deleted');
    try {
      return this.store.transaction((tx) => {
        const row = this.store.get({ resource, namespace: '', name });
        if (!row) throw notFound(resource, name);
        const ns = JSON.parse(row.body) as Namespace;
        if (ns.status?.phase !== 'Terminating') {
          ns.metadata!.deletionTimestamp = timestamp();
          ns.status = { phase: 'Terminating' };
          ns.metadata!.resourceVersion = String(tx.nextRevision());
          tx.update({ resource, namespace: '', name, uid: row.uid, resourceVersion: Number(ns.metadata!.resourceVersion), body: this.serialize(ns) });
        }
        const remaining = this.deleteContents(tx, name);
        if (remaining === 0) this.finalize(tx, name);
        if (options.dryRun) throw new Rollback(ns);
        return ns;
      });
    } catch (err) {
      if (err instanceof Rollback) return err.value as Namespace;
      throw err;
    }
  }

  /** Called when a namespaced object is removed: a Terminating namespace left empty goes away. */
  contentRemoved(tx: WriteTx, name: string, remaining: number): void {
    if (remaining > 0) return;
    const row = this.store.get({ resource, namespace: '', name });
    if (row && (JSON.parse(row.body) as Namespace).status?.phase === 'Terminating') this.finalize(tx, name);
  }

  private finalize(tx: WriteTx, name: string): void {
    const row = this.store.get({ resource, namespace: '', name });
    if (!row) return;
    const ns = JSON.parse(row.body) as Namespace;
    const rv = tx.nextRevision();
    ns.metadata!.resourceVersion = String(rv);
    ns.spec = {};
    tx.remove({ resource, namespace: '', name }, rv, this.serialize(ns));
  }
}
