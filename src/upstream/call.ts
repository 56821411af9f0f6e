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
}

/** Who is calling: forwarded on every call. */
export interface CallerContext {
  apiKey: string;
  signal?: AbortSignal;
  trace?: (call: UpstreamCallTrace) => void;
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
