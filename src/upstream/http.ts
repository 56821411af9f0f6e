import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { z } from 'zod';
import { InFlightReads } from './coalesce.js';
import { UpstreamError, type UpstreamErrorKind } from './errors.js';

export interface UpstreamClientOptions {
  /** REST base URL including the version path, e.g. https://api.huechat.ai/v2 */
  baseUrl: string;
  /** Sockets kept open to the upstream origin. */
  connections: number;
  /** Requests in flight per socket (1 = no HTTP pipelining). */
  pipelining?: number;
  connectTimeoutMs: number;
  /**
   * Longest wait for the response headers. undici checks this and bodyTimeoutMs on a ~0.5 s tick, so
   * either may fire up to ~1 s late: fine for seconds, meaningless for a few milliseconds.
   */
  timeoutMs: number;
  /** Longest gap between two chunks of the response body, not the whole body (default: timeoutMs). */
  bodyTimeoutMs?: number;
  /** Extra attempts for a GET that failed in a retryable way. */
  retries: number;
  /** Longest single wait before a retry; a Retry-After beyond it fails at once with its value. */
  retryMaxWaitMs: number;
  /** Longest one GET may wait between its attempts, all waits together (default: retryMaxWaitMs). */
  retryMaxTotalWaitMs?: number;
  /**
   * Retries allowed per first attempt of a GET, across all requests (default 0.2): an upstream that
   * fails everything gets about (1 + ratio)× the traffic, not (1 + retries)×. See RetryBudget.
   */
  retryBudgetRatio?: number;
  /** Share identical in-flight GETs of the same key between requests (default true). */
  coalesceReads?: boolean;
}

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

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Query = Record<string, string | number | boolean | undefined>;

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

type Result<S> = S extends z.ZodType ? z.output<S> : undefined;

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

const DEFAULT_RETRY_BUDGET_RATIO = 0.2;
/** Retries per second the budget always allows, however few reads there were (the floor). */
const RETRY_BUDGET_MIN_PER_SECOND = 10;
/** Most tokens deposits can bank: the burst of retries an outage meets after a busy healthy spell. */
const RETRY_BUDGET_MAX_TOKENS = 100;

/**
 * A retry budget shared by every read of one client, so retries add a bounded fraction to the upstream's
 * load instead of multiplying it when the upstream fails everything (the idea of Finagle's RetryBudget).
 * A token bucket: each first attempt of a GET deposits `ratio` tokens, each retry spends one, and a
 * retry without a whole token is not made. A floor of `minPerSecond` tokens refills with time, so a
 * client with little traffic can still retry now and then; time-based refill only tops up to that floor
 * (an idle client banks one second of floor, not more), deposits bank up to `maxTokens`. No timers: the
 * refill is computed from the clock when a retry asks, which is the rare path; a deposit reads no clock.
 */
export class RetryBudget {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly ratio: number,
    private readonly minPerSecond: number = RETRY_BUDGET_MIN_PER_SECOND,
    private readonly maxTokens: number = RETRY_BUDGET_MAX_TOKENS,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = minPerSecond;
    this.refilledAt = now();
  }

  /** A first attempt went out. */
  deposit(): void {
    this.tokens = Math.min(this.tokens + this.ratio, this.maxTokens);
  }

  /** Spends one token for a retry; false (and nothing spent) when the budget is empty. */
  trySpend(): boolean {
    const now = this.now();
    if (this.tokens < this.minPerSecond) {
      const refilled = this.tokens + ((now - this.refilledAt) / 1000) * this.minPerSecond;
      this.tokens = Math.min(refilled, this.minPerSecond);
    }
    this.refilledAt = now;
    // The epsilon forgives float drift: five deposits of 0.2 make a whole token.
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens -= 1;
    return true;
  }
}

// Each field on its own: one odd field (say, details as an array) must not hide the others.
const errorBodySchema = z.object({
  error: z.string().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  details: z.record(z.string(), z.unknown()).nullish().catch(undefined),
  request_id: z.string().optional().catch(undefined),
  retry_after: z.number().optional().catch(undefined),
});

/**
 * Puts a value into one path segment. `@` stays raw (SPEC §4.1 shows emails raw in the path);
 * everything else that could change the route (`/`, `?`, `#`, `%`, `+`, `..`) is percent-encoded.
 */
export function encodeSegment(value: string): string {
  const encoded = encodeURIComponent(value).replaceAll('%40', '@');
  // `.` and `..` survive encodeURIComponent and would be resolved as dot-segments by the server.
  return encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded;
}

/** A route template split once: literal text at even indexes, parameter names at odd ones. */
const routeParts = new Map<string, string[]>();

