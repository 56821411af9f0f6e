import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { messageSchema } from '../../src/upstream/messages.js';
import { OTHER_KEY, SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';
import { deliver, envelope, newSecret, seededMessage, subscribeSse, until } from '../helpers/webhooks.js';

const secret = newSecret();
let stack: Stack;
let message: Record<string, unknown>;
const open = () => stack.live?.hub.size ?? 0;

beforeAll(async () => {
  stack = await startStack({ live: { secrets: [secret], subscriptionsPerKey: 2, subscriptionBuffer: 3 } });
  message = await seededMessage(stack.sandbox.url);
});
afterAll(() => stack.close());

const received = (content: string) => envelope({ type: 'message.received', data: { ...message, content } });

/** An SSE subscription over a raw socket that reads nothing until told to: a stalled consumer. */
async function stalledSubscriber(query: string): Promise<{ socket: Socket; readAll: () => Promise<string> }> {
  const url = new URL(stack.url);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const body = JSON.stringify({ query });
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\n` +
      `X-API-Key: ${SANDBOX_KEY}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.pause();
  return {
    socket,
    readAll: () =>
      new Promise<string>((resolve) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          // The stream ends with its `complete` event.
          if (Buffer.concat(chunks).includes('event: complete')) {
            socket.destroy();
            resolve(Buffer.concat(chunks).toString('utf8'));
          }
        });
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
        socket.resume();
      }),
  };
}

