import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { UpstreamCallTrace } from '../upstream/call.js';
import { METRIC } from './names.js';

/** What the admission gauges read at scrape time. */
export interface AdmissionGauges {
  readonly queued: number;
  readonly executing: number;
  readonly limit: number;
}

export interface MetricsOptions {
  /** Read at each scrape for the admission gauges. */
  admission?: AdmissionGauges;
  /** Distinct key hashes the rate-limit gauge tracks; later keys are not tracked (default 100). */
  maxRateLimitKeys?: number;
}

/** Seconds: a REST call is usually a few ms to a few hundred; a GraphQL request a few round trips. */
const UPSTREAM_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const GRAPHQL_BUCKETS = [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** REST calls per request: the README's inbox query makes 12; the default cost limit is 1000. */
const UPSTREAM_CALLS_BUCKETS = [0, 1, 2, 5, 10, 15, 25, 50, 100, 250, 1000];
const WAIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The Prometheus families of the gateway, in a registry of their own (never prom-client's global one,
 * so two gateways in one process do not share counts). Every label value is bounded: operation names
 * are folded by the caller, routes are templates, statuses and outcomes come from fixed sets, and key
 * hashes are capped. A new family is one declaration here with `registers: [this.registry]`.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly graphqlRequests = new Counter({
    name: METRIC.graphqlRequests,
    help: 'GraphQL requests answered, by operation name, operation type and outcome (ok or the first error code).',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly graphqlDuration = new Histogram({
    name: METRIC.graphqlDuration,
    help: 'Time from a GraphQL request arriving (admission wait included) to its response being sent.',
    labelNames: ['operation', 'type', 'outcome'] as const,
    buckets: GRAPHQL_BUCKETS,
    registers: [this.registry],
  });
  private readonly graphqlUpstreamCalls = new Histogram({
    name: METRIC.graphqlUpstreamCalls,
    help: 'REST calls sent for one GraphQL request (retries included), by operation name, operation type and outcome.',
    labelNames: ['operation', 'type', 'outcome'] as const,
    buckets: UPSTREAM_CALLS_BUCKETS,
    registers: [this.registry],
  });
  private readonly upstreamRequests = new Counter({
    name: METRIC.upstreamRequests,
    help: 'HTTP requests sent to HueChat (each retry counts), by method, route template, status code and outcome.',
    labelNames: ['method', 'route', 'status_code', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly upstreamDuration = new Histogram({
    name: METRIC.upstreamDuration,
    help: 'Duration of HTTP requests to HueChat, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: UPSTREAM_BUCKETS,
    registers: [this.registry],
  });
  private readonly upstreamRetries = new Counter({
    name: METRIC.upstreamRetries,
    help: 'Reads sent again after a retryable failure, by method and route template.',
    labelNames: ['method', 'route'] as const,
    registers: [this.registry],
  });
  private readonly upstreamCoalesced = new Counter({
    name: METRIC.upstreamCoalesced,
    help: 'Reads answered by joining an identical read already in flight (no HTTP request of their own).',
    labelNames: ['method', 'route'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitRemaining = new Gauge({
    name: METRIC.upstreamRateLimitRemaining,
    help: 'X-RateLimit-Remaining of the latest HueChat answer, by a short hash of the API key (capped number of keys).',
    labelNames: ['key_hash'] as const,
    registers: [this.registry],
  });
  private readonly admissionWait = new Histogram({
    name: METRIC.admissionWait,
    help: 'Time a request waited for admission before it started executing.',
    buckets: WAIT_BUCKETS,
    registers: [this.registry],
  });
  private readonly rateLimitKeys = new Set<string>();
  // Each series' child, found by one string instead of prom-client hashing a label object on every
  // observation (a W1 inbox query records 12 REST calls). The label values are bounded, so are these.
  private readonly graphqlSeries = new Map<
    string,
    {
      requests: Counter.Internal;
      duration: Histogram.Internal<string>;
      upstreamCalls: Histogram.Internal<string>;
    }
  >();
  private readonly upstreamSeries = new Map<
    string,
    { requests: Counter.Internal; duration: Histogram.Internal<string> }
  >();
  private readonly maxRateLimitKeys: number;

  constructor(options: MetricsOptions = {}) {
    this.maxRateLimitKeys = options.maxRateLimitKeys ?? 100;
    collectDefaultMetrics({ register: this.registry });
    const admission = options.admission;
    if (admission) {
      const gauge = (name: string, help: string, read: () => number) =>
        new Gauge({
          name,
          help,
          registers: [this.registry],
          collect() {
            this.set(read());
          },
        });
      gauge(METRIC.admissionQueueLength, 'Requests waiting for admission.', () => admission.queued);
      gauge(
        METRIC.admissionExecuting,
        'Requests executing (admitted and not yet answered).',
        () => admission.executing,
      );
      gauge(METRIC.admissionLimit, 'Requests allowed to execute at once right now.', () => admission.limit);
    }
  }

  /**
   * A counter of the gateway's own in its registry, for a later family in one line, e.g.
   * `metrics.counter('huechat_webhook_deliveries_total', 'Webhook deliveries by outcome.', ['outcome'])`.
   * Label values must be bounded, and never an id, a key, a phone number or an email.
   */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A gauge in the registry; `read` (optional) sets its value at each scrape, e.g. open subscriptions. */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    read?: () => number,
  ): Gauge<L> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      ...(read
        ? {
            collect(this: Gauge<L>) {
              this.set(read());
            },
          }
        : {}),
    });
  }

  graphqlRequest(operation: string, type: string, outcome: string, seconds: number, restCalls: number): void {
    const key = `${operation}\n${type}\n${outcome}`;
    let series = this.graphqlSeries.get(key);
    if (!series) {
      const labels = { operation, type, outcome };
      series = {
        requests: this.graphqlRequests.labels(labels),
        duration: this.graphqlDuration.labels(labels),
        upstreamCalls: this.graphqlUpstreamCalls.labels(labels),
      };
      this.graphqlSeries.set(key, series);
    }
    series.requests.inc();
    series.duration.observe(seconds);
    series.upstreamCalls.observe(restCalls);
  }

  upstreamCall(call: UpstreamCallTrace, keyHash: () => string): void {
    const key = `${call.method} ${call.route} ${call.status} ${call.outcome}`;
    let series = this.upstreamSeries.get(key);
    if (!series) {
      const statusCode = call.status === undefined ? 'none' : String(call.status);
      const labels = { method: call.method, route: call.route, status_code: statusCode };
      series = {
        requests: this.upstreamRequests.labels({ ...labels, outcome: call.outcome }),
        duration: this.upstreamDuration.labels(labels),
      };
      this.upstreamSeries.set(key, series);
    }
    series.requests.inc();
    series.duration.observe(call.durationMs / 1000);
    if (call.rateLimitRemaining !== undefined) {
      const hash = keyHash();
      if (this.rateLimitKeys.has(hash) || this.rateLimitKeys.size < this.maxRateLimitKeys) {
        this.rateLimitKeys.add(hash);
        this.rateLimitRemaining.set({ key_hash: hash }, call.rateLimitRemaining);
      }
    }
  }

  upstreamRetry(method: string, route: string): void {
    this.upstreamRetries.inc({ method, route });
  }

  upstreamJoined(method: string, route: string): void {
    this.upstreamCoalesced.inc({ method, route });
  }

  admitted(waitMs: number): void {
    this.admissionWait.observe(waitMs / 1000);
  }

  /** The Prometheus text exposition of every family. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
