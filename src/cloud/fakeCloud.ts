// A fake cloud for LoadBalancer Services: it takes time to provision, hands out addresses shaped
// like the real cloud's, remembers them across restarts in a store of its own, and fails on demand.
// Refusals that the in-tree providers make (legacy-cloud-providers/aws) keep their texts, so a
// `kubectl describe` shows what it would on that cloud.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { CIDRError, IPRange, parseIPv4 } from '../allocators/ipRange.js';
import { Protocols } from '../model/service.js';
import { childRandom, type Random } from '../random.js';
import {
  CloudError,
  cloudProfiles,
  type CloudProfile,
  type CloudProvider,
  type EnsureResult,
  type Listener,
  type LoadBalancer,
  type LoadBalancerIngress,
  type LoadBalancerRequest,
  type Protocol,
} from './cloudProvider.js';
import { parseGoDuration } from '../goDuration.js';
import { AddressTaken, type AddressHolder, type LoadBalancerRow, type LoadBalancerStore } from './loadBalancerStore.js';

export * from './cloudProvider.js';
export type { LoadBalancerStore } from './loadBalancerStore.js';

/** A Go duration ("500ms", "3s", "0s") that replaces the provisioning delay for one Service. */
export const delayAnnotation = 'svcplane.dev/fake-lb-delay';
/** "N": the first N attempts for the Service fail; "always": every attempt fails. */
export const failAnnotation = 'svcplane.dev/fake-lb-fail';
export const awsLoadBalancerTypeAnnotation = 'service.beta.kubernetes.io/aws-load-balancer-type';

export interface FakeCloudOptions {
  profile: CloudProfile;
  /** Appears in aws hostnames. */
  region: string;
  /** IPv4 CIDR the ip profiles (gcp, azure, metallb) draw from. */
  ipPool: string;
  provisionDelayMs: number;
  /** Probability, 0 to 1, that a create or update attempt fails. */
  failureRate: number;
}

export const fakeCloudDefaults: FakeCloudOptions = {
  profile: 'aws',
  region: 'us-east-1',
  ipPool: '203.0.113.0/24',
  provisionDelayMs: 2000,
  failureRate: 0,
};

