// The API as the console uses it: JSON over fetch with the user's bearer token, lists and watches
// (newline-delimited JSON events, resumed from the last resourceVersion seen, relisted on 410).
export interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
}
export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}
export interface Service {
  kind?: string;
  apiVersion?: string;
  metadata: Meta;
  spec: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    ports?: ServicePort[];
    selector?: Record<string, string>;
    ipFamilies?: string[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}
export interface Status {
  kind: 'Status';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: StatusCause[] };
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: Status | undefined,
  ) {
    super(status?.message ?? `HTTP ${code}`);
  }
}

const TOKEN_KEY = 'svcplane.token';
let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
export function setToken(value: string): void {
  token = value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}
export function getToken(): string {
  return token;
}

type ErrorListener = (err: ApiError) => void;
const authListeners: ErrorListener[] = [];
/** 401 and 403 are shown in the banner whichever view met them. */
export function onAuthError(fn: ErrorListener): void {
  authListeners.push(fn);
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  if (token) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

async function failure(res: Response): Promise<ApiError> {
  let status: Status | undefined;
  try {
    const body = (await res.json()) as Status;
    if (body && body.kind === 'Status') status = body;
  } catch {
    // not JSON
  }
  const err = new ApiError(res.status, status);
  if (res.status === 401 || res.status === 403) for (const fn of authListeners) fn(err);
  return err;
}

export interface List<T> {
  metadata: { resourceVersion?: string };
  items: T[];
}
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface Informer {
  stop(): void;
}

/**
 * List then watch, as client-go's reflector does: `onList` gets the full state, `onEvent` each
 * change after it; a watch that ends is resumed from the last resourceVersion, and one the server
 * can no longer resume (410 Gone) starts over with a list.
 */
export function inform<T extends { metadata: Meta }>(
  path: string,
  query: string,
  handlers: { onList(items: T[]): void; onEvent(ev: WatchEvent<T>): void; onError(err: Error): void },
): Informer {
  const controller = new AbortController();
  let stopped = false;
  const sep = query ? '&' : '';
  const run = async () => {
    let rv = '';
    while (!stopped) {
      try {
        if (!rv) {
          const list = await request<List<T>>(`${path}?${query}`, { signal: controller.signal });
          rv = list.metadata.resourceVersion ?? '';
          handlers.onList(list.items);
        }
        const headers: Record<string, string> = { accept: 'application/json' };
        if (token) headers.authorization = `Bearer ${token}`;
        const res = await fetch(`${path}?${query}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(rv)}`, {
          headers,
          signal: controller.signal,
        });
        if (res.status === 410) {
          rv = '';
          continue;
        }
        if (!res.ok || !res.body) throw await failure(res);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffered = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffered += value;
          let nl = buffered.indexOf('\n');
          while (nl >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            nl = buffered.indexOf('\n');
            if (!line) continue;
            const ev = JSON.parse(line) as WatchEvent<T>;
            if (ev.type === 'ERROR') {
              // 410 Expired inside the stream: relist.
              rv = '';
              break;
            }
            if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
            if (ev.type !== 'BOOKMARK') handlers.onEvent(ev);
          }
          if (!rv) break;
        }
      } catch (err) {
        if (stopped) return;
        handlers.onError(err as Error);
        if (err instanceof ApiError && (err.code === 401 || err.code === 403)) {
          await new Promise((r) => setTimeout(r, 5000));
        } else await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  run();
  return {
    stop() {
      stopped = true;
      controller.abort();
    },
  };
}

export function servicesPath(namespace: string): string {
  return namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/services` : '/api/v1/services';
}

export function externalAddress(svc: Service): string {
  if (svc.spec.type === 'ExternalName') return svc.spec.externalName ?? '';
  const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
  const external = [...ingress, ...(svc.spec.externalIPs ?? [])];
  if (external.length) return external.join(',');
  return svc.spec.type === 'LoadBalancer' ? '<pending>' : '<none>';
}

export function portsText(svc: Service): string {
  const ports = svc.spec.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

export function clusterIPs(svc: Service): string {
  const ips = svc.spec.clusterIPs ?? (svc.spec.clusterIP ? [svc.spec.clusterIP] : []);
  if (svc.spec.type === 'ExternalName') return '<none>';
  return ips.join(',') || '<none>';
}
