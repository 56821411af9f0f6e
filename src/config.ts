import { z } from 'zod';

/** Defaults that code outside the environment parsing (tests, embedders) also falls back to. */
export const DEFAULTS = {
  /** UPSTREAM_MAX_CALLS_PER_OPERATION */
  maxUpstreamCalls: 250,
  /** MAX_REQUEST_BODY_BYTES */
  maxRequestBodyBytes: 2_000_000,
  /** MAX_DEPTH, MAX_ALIASES, MAX_TOKENS, MAX_DIRECTIVES (CONTRACT §9) */
  operationLimits: { maxDepth: 12, maxAliases: 30, maxTokens: 5_000, maxDirectives: 50 },
  /** WEBHOOK_TOLERANCE_S */
  webhookToleranceS: 300,
  /** SUBSCRIPTIONS_PER_KEY */
  subscriptionsPerKey: 100,
  /** SUBSCRIPTION_BUFFER */
  subscriptionBuffer: 100,
} as const;

/** CONTRACT §9: the operation limits, named as Apollo Router names its operation limits. */
export interface OperationLimits {
  /** Deepest selection: a root field is level 1, each nested selection set adds one, fragments none. */
  maxDepth: number;
  /** Aliases in the operation, counted through every fragment spread. */
  maxAliases: number;
  /** Lexical tokens in the document (punctuators, names, values; comments and whitespace are free). */
  maxTokens: number;
  /** Directives in the operation, counted through every fragment spread. */
  maxDirectives: number;
}

/** Raised when an environment variable holds a value the gateway cannot use; its message is one line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `an integer from ${min} to ${max}`)
        .max(max, `an integer from ${min} to ${max}`),
    );

const decimal = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, `a number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `a number from ${min} to ${max}`).max(max, `a number from ${min} to ${max}`));

const bool = z
  .enum(['true', 'false', '1', '0'], { message: 'true or false' })
  .transform((v) => v === 'true' || v === '1');

const upstreamUrl = z
  .string()
  .trim()
  .url('an http(s) URL such as https://api.huechat.ai/v2')
  .refine((v) => /^https?:\/\//.test(v), 'an http(s) URL such as https://api.huechat.ai/v2')
  .transform((v) => v.replace(/\/+$/, ''));

const otlpUrl = z
  .string()
  .trim()
  .url('an http(s) URL such as http://localhost:4318')
  .refine((v) => /^https?:\/\//.test(v), 'an http(s) URL such as http://localhost:4318');

// grpc is not offered: the OTLP/HTTP exporters run on Node 20 without a native gRPC stack.
const otlpProtocol = z.enum(['http/protobuf', 'http/json'], { message: 'http/protobuf or http/json' });

/** Every variable the gateway reads, with its default. Unset and empty mean the same. */
const envSchema = z.object({
  HOST: z.string().trim().min(1, 'a host name or address').default('0.0.0.0'),
  PORT: int(0, 65535).default(4000),
  HUECHAT_API_URL: upstreamUrl.optional(),
  HUECHAT_API_KEY: z.string().trim().min(1, 'a HueChat API key').optional(),
  UPSTREAM_CONNECTIONS: int(1, 1024).default(64),
  UPSTREAM_PIPELINING: int(1, 16).default(1),
  UPSTREAM_CONNECT_TIMEOUT_MS: int(1, 120_000).default(2_000),
  UPSTREAM_TIMEOUT_MS: int(1, 300_000).default(10_000),
  /** Unset: the same as UPSTREAM_TIMEOUT_MS. */
  UPSTREAM_BODY_TIMEOUT_MS: int(1, 300_000).optional(),
  UPSTREAM_RETRIES: int(0, 10).default(2),
  UPSTREAM_RETRY_MAX_WAIT_MS: int(0, 60_000).default(2_000),
  /** Unset: the same as UPSTREAM_RETRY_MAX_WAIT_MS. */
  UPSTREAM_RETRY_MAX_TOTAL_WAIT_MS: int(0, 300_000).optional(),
  UPSTREAM_RETRY_BUDGET_RATIO: decimal(0, 10).default(0.2),
  UPSTREAM_COALESCE: bool.default(true),
  UPSTREAM_WATERFALL: bool.optional(),
  UPSTREAM_MAX_CALLS_PER_OPERATION: int(1, 1_000_000).default(DEFAULTS.maxUpstreamCalls),
  MAX_REQUEST_BODY_BYTES: int(1, 100_000_000).default(DEFAULTS.maxRequestBodyBytes),
  ADMISSION_CONTROL: bool.default(true),
  ADMISSION_MIN_CONCURRENCY: int(1, 100_000).default(2),
  ADMISSION_MAX_CONCURRENCY: int(1, 100_000).default(1024),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error', 'silent'], { message: 'debug, info, warn, error or silent' })
    .default('info'),
  // Operation limits and trusted documents (CONTRACT §9)
  MAX_DEPTH: int(1, 1_000).default(DEFAULTS.operationLimits.maxDepth),
  MAX_ALIASES: int(0, 100_000).default(DEFAULTS.operationLimits.maxAliases),
  MAX_TOKENS: int(1, 1_000_000).default(DEFAULTS.operationLimits.maxTokens),
  MAX_DIRECTIVES: int(0, 100_000).default(DEFAULTS.operationLimits.maxDirectives),
  PERSISTED_DOCUMENTS: z.string().trim().min(1, 'the path of a JSON manifest').optional(),
  PERSISTED_DOCUMENTS_MODE: z.enum(['allow', 'require'], { message: 'allow or require' }).default('allow'),
  // Live updates (webhooks in, subscriptions out; CONTRACT §8)
  HUECHAT_WEBHOOK_SECRETS: z
    .string()
    .trim()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .pipe(
      z
        .array(z.string().regex(/^whsec_\S{8,}$/, 'comma-separated whsec_… signing secrets'))
        .min(1, 'comma-separated whsec_… signing secrets'),
    )
    .optional(),
  WEBHOOK_TOLERANCE_S: int(1, 86_400).default(DEFAULTS.webhookToleranceS),
  SUBSCRIPTIONS_PER_KEY: int(1, 100_000).default(DEFAULTS.subscriptionsPerKey),
  SUBSCRIPTION_BUFFER: int(1, 100_000).default(DEFAULTS.subscriptionBuffer),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL')
    .optional(),
  // Observability: Prometheus metrics and OpenTelemetry tracing (the standard OTEL_* variables; those not
  // listed here, such as OTEL_BSP_*, OTEL_EXPORTER_OTLP_HEADERS or OTEL_RESOURCE_ATTRIBUTES, are read by
  // the OpenTelemetry SDK itself).
  METRICS: bool.default(true),
  METRICS_MAX_OPERATION_NAMES: int(1, 100_000).default(200),
  OTEL_SDK_DISABLED: bool.default(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1, 'a service name').default('huechat-gateway'),
  OTEL_TRACES_SAMPLER: z
    .enum(
      [
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ],
      { message: 'always_on, always_off, traceidratio or parentbased_(always_on|always_off|traceidratio)' },
    )
    .optional(),
  OTEL_TRACES_SAMPLER_ARG: decimal(0, 1).optional(),
});

