#!/usr/bin/env node
// The command line: a thin shell around createServer that owns process concerns (flags,
// signals, exit codes).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyRepair, configuredPools, planRepair, type Finding } from './allocators/repair.js';
import { parseServiceCIDRs, PortRange } from './allocators/ipRange.js';
import { ConfigError, parseArgs, resolveOptions, usage, type SvcplaneOptions } from './config.js';
import { openSqliteStorage } from './storage/sqlite/storage.js';
import { groupVersionsOf, openapiDocument, swaggerV2Document } from './api/openapi.js';
import { createServer } from './server.js';
import { kubeconfigRequest, kubeconfigYaml } from './kubeconfig.js';
import { installProcessGuards } from './api/lastResort.js';

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv, process.env);
    if (parsed.help) {
      process.stdout.write(`${usage()}\n`);
      return 0;
    }
    const [command, ...extra] = parsed.rest;
    if (command === 'openapi') return await writeOpenapi(extra);
    if (command === 'repair') return await repairDatabase(extra, resolveOptions(parsed.options));
    if (command === 'kubeconfig') {
      process.stdout.write(kubeconfigYaml(kubeconfigRequest(extra, resolveOptions(parsed.options).certDir)));
      return 0;
    }
    if (command !== undefined) throw new ConfigError(`unknown argument ${JSON.stringify(command)} (see svcplane --help)`);
    resolveOptions(parsed.options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`svcplane: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let server: Awaited<ReturnType<typeof createServer>>;
  try {
    server = await createServer(parsed.options as never);
  } catch (err) {
    // A malformed token file or certificate is found as the server is assembled.
    if (err instanceof ConfigError) {
      process.stderr.write(`svcplane: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  installProcessGuards(server.app.log);
  // Handlers go in before the URL is printed: whoever reads that line may signal at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      server.app.log.info(`${signal} received, shutting down`);
      server.close().then(resolve, (err) => {
        server.app.log.error(err);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  const url = await server.start();
  process.stdout.write(`svcplane serving the Kubernetes Services API at ${url} (database ${server.options.db})\n`);
  if (server.secureUrl) process.stdout.write(`svcplane serving HTTPS at ${server.secureUrl}\n`);
  const dns = server.dns?.address;
  if (dns) {
    const host = dns.address.includes(':') ? `[${dns.address}]` : dns.address;
    process.stdout.write(`svcplane serving DNS for ${server.options.clusterDomain} at ${host}:${dns.port} (UDP and TCP)\n`);
  }
  await stopped;
  return 0;
}

/**
 * svcplane repair: the repair controller's pass over a database, for a server that is not
 * running (a running server repairs its own database after start and every --repair-interval).
 */
async function repairDatabase(args: string[], options: SvcplaneOptions): Promise<number> {
  const unknown = args.filter((a) => a !== '--dry-run');
  if (unknown.length) throw new ConfigError(`unknown argument ${JSON.stringify(unknown[0])} for repair (see svcplane --help)`);
  const dryRun = args.includes('--dry-run');
  if (options.db === ':memory:' || !existsSync(options.db)) throw new ConfigError(`repair needs an existing database: ${options.db} not found`);
  const storage = openSqliteStorage(options.db, { checkpointer: false });
  try {
    const { store } = storage;
    const findings = await planRepair(store, configuredPools(parseServiceCIDRs(options.serviceCidr), PortRange.parse(options.nodePortRange)));
    const applied = dryRun ? new Set<Finding>() : new Set(await applyRepair(store, findings));
    await store.durable();
    const fixable = (f: Finding) => f.type === 'leak' || f.type === 'repair';
    for (const f of findings) {
      const note = fixable(f) ? (dryRun ? ' (dry run: not fixed)' : applied.has(f) ? '' : ' (changed meanwhile: not fixed)') : '';
      process.stdout.write(`${f.type}: ${f.message}${note}\n`);
    }
    const count = (t: string) => findings.filter((f) => f.type === t).length;
    process.stdout.write(
      `checked ${options.db}: ${count('leak')} leaked, ${count('repair')} to repair, ${count('duplicate')} duplicate, ${count('outOfRange')} out of range; ${dryRun ? 'dry run, nothing changed' : `${applied.size} fixed`}\n`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}

async function writeOpenapi(args: string[]): Promise<number> {
  const i = args.indexOf('--out');
  const out = i >= 0 ? args[i + 1] : 'openapi';
  if (!out) throw new ConfigError('openapi --out needs a directory');
  const server = await createServer({ db: ':memory:', logLevel: 'silent' });
  mkdirSync(out, { recursive: true });
  // What kube-apiserver serves: a v3 document per group-version and /openapi/v2 (Swagger 2.0).
  const files: [string, unknown][] = [
    ...groupVersionsOf(server.app).map((gv): [string, unknown] => [`v3-${gv.replaceAll('/', '-')}.json`, openapiDocument(server.app, gv)]),
    ['swagger.json', swaggerV2Document(server.app)],
  ];
  for (const [name, doc] of files) writeFileSync(join(out, name), `${JSON.stringify(doc, null, 2)}\n`);
  await server.close();
  for (const [name] of files) process.stdout.write(`wrote ${join(out, name)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`svcplane: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
