// The OpenAPI documents, built by @fastify/swagger from the route schemas and served as
// kube-apiserver (kube-openapi's handlers) serves them: /openapi/v3 is an index of
// group-versions with a content hash, /openapi/v3/api/v1 is the document for the core group,
// and /openapi/v2 is the whole API as Swagger 2.0, in JSON or in gnostic's protobuf form.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendJson } from './respond.js';
import { swaggerV2 } from './swaggerV2.js';
import { encodeSwaggerV2 } from './swaggerV2Protobuf.js';

/** The whole API as one OpenAPI 3 document, as @fastify/swagger builds it from the routes. */
function wholeDocument(app: FastifyInstance): OpenAPIDocument {
  return (app as unknown as { swagger(): OpenAPIDocument }).swagger();
}

interface OpenAPIDocument {
  paths: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
  [key: string]: unknown;
}

/** A group-version's path, as the v3 index names it: api/v1 or apis/GROUP/VERSION. */
export type GroupVersion = string;

/** The group-versions that have paths, each with its own v3 document, as kube-openapi splits them. */
export function groupVersionsOf(app: FastifyInstance): GroupVersion[] {
  const found = new Set<string>();
  for (const path of Object.keys(wholeDocument(app).paths)) {
    const m = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\//.exec(path);
    if (m) found.add(m[1]);
  }
  return [...found].sort((a, b) => (a === 'api/v1' ? -1 : b === 'api/v1' ? 1 : a.localeCompare(b)));
}

/** One group-version's v3 document: its paths, and only the schemas they reach. */
export function openapiDocument(app: FastifyInstance, groupVersion: GroupVersion = 'api/v1'): OpenAPIDocument {
  const whole = wholeDocument(app);
  const prefix = `/${groupVersion}/`;
  const paths = Object.fromEntries(Object.entries(whole.paths).filter(([path]) => path.startsWith(prefix)));
  const all = whole.components?.schemas ?? {};
  const reached = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        const name = v.slice('#/components/schemas/'.length);
        if (!reached.has(name)) {
          reached.add(name);
          visit(all[name]);
        }
      } else visit(v);
    }
  };
  visit(paths);
  // The core document keeps every core and meta definition (DeleteOptions, WatchEvent... are
  // referenced by no path but SDKs generate types from them); the other groups get only what
  // their paths reach.
  const core = (name: string) => name.startsWith('io.k8s.api.core.') || name.startsWith('io.k8s.apimachinery.');
  const keep = groupVersion === 'api/v1' ? core : (name: string) => reached.has(name);
  const schemas = Object.fromEntries(Object.entries(all).filter(([name]) => keep(name)));
  return { ...whole, paths, components: { ...whole.components, schemas } };
}

export function swaggerV2Document(app: FastifyInstance): unknown {
  return swaggerV2(wholeDocument(app));
}

/** kube-openapi's ETag: the SHA-512 of the served bytes in upper-case hex. */
const etagOf = (data: string | Buffer) => createHash('sha512').update(data).digest('hex').toUpperCase();

const protobufV2 = 'com.github.proto-openapi.spec.v2@v1.0+protobuf';
// kube-openapi's v2 handler: what it answers for each media type it accepts, in this order.
const v2Formats = [
  { subtype: 'json', contentType: 'application/json', format: 'json' },
  { subtype: protobufV2, contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', format: 'protobuf' },
  { subtype: 'com.github.proto-openapi.spec.v2.v1.0+protobuf', contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', format: 'protobuf' },
] as const;

/** goautoneg: clauses by descending q, then the more specific first; the first one we serve wins. */
export function negotiateV2(accept: string | undefined): (typeof v2Formats)[number] | undefined {
  const clauses = (accept?.trim() ? accept : '*/*')
    .split(',')
    .map((raw, i) => {
      const [range, ...params] = raw.trim().split(';');
      const [type = '', subtype = ''] = range.trim().split('/');
      const q = params.map((p) => p.trim().split('=')).find(([k]) => k === 'q')?.[1];
      return { type, subtype, q: q === undefined ? 1 : Number(q), specificity: (type === '*' ? 0 : 1) + (subtype === '*' ? 0 : 1), i };
    })
    .filter((c) => c.q > 0)
    .sort((a, b) => b.q - a.q || b.specificity - a.specificity || a.i - b.i);
  for (const c of clauses) {
    for (const f of v2Formats) {
      if ((c.type === 'application' || c.type === '*') && (c.subtype === f.subtype || c.subtype === '*')) return f;
    }
  }
  return undefined;
}

export async function openapiRoutes(app: FastifyInstance, opts: { groupVersions: GroupVersion[] }): Promise<void> {
  const { groupVersions } = opts;
  const v3 = new Map<GroupVersion, { text: string; hash: string }>();
  const v3Doc = (gv: GroupVersion) => {
    let doc = v3.get(gv);
    if (!doc) {
      const text = JSON.stringify(openapiDocument(app, gv));
      doc = { text, hash: etagOf(text).slice(0, 128) };
      v3.set(gv, doc);
    }
    return doc;
  };
  const v2: { json?: { body: string; etag: string }; protobuf?: { body: Buffer; etag: string } } = {};
  const v2Json = () => {
    if (!v2.json) {
      const body = JSON.stringify(swaggerV2Document(app));
      v2.json = { body, etag: etagOf(body) };
    }
    return v2.json;
  };
  const v2Protobuf = () => {
    if (!v2.protobuf) {
      const body = encodeSwaggerV2(JSON.parse(v2Json().body));
      v2.protobuf = { body, etag: etagOf(body) };
    }
    return v2.protobuf;
  };

  app.get('/openapi/v3', { schema: { hide: true } }, async (_req, reply) =>
    // Go marshals the index's map with its keys sorted.
    sendJson(reply, {
      paths: Object.fromEntries([...groupVersions].sort().map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${v3Doc(gv).hash}` }])),
    }),
  );
  for (const gv of groupVersions) {
    app.get(`/openapi/v3/${gv}`, { schema: { hide: true } }, async (_req, reply) => sendJson(reply, v3Doc(gv).text));
  }

  app.get('/openapi/v2', { schema: { hide: true } }, async (req, reply: FastifyReply) => {
    reply.header('Vary', 'Accept');
    const format = negotiateV2(req.headers.accept);
    // kube-openapi answers a media type it cannot produce with a bare 406.
    if (!format) return reply.code(406).send();
    reply.header('Cache-Control', 'no-cache, private');
    if (format.format === 'json') {
      const { body, etag } = v2Json();
      reply.header('Etag', `"${etag}"`);
      return sendJson(reply, body);
    }
    const { body, etag } = v2Protobuf();
    return reply.header('Etag', `"${etag}"`).type(format.contentType).send(body);
  });
}
