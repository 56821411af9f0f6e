import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { FaultRule } from '../../src/sandbox/index.js';
import { createGateway } from '../../src/server/gateway.js';
import { UpstreamClient } from '../../src/upstream/client.js';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

/**
 * The same operations, compiled (graphql-jit) and interpreted (graphql-js, the reference), over the
 * same upstream faults: the responses must be identical byte for byte, and every list must have the
 * length and order the contract gives it, whatever failed. Each fault rule targets one route and is
 * re-armed before each executor runs, so both see the same failure at the same REST call.
 */
type Gateway = ReturnType<typeof createGateway>;

interface Ids {
  contacts: string[];
  conversations: string[];
}

const OPERATIONS: { name: string; query: string; variables: (ids: Ids) => Record<string, unknown> }[] = [
  {
    name: 'nodes(ids) over contacts and conversations',
    query: `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id
      ... on Contact { fullName email conversations(first: 2) { totalCount nodes { id status } } }
      ... on Conversation { channel subject contact { fullName phone } messages(first: 2) { nodes { id content } } } } }`,
    variables: (ids) => ({
      ids: [ids.contacts[0], ids.conversations[0], ids.contacts[1], 'cnt_missing000', ids.conversations[1]],
    }),
  },
  {
    name: 'nodes(ids) of contacts only',
    query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Contact { id fullName } } }',
    variables: (ids) => ({ ids: ids.contacts.slice(0, 4) }),
  },
  {
    // An id that is not a HueChat id is null at once, before the REST answers of the ids before it.
    name: 'nodes(ids) with a foreign id after the contacts',
    query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Contact { id fullName } } }',
    variables: (ids) => ({ ids: [...ids.contacts.slice(0, 3), 'msg_not_a_node', ids.conversations[2]] }),
  },
  {
    name: 'the inbox query',
    query: `query ($id: ID!) { contact(id: $id) { id fullName conversations(first: 3) { totalCount
      nodes { id subject contact { fullName } messages(first: 3) { totalCount nodes { id content status sentAt } } } } } }`,
    variables: (ids) => ({ id: ids.contacts[0] }),
  },
  {
    name: 'lists of conversations with their contacts, under aliases',
    query: `{ open: conversations(first: 4, filter: { status: OPEN }) { nodes { id contact { id fullName email } } }
      all: conversations(first: 4) { edges { cursor node { id channel messages(first: 1) { nodes { id } } } } }
      contacts(first: 3) { nodes { id fullName } } }`,
    variables: () => ({}),
  },
];

/** One rule per kind of fault, each on one route family; `times` bounds it to the first calls. */
const FAULTS: { name: string; rules: (ids: Ids) => FaultRule[] }[] = [
  { name: 'no fault', rules: () => [] },
  { name: 'a 500 on one contact', rules: (ids) => [{ kind: 'error', path: `/contact/${ids.contacts[1]}` }] },
  {
    name: 'a 503 on every conversation list',
    rules: () => [{ kind: 'status', status: 503, path: '/contact/*' }],
  },
  {
    name: 'a reset on one conversation',
    rules: (ids) => [{ kind: 'reset', path: `/conversations/${ids.conversations[0]}*` }],
  },
  { name: 'a hang on message lists', rules: () => [{ kind: 'hang', path: '/conversations/*' }] },
  {
    name: 'malformed JSON on one contact',
    rules: (ids) => [{ kind: 'malformed', path: `/contact/${ids.contacts[0]}` }],
  },
  {
    name: 'malformed JSON on every conversation and message list',
    rules: () => [{ kind: 'malformed', path: '/conversations/*' }],
  },
  {
    name: 'an error body with status 200 (wrong shape) on contacts',
    rules: () => [{ kind: 'status', status: 200, path: '/contact/*' }],
  },
  {
    name: "a 500 on one contact's conversation list",
    rules: (ids) => [{ kind: 'error', path: `/contact/${ids.contacts[1]}/conversations` }],
  },
  {
    name: "malformed JSON on one conversation's messages",
    rules: (ids) => [{ kind: 'malformed', path: `/conversations/${ids.conversations[1]}/messages` }],
  },
  {
    name: 'a hang on one contact',
    rules: (ids) => [{ kind: 'hang', path: `/contact/${ids.contacts[2]}` }],
  },
  {
    name: 'wrong shape on the conversation lists',
    rules: () => [{ kind: 'status', status: 200, path: '/conversations' }],
  },
];

describe('compiled and interpreted queries agree under upstream faults', () => {
  let stack: Stack;
  let client: UpstreamClient;
  let compiled: Gateway;
  let interpreted: Gateway;
  let ids: Ids;

  const ask = async (gateway: Gateway, query: string, variables: unknown) => {
    const res = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': SANDBOX_KEY },
      body: JSON.stringify({ query, variables }),
    });
    // HueChat's request ids differ per call; everything else must not.
    const text = (await res.text()).replace(/"requestId":"req_[a-z0-9]+"/g, '"requestId":"req_"');
    return { status: res.status, text };
  };

  beforeAll(async () => {
    stack = await startStack({ sandbox: { seedContacts: 8, seed: 7, embedContact: 'summary' } });
    // Short timeouts so a hung call fails fast; no retries, so both executors see the same calls.
    client = new UpstreamClient({
      baseUrl: stack.sandbox.url,
      connections: 8,
      connectTimeoutMs: 500,
      timeoutMs: 300,
      retries: 0,
      retryMaxWaitMs: 0,
      coalesceReads: false,
    });
    const common = { client, logger: createLogger('silent'), defaultApiKey: SANDBOX_KEY };
    compiled = createGateway({ ...common, compileQueries: true });
    interpreted = createGateway({ ...common, compileQueries: false });
    const list = await ask(interpreted, '{ conversations(first: 6) { nodes { id contact { id } } } }', {});
    const nodes = (
      JSON.parse(list.text) as {
        data: { conversations: { nodes: { id: string; contact: { id: string } }[] } };
      }
    ).data.conversations.nodes;
    ids = {
      conversations: nodes.map((n) => n.id),
      contacts: [...new Set(nodes.map((n) => n.contact.id))],
    };
    expect(ids.contacts.length).toBeGreaterThanOrEqual(4);
  });
  afterAll(async () => {
    stack.sandbox.setFaults({});
    await client.close();
    await stack.close();
  });

  for (const operation of OPERATIONS) {
    describe(operation.name, () => {
      it.each(FAULTS)('answers the same with $name', async ({ rules }) => {
        const variables = operation.variables(ids);
        stack.sandbox.setFaults({ rules: rules(ids) });
        const a = await ask(compiled, operation.query, variables);
        stack.sandbox.setFaults({ rules: rules(ids) });
        const b = await ask(interpreted, operation.query, variables);
        stack.sandbox.setFaults({});

        expect(a).toEqual(b);
        expect(a.text).not.toContain('INTERNAL_SERVER_ERROR');
        const body = JSON.parse(b.text) as { data?: { nodes?: unknown[] } | null };
        if (Array.isArray(variables.ids) && body.data?.nodes) {
          expect(body.data.nodes).toHaveLength(variables.ids.length);
        }
      });
    });
  }
});
