// A new user's LoadBalancer session with the real kubectl: apply the seed document's example,
// `kubectl get svc -w` shows <pending> and then the hostname, `describe` lists the controller's
// events, and `delete` waits for the finalizer and completes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../support/server.js';
import { kubectlHome, kubectlSkip, repoRoot, runKubectl, showRun, spawnKubectl, type KubectlHome } from '../support/kubectl.js';

const skip = kubectlSkip('the kubectl LoadBalancer suite');

describe('kubectl and a LoadBalancer Service', { skip }, () => {
  let t: TestServer;
  let home: KubectlHome;
  before(async () => {
    t = await startServer({ lbProvisionDelay: 500 });
    home = kubectlHome();
  });
  after(async () => {
    await t.stop();
    home.remove();
  });

  test('pending, then the hostname; describe shows the events; delete completes', async () => {
    const watch = spawnKubectl(t.url, ['get', 'svc', '-w'], home.env);
    try {
      await watch.waitForLine(/^kubernetes\s/, 'the initial table');
      const apply = await runKubectl(t.url, ['apply', '-f', join(repoRoot, 'examples/000-web-service.yaml')], { env: home.env });
      assert.equal(apply.stdout, 'service/web-service created\n', showRun(['apply'], apply));
      await watch.waitForLine(/^web-service\s+LoadBalancer\s+\S+\s+<pending>\s+80:\d+\/TCP/, 'the pending row');
      const ready = await watch.waitForLine(
        /^web-service\s+LoadBalancer\s+\S+\s+[0-9a-f]{32}-\d{10}\.us-east-1\.elb\.amazonaws\.com\s+80:\d+\/TCP/,
        'the row with the hostname',
      );
      const hostname = ready.trim().split(/\s+/)[3];
      const describe = await runKubectl(t.url, ['describe', 'svc', 'web-service'], { env: home.env });
      assert.equal(describe.code, 0, showRun(['describe'], describe));
      assert.match(describe.stdout, new RegExp(`LoadBalancer Ingress:\\s+${hostname.replace(/\./g, '\\.')}`));
      assert.match(describe.stdout, /Normal\s+EnsuringLoadBalancer\s+\S+\s+service-controller\s+Ensuring load balancer/);
      assert.match(describe.stdout, /Normal\s+EnsuredLoadBalancer\s+\S+\s+service-controller\s+Ensured load balancer/);
      const del = await runKubectl(t.url, ['delete', 'svc', 'web-service'], { env: home.env });
      assert.equal(del.stdout, 'service "web-service" deleted\n', showRun(['delete'], del));
      const gone = await runKubectl(t.url, ['get', 'svc', 'web-service'], { env: home.env });
      assert.equal(gone.stderr, 'Error from server (NotFound): services "web-service" not found\n', showRun(['get'], gone));
    } finally {
      await watch.stop();
    }
  });
});
