import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ContactByEmailDocument,
  ContactByIdDocument,
  ContactByPhoneDocument,
  ContactConversationsPageDocument,
  ContactLookupDocument,
  type ContactLookupQueryVariables,
  ContactsPageDocument,
  type ContactsPageQuery,
  ConversationByIdDocument,
  type ConversationFilter,
  ConversationsPageDocument,
} from '../gql/graphql.js';
import { type Contact, type Conversation, type Message, type Page, rest, restAll } from '../helpers/rest.js';
import {
  callLines,
  dataOf,
  errorCodes,
  expectedContact,
  present,
  type Stack,
  startStack,
  upper,
  upperOrNull,
} from '../helpers/stack.js';

let stack: Stack;
let contacts: Contact[];
let conversations: Conversation[];

beforeAll(async () => {
  stack = await startStack({ sandbox: { seedContacts: 40 } });
  contacts = await restAll<Contact>(stack, '/contacts');
  conversations = await restAll<Conversation>(stack, '/conversations');
});
beforeEach(() => {
  stack.resetCalls();
});
afterAll(async () => {
  await stack?.close();
});

/** A contact that exercises every field: both identifiers, a last name, a channel, nested metadata. */
function richContact(): Contact {
  const found = contacts.find(
    (c) =>
      c.phone !== null &&
      c.email !== null &&
      c.last_name !== null &&
      c.preferred_channel !== null &&
      c.last_contacted !== null &&
      Object.values(c.metadata).some((v) => typeof v === 'object' && v !== null),
  );
  if (!found) throw new Error('the seed has no contact with every field set');
  return found;
}

/** A contact with at least `n` conversations. */
function contactWithConversations(n: number): Contact {
  const counts = new Map<string, number>();
  for (const c of conversations) counts.set(c.contact_id, (counts.get(c.contact_id) ?? 0) + 1);
  const found = contacts.find((c) => (counts.get(c.id) ?? 0) >= n);
  if (!found) throw new Error(`the seed has no contact with ${n} conversations`);
  return found;
}

describe('Query.contact', () => {
  it('returns every field of a contact looked up by id, exactly as the REST API has it', async () => {
    const contact = richContact();

    const data = dataOf(await stack.gql(ContactByIdDocument, { id: contact.id }));

    expect(data.contact).toEqual(expectedContact(contact));
    expect(data.contact?.metadata).toEqual(contact.metadata);
    expect(data.contact?.preferredChannel).toMatch(/^(WHATSAPP|INSTAGRAM|SMS|EMAIL)$/);
    expect(data.contact?.status).toMatch(/^(ACTIVE|INACTIVE)$/);
    expect(callLines(stack.calls())).toEqual([`GET /v2/contact/${contact.id}`]);
  });

  it('finds the same contact by its E.164 phone number', async () => {
    const contact = richContact();

    const data = dataOf(await stack.gql(ContactByPhoneDocument, { phone: contact.phone ?? '' }));

    expect(data.contact).toEqual(expectedContact(contact));
    const calls = stack.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.method).toBe('GET');
    expect(decodeURIComponent(calls[0]?.path ?? '')).toBe(`/v2/contact/${contact.phone}`);
  });

  it('finds the same contact by its email address', async () => {
    const contact = richContact();

    const data = dataOf(await stack.gql(ContactByEmailDocument, { email: contact.email ?? '' }));

    expect(data.contact).toEqual(expectedContact(contact));
    expect(stack.calls()).toHaveLength(1);
    expect(decodeURIComponent(stack.calls()[0]?.path ?? '')).toBe(`/v2/contact/${contact.email}`);
  });

  it('shows an inactive contact as INACTIVE and a contact without a channel with a null preferredChannel', async () => {
    const inactive = contacts.find((c) => c.status === 'inactive');
    const noChannel = contacts.find((c) => c.preferred_channel === null);
    if (!inactive || !noChannel) throw new Error('the seed lacks an inactive contact or one without channel');

    const a = dataOf(await stack.gql(ContactByIdDocument, { id: inactive.id }));
    const b = dataOf(await stack.gql(ContactByIdDocument, { id: noChannel.id }));

    expect(a.contact?.status).toBe('INACTIVE');
    expect(b.contact).toEqual(expectedContact(noChannel));
    expect(b.contact?.preferredChannel).toBeNull();
  });

  it.each<[string, ContactLookupQueryVariables]>([
    ['no argument', {}],
    ['id and phone', { id: 'cnt_a1', phone: '+14155550100' }],
    ['id and email', { id: 'cnt_a1', email: 'a@example.com' }],
    ['phone and email', { phone: '+14155550100', email: 'a@example.com' }],
    ['all three', { id: 'cnt_a1', phone: '+14155550100', email: 'a@example.com' }],
    ['only nulls', { id: null, phone: null, email: null }],
  ])('rejects %s with BAD_USER_INPUT and makes no REST call', async (_label, variables) => {
    const res = await stack.gql(ContactLookupDocument, variables);

    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors?.[0]?.path).toEqual(['contact']);
    expect(res.body.data?.contact).toBeNull();
    expect(stack.calls()).toEqual([]);
  });

  it.each<[string, ContactLookupQueryVariables]>([
    ['id', { id: 'cnt_doesnotexist1' }],
    ['phone', { phone: '+14155550199' }],
    ['email', { email: 'nobody-at-all@example.org' }],
  ])('gives null without an error for a %s that matches no contact', async (_label, variables) => {
    const res = await stack.gql(ContactLookupDocument, variables);

    expect(res.body).toEqual({ data: { contact: null } });
    expect(stack.calls().map((c) => c.status)).toEqual([404]);
  });
});

