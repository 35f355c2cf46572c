// One Service: its access path per port, its events and its YAML, all kept live by watches.
import { drawPath, dnsName, type EndpointSlice, pathColumns } from './accessPath.js';
import { ApiError, clusterIPs, externalAddress, inform, type Informer, type Meta, portsText, request, type Service } from './api.js';
import { age, h } from './dom.js';
import { toYaml } from './yaml.js';

// The cluster domain is a server flag (--cluster-domain) the API does not expose; the console
// shows kube's default.
const DOMAIN = 'cluster.local';

interface KubeEvent {
  metadata: Meta;
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
}

export function serviceView(main: HTMLElement, namespace: string, name: string): () => void {
  let svc: Service | undefined;
  let gone = false;
  let error = '';
  const slices = new Map<string, EndpointSlice>();
  const events = new Map<string, KubeEvent>();

  const title = h('h1', {}, name);
  const summary = h('dl', { class: 'summary' });
  const paths = h('div', { class: 'paths', id: 'access-path' });
  const eventsBody = h('tbody', {});
  const yaml = h('pre', { class: 'yaml', id: 'yaml', tabindex: '0', 'aria-label': 'YAML' });
  const message = h('p', { class: 'error', role: 'alert', hidden: true });
  const del = h('button', { type: 'button', class: 'danger', onclick: () => remove() }, 'Delete');
  main.replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/services' }, 'Services'), ` / ${namespace} / `),
    h('div', { class: 'toolbar' }, title, del),
    message,
    summary,
    h('section', { 'aria-labelledby': 'path-h' }, h('h2', { id: 'path-h' }, 'Access path'), paths),
    h(
      'div',
      { class: 'two' },
      h(
        'section',
        { 'aria-labelledby': 'events-h' },
        h('h2', { id: 'events-h' }, 'Events'),
        h(
          'table',
          { class: 'events' },
          h('thead', {}, h('tr', {}, ...['Type', 'Reason', 'Age', 'Message'].map((c) => h('th', { scope: 'col' }, c)))),
          eventsBody,
        ),
      ),
      h('section', { 'aria-labelledby': 'yaml-h' }, h('h2', { id: 'yaml-h' }, 'YAML'), yaml),
    ),
  );

  function render() {
    message.hidden = !error && !gone;
    message.textContent = gone ? `Service ${namespace}/${name} does not exist (deleted?)` : error;
    del.disabled = !svc;
    if (!svc) return;
    const type = svc.spec.type ?? 'ClusterIP';
    const headless = svc.spec.clusterIP === 'None';
    const facts: [string, string][] = [
      ['Type', headless ? `${type} (headless)` : type],
      ['DNS name', dnsName(svc, DOMAIN)],
      ['Cluster IPs', clusterIPs(svc)],
      ['External address', externalAddress(svc)],
      ['Ports', portsText(svc)],
      [
        'Selector',
        Object.entries(svc.spec.selector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(', ') || '<none>',
      ],
      ['Age', age(svc.metadata.creationTimestamp)],
    ];
    summary.replaceChildren(...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, v)]));
    const sliceList = [...slices.values()];
    const ports = type === 'ExternalName' || !svc.spec.ports?.length ? [undefined] : svc.spec.ports;
    paths.replaceChildren(
      ...ports.map((port) => {
        const caption = port
          ? `Port ${port.name ? `${port.name} ` : ''}${port.port}/${port.protocol ?? 'TCP'}`
          : type === 'ExternalName'
            ? 'DNS alias'
            : 'No ports';
        return h(
          'figure',
          { class: 'path-fig', 'data-port': port?.port ?? '' },
          h('figcaption', {}, caption),
          h('div', { class: 'svg-scroll' }, drawPath(pathColumns(svc!, port, sliceList, DOMAIN), caption)),
        );
      }),
    );
    const { managedFields: _m, ...metadata } = svc.metadata as Meta & { managedFields?: unknown };
    // List items carry no kind or apiVersion; kubectl get -o yaml prints them first.
    yaml.textContent = toYaml({ apiVersion: 'v1', kind: 'Service', ...svc, metadata });
    const evs = [...events.values()].sort((a, b) => (b.lastTimestamp ?? b.eventTime ?? '').localeCompare(a.lastTimestamp ?? a.eventTime ?? ''));
    eventsBody.replaceChildren(
      ...(evs.length
        ? evs.map((e) =>
            h(
              'tr',
              {},
              h('td', {}, e.type ?? ''),
              h('td', {}, e.reason ?? ''),
              h('td', {}, `${age(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp)}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ''}`),
              h('td', {}, e.message ?? ''),
            ),
          )
        : [h('tr', {}, h('td', { colspan: 4 }, 'No events.'))]),
    );
  }

  const ns = encodeURIComponent(namespace);
  const onError = (err: Error) => {
    error = err instanceof ApiError ? `${err.code}: ${err.message}` : `watch interrupted (${err.message}); retrying`;
    render();
  };
  const informers: Informer[] = [
    inform<Service>(`/api/v1/namespaces/${ns}/services`, `fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`, {
      onList(items) {
        svc = items[0];
        gone = !svc;
        error = '';
        render();
      },
      onEvent(ev) {
        svc = ev.type === 'DELETED' ? undefined : ev.object;
        gone = !svc;
        render();
      },
      onError,
    }),
    inform<EndpointSlice & { metadata: Meta }>(
      `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
      `labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${name}`)}`,
      {
        onList(items) {
          slices.clear();
          for (const s of items) slices.set(s.metadata.name, s);
          render();
        },
        onEvent(ev) {
          if (ev.type === 'DELETED') slices.delete(ev.object.metadata.name);
          else slices.set(ev.object.metadata.name, ev.object);
          render();
        },
        onError,
      },
    ),
    inform<KubeEvent>(`/api/v1/namespaces/${ns}/events`, `fieldSelector=${encodeURIComponent(`involvedObject.name=${name}`)}`, {
      onList(items) {
        events.clear();
        for (const e of items) events.set(e.metadata.name, e);
        render();
      },
      onEvent(ev) {
        if (ev.type === 'DELETED') events.delete(ev.object.metadata.name);
        else events.set(ev.object.metadata.name, ev.object);
        render();
      },
      onError,
    }),
  ];

  async function remove() {
    if (!confirm(`Delete Service ${namespace}/${name}?`)) return;
    try {
      await request(`/api/v1/namespaces/${ns}/services/${encodeURIComponent(name)}`, { method: 'DELETE' });
      location.hash = '#/services';
    } catch (err) {
      onError(err as Error);
    }
  }

  render();
  return () => {
    for (const i of informers) i.stop();
  };
}
