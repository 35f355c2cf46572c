// --token-auth-file: kube-apiserver's static token file (k8s.io/apiserver/plugin/pkg/
// authenticator/token/tokenfile): CSV lines `token,user,uid[,"group1,group2"]`. A line with
// fewer than three fields or an empty token stops the start, as kube's NewCSV does.
import { readFileSync } from 'node:fs';
import type { UserInfo } from './user.js';

export class TokenFileError extends Error {}

/** Fields of one CSV record as Go's encoding/csv reads them: quotes, doubled quotes, commas. */
function csvFields(line: string, lineNo: number): string[] {
  const fields: string[] = [];
  let i = 0;
  while (true) {
    let field = '';
    if (line[i] === '"') {
      i++;
      while (true) {
        if (i >= line.length) throw new TokenFileError(`line ${lineNo}: extraneous or missing " in quoted-field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new TokenFileError(`line ${lineNo}: extraneous or missing " in quoted-field`);
    } else {
      const end = line.indexOf(',', i);
      field = end < 0 ? line.slice(i) : line.slice(i, end);
      if (field.includes('"')) throw new TokenFileError(`line ${lineNo}: bare " in non-quoted-field`);
      i = end < 0 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** token → user. Throws TokenFileError naming the file and line. */
export function readTokenFile(path: string): Map<string, UserInfo> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TokenFileError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const tokens = new Map<string, UserInfo>();
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (line.trim() === '' || line.startsWith('#')) continue;
    let fields: string[];
    try {
      fields = csvFields(line, n + 1);
    } catch (err) {
      throw new TokenFileError(`${path}: ${(err as Error).message}`);
    }
    if (fields.length < 3) throw new TokenFileError(`${path}: line ${n + 1}: token file entries must have at least 3 fields: token,user,uid`);
    const token = fields[0].trim();
    if (token === '') throw new TokenFileError(`${path}: line ${n + 1}: token file entry has an empty token`);
    const groups = fields.length > 3 && fields[3].trim() !== '' ? fields[3].split(',').map((g) => g.trim()) : [];
    // kube warns about a duplicate and keeps the last one.
    tokens.set(token, { username: fields[1], uid: fields[2], groups });
  }
  return tokens;
}
