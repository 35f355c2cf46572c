// Reading a collection as kube-apiserver's list does: which revision a list is served at
// (resourceVersion, resourceVersionMatch, and limit, which makes a resourceVersion exact),
// pagination with limit and continue over one consistent snapshot, and the 410 and 504 answers
// at the edges of the history.
import { CompactedError, type ListPage, type ObjectStore } from '../storage/objectStore.js';
import { ContinueTokenError, decodeContinue, encodeContinue } from '../storage/continueToken.js';
import type { WatchHub } from '../watch/watchHub.js';
import { badRequest, expiredContinue, gone, tooLargeResourceVersion } from './errors.js';
import { parseResourceVersion, type ListOptions } from './listOptions.js';

export interface ListResult {
  bodies: string[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface CollectionRef {
  resource: string;
  namespaced: boolean;
  /** undefined: across all namespaces (or a cluster-scoped resource). */
  namespace?: string;
}

/** kube-apiserver waits this long for a resourceVersion it has not reached before answering 504. */
export const freshnessWaitMs = 3000;

const expiredList = 'The resourceVersion for the provided list is too old.';
const inconsistentContinue =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, ' +
  'or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an ' +
  'inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** Waits (briefly) until the store has reached `revision`, else the 504 kube-apiserver gives. */
export async function awaitRevision(store: ObjectStore, hub: WatchHub, revision: number): Promise<void> {
  if (revision <= store.currentRevision()) return;
  if (!(await hub.waitForRevision(revision, freshnessWaitMs))) throw tooLargeResourceVersion(revision, store.currentRevision());
}

export async function readCollection(
  store: ObjectStore,
  hub: WatchHub,
  ref: CollectionRef,
  options: ListOptions,
  accept?: (body: string) => boolean,
): Promise<ListResult> {
  const { resource, namespaced, namespace } = ref;
  let revision: number | undefined;
  let after: { namespace: string; name: string } | undefined;
  if (options.continue) {
    let pos: ReturnType<typeof decodeContinue>;
    try {
      pos = decodeContinue(options.continue, namespaced);
    } catch (err) {
      if (err instanceof ContinueTokenError) throw badRequest(`invalid continue token: ${err.message}`);
      throw err;
    }
    if (options.resourceVersion && options.resourceVersion !== '0') throw badRequest('specifying resource version is not allowed when using continue');
    after = pos.after;
    if (pos.revision !== -1) revision = pos.revision;
    if (revision !== undefined && revision < store.compactedRevision()) {
      throw expiredContinue(inconsistentContinue, encodeContinue({ revision: -1, after }, namespaced));
    }
  } else {
    const rv = parseResourceVersion(options.resourceVersion);
    if (rv > 0) await awaitRevision(store, hub, rv);
    // Exact: asked for, or the legacy reading of a paginated list at a version (limit with a
    // resourceVersion other than 0 and no resourceVersionMatch), as etcd3's store reads it.
    // client-go's reflector relies on this: it drops limit when it means "not older than".
    if (options.resourceVersionMatch === 'Exact' || (!options.resourceVersionMatch && options.limit !== undefined && rv > 0)) revision = rv;
  }
  let page: ListPage;
  try {
    page = await store.listPage(resource, namespace, { revision, after, limit: options.limit, accept });
  } catch (err) {
    if (err instanceof CompactedError) throw gone(expiredList);
    throw err;
  }
  const result: ListResult = { bodies: page.bodies, resourceVersion: String(page.revision) };
  if (page.more) {
    result.continue = encodeContinue({ revision: page.revision, after: page.more }, namespaced);
    if (page.remaining !== undefined) result.remainingItemCount = page.remaining;
  }
  return result;
}
