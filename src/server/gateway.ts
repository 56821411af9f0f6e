import type { GraphQLSchema } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { DEFAULTS, type OperationLimits } from '../config.js';
import { createErrorMasker } from '../errors.js';
import type { LiveEvents } from '../events/index.js';
import type { Logger } from '../logger.js';
import { schema as publicSchema } from '../schema/index.js';
import type { Telemetry } from '../telemetry/index.js';
import type { UpstreamClient } from '../upstream/client.js';
import { createContextFactory, type GatewayContext, WATERFALL_HEADER } from './context.js';
import { boundedDocumentCache } from './document-cache.js';
import { graphiqlOptions, renderGraphiQL } from './graphiql.js';
import { useArgumentValueErrors } from './plugins/use-argument-value-errors.js';
import { useCompiledQueries } from './plugins/use-compiled-queries.js';
import { useMalformedRequests } from './plugins/use-malformed-requests.js';
import { useOperationLimits } from './plugins/use-operation-limits.js';
import { useReadiness } from './plugins/use-readiness.js';
import { useRequestBodyLimit } from './plugins/use-request-body-limit.js';
import { useSubscriptionTransport } from './plugins/use-subscription-transport.js';
import { useTelemetry } from './plugins/use-telemetry.js';
import { type TrustedDocumentsOptions, useTrustedDocuments } from './plugins/use-trusted-documents.js';
import { useUpstreamCallLimit } from './plugins/use-upstream-call-limit.js';
import { useUpstreamWaterfall } from './plugins/use-upstream-waterfall.js';

export interface GatewayOptions {
  client: UpstreamClient;
  logger: Logger;
  /** Key used when a request carries none. */
  defaultApiKey?: string;
  /** Whether a request may ask for the REST call waterfall (header x-huechat-waterfall). */
  waterfall?: boolean;
  /** Pre-fill GraphiQL's headers with this key (sandbox mode). */
  graphiqlApiKey?: string;
  /** Defaults to the public schema; the federation subgraph passes its own. */
  schema?: GraphQLSchema;
  /** Path of the GraphQL endpoint (default /graphql). */
  endpoint?: string;
  /** Serve GraphiQL on a browser GET of the endpoint (default true). */
  graphiql?: boolean;
  /** Refuse operations that could make more REST calls than this (default: config's). */
  maxUpstreamCalls?: number;
  /** Run queries compiled (graphql-jit) rather than interpreted by graphql-js (default true). */
  compileQueries?: boolean;
  /** Refuse request bodies larger than this, in bytes (default: config's). */
  maxRequestBodyBytes?: number;
  /** Depth, aliases, tokens and directives allowed per operation (default: config's). */
  operationLimits?: Partial<OperationLimits>;
  /** Trusted documents (CONTRACT §9); none: every request sends its query. */
  trustedDocuments?: TrustedDocumentsOptions;
  /** The trusted documents themselves, when already loaded (default: read from trustedDocuments.path). */
  trustedDocumentsManifest?: Map<string, string>;
  /** Live updates: the source of the Subscription fields; none: they fail with a clear error. */
  live?: LiveEvents;
  /** Request ids, access log, metrics and traces (see src/telemetry); none: the request is not reported. */
  telemetry?: Telemetry;
}

/** Builds the gateway without listening: a Yoga instance that is also a Node request listener. */
export function createGateway(options: GatewayOptions) {
  const { client, logger } = options;
  const schema = options.schema ?? publicSchema;
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: options.endpoint ?? '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    // useRequestBodyLimit below enforces the limit without piping every body through a stream.
    maxRequestBodySize: false,
    parserAndValidationCache: boundedDocumentCache(),
    // No field takes an upload: a multipart body is refused (415) instead of being parsed into files.
    multipart: false,
    extraParamNames: options.trustedDocuments ? ['documentId'] : undefined,
    context: createContextFactory({
      client,
      defaultApiKey: options.defaultApiKey,
      waterfall: options.waterfall ?? false,
      live: options.live,
      telemetry: options.telemetry,
    }),
    maskedErrors: { maskError: createErrorMasker(logger) },
    logging: {
      debug: (...args) => logger.debug(String(args[0])),
      info: (...args) => logger.info(String(args[0])),
      warn: (...args) => logger.warn(String(args[0])),
      // Yoga logs here every error its masker replaced: a client's bad input or an upstream 404 as much
      // as a bug, with the query text (and any phone or email in it). The masker already logs what an
      // operator needs (internal errors with their cause, upstream failures), so this stays at debug.
      error: (...args) =>
        logger.debug('graphql error', {
          message: args[0] instanceof Error ? args[0].message : String(args[0]),
        }),
    },
    cors: {
      allowedHeaders: [
        'content-type',
        'x-api-key',
        'authorization',
        WATERFALL_HEADER,
        'x-request-id',
        'traceparent',
        'tracestate',
      ],
      exposedHeaders: ['x-request-id'],
    },
    renderGraphiQL,
    graphiql: options.graphiql === false ? false : graphiqlOptions(options.graphiqlApiKey),
    plugins: [
      useMalformedRequests(),
      ...(options.trustedDocuments
        ? [useTrustedDocuments(options.trustedDocuments, options.trustedDocumentsManifest)]
        : []),
      useOperationLimits({ ...DEFAULTS.operationLimits, ...options.operationLimits }),
      useArgumentValueErrors(),
      useUpstreamCallLimit(options.maxUpstreamCalls ?? DEFAULTS.maxUpstreamCalls),
      useUpstreamWaterfall(),
      ...(options.compileQueries === false ? [] : useCompiledQueries(schema)),
      useRequestBodyLimit(options.maxRequestBodyBytes ?? DEFAULTS.maxRequestBodyBytes),
      useSubscriptionTransport(),
      // Any HTTP answer from the upstream (even 401) means it is reachable.
      useReadiness('/readyz', () => client.ping().then(() => true)),
      // Last: it sees results after every other plugin of the gateway, before Yoga masks them.
      ...(options.telemetry ? [useTelemetry(options.telemetry)] : []),
    ],
  });
}
