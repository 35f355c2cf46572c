// The real kubectl against a real svcplane process with no kubeconfig, as a new user drives it:
// discovery commands, `kubectl create service` for every type, `get` in each output format with
// the table cells kube-apiserver computes, selectors, `describe`, `label`, `annotate`, `patch`
// of every type and `delete -f`. Assertions are on kubectl's own output; where it depends on an
// allocation (an IP, a node port) the expected text takes the value from `kubectl get -o json`.
//
// Run: npm run build && node --import tsx --test test/kubectl/fidelity.test.ts
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  kubectlHome,
  kubectlSkip,
  runKubectl,
  showRun,
  startServerProcess,
  tableCells,
  type KubectlHome,
  type Run,
  type ServerProcess,
} from '../support/kubectl.js';

const skip = kubectlSkip('the kubectl fidelity suite');

interface Svc {
  metadata: { name: string; namespace: string; resourceVersion: string; uid: string; creationTimestamp: string; labels?: Record<string, string> };
  spec: {
    type: string;
    clusterIP?: string;
    selector?: Record<string, string>;
    ports?: { name?: string; port: number; nodePort?: number; targetPort: number | string; protocol: string }[];
  };
}

describe('kubectl fidelity: discovery, create service, get, describe, label, annotate, patch, delete', { skip }, () => {
  let server: ServerProcess;
  let home: KubectlHome;
  let dir: string;
  const kubectl = (...args: string[]): Promise<Run> => runKubectl(server.url, args, { env: home.env });

  /** Succeeds with exactly `stdout` (a string, or lines) and nothing on stderr. */
  async function expectOut(args: string[], stdout: string | string[]): Promise<void> {
    const r = await kubectl(...args);
    const want = Array.isArray(stdout) ? `${stdout.join('\n')}\n` : stdout;
    assert.equal(r.code, 0, showRun(args, r));
    assert.equal(r.stdout, want, showRun(args, r));
    assert.equal(r.stderr, '', showRun(args, r));
  }

  /** Fails (exit 1) printing exactly `stderr`. */
  async function expectError(args: string[], stderr: string): Promise<void> {
    const r = await kubectl(...args);
    assert.equal(r.stderr, `${stderr}\n`, showRun(args, r));
    assert.equal(r.code, 1, showRun(args, r));
  }

  async function getJson(name: string, namespace = 'default'): Promise<Svc> {
    const args = ['get', 'svc', name, '-n', namespace, '-o', 'json'];
    const r = await kubectl(...args);
    assert.equal(r.code, 0, showRun(args, r));
    return JSON.parse(r.stdout) as Svc;
  }

  /** A table's rows as cells, after checking its header. */
  async function table(args: string[], header: string[]): Promise<string[][]> {
    const r = await kubectl(...args);
    assert.equal(r.code, 0, showRun(args, r));
    assert.equal(r.stderr, '', showRun(args, r));
    const [head, ...rows] = r.stdout.trimEnd().split('\n');
    assert.deepEqual(tableCells(head), header, showRun(args, r));
    return rows.map(tableCells);
  }

  const manifest = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'svcplane-fidelity-'));
    home = kubectlHome();
    // A provisioning that takes an hour keeps the default-class load balancer <pending>, as on a
    // cluster whose cloud has not answered yet.
    server = await startServerProcess(join(dir, 'svcplane.db'), ['--lb-provision-delay', '1h']);
  });
  after(async () => {
    await server?.stop();
    home?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('discovery', () => {
    test('kubectl version prints the client and the server version', async () => {
      const r = await kubectl('version');
      assert.equal(r.code, 0, showRun(['version'], r));
      const lines = r.stdout.trimEnd().split('\n');
      assert.match(lines[0], /^Client Version: v1\.33\.\d+$/);
      assert.match(lines[1], /^Kustomize Version: v\S+$/);
      assert.equal(lines[2], 'Server Version: v1.33.0');
      assert.equal(lines.length, 3, showRun(['version'], r));
    });

    test('kubectl api-versions lists v1, the authentication, authorization, coordination, discovery, events and RBAC groups, and svcplane.dev/v1alpha1', async () => {
      await expectOut(
        ['api-versions'],
        [
          'authentication.k8s.io/v1',
          'authorization.k8s.io/v1',
          'coordination.k8s.io/v1',
          'discovery.k8s.io/v1',
          'events.k8s.io/v1',
          'rbac.authorization.k8s.io/v1',
          'svcplane.dev/v1alpha1',
          'v1',
        ],
      );
    });

    test('kubectl api-resources lists endpoints, events, namespaces and services with their short names, leases, endpointslices, and the allocations view', async () => {
      const rows = await table(['api-resources'], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
      assert.deepEqual(rows, [
        ['endpoints', 'ep', 'v1', 'true', 'Endpoints'],
        ['events', 'ev', 'v1', 'true', 'Event'],
        ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
        ['services', 'svc', 'v1', 'true', 'Service'],
        // No short name: the empty SHORTNAMES cell leaves four cells. Groups in kube's priority order.
        ['selfsubjectreviews', 'authentication.k8s.io/v1', 'false', 'SelfSubjectReview'],
        ['selfsubjectaccessreviews', 'authorization.k8s.io/v1', 'false', 'SelfSubjectAccessReview'],
        ['selfsubjectrulesreviews', 'authorization.k8s.io/v1', 'false', 'SelfSubjectRulesReview'],
        ['subjectaccessreviews', 'authorization.k8s.io/v1', 'false', 'SubjectAccessReview'],
        ['leases', 'coordination.k8s.io/v1', 'true', 'Lease'],
        ['endpointslices', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
        ['events', 'ev', 'events.k8s.io/v1', 'true', 'Event'],
        ['clusterrolebindings', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRoleBinding'],
        ['clusterroles', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRole'],
        ['rolebindings', 'rbac.authorization.k8s.io/v1', 'true', 'RoleBinding'],
        ['roles', 'rbac.authorization.k8s.io/v1', 'true', 'Role'],
        ['allocations', 'svcplane.dev/v1alpha1', 'false', 'Allocation'],
      ]);
    });

    test('kubectl cluster-info names the control plane', async () => {
      await expectOut(
        ['cluster-info'],
        [`Kubernetes control plane is running at ${server.url}`, '', "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'."],
      );
    });

    test('kubectl get pods: the error kubectl gives for a resource type the server does not have', async () => {
      await expectError(['get', 'pods'], 'error: the server doesn\'t have a resource type "pods"');
    });

    test('a path the server does not serve is a NotFound Status, not a page', async () => {
      await expectError(['get', '--raw', '/api/v1/namespaces/default/pods'], 'Error from server (NotFound): the server could not find the requested resource');
    });
  });

  describe('every type of Service', () => {
    const services = new Map<string, Svc>();
    let dnsFile = '';
    let lbFile = '';

    test('kubectl create service clusterip, nodeport, loadbalancer, externalname and a headless one', async () => {
      await expectOut(['create', 'service', 'clusterip', 'svc-clusterip', '--tcp=80:8080'], 'service/svc-clusterip created\n');
      await expectOut(['create', 'service', 'nodeport', 'svc-nodeport', '--tcp=80:8080', '--node-port=30080'], 'service/svc-nodeport created\n');
      await expectOut(['create', 'service', 'loadbalancer', 'svc-lb', '--tcp=443:8443'], 'service/svc-lb created\n');
      await expectOut(['create', 'service', 'externalname', 'svc-extname', '--external-name=db.example.com'], 'service/svc-extname created\n');
      await expectOut(['create', 'service', 'clusterip', 'svc-headless', '--clusterip=None', '--tcp=5432:5432'], 'service/svc-headless created\n');
    });

    test('kubectl create -f: several ports and protocols, and a load balancer with addresses', async () => {
      dnsFile = manifest(
        'dns.yaml',
        `apiVersion: v1
kind: Service
metadata:
  name: dns
  labels: {app: dns}
spec:
  type: NodePort
  selector: {app: dns}
  ports:
  - {name: dns-udp, port: 53, protocol: UDP, nodePort: 30053}
  - {name: dns-tcp, port: 53, protocol: TCP, nodePort: 30053}
  - {name: metrics, port: 9153, targetPort: metrics}
`,
      );
      // A class no controller here serves: the status is ours to write, as a controller would.
      lbFile = manifest(
        'lb.yaml',
        `apiVersion: v1
kind: Service
metadata:
  name: lb-addressed
spec:
  type: LoadBalancer
  loadBalancerClass: example.com/lb
  externalIPs: [198.51.100.7]
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080}
`,
      );
      await expectOut(['create', '-f', dnsFile], 'service/dns created\n');
      const lb = await kubectl('create', '-f', lbFile);
      assert.equal(lb.stdout, 'service/lb-addressed created\n', showRun(['create', '-f', lbFile], lb));
      const status = { status: { loadBalancer: { ingress: [{ ip: '203.0.113.20' }, { hostname: 'lb.example.com' }, { ip: '203.0.113.10' }] } } };
      await expectOut(['patch', 'svc', 'lb-addressed', '--subresource=status', '--type=merge', '-p', JSON.stringify(status)], 'service/lb-addressed patched\n');
      for (const name of ['kubernetes', 'svc-clusterip', 'svc-nodeport', 'svc-lb', 'svc-extname', 'svc-headless', 'dns', 'lb-addressed'])
        services.set(name, await getJson(name));
    });

    const nodePort = (name: string, i = 0) => services.get(name)!.spec.ports![i].nodePort;
    const ip = (name: string) => services.get(name)!.spec.clusterIP;
    const age = /^\d+s$/;

    test('kubectl get svc -o wide: the cells kube-apiserver prints for each type', async () => {
      const rows = await table(['get', 'svc', '-o', 'wide'], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
      for (const row of rows) assert.match(row[5], /^\d+[sm]/, `AGE of ${row[0]}`);
      assert.deepEqual(
        rows.map((r) => [...r.slice(0, 5), r[6]]),
        [
          ['dns', 'NodePort', ip('dns'), '<none>', `53:30053/UDP,53:30053/TCP,9153:${nodePort('dns', 2)}/TCP`, 'app=dns'],
          ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', '<none>'],
          [
            'lb-addressed',
            'LoadBalancer',
            ip('lb-addressed'),
            '203.0.113.10,203.0.113.20,lb.example.com,198.51.100.7',
            `80:${nodePort('lb-addressed')}/TCP`,
            'app=web',
          ],
          ['svc-clusterip', 'ClusterIP', ip('svc-clusterip'), '<none>', '80/TCP', 'app=svc-clusterip'],
          ['svc-extname', 'ExternalName', '<none>', 'db.example.com', '<none>', 'app=svc-extname'],
          ['svc-headless', 'ClusterIP', 'None', '<none>', '5432/TCP', 'app=svc-headless'],
          ['svc-lb', 'LoadBalancer', ip('svc-lb'), '<pending>', `443:${nodePort('svc-lb')}/TCP`, 'app=svc-lb'],
          ['svc-nodeport', 'NodePort', ip('svc-nodeport'), '<none>', '80:30080/TCP', 'app=svc-nodeport'],
        ],
      );
      for (const name of ['svc-lb', 'lb-addressed', 'dns']) assert.ok(Number(nodePort(name)) >= 30000 && Number(nodePort(name)) <= 32767, `${name} nodePort`);
    });

    test('kubectl get svc NAME prints one row without the wide column', async () => {
      const rows = await table(['get', 'svc', 'svc-nodeport'], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0].slice(0, 5), ['svc-nodeport', 'NodePort', ip('svc-nodeport'), '<none>', '80:30080/TCP']);
      assert.match(rows[0][5], age);
    });

    test('kubectl get svc -A adds the NAMESPACE column and lists every namespace', async () => {
      await expectOut(['create', 'namespace', 'team-a'], 'namespace/team-a created\n');
      await expectOut(['create', 'service', 'clusterip', 'api', '-n', 'team-a', '--tcp=8080'], 'service/api created\n');
      const api = await getJson('api', 'team-a');
      const rows = await table(['get', 'svc', '-A'], ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.deepEqual(
        rows.map((r) => `${r[0]}/${r[1]}`),
        [
          'default/dns',
          'default/kubernetes',
          'default/lb-addressed',
          'default/svc-clusterip',
          'default/svc-extname',
          'default/svc-headless',
          'default/svc-lb',
          'default/svc-nodeport',
          'team-a/api',
        ],
      );
      assert.deepEqual(rows.at(-1)!.slice(0, 6), ['team-a', 'api', 'ClusterIP', api.spec.clusterIP, '<none>', '8080/TCP']);
      const ns = await table(['get', 'ns'], ['NAME', 'STATUS', 'AGE']);
      assert.deepEqual(
        ns.map((r) => r.slice(0, 2)),
        [
          ['default', 'Active'],
          ['kube-node-lease', 'Active'],
          ['kube-public', 'Active'],
          ['kube-system', 'Active'],
          ['team-a', 'Active'],
        ],
      );
    });

    test('kubectl get svc -l selects by label', async () => {
      const one = await table(['get', 'svc', '-l', 'app=svc-nodeport'], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.deepEqual(
        one.map((r) => r[0]),
        ['svc-nodeport'],
      );
      const set = await table(['get', 'svc', '-l', 'app in (svc-lb,svc-extname,dns)'], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.deepEqual(
        set.map((r) => r[0]),
        ['dns', 'svc-extname', 'svc-lb'],
      );
      const exists = await table(['get', 'svc', '-A', '-l', '!app'], ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.deepEqual(
        exists.map((r) => r[1]),
        ['kubernetes', 'lb-addressed'],
      );
      const none = await kubectl('get', 'svc', '-l', 'app=nothing');
      assert.equal(none.code, 0, showRun(['get', 'svc', '-l', 'app=nothing'], none));
      assert.equal(none.stdout, '');
      assert.equal(none.stderr, 'No resources found in default namespace.\n');
    });

    test('kubectl get svc --field-selector selects by type, name and namespace', async () => {
      const np = await table(['get', 'svc', '--field-selector', 'spec.type=NodePort'], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.deepEqual(
        np.map((r) => r[0]),
        ['dns', 'svc-nodeport'],
      );
      const byName = await table(
        ['get', 'svc', '-A', '--field-selector', 'metadata.name=api'],
        ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
      );
      assert.deepEqual(
        byName.map((r) => r.slice(0, 2)),
        [['team-a', 'api']],
      );
      const headless = await table(
        ['get', 'svc', '--field-selector', 'spec.clusterIP=None,metadata.namespace=default'],
        ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
      );
      assert.deepEqual(
        headless.map((r) => r[0]),
        ['svc-headless'],
      );
      await expectError(
        ['get', 'svc', '--field-selector', 'spec.selector=x'],
        'Error from server (BadRequest): Unable to find "/v1, Resource=services" that match label selector "", field selector "spec.selector=x": field label not supported: spec.selector',
      );
    });

    test('kubectl get svc -o name, jsonpath and custom-columns', async () => {
      await expectOut(
        ['get', 'svc', '-o', 'name'],
        [
          'service/dns',
          'service/kubernetes',
          'service/lb-addressed',
          'service/svc-clusterip',
          'service/svc-extname',
          'service/svc-headless',
          'service/svc-lb',
          'service/svc-nodeport',
        ],
      );
      await expectOut(['get', 'svc', 'svc-headless', '-o', 'jsonpath={.spec.clusterIP}'], 'None');
      await expectOut(
        ['get', 'svc', '-l', 'app', '-o', 'jsonpath={range .items[*]}{.metadata.name}{" "}{.spec.type}{"\\n"}{end}'],
        ['dns NodePort', 'svc-clusterip ClusterIP', 'svc-extname ExternalName', 'svc-headless ClusterIP', 'svc-lb LoadBalancer', 'svc-nodeport NodePort'],
      );
      const rows = await table(
        ['get', 'svc', 'dns', 'svc-nodeport', '-o', 'custom-columns=NAME:.metadata.name,PORTS:.spec.ports[*].port,NODEPORTS:.spec.ports[*].nodePort'],
        ['NAME', 'PORTS', 'NODEPORTS'],
      );
      assert.deepEqual(rows, [
        ['dns', '53,53,9153', `30053,30053,${nodePort('dns', 2)}`],
        ['svc-nodeport', '80', '30080'],
      ]);
    });

    test('kubectl get svc -o yaml prints the object as the transcript shows it', async () => {
      const s = (await services.get('svc-nodeport'))!;
      await expectOut(
        ['get', 'svc', 'svc-nodeport', '-o', 'yaml'],
        [
          'apiVersion: v1',
          'kind: Service',
          'metadata:',
          `  creationTimestamp: "${s.metadata.creationTimestamp}"`,
          '  labels:',
          '    app: svc-nodeport',
          '  name: svc-nodeport',
          '  namespace: default',
          `  resourceVersion: "${s.metadata.resourceVersion}"`,
          `  uid: ${s.metadata.uid}`,
          'spec:',
          `  clusterIP: ${s.spec.clusterIP}`,
          '  clusterIPs:',
          `  - ${s.spec.clusterIP}`,
          '  externalTrafficPolicy: Cluster',
          '  internalTrafficPolicy: Cluster',
          '  ipFamilies:',
          '  - IPv4',
          '  ipFamilyPolicy: SingleStack',
          '  ports:',
          '  - name: 80-8080',
          '    nodePort: 30080',
          '    port: 80',
          '    protocol: TCP',
          '    targetPort: 8080',
          '  selector:',
          '    app: svc-nodeport',
          '  sessionAffinity: None',
          '  type: NodePort',
          'status:',
          '  loadBalancer: {}',
        ],
      );
    });

    test('kubectl get svc -o json is a List of the objects', async () => {
      const r = await kubectl('get', 'svc', '-n', 'team-a', '-o', 'json');
      assert.equal(r.code, 0, showRun(['get', 'svc', '-o', 'json'], r));
      const list = JSON.parse(r.stdout);
      assert.equal(list.kind, 'List');
      assert.equal(list.apiVersion, 'v1');
      assert.deepEqual(
        list.items.map((i: Svc & { kind: string }) => `${i.kind}/${i.metadata.name}`),
        ['Service/api'],
      );
    });

    // Each Service with a selector has the endpointslice controller's placeholder slice (no pod
    // matches): kubectl 1.33 finds a slice and no address in it, and prints an empty Endpoints:
    // line, as against a cluster where no selected pod runs; with no slice at all it says <none>.
    test('kubectl describe svc: NodePort with several ports', async () => {
      await expectOut(
        ['describe', 'svc', 'dns'],
        [
          'Name:                     dns',
          'Namespace:                default',
          'Labels:                   app=dns',
          'Annotations:              <none>',
          'Selector:                 app=dns',
          'Type:                     NodePort',
          'IP Family Policy:         SingleStack',
          'IP Families:              IPv4',
          `IP:                       ${ip('dns')}`,
          `IPs:                      ${ip('dns')}`,
          'Port:                     dns-udp  53/UDP',
          'TargetPort:               53/UDP',
          'NodePort:                 dns-udp  30053/UDP',
          'Endpoints:                ',
          'Port:                     dns-tcp  53/TCP',
          'TargetPort:               53/TCP',
          'NodePort:                 dns-tcp  30053/TCP',
          'Endpoints:                ',
          'Port:                     metrics  9153/TCP',
          'TargetPort:               metrics/TCP',
          `NodePort:                 metrics  ${nodePort('dns', 2)}/TCP`,
          'Endpoints:                ',
          'Session Affinity:         None',
          'External Traffic Policy:  Cluster',
          'Internal Traffic Policy:  Cluster',
          'Events:                   <none>',
        ],
      );
    });

    test('kubectl describe svc: LoadBalancer with external IPs and ingress addresses', async () => {
      await expectOut(
        ['describe', 'svc', 'lb-addressed'],
        [
          'Name:                     lb-addressed',
          'Namespace:                default',
          'Labels:                   <none>',
          'Annotations:              <none>',
          'Selector:                 app=web',
          'Type:                     LoadBalancer',
          'IP Family Policy:         SingleStack',
          'IP Families:              IPv4',
          `IP:                       ${ip('lb-addressed')}`,
          `IPs:                      ${ip('lb-addressed')}`,
          'External IPs:             198.51.100.7',
          'LoadBalancer Ingress:     203.0.113.20 (VIP), lb.example.com, 203.0.113.10 (VIP)',
          'Port:                     <unset>  80/TCP',
          'TargetPort:               8080/TCP',
          `NodePort:                 <unset>  ${nodePort('lb-addressed')}/TCP`,
          'Endpoints:                ',
          'Session Affinity:         None',
          'External Traffic Policy:  Cluster',
          'Internal Traffic Policy:  Cluster',
          'Events:                   <none>',
        ],
      );
    });

    test("kubectl describe svc: pending LoadBalancer, with the cloud controller's event", async () => {
      const r = await kubectl('describe', 'svc', 'svc-lb');
      assert.equal(r.code, 0, showRun(['describe'], r));
      const [head, events] = r.stdout.split(/^Events:/m);
      assert.equal(
        head,
        [
          'Name:                     svc-lb',
          'Namespace:                default',
          'Labels:                   app=svc-lb',
          'Annotations:              <none>',
          'Selector:                 app=svc-lb',
          'Type:                     LoadBalancer',
          'IP Family Policy:         SingleStack',
          'IP Families:              IPv4',
          `IP:                       ${ip('svc-lb')}`,
          `IPs:                      ${ip('svc-lb')}`,
          'Port:                     443-8443  443/TCP',
          'TargetPort:               8443/TCP',
          `NodePort:                 443-8443  ${nodePort('svc-lb')}/TCP`,
          'Endpoints:                ',
          'Session Affinity:         None',
          'External Traffic Policy:  Cluster',
          'Internal Traffic Policy:  Cluster',
          '',
        ].join('\n'),
      );
      assert.match(
        events,
        /Type\s+Reason\s+Age\s+From\s+Message\n\s+----\s+------\s+----\s+----\s+-------\n\s+Normal\s+EnsuringLoadBalancer\s+\S+\s+service-controller\s+Ensuring load balancer\n$/,
      );
    });

    test('kubectl describe svc: ExternalName and headless', async () => {
      await expectOut(
        ['describe', 'svc', 'svc-extname', 'svc-headless'],
        [
          'Name:              svc-extname',
          'Namespace:         default',
          'Labels:            app=svc-extname',
          'Annotations:       <none>',
          'Selector:          app=svc-extname',
          'Type:              ExternalName',
          'IP Families:       <none>',
          'IP:                ',
          'IPs:               <none>',
          'External Name:     db.example.com',
          'Session Affinity:  None',
          'Events:            <none>',
          '',
          '',
          'Name:                     svc-headless',
          'Namespace:                default',
          'Labels:                   app=svc-headless',
          'Annotations:              <none>',
          'Selector:                 app=svc-headless',
          'Type:                     ClusterIP',
          'IP Family Policy:         SingleStack',
          'IP Families:              IPv4',
          'IP:                       None',
          'IPs:                      None',
          'Port:                     5432-5432  5432/TCP',
          'TargetPort:               5432/TCP',
          'Endpoints:                ',
          'Session Affinity:         None',
          'Internal Traffic Policy:  Cluster',
          'Events:                   <none>',
        ],
      );
    });

    test('kubectl label and annotate, with --overwrite and removal', async () => {
      await expectOut(['label', 'svc', 'svc-clusterip', 'env=prod'], 'service/svc-clusterip labeled\n');
      await expectError(['label', 'svc', 'svc-clusterip', 'env=dev'], "error: 'env' already has a value (prod), and --overwrite is false");
      await expectOut(['label', 'svc', 'svc-clusterip', 'env=dev', '--overwrite'], 'service/svc-clusterip labeled\n');
      await expectOut(['annotate', 'svc', 'svc-clusterip', 'team=core'], 'service/svc-clusterip annotated\n');
      await expectOut(
        ['get', 'svc', 'svc-clusterip', '-o', 'jsonpath={.metadata.labels} {.metadata.annotations}'],
        '{"app":"svc-clusterip","env":"dev"} {"team":"core"}',
      );
      const rows = await table(['get', 'svc', '-l', 'env=dev', '--show-labels'], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'LABELS']);
      assert.deepEqual(
        rows.map((r) => [r[0], r[6]]),
        [['svc-clusterip', 'app=svc-clusterip,env=dev']],
      );
      await expectOut(['label', 'svc', 'svc-clusterip', 'env-'], 'service/svc-clusterip unlabeled\n');
      await expectOut(['annotate', 'svc', 'svc-clusterip', 'team-'], 'service/svc-clusterip annotated\n');
      await expectOut(['get', 'svc', 'svc-clusterip', '-o', 'jsonpath={.metadata.labels} {.metadata.annotations}'], '{"app":"svc-clusterip"} ');
    });

    const ports = (name: string) => kubectl('get', 'svc', name, '-o', 'jsonpath={range .spec.ports[*]}{.name}/{.port}/{.targetPort}/{.nodePort} {end}');

    test('kubectl patch --type=strategic merges ports by port number, and $patch: delete removes one', async () => {
      await expectOut(['patch', 'svc', 'svc-nodeport', '-p', '{"spec":{"ports":[{"port":80,"targetPort":9090}]}}'], 'service/svc-nodeport patched\n');
      assert.equal((await ports('svc-nodeport')).stdout, '80-8080/80/9090/30080 ');
      await expectOut(
        ['patch', 'svc', 'svc-nodeport', '--type=strategic', '-p', '{"spec":{"ports":[{"name":"https","port":443,"targetPort":8443}]}}'],
        'service/svc-nodeport patched\n',
      );
      const two = (await ports('svc-nodeport')).stdout;
      assert.match(two, /^https\/443\/8443\/(\d+) 80-8080\/80\/9090\/30080 $/, 'a new item goes first, as strategic merge orders it');
      await expectOut(['patch', 'svc', 'svc-nodeport', '-p', '{"spec":{"ports":[{"$patch":"delete","port":443}]}}'], 'service/svc-nodeport patched\n');
      assert.equal((await ports('svc-nodeport')).stdout, '80-8080/80/9090/30080 ');
      await expectOut(['patch', 'svc', 'svc-nodeport', '-p', '{}'], 'service/svc-nodeport patched (no change)\n');
    });

    test('kubectl patch --type=merge replaces lists and merges maps', async () => {
      await expectOut(
        ['patch', 'svc', 'svc-nodeport', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"web"}},"spec":{"selector":{"app":"web"}}}'],
        'service/svc-nodeport patched\n',
      );
      await expectOut(
        ['get', 'svc', 'svc-nodeport', '-o', 'jsonpath={.metadata.labels} {.spec.selector}'],
        '{"app":"svc-nodeport","tier":"web"} {"app":"web"}',
      );
      await expectOut(
        ['patch', 'svc', 'svc-nodeport', '--type=merge', '-p', '{"spec":{"ports":[{"name":"web","port":8080,"nodePort":30081}]}}'],
        'service/svc-nodeport patched\n',
      );
      assert.equal((await ports('svc-nodeport')).stdout, 'web/8080/8080/30081 ');
    });

    test('kubectl patch --type=json, and the type change releases the node port', async () => {
      await expectOut(
        ['patch', 'svc', 'svc-nodeport', '--type=json', '-p', '[{"op":"replace","path":"/spec/type","value":"ClusterIP"}]'],
        'service/svc-nodeport patched\n',
      );
      const rows = await table(['get', 'svc', 'svc-nodeport'], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.deepEqual(rows[0].slice(0, 5), ['svc-nodeport', 'ClusterIP', ip('svc-nodeport'), '<none>', '8080/TCP']);
      await expectOut(['create', 'service', 'nodeport', 'takes-30081', '--tcp=80:80', '--node-port=30081'], 'service/takes-30081 created\n');
      await expectError(
        ['patch', 'svc', 'svc-nodeport', '--type=json', '-p', '[{"op":"test","path":"/spec/type","value":"NodePort"}]'],
        'The request is invalid: the server rejected our request due to an error in our request',
      );
    });

    test('kubectl delete -f deletes what the files name', async () => {
      await expectOut(['delete', '-f', dnsFile, '-f', lbFile], ['service "dns" deleted', 'service "lb-addressed" deleted']);
      await expectError(['get', 'svc', 'dns'], 'Error from server (NotFound): services "dns" not found');
      await expectError(['delete', '-f', dnsFile], `Error from server (NotFound): error when deleting "${dnsFile}": services "dns" not found`);
    });
  });
});
