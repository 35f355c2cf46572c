// Options shared by the CLI and the library: each flag has an environment twin, and every
// value is checked before anything starts, so a bad one is one clear line and exit code 2.
import { IPRange, parseServiceCIDRs, PortRange } from './allocators/ipRange.js';
import { parseGoDuration } from './goDuration.js';
import { parseIPSloppy } from './net/ip.js';

export interface SvcplaneOptions {
  host: string;
  port: number;
  db: string;
  serviceCidr: string;
  nodePortRange: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  kubernetesVersion: string;
  watchHistory: number;
  /** Milliseconds between BOOKMARK events to watchers that allow them. */
  watchBookmarkInterval: number;
  cloudProfile: 'aws' | 'gcp' | 'azure' | 'metallb';
  cloudRegion: string;
  lbIpPool: string;
  /** Milliseconds the fake cloud takes to provision a load balancer. */
  lbProvisionDelay: number;
  lbFailureRate: number;
  /** Milliseconds before the first retry of a failed load balancer sync; doubles to 300 s. */
  lbRetryDelay: number;
  /** Makes cluster IPs, node ports and cloud addresses reproducible; undefined: random. */
  seed: number | undefined;
  /** Milliseconds an event lives after its last occurrence (kube-apiserver's --event-ttl). */
  eventTtl: number;
  /** A manifest file or folder applied before the server is ready; undefined: none. */
  load: string | undefined;
  /** Where audit events go, one JSON line each ('-': stdout); undefined: no audit log. */
  auditLogPath: string | undefined;
  /** Milliseconds between allocation repair runs after the one at start; 0: only at start. */
  repairInterval: number;
  /** Milliseconds a request may take, body included (kube-apiserver's --request-timeout); watches excepted. */
  requestTimeout: number;
  /** Read-only requests served at once before the next gets a 429 (kube-apiserver's flag). */
  maxRequestsInflight: number;
  /** Mutating requests served at once before the next gets a 429 (kube-apiserver's flag). */
  maxMutatingRequestsInflight: number;
  /**
   * The address the `kubernetes` Service's Endpoints and EndpointSlice name (kube-apiserver's
   * --advertise-address); undefined: --host when it is one address beyond loopback, else the
   * machine's first non-internal IPv4 address.
   */
  advertiseAddress: string | undefined;
  /** UDP and TCP port of the service DNS responder on `host`; 0 picks a free one; undefined: off. */
  dnsPort: number | undefined;
  /** The zone Services are named in (kubelet's --cluster-domain), without the trailing dot. */
  clusterDomain: string;
  /** Seconds DNS answers may be cached (CoreDNS's kubernetes `ttl`). */
  dnsTtl: number;
  /** HTTPS port on `host` (kube-apiserver's --secure-port); 0 picks a free one; undefined: no HTTPS. */
  securePort: number | undefined;
  /** PEM serving certificate and key; both or neither (then a self-signed pair in certDir). */
  tlsCertFile: string | undefined;
  tlsPrivateKeyFile: string | undefined;
  /** Where the self-signed serving certificate is written once and reused. */
  certDir: string;
  /** kube's static token file: token,user,uid,"group1,group2". */
  tokenAuthFile: string | undefined;
  /** PEM CA bundle that client certificates are verified against (CN the user, O the groups). */
  clientCaFile: string | undefined;
  /** Requests without credentials are system:anonymous (true) or 401 (false). */
  anonymousAuth: boolean;
  authorizationMode: 'AlwaysAllow' | 'RBAC';
}

