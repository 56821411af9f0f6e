import { GraphQLError } from 'graphql';
import type { Logger } from './logger.js';
import { UpstreamError } from './upstream/errors.js';

/** The error codes of CONTRACT §4, plus the two the gateway raises itself. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'DUPLICATE_CONTACT'
  | 'CONFLICT'
  | 'VALIDATION_FAILED'
  | 'RATE_LIMITED'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'REQUEST_ABORTED'
  | 'QUERY_TOO_EXPENSIVE'
  | 'MAX_DEPTH_LIMIT'
  | 'MAX_ALIASES_LIMIT'
  | 'MAX_TOKENS_LIMIT'
  | 'MAX_DIRECTIVES_LIMIT'
  | 'BAD_REQUEST'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_ONLY'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'SUBSCRIBER_TOO_SLOW'
  | 'SHUTTING_DOWN'
  | 'INTERNAL_SERVER_ERROR';

const fallbackMessage: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'The request was rejected as invalid',
  UNAUTHENTICATED: 'A valid HueChat API key is required',
  FORBIDDEN: 'The API key does not have permission for this operation',
  NOT_FOUND: 'The requested resource does not exist',
  DUPLICATE_CONTACT: 'A contact with these details already exists',
  CONFLICT: 'The request conflicts with the current state of the resource',
  VALIDATION_FAILED: 'The request failed validation',
  RATE_LIMITED: 'Rate limit exceeded; retry later',
  UPSTREAM_ERROR: 'The HueChat API failed to answer the request',
  UPSTREAM_TIMEOUT: 'The HueChat API did not answer in time',
  UPSTREAM_UNAVAILABLE: 'The HueChat API could not be reached',
  UPSTREAM_BAD_RESPONSE: 'The HueChat API answered with an unexpected response',
  REQUEST_ABORTED: 'The request was aborted',
  QUERY_TOO_EXPENSIVE: 'The operation could make too many calls to HueChat',
  MAX_DEPTH_LIMIT: 'The operation is nested too deeply',
  MAX_ALIASES_LIMIT: 'The operation has too many aliases',
  MAX_TOKENS_LIMIT: 'The document has too many tokens',
  MAX_DIRECTIVES_LIMIT: 'The operation has too many directives',
  BAD_REQUEST: 'The request is malformed',
  PERSISTED_QUERY_NOT_FOUND: 'No trusted document has this id',
  PERSISTED_QUERY_ONLY: 'Only trusted documents are accepted',
  TOO_MANY_SUBSCRIPTIONS: 'Too many open subscriptions for this API key',
  SUBSCRIBER_TOO_SLOW: 'The subscription was closed: it did not keep up with its events',
  SHUTTING_DOWN: 'The gateway is shutting down',
  INTERNAL_SERVER_ERROR: 'Unexpected error.',
};

/** The one table: what an upstream failure becomes for a GraphQL client. */
function codeFor(err: UpstreamError): ErrorCode {
  switch (err.kind) {
    case 'rate_limited':
      return 'RATE_LIMITED';
    case 'timeout':
      return 'UPSTREAM_TIMEOUT';
    case 'unavailable':
      return 'UPSTREAM_UNAVAILABLE';
    case 'bad_response':
      return 'UPSTREAM_BAD_RESPONSE';
    case 'aborted':
      return 'REQUEST_ABORTED';
    case 'http':
      switch (err.status) {
        case 400:
          return 'BAD_USER_INPUT';
        case 401:
          return 'UNAUTHENTICATED';
        case 403:
          return 'FORBIDDEN';
        case 404:
          return 'NOT_FOUND';
        case 409:
          return err.error === 'duplicate_contact' ? 'DUPLICATE_CONTACT' : 'CONFLICT';
        case 422:
          return 'VALIDATION_FAILED';
        case 429:
          return 'RATE_LIMITED';
        default:
          return 'UPSTREAM_ERROR';
      }
  }
}

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** REST `details` with camelCase keys, nested objects included. */
export function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), camelCaseKeys(v)]));
  }
  return value;
}

export interface UpstreamErrorExtensions {
  code: ErrorCode;
  upstream?: { status: number; error: string | null; requestId: string | null };
  details?: unknown;
  retryAfter?: number;
}

export function upstreamExtensions(err: UpstreamError): UpstreamErrorExtensions {
  const ext: UpstreamErrorExtensions = { code: codeFor(err) };
  if (err.status !== undefined) {
    ext.upstream = { status: err.status, error: err.error ?? null, requestId: err.requestId ?? null };
  }
  if (err.details && Object.keys(err.details).length > 0) ext.details = camelCaseKeys(err.details);
  if (err.retryAfter !== undefined) ext.retryAfter = err.retryAfter;
  return ext;
}

