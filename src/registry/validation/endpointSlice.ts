// EndpointSlice validation, a port of kube-apiserver v1.33's pkg/apis/discovery/validation
// (ValidateEndpointSlice, ValidateEndpointSliceUpdate, validateEndpoints, validatePorts,
// validateAddressType, validateHints) with default feature gates. Field paths, error types, bad
// values and details are the Go ones, in the order Go appends them.
//  - At most 1000 endpoints, 100 addresses per endpoint, 20,000 ports (raised from 100 in
//    v1.21, kubernetes#99795; the API documentation still says 100), 8 zone or node hints.
//  - An IP address is parsed as the legacy fields are (StrictIPCIDRValidation is off in v1.33:
//    leading zeros in IPv4 octets are tolerated); a parsed one must be of the slice's family and
//    then pass ValidateEndpointIP (no loopback, link-local, link-local multicast, unspecified).
//  - FQDN addresses follow IsFullyQualifiedDomainName: an optional trailing dot, a DNS-1123
//    subdomain of at least two labels.
import type { Endpoint, EndpointPort, EndpointSlice } from '../../model/endpointSlice.js';
import { isV4Mapped, parseIPSloppy } from '../../net/ip.js';
import { type FieldError, duplicate, internal, invalid, notSupported, required, tooMany } from './fieldErrors.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, nameIsDNSSubdomain } from './names.js';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './objectMeta.js';
import { validateNonSpecialIP } from './service.js';

const supportedAddressTypes = ['FQDN', 'IPv4', 'IPv6'];
const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'];
const maxTopologyLabels = 16;
const maxAddresses = 100;
const maxPorts = 20000;
const maxEndpoints = 1000;
const maxZoneHints = 8;
const maxNodeHints = 8;
const invalidIPMessage = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

