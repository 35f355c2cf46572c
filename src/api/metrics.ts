// /metrics in the Prometheus text format, as kube-apiserver serves it (always on). Request metrics
// carry kube-apiserver's names and labels (k8s.io/apiserver/pkg/endpoints/metrics): the verb is the
// upper-case HTTP method made canonical (GET on a collection is LIST, ?watch or /watch/ is WATCH,
// an apply patch is APPLY), the scope is resource, namespace, cluster or empty (non-resource paths,
// whose route takes the place of the subresource). Each server has its own Registry, so several
// can run in one process. Per request: one onRequest hook and one 'close' listener, label sets
// (and their prom-client children) cached per route and verb, and performance.now() as the clock.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { requestInfo } from './audit.js';
import type { RequestGate } from './requestLimits.js';

export interface AllocatorStats {
  range: string;
  family: string;
  size: bigint;
  used: number;
}

export interface MetricsSources {
  /** Read at scrape time. */
  allocators(): AllocatorStats[];
  watcherCount(): number;
  storage(): { writes: number; commits: number };
  /** The in-flight limits: a slot comes back when the response closes, where every request is already followed. */
  gate?: RequestGate;
}

/** apiserver_request_duration_seconds' buckets, as kube-apiserver's. */
const durationBuckets = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];
const provisionBuckets = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300];
const validVerbs = new Set([
  'APPLY',
  'CONNECT',
  'CREATE',
  'DELETE',
  'DELETECOLLECTION',
  'GET',
  'LIST',
  'PATCH',
  'POST',
  'PROXY',
  'PUT',
  'UPDATE',
  'WATCH',
  'WATCHLIST',
]);
const readOnlyVerbs = new Set(['get', 'list', 'watch']);

type Labels = Record<'verb' | 'dry_run' | 'group' | 'version' | 'resource' | 'subresource' | 'scope' | 'component', string>;

/** Everything a request's metrics need, computed once per distinct (method, route, verb modifiers). */
interface RequestLabels {
  labels: Labels;
  watch: boolean;
  readOnly: boolean;
  duration?: { observe(v: number): void };
  byCode: Map<number, { inc(): void }>;
}

/** kube's getVerbIfWatch: ?watch= with a first value other than 0 or false (any case). */
function watchQuery(url: string): boolean {
  const q = url.indexOf('?');
  if (q < 0 || !url.includes('watch', q)) return false;
  const value = new URLSearchParams(url.slice(q + 1)).get('watch');
  if (value === null) return false;
  const v = value.toLowerCase();
  return v !== '0' && v !== 'false';
}

/** kube's cleanDryRun: "" without the parameter, the sorted distinct values, or "invalid". */
function dryRun(url: string): string {
  const q = url.indexOf('?');
  if (q < 0 || !url.includes('dryRun', q)) return '';
  const values = new URLSearchParams(url.slice(q + 1)).getAll('dryRun');
  if (values.some((v) => v !== 'All')) return 'invalid';
  return [...new Set(values)].sort().join(',');
}

export class Metrics {
  readonly registry = new Registry();
  readonly lbProvision: Histogram;
  private readonly repairErrors: Record<'clusterIP' | 'nodePort', Counter>;
  private readonly repairRunErrors: Counter[];
  private readonly requests: Counter;
  private readonly durations: Histogram;
  private readonly cache = new Map<string, RequestLabels>();
  private inflightReadOnly = 0;
  private inflightMutating = 0;

