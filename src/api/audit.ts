// The audit log (--audit-log-path): one audit.k8s.io/v1 Event per request, as JSON lines, in
// kube-apiserver's shape at level Metadata. Installed only when the flag is set, so requests pay
// nothing for it otherwise. Every request is logged at ResponseComplete when its response closes;
// a watch is also logged at ResponseStarted when its stream starts, as kube-apiserver does for
// long-running requests.
import { randomUUID } from 'node:crypto';
import { createWriteStream, openSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { anonymous, decisionOf, userOf } from '../auth/user.js';
import { StatusError } from '../registry/errors.js';

export interface ObjectReference {
  resource: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  apiVersion: string;
  subresource?: string;
}

export interface RequestInfo {
  verb: string;
  objectRef?: ObjectReference;
}

const verbsByMethod: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', GET: 'get', HEAD: 'get', DELETE: 'delete' };

/**
 * The verb and object a request is about, as k8s.io/apiserver's RequestInfoFactory derives them:
 * /api/v1/... and /apis/GROUP/VERSION/... are resource requests; anything else is a
 * non-resource request whose verb is the lowercased method.
 */
export function requestInfo(method: string, url: string): RequestInfo {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  let parts: string[];
  let apiGroup = '';
  let apiVersion: string;
  if (segments[0] === 'api' && segments.length >= 3) {
    apiVersion = segments[1];
    parts = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    apiGroup = segments[1];
    apiVersion = segments[2];
    parts = segments.slice(3);
  } else {
    return { verb: method.toLowerCase() };
  }
  let verb = verbsByMethod[method] ?? method.toLowerCase();
  let watchPath = false;
  if (parts[0] === 'watch') {
    watchPath = true;
    verb = 'watch';
    parts = parts.slice(1);
  }
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1];
    // namespaces/NAME/status and /finalize are the namespace's own subresources.
    if (parts.length > 2 && parts[2] !== 'status' && parts[2] !== 'finalize') parts = parts.slice(2);
  }
  const [resource, name, subresource] = parts;
  if (!resource) return { verb: method.toLowerCase() };
  if (!watchPath && !name) {
    if (verb === 'get') verb = ['true', '1'].includes(query.get('watch') ?? '') ? 'watch' : 'list';
    else if (verb === 'delete') verb = 'deletecollection';
  }
  // Go's field order: resource, namespace, name, apiGroup, apiVersion, subresource.
  const objectRef: Partial<ObjectReference> = { resource };
  if (namespace) objectRef.namespace = namespace;
  if (name) objectRef.name = name;
  if (apiGroup) objectRef.apiGroup = apiGroup;
  objectRef.apiVersion = apiVersion;
  if (subresource) objectRef.subresource = subresource;
  return { verb, objectRef: objectRef as ObjectReference };
}

/** authentication/v1 UserInfo in Go's field order: username, uid, groups, extra. */
function userField(user: { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> }) {
  return { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) };
}

/** RFC 3339 with microseconds, as Go's metav1.MicroTime: 2026-11-22T18:50:01.123456Z. */
export function microTime(epochMicros: number): string {
  const ms = Math.floor(epochMicros / 1000);
  const iso = new Date(ms).toISOString(); // ....sssZ
  return `${iso.slice(0, -1)}${String(Math.floor(epochMicros) % 1000).padStart(3, '0')}Z`;
}

const nowMicros = () => Math.floor((performance.timeOrigin + performance.now()) * 1000);

interface Pending {
  auditID: string;
  received: number;
  info: RequestInfo;
  status?: StatusError['status'];
}

const pending = new WeakMap<FastifyRequest, Pending>();

/**
 * A create's object name, known only once the object is: kube's audit event names the object a
 * create made (objectRef.name), generated names included.
 */
export function noteObjectName(req: FastifyRequest, name: string | undefined): void {
  const p = pending.get(req);
  const ref = p?.info.objectRef;
  if (!p || !ref || ref.name || !name) return;
  // Go's field order: resource, namespace, name, apiGroup, apiVersion, subresource.
  const { resource, namespace, ...rest } = ref;
  p.info.objectRef = { resource, ...(namespace ? { namespace } : {}), name, ...rest };
}

/** Opens the log synchronously (a bad path fails the start) and adds the hooks to app. */
export function installAuditLog(app: FastifyInstance, path: string): void {
  const toStdout = path === '-';
  const out: Writable = toStdout ? process.stdout : createWriteStream(path, { fd: openSync(path, 'a') });
  if (!toStdout) out.on('error', (err) => app.log.error(err, 'writing the audit log failed'));
  const write = (line: string) => {
    if (!out.writableEnded) out.write(line);
  };

  const event = (req: FastifyRequest, p: Pending, stage: 'ResponseStarted' | 'ResponseComplete', code: number): string => {
    const forwarded = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const remote = req.socket?.remoteAddress;
    const sourceIPs = [...forwarded, ...(remote && !forwarded.includes(remote) ? [remote] : [])];
    const ev: Record<string, unknown> = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: p.auditID,
      stage,
      requestURI: req.url,
      verb: p.info.verb,
      user: userField(userOf(req) ?? anonymous),
      sourceIPs,
    };
    if (req.headers['user-agent']) ev.userAgent = req.headers['user-agent'];
    if (p.info.objectRef) ev.objectRef = p.info.objectRef;
    // At level Metadata kube-apiserver still copies a failure's Status fields (no details).
    const s = p.status && p.status.code === code ? p.status : undefined;
    ev.responseStatus = s
      ? { metadata: {}, status: s.status, ...(s.message ? { message: s.message } : {}), ...(s.reason ? { reason: s.reason } : {}), code }
      : { metadata: {}, code };
    ev.requestReceivedTimestamp = microTime(p.received);
    ev.stageTimestamp = microTime(nowMicros());
    const decision = decisionOf(req);
    if (decision) {
      ev.annotations = {
        'authorization.k8s.io/decision': decision.decision,
        ...(decision.reason ? { 'authorization.k8s.io/reason': decision.reason } : {}),
      };
    }
    return `${JSON.stringify(ev)}\n`;
  };

  app.addHook('onRequest', (req, reply, done) => {
    const p: Pending = { auditID: randomUUID(), received: nowMicros(), info: requestInfo(req.method, req.url) };
    pending.set(req, p);
    const res: ServerResponse = reply.raw;
    res.setHeader('Audit-Id', p.auditID);
    if (p.info.verb === 'watch') {
      const writeHead = res.writeHead;
      res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
        res.writeHead = writeHead;
        write(event(req, p, 'ResponseStarted', Number(args[0])));
        return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
      } as ServerResponse['writeHead'];
    }
    // 'close' comes for every response, hijacked watch streams included.
    res.once('close', () => write(event(req, p, 'ResponseComplete', res.statusCode)));
    done();
  });
  app.addHook('onError', (req, _reply, error, done) => {
    const p = pending.get(req);
    if (p && error instanceof StatusError) p.status = error.status;
    done();
  });
  app.addHook('onClose', async () => {
    if (toStdout || out.writableEnded) return;
    await new Promise<void>((resolve) => out.end(resolve));
  });
}