export const defaults: SvcplaneOptions = {
  host: '127.0.0.1',
  port: 8080,
  db: './svcplane.db',
  serviceCidr: '10.96.0.0/12',
  nodePortRange: '30000-32767',
  logLevel: 'warn',
  kubernetesVersion: 'v1.33.0',
  watchHistory: 10_000,
  watchBookmarkInterval: 60_000,
  cloudProfile: 'aws',
  cloudRegion: 'us-east-1',
  lbIpPool: '203.0.113.0/24',
  lbProvisionDelay: 2000,
  lbFailureRate: 0,
  lbRetryDelay: 5000,
  seed: undefined,
  eventTtl: 3_600_000,
  load: undefined,
  auditLogPath: undefined,
  repairInterval: 180_000,
  requestTimeout: 60_000,
  maxRequestsInflight: 400,
  maxMutatingRequestsInflight: 200,
  advertiseAddress: undefined,
  dnsPort: undefined,
  clusterDomain: 'cluster.local',
  dnsTtl: 30,
  securePort: undefined,
  tlsCertFile: undefined,
  tlsPrivateKeyFile: undefined,
  certDir: './svcplane-certs',
  tokenAuthFile: undefined,
  clientCaFile: undefined,
  anonymousAuth: true,
  authorizationMode: 'AlwaysAllow',
};

interface Flag {
  key: keyof SvcplaneOptions;
  flag: string;
  env: string;
  help: string;
}

