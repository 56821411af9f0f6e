import type { IncomingMessage, ServerResponse } from 'node:http';
import { subgraphSchema } from '../schema/index.js';
import type { AdmissionControl } from './admission.js';
import { createGateway, type GatewayOptions } from './gateway.js';

export const SUBGRAPH_ENDPOINT = '/subgraph';
/** Probes answer at once, never behind waiting requests: a saturated gateway is alive and ready. */
const PROBES = new Set(['/healthz', '/readyz']);

export interface RequestListenerOptions extends Omit<GatewayOptions, 'schema' | 'endpoint' | 'graphiql'> {
  /** Bounds how many requests execute at once while the CPU is saturated; none: every request starts at once. */
  admission?: AdmissionControl;
}

/**
 * One HTTP listener, two uses: /graphql serves the public schema (and GraphiQL) to frontends,
 * /subgraph serves the same types as an Apollo Federation v2 subgraph to routers. Both share the
 * upstream pool; each request gets its own context and loaders.
 */
export function createRequestListener(options: RequestListenerOptions) {
  const { admission, ...gatewayOptions } = options;
  const publicApi = createGateway(gatewayOptions);
  const subgraph = createGateway({
    ...gatewayOptions,
    // A router builds its subgraph queries from the supergraph's plans, which no manifest can list:
    // trusted documents are for the public endpoint (the router has its own for its clients).
    trustedDocuments: undefined,
    schema: subgraphSchema,
    endpoint: SUBGRAPH_ENDPOINT,
    graphiql: false,
  });
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url?.split('?')[0] ?? '';
    const handler = path === SUBGRAPH_ENDPOINT ? subgraph : publicApi;
    if (!admission || PROBES.has(path)) return handler(req, res);
    admission.admit(req, res, handler);
  };
}
