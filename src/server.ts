import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGateway, type GatewayOptions } from './gateway.js';
import { subgraphSchema } from './schema/index.js';

export const SUBGRAPH_ENDPOINT = '/subgraph';

/**
 * One HTTP listener, two uses: /graphql serves the public schema (and GraphiQL) to frontends,
 * /subgraph serves the same types as an Apollo Federation v2 subgraph to routers. Both share the
 * upstream pool; each request gets its own context and loaders.
 */
export function createRequestListener(options: Omit<GatewayOptions, 'schema' | 'endpoint' | 'graphiql'>) {
  const publicApi = createGateway(options);
  const subgraph = createGateway({
    ...options,
    schema: subgraphSchema,
    endpoint: SUBGRAPH_ENDPOINT,
    graphiql: false,
  });
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url?.split('?')[0];
    if (path === SUBGRAPH_ENDPOINT) return subgraph(req, res);
    return publicApi(req, res);
  };
}
