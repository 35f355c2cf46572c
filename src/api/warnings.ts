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

/**
 * The Warning header value for these texts, or undefined when none can be sent. Node writes a
 * header string one byte per character, so the UTF-8 bytes travel as a latin1 string: the
 * client receives exactly the bytes kube-apiserver would send.
 */
export function warningHeader(texts: readonly string[]): string[] | undefined {
  const values: string[] = [];
  for (const text of texts) {
    if (hasControl(text) || /\p{Cs}/u.test(text)) continue;
    const quoted = `"${text.replace(/["\\]/g, (m) => `\\${m}`)}"`;
    values.push(Buffer.from(`299 - ${quoted}`, 'utf8').toString('latin1'));
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
