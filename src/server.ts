// Assembles one svcplane instance with no global state: storage, allocators, registries, then
// the HTTP plugins (third-party first, then ours), as fastify's reference application does.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { NodePortAllocator } from './allocators/nodePortAllocator.js';
import { parseServiceCIDRs, PortRange } from './allocators/ipRange.js';
import { AllocationView } from './allocators/allocationView.js';
import { configuredPools, RepairController } from './allocators/repair.js';
import { allocationRoutes } from './api/allocations.js';
import { ServiceIPAllocator } from './allocators/serviceIPAllocator.js';
import { installAuditLog } from './api/audit.js';
import { installDecoding } from './api/decoding.js';
import { consoleRoutes } from './api/console.js';
import { docsOptions } from './api/docs.js';
import { Metrics } from './api/metrics.js';
import { addKubernetesExtensions } from './api/kubernetesExtensions.js';
import { discoveryRoutes } from './api/discovery.js';
import { healthRoutes } from './api/health.js';
import { openapiRoutes } from './api/openapi.js';
import { installResource, installResourceWarnings, type InstalledResource } from './api/installer.js';
import type { ListWatchContext } from './api/listWatch.js';
import type { GenericStore, NamespaceGate, ResourceStore } from './registry/generic/store.js';
import type { KubeObject } from './registry/generic/strategy.js';
import { pathPrefix, type ResourceDeclaration } from './resources/declaration.js';
import { endpointSlices as endpointSliceDeclaration } from './resources/endpointSlices.js';
import { endpoints as endpointsDeclaration } from './resources/endpoints.js';
import { events as eventDeclaration } from './resources/events.js';
import { eventsV1 as eventsV1Declaration } from './resources/eventsV1.js';
import { ConvertedStore } from './registry/generic/convertedStore.js';
import { eventV1Conversion } from './registry/eventConversion.js';
import { namespaces as namespaceDeclaration } from './resources/namespaces.js';
import { services as serviceDeclaration } from './resources/services.js';
import { answerRouterError, installStatusErrors } from './api/statusErrors.js';
import { continueSend } from './api/lastResort.js';
import { RequestGate, serverTimeouts } from './api/requestLimits.js';
import { bodyForWarnings } from './api/warnings.js';
import { resolveOptions, type SvcplaneOptions } from './config.js';
import { sharedSchemas } from './model/definitions.js';
import { EventRegistry } from './registry/eventRegistry.js';
import { endpointSliceStore } from './registry/endpointSliceStore.js';
import { endpointsStore } from './registry/endpointsStore.js';
import { leaseStore } from './registry/leaseStore.js';
import { defaultIdentity, LeaderElector, leaderElectionDefaults, type LeaderElectionOptions } from './controllers/leaderElection.js';
import { leases as leaseDeclaration } from './resources/leases.js';
import { EndpointControllers } from './controllers/endpointControllers.js';
import type { EndpointSlice } from './model/endpointSlice.js';
import type { Endpoints } from './model/endpoints.js';
import { parseIPSloppy, isV4Mapped } from './net/ip.js';
import { NamespaceRegistry } from './registry/namespaceRegistry.js';
import { ServiceAllocation } from './registry/serviceAllocation.js';
import { ServiceRegistry } from './registry/serviceRegistry.js';
import type { ObjectStore } from './storage/objectStore.js';
import { openStorage } from './storage/open.js';
import { WatchHub } from './watch/watchHub.js';
import { FakeCloud, systemClock, type CloudProvider } from './cloud/fakeCloud.js';
import { ServiceController, serviceControllerDefaults } from './cloud/serviceController.js';
import { childRandom, createRandom } from './random.js';
import { randomIdentities, seededIdentities, type Identities } from './registry/metadata.js';
import { describeSummary, loadFixtures } from './fixtures/load.js';
import { ServiceDns } from './dns/serviceDns.js';
import { watchHubFeed } from './dns/watchHubFeed.js';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { installAuthFilter } from './api/authFilter.js';
import { servingPair, readCertificates, type ServingPair } from './api/tls.js';
import type { Authorizer } from './auth/attributes.js';
import { Authenticator } from './auth/authentication.js';
import { ClusterRoleAggregation } from './auth/aggregation.js';
import { ensureBootstrapPolicy } from './auth/bootstrapPolicy.js';
import { alwaysAllow, RbacAuthorizer, RbacView } from './auth/rbac.js';
import { readTokenFile, TokenFileError } from './auth/tokenFile.js';
import type { UserInfo } from './auth/user.js';
import { ConfigError } from './config.js';
import { rbacDefinitions } from './model/rbac.js';
import { reviewDefinitions } from './model/authorization.js';
import { EscalationCheck } from './registry/rbac/escalation.js';
import { rbacStores, type RbacStores } from './registry/rbac/stores.js';
import { reviewStores } from './registry/reviews.js';
import { clusterRoleBindings, clusterRoles, roleBindings, roles } from './resources/rbac.js';
import { selfSubjectAccessReviews, selfSubjectReviews, selfSubjectRulesReviews, subjectAccessReviews } from './resources/reviews.js';