describe('Query.contacts', () => {
  it('returns the first page newest first with cursors, pageInfo and totalCount', async () => {
    const data = dataOf(await stack.gql(ContactsPageDocument, { first: 5 }));

    const page = data.contacts;
    const edges = present(page.edges);
    expect(page.totalCount).toBe(contacts.length);
    expect(edges.map((e) => e.node.id)).toEqual(contacts.slice(0, 5).map((c) => c.id));
    expect(present(page.nodes)).toEqual(
      contacts.slice(0, 5).map((c) => ({ id: c.id, fullName: c.full_name, email: c.email, phone: c.phone })),
    );
    expect(new Set(edges.map((e) => e.cursor)).size).toBe(5);
    expect(page.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor,
      endCursor: edges[4]?.cursor,
    });
    expect(callLines(stack.calls())).toEqual(['GET /v2/contacts?limit=5&offset=0']);
  });

  it('asks for 20 contacts when first is not given', async () => {
    const data = dataOf(await stack.gql(ContactsPageDocument, {}));

    expect(data.contacts.edges).toHaveLength(20);
    expect(callLines(stack.calls())).toEqual(['GET /v2/contacts?limit=20&offset=0']);
  });

  it('continues after endCursor so that two pages make the same list as one larger page', async () => {
    const one = dataOf(await stack.gql(ContactsPageDocument, { first: 7 })).contacts;
    const two = dataOf(
      await stack.gql(ContactsPageDocument, { first: 7, after: one.pageInfo.endCursor }),
    ).contacts;
    const both = dataOf(await stack.gql(ContactsPageDocument, { first: 14 })).contacts;

    expect([...present(one.edges), ...present(two.edges)]).toEqual(present(both.edges));
    expect([...present(one.nodes), ...present(two.nodes)]).toEqual(present(both.nodes));
    expect(two.pageInfo.hasPreviousPage).toBe(true);
    expect(two.pageInfo.startCursor).toBe(present(both.edges)[7]?.cursor);
    expect(two.totalCount).toBe(contacts.length);
    expect(callLines(stack.calls())).toEqual([
      'GET /v2/contacts?limit=7&offset=0',
      'GET /v2/contacts?limit=7&offset=7',
      'GET /v2/contacts?limit=14&offset=0',
    ]);
  });

  it('walks every contact page by page until hasNextPage is false', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: ContactsPageQuery['contacts'] = dataOf(
        await stack.gql(ContactsPageDocument, { first: 15, after }),
      ).contacts;
      seen.push(...present(page.nodes).map((n) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }

    expect(seen).toEqual(contacts.map((c) => c.id));
    expect(stack.calls()).toHaveLength(Math.ceil(contacts.length / 15));
  });

  it('gives an empty page with null cursors past the end', async () => {
    const last = dataOf(await stack.gql(ContactsPageDocument, { first: 100 })).contacts;
    const past = dataOf(await stack.gql(ContactsPageDocument, { after: last.pageInfo.endCursor })).contacts;

    expect(last.pageInfo.hasNextPage).toBe(false);
    expect(past).toEqual({
      totalCount: contacts.length,
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null },
      edges: [],
      nodes: [],
    });
  });

  it('passes search to the REST list and returns what it matches', async () => {
    const term = richContact().last_name ?? '';
    const expected = await rest<Page<Contact>>(
      stack,
      `/contacts?search=${encodeURIComponent(term)}&limit=20`,
    );
    stack.resetCalls();

    const data = dataOf(await stack.gql(ContactsPageDocument, { search: term }));

    expect(present(data.contacts.nodes).map((n) => n.id)).toEqual(expected.data.map((c) => c.id));
    expect(data.contacts.totalCount).toBe(expected.pagination.total);
    expect(data.contacts.totalCount).toBeGreaterThan(0);
    expect(stack.calls().map((c) => c.query)).toEqual([{ search: term, limit: '20', offset: '0' }]);
  });
});

