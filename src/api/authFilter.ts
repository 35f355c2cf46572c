// The authentication and authorization filters of kube-apiserver's handler chain
// (k8s.io/apiserver/pkg/endpoints/filters: WithAuthentication, WithAuthorization), as one
// onRequest hook ahead of routing: every path, resource or not, found or not, passes it. Only
// installed when authentication or RBAC is configured, so the default server pays nothing.
import type { FastifyInstance } from 'fastify';
import { type Attributes, type Authorizer, type Decision, forbidden, requestAttributes, unauthorized } from '../auth/attributes.js';
import type { Authenticator } from '../auth/authentication.js';
import { noteDecision, setUser, type UserInfo } from '../auth/user.js';

/** Decisions remembered per user, method and URL until a role or binding changes. */
const cacheSize = 10_000;

interface Cached {
  attributes: Attributes;
  decision: Decision;
}

export function installAuthFilter(app: FastifyInstance, authenticator: Authenticator, authorizer: Authorizer | undefined): void {
  // Deriving a request's attributes and walking the bindings cost more than the GET they guard;
  // clients repeat the same requests (informers, polling), so the answer is kept until the RBAC
  // view changes. kube-apiserver caches webhook decisions the same way; RBAC it walks each time.
  const cache = new Map<string, Cached>();
  let generation = authorizer?.generation;
  const decide = (user: UserInfo, method: string, url: string): Cached => {
    if (authorizer!.generation === undefined) {
      const attributes = requestAttributes(user, method, url);
      return { attributes, decision: authorizer!.authorize(attributes) };
    }
    if (authorizer!.generation !== generation) {
      cache.clear();
      generation = authorizer!.generation;
    }
    const key = `${user.username}\0${user.groups.join('\0')}\0${method}\0${url}`;
    let hit = cache.get(key);
    if (!hit) {
      const attributes = requestAttributes(user, method, url);
      hit = { attributes, decision: authorizer!.authorize(attributes) };
      if (cache.size >= cacheSize) cache.clear();
      cache.set(key, hit);
    }
    return hit;
  };
  app.addHook('onRequest', (req, _reply, done) => {
    const result = authenticator.authenticate(req.raw);
    if ('error' in result) {
      req.log.debug({ reason: result.error }, 'unable to authenticate the request');
      return done(unauthorized());
    }
    setUser(req, result.user);
    if (authorizer) {
      const { attributes, decision } = decide(result.user, req.method, req.url);
      noteDecision(req, { decision: decision.allowed ? 'allow' : 'forbid', reason: decision.reason });
      if (!decision.allowed) return done(forbidden(attributes, decision.reason));
    }
    done();
  });
}
