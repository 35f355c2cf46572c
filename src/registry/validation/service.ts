// Service and Namespace validation, a port of kube-apiserver v1.33 (default feature gates):
//   pkg/apis/core/validation/validation.go: ValidateService, validateServicePort,
//     validateServiceExternalTrafficPolicy, validateServiceExternalTrafficFieldsUpdate,
//     validateServiceInternalTrafficFieldsValue, validateServiceTrafficDistribution,
//     ValidateServiceClusterIPsRelatedFields, validateUpgradeDowngradeClusterIPs,
//     validateUpgradeDowngradeIPFamilies, validateLoadBalancerClassField, ValidateServiceUpdate,
//     ValidateServiceStatusUpdate, ValidateLoadBalancerStatus, ValidateNonSpecialIP,
//     validateClientIPAffinityConfig, ValidatePortNumOrName, ValidateNamespace
//   pkg/registry/core/service/storage/alloc.go: initIPFamilyFields (the "not configured on this
//     cluster" / dual-stack pre-validation run by the allocation hook)
// Field paths, error types, bad values and details are the Go ones; errors come out in the order
// the Go code appends them (duplicates included: kube-apiserver only de-duplicates the Status
// message, not details.causes).
//
// Where /work/shared/spec/services-api.md and the source disagree or the summary is imprecise
// (the source wins):
//  - IP syntax: the brief says 1.33 rejects leading zeros in IPv4 octets. It does not with default
//    feature gates: StrictIPCIDRValidation is alpha (off) in 1.33, so clusterIPs, externalIPs,
//    status.loadBalancer.ingress[].ip and loadBalancerSourceRanges are parsed with
//    netutils.ParseIPSloppy / ParseCIDRSloppy ("010.1.2.3" is accepted and means 10.1.2.3).
//    `serviceValidationOptions.strictIPCIDRValidation = true` switches to the gate-on messages
//    (without the ratcheting of unchanged old values). The exported `isValidIP` follows the brief
//    (Go net.ParseIP, leading zeros rejected); `isValidIPSloppy` is what validation uses.
//  - §2 finalizers: besides the per-index "neither a standard finalizer name nor is it fully
//    qualified" error at metadata.finalizers[i], qualified-name errors are reported at
//    metadata.finalizers (no index); owner reference errors are at
//    metadata.ownerReferences.{apiVersion,kind,name,uid} (no index).
//  - §5.3 ExternalName: ValidateService forbids a non-empty clusterIPs list; a bare clusterIP with an
//    empty clusterIPs is only caught because the registry normalises clusterIPs = [clusterIP] first.
//  - §8 "removing a secondary needs SingleStack": two different errors exist. The allocation hook
//    (initIPFamilyFields) says "must be 'SingleStack' to release the secondary cluster IP" /
//    "... IP family"; update validation says "must be set to 'SingleStack' when releasing the
//    secondary clusterIP" / "... ipFamily".
//  - §5.2/§9.2: "may not change once set" for ipFamilies is always reported at spec.ipFamilies[0]
//    (even when only the second family changed), with the whole list as value; for clusterIPs it is
//    at spec.clusterIPs[i] for each differing index, also with the whole list as value.
//  - The duplicate (protocol, port) error prints the Go struct used as map key, e.g.
//    `Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80,
//    TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`.
//
// Values goValue() cannot render (Go structs, typed or nil slices, times) are carried pre-rendered
// in `detail` with `value` undefined; see names.ts rawValueError. errorBody() output is exact.