export const flags: Flag[] = [
  { key: 'host', flag: '--host', env: 'SVCPLANE_HOST', help: 'address to listen on' },
  { key: 'port', flag: '--port', env: 'SVCPLANE_PORT', help: 'port to listen on; 0 picks a free port and prints it' },
  {
    key: 'db',
    flag: '--db',
    env: 'SVCPLANE_DB',
    help: 'SQLite database file, or :memory:, or postgres://user@host:port/dbname (password from the URL or PGPASSWORD)',
  },
  {
    key: 'serviceCidr',
    flag: '--service-cidr',
    env: 'SVCPLANE_SERVICE_CIDR',
    help: 'CIDRs cluster IPs are allocated from: one IPv4 and/or one IPv6, comma-separated, primary family first (e.g. 10.96.0.0/12,fd00:10:96::/108)',
  },
  { key: 'nodePortRange', flag: '--node-port-range', env: 'SVCPLANE_NODE_PORT_RANGE', help: 'inclusive range node ports are allocated from' },
  { key: 'logLevel', flag: '--log-level', env: 'SVCPLANE_LOG_LEVEL', help: 'fatal, error, warn, info, debug, trace or silent' },
  {
    key: 'kubernetesVersion',
    flag: '--kubernetes-version',
    env: 'SVCPLANE_KUBERNETES_VERSION',
    help: 'the Kubernetes version /version reports (kubectl picks its client by it)',
  },
  { key: 'watchHistory', flag: '--watch-history', env: 'SVCPLANE_WATCH_HISTORY', help: 'how many changes the change log keeps for resuming watchers' },
  {
    key: 'cloudProfile',
    flag: '--cloud-profile',
    env: 'SVCPLANE_CLOUD_PROFILE',
    help: 'the fake cloud: aws (hostnames), gcp, azure or metallb (IPs from --lb-ip-pool)',
  },
  { key: 'cloudRegion', flag: '--cloud-region', env: 'SVCPLANE_CLOUD_REGION', help: 'region in aws load balancer hostnames' },
  { key: 'lbIpPool', flag: '--lb-ip-pool', env: 'SVCPLANE_LB_IP_POOL', help: 'IPv4 CIDR load balancer IPs come from (gcp, azure, metallb)' },
  {
    key: 'lbProvisionDelay',
    flag: '--lb-provision-delay',
    env: 'SVCPLANE_LB_PROVISION_DELAY',
    help: 'how long provisioning a load balancer takes, with jitter (a duration)',
  },
  {
    key: 'lbFailureRate',
    flag: '--lb-failure-rate',
    env: 'SVCPLANE_LB_FAILURE_RATE',
    help: 'probability from 0 to 1 that a load balancer create or update fails',
  },
  {
    key: 'lbRetryDelay',
    flag: '--lb-retry-delay',
    env: 'SVCPLANE_LB_RETRY_DELAY',
    help: 'first retry delay after a failed sync, doubling up to 5m (a duration)',
  },
  { key: 'seed', flag: '--seed', env: 'SVCPLANE_SEED', help: 'makes allocations and generated addresses reproducible from run to run' },
  { key: 'eventTtl', flag: '--event-ttl', env: 'SVCPLANE_EVENT_TTL', help: 'how long events are kept after their last occurrence (a duration)' },
  {
    key: 'advertiseAddress',
    flag: '--advertise-address',
    env: 'SVCPLANE_ADVERTISE_ADDRESS',
    help: "the IP the kubernetes Service's endpoints name; default: --host beyond loopback, else the first non-internal IPv4",
  },
  { key: 'load', flag: '--load', env: 'SVCPLANE_LOAD', help: 'a YAML/JSON manifest file or folder whose Services and Namespaces are applied at start' },
  {
    key: 'auditLogPath',
    flag: '--audit-log-path',
    env: 'SVCPLANE_AUDIT_LOG_PATH',
    help: 'write an audit.k8s.io/v1 Event per request to this file as JSON lines (- for stdout)',
  },
  {
    key: 'repairInterval',
    flag: '--repair-interval',
    env: 'SVCPLANE_REPAIR_INTERVAL',
    help: 'how often allocations are checked against the Services that hold them, after the check at start (a duration; 0 turns the timer off)',
  },
  {
    key: 'requestTimeout',
    flag: '--request-timeout',
    env: 'SVCPLANE_REQUEST_TIMEOUT',
    help: 'how long a request may take, reading its body included, before it is answered 504 (408 while the body is still arriving); watches are not cut (a duration)',
  },
  {
    key: 'maxRequestsInflight',
    flag: '--max-requests-inflight',
    env: 'SVCPLANE_MAX_REQUESTS_INFLIGHT',
    help: 'read-only requests served at once; past it a request gets 429 with Retry-After',
  },
  {
    key: 'maxMutatingRequestsInflight',
    flag: '--max-mutating-requests-inflight',
    env: 'SVCPLANE_MAX_MUTATING_REQUESTS_INFLIGHT',
    help: 'mutating requests served at once; past it a request gets 429 with Retry-After',
  },
  {
    key: 'dnsPort',
    flag: '--dns-port',
    env: 'SVCPLANE_DNS_PORT',
    help: 'serve service DNS (UDP and TCP) on this port of --host, as CoreDNS answers a cluster; 0 picks a free port and prints it',
  },
  {
    key: 'clusterDomain',
    flag: '--cluster-domain',
    env: 'SVCPLANE_CLUSTER_DOMAIN',
    help: 'the DNS zone Services are named in: <service>.<namespace>.svc.<domain>',
  },
  { key: 'dnsTtl', flag: '--dns-ttl', env: 'SVCPLANE_DNS_TTL', help: 'TTL of DNS answers in seconds, 0 to 3600 (a whole number, or a duration: 30s)' },
  { key: 'securePort', flag: '--secure-port', env: 'SVCPLANE_SECURE_PORT', help: 'serve HTTPS on this port of --host too; 0 picks a free port and prints it' },
  {
    key: 'tlsCertFile',
    flag: '--tls-cert-file',
    env: 'SVCPLANE_TLS_CERT_FILE',
    help: 'PEM serving certificate for --secure-port (with --tls-private-key-file)',
  },
  { key: 'tlsPrivateKeyFile', flag: '--tls-private-key-file', env: 'SVCPLANE_TLS_PRIVATE_KEY_FILE', help: 'PEM private key of --tls-cert-file' },
  {
    key: 'certDir',
    flag: '--cert-dir',
    env: 'SVCPLANE_CERT_DIR',
    help: 'without --tls-cert-file, a self-signed certificate is generated here once (svcplane.crt, svcplane.key) and reused',
  },
  {
    key: 'tokenAuthFile',
    flag: '--token-auth-file',
    env: 'SVCPLANE_TOKEN_AUTH_FILE',
    help: 'bearer tokens, one CSV line each: token,user,uid,"group1,group2"',
  },
  {
    key: 'clientCaFile',
    flag: '--client-ca-file',
    env: 'SVCPLANE_CLIENT_CA_FILE',
    help: 'PEM CA bundle for client certificates on --secure-port (CN is the user, each O a group)',
  },
  {
    key: 'anonymousAuth',
    flag: '--anonymous-auth',
    env: 'SVCPLANE_ANONYMOUS_AUTH',
    help: 'requests without credentials are system:anonymous (true) or get a 401 (false)',
  },
  { key: 'authorizationMode', flag: '--authorization-mode', env: 'SVCPLANE_AUTHORIZATION_MODE', help: 'AlwaysAllow (everyone may do everything) or RBAC' },
  {
    key: 'watchBookmarkInterval',
    flag: '--watch-bookmark-interval',
    env: 'SVCPLANE_WATCH_BOOKMARK_INTERVAL',
    help: 'how often watchers that allow bookmarks get one (a duration: 500ms, 60s, 1m)',
  },
];

