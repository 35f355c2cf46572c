// GET /apis/svcplane.dev/v1alpha1/allocations[/{name}]: the read-only view of the allocators,
// as a Kubernetes-shaped resource so that `kubectl get allocations` works like any other get.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { allocationGroupVersion, type AllocationView } from '../allocators/allocationView.js';
import type { Allocation } from '../model/allocation.js';
import { refs } from '../model/definitions.js';
import type { TableColumn } from '../printers/tables.js';
import { age } from '../printers/tables.js';
import { methodNotAllowed, notFound } from '../registry/errors.js';
import { readQuery, type Query } from './requestOptions.js';
import { sendJson } from './respond.js';
import { sendTable, tableVersion, type TableShape } from './tableNegotiation.js';

type Req = FastifyRequest<{ Params: { name: string }; Querystring: Query }>;
const tags = ['svcplane_v1alpha1'];
const params = Type.Object({ name: Type.String({ description: 'name of the Allocation: service-ip-ipv4, service-ip-ipv6 or node-port' }) });
const errors = { 404: refs.Status, 406: refs.Status };
const base = `/apis/${allocationGroupVersion}/allocations`;
const isWatch = (q: Query) => {
  const w = (q as Record<string, unknown>).watch;
  return w === 'true' || w === '1' || w === true;
};

const column = (name: string, description: string, type = 'string'): TableColumn => ({
  name,
  type,
  format: name === 'Name' ? 'name' : '',
  description,
  priority: 0,
});
export const allocationTable: TableShape<Allocation> = {
  kind: 'Allocation',
  columns: [
    column('Name', 'The range: service-ip-ipv4, service-ip-ipv6 or node-port.'),
    column('Range', 'The configured CIDR or port range.'),
    column('Size', 'Values the range can hand out.'),
    column('Used', 'Values held inside the range.', 'integer'),
    column('Free', 'Values still free.'),
    column('Out-of-range', 'Values held outside the range since a configuration change.', 'integer'),
    column('Age', 'Time since this server started.'),
  ],
  cells: (a) => [
    a.metadata?.name,
    a.spec.range || '<none>',
    a.status.size,
    a.status.used,
    a.status.free,
    a.status.outOfRange,
    age(a.metadata?.creationTimestamp),
  ],
};

export async function allocationRoutes(app: FastifyInstance, opts: { view: AllocationView; revision: () => number }): Promise<void> {
  const listMeta = () => ({ resourceVersion: String(opts.revision()) });
  app.get(
    base,
    {
      schema: {
        operationId: 'listAllocation',
        tags,
        description: 'list the allocation ranges with what each holds',
        querystring: readQuery,
        response: { 200: refs.AllocationList, ...errors },
      },
    },
    async (req: Req, reply) => {
      // get and list only: a watch is refused as kube-apiserver refuses a verb a resource lacks.
      if (isWatch(req.query)) throw methodNotAllowed();
      const items = await opts.view.list();
      const table = tableVersion(req);
      if (table) return sendTable(req, reply, table, allocationTable, items, listMeta());
      return sendJson(reply, { kind: 'AllocationList', apiVersion: allocationGroupVersion, metadata: listMeta(), items });
    },
  );
  app.get(
    `${base}/:name`,
    {
      schema: {
        operationId: 'readAllocation',
        tags,
        description: 'read one allocation range with what it holds',
        params,
        querystring: readQuery,
        response: { 200: refs.Allocation, ...errors },
      },
    },
    async (req: Req, reply) => {
      if (isWatch(req.query)) throw methodNotAllowed();
      const item = await opts.view.get(req.params.name);
      if (!item) throw notFound('allocations', req.params.name, 'svcplane.dev');
      const table = tableVersion(req);
      if (table) return sendTable(req, reply, table, allocationTable, [item], listMeta());
      return sendJson(reply, item);
    },
  );
  // Read-only: every write is refused as kube-apiserver refuses a verb a resource does not serve.
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE'],
    url: base,
    handler: async () => {
      throw methodNotAllowed();
    },
    schema: { hide: true },
  });
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE'],
    url: `${base}/:name`,
    handler: async () => {
      throw methodNotAllowed();
    },
    schema: { hide: true },
  });
}
