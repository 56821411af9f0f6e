import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_CHANNEL } from '../../src/events/bus.js';
import { connectRedis } from '../../src/events/redis.js';
import { createLogger } from '../../src/logger.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { READONLY_KEY, type Stack, startStack } from '../helpers/stack.js';
import {
  deliver,
  envelope,
  newEventId,
  newSecret,
  type SseSubscription,
  seededMessage,
  subscribeSse,
} from '../helpers/webhooks.js';

// Two gateway instances in front of one HueChat, sharing a real redis-server.
const secret = newSecret();
let redis: RedisServer;
let a: Stack;
let b: Stack;
const logs: Array<{ level: string; msg: string }> = [];
let message: Record<string, unknown>;

const QUERY = `subscription { messageAdded { content } }`;
const received = (content: string, id = newEventId()) =>
  envelope({ id, type: 'message.received', data: { ...message, content } });

beforeAll(async () => {
  redis = await startRedis();
  const logger = createLogger('debug', (line) => logs.push(JSON.parse(line)));
  a = await startStack({ logger, live: { secrets: [secret], redis: connectRedis(redis.url, logger) } });
  b = await startStack({
    sharedSandbox: a.sandbox,
    logger,
    live: { secrets: [secret], redis: connectRedis(redis.url, logger) },
  });
  message = await seededMessage(a.sandbox.url);
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await redis?.stop();
});

async function bothSubscribed(): Promise<[SseSubscription, SseSubscription]> {
  const onA = await subscribeSse(a.url, QUERY);
  const onB = await subscribeSse(b.url, QUERY);
  // Each instance's bus listens on the channel once.
  const deadline = Date.now() + 5_000;
  while ((await redis.subscribers(EVENTS_CHANNEL)) !== 2) {
    if (Date.now() > deadline) throw new Error('the instances did not subscribe to Redis');
    await new Promise((r) => setTimeout(r, 20));
  }
  return [onA, onB];
}

describe('live updates across instances through Redis', () => {
  it('an event received by one instance reaches the subscribers of both, once, however many instances HueChat retries on', async () => {
    const [onA, onB] = await bothSubscribed();
    const id = newEventId();
    expect((await deliver(a.origin, received('fan-out', id), { secret })).status).toBe(204);
    expect((await onB.next()).data).toEqual({ messageAdded: { content: 'fan-out' } });
    expect((await onA.next()).data).toEqual({ messageAdded: { content: 'fan-out' } });
    // HueChat retries the same event on the other instance: accepted, not delivered again.
    expect(
      (await deliver(b.origin, { ...received('fan-out again', id), retry_count: 1 }, { secret })).status,
    ).toBe(204);
    expect((await deliver(b.origin, received('next one'), { secret })).status).toBe(204);
    expect((await onA.next()).data).toEqual({ messageAdded: { content: 'next one' } });
    expect((await onB.next()).data).toEqual({ messageAdded: { content: 'next one' } });
    onA.close();
    onB.close();
  });

  it('shares which organisation a key belongs to, so a deleted contact reaches a key placed by another instance', async () => {
    // READONLY_KEY belongs to org_demo too, and neither instance has seen it yet.
    const onA = await subscribeSse(a.url, QUERY, {}, READONLY_KEY);
    expect((await deliver(a.origin, received('places the key'), { secret })).status).toBe(204);
    expect((await onA.next()).data).toEqual({ messageAdded: { content: 'places the key' } });
    // B never read anything with this key: a deletion (unreadable by then) still reaches it.
    const onB = await subscribeSse(
      b.url,
      `subscription { contactChanged { type contactId contact { id } } }`,
      {},
      READONLY_KEY,
    );
    const deleted = envelope({ type: 'contact.deleted', data: { id: 'cnt_gone12345' } });
    b.resetCalls();
    expect((await deliver(b.origin, deleted, { secret })).status).toBe(204);
    expect((await onB.next()).data).toEqual({
      contactChanged: { type: 'DELETED', contactId: 'cnt_gone12345', contact: null },
    });
    // Known through Redis: B asked HueChat nothing.
    expect(b.calls().filter((c) => c.apiKey === READONLY_KEY)).toEqual([]);
    onA.close();
    onB.close();
  });

  it('keeps answering while Redis is down (de-duplication falls back to the process, and says so), and fans out again once it is back', async () => {
    const [onA, onB] = await bothSubscribed();
    await redis.stop();
    const during = newEventId();
    expect((await deliver(a.origin, received('while down', during), { secret })).status).toBe(204);
    // The receiving instance's own subscribers still get it; duplicates are still caught there.
    expect((await onA.next()).data).toEqual({ messageAdded: { content: 'while down' } });
    expect((await deliver(a.origin, received('while down, retried', during), { secret })).status).toBe(204);
    expect(
      logs.some((l) => l.level === 'warn' && /de-duplication falls back to this process/.test(l.msg)),
    ).toBe(true);

    await redis.start();
    const deadline = Date.now() + 10_000;
    while ((await redis.subscribers(EVENTS_CHANNEL)) !== 2) {
      if (Date.now() > deadline) throw new Error('the instances did not resubscribe to Redis');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Once the command connection is back too, events fan out through Redis again.
    let status = 0;
    let content = '';
    for (let i = 0; i < 100; i++) {
      content = `after restart ${i}`;
      status = (await deliver(a.origin, received(content), { secret })).status;
      if (logs.some((l) => /shared through Redis again/.test(l.msg))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(204);
    // B got nothing while Redis was down; the first thing it sees is an event from after the restart.
    const first = await onB.next();
    expect(first.data?.messageAdded).toEqual({ content: expect.stringMatching(/^after restart/) });
    onA.close();
    onB.close();
  });
});
