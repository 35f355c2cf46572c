import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { Service } from '../../src/model/service.js';
import type { Namespace } from '../../src/model/namespace.js';
import { type FieldError, errorBody, errorText } from '../../src/registry/validation/fieldErrors.js';
import {
  type ServiceValidationContext,
  initIPFamilyFields,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidIP,
  isValidIPSloppy,
  isValidLabelValue,
  validateClusterIPFields,
  validateNamespace,
  validateService,
  validateServiceStatusUpdate,
  validateServiceUpdate,
} from '../../src/registry/validation/service.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../src/registry/validation/objectMeta.js';

// ------------------------------------------------------------------------------------------------
// helpers

type AnyObj = Record<string, any>;
const ctx4: ServiceValidationContext = { clusterFamilies: ['IPv4'] };
const ctxDual: ServiceValidationContext = { clusterFamilies: ['IPv4', 'IPv6'] };

const clone = <T>(o: T): T => structuredClone(o);
const asSvc = (o: unknown) => o as Service;

/** A ClusterIP service as validation sees it after defaulting + allocation. */
function clusterIPSvc(): AnyObj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', resourceVersion: '10', uid: 'u-1', creationTimestamp: '2024-05-01T10:00:00Z' },
    spec: {
      type: 'ClusterIP',
      ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }],
      selector: { app: 'web' },
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  };
}

function nodePortSvc(): AnyObj {
  const s = clusterIPSvc();
  s.spec.type = 'NodePort';
  s.spec.ports[0].nodePort = 30080;
  s.spec.externalTrafficPolicy = 'Cluster';
  return s;
}

function lbSvc(): AnyObj {
  const s = nodePortSvc();
  s.spec.type = 'LoadBalancer';
  s.spec.allocateLoadBalancerNodePorts = true;
  return s;
}

function externalNameSvc(): AnyObj {
  return {
    metadata: { name: 'db', namespace: 'default', resourceVersion: '5' },
    spec: { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' },
  };
}

function headlessSvc(): AnyObj {
  const s = clusterIPSvc();
  s.spec.clusterIP = 'None';
  s.spec.clusterIPs = ['None'];
  delete s.spec.selector;
  s.spec.ipFamilyPolicy = 'RequireDualStack';
  s.spec.ipFamilies = ['IPv4', 'IPv6'];
  return s;
}

const v = (o: AnyObj, ctx = ctx4) => validateService(asSvc(o), ctx);

function show(errs: FieldError[]): string {
  return errs.map(errorText).join('\n') || '(no errors)';
}

/** Asserts that an error with exactly this field, type and body is present. */
function expectErr(errs: FieldError[], field: string, type: FieldError['type'], body: string): void {
  const hit = errs.find((e) => e.field === field && e.type === type && errorBody(e) === body);
  assert.ok(hit, `expected ${field} [${type}] ${body}\n got:\n${show(errs)}`);
}

/** Asserts that the list is exactly one error with this field, type and body. */
function expectOnly(errs: FieldError[], field: string, type: FieldError['type'], body: string): void {
  assert.equal(errs.length, 1, `expected exactly one error, got:\n${show(errs)}`);
  expectErr(errs, field, type, body);
}

function expectNone(errs: FieldError[]): void {
  assert.equal(errs.length, 0, show(errs));
}

const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QNAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const CIDR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

// ------------------------------------------------------------------------------------------------

describe('valid services produce no errors', () => {
  it('ClusterIP', () => expectNone(v(clusterIPSvc())));
  it('NodePort', () => expectNone(v(nodePortSvc())));
  it('LoadBalancer', () => expectNone(v(lbSvc())));
  it('LoadBalancer with externalTrafficPolicy Local and a health check port', () => {
    const s = lbSvc();
    s.spec.externalTrafficPolicy = 'Local';
    s.spec.healthCheckNodePort = 30500;
    expectNone(v(s));
  });
  it('LoadBalancer with allocateLoadBalancerNodePorts=false and no node ports', () => {
    const s = lbSvc();
    s.spec.allocateLoadBalancerNodePorts = false;
    delete s.spec.ports[0].nodePort;
    s.spec.loadBalancerClass = 'example.com/lb';
    s.spec.loadBalancerSourceRanges = ['10.0.0.0/8', ' 192.168.0.0/16 '];
    expectNone(v(s));
  });
  it('ExternalName (no ports, trailing dot, no internalTrafficPolicy)', () => {
    expectNone(v(externalNameSvc()));
    const s = externalNameSvc();
    s.spec.externalName = 'db.example.com.';
    s.spec.ports = [{ port: 5432, protocol: 'TCP', targetPort: 5432 }];
    expectNone(v(s));
  });
  it('headless without ports, selectorless dual-family on a single-stack cluster', () => {
    const s = headlessSvc();
    delete s.spec.ports;
    expectNone(v(s));
  });
  it('headless with a targetPort that differs from port and a named targetPort', () => {
    const s = headlessSvc();
    s.spec.ports = [
      { name: 'a', port: 80, protocol: 'TCP', targetPort: 9999 },
      { name: 'b', port: 81, protocol: 'TCP', targetPort: 'http' },
    ];
    expectNone(v(s));
  });
  it('named targetPort', () => {
    const s = clusterIPSvc();
    s.spec.ports[0].targetPort = 'http-alt';
    expectNone(v(s));
  });
  it('mixed TCP/UDP on a LoadBalancer, same port number and same nodePort', () => {
    const s = lbSvc();
    s.spec.ports = [
      { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53, nodePort: 30053 },
      { name: 'dns-udp', port: 53, protocol: 'UDP', targetPort: 53, nodePort: 30053 },
      { name: 'sctp', port: 53, protocol: 'SCTP', targetPort: 53, nodePort: 30054 },
    ];
    expectNone(v(s));
  });
  it('same port number on TCP and UDP (ClusterIP)', () => {
    const s = clusterIPSvc();
    s.spec.ports = [
      { name: 'tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      { name: 'udp', port: 53, protocol: 'UDP', targetPort: 53 },
    ];
    expectNone(v(s));
  });
  it('ClusterIP with externalIPs and externalTrafficPolicy', () => {
    const s = clusterIPSvc();
    s.spec.externalIPs = ['192.0.2.10', '2001:db8::10'];
    s.spec.externalTrafficPolicy = 'Local';
    expectNone(v(s));
  });
  it('dual-stack service', () => {
    const s = clusterIPSvc();
    s.spec.clusterIPs = ['10.96.0.10', 'fd00::10'];
    s.spec.ipFamilies = ['IPv4', 'IPv6'];
    s.spec.ipFamilyPolicy = 'PreferDualStack';
    expectNone(v(s, ctxDual));
  });
  it('ClientIP affinity with 86400 s, appProtocol, trafficDistribution, topology annotations agreeing', () => {
    const s = clusterIPSvc();
    s.spec.sessionAffinity = 'ClientIP';
    s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 86400 } };
    s.spec.ports[0].appProtocol = 'kubernetes.io/h2c';
    s.spec.trafficDistribution = 'PreferClose';
    s.metadata.annotations = { 'service.kubernetes.io/topology-mode': 'Auto', 'service.kubernetes.io/topology-aware-hints': 'Auto', 'Example.COM/Key': 'x' };
    s.metadata.labels = { 'app.kubernetes.io/name': 'web', empty: '' };
    s.metadata.finalizers = ['kubernetes', 'example.com/cleanup'];
    expectNone(v(s));
  });
  it('IPv4 with leading zeros is accepted (StrictIPCIDRValidation is off in 1.33)', () => {
    const s = clusterIPSvc();
    s.spec.clusterIP = '010.096.000.010';
    s.spec.clusterIPs = ['010.096.000.010'];
    expectNone(v(s));
  });
  it('never throws on sparse or odd input', () => {
    for (const o of [{}, { spec: null }, { metadata: null, spec: { ports: [{}] } }, { spec: { type: 'LoadBalancer', ports: [{ port: 1, targetPort: {} }] } }]) {
      assert.doesNotThrow(() => validateService(asSvc(o), ctx4));
      assert.doesNotThrow(() => validateServiceUpdate(asSvc(o), asSvc({}), ctx4));
      assert.doesNotThrow(() => validateServiceStatusUpdate(asSvc(o), asSvc(o)));
      assert.doesNotThrow(() => validateClusterIPFields(asSvc(o), undefined, ctx4));
    }
  });
});

