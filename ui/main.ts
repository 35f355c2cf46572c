// The svcplane console: hash routes over four views, a namespace picker fed by a watch, and a
// token field whose value goes to the API as a bearer token.
import './console.css';
import { type ApiError, getToken, inform, onAuthError, setToken } from './api.js';
import { allocationsView } from './allocationsView.js';
import { createView } from './createView.js';
import { h } from './dom.js';
import { serviceView } from './serviceView.js';
import { servicesView } from './servicesView.js';

const main = document.getElementById('main')!;
const banner = document.getElementById('banner')!;
const picker = document.getElementById('namespace') as HTMLSelectElement;
const tokenInput = document.getElementById('token') as HTMLInputElement;
const NS_KEY = 'svcplane.namespace';

let cleanup: () => void = () => {};
let namespace = localStorage.getItem(NS_KEY) ?? '';

function route() {
  cleanup();
  banner.hidden = true;
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const section = parts[0] || 'services';
  for (const a of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
    if (a.dataset.nav === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (section === 'services' && parts.length >= 3) {
    document.title = `${parts[2]} · svcplane`;
    cleanup = serviceView(main, parts[1], parts[2]);
  } else if (section === 'allocations') {
    document.title = 'Allocations · svcplane';
    cleanup = allocationsView(main);
  } else if (section === 'create') {
    document.title = 'Create · svcplane';
    cleanup = createView(main, namespace);
  } else {
    document.title = 'Services · svcplane';
    cleanup = servicesView(main, namespace);
  }
}

onAuthError((err: ApiError) => {
  banner.hidden = false;
  banner.replaceChildren(
    h('strong', {}, err.code === 401 ? '401 Unauthorized' : '403 Forbidden'),
    `: ${err.message}. `,
    err.code === 401 ? 'Enter a token in the Token field.' : 'The token is valid but not allowed this.',
  );
});

picker.addEventListener('change', () => {
  namespace = picker.value;
  localStorage.setItem(NS_KEY, namespace);
  if (location.hash.startsWith('#/services/')) location.hash = '#/services';
  else route();
});

tokenInput.value = getToken();
tokenInput.addEventListener('change', () => {
  setToken(tokenInput.value);
  restartNamespaces();
  route();
});

const names = new Set<string>();
function drawPicker() {
  const sorted = [...names].sort();
  if (namespace && !names.has(namespace)) sorted.push(namespace);
  picker.replaceChildren(h('option', { value: '' }, 'All namespaces'), ...sorted.map((n) => h('option', { value: n }, n)));
  picker.value = namespace;
}
let namespaces = { stop() {} };
function restartNamespaces() {
  namespaces.stop();
  namespaces = inform<{ metadata: { name: string } }>('/api/v1/namespaces', '', {
    onList(items) {
      names.clear();
      for (const n of items) names.add(n.metadata.name);
      drawPicker();
    },
    onEvent(ev) {
      if (ev.type === 'DELETED') names.delete(ev.object.metadata.name);
      else names.add(ev.object.metadata.name);
      drawPicker();
    },
    onError() {},
  });
}

drawPicker();
restartNamespaces();
window.addEventListener('hashchange', () => {
  route();
  // A new page for a screen reader: focus moves to the content, as a page load would put it there.
  main.focus({ preventScroll: true });
});
route();
