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
  /** The audit log's note, made once with the decision. */
  note: { decision: 'allow' | 'forbid'; reason: string };
}

export function installAuthFilter(app: FastifyInstance, authenticator: Authenticator, authorizer: Authorizer | undefined): void {
  // Deriving a request's attributes and walking the bindings cost more than the GET they guard;
  // clients repeat the same requests (informers, polling), so the answer is kept until the RBAC
  // view changes. kube-apiserver caches webhook decisions the same way; RBAC it walks each time.
  // Keyed by the user object (one per token or certificate subject) and then the request line,
  // so a repeated request allocates nothing.
  let cache = new WeakMap<UserInfo, Map<string, Cached>>();
  let entries = 0;
  let generation = authorizer?.generation;
  const evaluate = (user: UserInfo, method: string, url: string): Cached => {
    const attributes = requestAttributes(user, method, url);
    const decision = authorizer!.authorize(attributes);
    return { attributes, decision, note: { decision: decision.allowed ? 'allow' : 'forbid', reason: decision.reason } };
  };
  const decide = (user: UserInfo, method: string, url: string): Cached => {
    if (authorizer!.generation === undefined) return evaluate(user, method, url);
    if (authorizer!.generation !== generation || entries >= cacheSize) {
      cache = new WeakMap();
      entries = 0;
      generation = authorizer!.generation;
    }
    let byRequest = cache.get(user);
    if (!byRequest) cache.set(user, (byRequest = new Map()));
    const key = method === 'GET' ? url : `${method} ${url}`;
    let hit = byRequest.get(key);
    if (!hit) {
      hit = evaluate(user, method, url);
      byRequest.set(key, hit);
      entries++;
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
      const { attributes, decision, note } = decide(result.user, req.method, req.url);
      noteDecision(req, note);
      if (!decision.allowed) return done(forbidden(attributes, decision.reason));
    }
    done();
  });
}
