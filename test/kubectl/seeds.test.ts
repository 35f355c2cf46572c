// End to end: the real kubectl against a real svcplane process, with every Service manifest from the
// seed documents (examples/*.yaml) and the error cases of the kube-apiserver transcript
// (../shared/reference/kube-apiserver-kubectl-transcript.txt). Assertions are on kubectl's own
// stdout/stderr, which is what our users see; the expected text is what a real kube-apiserver makes
// kubectl print.
//
// Run: npm run build && node --import tsx --test test/kubectl/seeds.test.ts
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  kubectlHome,
  kubectlSkip,
  repoRoot,
  runKubectl,
  showRun as show,
  startServerProcess,
  type KubectlHome,
  type Run,
  type ServerProcess,
} from '../support/kubectl.js';

const examplesDir = join(repoRoot, 'examples');
const skip = kubectlSkip('the kubectl end-to-end suite');

// ---------------------------------------------------------------------------------------------
// What each example must become. Every file in examples/ needs an entry (checked below), so a new
// example cannot be added without saying what the server should make of it.

type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

interface ExpectedPort {
  name?: string;
  port: number;
  targetPort: number;
  /** a fixed nodePort the manifest asks for; otherwise NodePort/LoadBalancer get one allocated */
  nodePort?: number;
}

interface Expected {
  name: string;
  type: ServiceType;
  ports: ExpectedPort[];
  selector?: Record<string, string>;
  headless?: boolean;
  externalName?: string;
  annotations?: Record<string, string>;
}

const expectations: Record<string, Expected> = {
  '000-backend-service.yaml': { name: 'backend-service', type: 'ClusterIP', selector: { app: 'backend' }, ports: [{ port: 80, targetPort: 8080 }] },
  '000-frontend-service.yaml': {
    name: 'frontend-service',
    type: 'NodePort',
    selector: { app: 'frontend' },
    ports: [{ port: 80, targetPort: 3000, nodePort: 30007 }],
  },
  '000-web-service.yaml': { name: 'web-service', type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  '000-external-db.yaml': { name: 'external-db', type: 'ExternalName', externalName: 'db.example.com', ports: [] },
  '001-myservice-nodeport.yaml': { name: 'myservice', type: 'NodePort', selector: { app: 'myapp' }, ports: [{ port: 80, targetPort: 8080, nodePort: 30036 }] },
  '001-myservice-loadbalancer.yaml': { name: 'myservice', type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 80 }] },
  '001-myservice-externalname.yaml': {
    name: 'myservice',
    type: 'ExternalName',
    externalName: 'db.myexternalserver.com',
    selector: { app: 'web' },
    ports: [{ name: 'web', port: 80, targetPort: 80 }],
  },
  '002-internal-service.yaml': { name: 'internal-service', type: 'ClusterIP', selector: { app: 'backend' }, ports: [{ port: 5432, targetPort: 5432 }] },
  '002-my-nodeport-service.yaml': {
    name: 'my-nodeport-service',
    type: 'NodePort',
    selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, targetPort: 80, nodePort: 31000 }],
  },
  '002-my-loadbalancer-service.yaml': {
    name: 'my-loadbalancer-service',
    type: 'LoadBalancer',
    selector: { app: 'frontend' },
    ports: [{ port: 80, targetPort: 8080 }],
  },
  '002-external-db.yaml': { name: 'external-db', type: 'ExternalName', externalName: 'db.example.com', ports: [] },
  '002-headless-app.yaml': {
    name: 'headless-app',
    type: 'ClusterIP',
    headless: true,
    selector: { app: 'stateful' },
    ports: [{ port: 6379, targetPort: 6379 }],
  },
  '003-backend-service.yaml': { name: 'backend-service', type: 'ClusterIP', selector: { app: 'backend' }, ports: [{ port: 8080, targetPort: 8080 }] },
  '003-web-nodeport.yaml': { name: 'web-nodeport', type: 'NodePort', selector: { app: 'webapp' }, ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] },
  '003-api-loadbalancer.yaml': {
    name: 'api-loadbalancer',
    type: 'LoadBalancer',
    selector: { app: 'api-server' },
    annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
    ports: [{ port: 443, targetPort: 8443 }],
  },
};

// ---------------------------------------------------------------------------------------------
// The server and kubectl

let server: ServerProcess | undefined;
let workDir = '';
let home: KubectlHome | undefined;

const kubectl = (...args: string[]): Promise<Run> => runKubectl(server!.url, args, { env: home!.env });

/** Runs kubectl and asserts it succeeded with exactly `stdout` and nothing on stderr. */
async function expectSuccess(args: string[], stdout: string): Promise<Run> {
  const r = await kubectl(...args);
  assert.equal(r.code, 0, show(args, r));
  assert.equal(r.stdout, `${stdout}\n`, show(args, r));
  assert.equal(r.stderr, '', show(args, r));
  return r;
}

