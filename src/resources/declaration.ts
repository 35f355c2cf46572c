// A resource is a declaration: what the route installer, discovery, the OpenAPI document and the
// table printer read to serve it. The semantics (strategy, hooks) live in its store
// (registry/generic); this is its API surface. Adding a resource costs a declaration, a store
// and one line in the server's resource table.
import type { TSchema } from 'typebox';
import type { TableColumn } from '../printers/tables.js';
import type { PatchMeta } from '../registry/patch/strategicMerge.js';
import type { KubeObject } from '../registry/generic/strategy.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export const allVerbs: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface ResourceDeclaration<T extends KubeObject> {
  /** '' for the core group (/api/v1), else the API group (/apis/GROUP/VERSION). */
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural, lower case: the path segment and the storage key. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: readonly Verb[];
  /** The decoding schema, and the OpenAPI definition names of the object and its list. */
  schema: TSchema;
  definition: string;
  listDefinition: string;
  /**
   * Definitions this resource brings (its object, its list, their parts) by OpenAPI name, for
   * resources declared outside model/definitions.ts.
   */
  definitions?: Record<string, TSchema>;
  /** Strategic merge patch metadata (patchStrategy and patchMergeKey tags). */
  patchMeta: PatchMeta;
  /** DELETE answers with the object (ReturnDeletedObject) or with a Success Status. */
  deleteAnswer: 'object' | 'status';
  /** Served at NAME/status through the store's status strategy. */
  statusSubresource: boolean;
  /** Server-side printing: `kubectl get` columns and each object's cells. */
  columns: TableColumn[];
  cells: (obj: T) => unknown[];
  /** Field selectors: the labels a fieldSelector may name, and each object's values for them. */
  fieldLabels: readonly string[];
  fieldsOf: (obj: T) => Record<string, string>;
  /**
   * Written after the verb in operationIds (createEventsV1NamespacedEvent), kube-openapi's own
   * form, for a kind whose plain ids (createNamespacedEvent) another group already uses: the
   * Swagger 2.0 document holds every group, and its operationIds must be unique.
   */
  operationGroupVersion?: string;
  /** A Warning every request to this resource gets, whatever its verb (a deprecated API). */
  warning?: string;
  /**
   * Served over another kind's storage (events.k8s.io/v1 Events over core/v1's, as kube serves
   * them): how a stored object reads in this group/version. List, watch and tables convert each
   * stored object with it; the row's store (a ConvertedStore) converts writes both ways.
   */
  fromStored?: (stored: KubeObject) => T;
}

/** group/version as objects carry it in apiVersion. */
export const groupVersion = (d: { group: string; version: string }) => (d.group ? `${d.group}/${d.version}` : d.version);

/** Where the group/version is served: /api/v1 or /apis/GROUP/VERSION. */
export const pathPrefix = (d: { group: string; version: string }) => (d.group ? `/apis/${d.group}/${d.version}` : `/api/${d.version}`);
