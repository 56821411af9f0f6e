import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { subgraphSchema } from '../../src/schema/index.js';
import { createGateway } from '../../src/server/gateway.js';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

/**
 * Queries run compiled (graphql-jit); mutations and requests with bad variables run on graphql-js.
 * Whichever executor runs, a client must get the same bytes: data, errors, paths, locations, codes.
 * Each case runs on two gateways over the same sandbox, one compiling queries and one not.
 */
type Gateway = ReturnType<typeof createGateway>;

describe('compiled queries answer exactly as graphql-js does', () => {
  let stack: Stack;
  let compiled: Gateway;
  let interpreted: Gateway;
  let compiledSubgraph: Gateway;
  let interpretedSubgraph: Gateway;
  let contactIds: string[];
  let conversationIds: string[];

  const ask = async (gateway: Gateway, endpoint: string, query: string, variables?: unknown) => {
    const res = await gateway.fetch(`http://gateway.test${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': SANDBOX_KEY },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, text: await res.text() };
  };
  const both = async (query: string, variables?: unknown) => {
    const a = await ask(compiled, '/graphql', query, variables);
    const b = await ask(interpreted, '/graphql', query, variables);
    return { a, b, body: JSON.parse(a.text) as { data?: unknown; errors?: unknown[] } };
  };

  beforeAll(async () => {
    stack = await startStack();
    const logger = createLogger('silent');
    const common = { client: stack.client, logger, defaultApiKey: SANDBOX_KEY };
    compiled = createGateway({ ...common, compileQueries: true });
    interpreted = createGateway({ ...common, compileQueries: false });
    const sub = { ...common, schema: subgraphSchema, endpoint: '/subgraph', graphiql: false };
    compiledSubgraph = createGateway({ ...sub, compileQueries: true });
    interpretedSubgraph = createGateway({ ...sub, compileQueries: false });
    const { body } = await both('{ conversations(first: 5) { nodes { id contact { id } } } }');
    const nodes = (body.data as { conversations: { nodes: { id: string; contact: { id: string } }[] } })
      .conversations.nodes;
    conversationIds = nodes.map((n) => n.id);
    contactIds = [...new Set(nodes.map((n) => n.contact.id))];
  });
  afterAll(() => stack.close());

  it('the inbox query, with every scalar, enum, count and cursor', async () => {
    const { a, b, body } = await both(
      `query Inbox($id: ID!) {
        contact(id: $id) {
          __typename id firstName lastName fullName email phone metadata createdAt updatedAt
          conversations(first: 3) {
            totalCount
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { cursor node { id channel status subject lastMessageAt contact { fullName } } }
            nodes { id messages(first: 4) { totalCount nodes { id content status sentAt sentBy } } }
          }
        }
      }`,
      { id: contactIds[0] },
    );
    expect(body.errors).toBeUndefined();
    expect(JSON.stringify(body.data)).toContain(contactIds[0]);
    expect(a).toEqual(b);
  });

  it('fragments, inline fragments on an interface, aliases, @skip and @include', async () => {
    const { a, b, body } = await both(
      `query Mixed($ids: [ID!]!, $withMessages: Boolean!, $skipName: Boolean!) {
        nodes(ids: $ids) {
          __typename
          id
          ... on Contact { name: fullName @skip(if: $skipName) ...ContactBits }
          ... on Conversation { channel msgs: messages(first: 2) @include(if: $withMessages) { totalCount } }
        }
        missing: contact(id: "cnt_doesnotexist0000") { id }
      }
      fragment ContactBits on Contact { email conversations(first: 1) { totalCount } }`,
      {
        ids: [contactIds[0], conversationIds[0], 'cnt_doesnotexist0000'],
        withMessages: true,
        skipName: false,
      },
    );
    expect(body.errors).toBeUndefined();
    expect(a).toEqual(b);
  });

  it('a field error: the same message, code, path and locations, and the siblings still resolve', async () => {
    const { a, b, body } = await both(
      `query BadPage($id: ID!) {
        contact(id: $id) { id conversations(first: 2) { nodes { id messages(first: 0) { totalCount } } } }
        other: contact(id: $id) { fullName }
      }`,
      { id: contactIds[0] },
    );
    const error = (index: number) =>
      expect.objectContaining({
        locations: [{ line: 2, column: 68 }],
        path: ['contact', 'conversations', 'nodes', index, 'messages'],
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      });
    expect(body.errors).toEqual([error(0), error(1)]);
    expect(JSON.stringify(body.data)).toContain('"other":{"fullName"');
    expect(a).toEqual(b);
  });

  it('an upstream failure of one field (HueChat 404 for a non-null conversation)', async () => {
    const { a, b, body } = await both(
      `query Conv($id: ID!) { conversation(id: $id) { id contact { id fullName } } }`,
      { id: 'conv_doesnotexist0000' },
    );
    expect(body).toEqual({ data: { conversation: null } });
    expect(a).toEqual(b);
  });

  it('variables that do not coerce are refused the same way', async () => {
    const { a, b, body } = await both('query P($first: Int) { contacts(first: $first) { totalCount } }', {
      first: 'ten',
    });
    expect(body.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
    expect(a).toEqual(b);
  });

  it('a document with two operations runs the one each request names', async () => {
    const document = `query Count { contacts(first: 1) { totalCount } }
      query Names { contacts(first: 2) { nodes { fullName } } }`;
    const run = async (gateway: Gateway, operationName: string) => {
      const res = await gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': SANDBOX_KEY },
        body: JSON.stringify({ query: document, operationName }),
      });
      return res.text();
    };
    const count = await run(compiled, 'Count');
    const names = await run(compiled, 'Names');
    expect(JSON.parse(count).data).toEqual({ contacts: { totalCount: expect.any(Number) } });
    expect(JSON.parse(names).data).toEqual({
      contacts: { nodes: [{ fullName: expect.any(String) }, { fullName: expect.any(String) }] },
    });
    expect(names).toBe(await run(interpreted, 'Names'));
  });

  it('a request naming an operation the document does not hold does not spoil the next one', async () => {
    const document = 'query Count { contacts(first: 1) { totalCount } }';
    const run = async (gateway: Gateway, operationName: string) => {
      const res = await gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': SANDBOX_KEY },
        body: JSON.stringify({ query: document, operationName }),
      });
      return { status: res.status, text: await res.text() };
    };
    const wrong = await run(compiled, 'Nope');
    expect(wrong).toEqual(await run(interpreted, 'Nope'));
    expect(JSON.parse(wrong.text).errors).toHaveLength(1);
    const right = await run(compiled, 'Count');
    expect(JSON.parse(right.text)).toEqual({ data: { contacts: { totalCount: expect.any(Number) } } });
  });

  it('federation _entities on the subgraph endpoint', async () => {
    const query = `query E($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Contact { id fullName } ... on Conversation { id subject } } }`;
    const variables = {
      r: [
        { __typename: 'Contact', id: contactIds[0] },
        { __typename: 'Conversation', id: conversationIds[0] },
        { __typename: 'Contact', id: 'cnt_doesnotexist0000' },
        { __typename: 'Nope', id: 'x' },
      ],
    };
    const a = await ask(compiledSubgraph, '/subgraph', query, variables);
    const b = await ask(interpretedSubgraph, '/subgraph', query, variables);
    expect(JSON.parse(a.text).data._entities[0]).toEqual(expect.objectContaining({ id: contactIds[0] }));
    expect(a).toEqual(b);
  });
});