import type { Namespace } from '../../model/namespace.js';
import type { Service } from '../../model/service.js';
import { type FieldError, duplicate, forbidden, internal, invalid, notSupported, required } from './fieldErrors.js';
import {
  goStringSlice,
  isDNS1123Label,
  isDNS1123Subdomain,
  isDualStackIPStrings,
  isIPv4String,
  isIPv6String,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
  ipIsLinkLocalMulticast,
  ipIsLinkLocalUnicast,
  ipIsLoopback,
  ipIsUnspecified,
  parseIP as parseIPStrict,
  rawValueError,
  strictCIDRProblem,
} from './names.js';
import { parseCIDRSloppy, parseIPSloppy } from '../../net/ip.js';
import { validateFinalizerName, validateKubeFinalizerName, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './objectMeta.js';

export {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidIP,
  isValidIPSloppy,
  isValidPortName,
  isValidPortNum,
  isIPv4String,
  isIPv6String,
  parseIP,
} from './names.js';
import { goQuote } from '../../goQuote.js';
export { parseCIDRSloppy, parseIPSloppy } from '../../net/ip.js';
export { validateObjectMeta, validateObjectMetaUpdate } from './objectMeta.js';

export type IPFamily = 'IPv4' | 'IPv6';

export interface ServiceValidationContext {
  /** families the cluster serves, primary first, e.g. ['IPv4'] or ['IPv4','IPv6'] */
  clusterFamilies: IPFamily[];
}

/** Feature-gate style switches. Defaults are kube-apiserver 1.33's defaults. */
export const serviceValidationOptions = {
  /** StrictIPCIDRValidation (alpha, off in 1.33) */
  strictIPCIDRValidation: false,
};

// ---------------------------------------------------------------------------------------------
// Constants (sets.List(...) order = sorted)

const SUPPORTED_SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
const SUPPORTED_SESSION_AFFINITY = ['ClientIP', 'None'] as const;
const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
const SUPPORTED_ETP = ['Cluster', 'Local'] as const;
const SUPPORTED_ITP = ['Cluster', 'Local'] as const;
const SUPPORTED_IP_FAMILIES = ['IPv4', 'IPv6'] as const;
const SUPPORTED_IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'] as const;
const SUPPORTED_LB_IP_MODES = ['Proxy', 'VIP'] as const;
const SUPPORTED_TRAFFIC_DISTRIBUTION = ['PreferClose'] as const;

const CLUSTER_IP_NONE = 'None';
const MAX_CLIENT_IP_SERVICE_AFFINITY_SECONDS = 86400;
const ANNOTATION_LB_SOURCE_RANGES = 'service.beta.kubernetes.io/load-balancer-source-ranges';
const ANNOTATION_TOPOLOGY_AWARE_HINTS = 'service.kubernetes.io/topology-aware-hints';
const ANNOTATION_TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
const INVALID_IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const INVALID_CIDR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

// ---------------------------------------------------------------------------------------------
// Defensive accessors: validation never throws on any shape the types allow (or a bit beyond).

// The model's enum fields are unions of literals; validation must cope with any string (the decoder
// does not enforce enums), so it works on this structurally loose view of the spec.
interface LoosePort {
  name?: string;
  protocol?: string;
  appProtocol?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
}
interface Spec {
  ports?: LoosePort[];
  selector?: Record<string, string>;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: string;
  externalIPs?: string[];
  sessionAffinity?: string;
  loadBalancerSourceRanges?: string[];
  externalName?: string;
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } | null } | null;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
  loadBalancerClass?: string;
  internalTrafficPolicy?: string;
  trafficDistribution?: string;
}
interface LooseIngress {
  ip?: string;
  hostname?: string;
  ipMode?: string;
}
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const list = <T>(a: T[] | undefined | null): T[] => (Array.isArray(a) ? a : []);
const isSet = (v: unknown): boolean => v !== undefined && v !== null;
const specOf = (svc: Service | undefined | null): Spec => (svc && typeof svc.spec === 'object' && svc.spec !== null ? (svc.spec as unknown as Spec) : {});
const has = (values: readonly string[], v: unknown): boolean => typeof v === 'string' && values.includes(v);
const isStringMap = (m: unknown): m is Record<string, unknown> => m !== null && typeof m === 'object' && !Array.isArray(m);

/** field.Invalid with a []string bad value (nil slice printed as `[]string(nil)`). */
function invalidStrings(field: string, values: readonly string[] | undefined | null, detail: string): FieldError {
  if (Array.isArray(values)) return invalid(field, values.map(str), detail);
  return rawValueError('FieldValueInvalid', field, goStringSlice('string', values), detail);
}

/** %#v of the core.ServicePort used as duplicate key: only Protocol and Port are set. */
function servicePortKeyGoSyntax(protocol: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
}

function isHeadlessSpec(spec: Spec): boolean {
  const ips = list(spec.clusterIPs);
  return ips.length === 1 && ips[0] === CLUSTER_IP_NONE;
}

/** apiservice.ExternallyAccessible */
function externallyAccessible(spec: Spec): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && list(spec.externalIPs).length > 0);
}

/** apiservice.NeedsHealthCheck */
function needsHealthCheck(spec: Spec): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

// ---------------------------------------------------------------------------------------------
// IP / CIDR syntax for the legacy Service fields (IsValidIPForLegacyField / IsValidCIDRForLegacyField)

function validateLegacyIP(field: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value);
  if (ip === null) return [invalid(field, value, INVALID_IP_MSG)];
  if (!serviceValidationOptions.strictIPCIDRValidation) return [];
  const errs: FieldError[] = [];
  if (parseIPStrict(value) === null) errs.push(invalid(field, value, 'must not have leading 0s'));
  else if (value.includes(':') && isIPv4String(value)) errs.push(invalid(field, value, 'must not be an IPv4-mapped IPv6 address'));
  return errs;
}

function validateLegacyCIDR(field: string, value: string): FieldError[] {
  if (parseCIDRSloppy(value) === null) return [invalid(field, value, INVALID_CIDR_MSG)];
  if (!serviceValidationOptions.strictIPCIDRValidation) return [];
  const problem = strictCIDRProblem(value);
  return problem ? [invalid(field, value, problem)] : [];
}

