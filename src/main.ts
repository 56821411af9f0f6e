import { createServer } from 'node:http';
import { type Config, ConfigError, loadConfig } from './config.js';
import { LiveEvents, WEBHOOK_ENDPOINT } from './events/index.js';
import { connectRedis } from './events/redis.js';
import { createLogger } from './logger.js';
import type { Sandbox } from './sandbox/index.js';
import { AdmissionControl } from './server/admission.js';
import { createRequestListener } from './server/listener.js';
import { loadTrustedDocuments } from './server/plugins/use-trusted-documents.js';
import { createTelemetry } from './telemetry/index.js';
import { UpstreamClient } from './upstream/client.js';
import { WEBHOOK_EVENT_TYPES, webhooks } from './upstream/webhooks.js';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) fail(err.message);
  throw err;
}
const logger = createLogger(config.logLevel);

let sandbox: Sandbox | undefined;
let upstreamUrl = config.upstreamUrl;
let defaultApiKey = config.defaultApiKey;
if (!upstreamUrl) {
  // Loaded only in sandbox mode: a gateway with a real upstream never holds the sandbox's code or data.
  const { SandboxConfigError, sandboxOptionsFromEnv, startSandbox } = await import('./sandbox/index.js');
  let sandboxOptions: ReturnType<typeof sandboxOptionsFromEnv>;
  try {
    sandboxOptions = sandboxOptionsFromEnv(process.env);
  } catch (err) {
    if (err instanceof SandboxConfigError) fail(err.message);
    throw err;
  }
  // In-process, the sandbox takes any free port unless SANDBOX_PORT names one.
  sandbox = await startSandbox({
    ...sandboxOptions,
    port: process.env.SANDBOX_PORT ? sandboxOptions.port : 0,
  });
  upstreamUrl = sandbox.url;
  defaultApiKey ??= sandbox.keys[0]?.key;
  logger.info('HUECHAT_API_URL is not set: serving the embedded HueChat sandbox with seeded demo data', {
    sandboxUrl: sandbox.url,
  });
}

let trustedDocumentsManifest: Map<string, string> | undefined;
try {
  trustedDocumentsManifest = config.persistedDocuments
    ? loadTrustedDocuments(config.persistedDocuments.path)
    : undefined;
} catch (err) {
  fail((err as Error).message);
}

const client = new UpstreamClient({ baseUrl: upstreamUrl, ...config.upstream });
const admission = config.admission ? new AdmissionControl(config.admission) : undefined;
const live = new LiveEvents({
  client,
  logger,
  secrets: config.webhookSecrets,
  toleranceS: config.webhookToleranceS,
  subscriptionsPerKey: config.subscriptionsPerKey,
  subscriptionBuffer: config.subscriptionBuffer,
  redis: config.redisUrl ? connectRedis(config.redisUrl, logger) : undefined,
});
// The OpenTelemetry SDK is loaded only when tracing is configured.
const telemetry = await createTelemetry({
  logger,
  metrics: config.metrics !== undefined,
  maxOperationNames: config.metrics?.maxOperationNames,
  tracing: config.tracing,
  admission,
});
const listener = createRequestListener({
  client,
  logger,
  defaultApiKey,
  waterfall: config.waterfall,
  maxUpstreamCalls: config.maxUpstreamCalls,
  maxRequestBodyBytes: config.maxRequestBodyBytes,
  operationLimits: config.operationLimits,
  trustedDocuments: config.persistedDocuments,
  trustedDocumentsManifest,
  graphiqlApiKey: sandbox ? defaultApiKey : undefined,
  admission,
  live,
  telemetry,
});
const server = createServer(listener);
server.on('upgrade', listener.upgrade);
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shown = config.host === '0.0.0.0' ? 'localhost' : config.host;
  void (async () => {
    if (sandbox && defaultApiKey && config.webhookSecrets.length === 0) {
      await registerSandboxWebhook(port, defaultApiKey);
    }
    logger.info(`huechat-gateway ready: GraphiQL at http://${shown}:${port}/graphql`, {
      upstream: sandbox ? 'sandbox' : new URL(upstreamUrl).origin,
      webhooks: live.receiver ? WEBHOOK_ENDPOINT : 'off (HUECHAT_WEBHOOK_SECRETS is not set)',
      metrics: config.metrics ? '/metrics' : 'off',
      tracing: config.tracing ? `${config.tracing.protocol} to ${new URL(config.tracing.url).origin}` : 'off',
    });
  })();
});

/**
 * Sandbox mode: the gateway subscribes its own receiver to the embedded sandbox's webhooks and takes the
 * secret it gets back, so subscriptions in GraphiQL work with no setup (CONTRACT §8).
 */
async function registerSandboxWebhook(port: number, apiKey: string) {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}${WEBHOOK_ENDPOINT}`;
  try {
    const hook = await webhooks.create(client, { apiKey }, { url, events: WEBHOOK_EVENT_TYPES });
    if (!hook.signing_secret) throw new Error('the sandbox returned no signing secret');
    live.setSecrets([hook.signing_secret]);
    logger.info('registered the gateway webhook on the sandbox', { url, webhookId: hook.id });
  } catch (err) {
    logger.error('could not register the gateway webhook on the sandbox: subscriptions get no events', {
      error: err,
    });
  }
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info('shutting down', { signal });
  // Open subscriptions end first and cleanly: SSE streams complete, WebSockets close with 1001.
  await live.close();
  listener.closeWebSockets();
  const force = setTimeout(() => {
    logger.warn('in-flight requests did not finish in time; closing them');
    server.closeAllConnections();
  }, config.shutdownTimeoutMs);
  force.unref();
  // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A connection that finishes its request goes idle (keep-alive); close it then rather than waiting out the timeout.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  await closed;
  clearInterval(sweep);
  clearTimeout(force);
  admission?.close();
  await client.close();
  // Spans still buffered are exported before exit.
  await telemetry
    .shutdown()
    .catch((err: unknown) => logger.warn('trace export at shutdown failed', { cause: err }));
  await sandbox?.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
