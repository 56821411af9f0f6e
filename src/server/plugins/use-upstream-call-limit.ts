import type { ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { gatewayError } from '../../errors.js';
import { estimateUpstreamCalls } from '../../schema/cost.js';

/**
 * Refuses, before any REST call, an operation that could make more than `limit` upstream calls:
 * `contacts(first: 100) { nodes { conversations(first: 100) { nodes { messages … } } } }` would be ten
 * thousand GETs against the caller's rate limit, and a few such requests would tie up the pool.
 * Refused with HTTP 400, like the other operation limits (CONTRACT §9).
 */
export function useUpstreamCallLimit(limit: number): Plugin {
  const refusal = (args: ExecutionArgs) => {
    const estimate = estimateUpstreamCalls(
      args.schema,
      args.document,
      args.operationName,
      args.variableValues,
    );
    if (estimate <= limit) return undefined;
    return {
      errors: [
        gatewayError(
          'QUERY_TOO_EXPENSIVE',
          `This operation could make ${estimate} calls to HueChat; the limit is ${limit}. Ask for smaller pages (first) or fewer nested lists.`,
          { estimatedUpstreamCalls: estimate, limit },
          400,
        ),
      ],
    };
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
    // A subscription's selection is resolved once per event: the same bound holds for each event.
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}
