// List and watch options as kube-apiserver reads and checks them: query parameters converted as
// metav1.ListOptions' parameter codec converts them, then apimachinery's ValidateListOptions
// (meta/internalversion/validation), whose errors are a 422 on kind ListOptions.
import { badRequest, invalid } from './errors.js';
import { forbidden, notSupported, type FieldError } from './validation/fieldErrors.js';

export type Query = Record<string, string | string[] | undefined>;

export interface ListOptions {
  watch: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** runtime.Convert_Slice_string_To_bool: anything but "false" or "0" is true, even empty. */
function bool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return !['false', '0'].includes(v.toLowerCase());
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`unable to parse query parameter ${name}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

export function parseListOptions(query: Query): ListOptions {
  const o: ListOptions = {
    watch: bool(one(query.watch)) ?? false,
    allowWatchBookmarks: bool(one(query.allowWatchBookmarks)) ?? false,
  };
  const str = (k: 'labelSelector' | 'fieldSelector' | 'resourceVersion' | 'resourceVersionMatch' | 'continue') => {
    const v = one(query[k]);
    if (v !== undefined && v !== '') o[k] = v;
  };
  str('labelSelector');
  str('fieldSelector');
  str('resourceVersion');
  str('resourceVersionMatch');
  str('continue');
  const limit = int('limit', one(query.limit));
  if (limit !== undefined && limit > 0) o.limit = limit;
  const timeout = int('timeoutSeconds', one(query.timeoutSeconds));
  if (timeout !== undefined && timeout > 0) o.timeoutSeconds = timeout;
  const initial = bool(one(query.sendInitialEvents));
  if (initial !== undefined) o.sendInitialEvents = initial;
  const errs = o.watch ? validateWatch(o) : validateList(o);
  if (errs.length) throw invalid('ListOptions', '', errs, 'meta.k8s.io');
  return o;
}

function validateList(o: ListOptions): FieldError[] {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch;
  if (match) {
    if (!o.resourceVersion) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (o.continue) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') errs.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && o.resourceVersion === '0')
      errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (o.sendInitialEvents !== undefined) errs.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return errs;
}

function validateWatch(o: ListOptions): FieldError[] {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch;
  // The WatchList feature (streaming lists) is on, as in kube-apiserver 1.32 and later.
  if (o.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errs.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (match) {
    if (o.sendInitialEvents === undefined)
      errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') errs.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    if (o.continue) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return errs;
}

/** A resourceVersion as a revision; "" and "0" mean "any" (0). Not a number: 400. */
export function parseResourceVersion(rv: string | undefined): number {
  if (rv === undefined || rv === '' || rv === '0') return 0;
  if (!/^\d+$/.test(rv))
    throw badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rv)}: strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`);
  return Number(rv);
}
