import { describe, expect, it } from 'vitest';
import { NodeByIdDocument, NodesByIdsDocument } from '../gql/graphql.js';
import type { Contact } from '../helpers/rest.js';
import { contacts, conversations, stack, useSeededStack } from '../helpers/seeded-stack.js';
import { callLines, dataOf, errorCodes, sortedCallLines, upper } from '../helpers/stack.js';

useSeededStack(8);

const contactAt = (i: number) => {
  const c = contacts[i];
  if (!c) throw new Error(`the seed has fewer than ${i + 1} contacts`);
  return c;
};
const conversationAt = (i: number) => {
  const c = conversations[i];
  if (!c) throw new Error(`the seed has fewer than ${i + 1} conversations`);
  return c;
};

describe('Query.node', () => {
  it('resolves a cnt_ id to a Contact', async () => {
    const contact = contactAt(0);

    const data = dataOf(await stack.gql(NodeByIdDocument, { id: contact.id }));

    expect(data.node).toEqual({
      __typename: 'Contact',
      id: contact.id,
      fullName: contact.full_name,
      email: contact.email,
    });
    expect(callLines(stack.calls())).toEqual([`GET /v2/contact/${contact.id}`]);
  });

  it('resolves a conv_ id to a Conversation', async () => {
    const conv = conversationAt(0);

    const data = dataOf(await stack.gql(NodeByIdDocument, { id: conv.id }));

    expect(data.node).toEqual({
      __typename: 'Conversation',
      id: conv.id,
      channel: upper(conv.channel),
      subject: conv.subject,
      contact: { id: conv.contact_id },
    });
    expect(callLines(stack.calls())).toEqual([`GET /v2/conversation/${conv.id}`]);
  });

  it.each(['usr_agent1', 'msg_abc123', 'wh_abc123', 'abc', 'cnt_', 'conv_../contacts'])(
    'gives null for %j, which is no contact or conversation id, with no REST call',
    async (id) => {
      const res = await stack.gql(NodeByIdDocument, { id });

      expect(res.body).toEqual({ data: { node: null } });
      expect(stack.calls()).toEqual([]);
    },
  );

  it.each(['cnt_doesnotexist1', 'conv_doesnotexist1'])(
    'gives null without an error for %s, which does not exist',
    async (id) => {
      const res = await stack.gql(NodeByIdDocument, { id });

      expect(res.body).toEqual({ data: { node: null } });
      expect(stack.calls().map((c) => c.status)).toEqual([404]);
    },
  );
});

describe('Query.nodes', () => {
  it('keeps the order of the ids, with null for missing and unknown ones', async () => {
    const [c0, c1] = [contactAt(0), contactAt(1)];
    const [v0, v1] = [conversationAt(0), conversationAt(1)];
    const ids = [v0.id, c0.id, 'cnt_doesnotexist1', 'usr_agent1', v1.id, c1.id, 'conv_doesnotexist1'];

    const data = dataOf(await stack.gql(NodesByIdsDocument, { ids }));

    expect(data.nodes).toEqual([
      { __typename: 'Conversation', id: v0.id, channel: upper(v0.channel) },
      { __typename: 'Contact', id: c0.id, fullName: c0.full_name },
      null,
      null,
      { __typename: 'Conversation', id: v1.id, channel: upper(v1.channel) },
      { __typename: 'Contact', id: c1.id, fullName: c1.full_name },
      null,
    ]);
    expect(sortedCallLines(stack.calls())).toEqual(
      [
        `GET /v2/conversation/${v0.id}`,
        `GET /v2/contact/${c0.id}`,
        'GET /v2/contact/cnt_doesnotexist1',
        `GET /v2/conversation/${v1.id}`,
        `GET /v2/contact/${c1.id}`,
        'GET /v2/conversation/conv_doesnotexist1',
      ].sort(),
    );
  });

  it('fetches an id given twice once and answers it in both places', async () => {
    const contact = contactAt(2);

    const data = dataOf(await stack.gql(NodesByIdsDocument, { ids: [contact.id, contact.id] }));

    expect(data.nodes).toHaveLength(2);
    expect(data.nodes[0]).toEqual(data.nodes[1]);
    expect(callLines(stack.calls())).toEqual([`GET /v2/contact/${contact.id}`]);
  });

  it('answers an empty list with an empty list and no REST call', async () => {
    const res = await stack.gql(NodesByIdsDocument, { ids: [] });

    expect(res.body).toEqual({ data: { nodes: [] } });
    expect(stack.calls()).toEqual([]);
  });

  it('takes 100 ids', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => (contacts[i % contacts.length] as Contact).id);

    const data = dataOf(await stack.gql(NodesByIdsDocument, { ids }));

    expect(data.nodes).toHaveLength(100);
    expect(stack.calls()).toHaveLength(contacts.length);
  });

  it('rejects more than 100 ids with BAD_USER_INPUT and no REST call', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => (contacts[i % contacts.length] as Contact).id);

    const res = await stack.gql(NodesByIdsDocument, { ids });

    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors?.[0]?.path).toEqual(['nodes']);
    expect(stack.calls()).toEqual([]);
  });
});
