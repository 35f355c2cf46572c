// Response encoding. kube-apiserver indents JSON for ?pretty=true and for clients whose
// User-Agent starts with curl, Wget or Mozilla (negotiation.isPrettyPrint), with no trailing
// newline; everyone else gets compact JSON.
import type { FastifyReply } from 'fastify';
import { protobufContentType } from './protobuf/envelope.js';

export function wantsPretty(query: Record<string, unknown> | undefined, userAgent: string | undefined): boolean {
  const p = query?.pretty;
  if (p !== undefined) return p === 'true' || p === '1' || p === '';
  return !!userAgent && (userAgent.startsWith('curl') || userAgent.startsWith('Wget') || userAgent.startsWith('Mozilla/'));
}

/** Sends an object, or an already-serialised JSON string (stored bodies are served as they are). */
export function sendJson(reply: FastifyReply, value: unknown): FastifyReply {
  const pretty = wantsPretty(reply.request.query as Record<string, unknown>, reply.request.headers['user-agent']);
  let text: string;
  if (typeof value === 'string') text = pretty ? JSON.stringify(JSON.parse(value), null, 2) : value;
  else text = JSON.stringify(value, null, pretty ? 2 : undefined);
  return reply
    .type('application/json')
    .serializer((s: unknown) => s as string)
    .send(text);
}

/**
 * Sends a protobuf body (magic, runtime.Unknown, the message), as encoded by api/protobuf. The
 * body leaves through the serializer, as a JSON body does: handed to send() itself, a Buffer is
 * first asked whether it is a stream, a web stream or a fetch Response, and those failed property
 * lookups on a typed array cost a GET about 1,300 instructions (callgrind), most of what
 * separated a protobuf GET from a JSON one.
 */
export function sendProtobuf(reply: FastifyReply, body: Buffer): FastifyReply {
  // fastify's types say a serializer returns a string; its onSend path takes a Buffer as well.
  return reply
    .type(protobufContentType)
    .serializer(() => body as unknown as string)
    .send('');
}
