// API docs in the browser: @fastify/swagger-ui at /docs, over the same OpenAPI document as
// /openapi/v3 (its routes are hidden from it). The plugin finds its assets next to its own
// source file, which the bundled CLI (dist/cli.js) moves; so they are located through Node's
// resolution from here, which works from src/, dist/ and the bundle alike.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';

export async function docsOptions(): Promise<FastifySwaggerUiOptions> {
  const assets = join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui')), 'static');
  return {
    routePrefix: '/docs',
    baseDir: assets,
    logo: { type: 'image/svg+xml', content: await readFile(join(assets, 'logo.svg')) },
    uiConfig: { docExpansion: 'list', deepLinking: true },
  };
}
