import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface AdmissionOptions {
  /** Fewest requests executing at once while the event loop is saturated (default 2). */
  minConcurrency?: number;
  /** Most requests executing at once (default 1024); above it, requests wait in arrival order. */
  maxConcurrency?: number;
  /** Event-loop utilization from which the loop counts as saturated (default 0.9). */
  saturatedAt?: number;
  /** How often the limit is revised, in ms (default 50). */
  intervalMs?: number;
  /** The event loop's utilization since the previous call, 0 to 1 (default: Node's own measure). */
  utilization?: () => number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Node's event-loop utilization over the time since the previous call. */
function loopUtilization(): () => number {
  let previous = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, previous);
    previous = now;
    return utilization;
  };
}

/**
 * How many requests execute at once, adapted to whether the process has CPU to spare.
 *
 * While the event loop has idle time (requests mostly wait for HueChat), the limit only grows, and every
 * request starts as it arrives. Once the loop is saturated, starting more requests cannot finish more:
 * they only interleave, each lives longer, and its objects outlive the young generation, so garbage
 * collection copies and promotes them (at 50 concurrent inbox queries on two cores, half the CPU went
 * there). Then the limit shrinks towards what is executing, and the other requests wait in arrival order
 * before any work is done for them (their request is parsed, nothing more). The limit grows again as soon
 * as the loop has idle time and requests are waiting. A waiting request whose client has gone is dropped:
 * nothing has run for it, so nothing is lost. It is the AIMD idea of TCP congestion control, with the
 * loop's utilization as the congestion signal, so it needs no latency model of the upstream.
 */
export class AdmissionControl {
  private readonly min: number;
  private readonly max: number;
  private readonly saturatedAt: number;
  private readonly utilization: () => number;
  private readonly timer: NodeJS.Timeout;
  private current: number;
  private active = 0;
  private waiting: [IncomingMessage, ServerResponse, Handler][] = [];
  private head = 0;

  constructor(options: AdmissionOptions = {}) {
    this.min = options.minConcurrency ?? 2;
    this.max = Math.max(options.maxConcurrency ?? 1024, this.min);
    this.saturatedAt = options.saturatedAt ?? 0.9;
    this.utilization = options.utilization ?? loopUtilization();
    this.current = this.max;
    this.timer = setInterval(() => this.revise(), options.intervalMs ?? 50);
    this.timer.unref();
  }

  /** Requests that may execute at once right now. */
  get limit(): number {
    return this.current;
  }

  /** Requests executing now. */
  get executing(): number {
    return this.active;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** Runs `handler` for the request now, or once a slot is free. */
  admit(req: IncomingMessage, res: ServerResponse, handler: Handler): void {
    if (this.active < this.current && this.queued === 0) this.start(req, res, handler);
    else this.waiting.push([req, res, handler]);
  }

  /** Adjusts the limit to the loop's utilization since the last revision; called on a timer. */
  revise(): void {
    const utilization = this.utilization();
    if (utilization >= this.saturatedAt) {
      // Shrink from what is executing, not from a limit far above it, so the cut bites at once.
      this.current = Math.max(this.min, Math.floor(Math.min(this.current, this.active) * 0.8));
    } else if (this.queued > 0) {
      this.current = Math.min(this.max, this.current + Math.max(1, Math.floor(this.current / 4)));
    }
    this.drain();
  }

  /** Stops revising the limit (the server is closing). */
  close(): void {
    clearInterval(this.timer);
  }

  private start(req: IncomingMessage, res: ServerResponse, handler: Handler): void {
    this.active++;
    // 'close' comes once per response, whether it was finished or the client went away.
    res.once('close', () => {
      this.active--;
      this.drain();
    });
    handler(req, res);
  }

  private drain(): void {
    while (this.active < this.current && this.head < this.waiting.length) {
      const next = this.waiting[this.head];
      this.waiting[this.head++] = undefined as never;
      const [req, res, handler] = next;
      if (!res.destroyed && !req.socket.destroyed) this.start(req, res, handler);
    }
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }
}
