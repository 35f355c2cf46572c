// One error handler: every failure leaves as a Kubernetes Status object. Typed StatusErrors go
// out as they are; framework errors are mapped to the code a real apiserver would give; any
// other error is a bug, logged here and answered with a 500 that reveals nothing internal.
import { StorageUnavailable } from '../storage/objectStore.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StatusError, badRequest, failure, internalError, methodNotAllowed, unsupportedMediaType } from '../registry/errors.js';
import { sendJson, sendProtobuf } from './respond.js';
import { encodeStatus } from './protobuf/envelope.js';
import { acceptedMedia } from './protobuf/negotiation.js';

const acceptedBodies = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/**
 * An error's Status, in protobuf when the client prefers it (kube encodes errors as it would the
 * object); a 406 in JSON, as kube's WriteObjectNegotiated writes it when negotiation failed.
 */
export function sendStatus(reply: FastifyReply, err: StatusError): FastifyReply {
  reply.code(err.status.code);
  if (err.status.code !== 406 && acceptedMedia(reply.request.headers.accept).protobufFirst) {
    return sendProtobuf(reply, encodeStatus(err.status as unknown as Record<string, unknown>));
  }
  return sendJson(reply, err.status);
}

export function installStatusErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | StatusError, request, reply) => {
    if (error instanceof StatusError) return sendStatus(reply, error);
    const fe = error as FastifyError;
    if (fe.validation && (fe as unknown as { cause?: unknown }).cause instanceof StatusError)
      return sendStatus(reply, (fe as unknown as { cause: StatusError }).cause);
    switch (fe.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendStatus(reply, unsupportedMediaType(acceptedBodies));
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendStatus(reply, failure(413, 'RequestEntityTooLarge', 'the request body is too large'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendStatus(reply, badRequest('the request body is empty or malformed'));
    }
    if (fe.validation) return sendStatus(reply, badRequest(fe.message));
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendStatus(reply, fe.statusCode === 405 ? methodNotAllowed() : badRequest(fe.message));
    }
    if (error instanceof StorageUnavailable) {
      request.log.error({ err: error }, 'storage unavailable');
      return sendStatus(reply, internalError(error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendStatus(reply, internalError('an unexpected error occurred; see the server log'));
  });
  app.setNotFoundHandler((_request, reply) => {
    return sendStatus(reply, failure(404, 'NotFound', 'the server could not find the requested resource', {}));
  });
}

/**
 * The router's own refusals (a path that is not valid percent-encoding, a path segment past
 * maxParamLength), which fastify answers before any handler or error handler runs.
 */
export function answerRouterError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    sendStatus(reply, failure(414, 'RequestURITooLong', 'the request URI is too long'));
    return;
  }
  sendStatus(reply, badRequest(`invalid request path: ${error.message}`));
}
