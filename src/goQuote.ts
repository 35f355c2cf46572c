// Go's strconv.Quote (fmt's %q), which kube-apiserver's messages quote strings with: printable
// runes (unicode.IsPrint: letters, marks, numbers, punctuation, symbols, the ASCII space) as they
// are, everything else escaped. One copy for validation messages, selector errors and warnings.

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.Quote / fmt %q for a string. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') {
      out += `\\${ch}`;
    } else if (cp < 0x80 ? cp >= 0x20 && cp < 0x7f : printable.test(ch)) {
      out += cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : ch;
    } else {
      switch (ch) {
        case '\x07':
          out += '\\a';
          break;
        case '\b':
          out += '\\b';
          break;
        case '\f':
          out += '\\f';
          break;
        case '\n':
          out += '\\n';
          break;
        case '\r':
          out += '\\r';
          break;
        case '\t':
          out += '\\t';
          break;
        case '\v':
          out += '\\v';
          break;
        default:
          if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
          else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd';
          else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
          else out += `\\U${cp.toString(16).padStart(8, '0')}`;
      }
    }
  }
  return `${out}"`;
}
