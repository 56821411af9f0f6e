import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** SPEC §8.2: HueChat retries with the same envelope id; CONTRACT §8 promises at most once in 24 h. */
export const DEDUP_WINDOW_S = 24 * 60 * 60;

/** Decides whether an event id is seen for the first time (claim) and gives it back when publishing failed. */
export interface Deduplicator {
  /** True the first time an event id is claimed within the window; false for a duplicate. */
  claim(eventId: string): Promise<boolean>;
  /** Forgets a claim whose event could not be published, so HueChat's retry is accepted. */
  release(eventId: string): Promise<void>;
}

/**
 * Event ids seen by this process, each for the window, at most `maxEntries` of them (the oldest go
 * first): memory stays bounded whatever HueChat sends.
 */
export class MemoryDeduplicator implements Deduplicator {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly windowMs = DEDUP_WINDOW_S * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(eventId: string): Promise<boolean> {
    return this.claimSync(eventId);
  }

  claimSync(eventId: string): boolean {
    const now = this.now();
    const expires = this.seen.get(eventId);
    if (expires !== undefined && expires > now) return false;
    this.seen.delete(eventId);
    this.seen.set(eventId, now + this.windowMs);
    // Insertion order is expiry order (one window for all), so the oldest are first.
    for (const [id, at] of this.seen) {
      if (this.seen.size <= this.maxEntries && at > now) break;
      this.seen.delete(id);
    }
    return true;
  }

  async release(eventId: string): Promise<void> {
    this.seen.delete(eventId);
  }

  get size(): number {
    return this.seen.size;
  }
}

/**
 * Across instances: `SET <prefix><id> 1 NX EX 86400` in Redis, so one instance of the group wins each
 * event id. While Redis cannot be reached, claims fall back to this process's memory (and the log says
 * so once per outage): receiving keeps answering, and duplicates are caught per instance meanwhile.
 */
export class RedisDeduplicator implements Deduplicator {
  private readonly local: MemoryDeduplicator;
  private degraded = false;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly prefix = 'huechat-gateway:webhook-event:',
    maxLocalEntries = 100_000,
  ) {
    this.local = new MemoryDeduplicator(maxLocalEntries);
  }

  async claim(eventId: string): Promise<boolean> {
    try {
      const answer = await this.redis.set(this.prefix + eventId, '1', 'EX', DEDUP_WINDOW_S, 'NX');
      if (this.degraded) {
        this.degraded = false;
        this.logger.info('webhook de-duplication is shared through Redis again');
      }
      // Remembered locally too, so a duplicate that arrives during a later outage is still caught here.
      this.local.claimSync(eventId);
      return answer === 'OK';
    } catch (err) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn('Redis unreachable: webhook de-duplication falls back to this process', {
          error: err instanceof Error ? err.message : String(err),
        });
      }
      return this.local.claimSync(eventId);
    }
  }

  async release(eventId: string): Promise<void> {
    await this.local.release(eventId);
    await this.redis.del(this.prefix + eventId).catch(() => undefined);
  }
}
