import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../../schema/context.js';

/** Adds `extensions.upstream` (the REST calls of this request) when the caller asked for it. */
export function useUpstreamWaterfall(): Plugin<GatewayContext> {
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
