// ObjectMeta validation: k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateObjectMeta,
// ValidateObjectMetaUpdate, ValidateAnnotations, ValidateOwnerReferences, ValidateFinalizers),
// k8s.io/apimachinery/pkg/apis/meta/v1/validation (ValidateLabels, ValidateManagedFields) and the
// wrappers in pkg/apis/core/validation (ValidateObjectMeta / ValidateObjectMetaUpdate add the
// per-index "standard finalizer name" check). Kubernetes v1.33.
//
// Paths, error types, values and details follow the Go code exactly, including its quirks:
//  - label/annotation errors are reported at `metadata.labels` / `metadata.annotations`, not per key;
//  - finalizer qualified-name errors are reported at `metadata.finalizers` (no index, by apimachinery)
//    and the "neither a standard finalizer name nor ... fully qualified" error at
//    `metadata.finalizers[i]` (by core);
//  - owner reference errors are at `metadata.ownerReferences.<field>` (no index);
//  - on update the apimachinery finalizer-name check is NOT run, only the core per-index one.
//
// Deviations (Go behaviour that cannot be reproduced):
//  - the duplicate-controller owner reference error prints the []v1.OwnerReference with %#v, which
//    contains heap addresses for the *bool fields; we print a fixed fake address.
//  - Go iterates label/annotation maps in random order; we use the object's key order.
//  - validateObjectMetaUpdate reports an empty resourceVersion ("must be specified for an update")
//    exactly like ValidateObjectMetaUpdate does. kube-apiserver's generic store fills the stored
//    resourceVersion into the new object before validating an unconditional update, so callers must
//    do the same.

import type { ObjectMeta } from '../../model/meta.js';
import { type FieldError, forbidden, invalid, required, tooLong } from './fieldErrors.js';
import {
  byteLen,
  goStringSlice,
  goTime,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  type NameValidator,
  rawValueError,
} from './names.js';
import { goQuote } from '../../goQuote.js';

/** TotalAnnotationSizeLimitB: 256 kB */
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * (1 << 10);

const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable';
const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);
const FIELD_MANAGER_MAX_LENGTH = 128;
const MAX_SUBRESOURCE_NAME_LENGTH = 256;

type OwnerReference = NonNullable<ObjectMeta['ownerReferences']>[number];
type ManagedFieldsEntry = NonNullable<ObjectMeta['managedFields']>[number];

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const entries = (m: unknown): [string, unknown][] =>
  m !== null && typeof m === 'object' && !Array.isArray(m) ? Object.entries(m as Record<string, unknown>) : [];
const list = <T>(a: T[] | undefined | null): T[] => (Array.isArray(a) ? a : []);

/** unversionedvalidation.ValidateLabels: every error at `fldPath` itself. */
export function validateLabels(labels: Record<string, string> | undefined | null, fldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, rawV] of entries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(fldPath, k, msg));
    const v = str(rawV);
    for (const msg of isValidLabelValue(v)) errs.push(invalid(fldPath, v, msg));
  }
  return errs;
}

/** apimachineryvalidation.ValidateAnnotations: keys are qualified names (case-insensitive), total size <= 256 kB. */
export function validateAnnotations(annotations: Record<string, string> | undefined | null, fldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(fldPath, k, msg));
    total += byteLen(k) + byteLen(str(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(tooLong(fldPath, TOTAL_ANNOTATION_SIZE_LIMIT_B));
  return errs;
}

/** schema.FromAPIVersionAndKind */
function gvkOf(apiVersion: string, kind: string): { group: string; version: string; kind: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '', kind };
  const slashes = apiVersion.split('/').length - 1;
  if (slashes === 0) return { group: '', version: apiVersion, kind };
  if (slashes === 1) {
    const i = apiVersion.indexOf('/');
    return { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1), kind };
  }
  return { group: '', version: '', kind };
}

