import { describe, expect, it } from 'vitest';
import {
  ContactByEmailDocument,
  ContactByIdDocument,
  ContactByPhoneDocument,
  ContactConversationsPageDocument,
  ContactLookupDocument,
  type ContactLookupQueryVariables,
  ContactsPageDocument,
  type ContactsPageQuery,
  ConversationsPageDocument,
} from '../gql/graphql.js';
import { type Contact, type Conversation, type Page, rest } from '../helpers/rest.js';
import { contacts, conversations, stack, useSeededStack } from '../helpers/seeded-stack.js';
import { callLines, dataOf, errorCodes, expectedContact, present, upper } from '../helpers/stack.js';

useSeededStack(40);

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