/** A gateway-side error with a code (never masked). */
export function gatewayError(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
  httpStatus?: number,
): GraphQLError {
  const extensions: Record<string, unknown> = details ? { code, details } : { code };
  // Yoga reads extensions.http to set the response status (used for 401 before any execution).
  // `spec: false`: the status holds for every client; Yoga would otherwise answer a refusal raised
  // during validation with 200 to application/json clients, as it does for GraphQL validation errors.
  if (httpStatus) extensions.http = { status: httpStatus, spec: false };
  return new GraphQLError(message, { extensions });
}

export const badUserInput = (message: string, details?: Record<string, unknown>) =>
  gatewayError('BAD_USER_INPUT', message, details);

/**
 * The caller's input refused before execution (a value that cannot be its type). `spec: true` lets Yoga
 * answer 200 to application/json clients and 400 to application/graphql-response+json ones, as it does
 * for validation errors.
 */
export function requestInputError(
  message: string,
  nodes: GraphQLError['nodes'],
  extensions: Record<string, unknown> = {},
  at: Partial<Pick<GraphQLError, 'source' | 'positions'>> = {},
): GraphQLError {
  return new GraphQLError(message, {
    nodes,
    ...at,
    extensions: { code: 'BAD_USER_INPUT', ...extensions, http: { spec: true, status: 400 } },
  });
}

/**
 * A variable coercion error: graphql-js wraps the GraphQLError a scalar or enum threw, or raises its
 * own uncoded one. Errors the gateway raised itself before execution (UNAUTHENTICATED) carry a code.
 */
const isRequestError = (error: GraphQLError, original: unknown) =>
  original instanceof GraphQLError || (original === undefined && !error.extensions?.code);

type Log = (level: 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;

/** Failures already logged for their request (see logFailures): the masker does not log them again. */
const loggedFailures = new WeakSet<object>();

/** The cause a masked error is logged for: its original error, or the error itself. */
const causeOf = (error: unknown): unknown =>
  error instanceof GraphQLError ? (error.originalError ?? error) : error;

/**
 * Logs, with `logger` (one bound to the request), what masking `errors` would log: upstream failures
 * and internal errors, each cause once. Runs on an execution result before it is masked, where the
 * request is known; the masker then skips them.
 */
export function logFailures(errors: readonly unknown[] | undefined, logger: Logger): void {
  if (!errors) return;
  const seen = new Set<unknown>();
  for (const error of errors) {
    const cause = causeOf(error);
    if (seen.has(cause)) continue;
    seen.add(cause);
    maskError(error, 'Unexpected error.', (level, message, fields) => {
      logger[level](message, fields);
      if (typeof cause === 'object' && cause !== null) loggedFailures.add(cause);
    });
  }
}

/**
 * Yoga's maskError hook: upstream failures become coded GraphQL errors, coded gateway errors pass,
 * everything else is masked and logged with its cause. Never the URL, key, raw body or stack.
 */
export function createErrorMasker(logger: Logger) {
  return (error: unknown, message: string): Error =>
    maskError(error, message, (level, msg, fields) => {
      const cause = causeOf(error);
      if (typeof cause === 'object' && cause !== null && loggedFailures.has(cause)) return;
      logger[level](msg, fields);
    });
}

function maskError(error: unknown, message: string, log: Log): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  const graphQLError = error instanceof GraphQLError ? error : undefined;
  const at = {
    nodes: graphQLError?.nodes,
    path: graphQLError?.path,
    source: graphQLError?.source,
    positions: graphQLError?.positions,
  };
  if (original instanceof UpstreamError) {
    const extensions = upstreamExtensions(original);
    if (extensions.code === 'UPSTREAM_BAD_RESPONSE' || extensions.code === 'UPSTREAM_ERROR') {
      log('warn', 'upstream failure', {
        method: original.method,
        route: original.route,
        status: original.status,
        cause: original.cause,
      });
    }
    return new GraphQLError(original.upstreamMessage ?? fallbackMessage[extensions.code], {
      ...at,
      extensions: { ...extensions },
    });
  }
  if (graphQLError && !graphQLError.path && isRequestError(graphQLError, original)) {
    // A variable that cannot be coerced (an unknown enum value, a string for an Int, a missing input
    // field, or one of our scalars) fails the whole request before execution: that is the caller's
    // input, not an internal error.
    const coded = original instanceof GraphQLError && original.extensions?.code ? original : undefined;
    return requestInputError(coded?.message ?? graphQLError.message, at.nodes, coded?.extensions, {
      source: at.source,
      positions: at.positions,
    });
  }
  if (original instanceof GraphQLError && original.extensions?.code) {
    return new GraphQLError(original.message, { ...at, extensions: original.extensions });
  }
  if (graphQLError && !graphQLError.originalError) return graphQLError;
  log('error', 'internal error', { path: graphQLError?.path?.join('.'), cause: original });
  return new GraphQLError(message, { ...at, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}
