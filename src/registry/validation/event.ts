// Event validation as kube-apiserver applies it to the legacy core/v1 API (Kubernetes v1.33):
// pkg/apis/core/validation/events.go ValidateEventCreate/ValidateEventUpdate reduce to
// legacyValidateEvent for requests to /api/v1 (the strict checks on type, eventTime, series and
// immutable fields apply only to events.k8s.io/v1), and the generic registry adds the object-meta
// checks of k8s.io/apiserver rest.BeforeCreate/BeforeUpdate with path-segment names
// (ValidateObjectMetaAccessor(..., path.ValidatePathSegmentName, ...)).
//
// Paths are the Go ones, including the internal field name: a bad reportingComponent is reported
// at `reportingController`, and the namespace check at `namespace`, not `metadata.namespace`.
import type { ObjectMeta } from '../../model/meta.js';
import type { Event, ObjectReference } from '../../model/event.js';
import { goQuote } from '../../goQuote.js';
import { type FieldError, invalid, required } from './fieldErrors.js';
import { byteLen, goTime, isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain, rawValueError, type NameValidator } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './objectMeta.js';

const reportingInstanceLengthLimit = 128;
const actionLengthLimit = 128;
const reasonLengthLimit = 128;
const noteLengthLimit = 1024;

/** Go's zero time.Time (0001-01-01T00:00:00Z), which a client may also send spelled out. */
const goZeroTime = -62135596800000;

function isZeroTime(value: string | null | undefined): boolean {
  return !value || Date.parse(value) === goZeroTime;
}

/** validation.IsValidPathSegmentName / IsValidPathSegmentPrefix (apimachinery/pkg/api/validation/path). */
export const nameIsPathSegment: NameValidator = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
};