const list = <T>(a: T[] | undefined | null): T[] => (Array.isArray(a) ? a : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** validation.IsFullyQualifiedDomainName */
export function isFullyQualifiedDomainName(field: string, value: string): FieldError[] {
  if (value.length === 0) return [required(field)];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const subdomain = isDNS1123Subdomain(name);
  if (subdomain.length) return [invalid(field, name, subdomain.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [invalid(field, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const errs = isDNS1123Label(label);
    if (errs.length) return [invalid(field, label, errs.join(','))];
  }
  return [];
}

function validateIPAddress(field: string, address: string, family: 'IPv4' | 'IPv6'): FieldError[] {
  const ip = parseIPSloppy(address);
  if (ip === null) return [invalid(field, address, invalidIPMessage)];
  const errs: FieldError[] = [];
  if (isV4Mapped(ip) !== (family === 'IPv4')) errs.push(invalid(field, address, `must be an ${family} address`));
  return [...errs, ...validateNonSpecialIP(address, field)];
}

function validateHints(hints: NonNullable<Endpoint['hints']>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const zones = list(hints.forZones);
  if (zones.length > maxZoneHints) return [tooMany(`${path}.forZones`, zones.length, maxZoneHints)];
  const zoneNames = new Set<string>();
  zones.forEach((zone, i) => {
    const name = str(zone?.name);
    const zonePath = `${path}.forZones[${i}].name`;
    if (zoneNames.has(name)) errs.push(duplicate(zonePath, name));
    else zoneNames.add(name);
    for (const msg of isValidLabelValue(name)) errs.push(invalid(zonePath, name, msg));
  });
  const nodes = list(hints.forNodes);
  if (nodes.length > maxNodeHints) return [...errs, tooMany(`${path}.forNodes`, nodes.length, maxNodeHints)];
  const nodeNames = new Set<string>();
  nodes.forEach((node, i) => {
    const name = str(node?.name);
    const nodePath = `${path}.forNodes[${i}].name`;
    if (nodeNames.has(name)) errs.push(duplicate(nodePath, name));
    else nodeNames.add(name);
    for (const msg of nameIsDNSSubdomain(name, false)) errs.push(invalid(nodePath, name, msg));
  });
  return errs;
}

function validateEndpoints(endpoints: Endpoint[], addressType: string): FieldError[] {
  if (endpoints.length > maxEndpoints) return [tooMany('endpoints', endpoints.length, maxEndpoints)];
  const errs: FieldError[] = [];
  endpoints.forEach((endpoint, i) => {
    const idxPath = `endpoints[${i}]`;
    const addressPath = `${idxPath}.addresses`;
    const addresses = list(endpoint?.addresses);
    if (addresses.length === 0) errs.push(required(addressPath, 'must contain at least 1 address'));
    else if (addresses.length > maxAddresses) errs.push(tooMany(addressPath, addresses.length, maxAddresses));
    addresses.forEach((raw, j) => {
      const address = str(raw);
      const path = `${addressPath}[${j}]`;
      // Unknown address types fall through unchecked, as in Go (validateAddressType reports them).
      if (addressType === 'IPv4' || addressType === 'IPv6') errs.push(...validateIPAddress(path, address, addressType));
      else if (addressType === 'FQDN') errs.push(...isFullyQualifiedDomainName(path, address));
    });
    if (endpoint?.nodeName !== undefined && endpoint.nodeName !== null) {
      const nodeName = str(endpoint.nodeName);
      for (const msg of nameIsDNSSubdomain(nodeName, false)) errs.push(invalid(`${idxPath}.nodeName`, nodeName, msg));
    }
    const topologyPath = `${idxPath}.deprecatedTopology`;
    const topology = endpoint?.deprecatedTopology ?? {};
    const topologyKeys = Object.keys(topology);
    if (topologyKeys.length > maxTopologyLabels) errs.push(tooMany(topologyPath, topologyKeys.length, maxTopologyLabels));
    errs.push(...validateLabels(topology, topologyPath));
    if (topologyKeys.includes('topology.kubernetes.io/zone')) {
      errs.push(internal(`${topologyPath}[topology.kubernetes.io/zone]`, 'reserved key was not removed in conversion'));
    }
    if (endpoint?.hostname !== undefined && endpoint.hostname !== null) {
      const hostname = str(endpoint.hostname);
      for (const msg of isDNS1123Label(hostname)) errs.push(invalid(`${idxPath}.hostname`, hostname, msg));
    }
    if (endpoint?.hints) errs.push(...validateHints(endpoint.hints, `${idxPath}.hints`));
  });
  return errs;
}

function validatePorts(ports: EndpointPort[]): FieldError[] {
  if (ports.length > maxPorts) return [tooMany('ports', ports.length, maxPorts)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const idxPath = `ports[${i}]`;
    const name = str(port?.name);
    if (name.length > 0) for (const msg of isDNS1123Label(name)) errs.push(invalid(`${idxPath}.name`, name, msg));
    if (names.has(name)) errs.push(duplicate(`${idxPath}.name`, name));
    else names.add(name);
    const protocol = port?.protocol as string | undefined;
    if (protocol === undefined || protocol === null) errs.push(required(`${idxPath}.protocol`));
    else if (!supportedPortProtocols.includes(protocol)) errs.push(notSupported(`${idxPath}.protocol`, protocol, supportedPortProtocols));
    if (port?.appProtocol !== undefined && port.appProtocol !== null) {
      const appProtocol = str(port.appProtocol);
      for (const msg of isQualifiedName(appProtocol)) errs.push(invalid(`${idxPath}.appProtocol`, appProtocol, msg));
    }
  });
  return errs;
}

function validateAddressType(addressType: string): FieldError[] {
  if (addressType === '') return [required('addressType')];
  if (!supportedAddressTypes.includes(addressType)) return [notSupported('addressType', addressType, supportedAddressTypes)];
  return [];
}

/** ValidateEndpointSlice (create). */
export function validateEndpointSlice(slice: EndpointSlice): FieldError[] {
  const addressType = str(slice.addressType);
  return [
    ...validateObjectMeta(slice.metadata, { namespaced: true, nameIsDNS1035: false, nameFn: nameIsDNSSubdomain }),
    ...validateAddressType(addressType),
    ...validateEndpoints(list(slice.endpoints), addressType),
    ...validatePorts(list(slice.ports)),
  ];
}

/** The generic metadata update checks, then ValidateEndpointSliceUpdate: addressType is immutable. */
export function validateEndpointSliceUpdate(slice: EndpointSlice, old: EndpointSlice): FieldError[] {
  const errs = [...validateObjectMetaUpdate(slice.metadata!, old.metadata!), ...validateEndpointSlice(slice)];
  if (str(slice.addressType) !== str(old.addressType)) errs.push(invalid('addressType', str(slice.addressType), 'field is immutable'));
  return errs;
}
