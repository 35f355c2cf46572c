// Server-side printing of Endpoints and EndpointSlices, as pkg/printers/internalversion's
// printEndpoints (formatEndpoints) and printEndpointSlice (formatDiscoveryPorts,
// formatDiscoveryEndpoints) write their cells: at most three entries, then " + N more...".
import type { EndpointSlice } from '../model/endpointSlice.js';
import type { Endpoints } from '../model/endpoints.js';
import { age, ageDoc, col, nameDoc, type TableColumn } from './tables.js';

const max = 3;

export const endpointsColumns: TableColumn[] = [
  col('Name', nameDoc, { format: 'name' }),
  col(
    'Endpoints',
    'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.',
  ),
  col('Age', ageDoc),
];

/** net.JoinHostPort */
const joinHostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** formatEndpoints: ready addresses only, each with every port of its subset. */
export function formatEndpoints(endpoints: Endpoints): string {
  const subsets = endpoints.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    // A headless Service's endpoints may have no ports: the bare IPs are listed.
    const pairs: (number | undefined)[] = ports.length ? ports.map((p) => p.port ?? 0) : [undefined];
    for (const port of pairs) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(port === undefined ? (a.ip ?? '') : joinHostPort(a.ip ?? '', port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export function endpointsCells(endpoints: Endpoints, now = Date.now()): unknown[] {
  return [endpoints.metadata?.name ?? '', formatEndpoints(endpoints), age(endpoints.metadata?.creationTimestamp, now)];
}

// Column descriptions are the discovery v1beta1 swagger docs, as printers.go takes them.
export const endpointSliceColumns: TableColumn[] = [
  col('Name', nameDoc, { format: 'name' }),
  col(
    'AddressType',
    'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.',
  ),
  col(
    'Ports',
    'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
  ),
  col('Endpoints', 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.'),
  col('Age', ageDoc),
];

/** listWithMoreString */
function listWithMore(list: string[], more: boolean, count: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** formatDiscoveryPorts: a port's number, else its name, else "*" (every port). */
export function formatSlicePorts(slice: EndpointSlice): string {
  const list: string[] = [];
  const ports = slice.ports ?? [];
  for (const p of ports.slice(0, max)) list.push(p.port !== undefined && p.port !== null ? String(p.port) : (p.name ?? '*'));
  return listWithMore(list, ports.length > max, ports.length);
}

/** formatDiscoveryEndpoints: every address of every endpoint. */
export function formatSliceEndpoints(slice: EndpointSlice): string {
  const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return listWithMore(addresses.slice(0, max), addresses.length > max, addresses.length);
}

export function endpointSliceCells(slice: EndpointSlice, now = Date.now()): unknown[] {
  return [
    slice.metadata?.name ?? '',
    slice.addressType ?? '',
    formatSlicePorts(slice),
    formatSliceEndpoints(slice),
    age(slice.metadata?.creationTimestamp, now),
  ];
}
