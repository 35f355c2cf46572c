// Query parameters every write or list accepts, read and checked as kube-apiserver does.
import type { FastifyReply } from 'fastify';
import type { TSchema } from 'typebox';
import { Type } from 'typebox';
import { canonicalize } from '../model/canonical.js';
import { DeleteOptions } from '../model/meta.js';
import { badRequest, invalid } from '../registry/errors.js';
import { forbidden, invalid as invalidValue, notSupported, required, tooLong, type FieldError } from '../registry/validation/fieldErrors.js';
import { addWarnings, unknownFieldWarning } from './warnings.js';
import { SelectorParseError, parseFieldSelector, parseLabelSelector } from '../registry/selectors.js';

export type Query = Record<string, string | string[] | undefined>;

// A repeated parameter counts by its first value, as kube-apiserver's query decoding reads it.
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** dryRun=All, or absent; anything else is refused like metav1 option validation does. */
export function dryRun(query: Query, optionsKind: string): boolean {
  const raw = query.dryRun;
  if (raw === undefined) return false;
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.every((v) => v === 'All')) return true;
  throw invalid(optionsKind, '', [notSupported('dryRun', values, ['All'])], 'meta.k8s.io');
}

/**
 * Decodes a body against its schema as Go's decoder would: unknown fields are dropped, and
 * reported per fieldValidation (Warn, the default: a Warning header; Strict: a 400; Ignore).
 */
export function decodeBody<T>(schema: TSchema, body: unknown, query: Query, reply: FastifyReply): T {
  const unknown: string[] = [];
  const value = canonicalize(schema, body as T, unknown);
  const mode = one(query.fieldValidation) ?? 'Warn';
  if (!['Ignore', 'Warn', 'Strict'].includes(mode)) {
    throw badRequest(`fieldValidation ${mode} is invalid, valid values are: Ignore, Warn, Strict`);
  }
  if (unknown.length && mode === 'Strict') {
    throw badRequest(`strict decoding error: ${unknown.map(unknownFieldWarning).join(', ')}`);
  }
  if (unknown.length && mode === 'Warn') addWarnings(reply, unknown.map(unknownFieldWarning));
  return value;
}

const goType = (v: unknown) =>
  Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v;

/**
 * A DELETE's optional DeleteOptions body, decoded as Go's decoder would (a value of the wrong
 * type is a 400) and its dryRun checked as the query parameter is; merged with the query.
 */
export function deleteOptions(
  query: Query,
  body: unknown,
  reply: FastifyReply,
): { dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } } {
  const fromQuery = dryRun(query, 'DeleteOptions');
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { dryRun: fromQuery };
  const wrongType = (field: string, want: string, v: unknown) =>
    badRequest(`json: cannot unmarshal ${goType(v)} into Go struct field DeleteOptions.${field} of type ${want}`);
  const raw = body as Record<string, unknown>;
  if (raw.dryRun !== undefined && (!Array.isArray(raw.dryRun) || raw.dryRun.some((v) => typeof v !== 'string')))
    throw wrongType('dryRun', '[]string', raw.dryRun);
  if (raw.gracePeriodSeconds !== undefined && !Number.isInteger(raw.gracePeriodSeconds)) throw wrongType('gracePeriodSeconds', 'int64', raw.gracePeriodSeconds);
  if (raw.propagationPolicy !== undefined && typeof raw.propagationPolicy !== 'string')
    throw wrongType('propagationPolicy', 'v1.DeletionPropagation', raw.propagationPolicy);
  if (raw.orphanDependents !== undefined && typeof raw.orphanDependents !== 'boolean') throw wrongType('orphanDependents', 'bool', raw.orphanDependents);
  const pre = raw.preconditions;
  if (pre !== undefined && (!pre || typeof pre !== 'object' || Array.isArray(pre))) throw wrongType('preconditions', 'v1.Preconditions', pre);
  for (const k of ['uid', 'resourceVersion'] as const) {
    const v = (pre as Record<string, unknown> | undefined)?.[k];
    if (v !== undefined && typeof v !== 'string') throw wrongType(`preconditions.${k}`, 'string', v);
  }
  const options = decodeBody<DeleteOptions>(DeleteOptions, body, { fieldValidation: 'Ignore' }, reply);
  const fromBody = options.dryRun?.length ? dryRun({ dryRun: options.dryRun }, 'DeleteOptions') : false;
  return { dryRun: fromQuery || fromBody, preconditions: options.preconditions };
}