export type LogLevel = z.infer<typeof envSchema>['LOG_LEVEL'];

export interface Config {
  host: string;
  port: number;
  /** REST base URL including /v2; undefined means "start the embedded sandbox". */
  upstreamUrl: string | undefined;
  /** Key used when a request carries none. */
  defaultApiKey: string | undefined;
  upstream: {
    connections: number;
    pipelining: number;
    connectTimeoutMs: number;
    /** Longest wait for the response headers. */
    timeoutMs: number;
    /** Longest gap between two chunks of the response body. */
    bodyTimeoutMs: number;
    /** Extra attempts for a failed GET (never for writes). */
    retries: number;
    /** Longest single wait before a retry, Retry-After included; a longer Retry-After is not waited for. */
    retryMaxWaitMs: number;
    /** Longest one GET may wait between its attempts, all waits together; a retry beyond it is not made. */
    retryMaxTotalWaitMs: number;
    /** Retries allowed per first attempt of a GET across all requests, on top of a floor of 10 a second. */
    retryBudgetRatio: number;
    /** Share identical in-flight GETs of the same key between concurrent requests. */
    coalesceReads: boolean;
  };
  /** Whether a request may ask for the upstream call waterfall; defaults to on in sandbox mode only. */
  waterfall: boolean;
  /** Operations that could make more REST calls than this are refused before any call. */
  maxUpstreamCalls: number;
  /** Request bodies larger than this are refused with 413. */
  maxRequestBodyBytes: number;
  /**
   * While the event loop is saturated, at most `limit` requests execute and the rest wait in arrival
   * order; the limit adapts between min and max (see AdmissionControl). Undefined: no admission control.
   */
  admission: { minConcurrency: number; maxConcurrency: number } | undefined;
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
  /** Depth, aliases, tokens and directives an operation may have; past one it is refused with HTTP 400. */
  operationLimits: OperationLimits;
  /**
   * The trusted documents manifest (`{ "<sha256 hex>": "<document>" }`) and whether only its documents
   * run (`require`) or plain queries too (`allow`). Undefined: no manifest.
   */
  persistedDocuments: { path: string; mode: 'allow' | 'require' } | undefined;
  // Live updates (webhooks in, subscriptions out)
  /** Signing secrets of the HueChat webhook subscriptions pointing here; empty: no receiver (outside sandbox mode). */
  webhookSecrets: string[];
  /** Largest accepted difference between a signature's timestamp and now, in seconds. */
  webhookToleranceS: number;
  /** Open subscriptions allowed per key on one instance. */
  subscriptionsPerKey: number;
  /** Events waiting for one subscriber before it is closed as too slow. */
  subscriptionBuffer: number;
  /** Shared state across instances (event fan-out, webhook de-duplication); undefined: one process alone. */
  redisUrl: string | undefined;
  /** Prometheus metrics at GET /metrics; undefined: off (METRICS=false). */
  metrics: { maxOperationNames: number } | undefined;
  /**
   * OpenTelemetry tracing, on when an OTLP endpoint is set (and OTEL_SDK_DISABLED is not true).
   * `url` is the traces endpoint itself (OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, or the traces one).
   */
  tracing: { url: string; protocol: 'http/protobuf' | 'http/json'; serviceName: string } | undefined;
}

