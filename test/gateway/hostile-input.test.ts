import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorsContactByEmailDocument,
  ErrorsContactByIdDocument,
  ErrorsContactByPhoneDocument,
  ErrorsContactsSearchDocument,
  ErrorsConversationByIdDocument,
  ErrorsConversationsDocument,
  ErrorsCreateContactDocument,
  ErrorsDeleteContactDocument,
  ErrorsNodeDocument,
  ErrorsNodesDocument,
  ErrorsSendMessageDocument,
  ErrorsUpdateContactDocument,
  ErrorsUpdateConversationDocument,
} from '../gql/graphql.js';
import { describeCalls, type GraphQLResponse, type Stack, startStack } from '../helpers/stack.js';

/**
 * CONTRACT §3: an id that could change the REST path never reaches a URL. Each of these is either
 * not a HueChat id at all or would change the route, the query or the headers if it were pasted in.
 * The stack's client sends variables with JSON.stringify, so lone surrogates travel as "\ud800" escapes.
 */
const HOSTILE_IDS: [string, string][] = [
  ['a dot-dot segment', '..'],
  ['a single dot', '.'],
  ['an empty string', ''],
  ['a traversal after the prefix', 'cnt_../x'],
  ['an encoded slash', 'cnt_%2F'],
  ['an encoded dot-dot', 'cnt_%2E%2E'],
  ['a slash', 'cnt_a/b'],
  ['a conversation dot-dot', 'conv_..'],
  ['a backslash traversal', 'cnt_a\\..\\b'],
  ['a query string', 'cnt_a?limit=1000'],
  ['a fragment', 'cnt_a#b'],
  ['a NUL byte', 'cnt_a\u0000b'],
  ['a newline', 'cnt_a\nb'],
  ['a header injection', 'cnt_a\r\nX-API-Key: sk_test_other'],
  ['a DEL character', 'cnt_a\u007f'],
  ['a lone high surrogate', 'cnt_\ud800'],
  ['a lone low surrogate', 'conv_\udfff'],
  ['a space', 'cnt_a b'],
  ['a non-ASCII letter', 'cnt_ä'],
  ['a bare prefix', 'cnt_'],
  ['an id 65 characters past the prefix', `cnt_${'a'.repeat(65)}`],
  ['a 100,000-character id', `conv_${'a'.repeat(100_000)}`],
  ['an absolute URL', 'http://example.com/v2/contacts'],
  ['a message id', 'msg_abc123'],
];

const errorsOf = (res: GraphQLResponse<unknown>) =>
  (res.body.errors ?? []).map(({ message, path, extensions }) => ({ message, path, extensions }));

function expectNoLeak(res: GraphQLResponse<unknown>) {
  for (const secret of ['sk_test_sandbox', stack.sandbox.origin, `:${stack.sandbox.port}`]) {
    expect(res.text, `response leaks ${secret}`).not.toContain(secret);
  }
  expect(res.text).not.toContain('INTERNAL_SERVER_ERROR');
  expect(res.text.toLowerCase()).not.toContain('stack');
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ sandbox: { seedContacts: 3 } });
});
beforeEach(() => stack.resetCalls());
afterAll(() => stack.close());

const badId = (argument: string, kind: 'contact' | 'conversation', field: string) => {
  const reason = `must be a HueChat ${kind} id (${kind === 'contact' ? 'cnt_' : 'conv_'}…)`;
  return {
    message: `${argument}: ${reason}`,
    path: [field],
    extensions: { code: 'BAD_USER_INPUT', details: { field: argument, reason } },
  };
};

describe.each([
  ['contact(id:)', (id: string) => stack.gql(ErrorsContactByIdDocument, { id }), { contact: null }],
  [
    'conversation(id:)',
    (id: string) => stack.gql(ErrorsConversationByIdDocument, { id }),
    { conversation: null },
  ],
  ['node(id:)', (id: string) => stack.gql(ErrorsNodeDocument, { id }), { node: null }],
] as const)('%s', (_field, lookup, nothing) => {
  it.each(HOSTILE_IDS)('is null for %s, with no upstream call', async (_case, id) => {
    const res = await lookup(id);

    expect(res.body).toEqual({ data: nothing });
    expect(stack.calls()).toEqual([]);
  });
});

