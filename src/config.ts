// Options shared by the CLI and the library: each flag has an environment twin, and every
// value is checked before anything starts, so a bad one is one clear line and exit code 2.
import { IPv4Range, PortRange } from './allocators/ipRange.js';

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
  { key: 'db', flag: '--db', env: 'SVCPLANE_DB', help: 'SQLite database file, or :memory:' },
  { key: 'serviceCidr', flag: '--service-cidr', env: 'SVCPLANE_SERVICE_CIDR', help: 'IPv4 CIDR that cluster IPs are allocated from' },
  { key: 'nodePortRange', flag: '--node-port-range', env: 'SVCPLANE_NODE_PORT_RANGE', help: 'inclusive range node ports are allocated from' },
  { key: 'logLevel', flag: '--log-level', env: 'SVCPLANE_LOG_LEVEL', help: 'fatal, error, warn, info, debug, trace or silent' },
  { key: 'kubernetesVersion', flag: '--kubernetes-version', env: 'SVCPLANE_KUBERNETES_VERSION', help: 'the Kubernetes version /version reports (kubectl picks its client by it)' },
  { key: 'watchHistory', flag: '--watch-history', env: 'SVCPLANE_WATCH_HISTORY', help: 'how many changes the change log keeps for resuming watchers' },
  { key: 'watchBookmarkInterval', flag: '--watch-bookmark-interval', env: 'SVCPLANE_WATCH_BOOKMARK_INTERVAL', help: 'how often watchers that allow bookmarks get one (a duration: 500ms, 60s, 1m)' },
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
    if (!/^\d+$/.test(raw) || n < min || n > max) throw new ConfigError(`invalid ${flagOf(key)} ${JSON.stringify(raw)}: must be a whole number from ${min} to ${max}`);
    return n;
  };
  const port = int('port', 0, 65535);
  const watchHistory = int('watchHistory', 1, 10_000_000);
  const watchBookmarkInterval = durationOption('watchBookmarkInterval', o.watchBookmarkInterval, 10, 3_600_000);
  const serviceCidr = String(o.serviceCidr);
  try {
    new IPv4Range(serviceCidr);
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
  if (!/^v1\.\d+\.\d+$/.test(kubernetesVersion)) throw new ConfigError(`invalid --kubernetes-version ${JSON.stringify(kubernetesVersion)}: expected v1.MINOR.PATCH, e.g. v1.33.0`);
  const db = String(o.db);
  if (!db) throw new ConfigError('invalid --db: must be a file path or :memory:');
  return { host: String(o.host), port, db, serviceCidr, nodePortRange, logLevel: logLevel as SvcplaneOptions['logLevel'], kubernetesVersion, watchHistory, watchBookmarkInterval };
}

/** A Go-style duration (300ms, 1.5s, 2m, 1h) in milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']);
}

/** Library callers may pass milliseconds as a number; flags and env give a duration string. */
function durationOption(key: keyof SvcplaneOptions, value: unknown, min: number, max: number): number {
  const ms = typeof value === 'number' ? value : parseDuration(String(value));
  if (ms === undefined || !Number.isFinite(ms) || ms < min || ms > max) {
    throw new ConfigError(`invalid ${flagOf(key)} ${JSON.stringify(String(value))}: must be a duration from ${min}ms to ${max / 60_000}m, e.g. 500ms, 60s, 1m`);
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

export function usage(): string {
  const lines = [
    'Usage: svcplane [flags]            serve the Kubernetes Services API',
    '       svcplane openapi --out DIR  write the OpenAPI document to DIR',
    '',
    'Flags (each also read from its environment variable):',
  ];
  for (const f of flags) {
    lines.push(`  ${`${f.flag} (${f.env})`.padEnd(52)} ${f.help} [default: ${f.key === 'watchBookmarkInterval' ? `${defaults.watchBookmarkInterval / 1000}s` : String(defaults[f.key])}]`);
  }
  lines.push('  --help'.padEnd(55) + 'show this help');
  return lines.join('\n');
}
