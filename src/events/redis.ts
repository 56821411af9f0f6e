import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * The two connections live updates need: one for commands (publish, de-duplication) and one that only
 * subscribes (a subscribed Redis connection takes no other command). Commands fail at once while Redis
 * is down instead of queueing, so a webhook is never held waiting for it; both reconnect by themselves
 * and the subscriber resubscribes.
 */
export function connectRedis(url: string, logger: Logger): { publisher: Redis; subscriber: Redis } {
  const options = {
    // ioredis >= 5.8.2 sends CLIENT SETINFO on connect, which races the first SUBSCRIBE (DEPENDENCIES.md).
    disableClientInfo: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
  };
  const publisher = new Redis(url, options);
  // The subscriber queues its SUBSCRIBE until connected: it must subscribe even if started before Redis.
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
  let down = false;
  for (const connection of [publisher, subscriber]) {
    connection.on('error', (err: Error) => {
      if (down) return;
      down = true;
      logger.warn('Redis connection lost; reconnecting', { error: err.message });
    });
    connection.on('ready', () => {
      if (!down) return;
      down = false;
      logger.info('Redis connection back');
    });
  }
  return { publisher, subscriber };
}
