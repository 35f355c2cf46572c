// What the DNS responder reads of the cluster: for each resource it needs, every existing object
// and then every change, in order, as any watch client gets them. CoreDNS's kubernetes plugin
// keeps the same three informers (Services, EndpointSlices, Namespaces); its answers are a view
// over them, never a store of their own.

export type FeedResource = 'services' | 'endpointslices' | 'namespaces';

export interface FeedEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The object as the API serves it (parsed JSON). */
  object: unknown;
}

export interface ClusterFeed {
  /**
   * Calls `onEvent` with every object of `resource` that exists now (as ADDED), then with each
   * change after that, without gaps or repeats. Resolves, once the objects that exist now have
   * been delivered, to a function that stops the calls.
   */
  watch(resource: FeedResource, onEvent: (event: FeedEvent) => void): Promise<() => void>;
}
