// The last line of defence: whatever escapes the request path is answered with a 500 Status and
// logged, and the process lives. Errors should never get here; each one that does is a bug the
// log names, but one request must not take every other client's server down with it.
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import { internalError } from '../registry/errors.js';

/** Answers on the raw response when fastify's own send path failed (e.g. writeHead threw). */
export function answerInternalError(res: ServerResponse, log: FastifyBaseLogger, err: unknown): void {
  log.error({ err }, 'unhandled error while sending a response');
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  try {
    const body = JSON.stringify(internalError('an unexpected error occurred; see the server log').status);
    res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } catch {
    res.destroy();
  }
}

/** Runs fastify's continuation of an onSend hook; a throw there becomes a 500 Status, not an exit. */
export function continueSend(reply: FastifyReply, done: (err: Error | null, payload?: unknown) => void, err: Error | null, payload: unknown): void {
  try {
    done(err, payload);
  } catch (thrown) {
    answerInternalError(reply.raw, reply.log, thrown);
  }
}

/**
 * Process-wide: an error thrown from a timer or a promise nobody awaited is logged instead of
 * ending the process. The storage layer's transactions are atomic, so no half-written state
 * outlives the failure that interrupted it.
 */
export function installProcessGuards(log: { error(obj: object, msg: string): void }): () => void {
  const onException = (err: Error) => log.error({ err }, 'uncaught exception (kept running)');
  const onRejection = (reason: unknown) => log.error({ err: reason }, 'unhandled promise rejection (kept running)');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
