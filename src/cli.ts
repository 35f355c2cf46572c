#!/usr/bin/env node
// The command line: a thin shell around createServer that owns process concerns (flags,
// signals, exit codes).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseArgs, resolveOptions, usage } from './config.js';
import { openapiDocument, swaggerV2Document } from './api/openapi.js';
import { createServer } from './server.js';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, process.env);
    if (parsed.help) {
      process.stdout.write(`${usage()}\n`);
      return 0;
    }
    const [command, ...extra] = parsed.rest;
    if (command === 'openapi') return await writeOpenapi(extra);
    if (command !== undefined) throw new ConfigError(`unknown argument ${JSON.stringify(command)} (see svcplane --help)`);
    resolveOptions(parsed.options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`svcplane: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const server = await createServer(parsed.options as never);
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
  await stopped;
  return 0;
}

async function writeOpenapi(args: string[]): Promise<number> {
  const i = args.indexOf('--out');
  const out = i >= 0 ? args[i + 1] : 'openapi';
  if (!out) throw new ConfigError('openapi --out needs a directory');
  const server = await createServer({ db: ':memory:', logLevel: 'silent' });
  mkdirSync(out, { recursive: true });
  // The two documents kube-apiserver serves: /openapi/v3/api/v1 and /openapi/v2 (Swagger 2.0).
  const files: [string, unknown][] = [['v3-api-v1.json', openapiDocument(server.app)], ['swagger.json', swaggerV2Document(server.app)]];
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
