import { setTimeout as sleep } from 'node:timers/promises';
import type { Send } from './call.js';
import { UpstreamError } from './errors.js';
import type { Attempt } from './request.js';

export interface RetryOptions {
  /** Extra attempts for a GET that failed in a retryable way. */
  retries: number;
  /** Longest single wait before a retry; a Retry-After beyond it fails at once with its value. */
  maxWaitMs: number;
  /** Longest one GET may wait between its attempts, all waits together. */
  maxTotalWaitMs: number;
  /** Shared by every read of one client. */
  budget: RetryBudget;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

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

/** Milliseconds to wait before the next attempt, or undefined when this failure is not retried. */
export function retryWait(err: UpstreamError, attempt: number, maxWaitMs: number): number | undefined {
  const retryable =
    err.kind === 'unavailable' ||
    err.kind === 'rate_limited' ||
    (err.kind === 'http' && err.status !== undefined && RETRYABLE_STATUS.has(err.status));
  if (!retryable) return undefined;
  if (err.retryAfter !== undefined) {
    const ms = err.retryAfter * 1000;
    return ms <= maxWaitMs ? ms : undefined;
  }
  // Full jitter keeps many gateways from retrying in lock-step.
  const cap = Math.min(maxWaitMs, 50 * 2 ** attempt);
  return Math.round(Math.random() * cap);
}

/**
 * The retry policy around the request unit: reads are retried on 429/502/503/504 and connection
 * errors, honouring Retry-After, within the per-read total wait and the budget shared by all reads.
 * A write is never retried: a message must never be sent twice.
 */
export function retryReads(attempt: Attempt, options: RetryOptions): Send {
  const { retries, maxWaitMs, maxTotalWaitMs, budget } = options;
  return async (call) => {
    if (call.spec.method !== 'GET') return attempt(call, 0);
    if (retries > 0) budget.deposit();
    const { signal } = call.caller;
    let waited = 0;
    for (let n = 0; ; n++) {
      try {
        return await attempt(call, n);
      } catch (err) {
        if (!(err instanceof UpstreamError) || n >= retries || signal?.aborted) throw err;
        const wait = retryWait(err, n, maxWaitMs);
        // Not worth retrying, or the wait would take this read past its total, or the budget shared
        // by all reads is spent: the failure is returned now. The budget is asked last, so only a
        // retry that is really made spends a token.
        if (wait === undefined || waited + wait > maxTotalWaitMs || !budget.trySpend()) throw err;
        waited += wait;
        call.caller.observer?.retry(call.spec.method, call.spec.route, n, wait);
        try {
          await sleep(wait, undefined, { signal });
        } catch {
          throw new UpstreamError({ kind: 'aborted', method: call.spec.method, route: call.spec.route });
        }
      }
    }
  };
}
