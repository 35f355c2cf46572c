// What a resource tells the generic store, as kube-apiserver's RESTCreateStrategy,
// RESTUpdateStrategy and RESTDeleteStrategy do (k8s.io/apiserver/pkg/registry/rest), plus the
// begin and after hooks a resource's REST storage adds (pkg/registry/core/service/storage):
// everything a kind decides for itself. The store runs the pipeline; no hook knows HTTP or SQL.
import type { ObjectMeta } from '../../model/meta.js';
import type { StoredObject, WriteTx } from '../../storage/objectStore.js';
import type { FieldError } from '../validation/fieldErrors.js';

export interface KubeObject {
  kind?: string;
  apiVersion?: string;
  metadata?: ObjectMeta;
}

export interface Strategy<T extends KubeObject> {
  /** Defaulting, as the decoder's SetDefaults_* run before anything else sees the object. */
  defaults?(obj: T): void;
  /** PrepareForCreate: what the server sets or clears on every create (status, for example). */
  prepareForCreate?(obj: T): void;
  /** Begin hook of a create, inside its transaction and before validation: allocation. */
  beginCreate?(tx: WriteTx, obj: T): Promise<void>;
  /**
   * Validate. Each inner list is one pass: the first that reports anything is the answer, as
   * kube's BeforeCreate runs the strategy's validation before the generic metadata checks.
   * `requestVersion` is the group/version the request came through (kube's
   * RequestInfo-derived requestGroupVersion): one storage served through two group/versions may
   * validate differently by it, as Events do.
   */
  validate(obj: T, requestVersion: string): FieldError[][];
  /** A PUT to a missing name creates it (AllowCreateOnUpdate). */
  allowCreateOnUpdate: boolean;
  /** PrepareForUpdate, then the update's begin hook (allocation), inside the transaction. */
  prepareForUpdate?(tx: WriteTx, obj: T, old: T): void | Promise<void>;
  validateUpdate(obj: T, old: T, requestVersion: string): FieldError[];
  /** Metadata fields a create clears beyond kube's BeforeCreate (a Service has no generation). */
  clearOnCreate?: readonly (keyof ObjectMeta)[];
  /** The stored JSON: field order and defaults as Go writes the type. */
  serialize(obj: T): string;
  /** After hooks: in-memory bookkeeping that follows the commit (the event aggregation index). */
  written?(obj: T): void;
  /** An object leaves storage: release what it holds, inside the transaction. */
  removing?(tx: WriteTx, stored: T, row: StoredObject): Promise<void>;
  /** Committed removal, for in-memory bookkeeping. */
  removed?(row: StoredObject): void;
}

/** The status subresource: an update there changes status only (ResetObjectMetaForStatus). */
export interface StatusStrategy<T extends KubeObject> {
  prepareForUpdate(obj: T, old: T): void;
  validateUpdate(obj: T, old: T): FieldError[];
}

/** How a DELETE answers: the object (ReturnDeletedObject) or a Success Status. */
export type DeleteAnswer = 'object' | 'status';
