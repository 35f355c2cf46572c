// An informer against svcplane with @kubernetes/client-node 1.x: it lists, then watches from the
// list's resourceVersion, and re-lists on its own when told the version is too old (410).
// Run with svcplane on port 8080: node examples/informer.mjs [http://127.0.0.1:8080]
import * as k8s from '@kubernetes/client-node';

const server = process.argv[2] ?? 'http://127.0.0.1:8080';
const kc = new k8s.KubeConfig();
kc.loadFromClusterAndUser({ name: 'svcplane', server, skipTLSVerify: true }, { name: 'anyone' });
const api = kc.makeApiClient(k8s.CoreV1Api);
const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/services', () => api.listNamespacedService({ namespace: 'default' }));
informer.on('add', (s) => console.log('added', s.metadata.name, s.spec.clusterIP));
informer.on('update', (s) => console.log('updated', s.metadata.name, JSON.stringify(s.status.loadBalancer)));
informer.on('delete', (s) => console.log('deleted', s.metadata.name));
informer.on('error', (err) => {
  console.error('watch ended:', err?.message ?? err);
  setTimeout(() => informer.start(), 1000);
});
await informer.start();
