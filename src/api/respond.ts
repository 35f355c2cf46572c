// Response encoding. kube-apiserver indents JSON for ?pretty=true and for clients whose
// User-Agent starts with curl, Wget or Mozilla (negotiation.isPrettyPrint), with no trailing
// newline; everyone else gets compact JSON.
//
// A GET of a stored object leaves through sendStored: its body is already text, kept or cached,
// and the answer is written to the socket in one piece with its head.
import type { FastifyReply } from 'fastify';
import { protobufContentType, type StoredEncoding } from './protobuf/envelope.js';

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
 * lookups on a typed array cost an answer about 1,300 instructions (callgrind).
 */
export function sendProtobuf(reply: FastifyReply, body: Buffer): FastifyReply {
  // fastify's types say a serializer returns a string; its onSend path takes a Buffer as well.
  return reply
    .type(protobufContentType)
    .serializer(() => body as unknown as string)
    .send('');
}

/** A stored object's body ready to send: its JSON, or its cached protobuf encoding. */
export type StoredAnswer = { media: 'json'; text: string } | { media: 'protobuf'; encoding: StoredEncoding };

/**
 * Answers a GET with a stored object's body, written to the socket together with the response
 * head. fastify's send path runs the onSend hooks and hands Node a Buffer body (protobuf) as a
 * chunk of its own after the head; on a GET that was 1-2% of the request's instructions
 * (bench/instructions.mts). The direct write is taken only where fastify's path would add
 * nothing: `settled` (no write batch committing: ObjectStore lets a read see writes before they
 * are durable, and server.ts's onSend hook holds every answer until they are), no Warning
 * (bodyForWarnings, onSend again), no pretty JSON. Headers set on the raw response (Audit-Id)
 * go with it: Node's writeHead merges them. test/api/directAnswers.test.ts compares the two
 * ways' headers.
 */
export function sendStored(reply: FastifyReply, answer: StoredAnswer, settled: boolean): FastifyReply {
  if (!settled || reply.hasHeader('warning')) return sendStoredThroughFastify(reply, answer);
  if (answer.media === 'json') {
    if (wantsPretty(reply.request.query as Record<string, unknown>, reply.request.headers['user-agent'])) return sendJson(reply, answer.text);
    reply.hijack();
    reply.raw.writeHead(reply.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer.text) });
    reply.raw.end(answer.text);
    return reply;
  }
  reply.hijack();
  // latin1 keeps one character one byte; Node prepends the head to a string body in its encoding.
  reply.raw.writeHead(reply.statusCode, { 'content-type': protobufContentType, 'content-length': answer.encoding.bytes.length });
  reply.raw.end(answer.encoding.latin1, 'latin1');
  return reply;
}

function sendStoredThroughFastify(reply: FastifyReply, answer: StoredAnswer): FastifyReply {
  return answer.media === 'json' ? sendJson(reply, answer.text) : sendProtobuf(reply, answer.encoding.bytes);
}