const goBoolPtrStringer = (b: boolean | undefined | null): string => (b === undefined || b === null ? 'nil' : `*${b}`);

/** (*metav1.OwnerReference).String(), the gogo-protobuf generated Stringer. */
function ownerReferenceString(ref: OwnerReference): string {
  return `&OwnerReference{Kind:${str(ref.kind)},Name:${str(ref.name)},UID:${str(ref.uid)},APIVersion:${str(ref.apiVersion)},Controller:${goBoolPtrStringer(ref.controller)},BlockOwnerDeletion:${goBoolPtrStringer(ref.blockOwnerDeletion)},}`;
}

/** %#v of []metav1.OwnerReference (pointer addresses are fake). */
function ownerReferencesGoSyntax(refs: OwnerReference[]): string {
  let addr = 0xc000010000;
  const ptr = (b: boolean | undefined | null): string => (b === undefined || b === null ? '(*bool)(nil)' : `(*bool)(0x${(addr++).toString(16)})`);
  const items = refs.map(
    (r) =>
      `v1.OwnerReference{APIVersion:${goQuote(str(r.apiVersion))}, Kind:${goQuote(str(r.kind))}, Name:${goQuote(str(r.name))}, UID:${goQuote(str(r.uid))}, Controller:${ptr(r.controller)}, BlockOwnerDeletion:${ptr(r.blockOwnerDeletion)}}`,
  );
  return `[]v1.OwnerReference{${items.join(', ')}}`;
}

function validateOwnerReference(ref: OwnerReference, fldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = str(ref?.apiVersion);
  const kind = str(ref?.kind);
  const gvk = gvkOf(apiVersion, kind);
  if (gvk.version.length === 0) errs.push(invalid(`${fldPath}.apiVersion`, apiVersion, 'version must not be empty'));
  if (gvk.kind.length === 0) errs.push(invalid(`${fldPath}.kind`, kind, 'must not be empty'));
  if (str(ref?.name).length === 0) errs.push(invalid(`${fldPath}.name`, str(ref?.name), 'must not be empty'));
  if (str(ref?.uid).length === 0) errs.push(invalid(`${fldPath}.uid`, str(ref?.uid), 'must not be empty'));
  if (gvk.group === '' && gvk.version === 'v1' && gvk.kind === 'Event') {
    errs.push(
      rawValueError(
        'FieldValueInvalid',
        fldPath,
        ownerReferenceString(ref ?? ({} as OwnerReference)),
        `${gvk.group}/${gvk.version}, Kind=${gvk.kind} is disallowed from being an owner`,
      ),
    );
  }
  return errs;
}

