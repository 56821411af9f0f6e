import { Pool } from 'undici';
import type { z } from 'zod';
import type { CallerContext, CallSpec, Result, Send } from './call.js';
import { buildPath } from './paths.js';
import { createRequest } from './request.js';
import { RetryBudget, retryReads } from './retry.js';
import { InFlightReads, shareReads } from './sharing.js';

export type { CallerContext, CallSpec, HttpMethod, UpstreamCallTrace } from './call.js';

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

const DEFAULT_RETRY_BUDGET_RATIO = 0.2;

/**
 * The one way the gateway speaks to HueChat, composed of small parts as undici composes its
 * interceptors: in-flight sharing (`sharing.ts`) → the retry policy for reads (`retry.ts`) → the
 * request unit (`request.ts`: one attempt, zod-parsed body, every failure an UpstreamError) → one
 * long-lived keep-alive pool per origin with bounded timeouts.
 */
export class UpstreamClient {
  readonly origin: string;
  private readonly basePath: string;
  private readonly pool: Pool;
  private readonly send: Send;
  private readonly inflight = new InFlightReads();

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
    const retrying = retryReads(createRequest(this.pool), {
      retries: options.retries,
      maxWaitMs: options.retryMaxWaitMs,
      maxTotalWaitMs: options.retryMaxTotalWaitMs ?? options.retryMaxWaitMs,
      budget: new RetryBudget(options.retryBudgetRatio ?? DEFAULT_RETRY_BUDGET_RATIO),
    });
    this.send = options.coalesceReads === false ? retrying : shareReads(retrying, this.inflight);
  }

  request<S extends z.ZodType | null>(caller: CallerContext, spec: CallSpec<S>): Promise<Result<S>> {
    let path: string;
    try {
      path = buildPath(this.basePath, spec.route, spec.params, spec.query);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.send({ caller, spec, path }) as Promise<Result<S>>;
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

  /**
   * Ends in-flight sharing, across keys, of the reads whose path (`/v2/conversation/conv_x`, with its
   * query string) `stale` names; see InFlightReads.forgetPaths.
   */
  forgetShared(stale: (path: string) => boolean): void {
    this.inflight.forgetPaths(stale);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
