// Content negotiation for server-side printing: kubectl asks for
// `application/json;as=Table;v=v1;g=meta.k8s.io` (and v1beta1) before plain JSON.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ObjectMeta } from '../model/meta.js';
import { badRequest } from '../registry/errors.js';
import { errorText, invalid } from '../registry/validation/fieldErrors.js';
import type { TableColumn } from '../printers/tables.js';
import { sendJson } from './respond.js';

export function tableVersion(req: FastifyRequest): TableVersion | undefined {
  const accept = req.headers.accept ?? '';
  // Every GET asks; only kubectl's printing names a Table, so the rest answer without parsing.
  if (!accept.includes('as=Table')) return undefined;
  for (const part of accept.split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io') {
      const v = params.get('v');
      if (v === 'v1' || v === 'v1beta1') return v;
    }
    if (part.trim().split(';')[0] === 'application/json' && !part.includes('as=')) return undefined;
  }
  return undefined;
}

interface Printable {
  metadata?: ObjectMeta;
}

export type TableVersion = 'v1' | 'v1beta1';

/** metav1.TableOptions.includeObject, checked as optionsForTransform checks it (empty is Metadata). */
export function includeObject(req: FastifyRequest): 'None' | 'Metadata' | 'Object' {
  const include = (req.query as Record<string, string | undefined>).includeObject || 'Metadata';
  if (include !== 'None' && include !== 'Metadata' && include !== 'Object') {
    throw badRequest(
      `Unable to convert to Table as requested: ${errorText(invalid('includeObject', include, "must be 'Metadata', 'Object', 'None', or empty"))}`,
    );
  }
  return include;
}

export interface TableShape<T> {
  kind: string;
  /** group/version of the objects, for includeObject=Object; v1 when absent. */
  apiVersion?: string;
  columns: TableColumn[];
  cells: (obj: T) => unknown[];
}

/** A meta.k8s.io Table; `columns: false` is a watch event after the first (NoHeaders). */
export function buildTable<T extends Printable>(
  shape: TableShape<T>,
  version: TableVersion,
  include: 'None' | 'Metadata' | 'Object',
  objects: T[],
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number },
  columns = true,
): Record<string, unknown> {
  const apiVersion = `meta.k8s.io/${version}`;
  const rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: shape.cells(obj) };
    if (include === 'Object') row.object = { kind: shape.kind, apiVersion: shape.apiVersion ?? 'v1', ...obj };
    else if (include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion, metadata: obj.metadata };
    // None: asTable sets the row's RawExtension to nil, which encoding/json writes as null.
    else row.object = null;
    return row;
  });
  return { kind: 'Table', apiVersion, metadata: listMeta, columnDefinitions: columns ? shape.columns : null, rows };
}

export function sendTable<T extends Printable>(
  req: FastifyRequest,
  reply: FastifyReply,
  version: TableVersion,
  shape: TableShape<T>,
  objects: T[],
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number },
): FastifyReply {
  return sendJson(reply, buildTable(shape, version, includeObject(req), objects, listMeta));
}
