// Namespaces, and the namespace lifecycle over every namespaced resource: kube-apiserver's
// namespace registry, NamespaceLifecycle admission and the namespace controller's deletion in
// one place. Deleting a namespace marks it Terminating and deletes its contents of every kind
// registered here; it goes away once the last of them is gone (one with finalizers may take a
// while), whichever kind that last one is.
import { canonicalize } from '../model/canonical.js';
import { Namespace } from '../model/namespace.js';
import type { ObjectStore, ReadTx, StoredObject, WriteTx } from '../storage/objectStore.js';
import { setNamespaceDefaults } from './defaults.js';
import { forbidden, notFound } from './errors.js';
import { GenericStore, type DeleteOptions, type NamespaceGate, type NamespacedContents } from './generic/store.js';
import type { Strategy } from './generic/strategy.js';
import { randomIdentities, timestamp, type Identities } from './metadata.js';
import { validateObjectMetaUpdate } from './validation/objectMeta.js';
import { validateNamespace } from './validation/service.js';

export const systemNamespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system'] as const;
const undeletable = new Set(['default', 'kube-public', 'kube-system']);
const resource = 'namespaces';

const strategy: Strategy<Namespace> = {
  prepareForCreate(ns) {
    ns.spec = { finalizers: ['kubernetes'] };
    ns.status = {};
    setNamespaceDefaults(ns);
  },
  validate: (ns) => [validateNamespace(ns)],
  allowCreateOnUpdate: false,
  // The finalizers and the phase belong to the lifecycle: an update keeps the stored ones.
  prepareForUpdate(_tx, ns, old) {
    ns.spec = old.spec;
    ns.status = old.status;
    setNamespaceDefaults(ns);
  },
  validateUpdate: (ns, old) => [...validateObjectMetaUpdate(ns.metadata!, old.metadata!), ...validateNamespace(ns)],
  serialize: (ns) => JSON.stringify(canonicalize(Namespace, ns)),
};

export class NamespaceRegistry extends GenericStore<Namespace> implements NamespaceGate {
  private readonly contents: NamespacedContents[] = [];

  constructor(store: ObjectStore, identities: Identities = randomIdentities) {
    super(store, { resource, kind: 'Namespace', apiVersion: 'v1', namespaced: false, strategy, identities, schema: Namespace });
  }

  /** A namespaced resource whose objects live and die with their namespace. */
  register(contents: NamespacedContents): void {
    this.contents.push(contents);
  }

  async bootstrap(): Promise<void> {
    for (const name of systemNamespaces) {
      if (await this.row('', name)) continue;
      try {
        await this.create('', { metadata: { name } });
      } catch (err) {
        // Another replica on the same database made it first.
        if (!(await this.row('', name))) throw err;
      }
    }
  }

  async assertAcceptsContent(tx: ReadTx, name: string, contentResource: string, contentName: string): Promise<void> {
    const row = await this.row('', name, tx);
    if (!row) throw notFound(resource, name);
    // Every create asks; only a body that mentions the phase is worth parsing.
    if (!row.body.includes('"Terminating"')) return;
    const ns = JSON.parse(row.body) as Namespace;
    if (ns.status?.phase === 'Terminating') {
      throw forbidden(contentResource, contentName, `unable to create new content in namespace ${name} because it is being terminated`);
    }
  }

  async contentRemoved(tx: WriteTx, name: string): Promise<void> {
    if ((await this.remaining(tx, name)) > 0) return;
    const row = await this.row('', name, tx);
    if (row && (JSON.parse(row.body) as Namespace).status?.phase === 'Terminating') await this.finalize(tx, row);
  }

  private async remaining(tx: ReadTx, name: string): Promise<number> {
    let n = 0;
    for (const c of this.contents) n += await c.count(tx, name);
    return n;
  }

  /**
   * Replaces a namespace's labels and annotations (what a fixture manifest declares), with
   * defaulting and validation as on create. Nothing changed: no write, same resourceVersion.
   */
  updateMetadata(name: string, labels: Record<string, string> | undefined, annotations: Record<string, string> | undefined): Promise<Namespace> {
    return this.patch('', name, (ns) => {
      const meta = ns.metadata!;
      if (labels) meta.labels = { ...labels };
      else delete meta.labels;
      if (annotations) meta.annotations = { ...annotations };
      else delete meta.annotations;
      return ns;
    });
  }

  /** The namespace's own delete: Terminating, then its contents, then itself once they are gone. */
  protected override async deleteIn(tx: WriteTx, current: StoredObject, options: DeleteOptions): Promise<Namespace> {
    const name = current.name;
    if (undeletable.has(name)) throw forbidden(resource, name, 'this namespace may not be deleted');
    const ns = JSON.parse(current.body) as Namespace;
    this.checkPreconditions(ns, options);
    if (ns.status?.phase !== 'Terminating') {
      ns.metadata!.deletionTimestamp = timestamp();
      ns.status = { phase: 'Terminating' };
      ns.metadata!.resourceVersion = String(tx.nextRevision());
      await tx.update({ resource, namespace: '', name, uid: current.uid, resourceVersion: Number(ns.metadata!.resourceVersion), body: this.serialize(ns) });
    }
    let remaining = 0;
    for (const c of this.contents) remaining += await c.deleteNamespaceContents(tx, name);
    // The last object to go may have finalized the namespace already (contentRemoved).
    const row = remaining === 0 ? await this.row('', name, tx) : undefined;
    if (row) await this.finalize(tx, row);
    return ns;
  }

  private async finalize(tx: WriteTx, row: StoredObject): Promise<void> {
    const ns = JSON.parse(row.body) as Namespace;
    const rv = tx.nextRevision();
    ns.metadata!.resourceVersion = String(rv);
    ns.spec = {};
    await tx.remove(row, rv, this.serialize(ns));
  }
}
