// PATCH application/apply-patch+yaml: the checks kube-apiserver's applyPatcher makes on the
// body before the field manager merges it, and the field manager's refusals as kube's Status
// (a 409 with FieldManagerConflict causes for conflicts).
import { StatusError, badRequest, unknownError } from '../registry/errors.js';
import { ApplyConflicts, ApplyError, conflictMessage, printManager } from '../registry/apply/fieldManager.js';
import type { ApplyOptions, ResourceStore } from '../registry/generic/store.js';
import type { KubeObject } from '../registry/generic/strategy.js';

const goKind = (v: unknown) =>
  Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'boolean' ? 'bool' : typeof v === 'object' ? 'object' : typeof v;

export async function applyConfiguration<T extends KubeObject>(
  store: ResourceStore<T>,
  namespace: string,
  name: string,
  body: unknown,
  options: ApplyOptions,
): Promise<{ object: T; created: boolean }> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`error decoding YAML: json: cannot unmarshal ${goKind(body)} into Go value of type map[string]interface {}`);
  }
  try {
    return await store.apply(namespace, name, body as T, options);
  } catch (err) {
    if (err instanceof ApplyConflicts) {
      throw new StatusError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: conflictMessage(err.conflicts),
        reason: 'Conflict',
        details: { causes: err.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: c.path })) },
        code: 409,
      } as ConstructorParameters<typeof StatusError>[0]);
    }
    // A configuration the schema does not describe is a reasonless 500 in kube (kubernetes#122480).
    if (err instanceof ApplyError) throw err.code === 400 ? badRequest(err.message) : unknownError(err.message);
    throw err;
  }
}
