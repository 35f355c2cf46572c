// discovery.k8s.io/v1 EndpointSlices: the generic store with kube's endpointslice strategy
// (pkg/registry/discovery/endpointslice/strategy.go) and v1 defaulting
// (pkg/apis/discovery/v1/defaults.go). No HTTP and no SQL here.
import { canonicalize } from '../model/canonical.js';
import { Endpoint, EndpointSlice } from '../model/endpointSlice.js';
import type { ObjectStore } from '../storage/objectStore.js';
import { GenericStore, type NamespaceGate } from './generic/store.js';
import type { Strategy } from './generic/strategy.js';
import { randomIdentities, type Identities } from './metadata.js';
import { validateEndpointSlice, validateEndpointSliceUpdate } from './validation/endpointSlice.js';

/** SetDefaults_EndpointPort: a port's name defaults to "" and its protocol to TCP. */
function setDefaults(slice: EndpointSlice): void {
  for (const port of slice.ports ?? []) {
    port.name ??= '';
    port.protocol ??= 'TCP';
  }
}

/**
 * dropDisabledFields (PreferSameTrafficDistribution is off in v1.33: node hints are dropped
 * unless the stored slice already had some) and dropTopologyOnV1 (a v1 write clears
 * deprecatedTopology, unless an update leaves the endpoints as they were).
 */
function dropFields(slice: EndpointSlice, old: EndpointSlice | undefined): void {
  const oldHadNodeHints = (old?.endpoints ?? []).some((e) => e.hints?.forNodes !== undefined);
  const sameEndpoints =
    old !== undefined &&
    JSON.stringify(canonicalize(EndpointSlice, { endpoints: old.endpoints })) === JSON.stringify(canonicalize(EndpointSlice, { endpoints: slice.endpoints }));
  for (const endpoint of slice.endpoints ?? []) {
    if (!oldHadNodeHints && endpoint.hints) delete endpoint.hints.forNodes;
    if (!sameEndpoints) delete endpoint.deprecatedTopology;
  }
}

// Go writes what its JSON tags say: endpoints and ports have no omitempty, so an empty or absent
// list is null (etcd's protobuf does not tell an empty list from none, so kube-apiserver answers
// null for both); conditions is a struct, always written; a port's name, zone and hint names are
// written even when empty.
function endpointJson(input: Endpoint): Record<string, unknown> {
  const c = canonicalize(Endpoint, input) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(Endpoint.properties)) {
    if (key === 'conditions') out.conditions = c.conditions ?? {};
    else if (key === 'zone' && typeof input.zone === 'string') out.zone = input.zone;
    else if (key === 'hints' && input.hints) {
      const hints: Record<string, unknown> = {};
      if (input.hints.forZones?.length) hints.forZones = input.hints.forZones.map((z) => ({ name: z.name ?? '' }));
      if (input.hints.forNodes?.length) hints.forNodes = input.hints.forNodes.map((n) => ({ name: n.name ?? '' }));
      out.hints = hints;
    } else if (c[key] !== undefined) out[key] = c[key];
  }
  return out;
}

export function serializeEndpointSlice(slice: EndpointSlice): string {
  const c = canonicalize(EndpointSlice, slice) as Record<string, unknown>;
  const ports = (slice.ports ?? []).map((p) => {
    const port = canonicalize(EndpointSlice.properties.ports, [p])[0] as Record<string, unknown>;
    return { name: p.name ?? '', ...port };
  });
  return JSON.stringify({
    kind: c.kind,
    apiVersion: c.apiVersion,
    metadata: c.metadata,
    addressType: slice.addressType ?? '',
    endpoints: slice.endpoints?.length ? slice.endpoints.map(endpointJson) : null,
    ports: ports.length ? ports : null,
  });
}

/** What a slice holds besides its metadata, for the generation (PrepareForUpdate). */
const contents = (slice: EndpointSlice) => {
  const { metadata: _m, kind: _k, apiVersion: _a, ...rest } = JSON.parse(serializeEndpointSlice(slice)) as Record<string, unknown>;
  return JSON.stringify(rest);
};

export const endpointSliceStrategy: Strategy<EndpointSlice> = {
  defaults: setDefaults,
  prepareForCreate(slice) {
    slice.metadata!.generation = 1;
    dropFields(slice, undefined);
  },
  validate: (slice) => [validateEndpointSlice(slice)],
  allowCreateOnUpdate: false,
  prepareForUpdate(_tx, slice, old) {
    // The generation moves when anything but the metadata changes, or the labels do.
    const labelsChanged =
      JSON.stringify(canonicalize(EndpointSlice, { metadata: { labels: slice.metadata?.labels } })) !==
      JSON.stringify(canonicalize(EndpointSlice, { metadata: { labels: old.metadata?.labels } }));
    if (labelsChanged || contents(slice) !== contents(old)) slice.metadata!.generation = (old.metadata?.generation ?? 0) + 1;
    dropFields(slice, old);
  },
  validateUpdate: validateEndpointSliceUpdate,
  serialize: serializeEndpointSlice,
};

export function endpointSliceStore(store: ObjectStore, namespaces: NamespaceGate, identities: Identities = randomIdentities): GenericStore<EndpointSlice> {
  return new GenericStore<EndpointSlice>(store, {
    resource: 'endpointslices',
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    namespaced: true,
    strategy: endpointSliceStrategy,
    identities,
    schema: EndpointSlice,
    namespaces,
  });
}