describe('metadata', () => {
  it('name or generateName is required', () => {
    const s = clusterIPSvc();
    delete s.metadata.name;
    expectOnly(v(s), 'metadata.name', 'FieldValueRequired', 'Required value: name or generateName is required');
  });
  it('service names are DNS-1035 labels', () => {
    const s = clusterIPSvc();
    s.metadata.name = '1svc';
    expectOnly(v(s), 'metadata.name', 'FieldValueInvalid', `Invalid value: "1svc": ${DNS1035_MSG}`);
    s.metadata.name = 'a'.repeat(64);
    expectOnly(v(s), 'metadata.name', 'FieldValueInvalid', `Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`);
  });
  it('generateName: trailing dash tolerated, prefix validated', () => {
    const s = clusterIPSvc();
    s.metadata.generateName = 'web-';
    s.metadata.name = 'web-x7k2p';
    expectNone(v(s));
    s.metadata.generateName = 'Web-';
    expectOnly(v(s), 'metadata.generateName', 'FieldValueInvalid', `Invalid value: "Web-": ${DNS1035_MSG}`);
  });
  it('namespace is required for services', () => {
    const s = clusterIPSvc();
    delete s.metadata.namespace;
    expectOnly(v(s), 'metadata.namespace', 'FieldValueRequired', 'Required value');
  });
  it('negative generation', () => {
    const s = clusterIPSvc();
    s.metadata.generation = -1;
    expectOnly(v(s), 'metadata.generation', 'FieldValueInvalid', 'Invalid value: -1: must be greater than or equal to 0');
  });
  it('label keys and values are reported at metadata.labels', () => {
    const s = clusterIPSvc();
    s.metadata.labels = { 'a b': 'ok', good: '-bad' };
    const errs = v(s);
    assert.equal(errs.length, 2, show(errs));
    expectErr(errs, 'metadata.labels', 'FieldValueInvalid', `Invalid value: "a b": ${QNAME_PART_MSG}`);
    expectErr(errs, 'metadata.labels', 'FieldValueInvalid', `Invalid value: "-bad": ${LABEL_VALUE_MSG}`);
  });
  it('label key prefix rules', () => {
    const s = clusterIPSvc();
    s.metadata.labels = { '/x': 'v' };
    expectOnly(v(s), 'metadata.labels', 'FieldValueInvalid', 'Invalid value: "/x": prefix part must be non-empty');
  });
  it('annotation keys (case-insensitive) and total size', () => {
    const s = clusterIPSvc();
    s.metadata.annotations = { 'a/b/c': 'x' };
    expectOnly(
      v(s),
      'metadata.annotations',
      'FieldValueInvalid',
      `Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
    s.metadata.annotations = { a: 'x'.repeat(262143) };
    expectNone(v(s));
    s.metadata.annotations = { a: 'x'.repeat(262144) };
    expectOnly(v(s), 'metadata.annotations', 'FieldValueTooLong', 'Too long: must have at most 262144 bytes');
  });
  it('finalizers: non-standard names, qualified-name errors without index, orphan+foregroundDeletion', () => {
    const s = clusterIPSvc();
    s.metadata.finalizers = ['foo'];
    expectOnly(
      v(s),
      'metadata.finalizers[0]',
      'FieldValueInvalid',
      'Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified',
    );
    s.metadata.finalizers = ['kubernetes', 'bad name'];
    let errs = v(s);
    assert.equal(errs.length, 2, show(errs));
    expectErr(errs, 'metadata.finalizers', 'FieldValueInvalid', `Invalid value: "bad name": ${QNAME_PART_MSG}`);
    expectErr(
      errs,
      'metadata.finalizers[1]',
      'FieldValueInvalid',
      'Invalid value: "bad name": name is neither a standard finalizer name nor is it fully qualified',
    );
    s.metadata.finalizers = ['orphan', 'foregroundDeletion'];
    errs = v(s);
    expectOnly(
      errs,
      'metadata.finalizers',
      'FieldValueInvalid',
      'Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
    );
  });
  it('owner references', () => {
    const s = clusterIPSvc();
    s.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: '' }];
    expectOnly(v(s), 'metadata.ownerReferences.uid', 'FieldValueInvalid', 'Invalid value: "": must not be empty');
    s.metadata.ownerReferences = [{ apiVersion: '', kind: 'X', name: 'd', uid: 'u' }];
    expectOnly(v(s), 'metadata.ownerReferences.apiVersion', 'FieldValueInvalid', 'Invalid value: "": version must not be empty');
    s.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u' }];
    expectOnly(
      v(s),
      'metadata.ownerReferences',
      'FieldValueInvalid',
      'Invalid value: &OwnerReference{Kind:Event,Name:e,UID:u,APIVersion:v1,Controller:nil,BlockOwnerDeletion:nil,}: /v1, Kind=Event is disallowed from being an owner',
    );
    s.metadata.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'A', name: 'a', uid: '1', controller: true },
      { apiVersion: 'apps/v1', kind: 'B', name: 'b', uid: '2', controller: true },
    ];
    const errs = v(s);
    assert.equal(errs.length, 1, show(errs));
    assert.equal(errs[0].field, 'metadata.ownerReferences');
    assert.match(
      errorBody(errs[0]),
      /^Invalid value: \[\]v1\.OwnerReference\{v1\.OwnerReference\{APIVersion:"apps\/v1", Kind:"A".*: Only one reference can have Controller set to true\. Found "true" in references for A\/a and B\/b$/,
    );
  });
  it('validateObjectMeta with DNS-1123 names and cluster scope', () => {
    expectOnly(
      validateObjectMeta({ name: 'a.b' }, { namespaced: false, nameIsDNS1035: false }),
      'metadata.name',
      'FieldValueInvalid',
      'Invalid value: "a.b": must not contain dots',
    );
    expectOnly(
      validateObjectMeta({ name: 'ns', namespace: 'x' }, { namespaced: false, nameIsDNS1035: false }),
      'metadata.namespace',
      'FieldValueForbidden',
      'Forbidden: not allowed on this type',
    );
    expectNone(validateObjectMeta({ name: '1abc', namespace: 'default' }, { namespaced: true, nameIsDNS1035: false }));
  });
});

describe('metadata update', () => {
  const old = { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '10', creationTimestamp: '2024-05-01T10:00:00Z' };
  it('identical metadata is fine', () => expectNone(validateObjectMetaUpdate(clone(old), old)));
  it('immutable fields', () => {
    expectOnly(validateObjectMetaUpdate({ ...old, name: 'other' }, old), 'metadata.name', 'FieldValueInvalid', 'Invalid value: "other": field is immutable');
    expectOnly(
      validateObjectMetaUpdate({ ...old, namespace: 'kube-system' }, old),
      'metadata.namespace',
      'FieldValueInvalid',
      'Invalid value: "kube-system": field is immutable',
    );
    expectOnly(validateObjectMetaUpdate({ ...old, uid: 'u-2' }, old), 'metadata.uid', 'FieldValueInvalid', 'Invalid value: "u-2": field is immutable');
    expectOnly(
      validateObjectMetaUpdate({ ...old, creationTimestamp: '2024-05-02T10:00:00Z' }, old),
      'metadata.creationTimestamp',
      'FieldValueInvalid',
      'Invalid value: 2024-05-02 10:00:00 +0000 UTC: field is immutable',
    );
    expectNone(validateObjectMetaUpdate({ ...old, creationTimestamp: '2024-05-01T12:00:00+02:00' }, old));
    expectOnly(
      validateObjectMetaUpdate({ ...old, deletionGracePeriodSeconds: 0 }, old),
      'metadata.deletionGracePeriodSeconds',
      'FieldValueInvalid',
      'Invalid value: 0: field is immutable',
    );
  });
  it('resourceVersion must be present and generation must not decrease', () => {
    expectOnly(
      validateObjectMetaUpdate({ ...old, resourceVersion: '' }, old),
      'metadata.resourceVersion',
      'FieldValueInvalid',
      'Invalid value: "": must be specified for an update',
    );
    expectOnly(
      validateObjectMetaUpdate({ ...old, generation: 1 }, { ...old, generation: 2 }),
      'metadata.generation',
      'FieldValueInvalid',
      'Invalid value: 1: must not be decremented',
    );
  });
  it('no new finalizers while terminating', () => {
    const terminating = { ...old, deletionTimestamp: '2024-05-03T00:00:00Z', deletionGracePeriodSeconds: 0, finalizers: ['a.io/x'] };
    expectOnly(
      validateObjectMetaUpdate({ ...terminating, finalizers: ['a.io/x', 'b.io/y'] }, terminating),
      'metadata.finalizers',
      'FieldValueForbidden',
      'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}',
    );
    expectNone(validateObjectMetaUpdate({ ...terminating, finalizers: [] }, terminating));
  });
  it('labels are validated on update', () => {
    expectOnly(
      validateObjectMetaUpdate({ ...old, labels: { k: 'a b' } }, old),
      'metadata.labels',
      'FieldValueInvalid',
      `Invalid value: "a b": ${LABEL_VALUE_MSG}`,
    );
  });
});

describe('ports', () => {
  it('ports are required unless headless or ExternalName', () => {
    const s = clusterIPSvc();
    s.spec.ports = [];
    expectOnly(v(s), 'spec.ports', 'FieldValueRequired', 'Required value');
  });
  it('port range', () => {
    const s = clusterIPSvc();
    s.spec.ports[0].port = 65536;
    expectOnly(v(s), 'spec.ports[0].port', 'FieldValueInvalid', 'Invalid value: 65536: must be between 1 and 65535, inclusive');
    s.spec.ports[0].port = 0;
    expectOnly(v(s), 'spec.ports[0].port', 'FieldValueInvalid', 'Invalid value: 0: must be between 1 and 65535, inclusive');
  });
  it('names are required when there is more than one port', () => {
    const s = clusterIPSvc();
    s.spec.ports = [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 443, protocol: 'TCP', targetPort: 443 },
    ];
    expectOnly(v(s), 'spec.ports[1].name', 'FieldValueRequired', 'Required value');
  });
  it('names are DNS-1123 labels', () => {
    const s = clusterIPSvc();
    s.spec.ports[0].name = 'HTTP';
    expectOnly(v(s), 'spec.ports[0].name', 'FieldValueInvalid', `Invalid value: "HTTP": ${DNS1123_LABEL_MSG}`);
    s.spec.ports[0].name = 'http.alt';
    expectOnly(v(s), 'spec.ports[0].name', 'FieldValueInvalid', 'Invalid value: "http.alt": must not contain dots');
  });
  it('duplicate names', () => {
    const s = clusterIPSvc();
    s.spec.ports = [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 80 },
      { name: 'http', port: 81, protocol: 'TCP', targetPort: 81 },
    ];
    expectOnly(v(s), 'spec.ports[1].name', 'FieldValueDuplicate', 'Duplicate value: "http"');
  });
  it('protocol', () => {
    const s = clusterIPSvc();
    s.spec.ports[0].protocol = 'tcp';
    expectOnly(v(s), 'spec.ports[0].protocol', 'FieldValueNotSupported', 'Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"');
    s.spec.ports[0].protocol = '';
    expectOnly(v(s), 'spec.ports[0].protocol', 'FieldValueRequired', 'Required value');
  });
  it('targetPort: number range and IANA service names', () => {
    const s = clusterIPSvc();
    s.spec.ports[0].targetPort = 70000;
    expectOnly(v(s), 'spec.ports[0].targetPort', 'FieldValueInvalid', 'Invalid value: 70000: must be between 1 and 65535, inclusive');
    s.spec.ports[0].targetPort = '8080';
    expectOnly(v(s), 'spec.ports[0].targetPort', 'FieldValueInvalid', 'Invalid value: "8080": must contain at least one letter (a-z)');
    s.spec.ports[0].targetPort = 'HTTP';
    let errs = v(s);
    assert.equal(errs.length, 2, show(errs));
    expectErr(
      errs,
      'spec.ports[0].targetPort',
      'FieldValueInvalid',
      'Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    );
    expectErr(errs, 'spec.ports[0].targetPort', 'FieldValueInvalid', 'Invalid value: "HTTP": must contain at least one letter (a-z)');
    s.spec.ports[0].targetPort = '-my--port';
    errs = v(s);
    expectErr(errs, 'spec.ports[0].targetPort', 'FieldValueInvalid', 'Invalid value: "-my--port": must not contain consecutive hyphens');
    expectErr(errs, 'spec.ports[0].targetPort', 'FieldValueInvalid', 'Invalid value: "-my--port": must not begin or end with a hyphen');
    s.spec.ports[0].targetPort = 'abcdefghijklmnop';
    expectOnly(v(s), 'spec.ports[0].targetPort', 'FieldValueInvalid', 'Invalid value: "abcdefghijklmnop": must be no more than 15 characters');
  });
  it('appProtocol is a qualified name', () => {
    const s = clusterIPSvc();
    s.spec.ports[0].appProtocol = 'my app';
    expectOnly(v(s), 'spec.ports[0].appProtocol', 'FieldValueInvalid', `Invalid value: "my app": ${QNAME_PART_MSG}`);
  });
  it('nodePort on ClusterIP is forbidden', () => {
    const s = clusterIPSvc();
    s.spec.ports[0].nodePort = 30080;
    expectOnly(v(s), 'spec.ports[0].nodePort', 'FieldValueForbidden', "Forbidden: may not be used when `type` is 'ClusterIP'");
  });
  it('duplicate (protocol, port) is reported at the port entry with the Go struct', () => {
    const s = clusterIPSvc();
    s.spec.ports = [
      { name: 'a', port: 80, protocol: 'TCP', targetPort: 80 },
      { name: 'b', port: 80, protocol: 'TCP', targetPort: 81 },
    ];
    expectOnly(
      v(s),
      'spec.ports[1]',
      'FieldValueDuplicate',
      'Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    );
  });
  it('duplicate nodePort for the same protocol', () => {
    const s = nodePortSvc();
    s.spec.ports = [
      { name: 'a', port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30080 },
      { name: 'b', port: 81, protocol: 'TCP', targetPort: 81, nodePort: 30080 },
    ];
    expectOnly(v(s), 'spec.ports[1].nodePort', 'FieldValueDuplicate', 'Duplicate value: 30080');
  });
});

describe('type, selector, session affinity', () => {
  it('unsupported type and affinity (sorted supported lists)', () => {
    const s = clusterIPSvc();
    s.spec.type = 'Bogus';
    s.spec.sessionAffinity = 'Sticky';
    delete s.spec.internalTrafficPolicy;
    const errs = v(s);
    assert.equal(errs.length, 2, show(errs));
    expectErr(
      errs,
      'spec.type',
      'FieldValueNotSupported',
      'Unsupported value: "Bogus": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    );
    expectErr(errs, 'spec.sessionAffinity', 'FieldValueNotSupported', 'Unsupported value: "Sticky": supported values: "ClientIP", "None"');
  });
  it('empty type and affinity are Required', () => {
    const s = clusterIPSvc();
    delete s.spec.type;
    delete s.spec.sessionAffinity;
    const errs = v(s);
    expectErr(errs, 'spec.type', 'FieldValueRequired', 'Required value');
    expectErr(errs, 'spec.sessionAffinity', 'FieldValueRequired', 'Required value');
  });
  it('selector errors are at spec.selector', () => {
    const s = clusterIPSvc();
    s.spec.selector = { 'app/x/y': 'web' };
    const errs = v(s);
    assert.equal(errs.length, 1, show(errs));
    assert.equal(errs[0].field, 'spec.selector');
    assert.equal(errs[0].type, 'FieldValueInvalid');
    s.spec.selector = { app: 'we b' };
    expectOnly(v(s), 'spec.selector', 'FieldValueInvalid', `Invalid value: "we b": ${LABEL_VALUE_MSG}`);
  });
  it('ClientIP timeout range', () => {
    const s = clusterIPSvc();
    s.spec.sessionAffinity = 'ClientIP';
    s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 0 } };
    expectOnly(v(s), 'spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'FieldValueInvalid', 'Invalid value: 0: must be greater than 0 and less than 86400');
    s.spec.sessionAffinityConfig.clientIP.timeoutSeconds = 86401;
    expectOnly(
      v(s),
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
      'FieldValueInvalid',
      'Invalid value: 86401: must be greater than 0 and less than 86400',
    );
    delete s.spec.sessionAffinityConfig;
    expectOnly(v(s), 'spec.sessionAffinityConfig', 'FieldValueRequired', 'Required value: when session affinity type is ClientIP');
    s.spec.sessionAffinityConfig = { clientIP: {} };
    expectOnly(v(s), 'spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'FieldValueRequired', 'Required value: when session affinity type is ClientIP');
  });
  it('sessionAffinityConfig with None is forbidden', () => {
    const s = clusterIPSvc();
    s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10 } };
    expectOnly(v(s), 'spec.sessionAffinityConfig', 'FieldValueForbidden', 'Forbidden: must not be set when session affinity is None');
  });
});

describe('ExternalName and headless', () => {
  it('externalName is required', () => {
    const s = externalNameSvc();
    delete s.spec.externalName;
    expectOnly(v(s), 'spec.externalName', 'FieldValueRequired', 'Required value');
    s.spec.externalName = '.';
    expectOnly(v(s), 'spec.externalName', 'FieldValueRequired', 'Required value');
  });
  it('externalName is a DNS-1123 subdomain after stripping one trailing dot', () => {
    const s = externalNameSvc();
    s.spec.externalName = 'Foo_bar.com.';
    expectOnly(v(s), 'spec.externalName', 'FieldValueInvalid', `Invalid value: "Foo_bar.com": ${DNS1123_SUBDOMAIN_MSG}`);
  });
  it('cluster IP fields are forbidden on ExternalName', () => {
    const s = externalNameSvc();
    s.spec.clusterIP = '10.96.0.5';
    s.spec.clusterIPs = ['10.96.0.5'];
    s.spec.ipFamilies = ['IPv4'];
    s.spec.ipFamilyPolicy = 'SingleStack';
    const errs = v(s);
    assert.equal(errs.length, 3, show(errs));
    expectErr(errs, 'spec.clusterIPs', 'FieldValueForbidden', 'Forbidden: may not be set for ExternalName services');
    expectErr(errs, 'spec.ipFamilies', 'FieldValueForbidden', 'Forbidden: may not be set for ExternalName services');
    expectErr(errs, 'spec.ipFamilyPolicy', 'FieldValueForbidden', 'Forbidden: may not be set for ExternalName services');
  });
  it("'None' is not allowed for NodePort and LoadBalancer", () => {
    const np = nodePortSvc();
    np.spec.clusterIP = 'None';
    np.spec.clusterIPs = ['None'];
    expectOnly(v(np), 'spec.clusterIPs[0]', 'FieldValueInvalid', `Invalid value: "None": may not be set to 'None' for NodePort services`);
    const lb = lbSvc();
    lb.spec.clusterIP = 'None';
    lb.spec.clusterIPs = ['None'];
    expectOnly(v(lb), 'spec.clusterIPs[0]', 'FieldValueInvalid', `Invalid value: "None": may not be set to 'None' for LoadBalancer services`);
  });
});

describe('clusterIP / clusterIPs / ipFamilies / ipFamilyPolicy', () => {
  it('clusterIPs required when clusterIP is set', () => {
    const s = clusterIPSvc();
    delete s.spec.clusterIPs;
    expectOnly(v(s), 'spec.clusterIPs', 'FieldValueRequired', 'Required value');
  });
  it('first value must match clusterIP', () => {
    const s = clusterIPSvc();
    s.spec.clusterIPs = ['10.96.0.11'];
    expectOnly(v(s), 'spec.clusterIPs', 'FieldValueInvalid', 'Invalid value: []string{"10.96.0.11"}: first value must match `clusterIP`');
  });
  it('clusterIPs must be empty without clusterIP', () => {
    const s = clusterIPSvc();
    delete s.spec.clusterIP;
    expectOnly(v(s), 'spec.clusterIPs', 'FieldValueInvalid', 'Invalid value: []string{"10.96.0.10"}: must be empty when `clusterIP` is not specified');
  });
  it("'None' must be the first and only value", () => {
    const s = clusterIPSvc();
    s.spec.clusterIP = 'None';
    s.spec.clusterIPs = ['None', 'fd00::1'];
    s.spec.ipFamilyPolicy = 'RequireDualStack';
    expectOnly(v(s), 'spec.clusterIPs', 'FieldValueInvalid', `Invalid value: []string{"None", "fd00::1"}: 'None' must be the first and only value`);
  });
  it('invalid IPs', () => {
    const s = clusterIPSvc();
    s.spec.clusterIP = '10.96.0.300';
    s.spec.clusterIPs = ['10.96.0.300'];
    expectOnly(v(s), 'spec.clusterIPs[0]', 'FieldValueInvalid', `Invalid value: "10.96.0.300": ${IP_MSG}`);
  });
  it('at most two values, one per family', () => {
    const s = clusterIPSvc();
    s.spec.clusterIPs = ['10.96.0.10', 'fd00::1', '10.96.0.12'];
    s.spec.ipFamilyPolicy = 'RequireDualStack';
    s.spec.ipFamilies = ['IPv4', 'IPv6'];
    expectErr(v(s), 'spec.clusterIPs', 'FieldValueInvalid', 'Invalid value: []string{"10.96.0.10", "fd00::1", "10.96.0.12"}: may only hold up to 2 values');
    s.spec.clusterIPs = ['10.96.0.10', '10.96.0.11'];
    s.spec.ipFamilies = ['IPv4'];
    expectOnly(
      v(s),
      'spec.clusterIPs',
      'FieldValueInvalid',
      'Invalid value: []string{"10.96.0.10", "10.96.0.11"}: may specify no more than one IP for each IP family',
    );
  });
  it('clusterIPs must match ipFamilies', () => {
    const s = clusterIPSvc();
    s.spec.ipFamilies = ['IPv6'];
    expectOnly(v(s), 'spec.clusterIPs[0]', 'FieldValueInvalid', 'Invalid value: "10.96.0.10": expected an IPv6 value as indicated by `ipFamilies[0]`');
    s.spec.clusterIP = 'fd00::10';
    s.spec.clusterIPs = ['fd00::10'];
    s.spec.ipFamilies = ['IPv4'];
    expectOnly(v(s), 'spec.clusterIPs[0]', 'FieldValueInvalid', 'Invalid value: "fd00::10": expected an IPv4 value as indicated by `ipFamilies[0]`');
  });
  it('ipFamilies values and duplicates', () => {
    const s = clusterIPSvc();
    s.spec.ipFamilies = ['IPv5'];
    expectOnly(v(s), 'spec.ipFamilies[0]', 'FieldValueNotSupported', 'Unsupported value: "IPv5": supported values: "IPv4", "IPv6"');
    s.spec.ipFamilies = ['IPv4', 'IPv4'];
    expectOnly(v(s), 'spec.ipFamilies[1]', 'FieldValueDuplicate', 'Duplicate value: "IPv4"');
  });
  it('ipFamilyPolicy values', () => {
    const s = clusterIPSvc();
    s.spec.ipFamilyPolicy = 'DualStack';
    expectOnly(
      v(s),
      'spec.ipFamilyPolicy',
      'FieldValueNotSupported',
      'Unsupported value: "DualStack": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"',
    );
  });
});

describe('externalIPs and traffic policies', () => {
  it('externalIPs must be valid, non-special IPs', () => {
    const s = clusterIPSvc();
    s.spec.externalTrafficPolicy = 'Cluster';
    const cases: [string, string][] = [
      ['1.2.3', IP_MSG],
      ['0.0.0.0', 'may not be unspecified (0.0.0.0)'],
      ['::', 'may not be unspecified (::)'],
      ['127.0.0.1', 'may not be in the loopback range (127.0.0.0/8, ::1/128)'],
      ['::1', 'may not be in the loopback range (127.0.0.0/8, ::1/128)'],
      ['169.254.169.254', 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
      ['fe80::1', 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
      ['224.0.0.5', 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'],
      ['ff02::1', 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'],
    ];
    for (const [ip, msg] of cases) {
      s.spec.externalIPs = [ip];
      expectOnly(v(s), 'spec.externalIPs[0]', 'FieldValueInvalid', `Invalid value: "${ip}": ${msg}`);
    }
  });
  it('externalTrafficPolicy only on externally accessible services', () => {
    const s = clusterIPSvc();
    s.spec.externalTrafficPolicy = 'Cluster';
    expectOnly(v(s), 'spec.externalTrafficPolicy', 'FieldValueInvalid', 'Invalid value: "Cluster": may only be set for externally-accessible services');
    const e = clusterIPSvc();
    e.spec.externalIPs = ['192.0.2.1'];
    expectOnly(v(e), 'spec.externalTrafficPolicy', 'FieldValueRequired', 'Required value');
    const np = nodePortSvc();
    np.spec.externalTrafficPolicy = 'Global';
    expectOnly(v(np), 'spec.externalTrafficPolicy', 'FieldValueNotSupported', 'Unsupported value: "Global": supported values: "Cluster", "Local"');
  });
  it('healthCheckNodePort rules', () => {
    const np = nodePortSvc();
    np.spec.externalTrafficPolicy = 'Local';
    np.spec.healthCheckNodePort = 30500;
    expectOnly(
      v(np),
      'spec.healthCheckNodePort',
      'FieldValueInvalid',
      "Invalid value: 30500: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
    );
    const lb = lbSvc();
    lb.spec.externalTrafficPolicy = 'Local';
    expectOnly(v(lb), 'spec.healthCheckNodePort', 'FieldValueRequired', 'Required value');
    lb.spec.healthCheckNodePort = 70000;
    expectOnly(v(lb), 'spec.healthCheckNodePort', 'FieldValueInvalid', 'Invalid value: 70000: must be between 1 and 65535, inclusive');
  });
  it('internalTrafficPolicy', () => {
    const s = clusterIPSvc();
    s.spec.internalTrafficPolicy = 'Node';
    expectOnly(v(s), 'spec.internalTrafficPolicy', 'FieldValueNotSupported', 'Unsupported value: "Node": supported values: "Cluster", "Local"');
    delete s.spec.internalTrafficPolicy;
    expectOnly(v(s), 'spec.internalTrafficPolicy', 'FieldValueRequired', 'Required value');
    const e = externalNameSvc();
    e.spec.internalTrafficPolicy = 'Cluster';
    expectNone(v(e));
  });
  it('trafficDistribution', () => {
    const s = clusterIPSvc();
    s.spec.trafficDistribution = 'PreferSameZone';
    expectOnly(v(s), 'spec.trafficDistribution', 'FieldValueNotSupported', 'Unsupported value: "PreferSameZone": supported values: "PreferClose"');
  });
  it('topology-mode annotation must match the deprecated hints annotation', () => {
    const s = clusterIPSvc();
    s.metadata.annotations = { 'service.kubernetes.io/topology-mode': 'Auto', 'service.kubernetes.io/topology-aware-hints': 'auto' };
    expectOnly(
      v(s),
      'metadata.annotations[service.kubernetes.io/topology-mode]',
      'FieldValueInvalid',
      'Invalid value: "Auto": must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified',
    );
  });
});

describe('LoadBalancer-only fields', () => {
  it('allocateLoadBalancerNodePorts', () => {
    const np = nodePortSvc();
    np.spec.allocateLoadBalancerNodePorts = true;
    expectOnly(v(np), 'spec.allocateLoadBalancerNodePorts', 'FieldValueForbidden', "Forbidden: may only be used when `type` is 'LoadBalancer'");
    const lb = lbSvc();
    delete lb.spec.allocateLoadBalancerNodePorts;
    expectOnly(v(lb), 'allocateLoadBalancerNodePorts', 'FieldValueRequired', 'Required value');
  });
  it('loadBalancerClass', () => {
    const s = clusterIPSvc();
    s.spec.loadBalancerClass = 'example.com/lb';
    expectOnly(v(s), 'spec.loadBalancerClass', 'FieldValueForbidden', "Forbidden: may only be used when `type` is 'LoadBalancer'");
    const lb = lbSvc();
    lb.spec.loadBalancerClass = 'bad class';
    expectOnly(v(lb), 'spec.loadBalancerClass', 'FieldValueInvalid', `Invalid value: "bad class": ${QNAME_PART_MSG}`);
  });
  it('loadBalancerSourceRanges (capital L in the path)', () => {
    const s = clusterIPSvc();
    s.spec.loadBalancerSourceRanges = ['10.0.0.0/8'];
    expectOnly(v(s), 'spec.LoadBalancerSourceRanges', 'FieldValueForbidden', "Forbidden: may only be used when `type` is 'LoadBalancer'");
    const lb = lbSvc();
    lb.spec.loadBalancerSourceRanges = ['10.0.0.0/8', ' 10.0.0.0/33 '];
    expectOnly(v(lb), 'spec.LoadBalancerSourceRanges[1]', 'FieldValueInvalid', `Invalid value: "10.0.0.0/33": ${CIDR_MSG}`);
  });
  it('source-ranges annotation (used only when the field is empty)', () => {
    const key = 'service.beta.kubernetes.io/load-balancer-source-ranges';
    const s = clusterIPSvc();
    s.metadata.annotations = { [key]: '' };
    expectOnly(v(s), `metadata.annotations[${key}]`, 'FieldValueForbidden', "Forbidden: may only be used when `type` is 'LoadBalancer'");
    const lb = lbSvc();
    lb.metadata.annotations = { [key]: ' 10.0.0.0/8 , bogus ' };
    expectOnly(v(lb), `metadata.annotations[${key}]`, 'FieldValueInvalid', `Invalid value: "bogus": ${CIDR_MSG}`);
    lb.spec.loadBalancerSourceRanges = ['10.0.0.0/8'];
    expectNone(v(lb));
    lb.metadata.annotations = { [key]: '  ' };
    delete lb.spec.loadBalancerSourceRanges;
    expectNone(v(lb));
  });
});

describe('update', () => {
  it('an unchanged service is valid', () => {
    for (const s of [clusterIPSvc(), nodePortSvc(), lbSvc(), externalNameSvc(), headlessSvc()]) {
      expectNone(validateServiceUpdate(asSvc(clone(s)), asSvc(s), ctx4));
    }
  });
  it('clusterIPs[0] may not change once set', () => {
    const old = clusterIPSvc();
    const s = clone(old);
    s.spec.clusterIP = '10.96.0.11';
    s.spec.clusterIPs = ['10.96.0.11'];
    expectOnly(
      validateServiceUpdate(asSvc(s), asSvc(old), ctx4),
      'spec.clusterIPs[0]',
      'FieldValueInvalid',
      'Invalid value: []string{"10.96.0.11"}: may not change once set',
    );
  });
  it('a normal service can not become headless', () => {
    const old = clusterIPSvc();
    const s = clone(old);
    s.spec.clusterIP = 'None';
    s.spec.clusterIPs = ['None'];
    expectOnly(
      validateServiceUpdate(asSvc(s), asSvc(old), ctx4),
      'spec.clusterIPs[0]',
      'FieldValueInvalid',
      'Invalid value: []string{"None"}: may not change once set',
    );
  });
  it('switching to ExternalName lifts the clusterIP immutability', () => {
    const old = clusterIPSvc();
    const s = externalNameSvc();
    s.metadata = clone(old.metadata);
    expectNone(validateServiceUpdate(asSvc(s), asSvc(old), ctx4));
    expectNone(validateServiceUpdate(asSvc(old), asSvc(s), ctx4));
  });
  it('removing the primary clusterIP', () => {
    const old = clusterIPSvc();
    const s = clone(old);
    delete s.spec.clusterIP;
    delete s.spec.clusterIPs;
    expectErr(
      validateServiceUpdate(asSvc(s), asSvc(old), ctx4),
      'spec.clusterIPs[0]',
      'FieldValueInvalid',
      'Invalid value: []string(nil): primary clusterIP can not be unset',
    );
  });
  it('ipFamilies[0] may not change (reported at index 0 with the typed slice)', () => {
    const old = clusterIPSvc();
    old.spec.clusterIPs = ['10.96.0.10', 'fd00::10'];
    old.spec.ipFamilies = ['IPv4', 'IPv6'];
    old.spec.ipFamilyPolicy = 'RequireDualStack';
    const s = clone(old);
    s.spec.ipFamilies = ['IPv6', 'IPv4'];
    const errs = validateServiceUpdate(asSvc(s), asSvc(old), ctxDual);
    const hits = errs.filter(
      (e) => e.field === 'spec.ipFamilies[0]' && errorBody(e) === 'Invalid value: []core.IPFamily{"IPv6", "IPv4"}: may not change once set',
    );
    assert.equal(hits.length, 2, show(errs));
  });
  it('releasing the secondary clusterIP requires SingleStack', () => {
    const old = clusterIPSvc();
    old.spec.clusterIPs = ['10.96.0.10', 'fd00::10'];
    old.spec.ipFamilies = ['IPv4', 'IPv6'];
    old.spec.ipFamilyPolicy = 'PreferDualStack';
    const s = clone(old);
    s.spec.clusterIPs = ['10.96.0.10'];
    s.spec.ipFamilies = ['IPv4'];
    const errs = validateServiceUpdate(asSvc(s), asSvc(old), ctxDual);
    expectErr(
      errs,
      'spec.ipFamilyPolicy',
      'FieldValueInvalid',
      `Invalid value: "PreferDualStack": must be set to 'SingleStack' when releasing the secondary clusterIP`,
    );
    expectErr(
      errs,
      'spec.ipFamilyPolicy',
      'FieldValueInvalid',
      `Invalid value: "PreferDualStack": must be set to 'SingleStack' when releasing the secondary ipFamily`,
    );
    s.spec.ipFamilyPolicy = 'SingleStack';
    expectNone(validateServiceUpdate(asSvc(s), asSvc(old), ctxDual));
  });
  it('loadBalancerClass is immutable while LoadBalancer', () => {
    const old = lbSvc();
    old.spec.loadBalancerClass = 'a.io/x';
    const s = clone(old);
    s.spec.loadBalancerClass = 'b.io/x';
    expectOnly(
      validateServiceUpdate(asSvc(s), asSvc(old), ctx4),
      'spec.loadBalancerClass',
      'FieldValueInvalid',
      'Invalid value: "b.io/x": may not change once set',
    );
    delete s.spec.loadBalancerClass;
    expectOnly(
      validateServiceUpdate(asSvc(s), asSvc(old), ctx4),
      'spec.loadBalancerClass',
      'FieldValueInvalid',
      'Invalid value: null: may not change once set',
    );
    // leaving LoadBalancer is fine
    const c = clusterIPSvc();
    expectNone(validateServiceUpdate(asSvc(c), asSvc(old), ctx4));
  });
  it('healthCheckNodePort is immutable while LoadBalancer + Local', () => {
    const old = lbSvc();
    old.spec.externalTrafficPolicy = 'Local';
    old.spec.healthCheckNodePort = 30500;
    const s = clone(old);
    s.spec.healthCheckNodePort = 30501;
    expectOnly(validateServiceUpdate(asSvc(s), asSvc(old), ctx4), 'spec.healthCheckNodePort', 'FieldValueForbidden', 'Forbidden: field is immutable');
    s.spec.externalTrafficPolicy = 'Cluster';
    delete s.spec.healthCheckNodePort;
    expectNone(validateServiceUpdate(asSvc(s), asSvc(old), ctx4));
  });
  it('metadata immutability applies', () => {
    const old = clusterIPSvc();
    const s = clone(old);
    s.metadata.uid = 'other';
    expectOnly(validateServiceUpdate(asSvc(s), asSvc(old), ctx4), 'metadata.uid', 'FieldValueInvalid', 'Invalid value: "other": field is immutable');
  });
  it('ValidateService rules are applied on update too', () => {
    const old = clusterIPSvc();
    const s = clone(old);
    s.spec.ports[0].port = 65536;
    expectOnly(
      validateServiceUpdate(asSvc(s), asSvc(old), ctx4),
      'spec.ports[0].port',
      'FieldValueInvalid',
      'Invalid value: 65536: must be between 1 and 65535, inclusive',
    );
  });
});

describe('status update', () => {
  const withIngress = (svc: AnyObj, ingress: AnyObj[]) => {
    const s = clone(svc);
    s.status = { loadBalancer: { ingress } };
    return s;
  };
  it('valid LoadBalancer status', () => {
    const old = lbSvc();
    expectNone(
      validateServiceStatusUpdate(
        asSvc(
          withIngress(old, [
            { ip: '192.0.2.7', ipMode: 'VIP' },
            { hostname: 'a1b2.elb.amazonaws.com' },
            { ip: '192.0.2.8', ipMode: 'Proxy', hostname: 'x.example.com' },
          ]),
        ),
        asSvc(old),
      ),
    );
  });
  it('ingress is forbidden on non-LoadBalancer services', () => {
    const old = nodePortSvc();
    expectOnly(
      validateServiceStatusUpdate(asSvc(withIngress(old, [{ ip: 'bogus' }])), asSvc(old)),
      'status.loadBalancer.ingress',
      'FieldValueForbidden',
      "Forbidden: may only be used when `spec.type` is 'LoadBalancer'",
    );
  });
  it('ip and ipMode rules', () => {
    const old = lbSvc();
    expectOnly(
      validateServiceStatusUpdate(asSvc(withIngress(old, [{ ip: '1.2.3.x', ipMode: 'VIP' }])), asSvc(old)),
      'status.loadBalancer.ingress[0].ip',
      'FieldValueInvalid',
      `Invalid value: "1.2.3.x": ${IP_MSG}`,
    );
    expectOnly(
      validateServiceStatusUpdate(asSvc(withIngress(old, [{ ip: '1.2.3.4' }])), asSvc(old)),
      'status.loadBalancer.ingress[0].ipMode',
      'FieldValueRequired',
      'Required value: must be specified when `ip` is set',
    );
    expectOnly(
      validateServiceStatusUpdate(asSvc(withIngress(old, [{ hostname: 'lb.example.com', ipMode: 'VIP' }])), asSvc(old)),
      'status.loadBalancer.ingress[0].ipMode',
      'FieldValueForbidden',
      'Forbidden: may not be specified when `ip` is not set',
    );
    expectOnly(
      validateServiceStatusUpdate(asSvc(withIngress(old, [{ ip: '1.2.3.4', ipMode: 'Direct' }])), asSvc(old)),
      'status.loadBalancer.ingress[0].ipMode',
      'FieldValueNotSupported',
      'Unsupported value: "Direct": supported values: "Proxy", "VIP"',
    );
  });
  it('hostname rules', () => {
    const old = lbSvc();
    expectOnly(
      validateServiceStatusUpdate(asSvc(withIngress(old, [{ hostname: '1.2.3.4' }])), asSvc(old)),
      'status.loadBalancer.ingress[0].hostname',
      'FieldValueInvalid',
      'Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
    );
    expectOnly(
      validateServiceStatusUpdate(asSvc(withIngress(old, [{ hostname: 'Bad_Host' }])), asSvc(old)),
      'status.loadBalancer.ingress[0].hostname',
      'FieldValueInvalid',
      `Invalid value: "Bad_Host": ${DNS1123_SUBDOMAIN_MSG}`,
    );
  });
  it('metadata update rules apply', () => {
    const old = lbSvc();
    const s = clone(old);
    s.metadata.name = 'other';
    expectOnly(validateServiceStatusUpdate(asSvc(s), asSvc(old)), 'metadata.name', 'FieldValueInvalid', 'Invalid value: "other": field is immutable');
  });
});

describe('validateClusterIPFields (allocation-hook pre-validation)', () => {
  const bare = (spec: AnyObj): AnyObj => ({
    metadata: { name: 'web', namespace: 'default' },
    spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], selector: { app: 'web' }, ...spec },
  });
  it('no fields set is fine and the input is not modified', () => {
    const s = bare({});
    const before = clone(s);
    expectNone(validateClusterIPFields(asSvc(s), undefined, ctx4));
    assert.deepEqual(s, before);
  });
  it('RequireDualStack on a single-stack cluster', () => {
    expectOnly(
      validateClusterIPFields(asSvc(bare({ ipFamilyPolicy: 'RequireDualStack' })), undefined, ctx4),
      'spec.ipFamilyPolicy',
      'FieldValueInvalid',
      'Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    );
    expectNone(validateClusterIPFields(asSvc(bare({ ipFamilyPolicy: 'RequireDualStack' })), undefined, ctxDual));
  });
  it('PreferDualStack on a single-stack cluster is accepted', () => {
    expectNone(validateClusterIPFields(asSvc(bare({ ipFamilyPolicy: 'PreferDualStack' })), undefined, ctx4));
  });
  it('families not configured on this cluster', () => {
    expectOnly(
      validateClusterIPFields(asSvc(bare({ ipFamilies: ['IPv6'] })), undefined, ctx4),
      'spec.ipFamilies[0]',
      'FieldValueInvalid',
      'Invalid value: "IPv6": not configured on this cluster',
    );
    expectOnly(
      validateClusterIPFields(asSvc(bare({ ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' })), undefined, ctx4),
      'spec.ipFamilies[1]',
      'FieldValueInvalid',
      'Invalid value: "IPv6": not configured on this cluster',
    );
  });
  it('two families with the defaulted SingleStack policy', () => {
    expectOnly(
      validateClusterIPFields(asSvc(bare({ ipFamilies: ['IPv4', 'IPv6'] })), undefined, ctxDual),
      'spec.ipFamilyPolicy',
      'FieldValueInvalid',
      `Invalid value: "SingleStack": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified`,
    );
    expectOnly(
      validateClusterIPFields(asSvc(bare({ clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00::5'] })), undefined, ctxDual),
      'spec.ipFamilyPolicy',
      'FieldValueInvalid',
      `Invalid value: "SingleStack": must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified`,
    );
  });
  it('explicit IP of a family the cluster lacks', () => {
    expectOnly(
      validateClusterIPFields(asSvc(bare({ clusterIP: '2001:db8::1', clusterIPs: ['2001:db8::1'] })), undefined, ctx4),
      'spec.clusterIPs[0]',
      'FieldValueInvalid',
      'Invalid value: []string{"2001:db8::1"}: IPv6 is not configured on this cluster',
    );
  });
  it('runs ValidateServiceClusterIPsRelatedFields first', () => {
    expectOnly(
      validateClusterIPFields(asSvc(bare({ clusterIP: 'abc', clusterIPs: ['abc'] })), undefined, ctx4),
      'spec.clusterIPs[0]',
      'FieldValueInvalid',
      `Invalid value: "abc": ${IP_MSG}`,
    );
    expectOnly(validateClusterIPFields(asSvc(bare({ clusterIP: '10.96.0.5' })), undefined, ctx4), 'spec.clusterIPs', 'FieldValueRequired', 'Required value');
  });
  it('headless selectorless gets both families even on a single-stack cluster', () => {
    const s = bare({ clusterIP: 'None', clusterIPs: ['None'] });
    delete s.spec.selector;
    expectNone(validateClusterIPFields(asSvc(s), undefined, ctx4));
    assert.equal(s.spec.ipFamilyPolicy, undefined);
    expectNone(initIPFamilyFields(asSvc(s), undefined, ctx4));
    assert.equal(s.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4', 'IPv6']);
  });
  it('initIPFamilyFields defaults policy and families', () => {
    const s = bare({});
    expectNone(initIPFamilyFields(asSvc(s), undefined, ctx4));
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    const d = bare({ ipFamilyPolicy: 'PreferDualStack' });
    expectNone(initIPFamilyFields(asSvc(d), undefined, ctxDual));
    assert.deepEqual(d.spec.ipFamilies, ['IPv4', 'IPv6']);
    const six = bare({ clusterIP: 'fd00::5', clusterIPs: ['fd00::5'] });
    expectNone(initIPFamilyFields(asSvc(six), undefined, ctxDual));
    assert.deepEqual(six.spec.ipFamilies, ['IPv6']);
  });
  it('update: policy inherited; reducing without SingleStack is refused', () => {
    const old = bare({ clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00::5'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });
    const s = clone(old);
    s.spec.clusterIPs = ['10.96.0.5'];
    delete s.spec.ipFamilyPolicy;
    expectOnly(
      validateClusterIPFields(asSvc(s), asSvc(old), ctxDual),
      'spec.ipFamilyPolicy',
      'FieldValueInvalid',
      `Invalid value: "RequireDualStack": must be 'SingleStack' to release the secondary cluster IP`,
    );
    const t = clone(old);
    t.spec.ipFamilyPolicy = 'SingleStack';
    expectNone(initIPFamilyFields(asSvc(t), asSvc(old), ctxDual));
    assert.deepEqual(t.spec.clusterIPs, ['10.96.0.5']);
    assert.deepEqual(t.spec.ipFamilies, ['IPv4']);
  });
  it('ExternalName is skipped', () => {
    expectNone(validateClusterIPFields(asSvc({ spec: { type: 'ExternalName', ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6'] } }), undefined, ctx4));
  });
});

describe('namespaces', () => {
  const ns = (o: AnyObj) => validateNamespace(o as Namespace);
  it('valid namespace', () => expectNone(ns({ metadata: { name: 'kube-system' }, spec: { finalizers: ['kubernetes'] } })));
  it('names are DNS-1123 labels', () => {
    expectOnly(ns({ metadata: { name: 'My_NS' } }), 'metadata.name', 'FieldValueInvalid', `Invalid value: "My_NS": ${DNS1123_LABEL_MSG}`);
    expectOnly(ns({ metadata: { name: 'a.b' } }), 'metadata.name', 'FieldValueInvalid', 'Invalid value: "a.b": must not contain dots');
    expectNone(ns({ metadata: { name: '1abc' } }));
  });
  it('namespaces are cluster-scoped', () => {
    expectOnly(ns({ metadata: { name: 'a', namespace: 'b' } }), 'metadata.namespace', 'FieldValueForbidden', 'Forbidden: not allowed on this type');
  });
  it('spec.finalizers', () => {
    expectOnly(
      ns({ metadata: { name: 'a' }, spec: { finalizers: ['foo'] } }),
      'spec.finalizers',
      'FieldValueInvalid',
      'Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified',
    );
  });
});

describe('name and IP predicates', () => {
  it('DNS names', () => {
    assert.deepEqual(isDNS1035Label('my-name'), []);
    assert.deepEqual(isDNS1035Label('abc-123'), []);
    assert.deepEqual(isDNS1035Label('123-abc'), [DNS1035_MSG]);
    assert.deepEqual(isDNS1035Label('a-'), [DNS1035_MSG]);
    assert.deepEqual(isDNS1035Label(''), [DNS1035_MSG]);
    assert.deepEqual(isDNS1123Label('123-abc'), []);
    assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
    assert.deepEqual(isDNS1123Label('x'.repeat(64)), ['must be no more than 63 characters']);
    assert.deepEqual(isDNS1123Label('é'.repeat(32)), ['must be no more than 63 characters', DNS1123_LABEL_MSG]);
    assert.deepEqual(isDNS1123Subdomain('example.com'), []);
    assert.deepEqual(isDNS1123Subdomain('Example.com'), [DNS1123_SUBDOMAIN_MSG]);
    assert.deepEqual(isDNS1123Subdomain(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`), ['must be no more than 253 characters']);
  });
  it('qualified names and label values', () => {
    assert.deepEqual(isQualifiedName('example.com/MyName'), []);
    assert.deepEqual(isQualifiedName('my.name'), []);
    assert.deepEqual(isQualifiedName('/a'), ['prefix part must be non-empty']);
    assert.deepEqual(isQualifiedName('a/'), ['name part must be non-empty', QNAME_PART_MSG]);
    assert.deepEqual(isQualifiedName('Bad_Prefix/a'), [`prefix part ${DNS1123_SUBDOMAIN_MSG}`]);
    assert.deepEqual(isQualifiedName('x'.repeat(64)), ['name part must be no more than 63 characters']);
    assert.deepEqual(isValidLabelValue(''), []);
    assert.deepEqual(isValidLabelValue('a_b.c-d'), []);
    assert.deepEqual(isValidLabelValue('_a'), [LABEL_VALUE_MSG]);
  });
  it('isValidIP: Go net.ParseIP semantics', () => {
    for (const ok of [
      '10.0.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '::',
      '::1',
      '2001:db8::ffff',
      'FE80::ABCD',
      '::ffff:1.2.3.4',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:1.2.3.4',
      '0:0::1',
    ]) {
      assert.equal(isValidIP(ok), true, ok);
    }
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '010.0.0.1',
      '1.2.3.04',
      'fe80::1%eth0',
      '1:2:3:4:5:6:7:8:9',
      '00001::',
      '1::2::3',
      ':1:2::',
      'abc',
      '1.2.3.4 ',
      '[::1]',
      '::ffff:01.2.3.4',
      '1:2:3:4:5:6:7::8:9',
    ]) {
      assert.equal(isValidIP(bad), false, bad);
    }
    assert.equal(isValidIPSloppy('010.0.0.1'), true);
    assert.equal(isValidIPSloppy('00001::'), true);
    assert.equal(isValidIPSloppy('1.2.3'), false);
  });
});
