// A Service's access path per port, drawn as an inline SVG: the hops a connection takes from
// outside (load balancer, node port) or inside (DNS name, cluster IP) to the endpoints' target
// port, as the Kubernetes documentation draws it. svcplane has no nodes, so the node hop is
// NodeIP, a placeholder for every node's address.
import type { Service, ServicePort } from './api.js';
import { s } from './dom.js';

export interface EndpointSlice {
  metadata: { name: string };
  addressType?: string;
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] | null;
  ports?: { name?: string; port?: number; protocol?: string }[] | null;
}

export type HopKind = 'external' | 'node' | 'cluster' | 'dns' | 'endpoint' | 'alias';
export interface Hop {
  kind: HopKind;
  label: string;
  detail?: string;
}
export interface Column {
  title: string;
  hops: Hop[];
}

const MAX_ENDPOINTS = 6;

export function dnsName(svc: Service, domain: string): string {
  return `${svc.metadata.name}.${svc.metadata.namespace ?? 'default'}.svc.${domain}`;
}

function hostPort(host: string, port: number | string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

function endpointHops(svc: Service, port: ServicePort, slices: EndpointSlice[]): Hop[] {
  const hops: Hop[] = [];
  for (const slice of slices) {
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? ''));
    const number = sp?.port ?? port.targetPort ?? port.port;
    for (const ep of slice.endpoints ?? []) {
      const ready = ep.conditions?.ready !== false;
      for (const addr of ep.addresses) hops.push({ kind: 'endpoint', label: hostPort(addr, number), detail: ready ? 'ready' : 'not ready' });
    }
  }
  if (hops.length > MAX_ENDPOINTS) {
    const more = hops.length - (MAX_ENDPOINTS - 1);
    hops.splice(MAX_ENDPOINTS - 1, hops.length, { kind: 'endpoint', label: `+${more} more`, detail: 'endpoints' });
  }
  if (hops.length) return hops;
  const target = port.targetPort ?? port.port;
  const selector = Object.entries(svc.spec.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return [{ kind: 'endpoint', label: `Pod:${target}`, detail: selector ? `none yet: ${selector}` : 'no selector, none' }];
}

/** The columns of one port's path, left (the client) to right (the endpoints). */
export function pathColumns(svc: Service, port: ServicePort | undefined, slices: EndpointSlice[], domain: string): Column[] {
  const type = svc.spec.type ?? 'ClusterIP';
  const dns = dnsName(svc, domain);
  if (type === 'ExternalName') {
    return [
      { title: 'DNS name', hops: [{ kind: 'dns', label: dns, detail: 'CNAME' }] },
      { title: 'External name', hops: [{ kind: 'alias', label: svc.spec.externalName ?? '', detail: 'resolved outside the cluster' }] },
    ];
  }
  if (!port) return [{ title: 'DNS name', hops: [{ kind: 'dns', label: dns, detail: 'no ports' }] }];
  const endpoints = { title: `Endpoints (targetPort ${port.targetPort ?? port.port})`, hops: endpointHops(svc, port, slices) };
  const ips = (svc.spec.clusterIPs ?? [svc.spec.clusterIP ?? '']).filter((ip) => ip && ip !== 'None');
  if (!ips.length)
    return [{ title: 'DNS name (headless)', hops: [{ kind: 'dns', label: `${dns}:${port.port}`, detail: 'A/AAAA records of the endpoints' }] }, endpoints];
  const families = svc.spec.ipFamilies ?? [];
  const cluster: Column = {
    title: 'ClusterIP',
    hops: ips.map((ip, i) => ({ kind: 'cluster', label: hostPort(ip, port.port), detail: families[i] ?? (ip.includes(':') ? 'IPv6' : 'IPv4') })),
  };
  const columns: Column[] = [];
  if (type === 'LoadBalancer') {
    const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
    columns.push({
      title: 'Load balancer',
      hops: ingress.length
        ? ingress.map((a) => ({ kind: 'external' as const, label: hostPort(a, port.port), detail: 'external address' }))
        : [{ kind: 'external', label: `<pending>:${port.port}`, detail: 'being provisioned' }],
    });
  }
  for (const ip of svc.spec.externalIPs ?? []) {
    if (!columns.length) columns.push({ title: 'External IPs', hops: [] });
    columns[0].hops.push({ kind: 'external', label: hostPort(ip, port.port), detail: 'externalIPs' });
  }
  if ((type === 'NodePort' || type === 'LoadBalancer') && port.nodePort) {
    columns.push({ title: 'Every node', hops: [{ kind: 'node', label: `NodeIP:${port.nodePort}`, detail: 'nodePort' }] });
  } else if (!columns.length) {
    columns.push({ title: 'DNS name', hops: [{ kind: 'dns', label: `${dns}:${port.port}`, detail: 'A/AAAA → ClusterIP' }] });
  }
  columns.push(cluster, endpoints);
  return columns;
}

