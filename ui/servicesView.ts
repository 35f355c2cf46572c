// The Services list: a list and a watch keep a map of every Service in the namespace, and the
// table draws only the rows in view (fixed row height), so 10,000 Services scroll as 30 do.
import { ApiError, clusterIPs, externalAddress, inform, portsText, type Service, servicesPath } from './api.js';
import { age, h } from './dom.js';

const ROW_H = 40;
const OVERSCAN = 8;

export function servicesView(main: HTMLElement, namespace: string): () => void {
  const services = new Map<string, Service>();
  let rows: Service[] = [];
  let filter = '';
  let loaded = false;
  let error = '';
  let scheduled = 0;
  let marked = false;

  const count = h('p', { class: 'count', 'aria-live': 'polite', id: 'service-count' });
  const filterBox = h('input', {
    id: 'filter',
    type: 'search',
    placeholder: 'name, type, IP, address…',
    oninput: () => {
      filter = filterBox.value.trim().toLowerCase();
      // Matches are shown from the top, as a new list would be.
      scroller.scrollTop = 0;
      schedule();
    },
  });
  const allNs = !namespace;
  const header = h(
    'div',
    { class: `row head${allNs ? ' all-ns' : ''}`, role: 'row', 'aria-rowindex': 1 },
    ['Name', allNs ? 'Namespace' : null, 'Type', 'Cluster IP', 'External address', 'Ports', 'Age']
      .filter(Boolean)
      .map((c) => h('span', { role: 'columnheader' }, c)),
  );
  const spacer = h('div', { class: 'spacer', role: 'rowgroup' });
  const scroller = h('div', { class: 'scroller', tabindex: '0', 'aria-label': 'Services, scrollable' }, spacer);
  const table = h('div', { class: 'table', role: 'table', 'aria-label': 'Services', 'aria-describedby': 'service-count' }, header, scroller);
  main.replaceChildren(h('div', { class: 'toolbar' }, h('h1', {}, 'Services'), h('label', { class: 'filter' }, 'Filter ', filterBox), count), table);
  scroller.addEventListener('scroll', () => draw(), { passive: true });
  const resize = () => draw();
  window.addEventListener('resize', resize);

  function schedule() {
    if (!scheduled) scheduled = requestAnimationFrame(recompute);
  }
  function matches(svc: Service): boolean {
    if (!filter) return true;
    const hay = `${svc.metadata.namespace}/${svc.metadata.name} ${svc.spec.type} ${clusterIPs(svc)} ${externalAddress(svc)} ${portsText(svc)}`.toLowerCase();
    return hay.includes(filter);
  }
  function recompute() {
    scheduled = 0;
    rows = [...services.values()].filter(matches);
    rows.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
    spacer.style.height = `${rows.length * ROW_H}px`;
    table.setAttribute('aria-rowcount', String(rows.length + 1));
    if (error) count.textContent = error;
    else if (!loaded) count.textContent = 'Loading…';
    else count.textContent = filter ? `${rows.length} of ${services.size} Services` : `${services.size} Services`;
    draw();
  }
  function draw() {
    // The scroll position may not be clamped yet to a list that just got shorter (a smooth scroll
    // still running); rows are drawn for where it will end.
    const top = Math.min(scroller.scrollTop, Math.max(0, rows.length * ROW_H - scroller.clientHeight));
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((top + scroller.clientHeight) / ROW_H) + OVERSCAN);
    const now = Date.now();
    const out: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const svc = rows[i];
      const ns = svc.metadata.namespace ?? '';
      const ext = externalAddress(svc);
      out.push(
        h(
          'div',
          {
            class: `row${allNs ? ' all-ns' : ''}`,
            role: 'row',
            style: `transform:translateY(${i * ROW_H}px)`,
            'aria-rowindex': i + 2,
            'data-name': svc.metadata.name,
          },
          h('span', { role: 'cell' }, h('a', { href: `#/services/${encodeURIComponent(ns)}/${encodeURIComponent(svc.metadata.name)}` }, svc.metadata.name)),
          allNs ? h('span', { role: 'cell' }, ns) : null,
          h('span', { role: 'cell', class: `type type-${svc.spec.type}` }, svc.spec.type ?? ''),
          h('span', { role: 'cell', class: 'mono' }, clusterIPs(svc)),
          h('span', { role: 'cell', class: `mono ext${ext === '<pending>' ? ' pending' : ''}`, 'data-col': 'external' }, ext),
          h('span', { role: 'cell', class: 'mono' }, portsText(svc)),
          h('span', { role: 'cell' }, age(svc.metadata.creationTimestamp, now)),
        ),
      );
    }
    spacer.replaceChildren(...out);
    // A User Timing mark for the first rows drawn from the list, which the scale test reads.
    if (loaded && out.length && !marked) {
      marked = true;
      performance.mark('svcplane:first-rows');
    }
  }

  const key = (svc: Service) => `${svc.metadata.namespace}/${svc.metadata.name}`;
  const informer = inform<Service>(servicesPath(namespace), '', {
    onList(items) {
      services.clear();
      for (const svc of items) services.set(key(svc), svc);
      loaded = true;
      error = '';
      schedule();
    },
    onEvent(ev) {
      if (ev.type === 'DELETED') services.delete(key(ev.object));
      else services.set(key(ev.object), ev.object);
      schedule();
    },
    onError(err) {
      error = err instanceof ApiError ? `${err.code}: ${err.message}` : `watch interrupted (${err.message}); retrying`;
      schedule();
    },
  });
  const ticker = setInterval(draw, 10_000);
  recompute();
  return () => {
    informer.stop();
    clearInterval(ticker);
    window.removeEventListener('resize', resize);
    if (scheduled) cancelAnimationFrame(scheduled);
  };
}
