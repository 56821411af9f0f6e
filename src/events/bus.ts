import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { type Envelope, envelopeSchema } from './envelope.js';

/** Carries verified envelopes to every instance's subscribers: in this process, or through Redis. */
export interface EventBus {
  /** Hands a verified envelope over for delivery; resolves once it is on its way. */
  publish(envelope: Envelope): Promise<void>;
  /** Called for every envelope published by any instance of the group, in the order they arrive. */
  listen(listener: (envelope: Envelope) => void): void;
  close(): Promise<void>;
}

/** One process alone: delivery is a synchronous hand-over, in the order events were received. */
export class LocalEventBus implements EventBus {
  private readonly listeners: Array<(envelope: Envelope) => void> = [];

  async publish(envelope: Envelope): Promise<void> {
    this.dispatch(envelope);
  }

  dispatch(envelope: Envelope): void {
    for (const listener of this.listeners) listener(envelope);
  }

  listen(listener: (envelope: Envelope) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {}
}

export const EVENTS_CHANNEL = 'huechat-gateway:events';

/**
 * Across instances through Redis pub/sub (`@graphql-yoga/redis-event-target` on the subscribing side):
 * every instance, this one included, gets each envelope once, from Redis, in the order Redis took them.
 * A publish that fails (Redis down) is delivered to this instance's own subscribers instead, and the
 * log says so; the subscribing connection resubscribes by itself when Redis is back.
 */
export class RedisEventBus implements EventBus {
  private readonly local = new LocalEventBus();
  private readonly target;
  private degraded = false;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    // The library's own dispatchEvent ignores the publish result; publishing stays here for that reason.
    this.target = createRedisEventTarget({ publishClient: publisher, subscribeClient: subscriber });
    this.target.addEventListener(EVENTS_CHANNEL, (event) => {
      // Redis is a boundary too: what comes out of it is checked like a delivery.
      const parsed = envelopeSchema.safeParse((event as CustomEvent).detail);
      if (!parsed.success) {
        this.logger.warn('dropped a malformed event from Redis');
        return;
      }
      this.local.dispatch(parsed.data);
    });
  }

  async publish(envelope: Envelope): Promise<void> {
    try {
      await this.publisher.publish(EVENTS_CHANNEL, JSON.stringify(envelope));
      if (this.degraded) {
        this.degraded = false;
        this.logger.info('events are fanned out through Redis again');
      }
    } catch (err) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn('Redis unreachable: events reach only the subscribers of this instance', {
          error: err instanceof Error ? err.message : String(err),
        });
      }
      this.local.dispatch(envelope);
    }
  }

  listen(listener: (envelope: Envelope) => void): void {
    this.local.listen(listener);
  }

  async close(): Promise<void> {
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
