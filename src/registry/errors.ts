// Errors as kube-apiserver reports them: a StatusError carries the exact metav1.Status the
// client receives (k8s.io/apimachinery/pkg/api/errors). Anything thrown that is not a
// StatusError is a bug and becomes a 500 InternalError without internals.
import type { Status, StatusDetails } from '../model/meta.js';
import { errorBody, errorText, type FieldError } from './validation/fieldErrors.js';

export class StatusError extends Error {
  /** The HTTP status, under the name fastify reads. */
  readonly statusCode: number;
  constructor(readonly status: Status & { code: number }) {
    super(status.message);
    this.statusCode = status.code;
  }
}

/** Field order as the Go encoder writes metav1.Status; empty parts omitted. */
function status(code: number, reason: string | undefined, message: string, details?: StatusDetails, metadata: Status['metadata'] = {}): StatusError {
  const s: Status & { code: number } = { kind: 'Status', apiVersion: 'v1', metadata, status: 'Failure', message } as Status & { code: number };
  if (reason) s.reason = reason;
  if (details && Object.keys(details).length > 0) s.details = details;
  s.code = code;
  return new StatusError(s);
}

/**
 * A Status with exactly these fields, for answers that name no object (the HTTP layer's own);
 * `details` is written only when given, as an empty object if it is one.
 */
export const failure = (code: number, reason: string, message: string, details?: StatusDetails): StatusError =>
  new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code } as Status & {
    code: number;
  });

/** {name, group, kind} in Go's field order; group omitted for the core group. */
function details(resource: string, name: string | undefined, group = ''): StatusDetails {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (group) d.group = group;
  d.kind = resource;
  return d;
}

const qualified = (resource: string, group = '') => (group ? `${resource}.${group}` : resource);

export const notFound = (resource: string, name: string, group = '') =>
  status(404, 'NotFound', `${qualified(resource, group)} ${JSON.stringify(name)} not found`, details(resource, name, group));

export const alreadyExists = (resource: string, name: string, terminating = false, group = '') =>
  status(
    409,
    'AlreadyExists',
    `${terminating ? 'object is being deleted: ' : ''}${qualified(resource, group)} ${JSON.stringify(name)} already exists`,
    details(resource, name, group),
  );

export const conflict = (resource: string, name: string, reason: string, group = '') =>
  status(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} ${JSON.stringify(name)}: ${reason}`, details(resource, name, group));

export const staleResourceVersion = (resource: string, name: string, group = '') =>
  conflict(resource, name, 'the object has been modified; please apply your changes to the latest version and try again', group);

export const badRequest = (message: string) => status(400, 'BadRequest', message);

export const forbidden = (resource: string, name: string, reason: string) =>
  status(403, 'Forbidden', `${resource} ${JSON.stringify(name)} is forbidden: ${reason}`, details(resource, name));

export const methodNotAllowed = (message = 'the server does not allow this method on the requested resource') => status(405, 'MethodNotAllowed', message, {});

/** negotiation.NewUnsupportedMediaTypeError: lists what the endpoint accepts. */
export const unsupportedMediaType = (accepted: readonly string[]) =>
  status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);

export const notAcceptable = (message: string) => status(406, 'NotAcceptable', message);

export const gone = (message: string) => status(410, 'Expired', message);

/** errors.NewInternalError: the message is prefixed and repeated as the single cause. */
export const internalError = (message: string) => status(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });

/** A plain Go error surfacing from storage: code 500, no reason (ErrorToAPIStatus default). */
export const unknownError = (message: string) => status(500, undefined, message);

/** errors.NewInvalid: kind is the Kind (Service), causes are the field errors deduplicated. */
export function invalid(kind: string, name: string, errs: FieldError[], group = ''): StatusError {
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const e of errs) {
    const text = errorText(e);
    if (!seen.has(text)) {
      seen.add(text);
      unique.push(text);
    }
  }
  const aggregate = unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
  const d: StatusDetails = { name, ...(group ? { group } : {}), kind, causes: errs.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field })) };
  if (!name) delete d.name;
  return status(422, 'Invalid', `${group ? `${kind}.${group}` : kind} ${JSON.stringify(name)} is invalid: ${aggregate}`, d);
}

/** An expired paginated list: a fresh token that continues at the newest revision rides along. */
export const expiredContinue = (message: string, token: string) => status(410, 'Expired', message, undefined, { continue: token });

/** storage.NewTooLargeResourceVersionError: a 504 the client retries after a second. */
export const tooLargeResourceVersion = (requested: number, current: number) =>
  status(504, 'Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
