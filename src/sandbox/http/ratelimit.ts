const WINDOW_MS = 60_000;
/** What an unlimited key reports in X-RateLimit-Limit: a number, so clients that parse the headers keep working. */
export const UNLIMITED_REPORTED = 1_000_000;

export interface RateState {
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  reset: number;
  /** Seconds until the reset, when this request is over the limit. */
  retryAfter?: number;
}

/** SPEC §7 [rec]: a fixed 60 s window per key, starting at the key's first request. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  hit(key: string, limit: number | undefined, now: number): RateState {
    let window = this.windows.get(key);
    if (window === undefined || now - window.start >= WINDOW_MS || now < window.start) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count++;
    const resetMs = window.start + WINDOW_MS;
    const reported = limit ?? UNLIMITED_REPORTED;
    const state: RateState = {
      limit: reported,
      remaining: Math.max(0, reported - window.count),
      reset: Math.ceil(resetMs / 1000),
    };
    if (limit !== undefined && window.count > limit) {
      state.retryAfter = Math.max(1, Math.ceil((resetMs - now) / 1000));
    }
    return state;
  }

  /** Headers for requests without a known key: nothing is counted. */
  anonymous(now: number): RateState {
    return {
      limit: UNLIMITED_REPORTED,
      remaining: UNLIMITED_REPORTED,
      reset: Math.ceil((now + WINDOW_MS) / 1000),
    };
  }

  clear(): void {
    this.windows.clear();
  }
}
