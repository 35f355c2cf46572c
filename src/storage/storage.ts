// What the server opens: one database holding the API's objects and the fake cloud's load
// balancers. A dialect provides this (storage/sqlite/storage.ts); the server and the CLI see only
// these interfaces, never a raw handle.
import type { LoadBalancerStore } from '../cloud/loadBalancerStore.js';
import type { ObjectStore } from './objectStore.js';

export interface Storage {
  readonly store: ObjectStore;
  /** Other processes may write the same database (replicas): controllers elect a leader. */
  readonly shared: boolean;
  /** False while the database cannot be reached (/readyz says so); a local file always can. */
  reachable(): boolean;
  /** The fake cloud's store on the same database; its writes commit on their own, apart from the API's. */
  loadBalancers(): LoadBalancerStore;
  /** Commits what is pending, then closes the database. */
  close(): Promise<void>;
}
