import { ApolloClient, InMemoryCache } from '@apollo/client/core/index.js';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions/index.js';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LiveConversationDocument, type LiveConversationSubscription } from '../gql/graphql.js';
import { OTHER_KEY, SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';
import { registerWebhook, until } from '../helpers/webhooks.js';

let stack: Stack;
let wsUrl: string;
let conversationId: string;
let contactId: string;
let channel: string;
const clients: Client[] = [];

function wsClient(connectionParams: Record<string, unknown> | undefined): Client {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
  clients.push(client);
  return client;
}

interface Next<T> {
  data?: T | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/** One subscription as a pull queue: `next()` is the next result; `done` settles on complete or error. */
function subscribe<T>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const results: Next<T>[] = [];
  const waiting: Array<(r: Next<T>) => void> = [];
  let settle!: (how: string) => void;
  const done = new Promise<string>((resolve) => {
    settle = resolve;
  });
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (r) => {
        const w = waiting.shift();
        if (w) w(r as Next<T>);
        else results.push(r as Next<T>);
      },
      error: (err) => settle(`error: ${err instanceof Error ? err.message : JSON.stringify(err)}`),
      complete: () => settle('complete'),
    },
  );
  return {
    next: () => {
      const r = results.shift();
      return r ? Promise.resolve(r) : new Promise<Next<T>>((resolve) => waiting.push(resolve));
    },
    done,
    dispose,
  };
}

const open = () => stack.live?.hub.size ?? 0;

beforeAll(async () => {
  stack = await startStack({ sandbox: { deliverAfterMs: 3_600_000, readAfterMs: 7_200_000 }, live: {} });
  wsUrl = `${stack.url.replace('http:', 'ws:')}`;
  const receiver = `${stack.origin}/webhooks/huechat`;
  stack.live?.setSecrets([
    await registerWebhook(stack.sandbox.url, SANDBOX_KEY, receiver),
    await registerWebhook(stack.sandbox.url, OTHER_KEY, receiver),
  ]);
  const page = await fetch(`${stack.sandbox.url}/conversations?limit=1`, {
    headers: { 'x-api-key': SANDBOX_KEY },
  });
  const first = ((await page.json()) as { data: Array<{ id: string; contact_id: string; channel: string }> })
    .data[0];
  conversationId = first.id;
  contactId = first.contact_id;
  channel = first.channel;
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await stack.close();
});
beforeEach(() => stack.resetCalls());

const inbound = (content: string) =>
  stack.sandbox.inbound(SANDBOX_KEY, { contact_id: contactId, channel, content });

