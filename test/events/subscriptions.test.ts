import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryOutcome } from '../../src/events/receiver.js';
import { describeCalls, OTHER_KEY, SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';
import { registerWebhook, subscribeSse, until } from '../helpers/webhooks.js';

let stack: Stack;
const outcomes: DeliveryOutcome[] = [];
const accepted = () => outcomes.filter((o) => o === 'accepted').length;

interface Seed {
  contactId: string;
  conversationId: string;
  otherConversationId: string;
}
let demo: Seed;
let other: Seed;

async function rest(apiKey: string, path: string) {
  const res = await fetch(`${stack.sandbox.url}${path}`, { headers: { 'x-api-key': apiKey } });
  return res.json();
}

async function seedOf(apiKey: string): Promise<Seed> {
  const page = await rest(apiKey, '/conversations?limit=20');
  const [first, ...others] = page.data as Array<{ id: string; contact_id: string; channel: string }>;
  const second = others.find((c) => c.contact_id !== first.contact_id) ?? others[0];
  return { contactId: first.contact_id, conversationId: first.id, otherConversationId: second.id };
}

/** A customer writes in on the conversation's channel (the sandbox fires message.received). */
const conversationsSeen = new Map<string, { contact_id: string; channel: string }>();
async function inbound(apiKey: string, conversationId: string, content: string) {
  let conv = conversationsSeen.get(conversationId);
  if (!conv) {
    conv = (await rest(apiKey, `/conversation/${conversationId}`)) as { contact_id: string; channel: string };
    conversationsSeen.set(conversationId, conv);
  }
  return stack.sandbox.inbound(apiKey, { contact_id: conv.contact_id, channel: conv.channel, content });
}

beforeAll(async () => {
  stack = await startStack({
    // Status changes only when a test asks for them, so no event arrives that a test did not cause.
    sandbox: { deliverAfterMs: 3_600_000, readAfterMs: 7_200_000 },
    live: { onOutcome: (o) => outcomes.push(o) },
  });
  const receiver = `${stack.origin}/webhooks/huechat`;
  // One webhook per organisation, as each would register its own; the gateway accepts both secrets.
  const secrets = [
    await registerWebhook(stack.sandbox.url, SANDBOX_KEY, receiver),
    await registerWebhook(stack.sandbox.url, OTHER_KEY, receiver),
  ];
  stack.live?.setSecrets(secrets);
  demo = await seedOf(SANDBOX_KEY);
  other = await seedOf(OTHER_KEY);
});
afterAll(() => stack.close());
beforeEach(() => stack.resetCalls());

describe('subscriptions over SSE, fed by the sandbox’s signed webhooks', () => {
  it('messageAdded resolves nested fields through the data layer with the subscriber’s key', async () => {
    const sub = await subscribeSse(
      stack.url,
      /* GraphQL */ `
        subscription ($conversationId: ID) {
          messageAdded(conversationId: $conversationId) {
            id content sentBy
            conversation { id subject contact { fullName } }
          }
        }
      `,
      { conversationId: demo.conversationId },
    );
    const sent = await inbound(SANDBOX_KEY, demo.conversationId, 'Is my order on its way?');
    const event = await sub.next();
    const expected = await stack.gql<{ conversation: unknown }, unknown>(
      `query ($id: ID!) { conversation(id: $id) { id subject contact { fullName } } }`,
      { id: demo.conversationId },
    );
    expect(event).toEqual({
      data: {
        messageAdded: {
          id: sent.id,
          content: 'Is my order on its way?',
          sentBy: 'CONTACT',
          conversation: expected.body.data?.conversation,
        },
      },
    });
    sub.close();
  });

  it('asks HueChat once which organisation a key belongs to, then only what the selection needs', async () => {
    const sub = await subscribeSse(
      stack.url,
      `subscription { messageAdded { content conversation { subject } } }`,
      {},
      SANDBOX_KEY,
    );
    await inbound(SANDBOX_KEY, demo.otherConversationId, 'one');
    expect((await sub.next()).data).toEqual({
      messageAdded: { content: 'one', conversation: { subject: expect.anything() } },
    });
    stack.resetCalls();
    await inbound(SANDBOX_KEY, demo.otherConversationId, 'two');
    await sub.next();
    // The key is already placed in org_demo (earlier test or event): one GET for the nested subject.
    expect(describeCalls(stack.calls().filter((c) => c.method === 'GET'))).toEqual([
      `GET /v2/conversation/${demo.otherConversationId}`,
    ]);
    sub.close();
  });

  it('narrows by conversationId and contactId', async () => {
    const byConversation = await subscribeSse(
      stack.url,
      `subscription ($id: ID) { messageAdded(conversationId: $id) { content } }`,
      { id: demo.conversationId },
    );
    const byContact = await subscribeSse(
      stack.url,
      `subscription ($id: ID) { messageAdded(contactId: $id) { content } }`,
      { id: demo.contactId },
    );
    const before = accepted();
    await inbound(SANDBOX_KEY, demo.otherConversationId, 'elsewhere');
    await until(() => accepted() > before, 'the first event to be accepted');
    await inbound(SANDBOX_KEY, demo.conversationId, 'here');
    expect((await byConversation.next()).data).toEqual({ messageAdded: { content: 'here' } });
    expect((await byContact.next()).data).toEqual({ messageAdded: { content: 'here' } });
    byConversation.close();
    byContact.close();
  });

  it('messageStatusChanged reports delivered and read', async () => {
    const sub = await subscribeSse(
      stack.url,
      `subscription ($id: ID) { messageStatusChanged(conversationId: $id) { id status deliveredAt readAt } }`,
      { id: demo.conversationId },
    );
    const sent = await stack.gql<{ sendMessage: { id: string } }, unknown>(
      `mutation ($contactId: ID!) { sendMessage(contactId: $contactId, input: { channel: SMS, content: "Shipped" }) { id } }`,
      { contactId: demo.contactId },
    );
    const messageId = sent.body.data?.sendMessage.id;
    expect(messageId).toMatch(/^msg_/);
    const conversationOfMessage = (
      (await rest(SANDBOX_KEY, `/contact/${demo.contactId}/conversations?channel=sms&limit=1`)) as {
        data: Array<{ id: string }>;
      }
    ).data[0].id;
    const onThat = await subscribeSse(
      stack.url,
      `subscription ($id: ID) { messageStatusChanged(conversationId: $id) { id status } }`,
      { id: conversationOfMessage },
    );
    stack.sandbox.advance(SANDBOX_KEY, { message_id: messageId, to: 'delivered' });
    expect((await onThat.next()).data).toEqual({
      messageStatusChanged: { id: messageId, status: 'DELIVERED' },
    });
    stack.sandbox.advance(SANDBOX_KEY, { message_id: messageId, to: 'read' });
    expect((await onThat.next()).data).toEqual({ messageStatusChanged: { id: messageId, status: 'READ' } });
    sub.close();
    onThat.close();
  });

  it('conversationChanged carries the event id, type, time and the conversation', async () => {
    const sub = await subscribeSse(
      stack.url,
      `subscription ($id: ID) { conversationChanged(id: $id) { eventId type occurredAt conversation { id priority labels } } }`,
      { id: demo.conversationId },
    );
    const res = await stack.gql(
      `mutation ($id: ID!) { updateConversation(id: $id, input: { priority: HIGH, labels: ["vip"] }) { id } }`,
      { id: demo.conversationId },
    );
    expect(res.body.errors).toBeUndefined();
    const change = await sub.next();
    expect(change.data).toEqual({
      conversationChanged: {
        eventId: expect.stringMatching(/^evt_/),
        type: 'UPDATED',
        occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        conversation: { id: demo.conversationId, priority: 'HIGH', labels: ['vip'] },
      },
    });
    sub.close();
  });

  it('contactChanged reports an update, and a deletion with contact null', async () => {
    const created = await stack.gql<{ createContact: { id: string } }, unknown>(
      `mutation { createContact(input: { firstName: "Ada", lastName: "Lovelace", email: "ada-live@example.com" }) { id } }`,
    );
    const id = created.body.data?.createContact.id as string;
    const sub = await subscribeSse(
      stack.url,
      `subscription ($id: ID) { contactChanged(id: $id) { type contactId contact { fullName } } }`,
      { id },
    );
    await stack.gql(`mutation ($id: ID!) { updateContact(id: $id, input: { lastName: "King" }) { id } }`, {
      id,
    });
    expect((await sub.next()).data).toEqual({
      contactChanged: { type: 'UPDATED', contactId: id, contact: { fullName: 'Ada King' } },
    });
    await stack.gql(`mutation ($id: ID!) { deleteContact(id: $id) { deletedContactId } }`, { id });
    expect((await sub.next()).data).toEqual({
      contactChanged: { type: 'DELETED', contactId: id, contact: null },
    });
    sub.close();
  });

  it('isolates organisations: another organisation’s subscriber never gets an event, even filtering on its ids', async () => {
    const unfiltered = await subscribeSse(
      stack.url,
      `subscription { messageAdded { id content } }`,
      {},
      OTHER_KEY,
    );
    const snooping = await subscribeSse(
      stack.url,
      `subscription ($id: ID) { messageAdded(conversationId: $id) { id content } }`,
      { id: demo.conversationId },
      OTHER_KEY,
    );
    const snoopingContact = await subscribeSse(
      stack.url,
      `subscription ($id: ID) { contactChanged(id: $id) { contactId } }`,
      { id: demo.contactId },
      OTHER_KEY,
    );
    const before = accepted();
    await inbound(SANDBOX_KEY, demo.conversationId, 'demo only');
    await stack.gql(
      `mutation ($id: ID!) { updateContact(id: $id, input: { metadata: { tier: "gold" } }) { id } }`,
      {
        id: demo.contactId,
      },
    );
    await until(() => accepted() >= before + 2, 'both demo events to be accepted');
    await inbound(OTHER_KEY, other.conversationId, 'other org');
    // The first thing the other organisation's unfiltered subscriber sees is its own event.
    expect((await unfiltered.next()).data).toEqual({
      messageAdded: { id: expect.stringMatching(/^msg_/), content: 'other org' },
    });
    // One check with the other key for the demo organisation (shared by its three subscriptions, kept
    // for the second event), which HueChat answered 404; then one for its own organisation's event.
    const otherCalls = stack.calls().filter((c) => c.apiKey === OTHER_KEY);
    const demoIds = [demo.conversationId, demo.contactId];
    expect(otherCalls.filter((c) => demoIds.some((id) => c.path.endsWith(id))).map((c) => c.status)).toEqual([
      404,
    ]);
    unfiltered.close();
    snooping.close();
    snoopingContact.close();
    const leaked = await Promise.race([
      snooping.next().then(() => 'event'),
      snooping.completed.then(() => 'none'),
    ]);
    expect(leaked).toBe('none');
  });

  it('refuses a subscription without a key before anything starts: 401 UNAUTHENTICATED, no REST call', async () => {
    const sub = await subscribeSse(stack.url, `subscription { messageAdded { id } }`, {}, null);
    expect(sub.status).toBe(401);
    const payload = await sub.next();
    expect(payload.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(stack.calls()).toEqual([]);
  });

  it('refuses an id that is not a HueChat id with BAD_USER_INPUT', async () => {
    const sub = await subscribeSse(
      stack.url,
      `subscription { messageAdded(conversationId: "../contacts") { id } }`,
    );
    const payload = await sub.next();
    expect(payload.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(stack.calls()).toEqual([]);
  });
});

describe('a subscription over plain HTTP', () => {
  it('is refused with a message naming the two transports, before any REST call', async () => {
    stack.resetCalls();
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const res = await fetch(stack.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, 'x-api-key': SANDBOX_KEY },
        body: JSON.stringify({ query: 'subscription { messageAdded { id } }' }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(body.errors[0].message).toMatch(/Accept: text\/event-stream.*WebSocket/);
    }
    expect(stack.calls()).toEqual([]);
    expect(stack.live?.hub.size).toBe(0);
  });
});