function partsOf(route: string): string[] {
  let parts = routeParts.get(route);
  if (!parts) {
    // `/contact/{id}/conversations` → ['/contact/', 'id', '/conversations']
    parts = route.split(/\{(\w+)\}/);
    routeParts.set(route, parts);
  }
  return parts;
}

function buildPath(
  basePath: string,
  route: string,
  params: Record<string, string> | undefined,
  query?: Query,
) {
  const parts = partsOf(route);
  let path = basePath + parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i];
    const value = params?.[name];
    // An empty segment would turn `/webhooks/{id}` into the list route: never build it.
    if (value === undefined || value === '') throw new Error(`empty path parameter ${name} for ${route}`);
    path += encodeSegment(value) + parts[i + 1];
  }
  if (query) {
    const search = new URLSearchParams();
    for (const k in query) {
      const v = query[k];
      if (v !== undefined) search.set(k, String(v));
    }
    const qs = search.toString();
    if (qs) path += `?${qs}`;
  }
  return path;
}

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
 * The one way the gateway speaks to HueChat: a long-lived keep-alive pool per origin, bounded timeouts,
 * zod-parsed success bodies, every failure turned into an UpstreamError, and retries for reads only.
 */
export class UpstreamClient {
  readonly origin: string;
  private readonly basePath: string;
  private readonly pool: Pool;
  private readonly inflight: InFlightReads | undefined;
  private readonly retryBudget: RetryBudget;
  private readonly retryMaxTotalWaitMs: number;
  private readonly keyHashes = new WeakMap<CallerContext, string>();

