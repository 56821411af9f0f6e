import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/sandbox/index.js';
import {
  ContactConversationCountsDocument,
  ContactNamedTwiceDocument,
  ConversationContactDetailsDocument,
  ConversationContactEmailsDocument,
  ConversationContactNamesDocument,
  InboxDocument,
  MessageParentDetailsDocument,
  MessageParentsDocument,
} from '../gql/graphql.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { dataOf, present, sortedCallLines } from './support.js';

const LIST_SORT = 'sort=last_message_at%3Adesc';

const overlap = (a: RecordedRequest, b: RecordedRequest) =>
  a.startedAt < b.finishedAt && b.startedAt < a.finishedAt;

describe('with conversations that embed their full contact (the default)', () => {
  let stack: Stack;
  let heavyContactId: string;

  beforeAll(async () => {
    stack = await startStack({ sandbox: { seedContacts: 40, latencyMs: 50 } });
    const counts = dataOf(await stack.gql(ContactConversationCountsDocument));
    const heavy = present(counts.contacts.nodes).find((c) => c.conversations.totalCount >= 10);
    if (!heavy) throw new Error('the seed has no contact with 10 conversations');
    heavyContactId = heavy.id;
  });
  beforeEach(() => {
    stack.resetCalls();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const firstConversationOf = async (contactId: string) => {
    const data = dataOf(await stack.gql(InboxDocument, { id: contactId, conversations: 1, messages: 1 }));
    const conv = present(data.contact?.conversations.nodes ?? [])[0];
    if (!conv) throw new Error(`${contactId} has no conversation`);
    return conv;
  };

  it('serves the inbox query with one contact GET, one list GET and one messages GET per conversation', async () => {
    const data = dataOf(
      await stack.gql(InboxDocument, { id: heavyContactId, conversations: 10, messages: 20 }),
    );

    const conversations = present(data.contact?.conversations.nodes ?? []);
    expect(conversations).toHaveLength(10);
    for (const conv of conversations) expect(conv.contact.fullName).toBe(data.contact?.fullName);
    expect(sortedCallLines(stack.calls())).toEqual(
      [
        `GET /v2/contact/${heavyContactId}`,
        `GET /v2/contact/${heavyContactId}/conversations?limit=10&offset=0`,
        ...conversations.map((c) => `GET /v2/conversation/${c.id}/messages?limit=20&offset=0`),
      ].sort(),
    );
  });

  it('sends the contact GET and its conversation list GET at the same time', async () => {
    dataOf(await stack.gql(InboxDocument, { id: heavyContactId, conversations: 10, messages: 20 }));

    const calls = stack.calls();
    const contact = calls.find((c) => c.path === `/v2/contact/${heavyContactId}`);
    const list = calls.find((c) => c.path === `/v2/contact/${heavyContactId}/conversations`);
    if (!contact || !list) throw new Error('the contact or its list was not fetched');
    expect(overlap(contact, list)).toBe(true);
  });

  it('sends the messages GETs of all conversations at the same time', async () => {
    dataOf(await stack.gql(InboxDocument, { id: heavyContactId, conversations: 10, messages: 20 }));

    const messages = stack.calls().filter((c) => c.path.endsWith('/messages'));
    expect(messages).toHaveLength(10);
    const lastStart = Math.max(...messages.map((c) => c.startedAt));
    const firstEnd = Math.min(...messages.map((c) => c.finishedAt));
    expect(lastStart).toBeLessThan(firstEnd);
  });

  it("asks no conversation or contact GET for a message's conversation { id } and contact { id }", async () => {
    const data = dataOf(await stack.gql(MessageParentsDocument, { first: 5 }));

    const conversations = present(data.conversations.nodes);
    for (const conv of conversations) {
      for (const m of present(conv.messages.nodes)) expect(m.conversation.id).toBe(conv.id);
    }
    expect(sortedCallLines(stack.calls())).toEqual(
      [
        `GET /v2/conversations?limit=5&offset=0&${LIST_SORT}`,
        ...conversations.map((c) => `GET /v2/conversation/${c.id}/messages?limit=5&offset=0`),
      ].sort(),
    );
  });

  it("answers a message's conversation and contact fields from what the request already fetched", async () => {
    const conversationId = (await firstConversationOf(heavyContactId)).id;
    stack.resetCalls();

    const data = dataOf(await stack.gql(MessageParentDetailsDocument, { id: conversationId }));

    const messages = present(data.conversation?.messages.nodes ?? []);
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) {
      expect(m.conversation.id).toBe(conversationId);
      expect(m.contact.id).toBe(heavyContactId);
      expect(m.contact.email).toMatch(/@/);
    }
    expect(sortedCallLines(stack.calls())).toEqual([
      `GET /v2/conversation/${conversationId}`,
      `GET /v2/conversation/${conversationId}/messages?limit=5&offset=0`,
    ]);
  });

  it('fetches a contact named twice by alias and once more through node only once', async () => {
    const data = dataOf(await stack.gql(ContactNamedTwiceDocument, { id: heavyContactId }));

    expect(data.asNode?.id).toBe(heavyContactId);
    expect(data.first?.conversations.totalCount).toBeGreaterThanOrEqual(10);
    expect(sortedCallLines(stack.calls())).toEqual([
      `GET /v2/contact/${heavyContactId}`,
      `GET /v2/contact/${heavyContactId}/conversations?limit=5&offset=0`,
    ]);
  });

  it("uses a conversation's embedded contact for every contact field, with no contact GET", async () => {
    const data = dataOf(await stack.gql(ConversationContactDetailsDocument, { first: 20 }));

    for (const conv of present(data.conversations.nodes)) expect(conv.contact.id).toMatch(/^cnt_/);
    expect(sortedCallLines(stack.calls())).toEqual([`GET /v2/conversations?limit=20&offset=0&${LIST_SORT}`]);
  });

  it('shares nothing between two requests: the same request again makes the same calls again', async () => {
    dataOf(await stack.gql(ContactNamedTwiceDocument, { id: heavyContactId }));
    const first = sortedCallLines(stack.calls());
    stack.resetCalls();

    dataOf(await stack.gql(ContactNamedTwiceDocument, { id: heavyContactId }));

    expect(first).toHaveLength(2);
    expect(sortedCallLines(stack.calls())).toEqual(first);
  });
});

describe('with conversations that embed a contact summary', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ sandbox: { seedContacts: 15, embedContact: 'summary' } });
  });
  beforeEach(() => {
    stack.resetCalls();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("answers a conversation's contact { fullName } from the summary, with no contact GET", async () => {
    const data = dataOf(await stack.gql(ConversationContactNamesDocument, { first: 30 }));

    for (const conv of present(data.conversations.nodes)) expect(conv.contact.fullName).not.toBe('');
    expect(sortedCallLines(stack.calls())).toEqual([`GET /v2/conversations?limit=30&offset=0&${LIST_SORT}`]);
  });

  it('fetches each distinct contact once when a field the summary lacks (email) is asked', async () => {
    const data = dataOf(await stack.gql(ConversationContactEmailsDocument, { first: 30 }));

    const contactIds = [...new Set(present(data.conversations.nodes).map((c) => c.contact.id))];
    expect(contactIds.length).toBeLessThan(30);
    expect(sortedCallLines(stack.calls())).toEqual(
      [
        `GET /v2/conversations?limit=30&offset=0&${LIST_SORT}`,
        ...contactIds.map((id) => `GET /v2/contact/${id}`),
      ].sort(),
    );
  });
});

describe('with conversations that embed no contact', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ sandbox: { seedContacts: 15, embedContact: 'none' } });
  });
  beforeEach(() => {
    stack.resetCalls();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("fetches each distinct contact once for a conversation's contact { fullName }", async () => {
    const data = dataOf(await stack.gql(ConversationContactNamesDocument, { first: 30 }));

    const contactIds = [...new Set(present(data.conversations.nodes).map((c) => c.contact.id))];
    expect(contactIds.length).toBeLessThan(30);
    expect(sortedCallLines(stack.calls())).toEqual(
      [
        `GET /v2/conversations?limit=30&offset=0&${LIST_SORT}`,
        ...contactIds.map((id) => `GET /v2/contact/${id}`),
      ].sort(),
    );
  });

  it("still answers a message's contact { id } with no contact GET", async () => {
    const data = dataOf(await stack.gql(MessageParentsDocument, { first: 3 }));

    expect(present(data.conversations.nodes)).toHaveLength(3);
    expect(stack.calls().filter((c) => c.path.startsWith('/v2/contact/'))).toEqual([]);
  });
});
