// Where the fake cloud keeps its load balancers. A real cloud keeps them apart from the cluster,
// and they outlive a restart of the controller that made them; so does this store, which only the
// fake cloud reads or writes. The SQLite implementation is storage/sqlite/loadBalancerStore.ts; another
// database implements the same interface beside it.
import type { CloudProfile, Listener } from './cloudProvider.js';

export interface LoadBalancerRow {
  uid: string;
  namespace: string;
  name: string;
  profile: CloudProfile;
  addressKind: 'hostname' | 'ip';
  address: string;
  ports: Listener[];
  createdAt: string;
  updatedAt: string;
}

export interface AddressHolder {
  uid: string;
  namespace: string;
  name: string;
}

/** An insert or update lost a race for an address: addresses are unique across load balancers. */
export class AddressTaken extends Error {}

/**
 * The fake cloud's load balancers keyed by Service uid, and the count of failures injected per
 * uid (so that "fail 3 times" means 3 across restarts too). Each write commits on its own, never
 * inside the API server's open batch (an implementation takes a `beforeWrite` that commits it).
 */
export interface LoadBalancerStore {
  get(uid: string): Promise<LoadBalancerRow | undefined>;
  /** Ordered by namespace, name, uid. */
  list(): Promise<LoadBalancerRow[]>;
  /** Who holds an address, hostname or IP. */
  holderOf(address: string): Promise<AddressHolder | undefined>;
  /** Every IP held (the ip profiles' addresses), in no particular order. */
  ipAddresses(): Promise<string[]>;
  /** Throws AddressTaken when another load balancer holds row.address. */
  insert(row: LoadBalancerRow): Promise<void>;
  /** Throws AddressTaken when another load balancer holds `address`. */
  update(uid: string, address: string, ports: Listener[], updatedAt: string): Promise<void>;
  /** Removes a uid's load balancer and its injected-failure count, atomically; false when it had no load balancer. */
  remove(uid: string): Promise<boolean>;
  injectedFailures(uid: string): Promise<number>;
  /** Counts one more injected failure and returns the new count. */
  countInjectedFailure(uid: string): Promise<number>;
}