/** Runs kubectl and asserts it failed (exit 1) printing exactly `stderr` and nothing on stdout. */
async function expectFailure(args: string[], stderr: string): Promise<Run> {
  const r = await kubectl(...args);
  assert.equal(r.stderr, `${stderr}\n`, show(args, r));
  assert.equal(r.code, 1, show(args, r));
  assert.equal(r.stdout, '', show(args, r));
  return r;
}

// ---------------------------------------------------------------------------------------------
// Checks

function ipv4ToNumber(ip: string): number {
  const parts = ip.split('.');
  assert.equal(parts.length, 4, `not an IPv4 address: ${ip}`);
  return parts.reduce((n, p) => {
    assert.match(p, /^(0|[1-9]\d{0,2})$/, `not an IPv4 address: ${ip}`);
    assert.ok(Number(p) <= 255, `not an IPv4 address: ${ip}`);
    return n * 256 + Number(p);
  }, 0);
}

/** 10.96.0.0/12 is 10.96.0.0-10.111.255.255; the network address itself is never handed out. */
function assertInServiceCidr(ip: unknown): void {
  assert.equal(typeof ip, 'string', `clusterIP should be a string, got ${JSON.stringify(ip)}`);
  const n = ipv4ToNumber(ip as string);
  const lo = ipv4ToNumber('10.96.0.0');
  const hi = ipv4ToNumber('10.111.255.255');
  assert.ok(n > lo && n < hi, `clusterIP ${ip} is not in 10.96.0.0/12`);
}

function assertNodePortInRange(nodePort: unknown, where: string): void {
  assert.equal(typeof nodePort, 'number', `${where}: nodePort should be allocated, got ${JSON.stringify(nodePort)}`);
  assert.ok((nodePort as number) >= 30000 && (nodePort as number) <= 32767, `${where}: nodePort ${nodePort} is not in 30000-32767`);
}

interface ServiceJson {
  kind: string;
  apiVersion: string;
  metadata: { name: string; namespace: string; uid?: string; annotations?: Record<string, string> };
  spec: {
    type: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    selector?: Record<string, string>;
    ports?: Array<{ name?: string; port: number; targetPort: number | string; protocol: string; nodePort?: number }>;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

function checkServiceJson(svc: ServiceJson, want: Expected): void {
  assert.equal(svc.kind, 'Service');
  assert.equal(svc.apiVersion, 'v1');
  assert.equal(svc.metadata.name, want.name);
  assert.equal(svc.metadata.namespace, 'default');
  for (const [k, v] of Object.entries(want.annotations ?? {})) assert.equal(svc.metadata.annotations?.[k], v, `annotation ${k}`);
  assert.equal(svc.spec.type, want.type, 'spec.type');
  assert.deepEqual(svc.spec.selector, want.selector, 'spec.selector');

  if (want.type === 'ExternalName') {
    assert.equal(svc.spec.externalName, want.externalName, 'spec.externalName');
    assert.equal(svc.spec.clusterIP, undefined, 'an ExternalName service has no clusterIP');
    assert.equal(svc.spec.clusterIPs, undefined, 'an ExternalName service has no clusterIPs');
  } else if (want.headless) {
    assert.equal(svc.spec.clusterIP, 'None', 'headless spec.clusterIP');
    assert.deepEqual(svc.spec.clusterIPs, ['None'], 'headless spec.clusterIPs');
  } else {
    assertInServiceCidr(svc.spec.clusterIP);
    assert.deepEqual(svc.spec.clusterIPs, [svc.spec.clusterIP], 'spec.clusterIPs is [spec.clusterIP]');
  }

  const ports = svc.spec.ports ?? [];
  assert.equal(ports.length, want.ports.length, `spec.ports: ${JSON.stringify(svc.spec.ports)}`);
  want.ports.forEach((wp, i) => {
    const p = ports[i];
    const where = `spec.ports[${i}]`;
    assert.equal(p.name, wp.name, `${where}.name`);
    assert.equal(p.port, wp.port, `${where}.port`);
    assert.equal(p.targetPort, wp.targetPort, `${where}.targetPort`);
    assert.equal(p.protocol, 'TCP', `${where}.protocol`);
    if (want.type === 'NodePort' || want.type === 'LoadBalancer') {
      if (wp.nodePort !== undefined) assert.equal(p.nodePort, wp.nodePort, `${where}.nodePort`);
      else assertNodePortInRange(p.nodePort, where);
    } else {
      assert.equal(p.nodePort, undefined, `${where}: a ${want.type} service has no nodePort`);
    }
  });
}

async function getServiceJson(name: string): Promise<ServiceJson> {
  const args = ['get', 'svc', name, '-o', 'json'];
  const r = await kubectl(...args);
  assert.equal(r.code, 0, show(args, r));
  try {
    return JSON.parse(r.stdout) as ServiceJson;
  } catch (err) {
    assert.fail(`kubectl -o json printed something that is not JSON (${(err as Error).message}):\n${show(args, r)}`);
  }
}

const lbAddresses = (svc: ServiceJson): string[] =>
  [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean))].sort();

