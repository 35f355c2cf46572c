// --seed: two fresh servers given the same seed and the same requests hand out the same UIDs,
// cluster IPs, node ports and load balancer hostnames; another seed gives others.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { startServer } from '../support/server.js';
import { openWatch } from '../support/watch.js';

async function run(seed: number) {
  const t = await startServer({ seed, lbProvisionDelay: 20 });
  try {
    const w = await openWatch(`${t.url}/api/v1/namespaces/default/services?watch=true&resourceVersion=${t.server.store.currentRevision()}`);
    const np = (
      await request(t.url)
        .post('/api/v1/namespaces/default/services')
        .send({ metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } })
        .expect(201)
    ).body;
    const lb = (
      await request(t.url)
        .post('/api/v1/namespaces/default/services')
        .send({ metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } })
        .expect(201)
    ).body;
    for (;;) {
      const e = await w.next();
      if (e.object.metadata.name === 'lb' && e.object.status?.loadBalancer?.ingress) {
        w.close();
        return {
          uid: np.metadata.uid,
          ip: np.spec.clusterIP,
          port: np.spec.ports[0].nodePort,
          lbPorts: lb.spec.ports[0].nodePort,
          hostname: e.object.status.loadBalancer.ingress[0].hostname,
        };
      }
    }
  } finally {
    await t.stop();
  }
}

test('the same seed replays the same allocations and addresses; another seed does not', async () => {
  const a = await run(42);
  const b = await run(42);
  const c = await run(7);
  assert.deepEqual(a, b);
  assert.notEqual(a.hostname, c.hostname);
  assert.notEqual(a.uid, c.uid);
  assert.match(a.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
