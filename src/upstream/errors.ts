/** What went wrong talking to HueChat, independent of GraphQL. `errors.ts` maps it to a GraphQL error. */
export type UpstreamErrorKind =
  | 'http' // HueChat answered with an error status (4xx/5xx other than 429)
  | 'rate_limited' // 429
  | 'timeout' // no answer (headers or body) in time
  | 'unavailable' // connection refused, reset, DNS failure
  | 'bad_response' // an answer that breaks SPEC.md's shape
  | 'aborted'; // the caller went away

export interface UpstreamErrorInit {
  kind: UpstreamErrorKind;
  method: string;
  /** Route template, never the concrete path: `/contact/{id}`. */
  route: string;
  status?: number;
  error?: string;
  upstreamMessage?: string;
  details?: Record<string, unknown>;
  requestId?: string;
  retryAfter?: number;
  cause?: unknown;
}

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly kind: UpstreamErrorKind;
  readonly method: string;
  readonly route: string;
  readonly status: number | undefined;
  readonly error: string | undefined;
  readonly upstreamMessage: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly requestId: string | undefined;
  /** Seconds, on rate_limited. */
  readonly retryAfter: number | undefined;

  constructor(init: UpstreamErrorInit) {
    super(`${init.method} ${init.route}: ${init.kind}${init.status ? ` ${init.status}` : ''}`, {
      cause: init.cause,
    });
    this.kind = init.kind;
    this.method = init.method;
    this.route = init.route;
    this.status = init.status;
    this.error = init.error;
    this.upstreamMessage = init.upstreamMessage;
    this.details = init.details;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
  }
}

/** HueChat answered 404: the resource does not exist (for this key). */
export const isNotFound = (err: unknown): err is UpstreamError =>
  err instanceof UpstreamError && err.kind === 'http' && err.status === 404;

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const cause = (err as { cause?: unknown }).cause;
    if (cause) return errorCode(cause);
  }
  return undefined;
}

/**
 * What a failure to get an answer at all was, matched on undici's `err.code`: the caller leaving,
 * no answer in time, or (refused, reset, DNS, closed socket, anything else) no upstream to talk to.
 */
export function transportFailure(err: unknown, signal: AbortSignal | undefined): UpstreamErrorKind {
  const code = errorCode(err);
  if (signal?.aborted || code === 'UND_ERR_ABORTED' || (err as Error)?.name === 'AbortError')
    return 'aborted';
  if (code && TIMEOUT_CODES.has(code)) return 'timeout';
  return 'unavailable';
}
