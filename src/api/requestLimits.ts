// Limits kube-apiserver puts on requests so that no client, slow or numerous, can take the
// server from everyone else:
// - --request-timeout: Node's requestTimeout cuts a request whose headers or body are still
//   arriving (408); a request the server is still working on past it gets the 504 Timeout
//   Status of kube's timeout filter. Watches are long-running and exempt, as in kube.
// - --max-requests-inflight and --max-mutating-requests-inflight: past them a request gets the
//   429 TooManyRequests Status with Retry-After, instead of joining a queue that grows without
//   bound. A request holds its slot once its body has arrived (kube's filter holds it while the
//   body is read too; a slow body here is the request timeout's alone).
// - the HTTP parser's own refusals (bad request line, headers too large, timeouts) are answered
//   with Status objects too, since every client of ours decodes one.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { failure } from '../registry/errors.js';
import { sendStatus } from './statusErrors.js';

export interface RequestLimits {
  requestTimeout: number;
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
}

/** apiserver's maxinflight/APF refusal, as a Status (client-go retries on it after Retry-After). */
export const tooManyRequests = () => failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 });

/** Watches (and nothing else we serve) are long-running: no timeout, no in-flight slot. */
function isLongRunning(req: FastifyRequest): boolean {
  if (req.method !== 'GET') return false;
  const url = req.url;
  if (url.includes('/watch/')) return true;
  const q = url.indexOf('?');
  return q >= 0 && /[?&]watch=(true|1)(&|$)/.test(url.slice(q));
}

/** The timeout filter's answer (errors.NewTimeoutError). */
export const requestTimedOut = () => failure(504, 'Timeout', 'Timeout: request did not complete within requested timeout - context deadline exceeded', {});

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
/**
 * The in-flight slots. A request takes one once its body has arrived (a slow body is the request
 * timeout's business, and must not use up the slots of clients that sent theirs) and gives it
 * back when its response closes, which Metrics already follows for every request: a listener of
 * our own per response would cost the create path for nothing.
 */
export class RequestGate {
  private readOnly = 0;
  private writes = 0;
  // A coarse clock, moved by the sweep: a request's start needs no finer grain than the sweep's.
  private now = Date.now();
  /** Requests being worked on, oldest first (a Map keeps insertion order): a sweep reads the head. */
  private readonly working = new Map<FastifyReply, boolean>();
  private readonly started = new Map<FastifyReply, number>();

  constructor(private readonly limits: RequestLimits) {}

  /** Takes a slot; false when the kind's limit is reached (answer tooManyRequests). */
  admit(reply: FastifyReply, readOnly: boolean): boolean {
    if (readOnly ? this.readOnly >= this.limits.maxRequestsInflight : this.writes >= this.limits.maxMutatingRequestsInflight) return false;
    if (readOnly) this.readOnly++;
    else this.writes++;
    this.working.set(reply, readOnly);
    this.started.set(reply, this.now);
    return true;
  }

  /** Gives a request's slot back; nothing for one that never took one. */
  leave(reply: FastifyReply): void {
    const readOnly = this.working.get(reply);
    if (readOnly === undefined) return;
    this.working.delete(reply);
    this.started.delete(reply);
    if (readOnly) this.readOnly--;
    else this.writes--;
  }

  /** The preValidation hook (the body has arrived by then) that takes the slots. */
  hook() {
    return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
      if (isLongRunning(req)) return done();
      if (this.admit(reply, req.method === 'GET' || req.method === 'HEAD')) return done();
      reply.header('Retry-After', '1');
      done(tooManyRequests());
    };
  }

  /** The timeout sweep: a request still being worked on past --request-timeout gets kube's 504. */
  install(app: FastifyInstance): void {
    const sweep = setInterval(
      () => {
        this.now = Date.now();
        const cutoff = this.now - this.limits.requestTimeout;
        for (const [reply, started] of this.started) {
          if (started > cutoff) break;
          // A request whose body is still arriving is Node's to cut (408, connection closed).
          if (reply.sent || reply.raw.headersSent || reply.raw.destroyed || !reply.request.raw.complete) continue;
          reply.log.warn({ url: reply.request.url, method: reply.request.method }, 'request timed out');
          sendStatus(reply, requestTimedOut());
        }
      },
      Math.min(1000, this.limits.requestTimeout),
    );
    sweep.unref();
    app.addHook('preValidation', this.hook());
    app.addHook('onClose', async () => clearInterval(sweep));
  }
}
