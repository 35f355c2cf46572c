// The authentication and authorization filters of kube-apiserver's handler chain
// (k8s.io/apiserver/pkg/endpoints/filters: WithAuthentication, WithAuthorization), as one
// onRequest hook ahead of routing: every path, resource or not, found or not, passes it. Only
// installed when authentication or RBAC is configured, so the default server pays nothing.
import type { FastifyInstance } from 'fastify';
import { type Authorizer, forbidden, requestAttributes, unauthorized } from '../auth/attributes.js';
import type { Authenticator } from '../auth/authentication.js';
import { noteDecision, setUser } from '../auth/user.js';

export function installAuthFilter(app: FastifyInstance, authenticator: Authenticator, authorizer: Authorizer | undefined): void {
  app.addHook('onRequest', (req, _reply, done) => {
    const result = authenticator.authenticate(req.raw);
    if ('error' in result) {
      req.log.debug({ reason: result.error }, 'unable to authenticate the request');
      return done(unauthorized());
    }
    setUser(req, result.user);
    if (authorizer) {
      const attributes = requestAttributes(result.user, req.method, req.url);
      const decision = authorizer.authorize(attributes);
      noteDecision(req, { decision: decision.allowed ? 'allow' : 'forbid', reason: decision.reason });
      if (!decision.allowed) return done(forbidden(attributes, decision.reason));
    }
    done();
  });
}
