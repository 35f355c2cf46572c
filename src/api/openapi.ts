// The OpenAPI v3 document, built by @fastify/swagger from the route schemas. It is served as
// kube-apiserver serves it: /openapi/v3 is an index of group-versions with a content hash, and
// /openapi/v3/api/v1 is the document for the core group.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendJson } from './respond.js';

export function openapiDocument(app: FastifyInstance): unknown {
  return (app as unknown as { swagger(): unknown }).swagger();
}

export async function openapiRoutes(app: FastifyInstance): Promise<void> {
  let cached: { text: string; hash: string } | undefined;
  const doc = () => {
    if (!cached) {
      const text = JSON.stringify(openapiDocument(app));
      cached = { text, hash: createHash('sha512').update(text).digest('hex').toUpperCase().slice(0, 128) };
    }
    return cached;
  };
  app.get('/openapi/v3', { schema: { hide: true } }, async (_req, reply) =>
    sendJson(reply, { paths: { 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${doc().hash}` } } }));
  app.get('/openapi/v3/api/v1', { schema: { hide: true } }, async (_req, reply) => sendJson(reply, doc().text));
}
