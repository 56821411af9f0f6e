import type { z } from 'zod';
import type { UpstreamErrorKind } from './errors.js';
import type { Query } from './paths.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One REST call as the waterfall and tests see it: a route template, never ids or keys. */
export interface UpstreamCallTrace {
  method: string;
  route: string;
  status: number | undefined;
  startedAt: number;
  durationMs: number;
  attempt: number;
  outcome: 'ok' | UpstreamErrorKind;
  /** True when this request joined an identical call already in flight instead of sending its own. */
  coalesced?: boolean;
  /** `X-RateLimit-Remaining` of the answer, when it carried a usable one. */
  rateLimitRemaining?: number;
}

/**
 * Watches one request's REST calls, for telemetry (spans, metrics, the access log). Optional: without
 * one, the client does nothing more than send the calls. Implementations must be cheap and must not
 * throw; they see route templates only, never a concrete path, a key or a body.
 */
export interface UpstreamObserver {
  /**
   * An attempt is about to go out. The observer may add headers to it (`traceparent`); the function it
   * returns is called exactly once, with how the attempt ended.
   */
  attempt(
    method: HttpMethod,
    route: string,
    attempt: number,
    headers: Record<string, string>,
  ): (call: UpstreamCallTrace) => void;
  /** A failed read will be sent again after `waitMs` (attempt is the one that failed). */
  retry(method: HttpMethod, route: string, attempt: number, waitMs: number): void;
  /** The request joined an identical read already in flight, and that read has now settled. */
  joined(call: UpstreamCallTrace): void;
}

/** Who is calling: forwarded on every call. */
export interface CallerContext {
  apiKey: string;
  signal?: AbortSignal;
  trace?: (call: UpstreamCallTrace) => void;
  /** Telemetry of the request the calls are made for. */
  observer?: UpstreamObserver;
}

export interface CallSpec<S extends z.ZodType | null> {
  method: HttpMethod;
  /** Route template with `{name}` placeholders, e.g. `/contact/{id}/conversations`. */
  route: string;
  params?: Record<string, string>;
  query?: Query;
  body?: unknown;
  /** Schema of the success body; null for an empty success (204). */
  schema: S;
}

/** What a call resolves to: the parsed success body, or nothing for an empty success. */
export type Result<S> = S extends z.ZodType ? z.output<S> : undefined;

/** One logical call on its way through the client's parts (sharing → retries → request). */
export interface Call {
  caller: CallerContext;
  spec: CallSpec<z.ZodType | null>;
  /** The concrete path, built once from the route template. */
  path: string;
}

/** A part of the client: takes a call and resolves to its parsed body, or rejects with an UpstreamError. */
export type Send = (call: Call) => Promise<unknown>;
