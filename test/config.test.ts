import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

/** Runs loadConfig on `env` and returns the ConfigError it must throw. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected loadConfig to reject ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      host: '0.0.0.0',
      port: 4000,
      upstreamUrl: undefined,
      defaultApiKey: undefined,
      upstream: {
        connections: 64,
        pipelining: 1,
        connectTimeoutMs: 2_000,
        timeoutMs: 10_000,
        bodyTimeoutMs: 10_000,
        retries: 2,
        retryMaxWaitMs: 2_000,
        retryMaxTotalWaitMs: 2_000,
        retryBudgetRatio: 0.2,
        coalesceReads: true,
      },
      waterfall: true,
      maxUpstreamCalls: 250,
      maxRequestBodyBytes: 2_000_000,
      admission: { minConcurrency: 2, maxConcurrency: 1024 },
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
      operationLimits: { maxDepth: 12, maxAliases: 30, maxTokens: 5_000, maxDirectives: 50 },
      persistedDocuments: undefined,
      webhookSecrets: [],
      webhookToleranceS: 300,
      subscriptionsPerKey: 100,
      subscriptionBuffer: 100,
      redisUrl: undefined,
      metrics: { maxOperationNames: 200 },
      tracing: undefined,
    });
  });

  it('reads every variable it knows', () => {
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '8080',
      HUECHAT_API_URL: 'https://api.huechat.ai/v2',
      HUECHAT_API_KEY: 'sk_live_abc',
      UPSTREAM_CONNECTIONS: '8',
      UPSTREAM_PIPELINING: '2',
      UPSTREAM_CONNECT_TIMEOUT_MS: '500',
      UPSTREAM_TIMEOUT_MS: '1500',
      UPSTREAM_BODY_TIMEOUT_MS: '700',
      UPSTREAM_RETRIES: '0',
      UPSTREAM_RETRY_MAX_WAIT_MS: '250',
      UPSTREAM_RETRY_MAX_TOTAL_WAIT_MS: '600',
      UPSTREAM_RETRY_BUDGET_RATIO: '0.5',
      UPSTREAM_COALESCE: 'false',
      UPSTREAM_WATERFALL: 'true',
      UPSTREAM_MAX_CALLS_PER_OPERATION: '120',
      MAX_REQUEST_BODY_BYTES: '65536',
      ADMISSION_CONTROL: 'true',
      ADMISSION_MIN_CONCURRENCY: '4',
      ADMISSION_MAX_CONCURRENCY: '64',
      SHUTDOWN_TIMEOUT_MS: '0',
      LOG_LEVEL: 'debug',
      MAX_DEPTH: '8',
      MAX_ALIASES: '5',
      MAX_TOKENS: '900',
      MAX_DIRECTIVES: '3',
      PERSISTED_DOCUMENTS: 'persisted-documents.json',
      PERSISTED_DOCUMENTS_MODE: 'require',
      HUECHAT_WEBHOOK_SECRETS: 'whsec_0123456789abcdef, whsec_fedcba9876543210',
      WEBHOOK_TOLERANCE_S: '60',
      SUBSCRIPTIONS_PER_KEY: '5',
      SUBSCRIPTION_BUFFER: '20',
      REDIS_URL: 'redis://127.0.0.1:6379/0',
      METRICS: 'true',
      METRICS_MAX_OPERATION_NAMES: '50',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'inbox-gateway',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });

    expect(config).toEqual({
      host: '127.0.0.1',
      port: 8080,
      upstreamUrl: 'https://api.huechat.ai/v2',
      defaultApiKey: 'sk_live_abc',
      upstream: {
        connections: 8,
        pipelining: 2,
        connectTimeoutMs: 500,
        timeoutMs: 1500,
        bodyTimeoutMs: 700,
        retries: 0,
        retryMaxWaitMs: 250,
        retryMaxTotalWaitMs: 600,
        retryBudgetRatio: 0.5,
        coalesceReads: false,
      },
      waterfall: true,
      maxUpstreamCalls: 120,
      maxRequestBodyBytes: 65_536,
      admission: { minConcurrency: 4, maxConcurrency: 64 },
      shutdownTimeoutMs: 0,
      logLevel: 'debug',
      operationLimits: { maxDepth: 8, maxAliases: 5, maxTokens: 900, maxDirectives: 3 },
      persistedDocuments: { path: 'persisted-documents.json', mode: 'require' },
      webhookSecrets: ['whsec_0123456789abcdef', 'whsec_fedcba9876543210'],
      webhookToleranceS: 60,
      subscriptionsPerKey: 5,
      subscriptionBuffer: 20,
      redisUrl: 'redis://127.0.0.1:6379/0',
      metrics: { maxOperationNames: 50 },
      tracing: {
        url: 'http://collector:4318/v1/traces',
        protocol: 'http/json',
        serviceName: 'inbox-gateway',
      },
    });
  });

  it('turns admission control off with ADMISSION_CONTROL=false, and keeps its minimum within its maximum', () => {
    expect(loadConfig({ ADMISSION_CONTROL: 'false' }).admission).toBeUndefined();
    expect(loadConfig({ ADMISSION_MIN_CONCURRENCY: '50', ADMISSION_MAX_CONCURRENCY: '8' }).admission).toEqual(
      { minConcurrency: 8, maxConcurrency: 8 },
    );
    expect(() => loadConfig({ ADMISSION_MIN_CONCURRENCY: '0' })).toThrow(
      'ADMISSION_MIN_CONCURRENCY must be an integer from 1 to 100000 (got "0")',
    );
  });

  it('turns metrics off with METRICS=false', () => {
    expect(loadConfig({ METRICS: 'false' }).metrics).toBeUndefined();
  });

  it('turns tracing on only when an OTLP endpoint is set, and not when OTEL_SDK_DISABLED is true', () => {
    expect(
      loadConfig({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing,
    ).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).tracing).toEqual({
      url: 'http://c:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'huechat-gateway',
    });
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracing,
    ).toBeUndefined();
  });

  it('uses the traces endpoint and protocol as given over the general ones', () => {
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp/spans',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }).tracing,
    ).toEqual({
      url: 'https://traces.example/otlp/spans',
      protocol: 'http/protobuf',
      serviceName: 'huechat-gateway',
    });
  });

  it('treats an empty string as unset', () => {
    const config = loadConfig({
      PORT: '',
      HUECHAT_API_URL: '',
      HUECHAT_API_KEY: '',
      LOG_LEVEL: '',
      UPSTREAM_WATERFALL: '',
    });

    expect(config.port).toBe(4000);
    expect(config.upstreamUrl).toBeUndefined();
    expect(config.defaultApiKey).toBeUndefined();
    expect(config.logLevel).toBe('info');
    expect(config.waterfall).toBe(true);
  });

  it('trims trailing slashes from HUECHAT_API_URL', () => {
    expect(loadConfig({ HUECHAT_API_URL: 'https://api.huechat.ai/v2/' }).upstreamUrl).toBe(
      'https://api.huechat.ai/v2',
    );
    expect(loadConfig({ HUECHAT_API_URL: 'http://127.0.0.1:4010/v2//' }).upstreamUrl).toBe(
      'http://127.0.0.1:4010/v2',
    );
  });

  it('turns the waterfall on by default only in sandbox mode', () => {
    expect(loadConfig({}).waterfall).toBe(true);
    expect(loadConfig({ HUECHAT_API_URL: 'https://api.huechat.ai/v2' }).waterfall).toBe(false);
  });

  it('lets UPSTREAM_WATERFALL override the default either way', () => {
    expect(loadConfig({ UPSTREAM_WATERFALL: 'false' }).waterfall).toBe(false);
    expect(loadConfig({ UPSTREAM_WATERFALL: '0' }).waterfall).toBe(false);
    expect(
      loadConfig({ HUECHAT_API_URL: 'https://api.huechat.ai/v2', UPSTREAM_WATERFALL: '1' }).waterfall,
    ).toBe(true);
  });

  it('gives the body the headers timeout unless UPSTREAM_BODY_TIMEOUT_MS is set', () => {
    expect(loadConfig({ UPSTREAM_TIMEOUT_MS: '4000' }).upstream).toMatchObject({
      timeoutMs: 4000,
      bodyTimeoutMs: 4000,
    });
    expect(loadConfig({ UPSTREAM_TIMEOUT_MS: '4000', UPSTREAM_BODY_TIMEOUT_MS: '' }).upstream).toMatchObject({
      timeoutMs: 4000,
      bodyTimeoutMs: 4000,
    });
    expect(loadConfig({ UPSTREAM_BODY_TIMEOUT_MS: '30000' }).upstream).toMatchObject({
      timeoutMs: 10_000,
      bodyTimeoutMs: 30_000,
    });
  });

  it('defaults UPSTREAM_RETRY_MAX_TOTAL_WAIT_MS to UPSTREAM_RETRY_MAX_WAIT_MS', () => {
    expect(loadConfig({ UPSTREAM_RETRY_MAX_WAIT_MS: '5000' }).upstream).toMatchObject({
      retryMaxWaitMs: 5000,
      retryMaxTotalWaitMs: 5000,
    });
    expect(
      loadConfig({ UPSTREAM_RETRY_MAX_WAIT_MS: '5000', UPSTREAM_RETRY_MAX_TOTAL_WAIT_MS: '8000' }).upstream,
    ).toMatchObject({ retryMaxWaitMs: 5000, retryMaxTotalWaitMs: 8000 });
    expect(loadConfig({ UPSTREAM_RETRY_MAX_TOTAL_WAIT_MS: '0' }).upstream.retryMaxTotalWaitMs).toBe(0);
  });

  it('reads UPSTREAM_RETRY_BUDGET_RATIO as a decimal, 0 included', () => {
    expect(loadConfig({ UPSTREAM_RETRY_BUDGET_RATIO: '0' }).upstream.retryBudgetRatio).toBe(0);
    expect(loadConfig({ UPSTREAM_RETRY_BUDGET_RATIO: ' 0.05 ' }).upstream.retryBudgetRatio).toBe(0.05);
    expect(loadConfig({ UPSTREAM_RETRY_BUDGET_RATIO: '3' }).upstream.retryBudgetRatio).toBe(3);
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ SOMETHING_ELSE: 'x', PATH: '/usr/bin' }).port).toBe(4000);
  });

  describe('stops with one line naming the variable and what it expects', () => {
    it.each([
      ['PORT', 'abc', /^Invalid configuration: PORT must be an integer from 0 to 65535 \(got "abc"\)$/],
      ['PORT', '70000', /PORT must be an integer from 0 to 65535/],
      ['PORT', '-1', /PORT must be an integer from 0 to 65535/],
      [
        'HUECHAT_API_URL',
        'ftp://x',
        /HUECHAT_API_URL must be an http\(s\) URL such as https:\/\/api\.huechat\.ai\/v2 \(got "ftp:\/\/x"\)/,
      ],
      ['HUECHAT_API_URL', 'not a url', /HUECHAT_API_URL must be an http\(s\) URL/],
      ['UPSTREAM_TIMEOUT_MS', '0', /UPSTREAM_TIMEOUT_MS must be an integer from 1 to 300000 \(got "0"\)/],
      ['UPSTREAM_TIMEOUT_MS', '1.5', /UPSTREAM_TIMEOUT_MS must be an integer from 1 to 300000/],
      [
        'UPSTREAM_MAX_CALLS_PER_OPERATION',
        '0',
        /UPSTREAM_MAX_CALLS_PER_OPERATION must be an integer from 1 to 1000000/,
      ],
      [
        'UPSTREAM_BODY_TIMEOUT_MS',
        '0',
        /^Invalid configuration: UPSTREAM_BODY_TIMEOUT_MS must be an integer from 1 to 300000 \(got "0"\)$/,
      ],
      ['UPSTREAM_BODY_TIMEOUT_MS', '10s', /UPSTREAM_BODY_TIMEOUT_MS must be an integer from 1 to 300000/],
      [
        'UPSTREAM_RETRY_MAX_TOTAL_WAIT_MS',
        '-5',
        /UPSTREAM_RETRY_MAX_TOTAL_WAIT_MS must be an integer from 0 to 300000 \(got "-5"\)/,
      ],
      [
        'UPSTREAM_RETRY_BUDGET_RATIO',
        '20%',
        /^Invalid configuration: UPSTREAM_RETRY_BUDGET_RATIO must be a number from 0 to 10 \(got "20%"\)$/,
      ],
      [
        'HUECHAT_WEBHOOK_SECRETS',
        'whsec_0123456789abcdef,sk_live_oops',
        /^Invalid configuration: HUECHAT_WEBHOOK_SECRETS must be comma-separated whsec_… signing secrets \(value not shown\)$/,
      ],
      [
        'HUECHAT_WEBHOOK_SECRETS',
        ' , ',
        /HUECHAT_WEBHOOK_SECRETS must be comma-separated whsec_… signing secrets/,
      ],
      ['WEBHOOK_TOLERANCE_S', '0', /WEBHOOK_TOLERANCE_S must be an integer from 1 to 86400/],
      ['SUBSCRIPTIONS_PER_KEY', '0', /SUBSCRIPTIONS_PER_KEY must be an integer from 1 to 100000/],
      ['SUBSCRIPTION_BUFFER', 'lots', /SUBSCRIPTION_BUFFER must be an integer from 1 to 100000/],
      [
        'REDIS_URL',
        'http://user:pw@redis:6379',
        /^Invalid configuration: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL \(value not shown\)$/,
      ],
      ['UPSTREAM_RETRY_BUDGET_RATIO', '11', /UPSTREAM_RETRY_BUDGET_RATIO must be a number from 0 to 10/],
      ['UPSTREAM_RETRY_BUDGET_RATIO', '-0.1', /UPSTREAM_RETRY_BUDGET_RATIO must be a number from 0 to 10/],
      ['UPSTREAM_CONNECTIONS', '0', /UPSTREAM_CONNECTIONS must be an integer from 1 to 1024/],
      ['UPSTREAM_RETRIES', '11', /UPSTREAM_RETRIES must be an integer from 0 to 10/],
      ['LOG_LEVEL', 'loud', /LOG_LEVEL must be debug, info, warn, error or silent \(got "loud"\)/],
      ['MAX_DEPTH', '0', /MAX_DEPTH must be an integer from 1 to 1000 \(got "0"\)/],
      ['MAX_TOKENS', 'many', /MAX_TOKENS must be an integer from 1 to 1000000 \(got "many"\)/],
      [
        'PERSISTED_DOCUMENTS_MODE',
        'strict',
        /PERSISTED_DOCUMENTS_MODE must be allow or require \(got "strict"\)/,
      ],
      ['UPSTREAM_WATERFALL', 'yes', /UPSTREAM_WATERFALL must be true or false \(got "yes"\)/],
      ['METRICS', 'no', /METRICS must be true or false/],
      [
        'OTEL_EXPORTER_OTLP_ENDPOINT',
        'collector:4318',
        /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/,
      ],
      [
        'OTEL_EXPORTER_OTLP_PROTOCOL',
        'grpc',
        /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json \(got "grpc"\)/,
      ],
      ['OTEL_TRACES_SAMPLER', 'sometimes', /OTEL_TRACES_SAMPLER must be always_on, always_off/],
      ['OTEL_TRACES_SAMPLER_ARG', '2', /OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1/],
    ])('%s=%s', (name, value, message) => {
      const err = configError({ [name]: value });

      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('\n');
    });

    it('keeps a value with a newline on one line', () => {
      const err = configError({ PORT: '80\n80' });

      expect(err.message).toBe(
        'Invalid configuration: PORT must be an integer from 0 to 65535 (got "80\\n80")',
      );
    });

    it('names only the first bad variable when several are wrong', () => {
      const err = configError({ PORT: 'abc', LOG_LEVEL: 'loud' });

      expect(err.message).toContain('PORT');
      expect(err.message).not.toContain('LOG_LEVEL');
    });
  });
});
