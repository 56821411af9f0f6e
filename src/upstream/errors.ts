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
