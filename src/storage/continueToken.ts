// The continue token of paginated lists, in kube-apiserver's own encoding (storage.EncodeContinue):
// unpadded base64url of {"v":"meta.k8s.io/v1","rv":N,"start":"<next key>"}. Clients treat it
// as opaque; keeping the real shape means one captured from a real cluster fails the same way.
export interface ContinuePosition {
  /** The snapshot revision; -1 continues at the newest revision (an "inconsistent" continue). */
  revision: number;
  after: { namespace: string; name: string };
}

export class ContinueTokenError extends Error {}

const version = 'meta.k8s.io/v1';

export function encodeContinue(pos: ContinuePosition, namespaced: boolean): string {
  // etcd's next key after "k" is "k\x00"; the start key is relative to the resource's prefix.
  const start = `${namespaced ? `${pos.after.namespace}/` : ''}${pos.after.name}\u0000`;
  return Buffer.from(JSON.stringify({ v: version, rv: pos.revision, start })).toString('base64url');
}

export function decodeContinue(token: string, namespaced: boolean): ContinuePosition {
  let parsed: { v?: unknown; rv?: unknown; start?: unknown };
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(token)) throw new Error('illegal base64 data');
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
    if (!parsed || typeof parsed !== 'object') throw new Error('not an object');
  } catch (err) {
    throw new ContinueTokenError(`continue key is not valid: ${(err as Error).message}`);
  }
  if (parsed.v !== version)
    throw new ContinueTokenError(`continue key is not valid: server does not recognize this encoded version ${JSON.stringify(String(parsed.v ?? ''))}`);
  if (typeof parsed.rv !== 'number' || !Number.isInteger(parsed.rv) || parsed.rv === 0 || parsed.rv < -1) {
    throw new ContinueTokenError('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (typeof parsed.start !== 'string' || parsed.start === '') throw new ContinueTokenError('continue key is not valid: encoded start key empty');
  const key = parsed.start.endsWith('\u0000') ? parsed.start.slice(0, -1) : parsed.start;
  const slash = key.indexOf('/');
  if (namespaced && slash < 0) throw new ContinueTokenError('continue key is not valid: encoded start key has no namespace');
  return { revision: parsed.rv, after: namespaced ? { namespace: key.slice(0, slash), name: key.slice(slash + 1) } : { namespace: '', name: key } };
}
