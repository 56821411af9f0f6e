import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type LiveEvents, WEBHOOK_ENDPOINT } from '../events/index.js';
import { subgraphSchema } from '../schema/index.js';
import { Telemetry } from '../telemetry/index.js';
import type { AdmissionControl } from './admission.js';
import { createGateway, type GatewayOptions } from './gateway.js';
import { loadTrustedDocuments } from './plugins/use-trusted-documents.js';
import { createWebSocketEndpoint } from './websocket.js';

export const SUBGRAPH_ENDPOINT = '/subgraph';
export const GRAPHQL_ENDPOINT = '/graphql';
/** Probes answer at once, never behind waiting requests: a saturated gateway is alive and ready. */
const PROBES = new Set(['/healthz', '/readyz']);
/** Prometheus scrapes: answered at once too, and not counted as requests. */
export const METRICS_ENDPOINT = '/metrics';

export interface RequestListenerOptions extends Omit<GatewayOptions, 'schema' | 'endpoint' | 'graphiql'> {
  /** Bounds how many requests execute at once while the CPU is saturated; none: every request starts at once. */
  admission?: AdmissionControl;
  /** Live updates: the webhook receiver and the subscriptions' source (public endpoint only). */
  live?: LiveEvents;
  /**
   * Request ids, access log, metrics (GET /metrics) and traces. Default: request ids and the access
   * log only.
   */
  telemetry?: Telemetry;
}

export interface RequestListener {
  (req: IncomingMessage, res: ServerResponse): void;
  /** For the node server's `upgrade` event: GraphQL over WebSocket on /graphql, anything else refused. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every WebSocket with 1001 (shutdown). */
  closeWebSockets(): void;
}

const isEventStream = (req: IncomingMessage) => req.headers.accept?.includes('text/event-stream') === true;

function notFound(res: ServerResponse) {
  res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
}

/**
 * One HTTP listener, three uses: /graphql serves the public schema (and GraphiQL, and subscriptions over
 * SSE and WebSocket) to frontends, /subgraph serves the same types as an Apollo Federation v2 subgraph
 * to routers, /webhooks/huechat receives HueChat's signed deliveries. All share the upstream pool;
 * each request gets its own context and loaders. Probes and /metrics answer at once.
 */
export function createRequestListener(options: RequestListenerOptions): RequestListener {
  const { admission, live, ...gatewayOptions } = options;
  const telemetry = options.telemetry ?? new Telemetry({ logger: options.logger });
  if (live) telemetry.watchLive(live);
  const { trustedDocuments } = gatewayOptions;
  // Read once, for Yoga's plugin and the WebSocket endpoint alike.
  const trustedDocumentsManifest = trustedDocuments
    ? (gatewayOptions.trustedDocumentsManifest ?? loadTrustedDocuments(trustedDocuments.path))
    : undefined;
  const publicApi = createGateway({ ...gatewayOptions, trustedDocumentsManifest, live, telemetry });
  const subgraph = createGateway({
    ...gatewayOptions,
    telemetry,
    // A router builds its subgraph queries from the supergraph's plans, which no manifest can list:
    // trusted documents are for the public endpoint (the router has its own for its clients).
    trustedDocuments: undefined,
    schema: subgraphSchema,
    endpoint: SUBGRAPH_ENDPOINT,
    graphiql: false,
  });
  const webSockets = createWebSocketEndpoint(
    publicApi,
    options.logger,
    trustedDocuments && trustedDocumentsManifest
      ? { mode: trustedDocuments.mode, documents: trustedDocumentsManifest }
      : undefined,
  );
  const origin = options.client.origin;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url?.split('?')[0] ?? '';
    if (path === WEBHOOK_ENDPOINT) {
      // HueChat's deliveries never wait behind queries: a slow answer makes it retry.
      const receiver = live?.receiver;
      if (!receiver) return notFound(res);
      void receiver(req, res);
      return;
    }
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
    // A subscription over SSE stays open for hours: counted as executing, it would hold an admission
    // slot for good, so it starts at once (its events cost little next to a query).
    if (!admission || isEventStream(req)) return start(req, res);
    admission.admit(req, res, start);
  };
  return Object.assign(listener, {
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      const path = req.url?.split('?')[0] ?? '';
      if (path !== GRAPHQL_ENDPOINT) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      webSockets.handleUpgrade(req, socket, head);
    },
    closeWebSockets: () => webSockets.close(),
  });
}