/** labelSelector and fieldSelector as one predicate; a malformed selector is a 400. */
export function selectorFilter<T extends { metadata?: { labels?: Record<string, string> } }>(
  query: Query,
  fieldLabels: readonly string[],
  fieldsOf: (obj: T) => Record<string, string>,
): ((obj: T) => boolean) | undefined {
  const ls = one(query.labelSelector);
  const fs = one(query.fieldSelector);
  if (!ls && !fs) return undefined;
  try {
    const labels = ls ? parseLabelSelector(ls) : undefined;
    const fields = fs ? parseFieldSelector(fs, fieldLabels) : undefined;
    return (obj: T) => (!labels || labels.matches(obj.metadata?.labels ?? {})) && (!fields || fields.matches(fieldsOf(obj)));
  } catch (err) {
    if (err instanceof SelectorParseError) throw badRequest(err.message);
    throw err;
  }
}

/**
 * The manager of a write: ?fieldManager, else the User-Agent up to its first `/`, printable
 * characters only, at most 128 bytes (kube's managerOrUserAgent and prefixFromUserAgent).
 */
export function fieldManagerOf(query: Query, userAgent: string | undefined): string {
  const given = one(query.fieldManager);
  if (given) return given;
  let out = '';
  for (const ch of (userAgent ?? '').split('/')[0]) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > 128) break;
    out += ch;
  }
  return out;
}

/** metav1 validation.ValidatePatchOptions: force only with apply, fieldManager required for it. */
export function checkPatchOptions(query: Query, apply: boolean): void {
  const errs: FieldError[] = [];
  if (!apply && query.force !== undefined) errs.push(forbidden('force', 'may not be specified for non-apply patch'));
  if (apply && !one(query.fieldManager)) errs.push(required('fieldManager', 'is required for apply patch'));
  const manager = one(query.fieldManager) ?? '';
  if (Buffer.byteLength(manager) > 128) errs.push(tooLong('fieldManager', 128));
  let at = 0;
  for (const ch of manager) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) {
      const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      errs.push(invalidValue('fieldManager', manager, `invalid character ${code} (at position ${at})`));
    }
    at += Buffer.byteLength(ch);
  }
  if (errs.length) throw invalid('PatchOptions', '', errs, 'meta.k8s.io');
}

/** ?force: kube decodes it as a bool (true, 1, ...); kubectl always sends it with an apply. */
export const forceOf = (query: Query): boolean => ['true', '1', 'True', 'TRUE', 't', 'T'].includes(one(query.force) ?? '');

const str = (description: string) => Type.Optional(Type.String({ description }));
export const writeQuery = Type.Object({
  pretty: str("If 'true', the output is pretty printed."),
  dryRun: str('When present (value All), the request is validated and answered but nothing is persisted.'),
  fieldManager: str('A name associated with the actor or entity that is making these changes.'),
  fieldValidation: str('Ignore, Warn (default) or Strict: what to do with unknown fields in the body.'),
});
export const readQuery = Type.Object({ pretty: str("If 'true', the output is pretty printed.") });
export const listQuery = Type.Object({
  pretty: str("If 'true', the output is pretty printed."),
  labelSelector: str('A selector to restrict the list of returned objects by their labels.'),
  fieldSelector: str('A selector to restrict the list of returned objects by their fields.'),
  limit: str('Maximum number of items to return.'),
  continue: str('The continue token of a previous list call.'),
  resourceVersion: str('Which version of the data to list.'),
  resourceVersionMatch: str('How resourceVersion is applied: NotOlderThan or Exact.'),
  timeoutSeconds: str('Timeout for the list/watch call, in seconds.'),
  watch: str('Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  allowWatchBookmarks: str('Requests watch events with type BOOKMARK, sent periodically with the current resourceVersion.'),
  sendInitialEvents: str(
    'With watch and resourceVersionMatch=NotOlderThan: begin with synthetic ADDED events for the current state, then a bookmark annotated k8s.io/initial-events-end.',
  ),
});
export const deleteQuery = Type.Object({
  pretty: str("If 'true', the output is pretty printed."),
  dryRun: str('When present (value All), the request is validated and answered but nothing is persisted.'),
  gracePeriodSeconds: str('Ignored for Services, which have no graceful deletion.'),
  propagationPolicy: str('Orphan, Background or Foreground.'),
});
