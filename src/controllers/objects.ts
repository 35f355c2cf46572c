// The labels, annotations and owner references kube's endpoint controllers write
// (k8s.io/api/discovery/v1 well_known_labels.go, core/v1 annotation_key_constants.go), and the
// reads and writes every controller here makes through the registries: a read of something gone
// is undefined, a delete of something gone is done.
import type { ObjectMeta } from '../model/meta.js';
import { StatusError } from '../registry/errors.js';
import type { GenericStore } from '../registry/generic/store.js';
import type { KubeObject } from '../registry/generic/strategy.js';

export const labelServiceName = 'kubernetes.io/service-name';
export const labelManagedBy = 'endpointslice.kubernetes.io/managed-by';
export const labelSkipMirror = 'endpointslice.kubernetes.io/skip-mirror';
export const labelHeadless = 'service.kubernetes.io/headless';
export const annotationTriggerTime = 'endpoints.kubernetes.io/last-change-trigger-time';
export const annotationLastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
export const annotationLeader = 'control-plane.alpha.kubernetes.io/leader';
export const sliceControllerName = 'endpointslice-controller.k8s.io';
export const mirroringControllerName = 'endpointslicemirroring-controller.k8s.io';

type OwnerReference = NonNullable<ObjectMeta['ownerReferences']>[number];

/** metav1.NewControllerRef: controller and blockOwnerDeletion set. */
export function controllerRef(owner: KubeObject, kind: string): OwnerReference {
  return { apiVersion: 'v1', kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

const isNotFound = (err: unknown) => err instanceof StatusError && err.statusCode === 404;

export async function getOrUndefined<T extends KubeObject>(store: GenericStore<T>, namespace: string, name: string): Promise<T | undefined> {
  try {
    return await store.get(namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Deletes, preconditioned on the UID seen, so a newer object of the same name stays. */
export async function deleteIfPresent<T extends KubeObject>(store: GenericStore<T>, obj: T): Promise<void> {
  try {
    await store.delete(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', { preconditions: { uid: obj.metadata?.uid } });
  } catch (err) {
    if (isNotFound(err) || (err instanceof StatusError && err.statusCode === 409)) return;
    throw err;
  }
}

/** Equal string maps, with no map and an empty one the same (apimachinery's semantic equality). */
export function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => b?.[k] === a?.[k]);
}