describe('bounds on subscriptions', () => {
  it('refuses one subscription past SUBSCRIPTIONS_PER_KEY with TOO_MANY_SUBSCRIPTIONS, for that key only', async () => {
    const query = `subscription { messageAdded { id } }`;
    const first = await subscribeSse(stack.url, query);
    const second = await subscribeSse(stack.url, query);
    const third = await subscribeSse(stack.url, query);
    const refused = await third.next();
    expect(refused.errors?.[0]).toMatchObject({
      message: 'At most 2 subscriptions may be open at once per API key',
      extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', details: { limit: 2 } },
    });
    // Another key has its own allowance.
    const otherKey = await subscribeSse(stack.url, query, {}, OTHER_KEY);
    await until(() => open() === 3, 'three subscriptions open');
    // Closing one frees its place.
    first.close();
    await until(() => open() === 2, 'the first one to close');
    const again = await subscribeSse(stack.url, query);
    await until(() => open() === 3, 'the new one to open');
    for (const s of [second, otherKey, again]) s.close();
    await until(() => open() === 0, 'every subscription to close');
  });

  it('closes a consumer that stops reading once SUBSCRIPTION_BUFFER events wait for it, with SUBSCRIBER_TOO_SLOW', async () => {
    const stalled = await stalledSubscriber(`subscription { messageAdded { content } }`);
    await until(() => open() === 1, 'the stalled subscription to open');
    const reading = await subscribeSse(stack.url, `subscription { messageAdded { id } }`);
    await until(() => open() === 2, 'the reading subscription to open');
    // Large events fill the socket's buffers first; after those, three more wait in the gateway.
    const big = 'x'.repeat(512 * 1024);
    let sent = 0;
    while (open() === 2 && sent < 200) {
      expect((await deliver(stack.origin, received(`${sent}:${big}`), { secret })).status).toBe(204);
      sent++;
    }
    // The stalled one was let go; the one that reads is still there and got every event.
    expect(open()).toBe(1);
    for (let i = 0; i < sent; i++)
      expect((await reading.next()).data).toEqual({ messageAdded: { id: message.id } });
    // When the stalled client finally reads, it finds the events that were already on their way,
    // then the error, then the end of the stream.
    const text = await stalled.readAll();
    const frames = text.split('\n\n').filter((f) => f.includes('event: next'));
    const last = JSON.parse(frames[frames.length - 1].split('data: ')[1]);
    expect(last).toEqual({
      data: null,
      errors: [
        {
          message: 'The subscription was closed: 3 events were waiting for it',
          path: ['messageAdded'],
          locations: expect.any(Array),
          extensions: { code: 'SUBSCRIBER_TOO_SLOW', details: { buffer: 3 } },
        },
      ],
    });
    expect(frames.length - 1).toBeLessThan(sent);
    expect(text).toContain('event: complete');
    reading.close();
    await until(() => open() === 0, 'every subscription to close');
  });

  it('closes a WebSocket subscriber that stops reading the same way, and frees its place', async () => {
    const ws = new WebSocket(stack.url.replace('http:', 'ws:'), 'graphql-transport-ws');
    const messages: Array<{ type: string; payload?: unknown }> = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { 'X-API-Key': SANDBOX_KEY } }));
    await until(() => messages.some((m) => m.type === 'connection_ack'), 'the connection to be acknowledged');
    ws.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: 'subscription { messageAdded { content } }' },
      }),
    );
    await until(() => open() === 1, 'the subscription to open');
    // The client stops reading: its socket is paused, so the kernel buffers fill and then the gateway's.
    (ws as unknown as { _socket: Socket })._socket.pause();
    const big = 'y'.repeat(512 * 1024);
    let sent = 0;
    while (open() === 1 && sent < 200) {
      expect((await deliver(stack.origin, received(`${sent}:${big}`), { secret })).status).toBe(204);
      sent++;
    }
    expect(open()).toBe(0);
    (ws as unknown as { _socket: Socket })._socket.resume();
    await until(
      () => messages.some((m) => m.type === 'error' || m.type === 'complete'),
      'the end of the subscription',
    );
    const last = messages.filter((m) => m.type === 'next').at(-1) as { payload: { errors?: unknown[] } };
    expect(last.payload.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'SUBSCRIBER_TOO_SLOW', details: { buffer: 3 } } }),
    ]);
    expect(messages.filter((m) => m.type === 'next').length - 1).toBeLessThan(sent);
    ws.close();
  });

  it('sends keep-alive comments on an idle stream, so proxies see it live', async () => {
    const url = new URL(stack.url);
    const socket = connect(Number(url.port), url.hostname);
    const body = JSON.stringify({ query: 'subscription { contactChanged { contactId } }' });
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\n` +
        `X-API-Key: ${SANDBOX_KEY}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    let text = '';
    // Yoga sends one comment at once and then one per interval (12 s; shortened under NODE_ENV=test).
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if ((text.match(/(^|\n):\n\n/g) ?? []).length >= 3) resolve();
      });
    });
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).not.toContain('event: next');
    await until(() => open() === 0, 'the subscription to close');
  });

  it('lets go of every one of thousands of subscriptions as it leaves, by abort or by return', async () => {
    const hub = stack.live?.hub;
    if (!hub) throw new Error('no live events');
    const open = Array.from({ length: 5_000 }, (_, i) => {
      const controller = new AbortController();
      const iterator = hub.subscribe({
        caller: { apiKey: `sk_test_bulk_${i}`, signal: controller.signal },
        kind: 'message',
        accepts: () => true,
      });
      return { controller, iterator };
    });
    expect(hub.size).toBe(5_000);
    // Nothing is queued for a subscriber whose organisation is not yet known to be another's: one event
    // reaches all of them, and each holds it until asked.
    expect(hub.deliver(eventFor('org_demo'))).toBe(5_000);
    for (const { controller } of open.slice(0, 2_500)) controller.abort();
    for (const { iterator } of open.slice(2_500)) await iterator.return?.();
    expect(hub.size).toBe(0);
    expect(hub.deliver(eventFor('org_demo'))).toBe(0);
  });
});

const eventFor = (organizationId: string) => ({
  kind: 'message' as const,
  type: 'message.received' as const,
  eventId: 'evt_bulk',
  occurredAt: new Date().toISOString(),
  organizationId,
  message: messageSchema.parse(message),
});

describe('the REST-call budget on subscriptions', () => {
  it('refuses a subscription whose selection could cost more than the budget per event, before any call', async () => {
    const before = open();
    stack.resetCalls();
    const sub = await subscribeSse(
      stack.url,
      `subscription { messageAdded { contact { conversations(first: 100) { nodes {
        messages(first: 100) { nodes { contact { fullName } } } } } } } }`,
    );
    const first = await sub.next();
    sub.close();

    expect(first.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_EXPENSIVE']);
    expect(first.errors?.[0].extensions?.details).toEqual({ estimatedUpstreamCalls: 10102, limit: 250 });
    expect(open()).toBe(before);
    expect(stack.calls()).toEqual([]);
  });
});
