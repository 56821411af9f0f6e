import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveEvents } from '../events/index.js';
import { type Logger, withFields } from '../logger.js';
import type { HttpMethod, UpstreamCallTrace, UpstreamObserver } from '../upstream/call.js';
import { type AdmissionGauges, GatewayMetrics } from './metrics.js';
import { METRIC, OTHER_OPERATION } from './names.js';
import { OperationNames } from './operations.js';
import { requestIdFrom } from './request-id.js';
import {
  type OperationTrace,
  type OperationTracer,
  startTracing,
  type TracingConfig,
  type UpstreamServer,
} from './tracing.js';

export type { TracingConfig } from './tracing.js';

/** Distinct operation names kept as label values by default; the rest fold into one. */
export const DEFAULT_MAX_OPERATION_NAMES = 200;
/** Error codes kept as outcome values; codes are the gateway's own, so this only guards against surprises. */
const MAX_OUTCOMES = 64;
const OUTCOME_CODE = /^[A-Z][A-Z0-9_]{0,47}$/;

export interface TelemetryOptions {
  logger: Logger;
  /** Prometheus metrics (served at GET /metrics); undefined: none. */
  metrics?: GatewayMetrics;
  /** Tracing; undefined: none, and nothing of the OpenTelemetry SDK is loaded. */
  tracer?: OperationTracer;
  /** Distinct operation names kept as label values (default 200). */
  maxOperationNames?: number;
}

const noop = () => undefined;

/**
 * What the gateway reports about the requests it serves: the request id and access log (always),
 * Prometheus metrics and OpenTelemetry traces (each when configured). One per listener; per-request
 * state lives in a RequestTelemetry that ends with its response.
 */
export class Telemetry {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics | undefined;
  readonly tracer: OperationTracer | undefined;
  readonly operationNames: OperationNames;
  private readonly requests = new WeakMap<IncomingMessage, RequestTelemetry>();
  private readonly outcomes = new Set<string>();
  private readonly servers = new Map<string, UpstreamServer>();
  private readonly watched = new WeakSet<LiveEvents>();

  constructor(options: TelemetryOptions) {
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.tracer = options.tracer;
    this.operationNames = new OperationNames(options.maxOperationNames ?? DEFAULT_MAX_OPERATION_NAMES);
  }

  /** Starts the telemetry of a request: sets X-Request-Id, and reports the request once its response ends. */
  begin(req: IncomingMessage, res: ServerResponse, path: string, upstreamOrigin: string): RequestTelemetry {
    const request = new RequestTelemetry(this, req, res, path, upstreamOrigin);
    this.requests.set(req, request);
    return request;
  }

  /** The telemetry of the request `req` (the Node request of a Yoga server context), if it has one. */
  of(req: unknown): RequestTelemetry | undefined {
    return this.requests.get(req as IncomingMessage);
  }

  /** Answers GET /metrics. */
  async serveMetrics(res: ServerResponse): Promise<void> {
    if (!this.metrics) return;
    try {
      const text = await this.metrics.scrape();
      res.writeHead(200, { 'content-type': this.metrics.contentType }).end(text);
    } catch (err) {
      this.logger.error('metrics scrape failed', { cause: err });
      res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics scrape failed\n');
    }
  }

  async shutdown(): Promise<void> {
    await this.tracer?.shutdown();
  }

  /** Open subscriptions and webhook deliveries by outcome (CONTRACT §9), for this instance's live updates. */
  watchLive(live: LiveEvents): void {
    const metrics = this.metrics;
    if (!metrics || this.watched.has(live)) return;
    this.watched.add(live);
    metrics.gauge(METRIC.subscriptionsOpen, 'Open subscriptions on this instance.', [], () => live.hub.size);
    const deliveries = metrics.counter(METRIC.webhookDeliveries, 'HueChat webhook deliveries by outcome.', [
      'outcome',
    ]);
    live.onDelivery((outcome) => deliveries.inc({ outcome }));
  }

  /** A bounded outcome value: ok, or an error code. */
  outcome(code: unknown): string {
    if (typeof code !== 'string' || !OUTCOME_CODE.test(code)) return 'ERROR';
    if (this.outcomes.has(code)) return code;
    if (this.outcomes.size >= MAX_OUTCOMES) return 'ERROR';
    this.outcomes.add(code);
    return code;
  }

  server(origin: string): UpstreamServer {
    let server = this.servers.get(origin);
    if (!server) {
      const url = new URL(origin);
      server = { address: url.hostname, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
      this.servers.set(origin, server);
    }
    return server;
  }
}

/** One request's telemetry; also the observer of its REST calls. */
export class RequestTelemetry implements UpstreamObserver {
  readonly requestId: string;
  private readonly arrivedAt = performance.now();
  private readonly trace: OperationTrace | undefined;
  private waitMs = 0;
  private restCalls = 0;
  private graphql = false;
  private type = 'unknown';
  private name: string | undefined;
  private outcome = 'ok';
  private apiKey: string | undefined;
  private keyHash: string | undefined;
  private requestLogger: Logger | undefined;