export function pathText(columns: Column[]): string {
  return columns.map((c) => `${c.title}: ${c.hops.map((h) => h.label).join(', ')}`).join(' → ');
}

const BOX_W = 210;
const BOX_H = 44;
const GAP_X = 56;
const GAP_Y = 12;
const TOP = 26;

// Long names (an aws load balancer's hostname) lose their middle: both ends say what they are.
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const tail = Math.floor((max - 1) / 2);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}

const CHAR_W = 7.3;
const MAX_BOX_W = 330;

/** A column is as wide as its longest label needs, between BOX_W and MAX_BOX_W. */
function columnWidth(col: Column): number {
  const longest = Math.max(...col.hops.map((h) => h.label.length));
  return Math.round(Math.min(MAX_BOX_W, Math.max(BOX_W, longest * CHAR_W + 20)));
}

export function drawPath(columns: Column[], caption: string): SVGElement {
  const rows = Math.max(...columns.map((c) => c.hops.length));
  const widths = columns.map(columnWidth);
  const lefts = widths.map((_, i) => 1 + widths.slice(0, i).reduce((a, w) => a + w + GAP_X, 0));
  const width = lefts[lefts.length - 1] + widths[widths.length - 1] + 1;
  const height = TOP + rows * BOX_H + (rows - 1) * GAP_Y + 2;
  const text = pathText(columns);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `${caption}: ${text}`, class: 'path' });
  svg.appendChild(s('title', {}, `${caption}: ${text}`));
  const centers: { x: number; y: number; w: number }[][] = [];
  columns.forEach((col, ci) => {
    const x = lefts[ci];
    const w = widths[ci];
    svg.appendChild(s('text', { x, y: 14, class: 'col-title' }, col.title));
    const offset = ((rows - col.hops.length) * (BOX_H + GAP_Y)) / 2;
    centers.push(
      col.hops.map((hop, hi) => {
        const y = TOP + offset + hi * (BOX_H + GAP_Y);
        const g = s('g', { class: `hop hop-${hop.kind}`, 'data-kind': hop.kind });
        g.appendChild(s('title', {}, `${hop.label}${hop.detail ? ` (${hop.detail})` : ''}`));
        g.appendChild(s('rect', { x, y, width: w, height: BOX_H, rx: 6 }));
        g.appendChild(s('text', { x: x + 10, y: y + 18, class: 'hop-label' }, clip(hop.label, Math.floor((w - 20) / CHAR_W))));
        if (hop.detail) g.appendChild(s('text', { x: x + 10, y: y + 35, class: 'hop-detail' }, clip(hop.detail, Math.floor((w - 20) / 6.7))));
        svg.appendChild(g);
        return { x, y: y + BOX_H / 2, w };
      }),
    );
  });
  for (let ci = 0; ci + 1 < centers.length; ci++) {
    for (const from of centers[ci]) {
      for (const to of centers[ci + 1]) {
        const x1 = from.x + from.w;
        const x2 = to.x - 6;
        const mid = (x1 + x2) / 2;
        svg.appendChild(s('path', { d: `M${x1},${from.y} C${mid},${from.y} ${mid},${to.y} ${x2},${to.y}`, class: 'arrow', 'marker-end': 'url(#arrowhead)' }));
      }
    }
  }
  svg.insertBefore(
    s(
      'defs',
      {},
      s(
        'marker',
        { id: 'arrowhead', viewBox: '0 0 10 10', refX: 1, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' },
        s('path', { d: 'M0,0 L10,5 L0,10 z' }),
      ),
    ),
    svg.firstChild,
  );
  return svg;
}