export interface CloudClock {
  now(): Date;
  /** Resolves after `ms`; rejects once `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: CloudClock = {
  now: () => new Date(),
  // Not ref'd: a provisioning in flight must not hold up the exit of a process that has nothing
  // else left to do (the listening server is what keeps svcplane alive).
  sleep: (ms, signal) => sleepFor(ms, undefined, { signal, ref: false }),
};

/** setTimeout's limit; a longer delay would fire after 1 ms. */
const maxDelayMs = 2 ** 31 - 1;
const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export class FakeCloud implements CloudProvider {
  readonly profile: CloudProfile;
  private readonly options: FakeCloudOptions;
  private readonly pool: IPRange;
  // One stream each, so that jitter and injected failures never shift the addresses a seed gives.
  private readonly addressRandom: Random;
  private readonly delayRandom: Random;
  private readonly failureRandom: Random;
  /** Per uid, the tail of its chain of operations: one operation per load balancer at a time. */
  private readonly queues = new Map<string, Promise<void>>();
  /** IPs promised to creates and moves still provisioning, which the table does not show yet. */
  private readonly reserved = new Map<string, AddressHolder>();
  private readonly shutdown = new AbortController();

  /** `store` keeps the load balancers; each of its writes commits on its own (see LoadBalancerStore). */
  constructor(
    private readonly store: LoadBalancerStore,
    options: Partial<FakeCloudOptions>,
    random: Random,
    private readonly clock: CloudClock = systemClock,
  ) {
    this.options = {
      profile: options.profile ?? fakeCloudDefaults.profile,
      region: options.region ?? fakeCloudDefaults.region,
      ipPool: options.ipPool ?? fakeCloudDefaults.ipPool,
      provisionDelayMs: options.provisionDelayMs ?? fakeCloudDefaults.provisionDelayMs,
      failureRate: options.failureRate ?? fakeCloudDefaults.failureRate,
    };
    const { profile, region, ipPool, provisionDelayMs, failureRate } = this.options;
    if (!cloudProfiles.includes(profile)) throw new RangeError(`unknown cloud profile ${JSON.stringify(profile)}: expected one of ${cloudProfiles.join(', ')}`);
    if (!dnsLabel.test(region))
      throw new RangeError(`invalid cloud region ${JSON.stringify(region)}: it becomes a DNS label (lowercase letters, digits and dashes)`);
    if (!(provisionDelayMs >= 0 && provisionDelayMs <= maxDelayMs))
      throw new RangeError(`invalid provisioning delay ${provisionDelayMs} ms: expected 0 to ${maxDelayMs}`);
    if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError(`invalid failure rate ${failureRate}: expected a number from 0 to 1`);
    try {
      this.pool = new IPRange(ipPool);
      if (this.pool.family !== 'IPv4') throw new CIDRError('not IPv4');
    } catch (err) {
      if (!(err instanceof CIDRError)) throw err;
      throw new RangeError(`invalid load balancer IP pool ${JSON.stringify(ipPool)}: expected an IPv4 CIDR of /30 or wider, such as 203.0.113.0/24`);
    }
    this.profile = profile;
    // Every provisioning in flight waits on this one signal; more than ten at once is normal,
    // not the listener leak Node warns about.
    setMaxListeners(0, this.shutdown.signal);
    this.addressRandom = childRandom(random, 'addresses');
    this.delayRandom = childRandom(random, 'delays');
    this.failureRandom = childRandom(random, 'failures');
  }

  ensureLoadBalancer(request: LoadBalancerRequest): Promise<EnsureResult> {
    return this.serialized(request.uid, () => this.ensure(request));
  }

  deleteLoadBalancer(uid: string): Promise<boolean> {
    return this.serialized(uid, async () => {
      if (!(await this.store.get(uid))) return this.store.remove(uid);
      await this.sleep(this.options.provisionDelayMs / 10, uid);
      return this.store.remove(uid);
    });
  }

  async getLoadBalancer(uid: string): Promise<LoadBalancer | undefined> {
    const row = await this.store.get(uid);
    return row && present(row);
  }

  async listLoadBalancers(): Promise<LoadBalancer[]> {
    return (await this.store.list()).map(present);
  }

  async close(): Promise<void> {
    this.shutdown.abort();
    await Promise.all(this.queues.values());
  }

  private async ensure(request: LoadBalancerRequest): Promise<EnsureResult> {
    const ports = this.listenersFor(request);
    const requestedIP = request.loadBalancerIP || undefined;
    if (requestedIP !== undefined && this.profile === 'aws') throw new CloudError('Unsupported', 'LoadBalancerIP cannot be specified for AWS ELB');
    const existing = await this.store.get(request.uid);
    if (!existing) return this.create(request, ports, requestedIP);
    // The address stays for the load balancer's life, whatever the profile or annotations say
    // now; only an explicit new loadBalancerIP moves an IP (as GCE and MetalLB do).
    const moveTo = existing.addressKind === 'ip' && requestedIP !== undefined && requestedIP !== existing.address ? requestedIP : undefined;
    if (moveTo === undefined && JSON.stringify(existing.ports) === JSON.stringify(ports)) {
      return { ingress: ingressOf(existing), action: 'unchanged' };
    }
    return this.update(request, existing, ports, moveTo);
  }

  private async create(request: LoadBalancerRequest, ports: Listener[], requestedIP: string | undefined): Promise<EnsureResult> {
    // An address is reserved from the moment it is checked: another request may run while the
    // store answers, and must not be handed the same one.
    let unreserve = () => {};
    try {
      if (requestedIP !== undefined) unreserve = await this.claimRequestedIP(request, requestedIP);
      const delay = this.delayFor(request);
      await this.injectFailures(request);
      const addressKind = this.profile === 'aws' ? 'hostname' : 'ip';
      let address: string;
      if (addressKind === 'hostname') address = this.hostnameFor(request);
      else if (requestedIP !== undefined) address = requestedIP;
      else [address, unreserve] = await this.claimFreeIP(request);
      await this.sleep(delay, request.uid);
      const now = this.clock.now().toISOString();
      const row: LoadBalancerRow = {
        uid: request.uid,
        namespace: request.namespace,
        name: request.name,
        profile: this.profile,
        addressKind,
        address,
        ports,
        createdAt: now,
        updatedAt: now,
      };
      await this.write(request, address, () => this.store.insert(row));
      return { ingress: ingressOf(row), action: 'created' };
    } finally {
      unreserve();
    }
  }

  private async update(request: LoadBalancerRequest, existing: LoadBalancerRow, ports: Listener[], moveTo: string | undefined): Promise<EnsureResult> {
    let unreserve = () => {};
    try {
      if (moveTo !== undefined) unreserve = await this.claimRequestedIP(request, moveTo);
      const delay = this.delayFor(request) / 10;
      await this.injectFailures(request);
      await this.sleep(delay, request.uid);
      const address = moveTo ?? existing.address;
      await this.write(request, address, () => this.store.update(existing.uid, address, ports, this.clock.now().toISOString()));
      return { ingress: ingressOf({ ...existing, address, ports }), action: 'updated' };
    } finally {
      unreserve();
    }
  }

  /** Checks the ports as the in-tree providers do before calling the cloud API. */
  private listenersFor(request: LoadBalancerRequest): Listener[] {
    if (request.ports.length === 0) throw new CloudError('Unsupported', 'requested load balancer with no ports');
    const nlb = isNLB(request.annotations);
    return request.ports.map((p) => {
      const { protocol } = p;
      // legacy-cloud-providers/aws checkProtocol: classic ELBs forward TCP only, NLBs TCP and UDP.
      const supported = isProtocol(protocol) && (this.profile !== 'aws' || protocol === 'TCP' || (nlb && protocol === 'UDP'));
      if (!supported) throw new CloudError('Unsupported', `Protocol ${protocol} not supported by LoadBalancer`);
      return { ...(p.name ? { name: p.name } : {}), protocol, port: p.port, ...(p.nodePort ? { nodePort: p.nodePort } : {}) };
    });
  }

  /** Checks a requested IP and reserves it; returns what gives the reservation back. */
  private async claimRequestedIP(request: LoadBalancerRequest, ip: string): Promise<() => void> {
    const failed = `failed to allocate IP ${ip} for load balancer ${describe(request)}`;
    const n = parseIPv4(ip);
    if (n === undefined)
      throw new CloudError('InvalidIP', `failed to allocate IP ${JSON.stringify(ip)} for load balancer ${describe(request)}: not a valid IPv4 address`);
    if (!this.pool.contains(ip)) {
      const first = parseIPv4(this.pool.valueAt(0n))!;
      const edge = n === first - 1 || n === first + Number(this.pool.size);
      throw new CloudError('IPNotInPool', `${failed}: ${edge ? 'it is the network or broadcast address of' : 'not in'} the address pool ${this.pool.cidr}`);
    }
    const stored = await this.store.holderOf(ip);
    const holder = this.reserved.get(ip) ?? stored;
    if (holder && holder.uid !== request.uid) throw new CloudError('IPAlreadyAllocated', `${failed}: already allocated to ${holder.namespace}/${holder.name}`);
    return this.reserve(ip, request);
  }

  /** A random free address, found by kube's own random-start scan (randomScanStrategy), reserved. */
  private async claimFreeIP(request: LoadBalancerRequest): Promise<[string, () => void]> {
    const stored = await this.store.ipAddresses();
    const used = new Set([...stored, ...this.reserved.keys()]);
    const size = Number(this.pool.size);
    const start = this.addressRandom.int(size);
    for (let i = 0; i < size; i++) {
      const ip = this.pool.valueAt(BigInt((start + i) % size));
      if (!used.has(ip)) return [ip, this.reserve(ip, request)];
    }
    throw new CloudError(
      'PoolExhausted',
      `failed to allocate an IP for load balancer ${describe(request)}: no free address in the pool ${this.pool.cidr} (${size} of ${size} in use)`,
    );
  }

  private hostnameFor(request: LoadBalancerRequest): string {
    const name = loadBalancerName(request.uid);
    const { region } = this.options;
    // NLB: <name>-<16 hex>.elb.<region>.amazonaws.com; classic ELB: <name>-<digits>.<region>.elb.amazonaws.com.
    return isNLB(request.annotations)
      ? `${name}-${this.addressRandom.hex(16)}.elb.${region}.amazonaws.com`
      : `${name}-${this.addressRandom.digits(10)}.${region}.elb.amazonaws.com`;
  }

  /** The annotation's delay exactly, or the configured one with about ±20% jitter. */
  private delayFor(request: LoadBalancerRequest): number {
    const override = parseGoDuration(request.annotations[delayAnnotation] ?? '');
    if (override !== undefined && override >= 0 && override <= maxDelayMs) return override;
    return this.options.provisionDelayMs * (0.8 + 0.4 * this.delayRandom.float());
  }

  private async injectFailures(request: LoadBalancerRequest): Promise<void> {
    const lb = describe(request);
    const setting = (request.annotations[failAnnotation] ?? '').trim().toLowerCase();
    if (setting === 'always') throw new CloudError('InjectedFailure', `fake cloud: injected failure (${failAnnotation}=always) for load balancer ${lb}`);
    if (/^\d+$/.test(setting)) {
      const planned = Number(setting);
      if ((await this.store.injectedFailures(request.uid)) < planned) {
        const count = await this.store.countInjectedFailure(request.uid);
        throw new CloudError('InjectedFailure', `fake cloud: injected failure ${count} of ${planned} for load balancer ${lb}`);
      }
    }
    const rate = this.options.failureRate;
    if (rate > 0 && this.failureRandom.float() < rate) {
      throw new CloudError('InjectedFailure', `fake cloud: injected failure (failure rate ${rate}) for load balancer ${lb}`);
    }
  }

  private reserve(ip: string, request: LoadBalancerRequest): () => void {
    const holder = { uid: request.uid, namespace: request.namespace, name: request.name };
    this.reserved.set(ip, holder);
    return () => {
      if (this.reserved.get(ip) === holder) this.reserved.delete(ip);
    };
  }

  private async write(request: LoadBalancerRequest, address: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      // Only reachable if another process shares the database file: in-process bookkeeping
      // (reservations, the per-uid queue) has already ruled the collision out.
      if (!(err instanceof AddressTaken)) throw err;
      throw new CloudError('IPAlreadyAllocated', `failed to allocate IP ${address} for load balancer ${describe(request)}: already allocated`);
    }
  }

