// YAML both ways, as much as the console needs: an object written out for reading (block style,
// as kubectl get -o yaml prints it), and the line a field path such as spec.ports[0].nodePort
// names in a manifest the user wrote, to put the API's error next to it. The API parses the
// YAML itself; this never has to.

const plain = /^[A-Za-z0-9_./][A-Za-z0-9_./:\- ]*$/;
// Words YAML 1.1 readers take for booleans or null, numbers and dates: quoted, as kubectl does.
const reserved = /^(true|false|yes|no|on|off|null|~|y|n)$/i;
const numberLike = /^([-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?|0x[0-9a-f]+|0o[0-7]+|\d{4}-\d\d-\d\d.*)$/i;

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') {
    if (v === '' || !plain.test(v) || reserved.test(v) || numberLike.test(v) || v.endsWith(' ') || v.includes(': ') || v.endsWith(':'))
      return JSON.stringify(v);
    return v;
  }
  return String(v);
}

function emit(v: unknown, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if (item !== null && typeof item === 'object' && Object.keys(item).length) {
        const inner: string[] = [];
        emit(item, `${indent}  `, inner);
        inner[0] = `${indent}- ${inner[0].slice(indent.length + 2)}`;
        out.push(...inner);
      } else out.push(`${indent}- ${inline(item)}`);
    }
    return;
  }
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const key = scalar(k);
    if (val !== null && typeof val === 'object' && (Array.isArray(val) ? val.length : Object.keys(val).length)) {
      out.push(`${indent}${key}:`);
      emit(val, Array.isArray(val) ? indent : `${indent}  `, out);
    } else out.push(`${indent}${key}: ${inline(val)}`);
  }
}

function inline(v: unknown): string {
  if (Array.isArray(v)) return '[]';
  if (v !== null && typeof v === 'object') return '{}';
  return scalar(v);
}

export function toYaml(v: unknown): string {
  const out: string[] = [];
  emit(v, '', out);
  return `${out.join('\n')}\n`;
}

interface Frame {
  indent: number;
  path: string;
  item: number;
  awaitsSequence: boolean;
}

/** Field paths (spec.ports[0].nodePort, metadata.name) to 0-based line numbers of the first document. */
export function fieldLines(text: string): Map<string, number> {
  const lines = text.split('\n');
  const found = new Map<string, number>();
  const stack: Frame[] = [{ indent: -1, path: '', item: -1, awaitsSequence: true }];
  let started = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    if (trimmed.startsWith('---')) {
      if (started) break;
      continue;
    }
    started = true;
    let indent = raw.length - raw.trimStart().length;
    let rest = trimmed;
    while (rest === '-' || rest.startsWith('- ')) {
      while (stack.length > 1) {
        const top = stack[stack.length - 1];
        if (top.indent < indent || (top.indent === indent && top.awaitsSequence)) break;
        stack.pop();
      }
      const parent = stack[stack.length - 1];
      parent.item++;
      const path = `${parent.path}[${parent.item}]`;
      if (!found.has(path)) found.set(path, i);
      stack.push({ indent, path, item: -1, awaitsSequence: false });
      const after = rest.slice(1);
      indent += 1 + (after.length - after.trimStart().length);
      rest = after.trimStart();
    }
    const m = /^("[^"]*"|'[^']*'|[^:#]+?):(\s|$)/.exec(rest);
    if (!m) continue;
    const key = m[1].replace(/^["']|["']$/g, '');
    while (stack.length > 1 && stack[stack.length - 1].indent >= indent) stack.pop();
    const parent = stack[stack.length - 1];
    const path = parent.path ? `${parent.path}.${key}` : key;
    if (!found.has(path)) found.set(path, i);
    const value = rest.slice(m[0].length).trim();
    stack.push({ indent, path, item: -1, awaitsSequence: value === '' || value.startsWith('#') });
  }
  return found;
}

/** The line for a field, or for the nearest enclosing field the manifest has. */
export function lineOf(lines: Map<string, number>, field: string): number | undefined {
  let path = field;
  while (path) {
    const line = lines.get(path);
    if (line !== undefined) return line;
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    if (cut <= 0) break;
    path = path.slice(0, cut);
  }
  return undefined;
}
