import { parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { estimateUpstreamCalls } from '../../src/schema/cost.js';
import { schema, subgraphSchema } from '../../src/schema/index.js';
import { type Stack, startStack } from '../helpers/stack.js';

const estimate = (query: string, variables?: Record<string, unknown>, s = schema) =>
  estimateUpstreamCalls(s, parse(query), undefined, variables);

describe('the upper bound on REST calls of an operation', () => {
  it('counts the inbox query as its contact, its list, one messages list and one contact per conversation', () => {
    const inbox = `query ($id: ID!, $n: Int!) { contact(id: $id) { fullName conversations(first: $n) {
      nodes { subject contact { fullName } messages(first: 20) { nodes { content status } } } } } }`;
    expect(estimate(inbox, { id: 'cnt_x', n: 10 })).toBe(1 + 1 + 10 + 10);
    expect(estimate(inbox, { id: 'cnt_x', n: 3 })).toBe(1 + 1 + 3 + 3);
  });

  it('counts nothing for objects asked only for their id, and uses the default page size', () => {
    expect(
      estimate(
        '{ conversations { nodes { contact { id } messages(first: 5) { nodes { conversation { id } } } } } }',
      ),
    ).toBe(1 + 20);
    expect(estimate('{ conversations(first: 7) { edges { cursor node { subject } } } }')).toBe(1);
  });

  it('follows fragments, aliases, node lists and _entities', () => {
    expect(
      estimate(`{ a: contacts(first: 5) { ...C } b: contacts(first: 5) { ...C } }
        fragment C on ContactConnection { nodes { conversations(first: 2) { totalCount } } }`),
    ).toBe(2 * (1 + 5));
    expect(
      estimate('query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Contact { fullName } } }', {
        ids: ['a', 'b', 'c'],
      }),
    ).toBe(3);
    const reps = Array.from({ length: 50 }, (_, i) => ({ __typename: 'Contact', id: `cnt_${i}` }));
    expect(
      estimate(
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Contact { fullName } } }',
        { r: reps },
        subgraphSchema,
      ),
    ).toBe(50);
  });
});

describe('the estimate of a fragment bomb', () => {
  /** 2^levels copies of `leaf` from a document of ~50 bytes a level. */
  const bomb = (levels: number, leaf: string) => {
    let text = '{ ...F0 }\n';
    for (let i = 0; i < levels; i++) text += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
    return `${text}fragment F${levels} on Query { ${leaf} }`;
  };

  it('costs each fragment once: 2^40 contact lookups are counted, not walked', () => {
    // Walking the spreads would take 2^40 steps and never finish; memoised it is 41 fragments.
    expect(estimate(bomb(40, 'contact(id: "cnt_x") { fullName }'))).toBe(2 ** 40);
    expect(
      estimate(bomb(40, 'contacts(first: 2) { nodes { conversations(first: 3) { totalCount } } }')),
    ).toBe(2 ** 40 * (1 + 2));
  });

  it('counts nothing for a bomb of fields that call nothing', () => {
    expect(estimate(bomb(40, '__typename'))).toBe(0);
  });
});

describe('an operation over the limit', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sandbox: { seedContacts: 3 } });
  });
  beforeEach(() => stack.resetCalls());
  afterAll(() => stack.close());

  it('is refused with QUERY_TOO_EXPENSIVE and HTTP 400 before any REST call', async () => {
    const res = await stack.gql(`{ contacts(first: 100) { nodes { conversations(first: 100) {
      nodes { messages(first: 100) { totalCount } } } } } }`);

    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        {
          message:
            'This operation could make 10101 calls to HueChat; the limit is 250. Ask for smaller pages (first) or fewer nested lists.',
          extensions: {
            code: 'QUERY_TOO_EXPENSIVE',
            details: { estimatedUpstreamCalls: 10101, limit: 250 },
          },
        },
      ],
    });
    expect(stack.calls()).toEqual([]);
  });

  it('lets the same shape through with pages that stay under the limit', async () => {
    const res = await stack.gql(`{ contacts(first: 3) { nodes { conversations(first: 5) {
      nodes { messages(first: 5) { totalCount } } } } } }`);

    expect(res.body.errors).toBeUndefined();
    expect(stack.calls().length).toBeGreaterThan(1);
  });
});
