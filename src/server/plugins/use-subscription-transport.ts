import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Set on the Request the WebSocket endpoint builds per operation: that transport is a stream too. */
export const WEBSOCKET_TRANSPORT_HEADER = 'x-huechat-transport';

/**
 * A subscription over plain HTTP (no `Accept: text/event-stream`, not a WebSocket) cannot stream; Yoga
 * would answer a bare 406. This answers it with an error that says what to do instead, before the
 * subscription opens (and before any REST call).
 */
export function useSubscriptionTransport(): Plugin {
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const request = (args.contextValue as { request?: Request }).request;
      const headers = request?.headers;
      if (!headers) return;
      if (headers.get('accept')?.includes('text/event-stream')) return;
      if (headers.get(WEBSOCKET_TRANSPORT_HEADER) === 'websocket') return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(
            'Subscriptions stream over Server-Sent Events (send Accept: text/event-stream) or over WebSocket (graphql-transport-ws at ws://HOST:PORT/graphql)',
            { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
          ),
        ],
      });
    },
  };
}
