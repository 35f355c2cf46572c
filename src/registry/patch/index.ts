// The three patch types kube-apiserver accepts for Services, with its error codes: a patch
// document that cannot be read is a 400; a JSON patch whose operation cannot apply is a 422.
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { badRequest, failure } from '../errors.js';
import { PatchError, applyStrategicMergePatch, type PatchMeta } from './strategicMerge.js';
import { getOwn, setOwn } from '../../model/ownProperty.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const patchContentTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** RFC 7386: objects merge recursively, null deletes, anything else (lists too) replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else setOwn(out, k, applyMergePatch(getOwn(out, k), v));
  }
  return out;
}

export function applyPatch(type: PatchType, current: unknown, patch: unknown, meta: PatchMeta): unknown {
  switch (type) {
    case 'merge':
      if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('the patch must be a JSON object');
      return applyMergePatch(current, patch);
    case 'strategic':
      if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('the patch must be a JSON object');
      try {
        return applyStrategicMergePatch(current, patch, meta);
      } catch (err) {
        // kube-apiserver answers some malformed patches with a 500; a bad patch is bad input, so
        // only the 422 class keeps its code and the rest are 400s.
        if (err instanceof PatchError) throw err.status === 422 ? failure(422, 'Invalid', err.message) : badRequest(err.message);
        throw err;
      }
    case 'apply':
      throw new Error('an apply goes through the field manager');
    case 'json': {
      if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
      const invalidOp = fastJsonPatch.validate(patch as Operation[]);
      if (invalidOp) throw badRequest(invalidOp.message.split('\n')[0]);
      try {
        // RFC 6902 4.4: a location cannot be moved into one of its children. fast-json-patch does
        // not check, and moving the document into itself leaves a cycle nothing can serialize.
        for (const op of patch as Operation[]) {
          if (op.op === 'move' && typeof op.from === 'string' && typeof op.path === 'string' && op.path.startsWith(`${op.from}/`))
            throw new Error('move into a child');
        }
        return fastJsonPatch.applyPatch(structuredClone(current), patch as Operation[], true, false).newDocument;
      } catch {
        // kube-apiserver's jsonPatcher answers a failed Apply (a `test` that does not hold, a path
        // that does not exist) with NewGenericServerResponse(422, ...), whose fixed message
        // replaces the patch library's; kubectl prints "The request is invalid: <message>".
        throw failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
      }
    }
  }
}
