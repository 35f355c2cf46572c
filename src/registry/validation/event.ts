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
import type { Event } from '../../model/event.js';
import { type FieldError, invalid, required } from './fieldErrors.js';
import { byteLen, isDNS1123Subdomain, isQualifiedName, type NameValidator } from './names.js';
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
