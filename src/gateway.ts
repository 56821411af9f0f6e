import type { GraphQLSchema } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { createContextFactory, type GatewayContext, WATERFALL_HEADER } from './context.js';
import { createErrorMasker } from './errors.js';
import type { Logger } from './logger.js';
import { schema as publicSchema } from './schema/index.js';
import type { UpstreamClient } from './upstream/http.js';
import { useArgumentValueErrors } from './use-argument-value-errors.js';
import { useCompiledQueries } from './use-compiled-queries.js';
import { DEFAULT_MAX_REQUEST_BODY_BYTES, useRequestBodyLimit } from './use-request-limits.js';
import { useUpstreamCallLimit } from './use-upstream-call-limit.js';

/** The query GraphiQL opens with: one request for what the REST API needs many calls for. */
export const DEFAULT_QUERY = `# A contact with its conversations and their messages, in one request.
# Press the run button (or Ctrl+Enter). Add a search: contacts(first: 1, search: "tanaka")
query Inbox {
  contacts(first: 1) {
    nodes {
      id
      fullName
      email
      conversations(first: 5) {
        totalCount
        nodes {
          id
          channel
          subject
          status
          lastMessageAt
          messages(first: 5) {
            nodes { sentBy content status sentAt }
          }
        }
      }
    }
  }
}
`;

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
  /** Refuse operations that could make more REST calls than this (default 1000). */
  maxUpstreamCalls?: number;
  /** Run queries compiled (graphql-jit) rather than interpreted by graphql-js (default true). */
  compileQueries?: boolean;
  /** Refuse request bodies larger than this, in bytes (default 2,000,000). */
  maxRequestBodyBytes?: number;
}

/**
 * `GET <endpoint>` answers 200 while `check` resolves true, else 503. Matched on the exact path, so the
 * other requests pay one string comparison (Yoga's useReadinessCheck tests a URLPattern on every request).
 */
function useReadiness(endpoint: string, check: () => Promise<boolean>): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      return check().then(
        (ready) => endResponse(new fetchAPI.Response(null, { status: ready ? 200 : 503 })),
        () => endResponse(new fetchAPI.Response(null, { status: 503 })),
      );
    },
  };
}

/** Adds `extensions.upstream` (the REST calls of this request) when the caller asked for it. */
function useUpstreamWaterfall(): Plugin<GatewayContext> {
  return {
    onExecute: () => ({
      onExecuteDone: ({ args, result, setResult }) => {
        const calls = args.contextValue.upstreamCalls;
        if (!calls || !result || Symbol.asyncIterator in result) return;
        const origin = Math.min(...calls.map((c) => c.startedAt));
        setResult({
          ...result,
          extensions: {
            ...result.extensions,
            upstream: calls.map((c) => ({
              method: c.method,
              path: c.route,
              status: c.status ?? null,
              startMs: Math.round((c.startedAt - origin) * 10) / 10,
              durationMs: Math.round(c.durationMs * 10) / 10,
              attempt: c.attempt,
              outcome: c.outcome,
              coalesced: c.coalesced ?? false,
            })),
          },
        });
      },
    }),
  };
}

/** Builds the gateway without listening: a Yoga instance that is also a Node request listener. */
export function createGateway(options: GatewayOptions) {
  const { client, logger } = options;
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema: options.schema ?? publicSchema,
    graphqlEndpoint: options.endpoint ?? '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    // useRequestBodyLimit below enforces the limit without piping every body through a stream.
    maxRequestBodySize: false,
    context: createContextFactory({
      client,
      defaultApiKey: options.defaultApiKey,
      waterfall: options.waterfall ?? false,
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
    cors: { allowedHeaders: ['content-type', 'x-api-key', 'authorization', WATERFALL_HEADER] },
    // The GraphiQL bundle is ~9 MB of script and ~30 MB of heap: load it on the first page view, not at
    // start-up, so an API-only gateway never holds it.
    renderGraphiQL: async (graphiqlOptions) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    graphiql:
      options.graphiql === false
        ? false
        : {
            title: 'HueChat GraphQL',
            defaultQuery: DEFAULT_QUERY,
            headers: JSON.stringify(
              options.graphiqlApiKey ? { 'X-API-Key': options.graphiqlApiKey } : { 'X-API-Key': '' },
              null,
              2,
            ),
          },
    plugins: [
      useArgumentValueErrors(),
      useUpstreamCallLimit(options.maxUpstreamCalls ?? 1_000),
      useUpstreamWaterfall(),
      ...(options.compileQueries === false ? [] : useCompiledQueries()),
      useRequestBodyLimit(options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES),
      // Any HTTP answer from the upstream (even 401) means it is reachable.
      useReadiness('/readyz', () => client.ping().then(() => true)),
    ],
  });
}
