// Which EndpointSlices each controller manages and which objects own which slices, kept from
// the slice informer as client-go's indexers would be: a sync reads the few slices of one
// Service by name instead of listing a namespace.
import type { EndpointSlice } from '../model/endpointSlice.js';
import { type ChangeType, keyOf } from './informer.js';
import { labelManagedBy, labelServiceName } from './objects.js';

export class SliceIndex {
  /** namespace/service → slice name → managed-by label ('' for none). */
  private readonly byService = new Map<string, Map<string, string>>();
  /** owner UID → namespace/slice keys. */
  private readonly byOwner = new Map<string, Set<string>>();
  /** slice key → what it was indexed under, to undo on change. */
  private readonly entries = new Map<string, { service?: string; owners: string[] }>();

  /** Informer handler: keeps the index in step with the slices. */
  readonly observe = (type: ChangeType, slice: EndpointSlice): void => {
    const key = keyOf(slice);
    this.remove(key);
    if (type === 'DELETED') return;
    const labels = slice.metadata?.labels ?? {};
    const service = labels[labelServiceName] === undefined ? undefined : `${slice.metadata?.namespace}/${labels[labelServiceName]}`;
    const owners = (slice.metadata?.ownerReferences ?? []).map((o) => o.uid);
    if (service === undefined && owners.length === 0) return;
    if (service !== undefined) {
      let names = this.byService.get(service);
      if (!names) this.byService.set(service, (names = new Map()));
      names.set(slice.metadata?.name ?? '', labels[labelManagedBy] ?? '');
    }
    for (const uid of owners) {
      let keys = this.byOwner.get(uid);
      if (!keys) this.byOwner.set(uid, (keys = new Set()));
      keys.add(key);
    }
    this.entries.set(key, { service, owners });
  };

  /** Names of the slices labelled for a Service (namespace/name) and managed by `managedBy`. */
  slicesOf(serviceKey: string, managedBy: string): string[] {
    return [...(this.byService.get(serviceKey) ?? [])].filter(([, m]) => m === managedBy).map(([name]) => name);
  }

  /** namespace/name keys of the slices that name `uid` among their owners. */
  ownedBy(uid: string): string[] {
    return [...(this.byOwner.get(uid) ?? [])];
  }

  owners(): string[] {
    return [...this.byOwner.keys()];
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const name = key.slice(key.indexOf('/') + 1);
    if (entry.service !== undefined) {
      const names = this.byService.get(entry.service);
      names?.delete(name);
      if (names?.size === 0) this.byService.delete(entry.service);
    }
    for (const uid of entry.owners) {
      const keys = this.byOwner.get(uid);
      keys?.delete(key);
      if (keys?.size === 0) this.byOwner.delete(uid);
    }
  }
}
