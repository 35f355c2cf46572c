// Authentication as kube-apiserver's chain runs it (k8s.io/apiserver/pkg/authentication):
// x509 client certificates, then bearer tokens from --token-auth-file, as one union that stops
// at the first error; then the anonymous user when --anonymous-auth allows it. No credential and
// no anonymous user is a 401, and so is a credential that does not check out: a bad token is
// never treated as no token.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { anonymous, withAuthenticatedGroup, type UserInfo } from './user.js';

export interface AuthenticatorOptions {
  tokens?: Map<string, UserInfo>;
  /** Client certificates are checked by the TLS server against --client-ca-file. */
  clientCertificates: boolean;
  anonymous: boolean;
}

/** What authentication concluded: a user, or why the request is a 401. */
export type Authenticated = { user: UserInfo } | { error: string };

export class Authenticator {
  constructor(private readonly options: AuthenticatorOptions) {}

  private readonly tokenUsers = new WeakMap<UserInfo, UserInfo>();
  private readonly certificateUsers = new Map<string, UserInfo>();

  authenticate(req: IncomingMessage): Authenticated {
    const socket = req.socket as Partial<TLSSocket>;
    if (this.options.clientCertificates && socket.encrypted && typeof socket.getPeerCertificate === 'function') {
      const cert = socket.getPeerCertificate();
      if (cert && Object.keys(cert).length > 0) {
        // kube's x509 authenticator: a certificate that does not verify is an error, not "no certificate".
        if (!socket.authorized) return { error: `verifying certificate failed: ${String(socket.authorizationError ?? 'unknown authority')}` };
        const cn = cert.subject?.CN;
        const username = Array.isArray(cn) ? cn[0] : cn;
        if (!username) return { error: 'x509: certificate has no common name' };
        const o = cert.subject?.O;
        const groups = o === undefined ? [] : Array.isArray(o) ? [...o] : [o];
        // One object per subject, as for tokens (bounded: a CA signs only so many).
        const subject = `${username}\0${groups.join('\0')}`;
        let user = this.certificateUsers.get(subject);
        if (!user) {
          if (this.certificateUsers.size >= 10_000) this.certificateUsers.clear();
          this.certificateUsers.set(subject, (user = withAuthenticatedGroup({ username, groups })));
        }
        return { user };
      }
    }
    const header = req.headers.authorization;
    if (this.options.tokens && header !== undefined) {
      // bearertoken.go: anything but "Bearer <token>" is no bearer token at all.
      const parts = header.trim().split(' ');
      if (parts.length >= 2 && parts[0].toLowerCase() === 'bearer' && parts[1] !== '') {
        const user = this.options.tokens.get(parts[1]);
        if (!user) return { error: 'invalid bearer token' };
        // One object per token user, made once: the authorizer's decision cache is keyed by it.
        let authenticated = this.tokenUsers.get(user);
        if (!authenticated) this.tokenUsers.set(user, (authenticated = withAuthenticatedGroup(user)));
        return { user: authenticated };
      }
    }
    if (this.options.anonymous) return { user: anonymous };
    return { error: 'no credentials' };
  }
}