async function checkTable(want: Expected, svc: ServiceJson): Promise<void> {
  const args = ['get', 'svc', want.name];
  const r = await kubectl(...args);
  assert.equal(r.code, 0, show(args, r));
  assert.equal(r.stderr, '', show(args, r));
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 2, `one header and one row expected:\n${show(args, r)}`);
  const header = lines[0].trim().split(/\s+/);
  const cells = lines[1].trim().split(/\s+/);
  assert.deepEqual(header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], show(args, r));
  assert.equal(cells.length, 6, `six cells expected:\n${show(args, r)}`);
  const [name, type, clusterIP, externalIP, ports, age] = cells;
  assert.equal(name, want.name, 'NAME');
  assert.equal(type, want.type, 'TYPE');

  if (want.type === 'ExternalName') assert.equal(clusterIP, '<none>', 'CLUSTER-IP');
  else if (want.headless) assert.equal(clusterIP, 'None', 'CLUSTER-IP');
  else assert.equal(clusterIP, svc.spec.clusterIP, 'CLUSTER-IP');

  if (want.type === 'ExternalName') assert.equal(externalIP, want.externalName, 'EXTERNAL-IP');
  else if (want.type === 'LoadBalancer') {
    // kube-apiserver prints <pending> until a load balancer controller writes status.loadBalancer;
    // svcplane's fake cloud provider (when it exists) may fill it, so the address is right too once
    // the object says so. Read the object again so a provision in between is not a false failure.
    const later = await getServiceJson(want.name);
    const before = lbAddresses(svc);
    const now = lbAddresses(later);
    const allowed = new Set<string>();
    if (before.length === 0) allowed.add('<pending>');
    if (before.length > 0 || now.length > 0) allowed.add((now.length > 0 ? now : before).join(','));
    assert.ok(allowed.has(externalIP), `EXTERNAL-IP ${JSON.stringify(externalIP)}, expected one of ${JSON.stringify([...allowed])}:\n${show(args, r)}`);
  } else assert.equal(externalIP, '<none>', 'EXTERNAL-IP');

  const specPorts = svc.spec.ports ?? [];
  const expectedPorts =
    want.ports.length === 0
      ? '<none>'
      : want.ports
          .map((wp, i) => {
            const nodePort = want.type === 'NodePort' || want.type === 'LoadBalancer' ? (wp.nodePort ?? specPorts[i]?.nodePort) : undefined;
            return nodePort ? `${wp.port}:${nodePort}/TCP` : `${wp.port}/TCP`;
          })
          .join(',');
  assert.equal(ports, expectedPorts, `PORT(S):\n${show(args, r)}`);
  assert.match(age, /^\d+s$/, `AGE of a service created just now:\n${show(args, r)}`);
}

// ---------------------------------------------------------------------------------------------