/** The OTLP traces URL per the OpenTelemetry exporter spec: the signal endpoint as given, or the base + /v1/traces. */
function tracingConfig(e: z.infer<typeof envSchema>): Config['tracing'] {
  if (e.OTEL_SDK_DISABLED) return undefined;
  const url =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (e.OTEL_EXPORTER_OTLP_ENDPOINT && `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  if (!url) return undefined;
  return {
    url,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    serviceName: e.OTEL_SERVICE_NAME,
  };
}

/** Variables whose value must not reach a log line, even a wrong one. */
const SECRET_VARIABLES = new Set(['HUECHAT_API_KEY', 'HUECHAT_WEBHOOK_SECRETS', 'REDIS_URL']);

/** Reads the environment once. Throws ConfigError naming the first bad variable and what it expects. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(envSchema.shape);
  const raw = Object.fromEntries(known.map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0]);
    const got = SECRET_VARIABLES.has(name) ? '(value not shown)' : `(got ${JSON.stringify(env[name])})`;
    throw new ConfigError(`Invalid configuration: ${name} must be ${issue.message} ${got}`);
  }
  const e = parsed.data;
  return {
    host: e.HOST,
    port: e.PORT,
    upstreamUrl: e.HUECHAT_API_URL,
    defaultApiKey: e.HUECHAT_API_KEY,
    upstream: {
      connections: e.UPSTREAM_CONNECTIONS,
      pipelining: e.UPSTREAM_PIPELINING,
      connectTimeoutMs: e.UPSTREAM_CONNECT_TIMEOUT_MS,
      timeoutMs: e.UPSTREAM_TIMEOUT_MS,
      bodyTimeoutMs: e.UPSTREAM_BODY_TIMEOUT_MS ?? e.UPSTREAM_TIMEOUT_MS,
      retries: e.UPSTREAM_RETRIES,
      retryMaxWaitMs: e.UPSTREAM_RETRY_MAX_WAIT_MS,
      retryMaxTotalWaitMs: e.UPSTREAM_RETRY_MAX_TOTAL_WAIT_MS ?? e.UPSTREAM_RETRY_MAX_WAIT_MS,
      retryBudgetRatio: e.UPSTREAM_RETRY_BUDGET_RATIO,
      coalesceReads: e.UPSTREAM_COALESCE,
    },
    waterfall: e.UPSTREAM_WATERFALL ?? e.HUECHAT_API_URL === undefined,
    maxUpstreamCalls: e.UPSTREAM_MAX_CALLS_PER_OPERATION,
    maxRequestBodyBytes: e.MAX_REQUEST_BODY_BYTES,
    admission: e.ADMISSION_CONTROL
      ? {
          minConcurrency: Math.min(e.ADMISSION_MIN_CONCURRENCY, e.ADMISSION_MAX_CONCURRENCY),
          maxConcurrency: e.ADMISSION_MAX_CONCURRENCY,
        }
      : undefined,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    operationLimits: {
      maxDepth: e.MAX_DEPTH,
      maxAliases: e.MAX_ALIASES,
      maxTokens: e.MAX_TOKENS,
      maxDirectives: e.MAX_DIRECTIVES,
    },
    persistedDocuments: e.PERSISTED_DOCUMENTS
      ? { path: e.PERSISTED_DOCUMENTS, mode: e.PERSISTED_DOCUMENTS_MODE }
      : undefined,
    webhookSecrets: e.HUECHAT_WEBHOOK_SECRETS ?? [],
    webhookToleranceS: e.WEBHOOK_TOLERANCE_S,
    subscriptionsPerKey: e.SUBSCRIPTIONS_PER_KEY,
    subscriptionBuffer: e.SUBSCRIPTION_BUFFER,
    redisUrl: e.REDIS_URL,
    metrics: e.METRICS ? { maxOperationNames: e.METRICS_MAX_OPERATION_NAMES } : undefined,
    tracing: tracingConfig(e),
  };
}
