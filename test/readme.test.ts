import { readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { schema } from '../src/schema/index.js';
import { FirstQueryDocument } from './gql/graphql.js';
import { type Stack, startStack } from './helpers/stack.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const graphqlBlocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);

let stack: Stack;
// The README's examples run against the default sandbox: same seed, same ids.
beforeAll(async () => {
  stack = await startStack({ sandbox: { seedContacts: 200 } });
});
afterAll(() => stack.close());

describe('the README', () => {
  test('its first query is the one kept in test/operations/readme-inbox.graphql', () => {
    const file = readFileSync(new URL('./operations/readme-inbox.graphql', import.meta.url), 'utf8');
    expect(graphqlBlocks[0]).toBe(file);
  });

  test('every GraphQL example is valid against the public schema', () => {
    expect(graphqlBlocks.length).toBeGreaterThanOrEqual(2);
    for (const block of graphqlBlocks)
      expect(validate(schema, parse(block)).map((e) => e.message)).toEqual([]);
  });

  test('its first query returns a contact with conversations and messages from the sandbox in 12 REST calls', async () => {
    stack.resetCalls();
    const res = await stack.gql(FirstQueryDocument, {});
    expect(res.body.errors).toBeUndefined();
    const contact = res.body.data?.contact;
    expect(contact?.fullName).toBeTruthy();
    expect(contact?.conversations.totalCount).toBeGreaterThanOrEqual(10);
    expect(contact?.conversations.nodes).toHaveLength(10);
    for (const conversation of contact?.conversations.nodes ?? []) {
      expect(conversation?.messages.nodes.length).toBeGreaterThan(0);
    }
    expect(stack.calls()).toHaveLength(12);
  });

  test('its mutation example sends a message', async () => {
    const res = await stack.gql(graphqlBlocks[1]);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({
      sendMessage: {
        status: 'SENT',
        conversation: { lastMessagePreview: expect.stringContaining('shipped') },
      },
    });
  });
});
