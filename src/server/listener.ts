import type { IncomingMessage, ServerResponse } from 'node:http';
import { subgraphSchema } from '../schema/index.js';
import { Telemetry } from '../telemetry/index.js';
import type { AdmissionControl } from './admission.js';
import { createGateway, type GatewayOptions } from './gateway.js';

export const SUBGRAPH_ENDPOINT = '/subgraph';
/** Probes answer at once, never behind waiting requests: a saturated gateway is alive and ready. */
const PROBES = new Set(['/healthz', '/readyz']);
/** Prometheus scrapes: answered at once too, and not counted as requests. */
export const METRICS_ENDPOINT = '/metrics';

export interface RequestListenerOptions extends Omit<GatewayOptions, 'schema' | 'endpoint' | 'graphiql'> {
  /** Bounds how many requests execute at once while the CPU is saturated; none: every request starts at once. */
  admission?: AdmissionControl;
  /**
   * Request ids, access log, metrics (GET /metrics) and traces. Default: request ids and the access
   * log only.
   */
  telemetry?: Telemetry;
}

/**
 * One HTTP listener, two uses: /graphql serves the public schema (and GraphiQL) to frontends,
 * /subgraph serves the same types as an Apollo Federation v2 subgraph to routers. Both share the
 * upstream pool; each request gets its own context and loaders.
 */
export function createRequestListener(options: RequestListenerOptions) {
  const { admission, ...gatewayOptions } = options;
  const telemetry = options.telemetry ?? new Telemetry({ logger: options.logger });
  const publicApi = createGateway({ ...gatewayOptions, telemetry });
  const subgraph = createGateway({
    ...gatewayOptions,
    telemetry,
    schema: subgraphSchema,
    endpoint: SUBGRAPH_ENDPOINT,
    graphiql: false,
  });
  const origin = options.client.origin;
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url?.split('?')[0] ?? '';
    const handler = path === SUBGRAPH_ENDPOINT ? subgraph : publicApi;
    if (PROBES.has(path)) return handler(req, res);
    if (path === METRICS_ENDPOINT && telemetry.metrics && req.method === 'GET') {
      return void telemetry.serveMetrics(res);
    }
    const request = telemetry.begin(req, res, path, origin);
    const start = (q: IncomingMessage, s: ServerResponse) => {
      request.admitted();
      return handler(q, s);
    };
    if (!admission) return start(req, res);
    admission.admit(req, res, start);
  };
}
