// The one place the DNS responder meets the rest of svcplane: its feed is the watch hub, as for
// any other watch client (the cloud's service controller reads it the same way): each resource
// starts with every object that exists, then streams the changes committed after them.
import { eventObject, type WatchHub } from '../watch/watchHub.js';
import type { ClusterFeed, FeedResource } from './clusterFeed.js';

const kinds: Record<FeedResource, string> = { services: 'Service', endpointslices: 'EndpointSlice', namespaces: 'Namespace' };

export function watchHubFeed(hub: WatchHub): ClusterFeed {
  return {
    async watch(resource, onEvent) {
      const handle = await hub.watch(
        { resource, kind: kinds[resource] },
        {
          send: (event) => {
            if (event.type !== 'BOOKMARK') onEvent({ type: event.type, object: eventObject(event) });
            return true;
          },
          end: () => {},
        },
      );
      return () => handle.stop();
    },
  };
}
