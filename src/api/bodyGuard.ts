// The one guard every request body passes before anything walks it: JSON text, YAML documents
// and the JSON inside protobuf bodies. Go's encoding/json (and sigs.k8s.io/json, which
// kube-apiserver decodes with) stops at 10,000 levels of nesting with "exceeded max depth".
// Kubernetes objects nest a few dozen levels at most, and our own decoding and patch code walks
// bodies recursively, so svcplane stops earlier, at MAX_BODY_DEPTH, with the same answer: a 400.

/** Deeper than any Kubernetes object, shallow enough for every recursive walk of a body. */
export const MAX_BODY_DEPTH = 1000;

export class NestingError extends Error {
  constructor(readonly opener: string) {
    super(`invalid character '${opener}' exceeded max depth`);
  }
}

/** Scans JSON text for its nesting depth without parsing it: strings are skipped, escapes too. */
export function checkJsonDepth(text: string, max = MAX_BODY_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) throw new NestingError(text[i]);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** The depth of a decoded value (a YAML document), walked with a stack of its own. */
export function checkValueDepth(value: unknown, max = MAX_BODY_DEPTH): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > max) throw new NestingError(Array.isArray(v) ? '[' : '{');
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
}