  private async sleep(ms: number, uid: string): Promise<void> {
    try {
      await this.clock.sleep(ms, this.shutdown.signal);
    } catch (err) {
      if (!this.shutdown.signal.aborted) throw err;
    }
    // Checked after the sleep too, for an injected sleep that does not listen to the signal.
    if (this.shutdown.signal.aborted) throw shuttingDown(uid);
  }

  private serialized<T>(uid: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(uid) ?? Promise.resolve();
    const result = previous.then(() => {
      if (this.shutdown.signal.aborted) throw shuttingDown(uid);
      return operation();
    });
    // The tail never rejects: an operation's failure belongs to its caller, not to the next one.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(uid, tail);
    void tail.then(() => {
      if (this.queues.get(uid) === tail) this.queues.delete(uid);
    });
    return result;
  }
}

/** cloudprovider.DefaultLoadBalancerName: "a" + the uid without dashes, cut to 32 characters (kept to DNS label characters). */
export function loadBalancerName(uid: string): string {
  return `a${uid}`
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 32);
}

function isNLB(annotations: Record<string, string>): boolean {
  return annotations[awsLoadBalancerTypeAnnotation] === 'nlb';
}

function isProtocol(value: string): value is Protocol {
  return (Protocols as readonly string[]).includes(value);
}

function describe(request: LoadBalancerRequest): string {
  return `${loadBalancerName(request.uid)} (${request.namespace}/${request.name})`;
}

function shuttingDown(uid: string): CloudError {
  return new CloudError('ShuttingDown', `fake cloud: shutting down; the operation on load balancer ${loadBalancerName(uid)} was abandoned`);
}

/** aws shows a hostname only, as EKS does; the ip profiles an IP that routes as a VIP. */
function ingressOf(lb: Pick<LoadBalancerRow, 'addressKind' | 'address' | 'ports'>): LoadBalancerIngress[] {
  const ports = lb.ports.map(({ port, protocol }) => ({ port, protocol }));
  return [lb.addressKind === 'hostname' ? { hostname: lb.address, ports } : { ip: lb.address, ipMode: 'VIP', ports }];
}

function present(row: LoadBalancerRow): LoadBalancer {
  return { ...row, cloudName: loadBalancerName(row.uid), ingress: ingressOf(row) };
}