describe('kubectl against svcplane: the seed manifests and the transcript errors', { skip }, () => {
  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'svcplane-kubectl-db-'));
    home = kubectlHome();
    server = await startServerProcess(join(workDir, 'svcplane.db'));
  });

  after(async () => {
    await server?.stop();
    server = undefined;
    home?.remove();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test('examples/ holds one manifest per seed Service, and each has expectations here', () => {
    const files = readdirSync(examplesDir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    assert.deepEqual(files, Object.keys(expectations).sort());
  });

  for (const [file, want] of Object.entries(expectations)) {
    const path = join(examplesDir, file);
    describe(`examples/${file}`, () => {
      let svc: ServiceJson | undefined;
      const needSvc = (t: TestContext) => {
        if (!svc) t.skip('no Service JSON (apply or get -o json failed)');
        return svc;
      };

      before(async () => {
        // Several seeds share a name (myservice, external-db, backend-service): start clean.
        await kubectl('delete', 'svc', want.name, '--ignore-not-found');
      });

      after(async () => {
        await kubectl('delete', 'svc', want.name, '--ignore-not-found');
      });

      test(`kubectl apply -f prints service/${want.name} created`, async () => {
        await expectSuccess(['apply', '-f', path], `service/${want.name} created`);
      });

      test(`kubectl get svc ${want.name} -o json has the defaulted and allocated fields`, async () => {
        const got = await getServiceJson(want.name);
        svc = got;
        checkServiceJson(got, want);
      });

      test(`kubectl get svc ${want.name} prints the table`, async (t) => {
        const got = needSvc(t);
        if (got) await checkTable(want, got);
      });

      test(`a second kubectl apply -f prints service/${want.name} unchanged`, async () => {
        await expectSuccess(['apply', '-f', path], `service/${want.name} unchanged`);
      });

      test(`the object is the same after the second apply`, async (t) => {
        const first = needSvc(t);
        if (!first) return;
        const again = await getServiceJson(want.name);
        assert.equal(again.metadata.uid, first.metadata.uid, 'uid');
        assert.deepEqual(again.spec, first.spec, 'spec (IPs and ports keep their allocation)');
      });

      test(`kubectl delete -f prints service "${want.name}" deleted`, async () => {
        await expectSuccess(['delete', '-f', path], `service "${want.name}" deleted`);
      });

      test(`kubectl get svc ${want.name} then fails with NotFound`, async () => {
        await expectFailure(['get', 'svc', want.name], `Error from server (NotFound): services "${want.name}" not found`);
      });
    });
  }

  // The transcript's error cases. `kubectl create service` sends protobuf request bodies.
  describe('transcript error cases (kubectl create service)', () => {
    const nodePortFile = join(examplesDir, '003-web-nodeport.yaml');

    before(async () => {
      for (const name of ['web-nodeport', 'svc-clusterip', 'svc-bad-np', 'svc-dup-np', 'svc-bad-ip']) {
        await kubectl('delete', 'svc', name, '--ignore-not-found');
      }
    });

    after(async () => {
      for (const name of ['web-nodeport', 'svc-clusterip', 'svc-bad-np', 'svc-dup-np', 'svc-bad-ip']) {
        await kubectl('delete', 'svc', name, '--ignore-not-found');
      }
    });

    test('kubectl apply -f examples/003-web-nodeport.yaml takes nodePort 30080', async () => {
      await expectSuccess(['apply', '-f', nodePortFile], 'service/web-nodeport created');
      const svc = await getServiceJson('web-nodeport');
      assert.equal(svc.spec.ports?.[0]?.nodePort, 30080);
    });

    test('a nodePort below the range is invalid', async () => {
      await expectFailure(
        ['create', 'service', 'nodeport', 'svc-bad-np', '--tcp=80:80', '--node-port=29999'],
        'error: failed to create NodePort service: Service "svc-bad-np" is invalid: spec.ports[0].nodePort: Invalid value: 29999: provided port is not in the valid range. The range of valid ports is 30000-32767',
      );
    });

    test('a nodePort another service holds is invalid', async () => {
      await expectFailure(
        ['create', 'service', 'nodeport', 'svc-dup-np', '--tcp=80:80', '--node-port=30080'],
        'error: failed to create NodePort service: Service "svc-dup-np" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
      );
    });

    test('a clusterIP outside the service CIDR is invalid', async () => {
      await expectFailure(
        ['create', 'service', 'clusterip', 'svc-bad-ip', '--tcp=80:80', '--clusterip=10.112.0.5'],
        'error: failed to create ClusterIP service: Service "svc-bad-ip" is invalid: spec.clusterIPs: Invalid value: []string{"10.112.0.5"}: failed to allocate IP 10.112.0.5: the provided IP (10.112.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
      );
    });

    test('the rejected services were not created', async () => {
      for (const name of ['svc-bad-np', 'svc-dup-np', 'svc-bad-ip']) {
        await expectFailure(['get', 'svc', name], `Error from server (NotFound): services "${name}" not found`);
      }
    });

    test('kubectl create service clusterip creates, then a second create says already exists', async () => {
      await expectSuccess(['create', 'service', 'clusterip', 'svc-clusterip', '--tcp=80:8080'], 'service/svc-clusterip created');
      await expectFailure(
        ['create', 'service', 'clusterip', 'svc-clusterip', '--tcp=80:8080'],
        'error: failed to create ClusterIP service: services "svc-clusterip" already exists',
      );
    });

    test('kubectl create service over a name an applied manifest holds says already exists', async () => {
      await expectFailure(
        ['create', 'service', 'nodeport', 'web-nodeport', '--tcp=80:8080'],
        'error: failed to create NodePort service: services "web-nodeport" already exists',
      );
    });

    test('kubectl delete -f examples/003-web-nodeport.yaml releases it', async () => {
      await expectSuccess(['delete', '-f', nodePortFile], 'service "web-nodeport" deleted');
      await expectFailure(['get', 'svc', 'web-nodeport'], 'Error from server (NotFound): services "web-nodeport" not found');
    });
  });
});
