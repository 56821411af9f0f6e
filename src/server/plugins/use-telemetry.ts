import { type DocumentNode, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { logFailures } from '../../errors.js';
import type { GatewayContext } from '../../schema/context.js';
import type { Telemetry } from '../../telemetry/index.js';

/** The code of a result's first error, if it has any. */
function firstErrorCode(result: unknown): unknown {
  const one = Array.isArray(result) ? result[0] : result;
  if (!one || typeof one !== 'object' || Symbol.asyncIterator in one) return undefined;
  const errors = (one as { errors?: readonly { extensions?: Record<string, unknown> }[] }).errors;
  if (!errors || errors.length === 0) return undefined;
  return errors[0]?.extensions?.code ?? 'ERROR';
}

/**
 * Tells the request's telemetry which operation it runs (type and name, once parsed) and how it
 * ended (ok, or its first error's code). Never the document text or the variables.
 */
export function useTelemetry(telemetry: Telemetry): Plugin<GatewayContext> {
  const named = (context: unknown, document: DocumentNode, operationName: string | null | undefined) => {
    const request = telemetry.of((context as { req?: unknown }).req);
    if (!request) return undefined;
    const operation = getOperationAST(document, operationName ?? undefined);
    if (operation) request.operation(operation.operation, operation.name?.value);
    return request;
  };
  return {
    onParams: ({ context }) => {
      telemetry.of((context as { req?: unknown }).req)?.operation(undefined, undefined);
    },
    // Before validation, so an operation that fails it is still named; executing ones again below, in
    // case a cached validation skipped this hook.
    onValidate: ({ params, context }) => {
      const ctx = context as { req?: unknown; params?: { operationName?: string | null } };
      const request = telemetry.of(ctx.req);
      if (!request) return;
      const operation = getOperationAST(params.documentAST, ctx.params?.operationName ?? undefined);
      if (operation) request.operation(operation.operation, operation.name?.value);
    },
    onExecute: ({ args }) => {
      const request = named(args.contextValue, args.document, args.operationName);
      if (!request) return;
      // Before masking (Yoga masks after every plugin of the gateway), where the request is known: its
      // upstream failures and internal errors are logged with its id, and the masker logs them no more.
      return {
        onExecuteDone: ({ result }) => {
          if (!(Symbol.asyncIterator in result)) {
            logFailures(result.errors, request.logger);
            return;
          }
          return { onNext: ({ result: next }) => logFailures(next.errors, request.logger) };
        },
      };
    },
    onSubscribe: ({ args }) => {
      named(args.contextValue, args.document, args.operationName);
    },
    onResponse: ({ response, serverContext }) => {
      const request = telemetry.of((serverContext as { req?: unknown }).req);
      if (request) response.headers.set('x-request-id', request.requestId);
    },
    onResultProcess: ({ result, serverContext }) => {
      telemetry.of((serverContext as { req?: unknown }).req)?.result(firstErrorCode(result));
    },
  };
}