  constructor(
    private readonly telemetry: Telemetry,
    req: IncomingMessage,
    res: ServerResponse,
    private readonly path: string,
    upstreamOrigin: string,
  ) {
    this.requestId = requestIdFrom(req.headers['x-request-id']);
    this.trace = telemetry.tracer?.start(
      req.headers,
      req.method ?? 'GET',
      path,
      telemetry.server(upstreamOrigin),
    );
    res.once('close', () => this.end(res));
  }

  /** The gateway's logger, every line of it carrying this request's id. */
  get logger(): Logger {
    this.requestLogger ??= withFields(this.telemetry.logger, { requestId: this.requestId });
    return this.requestLogger;
  }

  /** The request leaves the admission queue and starts executing. */
  admitted(): void {
    this.waitMs = performance.now() - this.arrivedAt;
    this.telemetry.metrics?.admitted(this.waitMs);
    this.trace?.admitted(this.waitMs);
  }

  /** The key the request's REST calls go out with (for the rate-limit gauge, hashed, never kept past the request). */
  caller(apiKey: string): void {
    this.apiKey = apiKey;
  }

  /** A GraphQL operation arrived (params read); `type`/`name` once the document is parsed. */
  operation(type: string | undefined, name: string | undefined): void {
    this.graphql = true;
    if (type === undefined) return;
    this.type = type;
    this.name = name;
    this.trace?.operation(type, name, `${type} ${this.telemetry.operationNames.fold(name)}`);
  }

  /** The GraphQL result: ok, or the code of its first error. */
  result(errorCode: unknown): void {
    this.graphql = true;
    this.outcome = errorCode === undefined ? 'ok' : this.telemetry.outcome(errorCode);
  }

  attempt(
    method: HttpMethod,
    route: string,
    attempt: number,
    headers: Record<string, string>,
  ): (call: UpstreamCallTrace) => void {
    this.restCalls++;
    const { metrics } = this.telemetry;
    const traced = this.trace?.attempt(method, route, attempt, headers);
    if (!metrics && !traced) return noop;
    return (call) => {
      metrics?.upstreamCall(call, this.hashKey);
      traced?.(call);
    };
  }

  retry(method: HttpMethod, route: string, attempt: number, waitMs: number): void {
    this.telemetry.metrics?.upstreamRetry(method, route);
    this.trace?.retry(method, route, attempt, waitMs);
  }

  joined(call: UpstreamCallTrace): void {
    this.telemetry.metrics?.upstreamJoined(call.method, call.route);
    this.trace?.joined(call);
  }

  private readonly hashKey = (): string => {
    if (this.keyHash === undefined) {
      this.keyHash = this.apiKey
        ? createHash('sha256').update(this.apiKey).digest('hex').slice(0, 12)
        : 'none';
    }
    return this.keyHash;
  };

  private end(res: ServerResponse): void {
    const durationMs = performance.now() - this.arrivedAt;
    // A client that went away before the answer was complete.
    const status = res.writableFinished ? res.statusCode : 499;
    const outcome = res.writableFinished || this.outcome !== 'ok' ? this.outcome : 'CLIENT_CLOSED_REQUEST';
    const { metrics, logger, operationNames } = this.telemetry;
    const operation = this.graphql ? operationNames.fold(this.name) : undefined;
    if (operation !== undefined)
      metrics?.graphqlRequest(operation, this.type, outcome, durationMs / 1000, this.restCalls);
    this.trace?.end(status, outcome);
    logger.info('request', {
      requestId: this.requestId,
      path: this.path,
      operation: this.name ?? (this.graphql ? OTHER_OPERATION : undefined),
      type: this.graphql ? this.type : undefined,
      status,
      outcome,
      durationMs: Math.round(durationMs * 10) / 10,
      admissionWaitMs: Math.round(this.waitMs * 10) / 10,
      restCalls: this.restCalls,
    });
    this.apiKey = undefined;
  }
}

export interface CreateTelemetryOptions {
  logger: Logger;
  /** Serve Prometheus metrics at GET /metrics. */
  metrics: boolean;
  /** Export traces; undefined: tracing off. */
  tracing?: TracingConfig;
  /** The admission control whose queue the metrics report. */
  admission?: AdmissionGauges;
  maxOperationNames?: number;
  maxRateLimitKeys?: number;
}

/** Builds the gateway's telemetry from its configuration, loading the tracing SDK only when it is on. */
export async function createTelemetry(options: CreateTelemetryOptions): Promise<Telemetry> {
  const metrics = options.metrics
    ? new GatewayMetrics({ admission: options.admission, maxRateLimitKeys: options.maxRateLimitKeys })
    : undefined;
  const tracer = options.tracing ? await startTracing(options.tracing, options.logger) : undefined;
  return new Telemetry({
    logger: options.logger,
    metrics,
    tracer,
    maxOperationNames: options.maxOperationNames,
  });
}