/** ValidateNonSpecialIP (ValidateEndpointIP): Endpoints and EndpointSlice addresses are checked with it too. */
export function validateNonSpecialIP(value: string, field: string): FieldError[] {
  const ip = parseIPSloppy(value);
  if (ip === null) return [invalid(field, value, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  if (ipIsUnspecified(ip)) errs.push(invalid(field, value, `may not be unspecified (${value})`));
  if (ipIsLoopback(ip)) errs.push(invalid(field, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (ipIsLinkLocalUnicast(ip)) errs.push(invalid(field, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (ipIsLinkLocalMulticast(ip)) errs.push(invalid(field, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Ports

/** ValidatePortNumOrName (a missing targetPort is the Go zero IntOrString, i.e. int 0). */
function validatePortNumOrName(port: unknown, field: string): FieldError[] {
  if (typeof port === 'string') return isValidPortName(port).map((msg) => invalid(field, port, msg));
  const n = typeof port === 'number' ? port : 0;
  if (typeof port !== 'number' && isSet(port)) return [internal(field, `unknown type: ${typeof port}`)];
  return isValidPortNum(n).map((msg) => invalid(field, n, msg));
}

function validateServicePort(sp: LoosePort, requireName: boolean, allNames: Set<string>, fldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(sp?.name);
  if (requireName && name.length === 0) {
    errs.push(required(`${fldPath}.name`));
  } else if (name.length !== 0) {
    for (const msg of isDNS1123Label(name)) errs.push(invalid(`${fldPath}.name`, name, msg));
    if (allNames.has(name)) errs.push(duplicate(`${fldPath}.name`, name));
    else allNames.add(name);
  }

  const port = num(sp?.port);
  for (const msg of isValidPortNum(port)) errs.push(invalid(`${fldPath}.port`, port, msg));

  const protocol = str(sp?.protocol);
  if (protocol.length === 0) errs.push(required(`${fldPath}.protocol`));
  else if (!has(SUPPORTED_PORT_PROTOCOLS, protocol)) errs.push(notSupported(`${fldPath}.protocol`, protocol, SUPPORTED_PORT_PROTOCOLS));

  errs.push(...validatePortNumOrName(sp?.targetPort, `${fldPath}.targetPort`));

  if (isSet(sp?.appProtocol)) {
    const appProtocol = str(sp.appProtocol);
    for (const msg of isQualifiedName(appProtocol)) errs.push(invalid(`${fldPath}.appProtocol`, appProtocol, msg));
  }
  // Headless services tolerate any targetPort (commented-out check in the Go source).
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Individual rule groups

function validateClientIPAffinityConfig(spec: Spec, fldPath: string): FieldError[] {
  const detail = 'when session affinity type is ClientIP';
  const config = spec.sessionAffinityConfig;
  if (!isSet(config)) return [required(fldPath, detail)];
  if (!isSet(config!.clientIP)) return [required(`${fldPath}.clientIP`, detail)];
  const timeout = config!.clientIP!.timeoutSeconds;
  if (!isSet(timeout)) return [required(`${fldPath}.clientIP.timeoutSeconds`, detail)];
  const t = num(timeout);
  if (t <= 0 || t > MAX_CLIENT_IP_SERVICE_AFFINITY_SECONDS) {
    return [invalid(`${fldPath}.clientIP.timeoutSeconds`, t, `must be greater than 0 and less than ${MAX_CLIENT_IP_SERVICE_AFFINITY_SECONDS}`)];
  }
  return [];
}

/** ValidateServiceClusterIPsRelatedFields */
function validateServiceClusterIPsRelatedFields(spec: Spec): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  let hasInvalidIPs = false;
  const clusterIPsField = 'spec.clusterIPs';
  const ipFamiliesField = 'spec.ipFamilies';
  const clusterIP = str(spec.clusterIP);
  const clusterIPs = list(spec.clusterIPs).map(str);
  const ipFamilies = list(spec.ipFamilies).map(str);

  if (clusterIP.length !== 0) {
    if (clusterIPs.length === 0) errs.push(required(clusterIPsField));
    else if (clusterIPs[0] !== clusterIP) errs.push(invalid(clusterIPsField, clusterIPs, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length !== 0) {
    errs.push(invalid(clusterIPsField, clusterIPs, 'must be empty when `clusterIP` is not specified'));
  }

  const seen = new Set<string>();
  ipFamilies.forEach((family, i) => {
    if (!has(SUPPORTED_IP_FAMILIES, family)) errs.push(notSupported(`${ipFamiliesField}[${i}]`, family, SUPPORTED_IP_FAMILIES));
    if (seen.has(family)) errs.push(duplicate(`${ipFamiliesField}[${i}]`, family));
    seen.add(family);
  });

  if (isSet(spec.ipFamilyPolicy) && !has(SUPPORTED_IP_FAMILY_POLICIES, spec.ipFamilyPolicy)) {
    errs.push(notSupported('spec.ipFamilyPolicy', str(spec.ipFamilyPolicy), SUPPORTED_IP_FAMILY_POLICIES));
  }

  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === CLUSTER_IP_NONE) {
      if (clusterIPs.length > 1) {
        hasInvalidIPs = true;
        errs.push(invalid(clusterIPsField, clusterIPs, "'None' must be the first and only value"));
      }
      return;
    }
    const ipErrs = validateLegacyIP(`${clusterIPsField}[${i}]`, ip);
    if (ipErrs.length !== 0) hasInvalidIPs = true;
    errs.push(...ipErrs);
  });

  if (clusterIPs.length > 2) errs.push(invalid(clusterIPsField, clusterIPs, 'may only hold up to 2 values'));

  if (hasInvalidIPs) return errs;

  if (clusterIPs.length > 1) {
    const [dualStack, parseErr] = isDualStackIPStrings(clusterIPs);
    if (parseErr)
      errs.push(
        internal(clusterIPsField, `failed to check for dual stack with error:failed to parse ${clusterIPs.find((ip) => parseIPSloppy(ip) === null) ?? ''}`),
      );
    if (!dualStack) errs.push(invalid(clusterIPsField, clusterIPs, 'may specify no more than one IP for each IP family'));
  }

  if (!isHeadlessSpec(spec) && clusterIPs.length > 0 && ipFamilies.length > 0) {
    for (let i = 0; i < clusterIPs.length; i++) {
      if (i > ipFamilies.length - 1) break;
      const ip = clusterIPs[i];
      if (ipFamilies[i] === 'IPv4' && isIPv6String(ip)) {
        errs.push(invalid(`${clusterIPsField}[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      }
      if (ipFamilies[i] === 'IPv6' && !isIPv6String(ip)) {
        errs.push(invalid(`${clusterIPsField}[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
      }
    }
  }
  return errs;
}

/** validateServiceExternalTrafficPolicy (includes the healthCheckNodePort rules) */
function validateServiceExternalTrafficPolicy(spec: Spec): FieldError[] {
  const errs: FieldError[] = [];
  const etp = str(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (etp !== '') errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp === '') {
    errs.push(required('spec.externalTrafficPolicy'));
  } else if (!has(SUPPORTED_ETP, etp)) {
    errs.push(notSupported('spec.externalTrafficPolicy', etp, SUPPORTED_ETP));
  }

  const hcnp = num(spec.healthCheckNodePort);
  if (!needsHealthCheck(spec)) {
    if (hcnp !== 0)
      errs.push(invalid('spec.healthCheckNodePort', hcnp, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  } else if (hcnp === 0) {
    errs.push(required('spec.healthCheckNodePort'));
  } else {
    for (const msg of isValidPortNum(hcnp)) errs.push(invalid('spec.healthCheckNodePort', hcnp, msg));
  }
  return errs;
}

function validateServiceInternalTrafficFieldsValue(spec: Spec): FieldError[] {
  const errs: FieldError[] = [];
  if (!isSet(spec.internalTrafficPolicy)) {
    // Not forbidden on other types for historical reasons; only required on these.
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') errs.push(required('spec.internalTrafficPolicy'));
  } else if (!has(SUPPORTED_ITP, spec.internalTrafficPolicy)) {
    errs.push(notSupported('spec.internalTrafficPolicy', str(spec.internalTrafficPolicy), SUPPORTED_ITP));
  }
  return errs;
}

function validateServiceTrafficDistribution(spec: Spec): FieldError[] {
  if (!isSet(spec.trafficDistribution)) return [];
  const td = str(spec.trafficDistribution);
  if (!has(SUPPORTED_TRAFFIC_DISTRIBUTION, td)) return [notSupported('spec.trafficDistribution', td, SUPPORTED_TRAFFIC_DISTRIBUTION)];
  return [];
}

function sameLoadBalancerClass(oldSpec: Spec, spec: Spec): boolean {
  const a = oldSpec.loadBalancerClass;
  const b = spec.loadBalancerClass;
  if (!isSet(a) && !isSet(b)) return true;
  if (!isSet(a) || !isSet(b)) return false;
  return a === b;
}

/** validateLoadBalancerClassField(oldService, service) */
function validateLoadBalancerClassField(oldSpec: Spec | null, spec: Spec): FieldError[] {
  const errs: FieldError[] = [];
  if (oldSpec !== null && oldSpec.type === 'LoadBalancer' && spec.type === 'LoadBalancer' && !sameLoadBalancerClass(oldSpec, spec)) {
    errs.push(invalid('spec.loadBalancerClass', isSet(spec.loadBalancerClass) ? str(spec.loadBalancerClass) : null, 'may not change once set'));
  }
  if (spec.type === 'LoadBalancer') {
    if (isSet(spec.loadBalancerClass)) {
      const cls = str(spec.loadBalancerClass);
      for (const msg of isQualifiedName(cls)) errs.push(invalid('spec.loadBalancerClass', cls, msg));
    }
  } else if (isSet(spec.loadBalancerClass)) {
    errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  return errs;
}

function validateUpgradeDowngradeClusterIPs(oldSpec: Spec, spec: Spec): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return errs;
  if (isHeadlessSpec(oldSpec) && isHeadlessSpec(spec)) return errs;
  const oldIPs = list(oldSpec.clusterIPs).map(str);
  const newIPs = list(spec.clusterIPs).map(str);
  const value = Array.isArray(spec.clusterIPs) ? newIPs : undefined;

  if (oldIPs.length === newIPs.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== newIPs[i]) errs.push(invalidStrings(`spec.clusterIPs[${i}]`, value, 'may not change once set'));
    });
  } else if (oldIPs.length > newIPs.length) {
    if (newIPs.length === 0) errs.push(invalidStrings('spec.clusterIPs[0]', value, 'primary clusterIP can not be unset'));
    if (oldIPs.length > 0 && newIPs.length > 0 && newIPs[0] !== oldIPs[0]) errs.push(invalidStrings('spec.clusterIPs[0]', value, 'may not change once set'));
    if (newIPs.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(
        invalid(
          'spec.ipFamilyPolicy',
          isSet(spec.ipFamilyPolicy) ? str(spec.ipFamilyPolicy) : null,
          "must be set to 'SingleStack' when releasing the secondary clusterIP",
        ),
      );
    }
  } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    errs.push(invalidStrings('spec.clusterIPs[0]', value, 'may not change once set'));
  }
  return errs;
}

function validateUpgradeDowngradeIPFamilies(oldSpec: Spec, spec: Spec): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return errs;
  const oldHeadless = isHeadlessSpec(oldSpec);
  const newHeadless = isHeadlessSpec(spec);
  if (oldHeadless !== newHeadless) return errs;
  if (newHeadless) return errs;

  const oldFamilies = list(oldSpec.ipFamilies).map(str);
  const newFamilies = list(spec.ipFamilies).map(str);
  const familiesValue = goStringSlice('core.IPFamily', Array.isArray(spec.ipFamilies) ? newFamilies : undefined);
  const clusterIPsValue = Array.isArray(spec.clusterIPs) ? list(spec.clusterIPs).map(str) : undefined;

  if (oldFamilies.length === newFamilies.length) {
    oldFamilies.forEach((family, i) => {
      if (family !== newFamilies[i]) errs.push(rawValueError('FieldValueInvalid', 'spec.ipFamilies[0]', familiesValue, 'may not change once set'));
    });
  } else if (oldFamilies.length > newFamilies.length) {
    // (sic) the Go code tests ClusterIPs here
    if (list(spec.clusterIPs).length === 0)
      errs.push(rawValueError('FieldValueInvalid', 'spec.ipFamilies[0]', familiesValue, 'primary ipFamily can not be unset'));
    if (newFamilies.length > 0 && newFamilies[0] !== oldFamilies[0])
      errs.push(invalidStrings('spec.ipFamilies[0]', clusterIPsValue, 'may not change once set'));
    if (newFamilies.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(
        invalid(
          'spec.ipFamilyPolicy',
          isSet(spec.ipFamilyPolicy) ? str(spec.ipFamilyPolicy) : null,
          "must be set to 'SingleStack' when releasing the secondary ipFamily",
        ),
      );
    }
  } else if (oldFamilies.length > 0 && newFamilies.length > 0 && newFamilies[0] !== oldFamilies[0]) {
    errs.push(invalidStrings('spec.ipFamilies[0]', clusterIPsValue, 'may not change once set'));
  }
  return errs;
}

function validateServiceExternalTrafficFieldsUpdate(oldSpec: Spec, spec: Spec): FieldError[] {
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && num(spec.healthCheckNodePort) !== num(oldSpec.healthCheckNodePort)) {
    return [forbidden('spec.healthCheckNodePort', 'field is immutable')];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Public API

/** ValidateService (create): metadata (DNS-1035 names) + spec. */
export function validateService(svc: Service, _ctx?: ServiceValidationContext): FieldError[] {
  const errs = validateObjectMeta(svc?.metadata, { namespaced: true, nameIsDNS1035: true });
  const spec = specOf(svc);
  const annotations = isStringMap(svc?.metadata?.annotations) ? (svc.metadata!.annotations as Record<string, unknown>) : {};

  const hasHints = Object.hasOwn(annotations, ANNOTATION_TOPOLOGY_AWARE_HINTS);
  const hasMode = Object.hasOwn(annotations, ANNOTATION_TOPOLOGY_MODE);
  if (hasHints && hasMode && str(annotations[ANNOTATION_TOPOLOGY_MODE]) !== str(annotations[ANNOTATION_TOPOLOGY_AWARE_HINTS])) {
    errs.push(
      invalid(
        `metadata.annotations[${ANNOTATION_TOPOLOGY_MODE}]`,
        str(annotations[ANNOTATION_TOPOLOGY_MODE]),
        `must match annotations[${ANNOTATION_TOPOLOGY_AWARE_HINTS}] when both are specified`,
      ),
    );
  }

  const ports = list(spec.ports);
  const headless = isHeadlessSpec(spec);
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(required('spec.ports'));

  switch (spec.type) {
    case 'LoadBalancer':
      if (headless) errs.push(invalid('spec.clusterIPs[0]', CLUSTER_IP_NONE, "may not be set to 'None' for LoadBalancer services"));
      break;
    case 'NodePort':
      if (headless) errs.push(invalid('spec.clusterIPs[0]', CLUSTER_IP_NONE, "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if (list(spec.clusterIPs).length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (list(spec.ipFamilies).length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (isSet(spec.ipFamilyPolicy)) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      // The value (a CNAME) may have a trailing dot to denote it as fully qualified.
      const externalName = str(spec.externalName);
      const cname = externalName.endsWith('.') ? externalName.slice(0, -1) : externalName;
      if (cname.length > 0) {
        for (const msg of isDNS1123Subdomain(cname)) errs.push(invalid('spec.externalName', cname, msg));
      } else {
        errs.push(required('spec.externalName'));
      }
      break;
    }
  }

  const allPortNames = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, allPortNames, `spec.ports[${i}]`)));

  if (isSet(spec.selector)) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const affinity = str(spec.sessionAffinity);
  if (affinity.length === 0) errs.push(required('spec.sessionAffinity'));
  else if (!has(SUPPORTED_SESSION_AFFINITY, affinity)) errs.push(notSupported('spec.sessionAffinity', affinity, SUPPORTED_SESSION_AFFINITY));

  if (affinity === 'ClientIP') {
    errs.push(...validateClientIPAffinityConfig(spec, 'spec.sessionAffinityConfig'));
  } else if (affinity === 'None' && isSet(spec.sessionAffinityConfig)) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }

  // dualstack <-> ClusterIPs <-> ipfamilies
  errs.push(...validateServiceClusterIPsRelatedFields(spec));

  list(spec.externalIPs).forEach((raw, i) => {
    const ip = str(raw);
    const field = `spec.externalIPs[${i}]`;
    const ipErrs = validateLegacyIP(field, ip);
    if (ipErrs.length !== 0) errs.push(...ipErrs);
    else errs.push(...validateNonSpecialIP(ip, field));
  });

  const type = str(spec.type);
  if (type.length === 0) errs.push(required('spec.type'));
  else if (!has(SUPPORTED_SERVICE_TYPES, type)) errs.push(notSupported('spec.type', type, SUPPORTED_SERVICE_TYPES));

  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (num(p?.nodePort) !== 0) errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }

  // Duplicate NodePorts, considering (protocol, nodePort) pairs.
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const nodePort = num(p?.nodePort);
    if (nodePort === 0) return;
    const key = `${str(p?.protocol)}\u0000${nodePort}`;
    if (nodePorts.has(key)) errs.push(duplicate(`spec.ports[${i}].nodePort`, nodePort));
    nodePorts.add(key);
  });

  // Duplicate Ports, considering (protocol, port) pairs.
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const protocol = str(p?.protocol);
    const port = num(p?.port);
    const key = `${protocol}\u0000${port}`;
    if (portKeys.has(key)) errs.push(rawValueError('FieldValueDuplicate', `spec.ports[${i}]`, servicePortKeyGoSyntax(protocol, port)));
    portKeys.add(key);
  });

  // SourceRanges field or annotation.
  const sourceRanges = list(spec.loadBalancerSourceRanges);
  if (sourceRanges.length > 0) {
    const fieldPath = 'spec.LoadBalancerSourceRanges';
    if (type !== 'LoadBalancer') errs.push(forbidden(fieldPath, "may only be used when `type` is 'LoadBalancer'"));
    // Values may be space-padded (historical accident around the annotation transition).
    sourceRanges.forEach((raw, idx) => errs.push(...validateLegacyCIDR(`${fieldPath}[${idx}]`, str(raw).trim())));
  } else if (Object.hasOwn(annotations, ANNOTATION_LB_SOURCE_RANGES)) {
    const fieldPath = `metadata.annotations[${ANNOTATION_LB_SOURCE_RANGES}]`;
    if (type !== 'LoadBalancer') errs.push(forbidden(fieldPath, "may only be used when `type` is 'LoadBalancer'"));
    const val = str(annotations[ANNOTATION_LB_SOURCE_RANGES]).trim();
    if (val !== '') {
      for (const cidr of val.split(',')) errs.push(...validateLegacyCIDR(fieldPath, cidr.trim()));
    }
  }

  if (isSet(spec.allocateLoadBalancerNodePorts) && type !== 'LoadBalancer') {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === 'LoadBalancer' && !isSet(spec.allocateLoadBalancerNodePorts)) {
    errs.push(required('allocateLoadBalancerNodePorts'));
  }

  errs.push(...validateLoadBalancerClassField(null, spec));
  errs.push(...validateServiceExternalTrafficPolicy(spec));
  errs.push(...validateServiceInternalTrafficFieldsValue(spec));
  errs.push(...validateServiceTrafficDistribution(spec));
  return errs;
}

/** ValidateServiceUpdate: metadata update rules, immutability of the primary IP/family, LB class, HC port; then ValidateService. */
export function validateServiceUpdate(svc: Service, old: Service, ctx?: ServiceValidationContext): FieldError[] {
  const errs = validateObjectMetaUpdate(svc?.metadata ?? {}, old?.metadata ?? {});
  const spec = specOf(svc);
  const oldSpec = specOf(old);
  errs.push(...validateUpgradeDowngradeClusterIPs(oldSpec, spec));
  errs.push(...validateUpgradeDowngradeIPFamilies(oldSpec, spec));
  errs.push(...validateLoadBalancerClassField(oldSpec, spec));
  errs.push(...validateServiceExternalTrafficFieldsUpdate(oldSpec, spec));
  errs.push(...validateService(svc, ctx));
  return errs;
}

/** ValidateServiceStatusUpdate: metadata update rules + status.loadBalancer. */
export function validateServiceStatusUpdate(svc: Service, old: Service): FieldError[] {
  const errs = validateObjectMetaUpdate(svc?.metadata ?? {}, old?.metadata ?? {});
  const spec = specOf(svc);
  const ingress = list(svc?.status?.loadBalancer?.ingress as unknown as LooseIngress[] | undefined);
  const ingrPath = 'status.loadBalancer.ingress';
  // AllowServiceLBStatusOnNonLB is off by default.
  if (spec.type !== 'LoadBalancer' && ingress.length !== 0) {
    errs.push(forbidden(ingrPath, "may only be used when `spec.type` is 'LoadBalancer'"));
    return errs;
  }
  ingress.forEach((ing, i) => {
    const idxPath = `${ingrPath}[${i}]`;
    const ip = str(ing?.ip);
    if (ip.length > 0) errs.push(...validateLegacyIP(`${idxPath}.ip`, ip));
    // LoadBalancerIPMode is GA (always on).
    if (!isSet(ing?.ipMode)) {
      if (ip.length > 0) errs.push(required(`${idxPath}.ipMode`, 'must be specified when `ip` is set'));
    } else if (ip.length === 0) {
      errs.push(forbidden(`${idxPath}.ipMode`, 'may not be specified when `ip` is not set'));
    } else if (!has(SUPPORTED_LB_IP_MODES, ing.ipMode)) {
      errs.push(notSupported(`${idxPath}.ipMode`, str(ing.ipMode), SUPPORTED_LB_IP_MODES));
    }
    const hostname = str(ing?.hostname);
    if (hostname.length > 0) {
      for (const msg of isDNS1123Subdomain(hostname)) errs.push(invalid(`${idxPath}.hostname`, hostname, msg));
      if (parseIPSloppy(hostname) !== null) errs.push(invalid(`${idxPath}.hostname`, hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

function familyOf(ip: string): string {
  if (isIPv4String(ip)) return 'IPv4';
  if (isIPv6String(ip)) return 'IPv6';
  return 'unknown';
}

function sameStrings(a: unknown[] | undefined | null, b: unknown[] | undefined | null): boolean {
  const x = list(a);
  const y = list(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * A PreferDualStack service whose IP fields are unchanged is left alone (alloc.go's
 * isMatchingPreferDualStackClusterIPFields), so that a cluster gaining or losing a family never
 * upgrades or downgrades it behind its owner's back.
 */
export function isMatchingPreferDualStack(svc: Service, old: Service | undefined): boolean {
  return isMatchingPreferDualStackClusterIPFields(specOf(svc), old ? specOf(old) : null);
}

function isMatchingPreferDualStackClusterIPFields(spec: Spec, oldSpec: Spec | null): boolean {
  if (oldSpec === null) return false;
  if (!isSet(spec.ipFamilyPolicy)) return false;
  if (oldSpec.type !== spec.type) return false;
  if (spec.type !== 'ClusterIP' && spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') return false;
  if (spec.ipFamilyPolicy !== 'PreferDualStack') return false;
  if (isSet(oldSpec.ipFamilyPolicy) && oldSpec.ipFamilyPolicy !== 'PreferDualStack') return false;
  if (!sameStrings(oldSpec.clusterIPs, spec.clusterIPs)) return false;
  if (!sameStrings(oldSpec.ipFamilies, spec.ipFamilies)) return false;
  return true;
}

/**
 * initIPFamilyFields of the allocation hook, in place: defaults spec.ipFamilyPolicy (inherited
 * from `old` on update; RequireDualStack for headless selectorless; else SingleStack), pre-validates
 * (ValidateServiceClusterIPsRelatedFields plus the cluster-configuration rules), trims the lists on
 * a SingleStack downgrade, infers spec.ipFamilies from spec.clusterIPs and fills in the cluster's
 * families. Returns the errors kube-apiserver would answer 422 with; when errors are returned the
 * spec may be partially updated (as in Go), so callers should discard it.
 */
export function initIPFamilyFields(svc: Service, old: Service | undefined, ctx: ServiceValidationContext): FieldError[] {
  if (svc === null || typeof svc !== 'object') return [];
  if (svc.spec === undefined || svc.spec === null || typeof svc.spec !== 'object') svc.spec = {};
  const spec = svc.spec as unknown as Spec;
  const oldSpec = old ? specOf(old) : null;
  const clusterFamilies = list(ctx?.clusterFamilies) as string[];
  const defaultFamily = clusterFamilies[0] ?? 'IPv4';

  if (spec.type === 'ExternalName') return [];
  if (isMatchingPreferDualStackClusterIPFields(spec, oldSpec)) return [];

  if (!isSet(spec.ipFamilyPolicy)) {
    if (oldSpec !== null && isSet(oldSpec.ipFamilyPolicy)) spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
    else if (spec.clusterIP === CLUSTER_IP_NONE && Object.keys(isStringMap(spec.selector) ? spec.selector : {}).length === 0)
      spec.ipFamilyPolicy = 'RequireDualStack';
    else spec.ipFamilyPolicy = 'SingleStack';
  }

  const related = validateServiceClusterIPsRelatedFields(spec);
  if (related.length !== 0) return related;

  const errs: FieldError[] = [];
  const policy = str(spec.ipFamilyPolicy);

  if (oldSpec !== null) {
    if (policy === 'SingleStack') {
      if (sameStrings(oldSpec.clusterIPs, spec.clusterIPs) && list(spec.clusterIPs).length > 1) spec.clusterIPs = list(spec.clusterIPs).slice(0, 1);
      if (sameStrings(oldSpec.ipFamilies, spec.ipFamilies) && list(spec.ipFamilies).length > 1) spec.ipFamilies = list(spec.ipFamilies).slice(0, 1);
    } else {
      const newIPs = list(spec.clusterIPs).length;
      if (newIPs !== 0 && newIPs < list(oldSpec.clusterIPs).length)
        errs.push(invalid('spec.ipFamilyPolicy', policy, "must be 'SingleStack' to release the secondary cluster IP"));
      const newFams = list(spec.ipFamilies).length;
      if (newFams !== 0 && newFams < list(oldSpec.ipFamilies).length)
        errs.push(invalid('spec.ipFamilyPolicy', policy, "must be 'SingleStack' to release the secondary IP family"));
    }
  }

  if (policy === 'SingleStack') {
    if (list(spec.clusterIPs).length === 2)
      errs.push(invalid('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    if (list(spec.ipFamilies).length === 2)
      errs.push(invalid('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
  }

  const clusterIPs = list(spec.clusterIPs).map(str);
  for (let i = 0; i < clusterIPs.length; i++) {
    const ip = clusterIPs[i];
    if (ip === CLUSTER_IP_NONE) break;
    const fam = familyOf(ip);
    if (i >= list(spec.ipFamilies).length) {
      if (!clusterFamilies.includes(fam)) {
        errs.push(invalid(`spec.clusterIPs[${i}]`, clusterIPs, `${fam} is not configured on this cluster`));
      } else {
        spec.ipFamilies = [...list(spec.ipFamilies), fam];
      }
    }
  }
  if (errs.length > 0) return errs;

  // Special case: headless + selectorless may carry families the cluster does not serve.
  if (spec.clusterIP === CLUSTER_IP_NONE && Object.keys(isStringMap(spec.selector) ? spec.selector : {}).length === 0) {
    if (list(spec.ipFamilies).length === 0) spec.ipFamilies = [defaultFamily];
    const fams = list(spec.ipFamilies);
    if (fams.length < 2 && policy !== 'SingleStack') spec.ipFamilies = [...fams, fams[0] === 'IPv4' ? 'IPv6' : 'IPv4'];
    return [];
  }

  if (policy === 'RequireDualStack' && clusterFamilies.length < 2) {
    errs.push(invalid('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services'));
  }
  list(spec.ipFamilies).forEach((family, i) => {
    if (!clusterFamilies.includes(str(family))) errs.push(invalid(`spec.ipFamilies[${i}]`, str(family), 'not configured on this cluster'));
  });
  if (errs.length > 0) return errs;

  if (list(spec.ipFamilies).length === 0) spec.ipFamilies = [defaultFamily];
  const fams = list(spec.ipFamilies);
  if (policy !== 'SingleStack' && fams.length === 1 && clusterFamilies.length === 2) {
    if (fams[0] === 'IPv4') spec.ipFamilies = [...fams, 'IPv6'];
    else if (fams[0] === 'IPv6') spec.ipFamilies = [...fams, 'IPv4'];
  }
  return [];
}

/**
 * The pre-validation the allocation hook runs before allocating (initIPFamilyFields without its
 * side effects): ValidateServiceClusterIPsRelatedFields with the defaulted ipFamilyPolicy, the
 * SingleStack/downgrade rules, and the "not configured on this cluster" rules.
 */
export function validateClusterIPFields(svc: Service, old: Service | undefined, ctx: ServiceValidationContext): FieldError[] {
  let copy: Service;
  try {
    copy = structuredClone(svc ?? {});
  } catch {
    copy = JSON.parse(JSON.stringify(svc ?? {})) as Service;
  }
  return initIPFamilyFields(copy, old, ctx);
}

/** ValidateNamespace: names are DNS-1123 labels, cluster-scoped; spec.finalizers checked at `spec.finalizers`. */
export function validateNamespace(ns: Namespace): FieldError[] {
  const errs = validateObjectMeta(ns?.metadata, { namespaced: false, nameIsDNS1035: false });
  for (const raw of list(ns?.spec?.finalizers)) {
    const f = str(raw);
    errs.push(...validateFinalizerName(f, 'spec.finalizers'));
    errs.push(...validateKubeFinalizerName(f, 'spec.finalizers'));
  }
  return errs;
}