describe('nodes(ids:)', () => {
  it('is null for every hostile id, in order, with no upstream call', async () => {
    const res = await stack.gql(ErrorsNodesDocument, { ids: HOSTILE_IDS.map(([, id]) => id) });

    expect(res.body).toEqual({ data: { nodes: HOSTILE_IDS.map(() => null) } });
    expect(stack.calls()).toEqual([]);
  });

  it('takes 100 ids', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `cnt_../${i}`);

    const res = await stack.gql(ErrorsNodesDocument, { ids });

    expect(res.body).toEqual({ data: { nodes: ids.map(() => null) } });
  });

  it('refuses 101 ids as BAD_USER_INPUT before any upstream call', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `cnt_${String(i).padStart(6, '0')}`);

    const res = await stack.gql(ErrorsNodesDocument, { ids });
    expectNoLeak(res);

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([
      {
        message: 'ids: at most 100 ids',
        path: ['nodes'],
        extensions: { code: 'BAD_USER_INPUT', details: { field: 'ids', reason: 'at most 100 ids' } },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });
});

describe.each([
  [
    'updateContact',
    (id: string) => stack.gql(ErrorsUpdateContactDocument, { id, input: { firstName: 'Mallory' } }),
    badId('id', 'contact', 'updateContact'),
  ],
  [
    'deleteContact',
    (id: string) => stack.gql(ErrorsDeleteContactDocument, { id }),
    badId('id', 'contact', 'deleteContact'),
  ],
  [
    'sendMessage',
    (id: string) =>
      stack.gql(ErrorsSendMessageDocument, { contactId: id, input: { channel: 'SMS', content: 'Hi' } }),
    badId('contactId', 'contact', 'sendMessage'),
  ],
  [
    'updateConversation',
    (id: string) => stack.gql(ErrorsUpdateConversationDocument, { id, input: { status: 'CLOSED' } }),
    badId('id', 'conversation', 'updateConversation'),
  ],
] as const)('%s', (_mutation, mutate, refused) => {
  it.each(HOSTILE_IDS)('refuses %s as BAD_USER_INPUT, with no upstream call', async (_case, id) => {
    const res = await mutate(id);
    expectNoLeak(res);

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([refused]);
    expect(stack.calls()).toEqual([]);
  });
});

