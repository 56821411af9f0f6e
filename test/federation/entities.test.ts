import { readFileSync } from 'node:fs';
import type { GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/sandbox/index.js';
import { describeCalls, OTHER_KEY, SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

// A router's view of huechat-gateway: `_entities` and `_service` straight against /subgraph.

const LATENCY_MS = 40;

interface Representation {
  __typename: 'Contact' | 'Conversation';
  id: string;
}
interface EntityResult {
  __typename: 'Contact' | 'Conversation';
  id: string;
  fullName?: string;
  subject?: string | null;
  contact?: { id: string; fullName: string };
}
interface SubgraphResponse<TData> {
  status: number;
  data?: TData | null;
  errors?: GraphQLFormattedError[];
}

const ENTITIES = /* GraphQL */ `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Contact { id fullName }
      ... on Conversation { id subject contact { id fullName } }
    }
  }
`;

let stack: Stack;
let contactIds: string[];
let conversationIds: string[];

async function subgraph<TData>(
  query: string,
  variables: Record<string, unknown> = {},
  apiKey: string | null = SANDBOX_KEY,
): Promise<SubgraphResponse<TData>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  const res = await fetch(stack.subgraphUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<SubgraphResponse<TData>, 'status'>;
  return { status: res.status, ...body };
}

async function entities(representations: Representation[], apiKey: string = SANDBOX_KEY) {
  const res = await subgraph<{ _entities: (EntityResult | null)[] }>(ENTITIES, { representations }, apiKey);
  expect(res.errors).toBeUndefined();
  return res.data?._entities ?? [];
}

const contact = (id: string): Representation => ({ __typename: 'Contact', id });
const conversation = (id: string): Representation => ({ __typename: 'Conversation', id });

/** Every call started before any call finished: they were all in flight together. */
function expectConcurrent(calls: readonly RecordedRequest[]) {
  expect(calls.length).toBeGreaterThan(1);
  const lastStart = Math.max(...calls.map((c) => c.startedAt));
  const firstFinish = Math.min(...calls.map((c) => c.finishedAt));
  expect(lastStart).toBeLessThan(firstFinish);
}

beforeAll(async () => {
  stack = await startStack({ sandbox: { seedContacts: 12 } });
  const contacts = await stack.gql<{ contacts: { nodes: { id: string }[] } }, undefined>(
    '{ contacts(first: 4) { nodes { id } } }',
  );
  contactIds = contacts.body.data?.contacts.nodes.map((n) => n.id) ?? [];
  const conversations = await stack.gql<{ conversations: { nodes: { id: string }[] } }, undefined>(
    '{ conversations(first: 3) { nodes { id } } }',
  );
  conversationIds = conversations.body.data?.conversations.nodes.map((n) => n.id) ?? [];
  expect(contactIds).toHaveLength(4);
  expect(conversationIds).toHaveLength(3);
  stack.sandbox.setLatency(LATENCY_MS, 0);
});

afterAll(async () => {
  await stack?.close();
});

beforeEach(() => {
  stack.resetCalls();
});

describe('_entities on the huechat subgraph', () => {
  it('resolves N contact representations with N concurrent GETs, in the order given', async () => {
    const order = [contactIds[2], contactIds[0], contactIds[3], contactIds[1]];
    const result = await entities(order.map(contact));

    expect(result.map((r) => r?.id)).toEqual(order);
    expect(result.every((r) => r?.__typename === 'Contact' && r.fullName)).toBe(true);
    expect(describeCalls(stack.calls()).sort()).toEqual(order.map((id) => `GET /v2/contact/${id}`).sort());
    expectConcurrent(stack.calls());
  });

  it('makes one GET for a contact that appears several times in one batch', async () => {
    const [a, b] = contactIds;
    const result = await entities([a, b, a, a, b].map(contact));

    expect(result.map((r) => r?.id)).toEqual([a, b, a, a, b]);
    expect(result[0]).toEqual(result[2]);
    expect(describeCalls(stack.calls()).sort()).toEqual(
      [`GET /v2/contact/${a}`, `GET /v2/contact/${b}`].sort(),
    );
    expectConcurrent(stack.calls());
  });

  it('answers null for a well-formed contact id that does not exist, after one GET', async () => {
    const missing = 'cnt_doesnotexist0';
    const result = await entities([contact(missing), contact(contactIds[0])]);

    expect(result[0]).toBeNull();
    expect(result[1]?.id).toBe(contactIds[0]);
    const calls = stack.calls();
    expect(calls.find((c) => c.path === `/v2/contact/${missing}`)?.status).toBe(404);
    expect(calls).toHaveLength(2);
  });

  it('answers null for malformed ids without calling HueChat at all', async () => {
    const malformed = [
      contact(''),
      contact('cnt_'),
      contact('cnt_../contacts'),
      contact('../contacts'),
      contact('cnt_a/b'),
      contact('cnt_%2e%2e'),
      contact('cnt_a\u0000b'),
      contact('cnt_a?limit=100'),
      contact(conversationIds[0]),
      conversation(contactIds[0]),
      conversation('conv_../../contacts'),
      conversation('conv_'),
    ];
    const result = await entities(malformed);

    expect(result).toEqual(malformed.map(() => null));
    expect(stack.calls()).toEqual([]);
  });

  it('resolves conversation representations concurrently, de-duplicated, in order, with embedded contacts', async () => {
    const [x, y, z] = conversationIds;
    const result = await entities([z, x, y, x, 'conv_doesnotexist0'].map(conversation));

    expect(result.map((r) => r?.id ?? null)).toEqual([z, x, y, x, null]);
    expect(result.slice(0, 4).every((r) => r?.__typename === 'Conversation' && r.contact?.fullName)).toBe(
      true,
    );
    // The sandbox embeds the full contact in a conversation (SPEC G9): contact { fullName } costs nothing.
    expect(describeCalls(stack.calls()).sort()).toEqual(
      [x, y, z, 'conv_doesnotexist0'].map((id) => `GET /v2/conversation/${id}`).sort(),
    );
    expectConcurrent(stack.calls());
  });

  it('resolves a batch mixing contacts and conversations in the order given, all GETs at once', async () => {
    const batch = [
      contact(contactIds[0]),
      conversation(conversationIds[0]),
      contact('cnt_../x'),
      contact(contactIds[0]),
      conversation(conversationIds[1]),
      contact('cnt_doesnotexist1'),
    ];
    const result = await entities(batch);

    expect(result.map((r) => (r ? `${r.__typename}:${r.id}` : null))).toEqual([
      `Contact:${contactIds[0]}`,
      `Conversation:${conversationIds[0]}`,
      null,
      `Contact:${contactIds[0]}`,
      `Conversation:${conversationIds[1]}`,
      null,
    ]);
    // Both loaders dispatch in the same tick: contacts and conversations are fetched side by side.
    expect(describeCalls(stack.calls()).sort()).toEqual(
      [
        `GET /v2/contact/${contactIds[0]}`,
        'GET /v2/contact/cnt_doesnotexist1',
        `GET /v2/conversation/${conversationIds[0]}`,
        `GET /v2/conversation/${conversationIds[1]}`,
      ].sort(),
    );
    expectConcurrent(stack.calls());
  });

  it("starts a contact's conversation list together with the contact, as Query.contact does", async () => {
    // CONTRACT §5: latency follows the depth of data dependencies. The list needs only the id the
    // router already sent, so the two GETs belong in one round trip, whichever path reached the contact.
    const res = await subgraph<{ _entities: ({ conversations: { totalCount: number } } | null)[] }>(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on Contact { fullName conversations(first: 2) { totalCount } } }
      }`,
      { representations: [contact(contactIds[0])] },
    );

    expect(res.errors).toBeUndefined();
    expect(describeCalls(stack.calls()).sort()).toEqual([
      `GET /v2/contact/${contactIds[0]}`,
      `GET /v2/contact/${contactIds[0]}/conversations`,
    ]);
    expectConcurrent(stack.calls());
  });

  it("starts a conversation's message list together with the conversation", async () => {
    const res = await subgraph<{ _entities: ({ messages: { totalCount: number } } | null)[] }>(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on Conversation { subject messages(first: 3) { totalCount } } }
      }`,
      { representations: [conversation(conversationIds[0])] },
    );

    expect(res.errors).toBeUndefined();
    expect(describeCalls(stack.calls()).sort()).toEqual([
      `GET /v2/conversation/${conversationIds[0]}`,
      `GET /v2/conversation/${conversationIds[0]}/messages`,
    ]);
    expectConcurrent(stack.calls());
  });

  it('rejects a representation of no entity type, or with a non-string id, at its own index only', async () => {
    const representations: unknown[] = [
      contact(contactIds[0]),
      { __typename: 'Nope', id: contactIds[1] },
      { id: contactIds[1] },
      { __typename: 'Message', id: 'msg_abc' },
      { __typename: 'Contact', id: { toString: 'x' } },
      { __typename: 'Contact', id: [contactIds[1]] },
      { __typename: 'Contact' },
      'cnt_plainstring',
      conversation(conversationIds[0]),
    ];
    const res = await subgraph<{ _entities: (EntityResult | null)[] }>(ENTITIES, { representations });

    expect(res.data?._entities.map((r) => (r ? `${r.__typename}:${r.id}` : null))).toEqual([
      `Contact:${contactIds[0]}`,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      `Conversation:${conversationIds[0]}`,
    ]);
    expect(res.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((i) => [`_entities.${i}`, 'BAD_USER_INPUT']),
    );
    expect(res.errors?.[0]?.extensions?.details).toEqual({
      field: 'representations.1.__typename',
      reason: 'must be one of the entity types Contact, Conversation',
    });
    expect(res.errors?.[3]?.extensions?.details).toMatchObject({ field: 'representations.4.id' });
    // Only the two good representations reach HueChat.
    expect(describeCalls(stack.calls()).sort()).toEqual(
      [`GET /v2/contact/${contactIds[0]}`, `GET /v2/conversation/${conversationIds[0]}`].sort(),
    );
  });

  it('turns an upstream failure of one representation into an error at its index; the others resolve', async () => {
    const [ok, failing] = contactIds;
    stack.sandbox.setFaults({
      rules: [{ kind: 'status', status: 500, method: 'GET', path: `/contact/${failing}` }],
    });
    try {
      const res = await subgraph<{ _entities: (EntityResult | null)[] }>(ENTITIES, {
        representations: [contact(failing), contact(ok)],
      });

      expect(res.data?._entities[0]).toBeNull();
      expect(res.data?._entities[1]).toMatchObject({ __typename: 'Contact', id: ok });
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0]).toMatchObject({
        path: ['_entities', 0],
        extensions: { code: 'UPSTREAM_ERROR', upstream: { status: 500, error: 'internal_error' } },
      });
      // A 500 is not retried (only 502/503/504 and 429 are): one GET each.
      expect(describeCalls(stack.calls()).sort()).toEqual(
        [`GET /v2/contact/${failing}`, `GET /v2/contact/${ok}`].sort(),
      );
    } finally {
      stack.sandbox.setFaults({ rules: [] });
    }
  });

  it("forwards the caller's key on every GET, so another organisation's ids resolve to null", async () => {
    const result = await entities([contact(contactIds[0]), conversation(conversationIds[0])], OTHER_KEY);

    expect(result).toEqual([null, null]);
    expect(stack.calls()).toHaveLength(2);
    expect(stack.calls().every((c) => c.apiKey === OTHER_KEY && c.status === 404)).toBe(true);
  });

  it('refuses a request without a key with UNAUTHENTICATED and no REST call', async () => {
    const res = await subgraph(ENTITIES, { representations: [contact(contactIds[0])] }, null);

    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(stack.calls()).toEqual([]);
  });
});

describe('_service on the huechat subgraph', () => {
  it('serves the checked-in schema/subgraph.graphql, with @key on Contact and Conversation', async () => {
    const res = await subgraph<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const sdl = res.data?._service.sdl ?? '';
    const file = readFileSync(new URL('../../schema/subgraph.graphql', import.meta.url), 'utf8');
    const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

    expect(squash(sdl)).toBe(squash(file));
    expect(sdl).toMatch(/type Contact implements Node\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Conversation implements Node\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    expect(stack.calls()).toEqual([]);
  });
});
