// Serving certificates for --secure-port, as kube-apiserver gets them: --tls-cert-file and
// --tls-private-key-file, or a self-signed pair generated into --cert-dir on the first start and
// reused after. Also --client-ca-file's bundle. A file that is not PEM of the right kind stops
// the start (ConfigError: one line, exit code 2).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config.js';
import { makeCertificate } from './x509.js';

export interface ServingPair {
  cert: string;
  key: string;
  /** Set when svcplane generated the pair, so `svcplane kubeconfig` can embed it as the CA. */
  generated?: { certFile: string };
}

const pemBlocks = (text: string, label: string) => text.match(new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, 'g')) ?? [];

function readFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`invalid ${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Every certificate in a PEM file, each parsed once so that a malformed one fails here. */
export function readCertificates(path: string, flag: string): string {
  const text = readFile(path, flag);
  const blocks = pemBlocks(text, 'CERTIFICATE');
  if (blocks.length === 0) throw new ConfigError(`invalid ${flag}: ${path} holds no PEM certificate`);
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (err) {
      throw new ConfigError(`invalid ${flag}: ${path}: ${(err as Error).message}`);
    }
  }
  return blocks.join('\n');
}

function readKey(path: string): string {
  const text = readFile(path, '--tls-private-key-file');
  try {
    createPrivateKey(text);
  } catch (err) {
    throw new ConfigError(`invalid --tls-private-key-file: ${path}: ${(err as Error).message}`);
  }
  return text;
}

/** The serving pair: the given files, or certDir's self-signed pair (made on first use). */
export async function servingPair(options: { tlsCertFile?: string; tlsPrivateKeyFile?: string; certDir: string; host: string }): Promise<ServingPair> {
  if (options.tlsCertFile && options.tlsPrivateKeyFile) {
    return { cert: readCertificates(options.tlsCertFile, '--tls-cert-file'), key: readKey(options.tlsPrivateKeyFile) };
  }
  const certFile = join(options.certDir, 'svcplane.crt');
  const keyFile = join(options.certDir, 'svcplane.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { cert: readCertificates(certFile, '--cert-dir'), key: readKey(keyFile), generated: { certFile } };
  }
  const ips = ['127.0.0.1', '::1'];
  if (/^[\d.]+$|:/.test(options.host) && !ips.includes(options.host) && options.host !== '0.0.0.0' && options.host !== '::') ips.push(options.host);
  const pair = makeCertificate({
    commonName: `localhost@${Math.floor(Date.now() / 1000)}`,
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ips,
    usage: 'server',
  });
  try {
    mkdirSync(options.certDir, { recursive: true });
    writeFileSync(keyFile, pair.key, { mode: 0o600 });
    writeFileSync(certFile, pair.cert);
  } catch (err) {
    throw new ConfigError(`invalid --cert-dir: cannot write ${options.certDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { ...pair, generated: { certFile } };
}
