// Limits kube-apiserver puts on requests so that no client, slow or numerous, can take the
// server from everyone else:
// - --request-timeout: Node's requestTimeout cuts a request whose headers or body are still
//   arriving (408); a request the server is still working on past it gets the 504 Timeout
//   Status of kube's timeout filter. Watches are long-running and exempt, as in kube.
// - --max-requests-inflight and --max-mutating-requests-inflight: past them a request gets the
//   429 TooManyRequests Status with Retry-After, instead of joining a queue that grows without
//   bound. Counting starts once the body has arrived: a slow body is the timeout's business,
//   and must not use up the slots of clients that sent theirs.
// - the HTTP parser's own refusals (bad request line, headers too large, timeouts) are answered
//   with Status objects too, since every client of ours decodes one.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { StatusError } from '../registry/errors.js';
import { sendStatus } from './statusErrors.js';

export interface RequestLimits {
  requestTimeout: number;
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
}

const statusError = (code: number, reason: string, message: string, details: Record<string, unknown> = {}) =>
  new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code } as ConstructorParameters<
    typeof StatusError
  >[0]);

/** apiserver's maxinflight/APF refusal, as a Status (client-go retries on it after Retry-After). */
export const tooManyRequests = () => statusError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 });

/** The timeout filter's answer (errors.NewTimeoutError). */
export const requestTimedOut = () => statusError(504, 'Timeout', 'Timeout: request did not complete within requested timeout - context deadline exceeded');

const mutating = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Watches (and nothing else we serve) are long-running: no timeout, no in-flight slot. */
function isLongRunning(req: FastifyRequest): boolean {
  if (req.method !== 'GET') return false;
  const url = req.url;
  if (url.includes('/watch/')) return true;
  const q = url.indexOf('?');
  return q >= 0 && /[?&]watch=(true|1)(&|$)/.test(url.slice(q));
}

/** Options for Fastify(): Node's request and header timeouts, checked every second. */
export function serverTimeouts(limits: RequestLimits) {
  return {
    requestTimeout: limits.requestTimeout,
    // kube-apiserver's ReadHeaderTimeout is 32 s; Node requires it to be within requestTimeout.
    // kube-apiserver's MaxHeaderBytes is 1 MiB (Node's default of 16 KiB refused long label
    // selectors that kube serves).
    http: {
      headersTimeout: Math.min(32_000, limits.requestTimeout),
      connectionsCheckingInterval: Math.min(1000, limits.requestTimeout),
      maxHeaderSize: 1 << 20,
    },
    clientErrorHandler: answerClientError,
  };
}

const reasons: Record<number, [string, string]> = {
  400: ['Bad Request', 'BadRequest'],
  408: ['Request Timeout', 'Timeout'],
  413: ['Payload Too Large', 'RequestEntityTooLarge'],
  431: ['Request Header Fields Too Large', 'RequestHeaderFieldsTooLarge'],
};

function clientErrorCode(err: NodeJS.ErrnoException): number {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413;
    default:
      return 400;
  }
}

const messages: Record<number, string> = {
  400: 'the request could not be parsed',
  408: 'the request did not arrive within the request timeout',
  413: 'the request is too large',
  431: 'the request line or headers are too large',
};

/** Node's clientError: the parser refused the bytes, or the request took too long to arrive. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) {
    socket.destroy();
    return;
  }
  const code = clientErrorCode(err);
  const [text, reason] = reasons[code];
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: messages[code], reason, code });
  socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  socket.destroySoon?.();
}

/** In-flight limits and the server-side timeout, as hooks on every route. */
export function installRequestLimits(app: FastifyInstance, limits: RequestLimits): void {
  let readOnly = 0;
  let writes = 0;
  // Requests being worked on, oldest first (a Map keeps insertion order): a sweep reads the head.
  const working = new Map<FastifyReply, number>();
  app.addHook('preValidation', (req, reply, done) => {
    if (isLongRunning(req)) return done();
    const write = mutating.has(req.method);
    if (write ? writes >= limits.maxMutatingRequestsInflight : readOnly >= limits.maxRequestsInflight) {
      reply.header('Retry-After', '1');
      return done(tooManyRequests());
    }
    if (write) writes++;
    else readOnly++;
    working.set(reply, Date.now());
    reply.raw.once('close', () => {
      if (write) writes--;
      else readOnly--;
      working.delete(reply);
    });
    done();
  });
  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - limits.requestTimeout;
      for (const [reply, started] of working) {
        if (started > cutoff) break;
        working.delete(reply);
        if (!reply.sent && !reply.raw.headersSent) {
          reply.log.warn({ url: reply.request.url, method: reply.request.method }, 'request timed out');
          sendStatus(reply, requestTimedOut());
        }
      }
    },
    Math.min(1000, limits.requestTimeout),
  );
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));
}
