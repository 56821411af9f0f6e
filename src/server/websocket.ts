import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs } from 'graphql';
import { GraphQLError } from 'graphql';
import type { OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { GatewayContext } from './context.js';
import { WEBSOCKET_TRANSPORT_HEADER } from './plugins/use-subscription-transport.js';
import { type TrustedDocumentsOptions, trustedQuery } from './plugins/use-trusted-documents.js';

/** WebSocket close code for a server going away (RFC 6455): what SIGTERM sends. */
const GOING_AWAY = 1001;

/** `connection_init` payload: the key as a header would carry it, in either spelling (CONTRACT §8). */
const initPayloadSchema = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((payload) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(payload ?? {})) {
      const lower = name.toLowerCase();
      if ((lower === 'x-api-key' || lower === 'authorization') && typeof value === 'string') {
        headers.set(lower, value);
      }
    }
    return headers;
  });

/**
 * GraphQL over WebSocket (`graphql-transport-ws`, graphql-ws) at the GraphQL endpoint, executing through
 * Yoga's own envelope: the same schema, plugins, error masking and per-request context as HTTP. The
 * key comes from `connection_init`; each operation gets its own context (data layer) and abort signal.
 */
export function createWebSocketEndpoint(
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>,
  logger: Logger,
  trusted?: { mode: TrustedDocumentsOptions['mode']; documents: Map<string, string> },
) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const aborts = new WeakMap<object, Map<string, AbortController>>();
  useServer<Record<string, unknown> | undefined>(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as OperationResult,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as OperationResult,
      onSubscribe: async (ctx, id, params) => {
        const parsed = initPayloadSchema.safeParse(ctx.connectionParams);
        const headers = parsed.success ? parsed.data : new Headers();
        headers.set(WEBSOCKET_TRANSPORT_HEADER, 'websocket');
        const controller = new AbortController();
        let byId = aborts.get(ctx);
        if (!byId) {
          byId = new Map();
          aborts.set(ctx, byId);
        }
        byId.set(id, controller);
        const request = new Request(`http://localhost${yoga.graphqlEndpoint}`, {
          method: 'POST',
          headers,
          signal: controller.signal,
        });
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          request,
          params,
        });
        const query = trusted ? trustedQuery(params, trusted.mode, trusted.documents) : params.query;
        if (query instanceof GraphQLError) return [query];
        let document: ExecutionArgs['document'];
        try {
          document = parse(query);
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError('Syntax error')];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        let contextValue: GatewayContext;
        try {
          contextValue = (await contextFactory()) as unknown as GatewayContext;
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue,
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        return args;
      },
      onComplete: (ctx, id) => {
        aborts.get(ctx)?.get(id)?.abort();
        aborts.get(ctx)?.delete(id);
      },
      onClose: (ctx) => {
        for (const controller of aborts.get(ctx)?.values() ?? []) controller.abort();
        aborts.delete(ctx);
      },
    },
    wss,
  );

  return {
    /** For the node server's `upgrade` event, on the GraphQL endpoint's path. */
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    /** SIGTERM: every socket closes with 1001, after its subscriptions completed. */
    close() {
      for (const ws of wss.clients) ws.close(GOING_AWAY, 'server shutting down');
      wss.close();
      logger.debug('websocket endpoint closed');
    },
  };
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}
