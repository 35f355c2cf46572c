// The console in the browser at /ui/ (issue 20): a static page built by scripts/bundle.mjs into
// dist/console/ that reads the API like any other client. The files are read once at start and
// kept in memory with a gzip copy; there are three of them and they are small. The folder is
// found from this module's own location, which differs between src/ (tsx), dist/api/ (tsc) and
// the bundled dist/cli.js.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export function consoleDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'console'), join(here, '..', 'console'), join(here, '..', '..', 'dist', 'console')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = types[name.slice(name.lastIndexOf('.'))];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { type, body, gzip: gzipSync(body), etag: `"${createHash('sha1').update(body).digest('base64url')}"` });
  }
  return assets;
}

function send(req: FastifyRequest, reply: FastifyReply, asset: Asset) {
  // Revalidated on every load (no-cache), so a rebuilt console is never stale; a 304 costs little.
  reply.header('cache-control', 'no-cache').header('etag', asset.etag).header('vary', 'accept-encoding');
  reply.header('x-content-type-options', 'nosniff');
  if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  reply.type(asset.type);
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

/** A browser asks for text/html first; kubectl, client-go and curl do not name it at all. */
export function wantsHtml(req: FastifyRequest): boolean {
  return /(^|,)\s*text\/html\b/.test(String(req.headers.accept ?? ''));
}

export async function consoleRoutes(app: FastifyInstance, opts: { dir?: string } = {}): Promise<void> {
  const dir = opts.dir ?? consoleDir();
  const assets = dir ? loadAssets(dir) : new Map<string, Asset>();
  const missing = (reply: FastifyReply) =>
    reply.code(503).type('text/plain; charset=utf-8').send('the console is not built: run npm run build (dist/console/ is missing)\n');

  // kube-apiserver answers / for API clients; svcplane keeps its answer for them (today a 404
  // Status) and sends browsers to the console.
  app.get('/', { schema: { hide: true } }, async (req, reply) => (wantsHtml(req) ? reply.redirect('/ui/', 302) : reply.callNotFound()));
  app.get('/ui', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/ui/', 301));
  app.get('/ui/', { schema: { hide: true } }, async (req, reply) => {
    const index = assets.get('index.html');
    return index ? send(req, reply, index) : missing(reply);
  });
  app.get<{ Params: { file: string } }>('/ui/:file', { schema: { hide: true } }, async (req, reply) => {
    const asset = assets.get(req.params.file);
    if (asset) return send(req, reply, asset);
    return assets.size ? reply.callNotFound() : missing(reply);
  });
}
