import { createRng, hashSeed, unseeded } from '../domain/random.js';
import { nonNegative } from '../domain/sandbox.js';
import { Timers } from '../domain/time.js';
import type { FaultOptions, RecordedRequest, SandboxOptions } from '../domain/types.js';
import { FaultInjector } from './faults.js';
import { RateLimiter } from './ratelimit.js';

const DEFAULT_MAX_RECORDED = 100_000;

/**
 * What the HTTP layer keeps about /v2 requests: the request log, the rate-limit windows, the latency
 * and fault settings, and the timers of requests in flight.
 */
export class Traffic {
  /** Latency and hang timers of requests in flight: cleared only by close. */
  readonly requestTimers = new Timers();
  readonly faults: FaultInjector;
  readonly rateLimiter = new RateLimiter();
  readonly log: ((line: string) => void) | undefined;
  readonly logRequests: boolean;
  latencyMs = 0;
  jitterMs = 0;
  requests: RecordedRequest[] = [];
  private readonly maxRecorded: number;

  /** `seed` is the sandbox's PRNG seed. */
  constructor(options: SandboxOptions, seed: number) {
    this.maxRecorded = Math.max(1, options.maxRecordedRequests ?? DEFAULT_MAX_RECORDED);
    this.log = options.log;
    this.logRequests = options.logRequests === true && options.log !== undefined;
    // Faults draw from their own seeded stream: a fault run repeats, and the data stream is untouched.
    this.faults = new FaultInjector(createRng(hashSeed(seed, 'faults')));
    this.faults.set(options.faults ?? {});
    this.setLatency(options.latencyMs ?? 0, options.jitterMs ?? 0);
  }

  record(entry: RecordedRequest): void {
    // Drop the oldest tenth at once: a long benchmark must not grow the log without bound.
    if (this.requests.length >= this.maxRecorded) this.requests.splice(0, Math.ceil(this.maxRecorded / 10));
    this.requests.push(entry);
  }

  /** Milliseconds to hold the next /v2 answer. */
  delay(): number {
    if (this.jitterMs === 0) return this.latencyMs;
    return this.latencyMs + Math.floor(unseeded() * (this.jitterMs + 1));
  }

  setLatency(latencyMs: number, jitterMs = 0): void {
    this.latencyMs = nonNegative('latencyMs', latencyMs);
    this.jitterMs = nonNegative('jitterMs', jitterMs);
  }

  setFaults(faults: FaultOptions): void {
    this.faults.set(faults);
  }

  /** With the sandbox's reset: rate-limit windows and the request log start over; faults and latency stay. */
  reset(): void {
    this.rateLimiter.clear();
    this.requests = [];
  }

  close(): void {
    this.requestTimers.clearAll();
  }
}
