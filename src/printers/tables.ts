// Server-side printing (pkg/printers/internalversion): the meta.k8s.io Table kubectl asks for
// on every `get`. Cells are computed as kube-apiserver computes them, wide, so nothing is
// truncated server-side.
import type { Event } from '../model/event.js';
import type { Namespace } from '../model/namespace.js';
import type { Service } from '../model/service.js';

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** duration.HumanDuration from k8s.io/apimachinery. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    const years = Math.floor(hours / 24 / 365);
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

export function age(creationTimestamp: string | undefined, now = Date.now()): string {
  if (!creationTimestamp) return '<unknown>';
  return humanDuration(now - Date.parse(creationTimestamp));
}

export const col = (name: string, description: string, extra: Partial<TableColumn> = {}): TableColumn => ({
  name,
  type: 'string',
  format: '',
  description,
  priority: 0,
  ...extra,
});

export const nameDoc =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.';
export const ageDoc =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.';

export const serviceColumns: TableColumn[] = [
  col('Name', nameDoc, { format: 'name' }),
  col('Type', 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.'),
  col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
  col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
  col('Port(s)', 'The list of ports that are exposed by this service.'),
  col('Age', ageDoc),
  col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 }),
];

export const namespaceColumns: TableColumn[] = [col('Name', nameDoc, { format: 'name' }), col('Status', 'The status of the namespace'), col('Age', ageDoc)];

function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

function externalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const set = new Set<string>();
      for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
        if (ing.ip) set.add(ing.ip);
        else if (ing.hostname) set.add(ing.hostname);
      }
      const lb = [...set].sort();
      const all = [...lb, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

function ports(svc: Service): string {
  const p = (svc.spec?.ports ?? []).map((port) => (port.nodePort ? `${port.port}:${port.nodePort}/${port.protocol}` : `${port.port}/${port.protocol}`));
  return p.length ? p.join(',') : '<none>';
}

export function serviceCells(svc: Service, now = Date.now()): unknown[] {
  return [
    svc.metadata?.name ?? '',
    svc.spec?.type ?? '',
    svc.spec?.clusterIPs?.[0] ?? '<none>',
    externalIP(svc),
    ports(svc),
    age(svc.metadata?.creationTimestamp, now),
    formatLabels(svc.spec?.selector),
  ];
}

export function namespaceCells(ns: Namespace, now = Date.now()): unknown[] {
  return [ns.metadata?.name ?? '', ns.status?.phase ?? '', age(ns.metadata?.creationTimestamp, now)];
}

// Column descriptions are the swagger docs of the core/v1 Event fields, as printers.go takes them.
export const eventColumns: TableColumn[] = [
  col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
  col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
  col('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
  col('Object', 'The object that this event is about.'),
  col(
    'Subobject',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
    { priority: 1 },
  ),
  col('Source', 'The component reporting this event. Should be a short machine understandable string.', { priority: 1 }),
  col('Message', 'A human-readable description of the status of this operation.'),
  col('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', { priority: 1 }),
  col('Count', 'The number of times this event has occurred.', { priority: 1 }),
  col('Name', nameDoc, { priority: 1, format: 'name' }),
];

/** metav1.Time.IsZero: unset, null, or Go's zero time 0001-01-01T00:00:00Z spelled out. */
const isZeroTime = (ts: string | null | undefined): boolean => !ts || Date.parse(ts) === -62135596800000;

/** printersutil.TranslateTimestampSince / TranslateMicroTimestampSince. */
const since = (ts: string | null | undefined, now: number): string => (isZeroTime(ts) ? '<unknown>' : humanDuration(now - Date.parse(ts!)));

/** printEvent, wide: new-style events (eventTime, series) fill in for the legacy timestamps and count. */
export function eventCells(ev: Event, now = Date.now()): unknown[] {
  const first = isZeroTime(ev.firstTimestamp) ? since(ev.eventTime, now) : since(ev.firstTimestamp, now);
  let last = isZeroTime(ev.lastTimestamp) ? first : since(ev.lastTimestamp, now);
  let count = ev.count ?? 0;
  if (ev.series) {
    last = since(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const io = ev.involvedObject ?? {};
  const kind = (io.kind ?? '').toLowerCase();
  const target = io.name ? `${kind}/${io.name}` : kind;
  // formatEventSource: component (or reportingComponent), then ", host" (or reportingInstance) when there is one.
  const component = ev.source?.component || ev.reportingComponent || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  const source = instance ? `${component}, ${instance}` : component;
  return [last, ev.type ?? '', ev.reason ?? '', target, io.fieldPath ?? '', source, (ev.message ?? '').trim(), first, count, ev.metadata?.name ?? ''];
}