  constructor(private readonly options: UpstreamClientOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: options.pipelining ?? 1,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.bodyTimeoutMs ?? options.timeoutMs,
      keepAliveTimeout: 30_000,
    });
    this.inflight = options.coalesceReads === false ? undefined : new InFlightReads();
    this.retryBudget = new RetryBudget(options.retryBudgetRatio ?? DEFAULT_RETRY_BUDGET_RATIO);
    this.retryMaxTotalWaitMs = options.retryMaxTotalWaitMs ?? options.retryMaxWaitMs;
  }

  /** Sharing is keyed by a hash of the caller's key, never the key itself. */
  private keyHash(caller: CallerContext): string {
    let hash = this.keyHashes.get(caller);
    if (!hash) {
      hash = createHash('sha256').update(caller.apiKey).digest('base64url');
      this.keyHashes.set(caller, hash);
    }
    return hash;
  }

  async request<S extends z.ZodType | null>(caller: CallerContext, spec: CallSpec<S>): Promise<Result<S>> {
    const path = buildPath(this.basePath, spec.route, spec.params, spec.query);
    const inflight = this.inflight;
    if (!inflight) return this.attempts(caller, spec, path);
    const prefix = `${this.keyHash(caller)} `;
    if (spec.method !== 'GET') {
      // A write ends the sharing of this key's reads: nobody joins a read that began before it.
      inflight.forget(prefix);
      try {
        return await this.attempts(caller, spec, path);
      } finally {
        inflight.forget(prefix);
      }
    }
    const joinedAt = performance.now();
    const { promise, joined } = inflight.run(
      prefix + path,
      caller.signal,
      (signal) => this.attempts({ ...caller, signal }, spec, path),
      () => new UpstreamError({ kind: 'aborted', method: spec.method, route: spec.route }),
    );
    if (joined && caller.trace) {
      const trace = caller.trace;
      const report = (outcome: UpstreamCallTrace['outcome'], status: number | undefined) =>
        trace({
          method: spec.method,
          route: spec.route,
          status,
          startedAt: joinedAt,
          durationMs: performance.now() - joinedAt,
          attempt: 0,
          outcome,
          coalesced: true,
        });
      promise.then(
        () => report('ok', 200),
        (err: unknown) =>
          report(err instanceof UpstreamError ? err.kind : 'unavailable', (err as UpstreamError).status),
      );
    }
    return promise;
  }

  /** One logical call: the first attempt and, for reads, the retries the budgets allow. */
  private async attempts<S extends z.ZodType | null>(
    caller: CallerContext,
    spec: CallSpec<S>,
    path: string,
  ): Promise<Result<S>> {
    // A write is never retried: a message must never be sent twice.
    if (spec.method !== 'GET') return this.once(caller, spec, path, 0);
    const retries = this.options.retries;
    if (retries > 0) this.retryBudget.deposit();
    let waited = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(caller, spec, path, attempt);
      } catch (err) {
        if (!(err instanceof UpstreamError) || attempt >= retries || caller.signal?.aborted) throw err;
        const wait = this.retryWait(err, attempt);
        // Not worth retrying, or the wait would take this read past its total, or the budget shared
        // by all reads is spent: the failure is returned now. The budget is asked last, so only a
        // retry that is really made spends a token.
        if (wait === undefined || waited + wait > this.retryMaxTotalWaitMs || !this.retryBudget.trySpend())
          throw err;
        waited += wait;
        try {
          await sleep(wait, undefined, { signal: caller.signal });
        } catch {
          throw new UpstreamError({ kind: 'aborted', method: spec.method, route: spec.route });
        }
      }
    }
  }

  /** Milliseconds to wait before the next attempt, or undefined when this failure is not retried. */
  private retryWait(err: UpstreamError, attempt: number): number | undefined {
    const retryable =
      err.kind === 'unavailable' ||
      err.kind === 'rate_limited' ||
      (err.kind === 'http' && err.status !== undefined && RETRYABLE_STATUS.has(err.status));
    if (!retryable) return undefined;
    if (err.retryAfter !== undefined) {
      const ms = err.retryAfter * 1000;
      return ms <= this.options.retryMaxWaitMs ? ms : undefined;
    }
    // Full jitter keeps many gateways from retrying in lock-step.
    const cap = Math.min(this.options.retryMaxWaitMs, 50 * 2 ** attempt);
    return Math.round(Math.random() * cap);
  }

  private async once<S extends z.ZodType | null>(
    caller: CallerContext,
    spec: CallSpec<S>,
    path: string,
    attempt: number,
  ): Promise<Result<S>> {
    const { method, route } = spec;
    const startedAt = performance.now();
    let status: number | undefined;
    const finish = (outcome: UpstreamCallTrace['outcome']) =>
      caller.trace?.({
        method,
        route,
        status,
        startedAt,
        durationMs: performance.now() - startedAt,
        attempt,
        outcome,
      });
    const fail = (
      kind: UpstreamErrorKind,
      extra: Partial<ConstructorParameters<typeof UpstreamError>[0]> = {},
    ) => {
      finish(kind);
      return new UpstreamError({ kind, method, route, status, ...extra });
    };

    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-api-key': caller.apiKey,
      'user-agent': 'huechat-gateway',
    };
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }

    let text: string;
    let retryAfterHeader: string | undefined;
    let requestIdHeader: string | undefined;
    try {
      const res = await this.pool.request({ method, path, headers, body, signal: caller.signal });
      status = res.statusCode;
      const ra = res.headers['retry-after'];
      retryAfterHeader = Array.isArray(ra) ? ra[0] : ra;
      const rid = res.headers['x-request-id'];
      requestIdHeader = Array.isArray(rid) ? rid[0] : rid;
      text = await res.body.text();
    } catch (err) {
      const code = errorCode(err);
      if (caller.signal?.aborted || code === 'UND_ERR_ABORTED' || (err as Error)?.name === 'AbortError')
        throw fail('aborted', { cause: err });
      if (code && TIMEOUT_CODES.has(code)) throw fail('timeout', { cause: err });
      if (code && UNAVAILABLE_CODES.has(code)) throw fail('unavailable', { cause: err });
      throw fail('unavailable', { cause: err });
    }

    if (status >= 200 && status < 300) {
      if (spec.schema === null) {
        finish('ok');
        return undefined as Result<S>;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw fail('bad_response', { cause: err, requestId: requestIdHeader });
      }
      const parsed = spec.schema.safeParse(json);
      if (!parsed.success) throw fail('bad_response', { cause: parsed.error, requestId: requestIdHeader });
      finish('ok');
      return parsed.data as Result<S>;
    }

    let errorBody: z.infer<typeof errorBodySchema> | undefined;
    try {
      const parsed = errorBodySchema.safeParse(JSON.parse(text));
      if (parsed.success) errorBody = parsed.data;
    } catch {
      // A proxy's HTML error page: the status alone still says what happened.
    }
    const retryAfter =
      status === 429 ? (parseRetryAfter(retryAfterHeader) ?? errorBody?.retry_after ?? undefined) : undefined;
    throw fail(status === 429 ? 'rate_limited' : 'http', {
      error: errorBody?.error,
      upstreamMessage: errorBody?.message,
      details: errorBody?.details ?? undefined,
      requestId: errorBody?.request_id ?? requestIdHeader,
      retryAfter,
    });
  }

  /** Resolves when the upstream answers HTTP at all (any status); rejects when it cannot be reached. */
  async ping(): Promise<void> {
    const res = await this.pool.request({
      method: 'GET',
      path: `${this.basePath}/contacts?limit=1`,
      signal: AbortSignal.timeout(this.options.connectTimeoutMs + 1000),
    });
    await res.body.dump();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
