import type { Redis } from 'ioredis';
import { invalidateShared } from '../data/index.js';
import type { Logger } from '../logger.js';
import type { UpstreamClient } from '../upstream/client.js';
import { type EventBus, LocalEventBus, RedisEventBus } from './bus.js';
import { changeOf } from './changes.js';
import { type Deduplicator, MemoryDeduplicator, RedisDeduplicator } from './dedup.js';
import { eventOf, type HueChatEvent, organizationIdSchema } from './envelope.js';
import { SubscriptionHub } from './hub.js';
import { Membership, type SharedMembership } from './membership.js';
import { createWebhookReceiver, type DeliveryOutcome } from './receiver.js';

export type { HueChatEvent } from './envelope.js';
export type { Delivery, SubscribeSpec } from './hub.js';
export { WEBHOOK_ENDPOINT } from './receiver.js';

/** A key belongs to one organisation for good; a week bounds what Redis keeps for keys no longer used. */
const MEMBERSHIP_TTL_S = 7 * 24 * 60 * 60;

/** Key hash -> organisation in Redis, so a key placed by one instance is known to all. */
function redisMembership(redis: Redis): SharedMembership {
  const prefix = 'huechat-gateway:key-organization:';
  return {
    get: async (keyHash) => {
      // Redis is a boundary: only an organisation id counts as an answer.
      const parsed = organizationIdSchema.safeParse(await redis.get(prefix + keyHash));
      return parsed.success ? parsed.data : undefined;
    },
    set: async (keyHash, organizationId) => {
      await redis.set(prefix + keyHash, organizationId, 'EX', MEMBERSHIP_TTL_S);
    },
  };
}

export interface LiveEventsOptions {
  client: UpstreamClient;
  logger: Logger;
  /** Signing secrets accepted (HUECHAT_WEBHOOK_SECRETS); none: the receiver is not served. */
  secrets: readonly string[];
  toleranceS: number;
  subscriptionsPerKey: number;
  subscriptionBuffer: number;
  /** Two connections (commands, and the one that subscribes); none: one process alone. */
  redis?: { publisher: Redis; subscriber: Redis };
  /** Unix ms clock for the signature tolerance (tests). */
  now?: () => number;
  onOutcome?: (outcome: DeliveryOutcome) => void;
}

/**
 * Live updates (CONTRACT §8): verified webhooks in, subscriptions out. The receiver publishes each new
 * event on the bus; every instance's bus listener invalidates what the event made stale and offers it
 * to the subscriptions of this instance.
 */
export class LiveEvents {
  readonly hub: SubscriptionHub;
  readonly membership: Membership;
  readonly bus: EventBus;
  readonly dedup: Deduplicator;
  /** The `POST /webhooks/huechat` handler; undefined while no secret is configured. */
  receiver: ReturnType<typeof createWebhookReceiver> | undefined;
  private secrets: string[];
  private readonly deliveryWatchers: ((outcome: DeliveryOutcome) => void)[] = [];

  constructor(private readonly options: LiveEventsOptions) {
    const { client, logger, redis } = options;
    this.membership = new Membership(client, logger, redis ? redisMembership(redis.publisher) : undefined);
    this.hub = new SubscriptionHub({
      membership: this.membership,
      perKey: options.subscriptionsPerKey,
      buffer: options.subscriptionBuffer,
    });
    this.bus = redis ? new RedisEventBus(redis.publisher, redis.subscriber, logger) : new LocalEventBus();
    this.dedup = redis ? new RedisDeduplicator(redis.publisher, logger) : new MemoryDeduplicator();
    this.bus.listen((envelope) => {
      const parsed = eventOf(envelope);
      if (!parsed.ok) return;
      this.invalidate(parsed.event);
      this.hub.deliver(parsed.event);
    });
    this.secrets = [...options.secrets];
    this.receiver = this.createReceiver();
  }

  /** Sets the accepted secrets (sandbox mode learns its secret after start-up). */
  setSecrets(secrets: readonly string[]): void {
    this.secrets = [...secrets];
    this.receiver = this.createReceiver();
  }

  private createReceiver() {
    if (this.secrets.length === 0) return undefined;
    return createWebhookReceiver({
      secrets: this.secrets,
      toleranceS: this.options.toleranceS,
      now: this.options.now,
      dedup: this.dedup,
      bus: this.bus,
      logger: this.options.logger,
      onAccepted: (event) => this.invalidate(event),
      onOutcome: (outcome) => {
        this.options.onOutcome?.(outcome);
        for (const watch of this.deliveryWatchers) watch(outcome);
      },
    });
  }

  /** Calls `watch` with the outcome of every delivery from now on (metrics). */
  onDelivery(watch: (outcome: DeliveryOutcome) => void): void {
    this.deliveryWatchers.push(watch);
  }

  private invalidate(event: HueChatEvent) {
    invalidateShared(this.options.client, changeOf(event));
  }

  /** Ends every open subscription cleanly and lets go of Redis. */
  async close(): Promise<void> {
    this.hub.close();
    await this.bus.close();
  }
}
