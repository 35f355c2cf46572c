// Create a Service from a seed manifest (examples/) or pasted YAML. The YAML goes to the API as
// it is (application/yaml); a 422's causes are put next to the lines of the fields they name.
import seeds from 'seeds:examples';
import { ApiError, request, type Service } from './api.js';
import { h } from './dom.js';
import { fieldLines, lineOf } from './yaml.js';

export function createView(main: HTMLElement, namespace: string): () => void {
  const seedPicker = h(
    'select',
    { id: 'seed', onchange: () => pick() },
    h('option', { value: '' }, 'Pasted YAML'),
    seeds.map((s) => h('option', { value: s.name }, s.name)),
  );
  const editor = h('textarea', { id: 'manifest', rows: 18, spellcheck: 'false', 'aria-describedby': 'create-errors' });
  const nsInput = h('input', { id: 'create-namespace', value: namespace || 'default', autocomplete: 'off' });
  const errors = h('div', { id: 'create-errors', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Create');
  const form = h(
    'form',
    { class: 'create', onsubmit: (ev: Event) => create(ev) },
    h('label', {}, 'Seed manifest ', seedPicker),
    h('label', {}, 'Namespace ', nsInput),
    h('label', { class: 'block', for: 'manifest' }, 'Manifest (YAML or JSON)'),
    editor,
    h('div', { class: 'actions' }, submit),
    errors,
  );
  main.replaceChildren(h('h1', {}, 'Create a Service'), form);

  function pick() {
    const seed = seeds.find((s) => s.name === seedPicker.value);
    if (seed) editor.value = seed.text;
    errors.replaceChildren();
    editor.removeAttribute('aria-invalid');
  }

  async function create(ev: Event) {
    ev.preventDefault();
    const text = editor.value;
    // A manifest naming its namespace goes there, as kubectl create -f does.
    const named = /^metadata:\s*\n(?:[ \t]+.*\n)*?[ \t]+namespace:\s*["']?([a-z0-9-]+)/m.exec(text)?.[1];
    const ns = named ?? (nsInput.value.trim() || 'default');
    submit.disabled = true;
    errors.replaceChildren();
    try {
      const svc = await request<Service>(`/api/v1/namespaces/${encodeURIComponent(ns)}/services`, {
        method: 'POST',
        headers: { 'content-type': text.trimStart().startsWith('{') ? 'application/json' : 'application/yaml' },
        body: text,
      });
      location.hash = `#/services/${encodeURIComponent(svc.metadata.namespace ?? ns)}/${encodeURIComponent(svc.metadata.name)}`;
    } catch (err) {
      showError(text, err as Error);
    } finally {
      submit.disabled = false;
    }
  }

  function showError(text: string, err: Error) {
    editor.setAttribute('aria-invalid', 'true');
    const causes = err instanceof ApiError ? (err.status?.details?.causes ?? []) : [];
    const heading = h('p', { class: 'error' }, err instanceof ApiError ? `${err.code} ${err.status?.reason ?? ''}: ${err.message}` : String(err));
    const withField = causes.filter((c) => c.field);
    if (!withField.length) {
      errors.replaceChildren(heading);
      return;
    }
    const lines = text.split('\n');
    const located = fieldLines(text);
    const byLine = new Map<number, { field: string; message: string }[]>();
    const unplaced: { field: string; message: string }[] = [];
    for (const c of withField) {
      const item = { field: c.field!, message: c.message ?? c.reason ?? '' };
      const line = lineOf(located, c.field!);
      if (line === undefined) unplaced.push(item);
      else byLine.set(line, [...(byLine.get(line) ?? []), item]);
    }
    const listing = h(
      'ol',
      { class: 'annotated', 'aria-label': 'Manifest with the errors' },
      lines.map((line, i) => {
        const here = byLine.get(i);
        return h(
          'li',
          { class: here ? 'bad' : undefined },
          h('code', {}, line || ' '),
          here?.map((e) =>
            h(
              'p',
              { class: 'field-error', 'data-field': e.field },
              h('strong', {}, e.field),
              `: ${e.message} `,
              h('button', { type: 'button', class: 'link', onclick: () => goToLine(i) }, `go to line ${i + 1}`),
            ),
          ),
        );
      }),
    );
    errors.replaceChildren(
      heading,
      ...unplaced.map((e) => h('p', { class: 'field-error', 'data-field': e.field }, h('strong', {}, e.field), `: ${e.message}`)),
      listing,
    );
  }

  function goToLine(line: number) {
    const lines = editor.value.split('\n');
    const start = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0);
    editor.focus();
    editor.setSelectionRange(start, start + (lines[line]?.length ?? 0));
  }

  return () => {};
}