describe('other values that end up in a URL', () => {
  it('refuses an assignee that is not a user id, in a mutation and in a filter', async () => {
    const reason = 'must be a HueChat agent id (usr_…)';
    const update = await stack.gql(ErrorsUpdateConversationDocument, {
      id: 'conv_abc123',
      input: { assignedTo: 'usr_../../contacts' },
    });
    const filter = await stack.gql(ErrorsConversationsDocument, { filter: { assignedTo: 'usr_a&limit=1' } });

    expect(errorsOf(update)).toEqual([
      {
        message: `input.assignedTo: ${reason}`,
        path: ['updateConversation'],
        extensions: { code: 'BAD_USER_INPUT', details: { field: 'input.assignedTo', reason } },
      },
    ]);
    expect(errorsOf(filter)).toEqual([
      {
        message: `filter.assignedTo: ${reason}`,
        path: ['conversations'],
        extensions: { code: 'BAD_USER_INPUT', details: { field: 'filter.assignedTo', reason } },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it.each([
    ['phone', '+1415555\ud800'],
    ['email', 'jane\ud800@example.com'],
  ])(
    'refuses a %s lookup with a lone surrogate as BAD_USER_INPUT, with no upstream call',
    async (kind, value) => {
      const res =
        kind === 'phone'
          ? await stack.gql(ErrorsContactByPhoneDocument, { phone: value })
          : await stack.gql(ErrorsContactByEmailDocument, { email: value });
      expectNoLeak(res);

      const expected =
        kind === 'phone'
          ? {
              message: 'PhoneNumber must be an E.164 phone number such as +14155550123',
              expected: 'an E.164 phone number such as +14155550123',
            }
          : {
              message: 'EmailAddress must be an email address such as jane@example.com',
              expected: 'an email address such as jane@example.com',
            };
      expect(errorsOf(res)).toEqual([
        {
          message: expected.message,
          path: undefined,
          extensions: {
            code: 'BAD_USER_INPUT',
            details: { reason: 'invalid_format', expected: expected.expected, received: value },
          },
        },
      ]);
      expect(stack.calls()).toEqual([]);
    },
  );

  it('keeps an email address with slashes and a query in one encoded path segment', async () => {
    const email = 'a/../../contacts?limit=1000@example.com';

    const res = await stack.gql(ErrorsContactByEmailDocument, { email });

    expect(res.body).toEqual({ data: { contact: null } });
    expect(stack.calls().map((c) => ({ path: c.path, query: c.query, status: c.status }))).toEqual([
      { path: '/v2/contact/a%2F..%2F..%2Fcontacts%3Flimit%3D1000@example.com', query: {}, status: 404 },
    ]);
  });

  it('keeps a search with &, = and # inside the one search parameter', async () => {
    const search = 'x&limit=1000&offset=5#frag';

    const res = await stack.gql(ErrorsContactsSearchDocument, { search });

    expect(res.body).toEqual({ data: { contacts: { totalCount: 0 } } });
    expect(describeCalls(stack.calls())).toEqual(['GET /v2/contacts']);
    expect(stack.calls()[0].query).toEqual({ search, limit: '1', offset: '0' });
  });

  it('answers a search with a lone surrogate without an internal error', async () => {
    const res = await stack.gql(ErrorsContactsSearchDocument, { search: 'x\ud800' });
    expectNoLeak(res);

    expect(res.body).toEqual({ data: { contacts: { totalCount: 0 } } });
    expect(stack.calls()).toHaveLength(1);
  });
});

describe('inputs HueChat would refuse are refused first', () => {
  const someContact = async () =>
    (
      await stack.gql<{ contacts: { nodes: { id: string }[] } }, object>(
        '{ contacts(first: 1) { nodes { id } } }',
      )
    ).body.data?.contacts.nodes[0]?.id ?? '';

  it.each([
    ['createContact', 'metadata: cannot be null; leave it out for empty metadata'],
    ['updateContact', 'metadata: cannot be null; set a key to null inside metadata to remove that key'],
  ])('refuses metadata: null in %s as BAD_USER_INPUT, with no upstream call', async (mutation, message) => {
    const id = await someContact();
    stack.resetCalls();
    const res =
      mutation === 'createContact'
        ? await stack.gql(ErrorsCreateContactDocument, {
            input: { firstName: 'Null', email: 'null-metadata@example.com', metadata: null },
          })
        : await stack.gql(ErrorsUpdateContactDocument, { id, input: { metadata: null } });

    expectNoLeak(res);
    expect(errorsOf(res)).toEqual([
      {
        message: `input.${message}`,
        path: [mutation],
        extensions: {
          code: 'BAD_USER_INPUT',
          details: { field: 'input.metadata', reason: message.replace('metadata: ', '') },
        },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it.each([
    'javascript:alert(1)',
    'data:image/png;base64,AAAA',
    'file:///etc/passwd',
    'ftp://example.com/a.png',
  ])('refuses the media URL %s as BAD_USER_INPUT, with no upstream call', async (mediaUrl) => {
    const contactId = await someContact();
    stack.resetCalls();
    const res = await stack.gql(ErrorsSendMessageDocument, {
      contactId,
      input: { channel: 'EMAIL', messageType: 'IMAGE', mediaUrl },
    });

    expectNoLeak(res);
    expect(errorsOf(res)).toEqual([
      {
        message: 'input.mediaUrl: must be an http or https URL',
        path: ['sendMessage'],
        extensions: {
          code: 'BAD_USER_INPUT',
          details: { field: 'input.mediaUrl', reason: 'must be an http or https URL' },
        },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it('refuses a bare word inside a JSON literal instead of dropping the key', async () => {
    const id = await someContact();
    stack.resetCalls();
    const res = await stack.gql(
      `mutation { updateContact(id: "${id}", input: { metadata: { tier: GOLD } }) { id } }`,
    );

    expectNoLeak(res);
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors?.[0]?.message).toContain('GOLD');
    expect(stack.calls()).toEqual([]);
  });
});