/** legacyValidateEvent. */
export function validateEvent(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = ev.metadata?.namespace ?? '';
  const involvedNamespace = ev.involvedObject?.namespace ?? '';
  const mismatch = () => errs.push(invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace'));
  if (isZeroTime(ev.eventTime)) {
    // Old-style events: a cluster-scoped object's events may live in "" or, for old clients, "default".
    if (involvedNamespace === '') {
      if (namespace !== '' && namespace !== 'default') mismatch();
    } else if (namespace !== involvedNamespace) {
      mismatch();
    }
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') mismatch();
    const controller = ev.reportingComponent ?? '';
    if (controller.length === 0) errs.push(required('reportingController'));
    for (const msg of isQualifiedName(controller)) errs.push(invalid('reportingController', controller, msg));
    const instance = ev.reportingInstance ?? '';
    if (instance.length === 0) errs.push(required('reportingInstance'));
    if (byteLen(instance) > reportingInstanceLengthLimit)
      errs.push(invalid('reportingInstance', '', `can have at most ${reportingInstanceLengthLimit} characters`));
    const action = ev.action ?? '';
    if (action.length === 0) errs.push(required('action'));
    if (byteLen(action) > actionLengthLimit) errs.push(invalid('action', '', `can have at most ${actionLengthLimit} characters`));
    const reason = ev.reason ?? '';
    if (reason.length === 0) errs.push(required('reason'));
    if (byteLen(reason) > reasonLengthLimit) errs.push(invalid('reason', '', `can have at most ${reasonLengthLimit} characters`));
    if (byteLen(ev.message ?? '') > noteLengthLimit) errs.push(invalid('message', '', `can have at most ${noteLengthLimit} characters`));
  }
  for (const msg of isDNS1123Subdomain(namespace)) errs.push(invalid('namespace', namespace, msg));
  return errs;
}

// The core wrappers in objectMeta.ts add one check the generic registry does not make: the
// per-index "standard finalizer name" error at metadata.finalizers[i]. Nothing else they report
// sits at an indexed finalizer path, so dropping those leaves exactly apimachinery's result.
const coreOnly = /^metadata\.finalizers\[\d+\]$/;

/** genericvalidation.ValidateObjectMetaAccessor(meta, true, path.ValidatePathSegmentName, "metadata"). */
export function validateEventMeta(meta: ObjectMeta | undefined): FieldError[] {
  return validateObjectMeta(meta, { namespaced: true, nameIsDNS1035: false, nameFn: nameIsPathSegment }).filter((e) => !coreOnly.test(e.field));
}

/** The update half of validateCommonFields: ValidateObjectMetaAccessor plus ValidateObjectMetaAccessorUpdate. */
export function validateEventMetaUpdate(meta: ObjectMeta, old: ObjectMeta): FieldError[] {
  return [...validateEventMeta(meta), ...validateObjectMetaUpdate(meta, old).filter((e) => !coreOnly.test(e.field))];
}

// ValidateEventCreate/ValidateEventUpdate past legacyValidateEvent: the strict checks kube
// applies to writes through events.k8s.io/v1. They run on the stored (core) shape, so their paths
// are the core field names, as kube's are (message, not note; involvedObject, not regarding).

/** The group/version whose writes get the strict checks. */
export const eventsV1Version = 'events.k8s.io/v1';

/** validateV1EventSeries. */
function validateSeries(ev: Event): FieldError[] {
  if (!ev.series) return [];
  const errs: FieldError[] = [];
  if ((ev.series.count ?? 0) < 2) errs.push(invalid('series.count', '', 'should be at least 2'));
  if (isZeroTime(ev.series.lastObservedTime)) errs.push(required('series.lastObservedTime'));
  return errs;
}

/** ValidateEventCreate for requestVersion events.k8s.io/v1: legacyValidateEvent, then the strict checks. */
export function validateEventV1Create(ev: Event): FieldError[] {
  const errs = validateEvent(ev);
  // ValidateObjectMeta(&event.ObjectMeta, true, NameIsDNSSubdomain, "metadata").
  errs.push(...validateObjectMeta(ev.metadata, { namespaced: true, nameIsDNS1035: false, nameFn: nameIsDNSSubdomain }));
  errs.push(...validateSeries(ev));
  if (isZeroTime(ev.eventTime)) errs.push(required('eventTime'));
  const type = ev.type ?? '';
  if (type !== 'Normal' && type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${type}`));
  if (!isZeroTime(ev.firstTimestamp)) errs.push(invalid('firstTimestamp', '', 'needs to be unset'));
  if (!isZeroTime(ev.lastTimestamp)) errs.push(invalid('lastTimestamp', '', 'needs to be unset'));
  if (ev.count) errs.push(invalid('count', '', 'needs to be unset'));
  if (ev.source?.component || ev.source?.host) errs.push(invalid('source', '', 'needs to be unset'));
  return errs;
}

/** Go's %#v of a core.ObjectReference. */
function goReference(ref: ObjectReference | undefined): string {
  const r = ref ?? {};
  const q = (v: string | undefined) => goQuote(v ?? '');
  return `core.ObjectReference{Kind:${q(r.kind)}, Namespace:${q(r.namespace)}, Name:${q(r.name)}, UID:${q(r.uid)}, APIVersion:${q(r.apiVersion)}, ResourceVersion:${q(r.resourceVersion)}, FieldPath:${q(r.fieldPath)}}`;
}

const sameReference = (a: ObjectReference | undefined, b: ObjectReference | undefined) =>
  (['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'] as const).every((k) => (a?.[k] ?? '') === (b?.[k] ?? ''));
const sameTime = (a: string | null | undefined, b: string | null | undefined) =>
  isZeroTime(a) ? isZeroTime(b) : !isZeroTime(b) && Date.parse(a!) === Date.parse(b!);
const immutable = 'field is immutable';

/** ValidateEventUpdate for requestVersion events.k8s.io/v1, past legacyValidateEvent and the metadata update checks. */
export function validateEventV1Update(ev: Event, old: Event): FieldError[] {
  const errs: FieldError[] = [];
  const seriesOf = (e: Event) =>
    e.series ? { count: e.series.count ?? 0, lastObservedTime: isZeroTime(e.series.lastObservedTime) ? null : e.series.lastObservedTime } : null;
  if (JSON.stringify(seriesOf(ev)) !== JSON.stringify(seriesOf(old))) errs.push(...validateSeries(ev));
  // ValidateImmutableField(new, old, path): Invalid with the new value, printed as Go prints it.
  if (!sameReference(ev.involvedObject, old.involvedObject)) {
    errs.push(rawValueError('FieldValueInvalid', 'involvedObject', goReference(ev.involvedObject), immutable));
  }
  const str = (field: 'reason' | 'message', v: string | undefined, o: string | undefined) => {
    if ((v ?? '') !== (o ?? '')) errs.push(invalid(field, v ?? '', immutable));
  };
  str('reason', ev.reason, old.reason);
  str('message', ev.message, old.message);
  if ((ev.source?.component ?? '') !== (old.source?.component ?? '') || (ev.source?.host ?? '') !== (old.source?.host ?? '')) {
    errs.push(
      rawValueError(
        'FieldValueInvalid',
        'source',
        `core.EventSource{Component:${goQuote(ev.source?.component ?? '')}, Host:${goQuote(ev.source?.host ?? '')}}`,
        immutable,
      ),
    );
  }
  if (!sameTime(ev.firstTimestamp, old.firstTimestamp)) errs.push(rawValueError('FieldValueInvalid', 'firstTimestamp', goTime(ev.firstTimestamp), immutable));
  if (!sameTime(ev.lastTimestamp, old.lastTimestamp)) errs.push(rawValueError('FieldValueInvalid', 'lastTimestamp', goTime(ev.lastTimestamp), immutable));
  if ((ev.count ?? 0) !== (old.count ?? 0)) errs.push(invalid('count', ev.count ?? 0, immutable));
  // kube checks reason twice; the duplicate is dropped when the Status is made.
  str('reason', ev.reason, old.reason);
  if ((ev.type ?? '') !== (old.type ?? '')) errs.push(invalid('type', ev.type ?? '', immutable));
  if (!sameTime(ev.eventTime, old.eventTime)) errs.push(rawValueError('FieldValueInvalid', 'eventTime', goTime(ev.eventTime), immutable));
  if ((ev.action ?? '') !== (old.action ?? '')) errs.push(invalid('action', ev.action ?? '', immutable));
  if (!(ev.related === undefined ? old.related === undefined : old.related !== undefined && sameReference(ev.related, old.related))) {
    errs.push(rawValueError('FieldValueInvalid', 'related', ev.related ? goReference(ev.related) : 'null', immutable));
  }
  if ((ev.reportingComponent ?? '') !== (old.reportingComponent ?? '')) errs.push(invalid('reportingController', ev.reportingComponent ?? '', immutable));
  if ((ev.reportingInstance ?? '') !== (old.reportingInstance ?? '')) errs.push(invalid('reportingInstance', ev.reportingInstance ?? '', immutable));
  return errs;
}
