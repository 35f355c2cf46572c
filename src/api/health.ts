import type { FastifyInstance } from 'fastify';

/** kube-apiserver's health endpoints answer plain "ok". */
export async function healthRoutes(app: FastifyInstance, opts: { ready: () => boolean }): Promise<void> {
  for (const path of ['/livez', '/healthz']) {
    app.get(path, { schema: { hide: true } }, async (_req, reply) => reply.type('text/plain; charset=utf-8').send('ok'));
  }
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) =>
    opts.ready()
      ? reply.type('text/plain; charset=utf-8').send('ok')
      : reply.code(503).type('text/plain; charset=utf-8').send('[-]storage not ready\nreadyz check failed'),
  );
}
