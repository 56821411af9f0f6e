import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/sandbox/index.js';
import {
  ContactByPhoneWithConversationsDocument,
  ContactConversationCountsDocument,
  ContactNamedTwiceDocument,
  ConversationContactDetailsDocument,
  ConversationContactEmailDocument,
  ConversationContactEmailsDocument,
  ConversationContactNamesDocument,
  InboxDocument,
  ListedContactsConversationsDocument,
  ListedMessageParentsDocument,
  MessageParentDetailsDocument,
  MessageParentsDocument,
} from '../gql/graphql.js';
import { type Contact, type Page, rest } from '../helpers/rest.js';
import { dataOf, present, type Stack, sortedCallLines, startStack } from '../helpers/stack.js';

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

  it("answers a listed message's conversation fields from the list that returned it, with no conversation GET", async () => {
    const data = dataOf(await stack.gql(ListedMessageParentsDocument, { first: 4 }));

    const conversations = present(data.conversations.nodes);
    expect(conversations).toHaveLength(4);
    for (const conv of conversations)
      for (const m of present(conv.messages.nodes))
        expect(m.conversation).toMatchObject({ id: conv.id, subject: conv.subject });
    expect(sortedCallLines(stack.calls())).toEqual(
      [
        `GET /v2/conversations?limit=4&offset=0&${LIST_SORT}`,
        ...conversations.map((c) => `GET /v2/conversation/${c.id}/messages?limit=2&offset=0`),
      ].sort(),
    );
  });

  it('starts no conversation list for a selection under @skip(if: true) or @include(if: false)', async () => {
    const query = `query ($id: ID!, $skip: Boolean!, $include: Boolean!) {
      contact(id: $id) {
        fullName
        conversations(first: 3) @skip(if: $skip) { totalCount }
        ... on Contact @include(if: $include) { more: conversations(first: 4) { totalCount } }
        ...Later @include(if: $include)
      }
    }
    fragment Later on Contact { later: conversations(first: 5) { totalCount } }`;
    const skipped = await stack.gql(query, { id: heavyContactId, skip: true, include: false });

    expect(skipped.body).toEqual({ data: { contact: { fullName: expect.any(String) } } });
    expect(sortedCallLines(stack.calls())).toEqual([`GET /v2/contact/${heavyContactId}`]);

    stack.resetCalls();
    const kept = await stack.gql(query, { id: heavyContactId, skip: false, include: true });
    expect(kept.body.errors).toBeUndefined();
    expect(sortedCallLines(stack.calls())).toEqual(
      [
        `GET /v2/contact/${heavyContactId}`,
        ...[3, 4, 5].map((n) => `GET /v2/contact/${heavyContactId}/conversations?limit=${n}&offset=0`),
      ].sort(),
    );
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

  it("answers a listed contact's conversations' contact fields from the contact list, with no contact GET", async () => {
    const data = dataOf(await stack.gql(ListedContactsConversationsDocument, { first: 5 }));

    const contacts = present(data.contacts.nodes);
    expect(contacts).toHaveLength(5);
    for (const c of contacts)
      for (const conv of present(c.conversations.nodes)) expect(conv.contact.id).toBe(c.id);
    expect(stack.calls().filter((c) => /^\/v2\/contact\/[^/]+$/.test(c.path))).toEqual([]);
    expect(stack.calls()).toHaveLength(1 + contacts.length);
  });

  it('reuses a contact found by phone when its conversations name it by id', async () => {
    const page = await rest<Page<Contact>>(stack, '/contacts?limit=20');
    const seeded = page.data.find((c) => c.phone);
    expect(seeded?.phone).toMatch(/^\+/);
    stack.resetCalls();
    const data = dataOf(
      await stack.gql(ContactByPhoneWithConversationsDocument, { phone: seeded?.phone ?? '' }),
    );

    expect(data.contact?.id).toBe(seeded?.id);
    for (const conv of present(data.contact?.conversations.nodes ?? []))
      expect(conv.contact).toEqual({ id: seeded?.id, email: data.contact?.email });
    expect(sortedCallLines(stack.calls()).filter((l) => !l.includes('/conversations'))).toEqual([
      `GET /v2/contact/${encodeURIComponent(seeded?.phone ?? '')}`,
    ]);
  });

  it("gives NOT_FOUND with HueChat's answer when a conversation's contact is gone", async () => {
    const conversationId = (
      await stack.gql<{ conversations: { nodes: { id: string; contact: { id: string } }[] } }, object>(
        '{ conversations(first: 1) { nodes { id contact { id } } } }',
      )
    ).body.data?.conversations.nodes[0];
    expect(conversationId).toBeDefined();
    const { id, contact } = conversationId ?? { id: '', contact: { id: '' } };
    stack.sandbox.setFaults({
      rules: [{ kind: 'status', status: 404, method: 'GET', path: `/contact/${contact.id}` }],
    });
    stack.resetCalls();
    try {
      const res = await stack.gql(ConversationContactEmailDocument, { id });

      // The contact's fields load it on demand: the nullable email is null, with the error beside it.
      expect(res.body.data).toEqual({ conversation: { id, contact: { email: null } } });
      expect(res.body.errors).toHaveLength(1);
      const [error] = res.body.errors ?? [];
      expect(error?.path).toEqual(['conversation', 'contact', 'email']);
      expect(error?.extensions).toEqual({
        code: 'NOT_FOUND',
        upstream: { status: 404, error: 'not_found', requestId: expect.stringMatching(/^req_/) },
      });
      expect(sortedCallLines(stack.calls())).toEqual([
        `GET /v2/contact/${contact.id}`,
        `GET /v2/conversation/${id}`,
      ]);
    } finally {
      stack.sandbox.setFaults({ rules: [] });
    }
  });

  it("still answers a message's contact { id } with no contact GET", async () => {
    const data = dataOf(await stack.gql(MessageParentsDocument, { first: 3 }));

    expect(present(data.conversations.nodes)).toHaveLength(3);
    expect(stack.calls().filter((c) => c.path.startsWith('/v2/contact/'))).toEqual([]);
  });
});
