// Baseline for `get`: bare fastify answering the bytes of one Service, as svcplane served them,
// on svcplane's route shape. No logger, no schemas, no storage: the framework's ceiling.
// Run: node --import tsx bench/baselines/bare-fastify.mts BODY_FILE
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) throw new Error('usage: bare-fastify.mts BODY_FILE');
const body = readFileSync(file, 'utf8');

const app = Fastify({ logger: false });
app.get('/api/v1/namespaces/:namespace/services/:name', async (_req, reply) => reply.type('application/json').send(body));
app.get('/readyz', async () => 'ok');
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as { port: number };
process.stdout.write(`bare-fastify baseline at http://127.0.0.1:${port}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
