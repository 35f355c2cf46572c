// The cells kube-apiserver's printService computes (pkg/printers/internalversion/printers.go),
// for each kind of Service: what `kubectl get svc -o wide` shows.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Service } from '../../src/model/service.js';
import { humanDuration, namespaceCells, serviceCells, serviceColumns } from '../../src/printers/tables.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const created = '2026-01-01T11:59:55Z';
const svc = (name: string, spec: Service['spec'], status: Service['status'] = { loadBalancer: {} }): Service => ({
  metadata: { name, namespace: 'default', creationTimestamp: created },
  spec,
  status,
});

describe('service cells', () => {
  test('the columns are NAME, TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), AGE and, wide, SELECTOR', () => {
    assert.deepEqual(
      serviceColumns.map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Type', 0],
        ['Cluster-IP', 0],
        ['External-IP', 0],
        ['Port(s)', 0],
        ['Age', 0],
        ['Selector', 1],
      ],
    );
    assert.equal(serviceColumns[0].format, 'name');
  });

  const cases: [string, Service, unknown[]][] = [
    [
      'ClusterIP',
      svc('backend', {
        type: 'ClusterIP',
        clusterIP: '10.96.10.1',
        clusterIPs: ['10.96.10.1'],
        selector: { tier: 'b', app: 'backend' },
        ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }],
      }),
      ['backend', 'ClusterIP', '10.96.10.1', '<none>', '80/TCP', '5s', 'app=backend,tier=b'],
    ],
    [
      'ClusterIP with externalIPs',
      svc('ext', { type: 'ClusterIP', clusterIPs: ['10.96.10.2'], externalIPs: ['198.51.100.7', '198.51.100.8'], ports: [{ port: 80, protocol: 'TCP' }] }),
      ['ext', 'ClusterIP', '10.96.10.2', '198.51.100.7,198.51.100.8', '80/TCP', '5s', '<none>'],
    ],
    [
      'headless',
      svc('db', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' }, ports: [{ port: 5432, protocol: 'TCP' }] }),
      ['db', 'ClusterIP', 'None', '<none>', '5432/TCP', '5s', 'app=db'],
    ],
    [
      'NodePort with several ports and protocols',
      svc('dns', {
        type: 'NodePort',
        clusterIPs: ['10.96.10.3'],
        ports: [
          { name: 'a', port: 53, protocol: 'UDP', nodePort: 30053 },
          { name: 'b', port: 53, protocol: 'TCP', nodePort: 30053 },
          { name: 'c', port: 9153, protocol: 'TCP', nodePort: 31000 },
        ],
      }),
      ['dns', 'NodePort', '10.96.10.3', '<none>', '53:30053/UDP,53:30053/TCP,9153:31000/TCP', '5s', '<none>'],
    ],
    [
      'LoadBalancer still provisioning',
      svc('web', { type: 'LoadBalancer', clusterIPs: ['10.96.10.4'], ports: [{ port: 80, protocol: 'TCP', nodePort: 31544 }] }),
      ['web', 'LoadBalancer', '10.96.10.4', '<pending>', '80:31544/TCP', '5s', '<none>'],
    ],
    [
      'LoadBalancer without node ports',
      svc('direct', { type: 'LoadBalancer', clusterIPs: ['10.96.10.5'], allocateLoadBalancerNodePorts: false, ports: [{ port: 443, protocol: 'TCP' }] }),
      ['direct', 'LoadBalancer', '10.96.10.5', '<pending>', '443/TCP', '5s', '<none>'],
    ],
    [
      'LoadBalancer with a hostname',
      svc(
        'aws',
        { type: 'LoadBalancer', clusterIPs: ['10.96.10.6'], ports: [{ port: 80, protocol: 'TCP', nodePort: 32001 }] },
        { loadBalancer: { ingress: [{ hostname: 'a1b2-123.us-east-1.elb.amazonaws.com' }] } },
      ),
      ['aws', 'LoadBalancer', '10.96.10.6', 'a1b2-123.us-east-1.elb.amazonaws.com', '80:32001/TCP', '5s', '<none>'],
    ],
    // IPs win over hostnames in an entry, duplicates collapse, the set is sorted, then externalIPs follow.
    [
      'LoadBalancer with IPs, a hostname and externalIPs',
      svc(
        'mixed',
        { type: 'LoadBalancer', clusterIPs: ['10.96.10.7'], externalIPs: ['198.51.100.9'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] },
        {
          loadBalancer: {
            ingress: [{ ip: '203.0.113.20' }, { hostname: 'lb.example.com' }, { ip: '203.0.113.10', hostname: 'ignored.example.com' }, { ip: '203.0.113.20' }],
          },
        },
      ),
      ['mixed', 'LoadBalancer', '10.96.10.7', '203.0.113.10,203.0.113.20,lb.example.com,198.51.100.9', '80:30001/TCP', '5s', '<none>'],
    ],
    [
      'ExternalName',
      svc('external-db', { type: 'ExternalName', externalName: 'db.example.com' }),
      ['external-db', 'ExternalName', '<none>', 'db.example.com', '<none>', '5s', '<none>'],
    ],
  ];
  for (const [what, service, cells] of cases) {
    test(what, () => assert.deepEqual(serviceCells(service, now), cells));
  }
});

test('ages read as kubectl prints them', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [0, '0s'],
    [119 * s, '119s'],
    [125 * s, '2m5s'],
    [600 * s, '10m'],
    [3 * 3600 * s + 61 * s, '3h1m'],
    [8 * 3600 * s, '8h'],
    [49 * 3600 * s, '2d1h'],
    [9 * 86400 * s, '9d'],
    [3 * 365 * 86400 * s, '3y'],
  ];
  for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, `${ms} ms`);
});

test('namespace cells', () => {
  assert.deepEqual(namespaceCells({ metadata: { name: 'default', creationTimestamp: created }, status: { phase: 'Active' } }, now), [
    'default',
    'Active',
    '5s',
  ]);
});