describe('page sizes and cursors', () => {
  it.each([0, 101, -1])(
    'rejects first: %i on contacts and conversations with no REST call',
    async (first) => {
      const a = await stack.gql(ContactsPageDocument, { first });
      const b = await stack.gql(ConversationsPageDocument, { first });

      expect(errorCodes(a)).toEqual(['BAD_USER_INPUT']);
      expect(a.body.errors?.[0]?.path).toEqual(['contacts']);
      expect(errorCodes(b)).toEqual(['BAD_USER_INPUT']);
      expect(b.body.errors?.[0]?.path).toEqual(['conversations']);
      expect(stack.calls()).toEqual([]);
    },
  );

  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  it.each([
    'garbage',
    'YXJyYXljb25uZWN0aW9uOi0z',
    '%%%',
    'cnt_zubq520217a2',
    '',
    b64('OffsetConnection:1e999'),
    b64('OffsetConnection:1.5'),
    b64('OffsetConnection: 1'),
    b64('OffsetConnection:01'),
    b64('OffsetConnection:-1'),
    b64('OffsetConnection:99999999999999999999'),
    `${b64('OffsetConnection:1')}\n`,
  ])('rejects the cursor %j as after with BAD_USER_INPUT and no REST call', async (after) => {
    const a = await stack.gql(ContactsPageDocument, { after });
    const b = await stack.gql(ConversationsPageDocument, { after });

    expect(errorCodes(a)).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(b)).toEqual(['BAD_USER_INPUT']);
    expect(stack.calls()).toEqual([]);
  });

  it('accepts first: 1 and first: 100, the ends of the range', async () => {
    const one = dataOf(await stack.gql(ConversationsPageDocument, { first: 1 }));
    const hundred = dataOf(await stack.gql(ConversationsPageDocument, { first: 100 }));

    expect(one.conversations.edges).toHaveLength(1);
    expect(hundred.conversations.edges).toHaveLength(100);
    expect(stack.calls().map((c) => c.query.limit)).toEqual(['1', '100']);
  });

  it('fails only the nested connection whose first is out of range, with no list call for it', async () => {
    const contact = contactWithConversations(2);

    const res = await stack.gql(ContactConversationsPageDocument, { id: contact.id, first: 0 });

    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors?.[0]?.path).toEqual(['contact', 'conversations']);
    expect(callLines(stack.calls())).toEqual([`GET /v2/contact/${contact.id}`]);
  });
});

describe('Contact.conversations', () => {
  it("lists a contact's conversations through GET /contact/{id}/conversations", async () => {
    const contact = contactWithConversations(10);
    const expected = await rest<Page<Conversation>>(stack, `/contact/${contact.id}/conversations?limit=20`);
    stack.resetCalls();

    const data = dataOf(await stack.gql(ContactConversationsPageDocument, { id: contact.id }));

    const page = data.contact?.conversations;
    expect(present(page?.edges ?? []).map((e) => e.node)).toEqual(
      expected.data.map((c) => ({
        id: c.id,
        status: upper(c.status),
        channel: upper(c.channel),
        contact: { id: contact.id },
      })),
    );
    expect(page?.totalCount).toBe(expected.pagination.total);
    expect(page?.pageInfo.hasNextPage).toBe(expected.pagination.has_more);
    expect(callLines(stack.calls()).sort()).toEqual([
      `GET /v2/contact/${contact.id}`,
      `GET /v2/contact/${contact.id}/conversations?limit=20&offset=0`,
    ]);
  });

  it('sends status and channel as REST parameters and returns only matching conversations', async () => {
    const conv = conversations.find((c) => c.status === 'open');
    if (!conv) throw new Error('no open conversation in the seed');
    const expected = conversations.filter(
      (c) => c.contact_id === conv.contact_id && c.status === 'open' && c.channel === conv.channel,
    );

    const data = dataOf(
      await stack.gql(ContactConversationsPageDocument, {
        id: conv.contact_id,
        status: 'OPEN',
        channel: upper(conv.channel) as 'SMS',
      }),
    );

    const nodes = present(data.contact?.conversations.edges ?? []).map((e) => e.node);
    expect(nodes.map((n) => n.id).sort()).toEqual(expected.map((c) => c.id).sort());
    for (const n of nodes) expect([n.status, n.channel]).toEqual(['OPEN', upper(conv.channel)]);
    const list = stack.calls().find((c) => c.path.endsWith('/conversations'));
    expect(list?.query).toEqual({ status: 'open', channel: conv.channel, limit: '20', offset: '0' });
  });

  it('pages with first and after: two pages make the same list as one larger page', async () => {
    const contact = contactWithConversations(10);

    const one = dataOf(await stack.gql(ContactConversationsPageDocument, { id: contact.id, first: 4 }));
    const cursor = one.contact?.conversations.pageInfo.endCursor;
    const two = dataOf(
      await stack.gql(ContactConversationsPageDocument, { id: contact.id, first: 4, after: cursor }),
    );
    const both = dataOf(await stack.gql(ContactConversationsPageDocument, { id: contact.id, first: 8 }));

    expect([
      ...present(one.contact?.conversations.edges ?? []),
      ...present(two.contact?.conversations.edges ?? []),
    ]).toEqual(present(both.contact?.conversations.edges ?? []));
    expect(one.contact?.conversations.pageInfo.hasPreviousPage).toBe(false);
    expect(two.contact?.conversations.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const lists = stack.calls().filter((c) => c.path.endsWith('/conversations'));
    expect(lists.map((c) => c.query)).toEqual([
      { limit: '4', offset: '0' },
      { limit: '4', offset: '4' },
      { limit: '8', offset: '0' },
    ]);
  });
});

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