export class ConfigError extends Error {}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Checks and normalises options given as strings (flags, env) or values (library callers). */
export function resolveOptions(input: Partial<Record<keyof SvcplaneOptions, unknown>>): SvcplaneOptions {
  const o = { ...defaults } as Record<keyof SvcplaneOptions, unknown>;
  for (const [k, v] of Object.entries(input)) if (v !== undefined) o[k as keyof SvcplaneOptions] = v;
  const int = (key: keyof SvcplaneOptions, min: number, max: number) => {
    const raw = String(o[key]);
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max)
      throw new ConfigError(`invalid ${flagOf(key)} ${JSON.stringify(raw)}: must be a whole number from ${min} to ${max}`);
    return n;
  };
  const port = int('port', 0, 65535);
  const watchHistory = int('watchHistory', 1, 10_000_000);
  const watchBookmarkInterval = durationOption('watchBookmarkInterval', o.watchBookmarkInterval, 10, 3_600_000);
  const lbProvisionDelay = durationOption('lbProvisionDelay', o.lbProvisionDelay, 0, 3_600_000);
  const repairInterval =
    o.repairInterval === 0 || o.repairInterval === '0'
      ? 0
      : durationOption('repairInterval', o.repairInterval, 1000, 24 * 3_600_000, '30s, 3m, 1h, or 0 for none');
  const requestTimeout = durationOption('requestTimeout', o.requestTimeout, 100, 3_600_000, '30s, 1m, 5m');
  const maxRequestsInflight = int('maxRequestsInflight', 1, 1_000_000);
  const maxMutatingRequestsInflight = int('maxMutatingRequestsInflight', 1, 1_000_000);
  const eventTtl = durationOption('eventTtl', o.eventTtl, 1000, 30 * 24 * 3_600_000);
  const lbRetryDelay = durationOption('lbRetryDelay', o.lbRetryDelay, 1, 300_000);
  const cloudProfile = String(o.cloudProfile);
  if (!['aws', 'gcp', 'azure', 'metallb'].includes(cloudProfile))
    throw new ConfigError(`invalid --cloud-profile ${JSON.stringify(cloudProfile)}: must be one of aws, gcp, azure, metallb`);
  const cloudRegion = String(o.cloudRegion);
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(cloudRegion))
    throw new ConfigError(`invalid --cloud-region ${JSON.stringify(cloudRegion)}: expected a region such as us-east-1`);
  const lbIpPool = String(o.lbIpPool);
  try {
    if (new IPRange(lbIpPool).family !== 'IPv4') throw new Error(`${lbIpPool} is not an IPv4 CIDR`);
  } catch (err) {
    throw new ConfigError(`invalid --lb-ip-pool: ${(err as Error).message}`);
  }
  const lbFailureRate = Number(o.lbFailureRate);
  if (String(o.lbFailureRate).trim() === '' || !Number.isFinite(lbFailureRate) || lbFailureRate < 0 || lbFailureRate > 1) {
    throw new ConfigError(`invalid --lb-failure-rate ${JSON.stringify(String(o.lbFailureRate))}: must be a number from 0 to 1`);
  }
  const seed = o.seed === undefined || o.seed === '' ? undefined : int('seed', 0, 2 ** 32 - 1);
  const serviceCidr = String(o.serviceCidr);
  try {
    parseServiceCIDRs(serviceCidr);
  } catch (err) {
    throw new ConfigError(`invalid --service-cidr: ${(err as Error).message}`);
  }
  const nodePortRange = String(o.nodePortRange);
  try {
    PortRange.parse(nodePortRange);
  } catch (err) {
    throw new ConfigError(`invalid --node-port-range: ${(err as Error).message}`);
  }
  const logLevel = String(o.logLevel);
  if (!logLevels.includes(logLevel)) throw new ConfigError(`invalid --log-level ${JSON.stringify(logLevel)}: must be one of ${logLevels.join(', ')}`);
  const kubernetesVersion = String(o.kubernetesVersion);
  if (!/^v1\.\d+\.\d+$/.test(kubernetesVersion))
    throw new ConfigError(`invalid --kubernetes-version ${JSON.stringify(kubernetesVersion)}: expected v1.MINOR.PATCH, e.g. v1.33.0`);
  const db = String(o.db);
  if (!db) throw new ConfigError('invalid --db: must be a file path, :memory: or a postgres:// URL');
  const load = o.load === undefined || o.load === '' ? undefined : String(o.load);
  const auditLogPath = o.auditLogPath === undefined || o.auditLogPath === '' ? undefined : String(o.auditLogPath);
  const advertiseAddress = o.advertiseAddress === undefined || o.advertiseAddress === '' ? undefined : String(o.advertiseAddress);
  if (advertiseAddress !== undefined && parseIPSloppy(advertiseAddress) === null)
    throw new ConfigError(`invalid --advertise-address ${JSON.stringify(advertiseAddress)}: must be an IP address`);
  const dnsPort = o.dnsPort === undefined || o.dnsPort === '' ? undefined : int('dnsPort', 0, 65535);
  const clusterDomain = String(o.clusterDomain).toLowerCase().replace(/\.$/, '');
  // kubelet validates --cluster-domain as a DNS-1123 subdomain; CoreDNS takes the zone as written.
  if (clusterDomain.length > 253 || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/.test(clusterDomain))
    throw new ConfigError(`invalid --cluster-domain ${JSON.stringify(String(o.clusterDomain))}: must be a DNS subdomain such as cluster.local`);
  const dnsTtl = ttlSeconds(o.dnsTtl);
  const securePort = o.securePort === undefined || o.securePort === '' ? undefined : int('securePort', 0, 65535);
  const optionalPath = (key: keyof SvcplaneOptions) => (o[key] === undefined || o[key] === '' ? undefined : String(o[key]));
  const tlsCertFile = optionalPath('tlsCertFile');
  const tlsPrivateKeyFile = optionalPath('tlsPrivateKeyFile');
  if ((tlsCertFile === undefined) !== (tlsPrivateKeyFile === undefined))
    throw new ConfigError('invalid --tls-cert-file/--tls-private-key-file: give both or neither');
  const certDir = String(o.certDir);
  const anonymousRaw = String(o.anonymousAuth);
  if (!['true', 'false'].includes(anonymousRaw)) throw new ConfigError(`invalid --anonymous-auth ${JSON.stringify(anonymousRaw)}: must be true or false`);
  const authorizationMode = String(o.authorizationMode);
  if (!['AlwaysAllow', 'RBAC'].includes(authorizationMode))
    throw new ConfigError(`invalid --authorization-mode ${JSON.stringify(authorizationMode)}: must be AlwaysAllow or RBAC`);
  return {
    host: String(o.host),
    port,
    db,
    serviceCidr,
    nodePortRange,
    logLevel: logLevel as SvcplaneOptions['logLevel'],
    kubernetesVersion,
    watchHistory,
    watchBookmarkInterval,
    cloudProfile: cloudProfile as SvcplaneOptions['cloudProfile'],
    cloudRegion,
    lbIpPool,
    lbProvisionDelay,
    lbFailureRate,
    lbRetryDelay,
    seed,
    eventTtl,
    load,
    auditLogPath,
    repairInterval,
    requestTimeout,
    maxRequestsInflight,
    maxMutatingRequestsInflight,
    advertiseAddress,
    dnsPort,
    clusterDomain,
    dnsTtl,
    securePort,
    tlsCertFile,
    tlsPrivateKeyFile,
    certDir,
    tokenAuthFile: optionalPath('tokenAuthFile'),
    clientCaFile: optionalPath('clientCaFile'),
    anonymousAuth: anonymousRaw === 'true',
    authorizationMode: authorizationMode as SvcplaneOptions['authorizationMode'],
  };
}

