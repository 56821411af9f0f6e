import type { DataLayer } from '../data/index.js';
import type { LiveEvents } from '../events/index.js';
import type { CallerContext, UpstreamCallTrace } from '../upstream/call.js';

/** What every resolver gets; the server builds a new one per request (server/context.ts). */
export interface GatewayContext {
  /** The caller's key, abort signal and trace, as every REST call of this request carries them. */
  caller: CallerContext;
  /** This request's reads and writes (loaders, prefetch, invalidation). */
  data: DataLayer;
  /** REST calls made for this request, when the caller asked for the waterfall. */
  upstreamCalls: UpstreamCallTrace[] | undefined;
  /** The subscriptions' event source; undefined where subscriptions are not served (the subgraph). */
  live?: LiveEvents;
}
