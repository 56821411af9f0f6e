/**
 * Every span attribute, span name pattern and metric name the gateway emits, in one place. Attribute
 * names follow the OpenTelemetry semantic conventions for HTTP and GraphQL where one exists; the
 * `huechat.*` ones are the gateway's own (CONTRACT §9).
 */
export const ATTR = {
  graphqlOperationType: 'graphql.operation.type',
  graphqlOperationName: 'graphql.operation.name',
  httpRequestMethod: 'http.request.method',
  httpResponseStatusCode: 'http.response.status_code',
  httpRoute: 'http.route',
  httpResendCount: 'http.request.resend_count',
  urlTemplate: 'url.template',
  urlScheme: 'url.scheme',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  outcome: 'huechat.graphql.outcome',
  admissionWaitMs: 'huechat.admission.wait_ms',
  upstreamCoalesced: 'huechat.upstream.coalesced',
  upstreamCacheHit: 'huechat.upstream.cache_hit',
  retryWaitMs: 'huechat.upstream.retry.wait_ms',
} as const;

/** Span events. */
export const EVENT = {
  retry: 'huechat.upstream.retry',
} as const;

/** Name of the instrumentation scope (the tracer). */
export const TRACER_NAME = 'huechat-gateway';

export const METRIC = {
  graphqlRequests: 'huechat_graphql_requests_total',
  graphqlDuration: 'huechat_graphql_request_duration_seconds',
  graphqlUpstreamCalls: 'huechat_graphql_request_upstream_calls',
  upstreamRequests: 'huechat_upstream_requests_total',
  upstreamDuration: 'huechat_upstream_request_duration_seconds',
  upstreamRetries: 'huechat_upstream_retries_total',
  upstreamCoalesced: 'huechat_upstream_coalesced_total',
  upstreamRateLimitRemaining: 'huechat_upstream_ratelimit_remaining',
  admissionQueueLength: 'huechat_admission_queue_length',
  admissionExecuting: 'huechat_admission_executing',
  admissionLimit: 'huechat_admission_limit',
  admissionWait: 'huechat_admission_wait_seconds',
  subscriptionsOpen: 'huechat_subscriptions_open',
  webhookDeliveries: 'huechat_webhook_deliveries_total',
} as const;

/** The one label value for anonymous operations and for names past the cap (not a GraphQL name). */
export const OTHER_OPERATION = '[other]';