describe('subscriptions over WebSocket (graphql-transport-ws) on /graphql', () => {
  it('runs every subscription with the key in connection_init as X-API-Key', async () => {
    const client = wsClient({ 'X-API-Key': SANDBOX_KEY });
    const before = open();
    const added = subscribe(
      client,
      `subscription ($id: ID) { messageAdded(conversationId: $id) { content conversation { id } } }`,
      {
        id: conversationId,
      },
    );
    const status = subscribe(
      client,
      `subscription ($id: ID) { messageStatusChanged(contactId: $id) { id status } }`,
      {
        id: contactId,
      },
    );
    const conversation = subscribe(
      client,
      `subscription ($id: ID) { conversationChanged(id: $id) { type conversation { status } } }`,
      {
        id: conversationId,
      },
    );
    const contact = subscribe(
      client,
      `subscription ($id: ID) { contactChanged(id: $id) { type contact { firstName } } }`,
      {
        id: contactId,
      },
    );
    await until(() => open() === before + 4, 'four subscriptions to open');

    inbound('over websocket');
    expect((await added.next()).data).toEqual({
      messageAdded: { content: 'over websocket', conversation: { id: conversationId } },
    });

    // Reopened first, whatever the seed says, so that closing it is a resolution.
    await stack.gql(`mutation ($id: ID!) { updateConversation(id: $id, input: { status: OPEN }) { id } }`, {
      id: conversationId,
    });
    expect((await conversation.next()).data).toEqual({
      conversationChanged: { type: 'UPDATED', conversation: { status: 'OPEN' } },
    });
    await stack.gql(`mutation ($id: ID!) { updateConversation(id: $id, input: { status: CLOSED }) { id } }`, {
      id: conversationId,
    });
    // HueChat sends both at once; which arrives first is up to the network.
    const changes = [await conversation.next(), await conversation.next()].map((r) => r.data);
    expect(changes).toEqual(
      expect.arrayContaining([
        { conversationChanged: { type: 'UPDATED', conversation: { status: 'CLOSED' } } },
        { conversationChanged: { type: 'RESOLVED', conversation: { status: 'CLOSED' } } },
      ]),
    );

    await stack.gql(
      `mutation ($id: ID!) { updateContact(id: $id, input: { firstName: "Renamed" }) { id } }`,
      { id: contactId },
    );
    expect((await contact.next()).data).toEqual({
      contactChanged: { type: 'UPDATED', contact: { firstName: 'Renamed' } },
    });

    const sent = await stack.gql<{ sendMessage: { id: string } }, unknown>(
      `mutation ($id: ID!) { sendMessage(contactId: $id, input: { channel: EMAIL, content: "Receipt" }) { id } }`,
      { id: contactId },
    );
    const sentId = sent.body.data?.sendMessage.id;
    stack.sandbox.advance(SANDBOX_KEY, { message_id: sentId, to: 'delivered' });
    expect((await status.next()).data).toEqual({ messageStatusChanged: { id: sentId, status: 'DELIVERED' } });

    for (const s of [added, status, conversation, contact]) s.dispose();
    await until(() => open() === before, 'the subscriptions to close');
  });

  it('takes the key as Authorization: Bearer too', async () => {
    const client = wsClient({ Authorization: `Bearer ${SANDBOX_KEY}` });
    const before = open();
    const added = subscribe(client, `subscription { messageAdded { content } }`);
    await until(() => open() === before + 1, 'the subscription to open');
    inbound('bearer');
    expect((await added.next()).data).toEqual({ messageAdded: { content: 'bearer' } });
    added.dispose();
    await until(() => open() === before, 'the subscription to close');
  });

  it('refuses an operation without a key with UNAUTHENTICATED, before any REST call', async () => {
    const client = wsClient(undefined);
    const sub = subscribe(client, `subscription { messageAdded { id } }`);
    const outcome = await sub.done;
    expect(outcome).toContain('UNAUTHENTICATED');
    expect(stack.calls()).toEqual([]);
  });

  it('keeps organisations apart over WebSocket too', async () => {
    const client = wsClient({ 'X-API-Key': OTHER_KEY });
    const before = open();
    const snooping = subscribe(
      client,
      `subscription ($id: ID) { messageAdded(conversationId: $id) { content } }`,
      {
        id: conversationId,
      },
    );
    const own = subscribe(client, `subscription { contactChanged { type contactId } }`);
    await until(() => open() === before + 2, 'the subscriptions to open');
    inbound('not for you');
    const otherContact = await fetch(`${stack.sandbox.url}/contacts?limit=1`, {
      headers: { 'x-api-key': OTHER_KEY },
    })
      .then((r) => r.json())
      .then((p: { data: Array<{ id: string }> }) => p.data[0].id);
    await fetch(`${stack.sandbox.url}/contact/${otherContact}`, {
      method: 'PUT',
      headers: { 'x-api-key': OTHER_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ last_name: 'Other' }),
    }).then((r) => r.text());
    expect((await own.next()).data).toEqual({ contactChanged: { type: 'UPDATED', contactId: otherContact } });
    snooping.dispose();
    own.dispose();
    const leaked = await Promise.race([snooping.next().then(() => 'event'), Promise.resolve('none')]);
    expect(leaked).toBe('none');
    await until(() => open() === before, 'the subscriptions to close');
  });

  it('works with Apollo Client through GraphQLWsLink, typed by the generated document', async () => {
    const client = wsClient({ 'X-API-Key': SANDBOX_KEY });
    const apollo = new ApolloClient({ link: new GraphQLWsLink(client), cache: new InMemoryCache() });
    const before = open();
    const received: Array<LiveConversationSubscription['messageAdded']> = [];
    const observable = apollo.subscribe({ query: LiveConversationDocument, variables: { conversationId } });
    let resolveFirst!: () => void;
    const first = new Promise<void>((resolve) => {
      resolveFirst = resolve;
    });
    const subscription = observable.subscribe({
      next: (result) => {
        if (result.data) received.push(result.data.messageAdded);
        resolveFirst();
      },
    });
    await until(() => open() === before + 1, 'the subscription to open');
    const sent = inbound('through apollo');
    await first;
    expect(received).toEqual([
      {
        __typename: 'Message',
        id: sent.id,
        content: 'through apollo',
        sentBy: 'CONTACT',
        sentAt: sent.sent_at,
        conversation: {
          __typename: 'Conversation',
          id: conversationId,
          subject: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
          contact: { __typename: 'Contact', id: contactId, fullName: expect.any(String) },
        },
      },
    ]);
    // Apollo normalised the nested conversation into its cache, as it does for a query.
    expect(apollo.cache.extract()[`Conversation:${conversationId}`]).toMatchObject({ id: conversationId });
    subscription.unsubscribe();
    apollo.stop();
    await until(() => open() === before, 'the subscription to close');
  });

  it('refuses an upgrade on any other path', async () => {
    const ws = new WebSocket(`${stack.origin.replace('http:', 'ws:')}/subgraph`, 'graphql-transport-ws');
    const status = await new Promise<number | undefined>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(404);
  });
});
