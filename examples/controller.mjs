// A controller on svcplane with @kubernetes/client-node 1.x (the README's "Controllers on
// svcplane" shows this file from its import on; test/clients/controllerExample.test.ts runs it
// against dist/cli.js and checks the two agree). It elects a leader over a Lease as client-go's
// leaderelection LeaseLock does (client-node has no helper for it), and while it leads, an
// informer on Services reports each Service with an Event through events.k8s.io/v1 (EventsV1Api)
// and one through core/v1 (CoreV1Api). Both groups share one storage, so each event reads
// through either API.
// Run with svcplane on port 8080: node examples/controller.mjs [http://127.0.0.1:8080]
import * as k8s from '@kubernetes/client-node';

const kc = new k8s.KubeConfig();
kc.loadFromClusterAndUser({ name: 'svcplane', server: process.argv[2] ?? 'http://127.0.0.1:8080', skipTLSVerify: true }, { name: 'anyone' });
const [coreApi, eventsApi, leases] = [k8s.CoreV1Api, k8s.EventsV1Api, k8s.CoordinationV1Api].map((api) => kc.makeApiClient(api));
const identity = `example-controller-${process.pid}`;

// Leader election: read the Lease, create it if missing; take it over once renewTime +
// leaseDurationSeconds has passed, or renew it if it is ours. The replace carries the
// resourceVersion read, so of two candidates only one gets through (the other gets a 409).
async function tryAcquireOrRenew(name, namespace = 'kube-system', leaseDurationSeconds = 15) {
  const now = new k8s.V1MicroTime();
  const lost = (err) => {
    if (err.code === 409) return false;
    throw err;
  };
  let lease;
  try {
    lease = await leases.readNamespacedLease({ name, namespace });
  } catch (err) {
    if (err.code !== 404) throw err;
    const spec = { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };
    return leases.createNamespacedLease({ namespace, body: { metadata: { name }, spec } }).then(() => true, lost);
  }
  const { holderIdentity: held, renewTime, acquireTime, leaseTransitions = 0 } = lease.spec ?? {};
  if (held && held !== identity && Date.parse(renewTime) + lease.spec.leaseDurationSeconds * 1000 > Date.now()) return false;
  const mine = held === identity;
  lease.spec = {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: mine ? acquireTime : now,
    renewTime: now,
    leaseTransitions: mine ? leaseTransitions : leaseTransitions + 1,
  };
  return leases.replaceNamespacedLease({ name, namespace, body: lease }).then(() => true, lost);
}

while (!(await tryAcquireOrRenew('example-controller'))) await new Promise((r) => setTimeout(r, 2000));
console.log('leading as', identity);
setInterval(() => tryAcquireOrRenew('example-controller').catch((err) => console.error('renewal failed:', err.message)), 5000);

// An informer on Services; each new one gets an Event through each group.
async function report(svc) {
  const { namespace, name, uid } = svc.metadata;
  const regarding = { kind: 'Service', apiVersion: 'v1', namespace, name, uid };
  // events.k8s.io/v1: eventTime, type, reason, action, reportingController and reportingInstance are required.
  await eventsApi.createNamespacedEvent({
    namespace,
    body: {
      metadata: { generateName: `${name}-` },
      eventTime: new k8s.V1MicroTime(),
      type: 'Normal',
      reason: 'Seen',
      action: 'Observe',
      reportingController: 'example.com/service-watcher',
      reportingInstance: identity,
      regarding,
      note: `saw Service ${name}`,
    },
  });
  // core/v1, as client-go's EventRecorder writes them.
  const now = new Date();
  await coreApi.createNamespacedEvent({
    namespace,
    body: {
      metadata: { generateName: `${name}-` },
      involvedObject: regarding,
      type: 'Normal',
      reason: 'Seen',
      message: `saw Service ${name}`,
      source: { component: 'service-watcher' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    },
  });
  console.log('reported', name);
}
const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/services', () => coreApi.listNamespacedService({ namespace: 'default' }));
informer.on('add', (svc) => report(svc).catch((err) => console.error('reporting failed:', err.body ?? err.message)));
informer.on('error', (err) => {
  console.error('watch ended:', err?.message ?? err);
  setTimeout(() => informer.start(), 1000);
});
await informer.start();
