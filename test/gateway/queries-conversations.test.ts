import { describe, expect, it } from 'vitest';
import {
  ConversationByIdDocument,
  type ConversationFilter,
  ConversationsPageDocument,
} from '../gql/graphql.js';
import { type Contact, type Conversation, type Message, type Page, rest } from '../helpers/rest.js';
import { contacts, conversations, stack, useSeededStack } from '../helpers/seeded-stack.js';
import { callLines, dataOf, errorCodes, present, upper, upperOrNull } from '../helpers/stack.js';

useSeededStack(40);

describe('Query.conversation', () => {
  /** A conversation with an agent, labels and messages from both sides. */
  async function richConversation() {
    for (const conv of conversations) {
      if (conv.assigned_to === null || conv.labels.length === 0 || conv.message_count < 4) continue;
      const msgs = await rest<Page<Message>>(stack, `/conversation/${conv.id}/messages?limit=100`);
      const senders = new Set(msgs.data.map((m) => m.sent_by));
      if (senders.has('user') && senders.has('contact')) return { conv, messages: msgs.data };
    }
    throw new Error('the seed has no conversation with agent, labels and both sides talking');
  }

  const expectedMessage = (m: Message) => ({
    id: m.id,
    conversation: { id: m.conversation_id },
    contact: { id: m.contact_id },
    channel: upper(m.channel),
    messageType: upper(m.message_type),
    content: m.content,
    status: upper(m.status),
    sentBy: upper(m.sent_by),
    // Agent is a member of the team: a contact's own message has no Agent sender.
    sender: m.sender?.id.startsWith('usr_') ? { id: m.sender.id, name: m.sender.name, email: null } : null,
    sentAt: m.sent_at,
    deliveredAt: m.delivered_at,
    readAt: m.read_at,
    error: m.error,
  });

  it('returns every field of a conversation and of its messages, as the REST API has them', async () => {
    const { conv, messages } = await richConversation();
    const full = await rest<Conversation & { contact: Contact }>(stack, `/conversation/${conv.id}`);
    stack.resetCalls();

    const data = dataOf(await stack.gql(ConversationByIdDocument, { id: conv.id, first: 100 }));

    const { messages: page, ...fields } = data.conversation ?? { messages: undefined };
    expect(fields).toEqual({
      id: conv.id,
      contact: { id: conv.contact_id, fullName: full.contact.full_name },
      channel: upper(conv.channel),
      subject: conv.subject,
      status: upper(conv.status),
      priority: upper(conv.priority),
      assignedTo: {
        id: conv.assigned_to?.id,
        name: conv.assigned_to?.name,
        email: conv.assigned_to?.email ?? null,
      },
      labels: conv.labels,
      messageCount: conv.message_count,
      unreadCount: conv.unread_count,
      createdAt: conv.created_at,
      updatedAt: conv.updated_at,
      lastMessageAt: conv.last_message_at,
      lastMessagePreview: conv.last_message_preview,
    });
    expect(present(page?.edges ?? []).map((e) => e.node)).toEqual(messages.map(expectedMessage));
    expect(page?.totalCount).toBe(conv.message_count);
    expect(page?.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    expect(callLines(stack.calls()).sort()).toEqual([
      `GET /v2/conversation/${conv.id}`,
      `GET /v2/conversation/${conv.id}/messages?limit=100&offset=0`,
    ]);
  });

  it('shows a team member as the sender of USER messages and no Agent for CONTACT messages', async () => {
    const { conv } = await richConversation();
    stack.resetCalls();

    const data = dataOf(await stack.gql(ConversationByIdDocument, { id: conv.id, first: 100 }));

    const nodes = present(data.conversation?.messages.edges ?? []).map((e) => e.node);
    const fromUser = nodes.filter((m) => m.sentBy === 'USER');
    const fromContact = nodes.filter((m) => m.sentBy === 'CONTACT');
    expect(fromUser.length).toBeGreaterThan(0);
    expect(fromContact.length).toBeGreaterThan(0);
    for (const m of fromUser) expect(m.sender?.id).toMatch(/^usr_/);
    for (const m of fromContact) expect(m.sender).toBeNull();
    for (const m of nodes) expect(m.contact.id).toBe(conv.contact_id);
  });

  it('pages messages oldest first: two pages make the same list as one larger page', async () => {
    const conv = conversations.find((c) => c.message_count >= 6);
    if (!conv) throw new Error('no conversation with six messages');

    const one = dataOf(await stack.gql(ConversationByIdDocument, { id: conv.id, first: 3 })).conversation;
    const two = dataOf(
      await stack.gql(ConversationByIdDocument, {
        id: conv.id,
        first: 3,
        after: one?.messages.pageInfo.endCursor,
      }),
    ).conversation;
    const both = dataOf(await stack.gql(ConversationByIdDocument, { id: conv.id, first: 6 })).conversation;

    expect([...present(one?.messages.edges ?? []), ...present(two?.messages.edges ?? [])]).toEqual(
      present(both?.messages.edges ?? []),
    );
    const sentAt = present(both?.messages.edges ?? []).map((e) => e.node.sentAt);
    expect([...sentAt].sort()).toEqual(sentAt);
    expect(one?.messages.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(two?.messages.pageInfo).toMatchObject({
      hasNextPage: conv.message_count > 6,
      hasPreviousPage: true,
    });
    expect(two?.messages.totalCount).toBe(conv.message_count);
    const lists = stack.calls().filter((c) => c.path.endsWith('/messages'));
    expect(lists.map((c) => c.query)).toEqual([
      { limit: '3', offset: '0' },
      { limit: '3', offset: '3' },
      { limit: '6', offset: '0' },
    ]);
  });

  it('gives null without an error for a conversation that does not exist', async () => {
    const res = await stack.gql(ConversationByIdDocument, { id: 'conv_doesnotexist1' });

    expect(res.body).toEqual({ data: { conversation: null } });
  });

  it('gives null with no REST call for an id that is not a conversation id', async () => {
    const res = await stack.gql(ConversationByIdDocument, { id: contacts[0]?.id ?? '' });

    expect(res.body).toEqual({ data: { conversation: null } });
    expect(stack.calls()).toEqual([]);
  });

  it('rejects a garbage messages cursor at the messages field', async () => {
    const conv = conversations[0];

    const res = await stack.gql(ConversationByIdDocument, { id: conv?.id ?? '', after: 'not-a-cursor' });

    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors?.[0]?.path).toEqual(['conversation', 'messages']);
    expect(stack.calls().filter((c) => c.path.endsWith('/messages'))).toEqual([]);
  });
});

describe('Query.conversations', () => {
  const label = () => {
    const found = conversations.find((c) => c.labels.length > 0)?.labels[0];
    if (!found) throw new Error('no labelled conversation in the seed');
    return found;
  };
  const searchTerm = () => {
    const subject = conversations.find((c) => c.subject)?.subject ?? '';
    return subject.split(' ')[0] ?? '';
  };

  const cases: [string, () => ConversationFilter, () => Record<string, string>][] = [
    ['status', () => ({ status: 'CLOSED' }), () => ({ status: 'closed' })],
    ['channel', () => ({ channel: 'WHATSAPP' }), () => ({ channel: 'whatsapp' })],
    ['assignedTo', () => ({ assignedTo: 'usr_agent1' }), () => ({ assigned_to: 'usr_agent1' })],
    ['unassigned', () => ({ unassigned: true }), () => ({ assigned_to: 'none' })],
    ['label', () => ({ label: label() }), () => ({ label: label() })],
    ['search', () => ({ search: searchTerm() }), () => ({ search: searchTerm() })],
    [
      'all of status, channel and label',
      () => ({ status: 'OPEN', channel: 'SMS', label: label() }),
      () => ({ status: 'open', channel: 'sms', label: label() }),
    ],
  ];

  it.each(cases)('maps the %s filter to the REST query parameters', async (_name, filter, params) => {
    const expectedQuery = { ...params(), sort: 'last_message_at:desc', limit: '100', offset: '0' };
    const expected = await rest<Page<Conversation>>(
      stack,
      `/conversations?${new URLSearchParams(expectedQuery)}`,
    );
    stack.resetCalls();

    const data = dataOf(await stack.gql(ConversationsPageDocument, { filter: filter(), first: 100 }));

    expect(stack.calls().map((c) => c.query)).toEqual([expectedQuery]);
    expect(present(data.conversations.nodes).map((n) => n.id)).toEqual(expected.data.map((c) => c.id));
    expect(data.conversations.totalCount).toBe(expected.pagination.total);
    expect(data.conversations.totalCount).toBeLessThan(conversations.length);
  });

  it('returns conversations that meet every condition of the filter', async () => {
    const data = dataOf(
      await stack.gql(ConversationsPageDocument, {
        filter: { status: 'OPEN', channel: 'WHATSAPP', assignedTo: 'usr_agent2' },
        first: 100,
      }),
    );

    for (const edge of present(data.conversations.edges)) {
      expect(edge.node).toMatchObject({
        status: 'OPEN',
        channel: 'WHATSAPP',
        assignedTo: { id: 'usr_agent2' },
      });
    }
    const unassigned = dataOf(
      await stack.gql(ConversationsPageDocument, { filter: { unassigned: true }, first: 100 }),
    );
    expect(unassigned.conversations.totalCount).toBeGreaterThan(0);
    for (const edge of present(unassigned.conversations.edges)) expect(edge.node.assignedTo).toBeNull();
  });

  it.each([
    ['LAST_MESSAGE_AT_DESC', 'last_message_at:desc', 'lastMessageAt'],
    ['CREATED_AT_DESC', 'created_at:desc', 'createdAt'],
  ] as const)('orders by %s through sort=%s', async (orderBy, sort, field) => {
    const data = dataOf(await stack.gql(ConversationsPageDocument, { orderBy, first: 50 }));

    expect(stack.calls().map((c) => c.query)).toEqual([{ sort, limit: '50', offset: '0' }]);
    const times = present(data.conversations.edges)
      .map((e) => e.node[field])
      .filter((t): t is string => t !== null);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('orders by LAST_MESSAGE_AT_DESC when orderBy is not given', async () => {
    dataOf(await stack.gql(ConversationsPageDocument, {}));

    expect(stack.calls().map((c) => c.query)).toEqual([
      { sort: 'last_message_at:desc', limit: '20', offset: '0' },
    ]);
  });

  it('pages with first and after: two pages make the same list as one larger page', async () => {
    const filter: ConversationFilter = { status: 'OPEN' };
    const one = dataOf(await stack.gql(ConversationsPageDocument, { filter, first: 10 })).conversations;
    const two = dataOf(
      await stack.gql(ConversationsPageDocument, { filter, first: 10, after: one.pageInfo.endCursor }),
    ).conversations;
    const both = dataOf(await stack.gql(ConversationsPageDocument, { filter, first: 20 })).conversations;

    expect([...present(one.edges), ...present(two.edges)]).toEqual(present(both.edges));
    expect(one.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(two.pageInfo.hasPreviousPage).toBe(true);
    expect(two.totalCount).toBe(conversations.filter((c) => c.status === 'open').length);
    expect(stack.calls().map((c) => c.query.offset)).toEqual(['0', '10', '0']);
  });

  it('maps every conversation field the same way as Query.conversation', async () => {
    const conv = conversations[0];
    if (!conv) throw new Error('no conversation');

    const list = dataOf(await stack.gql(ConversationsPageDocument, { first: 1 })).conversations;
    const one = dataOf(await stack.gql(ConversationByIdDocument, { id: conv.id, first: 1 })).conversation;

    const node = present(list.edges)[0]?.node;
    expect(node).toEqual({
      id: one?.id,
      status: one?.status,
      channel: one?.channel,
      labels: one?.labels,
      subject: one?.subject,
      createdAt: one?.createdAt,
      lastMessageAt: one?.lastMessageAt,
      assignedTo: one?.assignedTo ? { id: one.assignedTo.id } : null,
      contact: { id: one?.contact.id },
    });
    expect(upperOrNull(conv.channel)).toBe(node?.channel);
  });
});

describe('GraphiQL', () => {
  it('opens on a browser GET of /graphql with the default query, and loads nothing from a CDN', async () => {
    const res = await fetch(stack.url, { headers: { accept: 'text/html' } });
    const html = await res.text();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toMatch(/graphiql/i);
    expect(html).toContain('conversations(first: 5)');
    expect(html).not.toMatch(/unpkg\.com|jsdelivr\.net|cdnjs|esm\.sh/);
    expect(html).not.toMatch(/<script[^>]+src=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<link[^>]+href=["']?(https?:)?\/\//i);
    expect(stack.calls()).toEqual([]);
  });
});
