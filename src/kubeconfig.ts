// `svcplane kubeconfig`: a kubeconfig a new user saves as ~/.kube/config, so kubectl needs no
// hand-written file. The server's CA comes from --certificate-authority, or the self-signed
// certificate in --cert-dir when svcplane generated it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from './config.js';

export interface KubeconfigRequest {
  server: string;
  token?: string;
  clientCertificate?: string;
  clientKey?: string;
  certificateAuthority?: string;
  certDir: string;
  user?: string;
}

/** Parses `--name value` / `--name=value` pairs of the kubeconfig subcommand. */
export function kubeconfigRequest(args: string[], certDir: string): KubeconfigRequest {
  const known: Record<string, keyof KubeconfigRequest> = {
    '--server': 'server',
    '--token': 'token',
    '--client-certificate': 'clientCertificate',
    '--client-key': 'clientKey',
    '--certificate-authority': 'certificateAuthority',
    '--user': 'user',
  };
  const out: Partial<KubeconfigRequest> = { certDir };
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].split(/=(.*)/s, 2);
    const key = known[name];
    if (!key) throw new ConfigError(`unknown argument ${JSON.stringify(args[i])} for kubeconfig (see svcplane --help)`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new ConfigError(`flag ${name} needs a value`);
    (out as Record<string, string>)[key] = value;
  }
  if (!out.server) throw new ConfigError('kubeconfig needs --server URL (the HTTPS URL svcplane printed)');
  if (Boolean(out.clientCertificate) !== Boolean(out.clientKey)) throw new ConfigError('kubeconfig: give --client-certificate and --client-key together');
  return out as KubeconfigRequest;
}

const base64File = (path: string, flag: string) => {
  try {
    return readFileSync(path).toString('base64');
  } catch (err) {
    throw new ConfigError(`invalid ${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
};

export function kubeconfigYaml(req: KubeconfigRequest): string {
  const cluster: Record<string, unknown> = { server: req.server };
  const generated = join(req.certDir, 'svcplane.crt');
  if (req.certificateAuthority) cluster['certificate-authority-data'] = base64File(req.certificateAuthority, '--certificate-authority');
  else if (req.server.startsWith('https:') && existsSync(generated)) cluster['certificate-authority-data'] = base64File(generated, '--cert-dir');
  const user: Record<string, unknown> = {};
  if (req.token) user.token = req.token;
  if (req.clientCertificate && req.clientKey) {
    user['client-certificate-data'] = base64File(req.clientCertificate, '--client-certificate');
    user['client-key-data'] = base64File(req.clientKey, '--client-key');
  }
  const name = req.user ?? 'svcplane-user';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'svcplane', cluster }],
    users: [{ name, user }],
    contexts: [{ name: 'svcplane', context: { cluster: 'svcplane', user: name } }],
    'current-context': 'svcplane',
    preferences: {},
  });
}
