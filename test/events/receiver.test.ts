import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';
import { deliver, envelope, newEventId, newSecret, sign, subscribeSse } from '../helpers/webhooks.js';

const secret = newSecret();
const nextSecret = newSecret();
let stack: Stack;
let conversationId: string;
let message: Record<string, unknown>;

const MESSAGE_ADDED = /* GraphQL */ `
  subscription ($conversationId: ID) {
    messageAdded(conversationId: $conversationId) { id content }
  }
`;

beforeAll(async () => {
  stack = await startStack({ live: { secrets: [secret, nextSecret] } });
  const conversations = await fetch(`${stack.sandbox.url}/conversations?limit=1`, {
    headers: { 'x-api-key': SANDBOX_KEY },
  }).then((r) => r.json());
  conversationId = conversations.data[0].id;
  const messages = await fetch(`${stack.sandbox.url}/conversation/${conversationId}/messages?limit=1`, {
    headers: { 'x-api-key': SANDBOX_KEY },
  }).then((r) => r.json());
  message = messages.data[0];
});
afterAll(() => stack.close());
beforeEach(() => stack.resetCalls());

const received = (content: string, id = newEventId()) =>
  envelope({ id, type: 'message.received', data: { ...message, content } });

describe('the webhook receiver', () => {
  it('accepts a correctly signed event with 204 and no body, and a subscriber gets it', async () => {
    const sub = await subscribeSse(stack.url, MESSAGE_ADDED, { conversationId });
    const res = await deliver(stack.origin, received('hello'), { secret });
    expect(res).toEqual({ status: 204, text: '' });
    expect(await sub.next()).toEqual({ data: { messageAdded: { id: message.id, content: 'hello' } } });
    sub.close();
  });

  it('refuses forged, tampered, stale, malformed and missing signatures with 401 and delivers none of them', async () => {
    const sub = await subscribeSse(stack.url, MESSAGE_ADDED, { conversationId });
    const forged = received('forged');
    expect((await deliver(stack.origin, forged, { secret: newSecret() })).status).toBe(401);

    const original = JSON.stringify(received('original'));
    const tampered = original.replace('original', 'tampered');
    expect(
      (await deliver(stack.origin, null, { body: tampered, signature: sign(secret, original) })).status,
    ).toBe(401);

    const stale = JSON.stringify(received('stale'));
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    expect(
      (await deliver(stack.origin, null, { body: stale, signature: sign(secret, stale, tenMinutesAgo) }))
        .status,
    ).toBe(401);
    const future = JSON.stringify(received('future'));
    expect(
      (
        await deliver(stack.origin, null, {
          body: future,
          signature: sign(secret, future, tenMinutesAgo + 1200),
        })
      ).status,
    ).toBe(401);

    expect((await deliver(stack.origin, received('unsigned'), { signature: null })).status).toBe(401);
    expect((await deliver(stack.origin, received('garbled'), { signature: 'v1=abc,t=1' })).status).toBe(401);
    expect(
      (
        await deliver(stack.origin, received('sha1'), {
          signature: `t=${Math.floor(Date.now() / 1000)},v1=00`,
        })
      ).status,
    ).toBe(401);

    const reused = JSON.stringify(received('bare v1'));
    const onlyV1 = sign(secret, reused).split(',')[1];
    expect((await deliver(stack.origin, null, { body: reused, signature: onlyV1 })).status).toBe(401);

    // The first event the subscriber sees is the good one sent after all of them, in order.
    expect((await deliver(stack.origin, received('after'), { secret })).status).toBe(204);
    expect(await sub.next()).toEqual({ data: { messageAdded: { id: message.id, content: 'after' } } });
    sub.close();
  });

  it('verifies the raw bytes as they arrived, not a re-serialisation', async () => {
    const sub = await subscribeSse(stack.url, MESSAGE_ADDED, { conversationId });
    const compact = JSON.stringify(received('spaced'));
    const spaced = JSON.stringify(JSON.parse(compact), null, 2);
    expect(
      (await deliver(stack.origin, null, { body: spaced, signature: sign(secret, spaced) })).status,
    ).toBe(204);
    // Signed over the compact form, sent spaced: the same JSON, other bytes.
    const other = JSON.stringify(received('resent'));
    const otherSpaced = JSON.stringify(JSON.parse(other), null, 2);
    expect(
      (await deliver(stack.origin, null, { body: otherSpaced, signature: sign(secret, other) })).status,
    ).toBe(401);
    expect(await sub.next()).toEqual({ data: { messageAdded: { id: message.id, content: 'spaced' } } });
    sub.close();
  });

  it('ignores signature schemes it does not know, and reads the header case-insensitively', async () => {
    const sub = await subscribeSse(stack.url, MESSAGE_ADDED, { conversationId });
    const body = JSON.stringify(received('with v0'));
    const header = sign(secret, body);
    const withOther = `${header.split(',')[0]},v0=deadbeef,${header.split(',')[1].toUpperCase().replace('V1=', 'v1=')}`;
    expect((await deliver(stack.origin, null, { body, signature: withOther })).status).toBe(204);
    expect((await sub.next()).data).toEqual({ messageAdded: { id: message.id, content: 'with v0' } });
    sub.close();
  });

  it('accepts either secret during a rotation, and a header carrying both signatures', async () => {
    const sub = await subscribeSse(stack.url, MESSAGE_ADDED, { conversationId });
    expect((await deliver(stack.origin, received('old secret'), { secret })).status).toBe(204);
    expect((await deliver(stack.origin, received('new secret'), { secret: nextSecret })).status).toBe(204);
    const body = JSON.stringify(received('both'));
    const t = Math.floor(Date.now() / 1000);
    const unknownFirst = `${sign(newSecret(), body, t)},v1=${sign(nextSecret, body, t).split('v1=')[1]}`;
    expect((await deliver(stack.origin, null, { body, signature: unknownFirst })).status).toBe(204);
    expect((await sub.next()).data).toEqual({ messageAdded: { id: message.id, content: 'old secret' } });
    expect((await sub.next()).data).toEqual({ messageAdded: { id: message.id, content: 'new secret' } });
    expect((await sub.next()).data).toEqual({ messageAdded: { id: message.id, content: 'both' } });
    sub.close();
  });

  it('answers 400 to a signed body that is not an envelope, and delivers nothing', async () => {
    const sub = await subscribeSse(stack.url, MESSAGE_ADDED, { conversationId });
    for (const body of [
      'not json',
      '[]',
      '{"id":"evt_x"}',
      JSON.stringify({ ...received('x'), organization_id: 7 }),
    ]) {
      const res = await deliver(stack.origin, null, { body, signature: sign(secret, body) });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toEqual({
        error: 'bad_request',
        message: 'The body is not a HueChat event envelope',
      });
    }
    expect((await deliver(stack.origin, received('then'), { secret })).status).toBe(204);
    expect((await sub.next()).data).toEqual({ messageAdded: { id: message.id, content: 'then' } });
    sub.close();
  });

  it('answers 2xx to an unknown type or a data that breaks the shape, and delivers neither', async () => {
    const sub = await subscribeSse(stack.url, MESSAGE_ADDED, { conversationId });
    const unknown = envelope({ type: 'invoice.paid', data: { id: 'inv_1' } });
    expect((await deliver(stack.origin, unknown, { secret })).status).toBe(204);
    const broken = envelope({ type: 'message.received', data: { ...message, sent_at: 'yesterday' } });
    expect((await deliver(stack.origin, broken, { secret })).status).toBe(204);
    expect((await deliver(stack.origin, received('valid'), { secret })).status).toBe(204);
    expect((await sub.next()).data).toEqual({ messageAdded: { id: message.id, content: 'valid' } });
    sub.close();
  });

  it('answers 413 past 1 MiB', async () => {
    const body = JSON.stringify(received('x'.repeat(1024 * 1024)));
    const res = await deliver(stack.origin, null, { body, signature: sign(secret, body) });
    expect(res.status).toBe(413);
  });

  it('delivers a retried event id once, answering 204 each time', async () => {
    const sub = await subscribeSse(stack.url, MESSAGE_ADDED, { conversationId });
    const id = newEventId();
    expect((await deliver(stack.origin, received('first', id), { secret })).status).toBe(204);
    const retry = { ...received('retry', id), retry_count: 1 };
    expect((await deliver(stack.origin, retry, { secret })).status).toBe(204);
    expect((await deliver(stack.origin, received('next'), { secret })).status).toBe(204);
    expect((await sub.next()).data).toEqual({ messageAdded: { id: message.id, content: 'first' } });
    expect((await sub.next()).data).toEqual({ messageAdded: { id: message.id, content: 'next' } });
    sub.close();
  });

  it('keeps nothing of a rejected delivery: the same event id, correctly signed, is accepted afterwards', async () => {
    const sub = await subscribeSse(stack.url, MESSAGE_ADDED, { conversationId });
    const id = newEventId();
    const body = JSON.stringify(received('genuine', id));
    expect((await deliver(stack.origin, null, { body, signature: sign(newSecret(), body) })).status).toBe(
      401,
    );
    const notEnvelope = JSON.stringify({ id, type: 'message.received' });
    expect(
      (await deliver(stack.origin, null, { body: notEnvelope, signature: sign(secret, notEnvelope) })).status,
    ).toBe(400);
    expect((await deliver(stack.origin, null, { body, signature: sign(secret, body) })).status).toBe(204);
    expect((await sub.next()).data).toEqual({ messageAdded: { id: message.id, content: 'genuine' } });
    sub.close();
  });

  it('is not served (404) while no secret is configured', async () => {
    const bare = await startStack({ live: {} });
    try {
      const res = await deliver(bare.origin, received('x'), { secret });
      expect(res.status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('answers 405 to anything but POST', async () => {
    const res = await fetch(`${stack.origin}/webhooks/huechat`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    await res.text();
  });
});