/** CoreDNS's `ttl` takes 0 to 3600 seconds; a flag may say 30 or 30s. */
function ttlSeconds(value: unknown): number {
  const raw = String(value);
  const seconds = /^\d+$/.test(raw) ? Number(raw) : (parseGoDuration(raw) ?? Number.NaN) / 1000;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600)
    throw new ConfigError(`invalid --dns-ttl ${JSON.stringify(raw)}: must be a whole number of seconds from 0 to 3600, e.g. 30 or 30s`);
  return seconds;
}

/** Library callers may pass milliseconds as a number; flags and env give a duration string. */
function durationOption(key: keyof SvcplaneOptions, value: unknown, min: number, max: number, examples = '500ms, 60s, 1m'): number {
  const ms = typeof value === 'number' ? value : parseGoDuration(String(value));
  if (ms === undefined || !Number.isFinite(ms) || ms < min || ms > max) {
    throw new ConfigError(`invalid ${flagOf(key)} ${JSON.stringify(String(value))}: must be a duration from ${min}ms to ${max / 60_000}m, e.g. ${examples}`);
  }
  return ms;
}

const flagOf = (key: keyof SvcplaneOptions) => flags.find((f) => f.key === key)!.flag;

/** Flags win over environment variables, which win over defaults. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): { options: Partial<Record<keyof SvcplaneOptions, string>>; help: boolean; rest: string[] } {
  const options: Partial<Record<keyof SvcplaneOptions, string>> = {};
  for (const f of flags) if (env[f.env] !== undefined && env[f.env] !== '') options[f.key] = env[f.env];
  const rest: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const [name, inline] = arg.split(/=(.*)/s, 2);
    const flag = flags.find((f) => f.flag === name);
    if (!flag) {
      rest.push(arg);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`flag ${name} needs a value`);
    options[flag.key] = value;
  }
  return { options, help, rest };
}

function defaultText(key: keyof SvcplaneOptions): string {
  const value = defaults[key];
  if (key === 'eventTtl') return '1h';
  if (key === 'repairInterval') return '3m';
  if (key === 'requestTimeout') return '1m';
  if (key === 'dnsPort' || key === 'securePort') return 'off';
  if (key === 'watchBookmarkInterval' || key === 'lbProvisionDelay' || key === 'lbRetryDelay') return `${Number(value) / 1000}s`;
  return value === undefined ? 'none' : String(value);
}

export function usage(): string {
  const lines = [
    'Usage: svcplane [flags]            serve the Kubernetes Services API',
    '       svcplane openapi --out DIR  write the OpenAPI documents (v3 and Swagger 2.0) to DIR',
    '       svcplane repair --db PATH [--dry-run] [--service-cidr ...] [--node-port-range ...]',
    '                                   check the allocations against the Services holding them, and fix them',
    '       svcplane kubeconfig --server URL [--token T | --client-certificate F --client-key K]',
    '                          [--certificate-authority F] [--user NAME] [--cert-dir DIR]',
    "                                   print a kubeconfig for a user (the CA: the file given, or --cert-dir's generated one)",
    '',
    'Flags (each also read from its environment variable):',
  ];
  for (const f of flags) {
    lines.push(`  ${`${f.flag} (${f.env})`.padEnd(52)} ${f.help} [default: ${defaultText(f.key)}]`);
  }
  lines.push(`${'  --help'.padEnd(55)}show this help`);
  return lines.join('\n');
}