  constructor(private readonly options: MetricsSources) {
    const sources = options;
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'apiserver_request_total',
      registers,
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component', 'code'],
    });
    this.durations = new Histogram({
      name: 'apiserver_request_duration_seconds',
      registers,
      buckets: durationBuckets,
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component (WATCH excluded).',
      labelNames: ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
    });
    const self = this;
    new Gauge({
      name: 'apiserver_current_inflight_requests',
      registers,
      labelNames: ['request_kind'],
      help: 'Number of requests being served (watches excluded), per request kind.',
      collect() {
        this.set({ request_kind: 'readOnly' }, self.inflightReadOnly);
        this.set({ request_kind: 'mutating' }, self.inflightMutating);
      },
    });
    new Gauge({
      name: 'svcplane_allocator_used',
      registers,
      labelNames: ['range', 'family'],
      help: 'Values allocated from each range (cluster IPs, node ports).',
      collect() {
        for (const a of sources.allocators()) this.set({ range: a.range, family: a.family }, a.used);
      },
    });
    new Gauge({
      name: 'svcplane_allocator_size',
      registers,
      labelNames: ['range', 'family'],
      help: 'Values each range can allocate (cluster IPs, node ports).',
      collect() {
        for (const a of sources.allocators()) this.set({ range: a.range, family: a.family }, Number(a.size));
      },
    });
    new Gauge({
      name: 'svcplane_watchers',
      registers,
      help: 'Open watches on the watch hub (HTTP watch streams and in-process controllers).',
      collect() {
        this.set(sources.watcherCount());
      },
    });
    const storageCounter = (name: string, help: string, read: (s: { writes: number; commits: number }) => number) =>
      new Counter({
        name,
        registers,
        help,
        collect() {
          this.reset();
          this.inc(read(sources.storage()));
        },
      });
    storageCounter(
      'svcplane_storage_writes_total',
      'Atomic writes made: an object with its change-log row and allocations, committed together.',
      (x) => x.writes,
    );
    storageCounter('svcplane_storage_commits_total', 'Database commits: writes that arrive together may share one (group commit).', (x) => x.commits);
    // kube-apiserver's repair controllers' counters, with their names and `type` label values.
    this.repairErrors = {
      clusterIP: new Counter({
        name: 'apiserver_clusterip_repair_ip_errors_total',
        registers,
        labelNames: ['type'],
        help: 'Number of errors detected on clusterips by the repair loop broken down by type of error: leak, repair, full, outOfRange, duplicate, unknown, invalid',
      }),
      nodePort: new Counter({
        name: 'apiserver_nodeport_repair_port_errors_total',
        registers,
        labelNames: ['type'],
        help: 'Number of errors detected on ports by the repair loop broken down by type of error: leak, repair, full, outOfRange, duplicate, unknown',
      }),
    };
    // One pass repairs both pools, so a failed pass counts for both of kube's loops.
    this.repairRunErrors = [
      new Counter({
        name: 'apiserver_clusterip_repair_reconcile_errors_total',
        registers,
        help: 'Number of reconciliation failures on the clusterip repair reconcile loop',
      }),
      new Counter({
        name: 'apiserver_nodeport_repair_reconcile_errors_total',
        registers,
        help: 'Number of reconciliation failures on the nodeport repair reconcile loop',
      }),
    ];
    this.lbProvision = new Histogram({
      name: 'svcplane_lb_provision_seconds',
      registers,
      buckets: provisionBuckets,
      help: 'Time the service controller took to get a new load balancer from the fake cloud, until it has its address.',
    });
  }

  repairError(kind: 'clusterIP' | 'nodePort', type: string): void {
    this.repairErrors[kind].inc({ type });
  }

  repairRunFailed(): void {
    for (const c of this.repairRunErrors) c.inc();
  }

  private labelsFor(req: FastifyRequest): RequestLabels {
    const route = req.routeOptions.url;
    const watch = req.method === 'GET' && watchQuery(req.url);
    const apply = req.method === 'PATCH' && (req.headers['content-type']?.startsWith('application/apply-patch+yaml') ?? false);
    const dry = dryRun(req.url);
    const key = `${req.method} ${route ?? ''} ${watch ? 'w' : ''}${apply ? 'a' : ''} ${dry}`;
    let entry = this.cache.get(key);
    if (entry) return entry;
    const info = requestInfo(req.method, req.url);
    const ref = route === undefined ? undefined : info.objectRef;
    const scope = ref ? (ref.name || info.verb === 'create' ? 'resource' : ref.namespace ? 'namespace' : 'cluster') : '';
    // CanonicalVerb, then cleanVerb.
    let verb = req.method === 'HEAD' ? 'GET' : req.method;
    if (verb === 'GET' && scope !== 'resource' && scope !== '') verb = 'LIST';
    if (watch || (ref && info.verb === 'watch')) verb = 'WATCH';
    if (apply) verb = 'APPLY';
    if (!validVerbs.has(verb)) verb = 'other';
    const labels: Labels = {
      verb,
      dry_run: dry,
      group: ref?.apiGroup ?? '',
      version: ref?.apiVersion ?? '',
      resource: ref?.resource ?? '',
      // Non-resource requests: the route (bounded, unlike the path); unmatched ones: nothing.
      subresource: ref ? (ref.subresource ?? '') : (route ?? ''),
      scope,
      component: 'apiserver',
    };
    const isWatch = verb === 'WATCH';
    entry = {
      labels,
      watch: isWatch,
      readOnly: readOnlyVerbs.has(info.verb),
      duration: isWatch ? undefined : this.durations.labels(labels),
      byCode: new Map(),
    };
    this.cache.set(key, entry);
    return entry;
  }

  private count(entry: RequestLabels, code: number): void {
    let counter = entry.byCode.get(code);
    if (!counter) entry.byCode.set(code, (counter = this.requests.labels({ ...entry.labels, code: String(code) })));
    counter.inc();
  }

  /** Adds the request hook and GET /metrics (hidden from the OpenAPI document). */
  install(app: FastifyInstance): void {
    // The response's 'close' ends the accounting rather than onResponse: it comes exactly once for
    // every response, also when the client goes away first (no 'finish', so no onResponse, and the
    // in-flight gauge would never come down) and for hijacked watch streams.
    app.addHook('onRequest', (req, reply, done) => {
      const entry = this.labelsFor(req);
      const res: ServerResponse = reply.raw;
      if (entry.watch) {
        // Long-running: not in flight and not in the duration histogram; counted when it ends.
        res.once('close', () => {
          // The gate decides what is long-running on its own; a slot it did give comes back.
          this.options.gate?.leave(reply);
          if (res.headersSent) this.count(entry, res.statusCode);
        });
      } else {
        const start = performance.now();
        if (entry.readOnly) this.inflightReadOnly++;
        else this.inflightMutating++;
        res.once('close', () => {
          this.options.gate?.leave(reply);
          if (entry.readOnly) this.inflightReadOnly--;
          else this.inflightMutating--;
          // A client that left before any response was sent got none to count.
          if (!res.headersSent) return;
          entry.duration!.observe((performance.now() - start) / 1000);
          this.count(entry, res.statusCode);
        });
      }
      done();
    });
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      const text = await this.registry.metrics();
      return reply.type(this.registry.contentType).send(text);
    });
  }
}
