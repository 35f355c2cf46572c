// A svcplane with authentication and RBAC on, its tokens and a client CA, and an HTTPS client
// that trusts its self-signed certificate.
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCertificate } from '../../src/api/x509.js';
import type { SvcplaneOptions } from '../../src/config.js';
import { startServer, tempDir, type TestServer } from '../support/server.js';

export const tokens = {
  admin: 'admin-token',
  alice: 'alice-token',
  bob: 'bob-token',
  dave: 'dave-token',
};

export const tokenFile = ['admin-token,admin,1000,"system:masters"', 'alice-token,alice,1001', 'bob-token,bob,1002,"dev"', 'dave-token,dave,1003'].join('\n');

export interface AuthServer extends TestServer {
  secureUrl: string;
  ca: string;
  files: { dir: string; tokens: string; clientCA: string; clientCAKey: string };
  /** A client certificate signed by the client CA. */
  clientCert(commonName: string, organizations?: string[]): { cert: string; key: string };
}

export async function startAuthServer(options: Partial<SvcplaneOptions> = {}): Promise<AuthServer> {
  const dir = tempDir();
  const files = { dir, tokens: join(dir, 'tokens.csv'), clientCA: join(dir, 'ca.crt'), clientCAKey: join(dir, 'ca.key') };
  writeFileSync(files.tokens, tokenFile);
  const ca = makeCertificate({ commonName: 'svcplane-test-client-ca', usage: 'ca' });
  writeFileSync(files.clientCA, ca.cert);
  writeFileSync(files.clientCAKey, ca.key);
  const t = await startServer({
    securePort: 0,
    certDir: join(dir, 'certs'),
    tokenAuthFile: files.tokens,
    clientCaFile: files.clientCA,
    authorizationMode: 'RBAC',
    ...options,
  });
  return {
    ...t,
    secureUrl: t.server.secureUrl!,
    ca: t.server.servingCertificate!,
    files,
    clientCert: (commonName, organizations = []) =>
      makeCertificate({ commonName, organizations, usage: 'client', issuer: { commonName: 'svcplane-test-client-ca', key: ca.key } }),
  };
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

export interface Credentials {
  token?: string;
  authorization?: string;
  cert?: { cert: string; key: string };
}

/** One request; a watch answers once its headers arrive (the stream is then dropped). */
export function call(s: AuthServer, method: string, path: string, creds: Credentials = {}, body?: unknown, plain = false): Promise<Answer> {
  const url = new URL(path, plain ? s.url : s.secureUrl);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (creds.token) headers.authorization = `Bearer ${creds.token}`;
  if (creds.authorization !== undefined) headers.authorization = creds.authorization;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload) headers['content-type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  const watching = /[?&]watch=(true|1)|\/watch\//.test(path);
  return new Promise((resolve, reject) => {
    const options = { method, headers, ...(plain ? {} : { ca: s.ca, ...(creds.cert ?? {}) }) };
    const req = (plain ? httpRequest : httpsRequest)(url, options, (res) => {
      if (watching && res.statusCode === 200) {
        res.destroy();
        resolve({ status: 200, body: {}, text: '' });
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON (a redirect, the docs page)
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