/** apimachineryvalidation.ValidateOwnerReferences */
export function validateOwnerReferences(refs: OwnerReference[] | undefined | null, fldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstControllerName = '';
  for (const ref of list(refs)) {
    errs.push(...validateOwnerReference(ref, fldPath));
    if (ref?.controller === true) {
      const cur = `${str(ref.kind)}/${str(ref.name)}`;
      if (firstControllerName !== '') {
        errs.push(
          rawValueError(
            'FieldValueInvalid',
            fldPath,
            ownerReferencesGoSyntax(list(refs)),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstControllerName} and ${cur}`,
          ),
        );
      } else {
        firstControllerName = cur;
      }
    }
  }
  return errs;
}

/** apimachineryvalidation.ValidateFinalizerName */
export function validateFinalizerName(value: string, fldPath: string): FieldError[] {
  return isQualifiedName(value).map((msg) => invalid(fldPath, value, msg));
}

/** core validateKubeFinalizerName: a name without '/' must be a standard finalizer. */
export function validateKubeFinalizerName(value: string, fldPath: string): FieldError[] {
  if (value.split('/').length === 1 && !STANDARD_FINALIZERS.has(value)) {
    return [invalid(fldPath, value, 'name is neither a standard finalizer name nor is it fully qualified')];
  }
  return [];
}

/** apimachineryvalidation.ValidateFinalizers (errors at `fldPath`, not per index). */
export function validateFinalizers(finalizers: string[] | undefined | null, fldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  let orphan = false;
  let foreground = false;
  for (const raw of list(finalizers)) {
    const f = str(raw);
    errs.push(...validateFinalizerName(f, fldPath));
    if (f === 'orphan') orphan = true;
    if (f === 'foregroundDeletion') foreground = true;
  }
  if (orphan && foreground) {
    errs.push(
      rawValueError(
        'FieldValueInvalid',
        fldPath,
        goStringSlice('string', list(finalizers).map(str)),
        'finalizer orphan and foregroundDeletion cannot be both set',
      ),
    );
  }
  return errs;
}

/** %#U of a rune */
function goRuneU(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Rough unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
function isPrintRune(ch: string): boolean {
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

/** v1validation.ValidateFieldManager */
function validateFieldManager(manager: string, fldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  if (byteLen(manager) > FIELD_MANAGER_MAX_LENGTH) errs.push(tooLong(fldPath, FIELD_MANAGER_MAX_LENGTH));
  let pos = 0;
  for (const ch of manager) {
    if (!isPrintRune(ch)) errs.push(invalid(fldPath, manager, `invalid character ${goRuneU(ch.codePointAt(0)!)} (at position ${pos})`));
    pos += byteLen(ch);
  }
  return errs;
}

/** v1validation.ValidateManagedFields */
export function validateManagedFields(fields: ManagedFieldsEntry[] | undefined | null, fldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  list(fields).forEach((entry, i) => {
    const p = `${fldPath}[${i}]`;
    const operation = str(entry?.operation);
    if (operation !== 'Apply' && operation !== 'Update') errs.push(invalid(`${p}.operation`, operation, 'must be `Apply` or `Update`'));
    const fieldsType = str(entry?.fieldsType);
    if (fieldsType.length > 0 && fieldsType !== 'FieldsV1') errs.push(invalid(`${p}.fieldsType`, fieldsType, 'must be `FieldsV1`'));
    errs.push(...validateFieldManager(str(entry?.manager), `${p}.manager`));
    if (byteLen(str(entry?.subresource)) > MAX_SUBRESOURCE_NAME_LENGTH) errs.push(tooLong(`${p}.subresource`, MAX_SUBRESOURCE_NAME_LENGTH));
  });
  return errs;
}

function validateNonnegativeField(value: number, fldPath: string): FieldError[] {
  return value < 0 ? [invalid(fldPath, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

export interface ObjectMetaOptions {
  /** whether the kind is namespaced (namespace required) or cluster-scoped (namespace forbidden) */
  namespaced: boolean;
  /** true: names are DNS-1035 labels (Services); false: DNS-1123 labels (Namespaces) */
  nameIsDNS1035: boolean;
  /** overrides the name rule chosen by nameIsDNS1035 (ValidateNameFunc) */
  nameFn?: NameValidator;
}

/**
 * core ValidateObjectMeta (create). Expects name generation to have happened already: with only a
 * generateName the result contains `metadata.name: Required value: name or generateName is required`.
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: ObjectMetaOptions): FieldError[] {
  const m: Partial<ObjectMeta> = meta ?? {};
  const nameFn: NameValidator = opts.nameFn ?? (opts.nameIsDNS1035 ? nameIsDNS1035Label : nameIsDNSLabel);
  const errs: FieldError[] = [];

  const generateName = str(m.generateName);
  if (generateName.length !== 0) {
    for (const msg of nameFn(generateName, true)) errs.push(invalid('metadata.generateName', generateName, msg));
  }
  const name = str(m.name);
  if (name.length === 0) {
    errs.push(required('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of nameFn(name, false)) errs.push(invalid('metadata.name', name, msg));
  }

  const namespace = str(m.namespace);
  if (opts.namespaced) {
    if (namespace.length === 0) errs.push(required('metadata.namespace'));
    else for (const msg of nameIsDNSLabel(namespace, false)) errs.push(invalid('metadata.namespace', namespace, msg));
  } else if (namespace.length !== 0) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }

  errs.push(...validateNonnegativeField(int(m.generation), 'metadata.generation'));
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(m.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(m.finalizers, 'metadata.finalizers'));
  errs.push(...validateManagedFields(m.managedFields, 'metadata.managedFields'));

  list(m.finalizers).forEach((f, i) => errs.push(...validateKubeFinalizerName(str(f), `metadata.finalizers[${i}]`)));
  return errs;
}

function timestampsEqual(a: string | undefined | null, b: string | undefined | null): boolean {
  const ea = a === undefined || a === null || a === '';
  const eb = b === undefined || b === null || b === '';
  if (ea || eb) return ea === eb;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return a === b;
  return ta === tb;
}

/** core ValidateObjectMetaUpdate */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta): FieldError[] {
  const n: Partial<ObjectMeta> = meta ?? {};
  const o: Partial<ObjectMeta> = old ?? {};
  const errs: FieldError[] = [];

  // Finalizers cannot be added if the object is already being deleted.
  if (o.deletionTimestamp !== undefined && o.deletionTimestamp !== null) {
    const oldSet = new Set(list(o.finalizers).map(str));
    const extra = [...new Set(list(n.finalizers).map(str))].filter((f) => !oldSet.has(f)).sort();
    if (extra.length !== 0) {
      errs.push(
        forbidden(
          'metadata.finalizers',
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice('string', extra)}`,
        ),
      );
    }
  }

  const resourceVersion = str(n.resourceVersion);
  if (resourceVersion.length === 0) errs.push(invalid('metadata.resourceVersion', resourceVersion, 'must be specified for an update'));

  if (int(n.generation) < int(o.generation)) errs.push(invalid('metadata.generation', int(n.generation), 'must not be decremented'));

  if (str(n.name) !== str(o.name)) errs.push(invalid('metadata.name', str(n.name), FIELD_IMMUTABLE_ERROR_MSG));
  if (str(n.namespace) !== str(o.namespace)) errs.push(invalid('metadata.namespace', str(n.namespace), FIELD_IMMUTABLE_ERROR_MSG));
  if (str(n.uid) !== str(o.uid)) errs.push(invalid('metadata.uid', str(n.uid), FIELD_IMMUTABLE_ERROR_MSG));
  if (!timestampsEqual(n.creationTimestamp, o.creationTimestamp)) {
    errs.push(rawValueError('FieldValueInvalid', 'metadata.creationTimestamp', goTime(n.creationTimestamp), FIELD_IMMUTABLE_ERROR_MSG));
  }
  const newDel = n.deletionTimestamp ?? null;
  const oldDel = o.deletionTimestamp ?? null;
  if ((newDel === null) !== (oldDel === null) || (newDel !== null && oldDel !== null && !timestampsEqual(newDel, oldDel))) {
    if (newDel === null) errs.push(invalid('metadata.deletionTimestamp', null, FIELD_IMMUTABLE_ERROR_MSG));
    else errs.push(rawValueError('FieldValueInvalid', 'metadata.deletionTimestamp', goTime(newDel), FIELD_IMMUTABLE_ERROR_MSG));
  }
  const newGrace = n.deletionGracePeriodSeconds ?? null;
  const oldGrace = o.deletionGracePeriodSeconds ?? null;
  if (newGrace !== oldGrace) errs.push(invalid('metadata.deletionGracePeriodSeconds', newGrace, FIELD_IMMUTABLE_ERROR_MSG));

  errs.push(...validateLabels(n.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(n.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(n.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateManagedFields(n.managedFields, 'metadata.managedFields'));

  list(n.finalizers).forEach((f, i) => errs.push(...validateKubeFinalizerName(str(f), `metadata.finalizers[${i}]`)));
  return errs;
}
