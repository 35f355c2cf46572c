// How full each service CIDR and the node-port range are, and who holds what.
import { ApiError, type List, request } from './api.js';
import { h } from './dom.js';

interface Allocation {
  metadata: { name: string };
  spec: { type?: string; ipFamily?: string; range?: string };
  status: { size: string; used: number; free?: string; holders?: { value: string | number; namespace?: string; name?: string; inRange?: boolean }[] };
}

const SHOWN_HOLDERS = 500;

export function allocationsView(main: HTMLElement): () => void {
  let stopped = false;
  main.replaceChildren(h('h1', {}, 'Allocations'), h('p', { class: 'loading' }, 'Loading…'));
  const load = async () => {
    try {
      const list = await request<List<Allocation>>('/apis/svcplane.dev/v1alpha1/allocations');
      if (stopped) return;
      main.replaceChildren(h('h1', {}, 'Allocations'), ...list.items.map(card));
    } catch (err) {
      if (stopped) return;
      main.replaceChildren(
        h('h1', {}, 'Allocations'),
        h('p', { class: 'error', role: 'alert' }, err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)),
      );
    }
  };
  load();
  const timer = setInterval(load, 5000);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

function card(a: Allocation) {
  const size = Number(a.status.size);
  const used = a.status.used;
  const pct = size ? (used / size) * 100 : 0;
  const pctText = pct === 0 ? '0%' : pct < 0.01 ? '<0.01%' : `${pct.toFixed(pct < 1 ? 2 : 1)}%`;
  const title = `${a.spec.type === 'NodePort' ? 'Node ports' : `Service IPs (${a.spec.ipFamily})`} ${a.spec.range ?? ''}`;
  const holders = a.status.holders ?? [];
  const id = `alloc-${a.metadata.name}`;
  return h(
    'section',
    { class: 'alloc', 'aria-labelledby': id, 'data-allocation': a.metadata.name },
    h('h2', { id }, title),
    h(
      'div',
      {
        class: 'bar',
        role: 'meter',
        'aria-valuemin': 0,
        'aria-valuemax': size,
        'aria-valuenow': used,
        'aria-labelledby': id,
        'aria-valuetext': `${used} of ${a.status.size} used`,
      },
      h('div', { class: 'fill', style: `width:${used ? Math.max(pct, 0.5) : 0}%` }),
    ),
    h(
      'p',
      { class: 'usage' },
      `${used.toLocaleString()} used of ${size.toLocaleString()} (${pctText}), ${Number(a.status.free ?? size - used).toLocaleString()} free`,
    ),
    holders.length
      ? h(
          'details',
          {},
          h('summary', {}, `Holders (${holders.length})`),
          h(
            'table',
            { class: 'holders' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Value'), h('th', { scope: 'col' }, 'Service'))),
            h(
              'tbody',
              {},
              holders
                .slice(0, SHOWN_HOLDERS)
                .map((x) =>
                  h(
                    'tr',
                    {},
                    h('td', { class: 'mono' }, String(x.value), x.inRange === false ? ' (out of range)' : ''),
                    h(
                      'td',
                      {},
                      x.name
                        ? h('a', { href: `#/services/${encodeURIComponent(x.namespace ?? '')}/${encodeURIComponent(x.name)}` }, `${x.namespace}/${x.name}`)
                        : '—',
                    ),
                  ),
                ),
            ),
          ),
          holders.length > SHOWN_HOLDERS ? h('p', {}, `and ${holders.length - SHOWN_HOLDERS} more`) : null,
        )
      : null,
  );
}