export interface Svcplane {
  readonly app: FastifyInstance;
  readonly options: SvcplaneOptions;
  readonly store: ObjectStore;
  readonly hub: WatchHub;
  readonly services: ServiceRegistry;
  readonly events: EventRegistry;
  readonly namespaces: NamespaceRegistry;
  readonly endpoints: GenericStore<Endpoints>;
  readonly endpointSlices: GenericStore<EndpointSlice>;
  /** The endpoints, endpointslice and mirroring controllers, their garbage collection and the `kubernetes` Service's endpoints. */
  readonly endpointControllers: EndpointControllers;
  /** One cluster-IP allocator per configured family, primary first, and the node ports. */
  readonly allocators: { serviceIPs: ServiceIPAllocator[]; nodePorts: NodePortAllocator; repair: RepairController };
  readonly cloud: CloudProvider;
  readonly cloudController: ServiceController;
  /** The service DNS responder, with --dns-port; its address is known once started. */
  readonly dns: ServiceDns | undefined;
  /** The controllers' leader election, where several replicas share the database (PostgreSQL). */
  readonly elector: LeaderElector | undefined;
  /** RBAC's stores (served always; their bootstrap policy once authentication or authorization is on). */
  readonly rbac: RbacStores;
  /** Listens on host:port and resolves to the base URL (with the real port when port is 0). */
  start(): Promise<string>;
  /** The HTTPS URL with --secure-port, once started. */
  readonly secureUrl: string | undefined;
  /** The serving certificate of --secure-port (PEM), for clients that must trust it. */
  readonly servingCertificate: string | undefined;
  /** Finishes in-flight requests, then closes the database. */
  close(): Promise<void>;
  readonly url: string | undefined;
}

/** What a resource's store is built from, for resources added through createServer's extensions. */
export interface ResourceDependencies {
  store: ObjectStore;
  namespaces: NamespaceGate;
  identities: Identities;
}

export interface Extensions {
  /** More rows for the resource table: each is served like the built-in resources. */
  resources?: (deps: ResourceDependencies) => InstalledResource<KubeObject>[];
  /** Leader election timings and names, where the database is shared (tests shorten them). */
  leaderElection?: Partial<LeaderElectionOptions>;
}

