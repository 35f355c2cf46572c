// Warning headers as kube-apiserver writes them (k8s.io/apimachinery/pkg/util/net
// NewWarningHeader): `299 - "text"` with only `"` and `\` escaped and the text sent as UTF-8
// bytes. A text with control characters is not sent at all. Field names inside a text are
// quoted as Go's %q does, so a client's bytes can never put a control character in a header.

import type { FastifyReply } from 'fastify';
import { goQuote } from '../goQuote.js';

// Go's unicode.IsControl: C0, DEL and C1.
const hasControl = (s: string) => /[\u0000-\u001f\u007f-\u009f]/.test(s);

// The recorder's limits (k8s.io/apiserver/pkg/endpoints/filters/warning.go): warnings add up to
// 4,096 runes; past that each is cut to 256 and, once those add up to 4,096 too, the rest are
// dropped. A body with 100,000 unknown fields gets a header a client can read.
const truncateAtTotalRunes = 4 * 1024;
const truncateItemRunes = 256;

/** One header value, or undefined for a text kube's NewWarningHeader refuses. */
function headerValue(text: string): string | undefined {
  if (hasControl(text) || /\p{Cs}/u.test(text)) return undefined;
  const quoted = `"${text.replace(/["\\]/g, (m) => `\\${m}`)}"`;
  // Node writes a header string one byte per character, so the UTF-8 bytes travel as a latin1
  // string: the client receives exactly the bytes kube-apiserver would send.
  return Buffer.from(`299 - ${quoted}`, 'utf8').toString('latin1');
}

function cut(text: string): [string, number] {
  const runes = [...text];
  return runes.length > truncateItemRunes ? [runes.slice(0, truncateItemRunes).join(''), truncateItemRunes] : [text, runes.length];
}

/** The Warning header values for these texts, as kube's warning recorder would write them. */
export function warningHeader(texts: readonly string[]): string[] | undefined {
  const seen = new Set<string>();
  const ordered: string[] = [];
  let values: string[] = [];
  let written = 0;
  let truncating = false;
  for (const text of texts) {
    if (!text || seen.has(text)) continue;
    if (written >= truncateAtTotalRunes && truncating) break;
    seen.add(text);
    ordered.push(text);
    const [shown, runes] = truncating ? cut(text) : [text, [...text].length];
    const value = headerValue(shown);
    if (value === undefined) continue;
    if (written + runes <= truncateAtTotalRunes || truncating) {
      written += runes;
      values.push(value);
      continue;
    }
    truncating = true;
    written = 0;
    values = [];
    for (const earlier of ordered) {
      const [short, length] = cut(earlier);
      const v = headerValue(short);
      if (v === undefined) continue;
      written += length;
      values.push(v);
    }
  }
  return values.length ? values : undefined;
}

/** The text kube-apiserver warns with for an unknown field under fieldValidation=Warn. */
export const unknownFieldWarning = (field: string) => `unknown field ${goQuote(field)}`;

/**
 * Node writes a response's headers together with a string body in the body's encoding (UTF-8),
 * which would encode the latin1-carried bytes above a second time. A Buffer body keeps the
 * headers latin1, so a response whose warnings carry non-ASCII bytes sends its body as one.
 */
export function bodyForWarnings(warning: unknown, payload: unknown): unknown {
  if (typeof payload !== 'string' || warning === undefined) return payload;
  const values = Array.isArray(warning) ? warning : [warning];
  return values.some((v) => /[^\x00-\x7f]/.test(String(v))) ? Buffer.from(payload, 'utf8') : payload;
}

// The texts a response warns with so far: kube's recorder collects every warning of a request
// (a deprecated resource's, then the decoder's unknown fields) into one header.
const recorded = new WeakMap<FastifyReply, string[]>();

/** Adds warnings to a response's Warning header, after any it already carries. */
export function addWarnings(reply: FastifyReply, texts: readonly string[]): void {
  const all = [...(recorded.get(reply) ?? []), ...texts];
  recorded.set(reply, all);
  const header = warningHeader(all);
  if (header) reply.header('Warning', header);
}
