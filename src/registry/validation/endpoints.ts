// core/v1 Endpoints validation, a port of kube-apiserver v1.33's ValidateEndpoints,
// ValidateEndpointsCreate, ValidateEndpointsUpdate, validateEndpointSubsets,
// validateEndpointAddress and validateEndpointPort (pkg/apis/core/validation/validation.go),
// default feature gates. An address's IP is parsed as a legacy field (leading zeros tolerated)
// and then checked by ValidateEndpointIP, so an unparsable IP is reported twice, as in Go.
import type { EndpointAddress, Endpoints, EndpointsPort } from '../../model/endpoints.js';
import { parseIPSloppy } from '../../net/ip.js';
import { type FieldError, invalid, notSupported, required } from './fieldErrors.js';
import { isDNS1123Label, isQualifiedName, isValidPortNum, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './objectMeta.js';
import { validateNonSpecialIP } from './service.js';

const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'];
const list = <T>(a: T[] | undefined | null): T[] => (Array.isArray(a) ? a : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

function validateEndpointAddress(address: EndpointAddress, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ip = str(address?.ip);
  if (parseIPSloppy(ip) === null) errs.push(invalid(`${path}.ip`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  const hostname = str(address?.hostname);
  if (hostname.length > 0) for (const msg of isDNS1123Label(hostname)) errs.push(invalid(`${path}.hostname`, hostname, msg));
  if (address?.nodeName !== undefined && address.nodeName !== null) {
    const nodeName = str(address.nodeName);
    for (const msg of nameIsDNSSubdomain(nodeName, false)) errs.push(invalid(`${path}.nodeName`, nodeName, msg));
  }
  return [...errs, ...validateNonSpecialIP(ip, `${path}.ip`)];
}

function validateEndpointPort(port: EndpointsPort, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(port?.name);
  if (requireName && name.length === 0) errs.push(required(`${path}.name`));
  else if (name.length !== 0) for (const msg of isDNS1123Label(name)) errs.push(invalid(`${path}.name`, name, msg));
  const number = typeof port?.port === 'number' ? port.port : 0;
  for (const msg of isValidPortNum(number)) errs.push(invalid(`${path}.port`, number, msg));
  const protocol = str(port?.protocol);
  if (protocol.length === 0) errs.push(required(`${path}.protocol`));
  else if (!supportedPortProtocols.includes(protocol)) errs.push(notSupported(`${path}.protocol`, protocol, supportedPortProtocols));
  if (port?.appProtocol !== undefined && port.appProtocol !== null) {
    const appProtocol = str(port.appProtocol);
    for (const msg of isQualifiedName(appProtocol)) errs.push(invalid(`${path}.appProtocol`, appProtocol, msg));
  }
  return errs;
}

/** ValidateEndpoints (create). */
export function validateEndpoints(endpoints: Endpoints): FieldError[] {
  const errs = validateObjectMeta(endpoints.metadata, { namespaced: true, nameIsDNS1035: false, nameFn: nameIsDNSSubdomain });
  list(endpoints.subsets).forEach((subset, i) => {
    const idxPath = `subsets[${i}]`;
    const addresses = list(subset?.addresses);
    const notReady = list(subset?.notReadyAddresses);
    // A headless Service's endpoints may have no ports; every subset needs an address.
    if (addresses.length === 0 && notReady.length === 0) errs.push(required(idxPath, 'must specify `addresses` or `notReadyAddresses`'));
    addresses.forEach((a, j) => errs.push(...validateEndpointAddress(a, `${idxPath}.addresses[${j}]`)));
    notReady.forEach((a, j) => errs.push(...validateEndpointAddress(a, `${idxPath}.notReadyAddresses[${j}]`)));
    const ports = list(subset?.ports);
    ports.forEach((p, j) => errs.push(...validateEndpointPort(p, ports.length > 1, `${idxPath}.ports[${j}]`)));
  });
  return errs;
}

/** ValidateEndpointsUpdate: the metadata update checks, then everything a create checks. */
export function validateEndpointsUpdate(endpoints: Endpoints, old: Endpoints): FieldError[] {
  return [...validateObjectMetaUpdate(endpoints.metadata!, old.metadata!), ...validateEndpoints(endpoints)];
}