export async function createServer(input: Partial<SvcplaneOptions> = {}, extensions: Extensions = {}): Promise<Svcplane> {
  const options = resolveOptions(input);
  // Credentials and certificates are read before anything opens: a bad file is one line, exit 2.
  const auth = authEnabled(options);
  let tokens: Map<string, UserInfo> | undefined;
  try {
    tokens = options.tokenAuthFile === undefined ? undefined : readTokenFile(options.tokenAuthFile);
  } catch (err) {
    if (err instanceof TokenFileError) throw new ConfigError(`invalid --token-auth-file: ${err.message}`);
    throw err;
  }
  const clientCA = options.clientCaFile === undefined ? undefined : readCertificates(options.clientCaFile, '--client-ca-file');
  const serving: ServingPair | undefined = options.securePort === undefined ? undefined : await servingPair(options);
  const storage = await openStorage(options.db, {
    historySize: options.watchHistory,
    onCommitError: (err) => app.log.error({ err }, 'commit failed'),
    onListenerError: (err) => app.log.error({ err }, 'a listener of committed changes failed'),
    onFeedError: (err) => app.log.error({ err }, 'the database connection or its change feed failed'),
    // Cut off from the database past the change log's history: end every watch (clients resume
    // elsewhere or get 410 and re-list), hand the controllers' Lease over, and say not ready
    // until a restart, rather than deliver later changes with earlier ones missing.
    onFeedLost: (err) => {
      app.log.error({ err }, 'the change feed fell behind the pruned change log: restart this replica');
      ready = false;
      hub.closeAll();
      void elector?.stop();
    },
  });
  const { store } = storage;
  const hub = new WatchHub(store, { bookmarkIntervalMs: options.watchBookmarkInterval });
  const listWatch: ListWatchContext = { store, hub };
  // One seeded root, and a stream per consumer, so that one consumer's draws never shift another's.
  const random = createRandom(options.seed);
  // The primary family keeps the stream it had before dual-stack, so a seed gives the same IPv4s.
  const serviceIPRanges = parseServiceCIDRs(options.serviceCidr);
  const serviceIPs = serviceIPRanges.map(
    (range, i) => new ServiceIPAllocator(range, childRandom(random, i === 0 ? 'service-ip' : `service-ip/${range.family}`).float),
  );
  const nodePorts = new NodePortAllocator(PortRange.parse(options.nodePortRange), childRandom(random, 'node-port').float);
  // Read while the routes compile below (a networked database answers 100,000 values in a
  // fraction of a second, which start-up need not wait out); awaited before anything allocates.
  const allocatorsLoaded = Promise.all([...serviceIPs.map((a) => a.load(store)), nodePorts.load(store)]);
  allocatorsLoaded.catch(() => {});
  // Keyed by the revision the database starts at: a fresh database replays exactly, and a restart
  // with the same seed does not hand out UIDs the first run already used.
  const ids = options.seed === undefined ? randomIdentities : seededIdentities(childRandom(random, `identities@${store.currentRevision()}`));
  const namespaces = new NamespaceRegistry(store, ids);
  const services = new ServiceRegistry(store, new ServiceAllocation(serviceIPs, nodePorts), namespaces, ids);
  const events = new EventRegistry(store, namespaces, { ttlMs: options.eventTtl, identities: ids });
  // Controllers create Endpoints and slices as Services come and go: their UIDs and generated
  // names come from streams of their own, so that a seed still gives every Service the same UID.
  const idsOf = (stream: string) =>
    options.seed === undefined ? randomIdentities : seededIdentities(childRandom(random, `${stream}-identities@${store.currentRevision()}`));
  const endpoints = endpointsStore(store, namespaces, idsOf('endpoints'));
  const endpointSlices = endpointSliceStore(store, namespaces, idsOf('endpointslices'));
  const leases = leaseStore(store, namespaces, idsOf('leases'));
  await namespaces.bootstrap();
  // Authorization: RBAC over a view of the roles and bindings that follows every commit. The RBAC
  // kinds and the access reviews are served always, as kube-apiserver serves them whatever its
  // authorization mode (so `kubectl auth can-i` answers yes on the open default server); the
  // bootstrap policy is written, and kept aggregated, once authentication or authorization is on.
  const rbacFollow = auth && options.authorizationMode === 'RBAC' ? await RbacView.follow(store) : undefined;
  const rbacAuthorizer = rbacFollow ? new RbacAuthorizer(rbacFollow.view) : undefined;
  const authorizer: Authorizer = rbacAuthorizer ?? alwaysAllow;
  const rbac = rbacStores(store, namespaces, idsOf('rbac'), rbacAuthorizer && new EscalationCheck(rbacAuthorizer, authorizer));
  const aggregation = auth ? new ClusterRoleAggregation(store, rbac.clusterRoles, (msg) => app.log.error(msg)) : undefined;
  if (aggregation) {
    await ensureBootstrapPolicy(rbac);
    await aggregation.reconcile();
    aggregation.start();
  }
  const reviews = reviewStores(store, authorizer);
  const authResources: InstalledResource<KubeObject>[] = [
    row(roles, rbac.roles),
    row(clusterRoles, rbac.clusterRoles),
    row(roleBindings, rbac.roleBindings),
    row(clusterRoleBindings, rbac.clusterRoleBindings),
    row(selfSubjectAccessReviews, reviews.selfSubjectAccessReviews),
    row(selfSubjectRulesReviews, reviews.selfSubjectRulesReviews),
    row(subjectAccessReviews, reviews.subjectAccessReviews),
    row(selfSubjectReviews, reviews.selfSubjectReviews),
  ];
  const extraResources = extensions.resources?.({ store, namespaces, identities: ids }) ?? [];
  const extraDefinitions = Object.assign(
    {},
    leaseDeclaration.definitions,
    eventsV1Declaration.definitions,
    rbacDefinitions,
    reviewDefinitions,
    ...extraResources.map((r) => r.declaration.definitions ?? {}),
  ) as Record<string, TSchema>;

  const app = Fastify({
    logger: { level: options.logLevel },
    // fastify's own request logging writes two info lines per request; we write one, below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 3 * 1024 * 1024,
    forceCloseConnections: false,
    return503OnClosing: false,
    ...serverTimeouts(options),
    // Object names run to 253 characters (DNS subdomains); fastify's default cap of 100 would
    // answer longer path segments itself, before validation could name the problem.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: answerRouterError,
  });
  // Response schemas document the API (OpenAPI) but do not shape output: bodies are stored JSON
  // sent as it is, or small objects. Compiling a fast-json-stringify serializer per route and
  // status was a third of start-up time, for bytes JSON.stringify writes just as well.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const schema of sharedSchemas(extraDefinitions)) app.addSchema(schema);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: options.kubernetesVersion, description: 'svcplane: the Kubernetes core/v1 Services API' },
    },
    transformObject: (doc) => addKubernetesExtensions((doc as { openapiObject: object }).openapiObject),
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String((json as { $id?: string }).$id ?? `def-${i}`) },
  });
  const decoding = installDecoding(app, extraDefinitions);
  installStatusErrors(app);
  // Group commit (ObjectStore.flush): a write's answer leaves once its batch is durable, and
  // fails (500) with it. A GET of a stored object skips onSend when nothing is committing
  // (settled below; api/respond.ts sendStored).
  app.addHook('onSend', (_req, reply, raw, done) => {
    const payload = bodyForWarnings(reply.getHeader('warning'), raw);
    if (!store.committing) return continueSend(reply, done, null, payload);
    store.durable().then(
      () => continueSend(reply, done, null, payload),
      (err: Error) => continueSend(reply, done, err, undefined),
    );
  });
  // One line per request at debug, carrying the request id that error lines carry too. Only
  // installed when it would print, so the default request path pays nothing for it.
  if (options.logLevel === 'debug' || options.logLevel === 'trace') {
    app.addHook('onResponse', (req, reply, done) => {
      req.log.debug({ method: req.method, url: req.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime }, 'request');
      done();
    });
  }
  if (options.auditLogPath !== undefined) installAuditLog(app, options.auditLogPath);
  if (auth) {
    const authenticator = new Authenticator({ tokens, clientCertificates: clientCA !== undefined, anonymous: options.anonymousAuth });
    installAuthFilter(app, authenticator, rbacAuthorizer);
  }
  const gate = new RequestGate(options);
  const metrics = new Metrics({
    allocators: () => [
      ...serviceIPs.map((a) => ({ range: 'service-ip', family: a.family, ...a.stats() })),
      { range: 'node-port', family: '', ...nodePorts.stats() },
    ],
    watcherCount: () => hub.watcherCount,
    storage: () => store.stats,
    gate,
  });
  metrics.install(app);
  gate.install(app);

  const repair = new RepairController(store, {
    pools: () => configuredPools(serviceIPRanges, nodePorts.range),
    reload: async () => {
      for (const a of serviceIPs) await a.load(store);
      await nodePorts.load(store);
    },
    log: (f) => app.log.warn({ allocation: { type: f.type, pool: f.pool, value: f.value } }, f.message),
    count: (f) => metrics.repairError(f.kind, f.type),
    error: (err) => {
      metrics.repairRunFailed();
      app.log.error({ err }, 'allocation repair failed');
    },
  });
  await app.register(fastifySwaggerUi, await docsOptions());
  await app.register(consoleRoutes);

  let ready = false;
  await app.register(healthRoutes, { ready: () => ready && storage.reachable() });
  // Expiry stands in for etcd's lease on each event (kube-apiserver's --event-ttl); the sweep
  // timer is unref'd and stops on close.
  const eventExpiry = setInterval(() => {
    if (elector && !elector.isLeader) return;
    events.expire().catch((err: unknown) => app.log.error(err, 'expiring events failed'));
  }, 60_000);
  eventExpiry.unref();
  app.addHook('onClose', async () => clearInterval(eventExpiry));
  // Where replicas share the database, each allocator's in-memory view misses the others'
  // allocations and releases. A value another replica took costs one UniqueViolation and a
  // retry (BandedAllocator.take), and a requested value memory holds is checked against the
  // table; what is left, values freed elsewhere that random picks skip, is caught up here.
  if (storage.shared) {
    const refresh = setInterval(() => {
      void (async () => {
        for (const a of serviceIPs) await a.load(store);
        await nodePorts.load(store);
      })().catch((err: unknown) => app.log.warn({ err }, 'refreshing the allocators failed'));
    }, allocatorRefreshMs);
    refresh.unref();
    app.addHook('onClose', async () => clearInterval(refresh));
  }

  // The resource table: each row a declaration (the API surface) and its store (the semantics).
  // Routes, discovery and the OpenAPI operations come from it.
  const resources: InstalledResource<KubeObject>[] = [
    row(eventDeclaration, events),
    // The same storage in its second group, as kube-apiserver serves events.k8s.io/v1.
    row(eventsV1Declaration, new ConvertedStore(events, eventV1Conversion, { apiVersion: 'events.k8s.io/v1', kind: 'Event' })),
    row(namespaceDeclaration, namespaces),
    row(serviceDeclaration, services),
    row(endpointsDeclaration, endpoints),
    // kube-apiserver lists coordination.k8s.io (group priority 16500) before discovery.k8s.io (16200).
    row(leaseDeclaration, leases),
    row(endpointSliceDeclaration, endpointSlices),
    ...authResources,
    ...extraResources,
  ];
  await app.register(discoveryRoutes, { kubernetesVersion: options.kubernetesVersion, resources: resources.map((r) => r.declaration) });
  installResourceWarnings(
    app,
    resources.map((r) => r.declaration),
  );
  await app.register(async (scope) => {
    for (const resource of resources)
      installResource(scope, resource, {
        listWatch,
        shapeCheck: decoding.shapeCheck,
        protobufKinds: decoding.protobufKinds,
        settled: () => !store.committing,
      });
  });
  await app.register(allocationRoutes, {
    view: new AllocationView(store, serviceIPs, nodePorts, new Date().toISOString().replace(/\.\d+Z$/, 'Z')),
    revision: () => store.currentRevision(),
  });

  // Watch streams never end by themselves; closing them first lets close() finish in-flight work.
  app.addHook('preClose', async () => hub.closeAll());
  const groupVersions = [
    'api/v1',
    ...new Set(resources.filter((r) => r.declaration.group).map((r) => pathPrefix(r.declaration).slice(1))),
    'apis/svcplane.dev/v1alpha1',
  ];
  await app.register(openapiRoutes, { groupVersions });
  await app.ready();
  await allocatorsLoaded;

  // --load: fixtures go in before the server listens; a bad one fails the start (FixtureError).
  if (options.load !== undefined) {
    try {
      const summary = await loadFixtures(options.load, {
        services,
        namespaces,
        warn: (msg) => app.log.warn(msg),
        checkService: decoding.shapeCheck('io.k8s.api.core.v1.Service'),
        checkNamespace: decoding.shapeCheck('io.k8s.api.core.v1.Namespace'),
      });
      app.log.info(describeSummary(options.load, summary));
    } catch (err) {
      await app.close();
      await storage.close();
      throw err;
    }
  }

  // The fake cloud and its service controller: a client of the watch hub and the registries, as
  // the real one is of the API server. It starts once the server is serving.
  const cloud = new FakeCloud(
    storage.loadBalancers(),
    {
      profile: options.cloudProfile,
      region: options.cloudRegion,
      ipPool: options.lbIpPool,
      provisionDelayMs: options.lbProvisionDelay,
      failureRate: options.lbFailureRate,
    },
    childRandom(random, 'cloud'),
    systemClock,
  );
  const cloudController = new ServiceController(
    hub,
    services,
    events,
    cloud,
    { retryBaseMs: options.lbRetryDelay, retryMaxMs: serviceControllerDefaults.retryMaxMs },
    (msg) => app.log.warn(msg),
  );
  cloudController.onProvisioned = (seconds) => metrics.lbProvision.observe(seconds);
  const endpointControllers = new EndpointControllers({ hub, services, endpoints, endpointSlices, log: (msg) => app.log.warn(msg) });
  // Service DNS: one more client of the watch hub, as CoreDNS is of the API server.
  const dns =
    options.dnsPort === undefined
      ? undefined
      : new ServiceDns({ host: options.host, port: options.dnsPort, clusterDomain: options.clusterDomain, ttl: options.dnsTtl }, watchHubFeed(hub), (msg) =>
          app.log.warn(msg),
        );

  // Controllers run on one replica at a time where several share the database: the one that
  // holds the Lease kube-system/svcplane-controllers (client-go's leader election). One that
  // loses it stops its controllers and campaigns no more (they are not made to start twice);
  // another replica has taken over by then, and a restart makes this one a candidate again.
  let leading: (() => Promise<void>) | undefined;
  let stoppingControllers: Promise<void> | undefined;
  const stopControllers = () =>
    (stoppingControllers ??= (async () => {
      const repairing = repair.stop();
      const stopping = cloudController.stop();
      const stoppingEndpoints = endpointControllers.stop();
      await cloud.close();
      await stopping;
      await stoppingEndpoints;
      await repairing;
    })());
  const elector = storage.shared
    ? new LeaderElector(
        leases,
        { ...leaderElectionDefaults, identity: defaultIdentity(), ...extensions.leaderElection },
        {
          onStartedLeading: () => leading?.(),
          onStoppedLeading: async () => {
            await stopControllers();
            void elector?.stop();
          },
          log: (msg) => app.log.warn(msg),
        },
      )
    : undefined;

  let url: string | undefined;
  let secureUrl: string | undefined;
  let https: HttpsServer | undefined;
  let closed = false;
  return {
    elector,
    app,
    options,
    store,
    hub,
    services,
    namespaces,
    events,
    endpoints,
    endpointSlices,
    endpointControllers,
    cloud,
    cloudController,
    dns,
    allocators: { serviceIPs, nodePorts, repair },
    rbac,
    get url() {
      return url;
    },
    get secureUrl() {
      return secureUrl;
    },
    servingCertificate: serving?.cert,
    async start() {
      // DNS first: a port it cannot have fails the start before the API is up.
      await dns?.start();
      await app.listen({ host: options.host, port: options.port });
      if (serving && options.securePort !== undefined) {
        https = await listenSecure(app, serving, clientCA, options);
        const secure = https.address() as AddressInfo;
        secureUrl = `https://${secure.family === 'IPv6' ? `[${secure.address}]` : secure.address}:${secure.port}`;
      }
      const address = app.server.address() as AddressInfo;
      // The `kubernetes` Service points at this server, so it is made once the port is known.
      await services.bootstrapKubernetesService(serviceIPs[0].firstAddress(), address.port);
      const advertised = advertiseAddress(options.advertiseAddress, address.address);
      if (advertised === undefined) app.log.warn('no address beyond loopback to advertise: the kubernetes Service gets no endpoints (set --advertise-address)');
      const startControllers = async () => {
        // Together: their informers' starting reads of the Services are one read.
        await Promise.all([cloudController.start(), endpointControllers.start()]);
        endpointControllers.advertise(advertised, address.port);
        // The first run starts with the server instead of gating readiness as kube-apiserver's
        // does: it reads every Service, about 0.7 s at 100,000, and start-up stays well under a
        // second. It yields between chunks, and re-checks each fix against the state it applies to.
        repair.start(options.repairInterval);
      };
      leading = startControllers;
      if (elector) elector.start();
      else await startControllers();
      ready = true;
      if (!isLoopback(address.address) && options.authorizationMode === 'AlwaysAllow') {
        app.log.warn(
          `svcplane listens on ${address.address}, beyond loopback, with no authentication: anyone who can reach port ${address.port} may read and change everything, /docs's "Try it out" and the console at /ui/ included`,
        );
      }
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${host}:${address.port}`;
      return url;
    },
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      // Provisioning in flight is abandoned (it resumes at the next start), then HTTP, then the database.
      await elector?.stop();
      await stopControllers();
      // In-flight requests get a grace period to finish; a connection still open after it is
      // cut, so a client that never hangs up (fetch keeps its socket after aborting a watch)
      // cannot hold the shutdown for the keep-alive timeout.
      const cut = setTimeout(() => app.server.closeAllConnections(), shutdownGraceMs);
      cut.unref();
      await dns?.close();
      rbacFollow?.stop();
      await aggregation?.stop();
      // The HTTPS listener stops accepting at once; its watch streams end with app.close's
      // preClose (hub.closeAll), and whatever is left is cut after the same grace period.
      const secure = https;
      const cutSecure = secure && setTimeout(() => secure.closeAllConnections(), shutdownGraceMs);
      cutSecure?.unref();
      const closingSecure = secure && new Promise<void>((resolve) => secure.close(() => resolve()));
      await app.close();
      // Streams that app.close ended leave idle keep-alive connections behind.
      secure?.closeIdleConnections();
      await closingSecure;
      if (cutSecure) clearTimeout(cutSecure);
      clearTimeout(cut);
      await storage.close();
    },
  };
}

/** How often a replica on a shared database reloads its allocators from the table. */
const allocatorRefreshMs = 30_000;

/**
 * Authentication and authorization run, and the RBAC kinds and reviews are served, once any of
 * their flags is set; without them svcplane is the open developer server it always was.
 */
export function authEnabled(o: SvcplaneOptions): boolean {
  return (
    o.securePort !== undefined || o.authorizationMode !== 'AlwaysAllow' || o.tokenAuthFile !== undefined || o.clientCaFile !== undefined || !o.anonymousAuth
  );
}

/**
 * --secure-port: an HTTPS server in front of the same fastify routes. Client certificates are
 * asked for, not required; the authenticator decides what an unverified one means (a 401).
 */
async function listenSecure(app: FastifyInstance, serving: ServingPair, clientCA: string | undefined, options: SvcplaneOptions): Promise<HttpsServer> {
  const timeouts = serverTimeouts(options);
  const server = createHttpsServer(
    {
      cert: serving.cert,
      key: serving.key,
      ...(clientCA ? { ca: clientCA, requestCert: true, rejectUnauthorized: false } : {}),
      requestTimeout: timeouts.requestTimeout,
      ...timeouts.http,
    },
    (req, res) => app.routing(req, res),
  );
  server.on('clientError', timeouts.clientErrorHandler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.securePort, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** How long close() lets in-flight requests finish before it cuts their connections. */
const shutdownGraceMs = 5_000;

// 127.0.0.0/8 and ::1 (and their IPv4-mapped form) reach only this machine.
function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address);
}

/**
 * The address the `kubernetes` Service's endpoints name, as kube-apiserver picks its
 * --advertise-address: the one given, else the listening address when it is one address beyond
 * loopback, else the machine's first non-internal IPv4 address (a loopback address is no valid
 * endpoint); undefined when there is none.
 */
function advertiseAddress(given: string | undefined, listening: string): string | undefined {
  if (given !== undefined) return given;
  const ip = parseIPSloppy(listening);
  const unspecified = ip !== null && (isV4Mapped(ip) ? ip.slice(12).every((b) => b === 0) : ip.every((b) => b === 0));
  if (ip !== null && !unspecified && !isLoopback(listening)) return listening;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** A row of the resource table: a declaration and the store that serves it. */
function row<T extends KubeObject>(declaration: ResourceDeclaration<T>, store: ResourceStore<T>): InstalledResource<KubeObject> {
  return { declaration, store } as unknown as InstalledResource<KubeObject>;
}
