// Warning headers as kube-apiserver writes them (k8s.io/apimachinery/pkg/util/net
// NewWarningHeader): `299 - "text"` with only `"` and `\` escaped and the text sent as UTF-8
// bytes. A text with control characters is not sent at all. Field names inside a text are
// quoted as Go's %q does, so a client's bytes can never put a control character in a header.

/** Go's strconv.Quote: printable runes as they are, everything else escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (!isPrintable(c)) out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

// Go's unicode.IsPrint for the ranges a JSON key can bring: C1 controls, lone surrogates (JS
// strings can hold them; Go's decoder turns them into U+FFFD), format characters and the
// non-characters at the end of each plane.
function isPrintable(c: number): boolean {
  if (c >= 0x80 && c <= 0x9f) return false;
  if (c >= 0xd800 && c <= 0xdfff) return false;
  if (c === 0xad || (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) || c === 0xfeff) return false;
  if ((c & 0xfffe) === 0xfffe) return false;
  return true;
}

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
