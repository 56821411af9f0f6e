import { createHash } from 'node:crypto';
import type { Call, CallerContext, Send, UpstreamCallTrace } from './call.js';
import { UpstreamError } from './errors.js';

/**
 * In-flight sharing of identical reads: requests that ask for the same GET with the same key while
 * one is already on the wire wait for that one instead of sending their own. Only while in flight
 * (nothing is kept once it settles, so an error reaches only those already waiting), never across
 * keys, and a write by a key ends the sharing of everything that key had in flight.
 */
interface Shared<T> {
  key: string;
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

export class InFlightReads {
  private readonly entries = new Map<string, Shared<unknown>>();
  /** What to do for each read a signal's request waits for, should it abort. */
  private readonly waiting = new WeakMap<AbortSignal, Set<() => void>>();

  /**
   * Runs `start` for the first caller of `key`; later callers of the same key join it. The shared call
   * is aborted only when every caller waiting for it has gone away.
   */
  run<T>(
    key: string,
    signal: AbortSignal | undefined,
    start: (signal: AbortSignal) => Promise<T>,
    onAbort: () => Error,
  ): { promise: Promise<T>; joined: boolean } {
    if (signal?.aborted) return { promise: Promise.reject(onAbort()), joined: false };
    let entry = this.entries.get(key) as Shared<T> | undefined;
    const joined = entry !== undefined;
    if (!entry) {
      const controller = new AbortController();
      const created: Shared<T> = { key, controller, waiters: 0, promise: Promise.resolve() as Promise<T> };
      created.promise = start(controller.signal).finally(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
      // Each waiter handles the outcome on its own chain; this keeps a call whose every waiter left
      // (and so was aborted) from surfacing as an unhandled rejection.
      created.promise.catch(() => undefined);
      this.entries.set(key, created as Shared<unknown>);
      entry = created;
    }
    const shared = entry;
    shared.waiters++;
    if (!signal) return { promise: shared.promise, joined };
    const promise = new Promise<T>((resolve, reject) => {
      const stopWaiting = this.onAbort(signal, () => {
        this.leave(shared);
        reject(onAbort());
      });
      shared.promise.then(
        (value) => {
          stopWaiting();
          resolve(value);
        },
        (err: unknown) => {
          stopWaiting();
          reject(err);
        },
      );
    });
    return { promise, joined };
  }

  /**
   * Calls `leave` if `signal` aborts before the returned function is called. One listener per signal
   * (per request), however many reads it waits for: adding and removing an AbortSignal listener per
   * read showed in the latency of a 12-GET query.
   */
  private onAbort(signal: AbortSignal, leave: () => void): () => void {
    let leaves = this.waiting.get(signal);
    if (!leaves) {
      const all = new Set<() => void>();
      signal.addEventListener(
        'abort',
        () => {
          for (const fn of [...all]) fn();
        },
        { once: true },
      );
      this.waiting.set(signal, all);
      leaves = all;
    }
    const mine = leaves.add(leave);
    return () => mine.delete(leave);
  }

  /** Ends sharing for every read of this key prefix (a caller's key hash) still in flight. */
  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  /**
   * Ends sharing, for every key, of the reads whose path `stale` names: a change HueChat reported
   * (a webhook) makes them stale whoever asked. Those already waiting keep their answer; nobody new joins.
   */
  forgetPaths(stale: (path: string) => boolean): void {
    for (const key of this.entries.keys()) {
      if (stale(key.slice(key.indexOf(' ') + 1))) this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private leave(shared: Shared<unknown>) {
    shared.waiters--;
    if (shared.waiters > 0) return;
    // Nobody waits any more: stop the call, and let no later caller join a call being aborted.
    if (this.entries.get(shared.key) === shared) this.entries.delete(shared.key);
    shared.controller.abort();
  }
}

/** A hash of the caller's key, computed once per caller: sharing is keyed by it, never the key itself. */
const keyHashes = new WeakMap<CallerContext, string>();
export function keyHashOf(caller: CallerContext): string {
  let hash = keyHashes.get(caller);
  if (!hash) {
    hash = createHash('sha256').update(caller.apiKey).digest('base64url');
    keyHashes.set(caller, hash);
  }
  return hash;
}

/**
 * In-flight sharing around the retrying part: identical GETs of one key share one call (retries
 * included); a write by a key ends the sharing of that key's reads before it starts and after it ends,
 * so nobody joins a read that began before the write. A request that joined a call reports it to its
 * trace as `coalesced`.
 */
export function shareReads(next: Send, inflight: InFlightReads = new InFlightReads()): Send {
  return async (call: Call) => {
    const { caller, spec, path } = call;
    const prefix = `${keyHashOf(caller)} `;
    if (spec.method !== 'GET') {
      inflight.forget(prefix);
      try {
        return await next(call);
      } finally {
        inflight.forget(prefix);
      }
    }
    const joinedAt = performance.now();
    const { promise, joined } = inflight.run(
      prefix + path,
      caller.signal,
      (signal) => next({ ...call, caller: { ...caller, signal } }),
      () => new UpstreamError({ kind: 'aborted', method: spec.method, route: spec.route }),
    );
    if (joined && (caller.trace || caller.observer)) {
      const { trace, observer } = caller;
      const report = (outcome: UpstreamCallTrace['outcome'], status: number | undefined) => {
        const joinedCall: UpstreamCallTrace = {
          method: spec.method,
          route: spec.route,
          status,
          startedAt: joinedAt,
          durationMs: performance.now() - joinedAt,
          attempt: 0,
          outcome,
          coalesced: true,
        };
        trace?.(joinedCall);
        observer?.joined(joinedCall);
      };
      promise.then(
        () => report('ok', 200),
        (err: unknown) =>
          report(err instanceof UpstreamError ? err.kind : 'unavailable', (err as UpstreamError).status),
      );
    }
    return promise;
  };
}
