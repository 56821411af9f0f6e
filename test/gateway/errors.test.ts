import {
  type GraphQLOutputType,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_KEYS, type FaultRule } from '../../src/sandbox/index.js';
import { schema } from '../../src/schema/index.js';
import {
  type ConversationStatus,
  ErrorsContactByEmailDocument,
  ErrorsContactByIdDocument,
  ErrorsContactByPhoneDocument,
  ErrorsContactConversationsPageDocument,
  ErrorsContactsPageDocument,
  ErrorsConversationByIdDocument,
  ErrorsConversationsDocument,
  ErrorsCreateContactDocument,
  ErrorsDeleteContactDocument,
  ErrorsInboxDocument,
  ErrorsSendMessageDocument,
  ErrorsTwoContactsDocument,
  ErrorsTwoConversationsMessagesDocument,
  ErrorsUpdateContactDocument,
  ErrorsUpdateConversationDocument,
} from '../gql/graphql.js';
import { closedPort } from '../helpers/http.js';
import {
  describeCalls,
  type GraphQLResponse,
  SANDBOX_KEY,
  type Stack,
  startStack,
} from '../helpers/stack.js';
import { ManualClock } from '../helpers/time.js';

const LIMITED_KEY = 'sk_test_errors_limited';
const REQUEST_ID = expect.stringMatching(/^req_/);
const QUIET_FAULTS = { hangMs: 5_000 };
const MISSING_CONTACT = 'cnt_missing000000';
const MISSING_CONVERSATION = 'conv_missing000000';

type PathSegment = string | number;
interface RestConversation {
  id: string;
  contact_id: string;
  message_count: number;
}

/** What a test compares: everything a client relies on, without source locations. */
const errorsOf = (res: GraphQLResponse<unknown>) =>
  (res.body.errors ?? []).map(({ message, path, extensions }) => ({ message, path, extensions }));

/** A value the typed documents would refuse, sent on purpose. */
const unchecked = <T>(value: unknown) => value as T;

let phoneCounter = 0;
/** Country code 99 is unassigned: these never collide with the seeded contacts. */
const uniquePhone = () =>
  `+9912${String(process.pid % 1000).padStart(3, '0')}${String(++phoneCounter).padStart(4, '0')}`;
const uniqueEmail = () => `errors-${process.pid}-${++phoneCounter}@example.com`;

/** Fails the test when an error response names the upstream, a key, a stack or a raw REST body. */
function expectNoLeak(stack: Stack, res: GraphQLResponse<unknown>) {
  const text = res.text;
  for (const secret of [
    stack.sandbox.origin,
    stack.client.origin,
    new URL(stack.client.origin).host,
    `:${stack.sandbox.port}`,
    '127.0.0.1',
    'localhost',
    'sk_test',
    '/v2/',
  ]) {
    expect(text, `response leaks ${secret}`).not.toContain(secret);
  }
  // Only the errors: partial data may hold a contact named Stackhouse.
  const errors = JSON.stringify(res.body.errors ?? []);
  expect(errors.toLowerCase()).not.toContain('stack');
  expect(errors).not.toMatch(/\bat (?:async )?[\w$.<>]+ \(|\bat (?:file|node):|\.[jt]s:\d+:\d+/);
  // Fields only a raw REST error body (SPEC §3.8) or the truncated fault body would carry.
  expect(text).not.toMatch(/"request_id"|"timestamp"|"code":\d|"retry_after"/);
  expect(text).not.toContain('{"data":[{"id":"cnt_"');
}

/** Runs an operation; every answer with errors is checked for leaks on the way. */
function sender(stack: () => Stack): Stack['gql'] {
  return async (document, variables, options) => {
    const res = await stack().gql(document, variables, options);
    if (res.body.errors) expectNoLeak(stack(), res);
    return res;
  };
}

/** The path where a field error ends up: the field itself or its nearest nullable ancestor (spec §6.4.4). */
function nearestNullable(path: readonly PathSegment[]): PathSegment[] {
  const query = schema.getQueryType();
  if (!query) throw new Error('the schema has no Query type');
  let type: GraphQLOutputType = query;
  let depth = 0;
  path.forEach((segment, i) => {
    if (typeof segment === 'number') {
      const list = getNullableType(type);
      if (!isListType(list)) throw new Error(`${String(segment)} indexes a non-list`);
      type = list.ofType;
    } else {
      const parent = getNamedType(type);
      if (!isObjectType(parent) && !isInterfaceType(parent)) throw new Error(`${segment} on a leaf`);
      type = parent.getFields()[segment].type;
    }
    if (!isNonNullType(type)) depth = i + 1;
  });
  return path.slice(0, depth);
}

function withNullAt<T>(data: T, path: readonly PathSegment[]): unknown {
  if (path.length === 0) return null;
  const copy = structuredClone(data) as Record<PathSegment, unknown>;
  let parent: Record<PathSegment, unknown> = copy;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<PathSegment, unknown>;
  parent[path[path.length - 1]] = null;
  return copy;
}

async function rest<T>(stack: Stack, path: string): Promise<T> {
  const res = await fetch(`${stack.sandbox.url}${path}`, { headers: { 'x-api-key': SANDBOX_KEY } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

const callsTo = (stack: Stack, method: string, path: string) =>
  stack.calls().filter((c) => c.method === method && c.path === `/v2${path}`);

let stack: Stack;
const gql = sender(() => stack);
let contactIds: string[];
let conversations: RestConversation[];

beforeAll(async () => {
  stack = await startStack({
    sandbox: {
      seedContacts: 20,
      keys: [...DEFAULT_KEYS, { key: LIMITED_KEY, organizationId: 'org_demo', rateLimitPerMinute: 2 }],
      faults: QUIET_FAULTS,
    },
  });
  contactIds = (await rest<{ data: { id: string }[] }>(stack, '/contacts?limit=100')).data.map((c) => c.id);
  conversations = (await rest<{ data: RestConversation[] }>(stack, '/conversations?limit=100')).data;
});
beforeEach(() => stack.resetCalls());
afterEach(() => stack.sandbox.setFaults(QUIET_FAULTS));
afterAll(() => stack.close());

const fault = (rule: FaultRule) => stack.sandbox.setFaults({ ...QUIET_FAULTS, rules: [rule] });

/** Creates a contact straight in the sandbox: setup that does not depend on the mutation under test. */
async function createContact(input: { phone?: string; email?: string }): Promise<string> {
  const res = await fetch(`${stack.sandbox.url}/contact`, {
    method: 'POST',
    headers: { 'x-api-key': SANDBOX_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ first_name: 'Errors', ...input }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('invalid arguments are BAD_USER_INPUT before any upstream call', () => {
  it('rejects a phone number that is not E.164', async () => {
    const res = await gql(ErrorsContactByPhoneDocument, { phone: '4155550123' });

    expect(res.body.data).toBeUndefined();
    expect(errorsOf(res)).toEqual([
      {
        message: 'PhoneNumber must be an E.164 phone number such as +14155550123',
        path: undefined,
        extensions: {
          code: 'BAD_USER_INPUT',
          details: {
            reason: 'invalid_format',
            expected: 'an E.164 phone number such as +14155550123',
            received: '4155550123',
          },
        },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it('rejects an email address without a domain', async () => {
    const res = await gql(ErrorsContactByEmailDocument, { email: 'jane@' });

    expect(errorsOf(res)).toEqual([
      {
        message: 'EmailAddress must be an email address such as jane@example.com',
        path: undefined,
        extensions: {
          code: 'BAD_USER_INPUT',
          details: {
            reason: 'invalid_format',
            expected: 'an email address such as jane@example.com',
            received: 'jane@',
          },
        },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it.each([
    ['an array', [1, 2]],
    ['a string', 'vip'],
    ['a number', 42],
  ])('rejects JSON metadata that is %s instead of an object', async (_kind, metadata) => {
    const res = await gql(ErrorsCreateContactDocument, {
      input: {
        firstName: 'Jane',
        phone: uniquePhone(),
        metadata: unchecked<Record<string, unknown>>(metadata),
      },
    });

    expect(res.body.data).toBeUndefined();
    expect(errorsOf(res)).toEqual([
      {
        message: 'JSON input must be an object',
        path: undefined,
        extensions: { code: 'BAD_USER_INPUT', details: { reason: 'expected_object' } },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it.each([0, -1, 101])('rejects first: %i, outside 1..100', async (first) => {
    const res = await gql(ErrorsContactsPageDocument, { first });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([
      {
        message: 'first: first must be between 1 and 100',
        path: ['contacts'],
        extensions: {
          code: 'BAD_USER_INPUT',
          details: { field: 'first', reason: 'first must be between 1 and 100' },
        },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it('fails only the field with a bad page size: the nullable contact above it is null, the sibling resolves', async () => {
    const [id, sibling] = contactIds;
    const res = await gql(ErrorsContactConversationsPageDocument, { id, first: 500, sibling });

    expect(errorsOf(res)).toEqual([
      {
        message: 'first: first must be between 1 and 100',
        path: ['contact', 'conversations'],
        extensions: {
          code: 'BAD_USER_INPUT',
          details: { field: 'first', reason: 'first must be between 1 and 100' },
        },
      },
    ]);
    expect(res.body.data).toEqual({ contact: null, sibling: { id: sibling, fullName: expect.any(String) } });
    // The contacts themselves are read; the conversation list with the bad size never is.
    expect(describeCalls(stack.calls()).sort()).toEqual(
      [`GET /v2/contact/${id}`, `GET /v2/contact/${sibling}`].sort(),
    );
  });

  it('rejects an unknown enum value in a variable as BAD_USER_INPUT, not as an internal error', async () => {
    const res = await gql(ErrorsConversationsDocument, {
      filter: { status: unchecked<ConversationStatus>('BOGUS') },
    });

    expect(errorsOf(res)).toEqual([
      {
        message:
          'Variable "$filter" got invalid value "BOGUS" at "filter.status"; Value "BOGUS" does not exist in "ConversationStatus" enum.',
        path: undefined,
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it('rejects a variable of the wrong type and a missing required input field as BAD_USER_INPUT', async () => {
    const wrongType = await gql(ErrorsContactsPageDocument, { first: unchecked<number>('ten') });
    const missingField = await gql(ErrorsCreateContactDocument, {
      input: unchecked<{ firstName: string }>({ phone: uniquePhone() }),
    });

    expect(errorsOf(wrongType)).toEqual([
      {
        message: 'Variable "$first" got invalid value "ten"; Int cannot represent non-integer value: "ten"',
        path: undefined,
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expect(errorsOf(missingField)).toEqual([
      {
        message: expect.stringContaining('Field "firstName" of required type "String!" was not provided.'),
        path: undefined,
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it('rejects the same mistakes written into the document as BAD_USER_INPUT, not as a validation failure', async () => {
    const cases = [
      ['{ contacts(first: "ten") { totalCount } }', 'Int cannot represent non-integer value: "ten"'],
      ['{ contacts(first: 1.5) { totalCount } }', 'Int cannot represent non-integer value: 1.5'],
      [
        '{ conversations(orderBy: NEWEST) { totalCount } }',
        'Value "NEWEST" does not exist in "ConversationOrder" enum.',
      ],
      [
        'mutation { createContact(input: { phone: "+14155550100" }) { id } }',
        'Field "CreateContactInput.firstName" of required type "String!" was not provided.',
      ],
    ] as const;
    for (const [query, message] of cases) {
      const res = await gql(query);
      expect(errorsOf(res), query).toEqual([
        { message, path: undefined, extensions: { code: 'BAD_USER_INPUT' } },
      ]);
    }
    // A field that does not exist is a broken document, not bad input.
    const unknown = await gql('{ contacts { nope } }');
    expect(unknown.body.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(stack.calls()).toEqual([]);
  });

  it('rejects a TEXT message without content', async () => {
    const res = await gql(ErrorsSendMessageDocument, {
      contactId: contactIds[0],
      input: { channel: 'SMS', messageType: 'TEXT' },
    });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([
      {
        message: 'input.content: content is required for TEXT messages',
        path: ['sendMessage'],
        extensions: {
          code: 'BAD_USER_INPUT',
          details: { field: 'input.content', reason: 'content is required for TEXT messages' },
        },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it('answers a request error with HTTP 400 to application/graphql-response+json clients and 200 to JSON ones', async () => {
    const accept = (type: string) => ({ headers: { accept: type } });
    const modern = await gql(
      ErrorsContactByPhoneDocument,
      { phone: 'nope' },
      accept('application/graphql-response+json'),
    );
    const legacy = await gql(ErrorsContactByPhoneDocument, { phone: 'nope' }, accept('application/json'));

    expect(modern.status).toBe(400);
    expect(legacy.status).toBe(200);
    expect(errorsOf(modern)).toEqual(errorsOf(legacy));
    expect(errorsOf(modern)[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('an upstream 400 is BAD_USER_INPUT with the upstream facts and camelCase details', () => {
  it('passes on what the upstream rejected when the gateway let a value through', async () => {
    // The gateway's E.164 check allows 2 to 15 digits; the upstream wants at least 7.
    const res = await gql(ErrorsCreateContactDocument, { input: { firstName: 'Short', phone: '+123' } });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([
      {
        message: 'Phone number must be in E.164 format',
        path: ['createContact'],
        extensions: {
          code: 'BAD_USER_INPUT',
          upstream: { status: 400, error: 'invalid_input', requestId: REQUEST_ID },
          details: {
            field: 'phone',
            reason: 'must be in E.164 format',
            received: '+123',
            expected: 'E.164 phone number, e.g. +14155550123',
          },
        },
      },
    ]);
    expect(describeCalls(stack.calls())).toEqual(['POST /v2/contact']);
  });

  it('leaves details out when the upstream 400 has none', async () => {
    fault({ kind: 'status', status: 400, method: 'POST', path: '/contact' });

    const res = await gql(ErrorsCreateContactDocument, {
      input: { firstName: 'Jane', phone: uniquePhone() },
    });

    expect(errorsOf(res)).toEqual([
      {
        message: 'Request failed with status 400',
        path: ['createContact'],
        extensions: {
          code: 'BAD_USER_INPUT',
          upstream: { status: 400, error: 'invalid_input', requestId: REQUEST_ID },
        },
      },
    ]);
    expect(describeCalls(stack.calls())).toEqual(['POST /v2/contact']);
  });
});

describe('NOT_FOUND where a value was required, null where a lookup may find nothing', () => {
  const contactNotFound = {
    message: `Contact not found: ${MISSING_CONTACT}`,
    extensions: {
      code: 'NOT_FOUND',
      upstream: { status: 404, error: 'not_found', requestId: REQUEST_ID },
      details: { resource: 'contact', identifier: MISSING_CONTACT },
    },
  };

  it('updateContact of an unknown id is NOT_FOUND', async () => {
    const res = await gql(ErrorsUpdateContactDocument, { id: MISSING_CONTACT, input: { firstName: 'X' } });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([{ ...contactNotFound, path: ['updateContact'] }]);
    expect(describeCalls(stack.calls())).toEqual([`PUT /v2/contact/${MISSING_CONTACT}`]);
  });

  it('deleteContact of an unknown id is NOT_FOUND', async () => {
    const res = await gql(ErrorsDeleteContactDocument, { id: MISSING_CONTACT });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([{ ...contactNotFound, path: ['deleteContact'] }]);
    expect(describeCalls(stack.calls())).toEqual([`DELETE /v2/contact/${MISSING_CONTACT}`]);
  });

  it('sendMessage to an unknown contact is NOT_FOUND', async () => {
    const res = await gql(ErrorsSendMessageDocument, {
      contactId: MISSING_CONTACT,
      input: { channel: 'SMS', content: 'Hello' },
    });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([{ ...contactNotFound, path: ['sendMessage'] }]);
    expect(describeCalls(stack.calls())).toEqual([`POST /v2/contact/${MISSING_CONTACT}/message`]);
  });

  it('updateConversation of an unknown id is NOT_FOUND', async () => {
    const res = await gql(ErrorsUpdateConversationDocument, {
      id: MISSING_CONVERSATION,
      input: { status: 'CLOSED' },
    });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([
      {
        message: `Conversation not found: ${MISSING_CONVERSATION}`,
        path: ['updateConversation'],
        extensions: {
          code: 'NOT_FOUND',
          upstream: { status: 404, error: 'not_found', requestId: REQUEST_ID },
          details: { resource: 'conversation', identifier: MISSING_CONVERSATION },
        },
      },
    ]);
    expect(describeCalls(stack.calls())).toEqual([`PUT /v2/conversation/${MISSING_CONVERSATION}`]);
  });

  it('contact(id:) and conversation(id:) of an unknown id are null without an error', async () => {
    const contact = await gql(ErrorsContactByIdDocument, { id: MISSING_CONTACT });
    const conversation = await gql(ErrorsConversationByIdDocument, { id: MISSING_CONVERSATION });

    expect(contact.body).toEqual({ data: { contact: null } });
    expect(conversation.body).toEqual({ data: { conversation: null } });
    expect(stack.calls().map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      `GET /v2/contact/${MISSING_CONTACT} 404`,
      `GET /v2/conversation/${MISSING_CONVERSATION} 404`,
    ]);
  });

  it('contact(phone:) and contact(email:) that match nobody are null without an error', async () => {
    const byPhone = await gql(ErrorsContactByPhoneDocument, { phone: uniquePhone() });
    const byEmail = await gql(ErrorsContactByEmailDocument, { email: uniqueEmail() });

    expect(byPhone.body).toEqual({ data: { contact: null } });
    expect(byEmail.body).toEqual({ data: { contact: null } });
  });
});

describe('business rule failures', () => {
  it('a second contact with the same phone is DUPLICATE_CONTACT with existingContactId, as in the CONTRACT example', async () => {
    const phone = uniquePhone();
    const existing = await createContact({ phone });
    stack.resetCalls();

    const res = await gql(ErrorsCreateContactDocument, { input: { firstName: 'Again', phone } });

    expect(res.body).toEqual({
      data: null,
      errors: [
        {
          message: 'A contact with this phone number already exists',
          locations: [{ line: 2, column: 3 }],
          path: ['createContact'],
          extensions: {
            code: 'DUPLICATE_CONTACT',
            upstream: { status: 409, error: 'duplicate_contact', requestId: REQUEST_ID },
            details: { existingContactId: existing },
          },
        },
      ],
    });
    expect(describeCalls(stack.calls())).toEqual(['POST /v2/contact']);
  });

  it('a second contact with the same email is DUPLICATE_CONTACT too', async () => {
    const email = uniqueEmail();
    const existing = await createContact({ email });

    const res = await gql(ErrorsCreateContactDocument, { input: { firstName: 'Again', email } });

    expect(errorsOf(res)).toEqual([
      {
        message: 'A contact with this email address already exists',
        path: ['createContact'],
        extensions: {
          code: 'DUPLICATE_CONTACT',
          upstream: { status: 409, error: 'duplicate_contact', requestId: REQUEST_ID },
          details: { existingContactId: existing },
        },
      },
    ]);
  });

  it('WhatsApp TEXT to a contact whose 24-hour window is closed is VALIDATION_FAILED', async () => {
    // The business may start a WhatsApp conversation (S2), which opens the window for 24 h; a sandbox
    // on a clock of its own lets the test step past it.
    const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
    const quiet = await startStack({ sandbox: { seedContacts: 1, now: clock.now } });
    try {
      const created = await quiet.gql(ErrorsCreateContactDocument, {
        input: { firstName: 'Quiet', phone: uniquePhone() },
      });
      const contactId = created.body.data?.createContact.id ?? '';
      const send = () =>
        quiet.gql(ErrorsSendMessageDocument, {
          contactId,
          input: { channel: 'WHATSAPP', messageType: 'TEXT', content: 'Hello' },
        });
      expect((await send()).body.errors).toBeUndefined();
      clock.advance(24 * 3600_000 + 1000);
      quiet.resetCalls();

      const res = await send();

      expect(res.body.data).toBeNull();
      expect(errorsOf(res)).toEqual([
        {
          message:
            'The WhatsApp 24-hour window is closed for this contact; send an approved template instead',
          path: ['sendMessage'],
          extensions: {
            code: 'VALIDATION_FAILED',
            upstream: { status: 422, error: 'validation_failed', requestId: REQUEST_ID },
            details: { reason: 'outside_24h_window', windowExpiresAt: '2026-03-03T09:00:00Z' },
          },
        },
      ]);
      expect(describeCalls(quiet.calls())).toEqual([`POST /v2/contact/${contactId}/message`]);

      // The window is the only reason: once the customer writes, the same message goes out.
      quiet.sandbox.inbound(SANDBOX_KEY, { contact_id: contactId, channel: 'whatsapp', content: 'Hi!' });
      const retried = await send();
      expect(retried.body.errors).toBeUndefined();
      expect(retried.body.data?.sendMessage).toMatchObject({ channel: 'WHATSAPP', content: 'Hello' });
    } finally {
      await quiet.close();
    }
  });

  it('a key over its rate limit is RATE_LIMITED with retryAfter, at once and without a retry, beside a field that got through', async () => {
    const [first, second, third] = contactIds;
    const warmUp = await gql(ErrorsContactByIdDocument, { id: first }, { apiKey: LIMITED_KEY });
    expect(warmUp.body.errors).toBeUndefined();

    // Two lookups, one request left in the window: exactly one of them is refused.
    const res = await gql(
      ErrorsTwoContactsDocument,
      { failing: second, healthy: third },
      { apiKey: LIMITED_KEY },
    );

    const errors = errorsOf(res);
    expect(errors).toHaveLength(1);
    const [error] = errors;
    const retryAfter = error.extensions?.retryAfter;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const refused = error.path?.[0] === 'failing' ? 'failing' : 'healthy';
    const served = refused === 'failing' ? 'healthy' : 'failing';
    expect(error).toEqual({
      message: `Rate limit exceeded. Retry after ${String(retryAfter)} seconds.`,
      path: [refused],
      extensions: {
        code: 'RATE_LIMITED',
        upstream: { status: 429, error: 'rate_limited', requestId: REQUEST_ID },
        retryAfter,
      },
    });
    expect(res.body.data?.[refused]).toBeNull();
    expect(res.body.data?.[served]).toEqual({
      id: refused === 'failing' ? third : second,
      fullName: expect.any(String),
    });
    // A Retry-After beyond retryMaxWaitMs is not waited for: three calls in all, none repeated.
    expect(stack.calls()).toHaveLength(3);
    expect(stack.calls().filter((c) => c.status === 429)).toHaveLength(1);
  });
});

describe('upstream failures map to their codes, and sibling fields still resolve', () => {
  it('a 500 is UPSTREAM_ERROR and is not retried', async () => {
    const [failing, healthy] = contactIds;
    fault({ kind: 'error', status: 500, method: 'GET', path: `/contact/${failing}` });

    const res = await gql(ErrorsTwoContactsDocument, { failing, healthy });

    expect(errorsOf(res)).toEqual([
      {
        message: 'An internal error occurred. Please try again.',
        path: ['failing'],
        extensions: {
          code: 'UPSTREAM_ERROR',
          upstream: { status: 500, error: 'internal_error', requestId: REQUEST_ID },
        },
      },
    ]);
    expect(res.body.data).toEqual({ failing: null, healthy: { id: healthy, fullName: expect.any(String) } });
    expect(callsTo(stack, 'GET', `/contact/${failing}`)).toHaveLength(1);
  });

  it('a connection reset is UPSTREAM_UNAVAILABLE after the read was retried', async () => {
    const [failing, healthy] = contactIds;
    fault({ kind: 'reset', method: 'GET', path: `/contact/${failing}` });

    const res = await gql(ErrorsTwoContactsDocument, { failing, healthy });

    expect(errorsOf(res)).toEqual([
      {
        message: 'The HueChat API could not be reached',
        path: ['failing'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE' },
      },
    ]);
    expect(res.body.data).toEqual({ failing: null, healthy: { id: healthy, fullName: expect.any(String) } });
    // The first attempt and the stack's two retries.
    expect(callsTo(stack, 'GET', `/contact/${failing}`).map((c) => c.fault)).toEqual([
      'reset',
      'reset',
      'reset',
    ]);
  });

  it('a body that is not the documented shape is UPSTREAM_BAD_RESPONSE, and the body is not shown', async () => {
    const [failing, healthy] = contactIds;
    fault({ kind: 'malformed', method: 'GET', path: `/contact/${failing}` });

    const res = await gql(ErrorsTwoContactsDocument, { failing, healthy });

    expect(errorsOf(res)).toEqual([
      {
        message: 'The HueChat API answered with an unexpected response',
        path: ['failing'],
        extensions: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstream: { status: 200, error: null, requestId: expect.stringMatching(/^req_/) },
        },
      },
    ]);
    expect(res.body.data).toEqual({ failing: null, healthy: { id: healthy, fullName: expect.any(String) } });
    expect(callsTo(stack, 'GET', `/contact/${failing}`)).toHaveLength(1);
  });
});

describe('an upstream that does not answer in time', () => {
  let slow: Stack;
  const gqlSlow = sender(() => slow);
  beforeAll(async () => {
    slow = await startStack({
      sandbox: { seedContacts: 3, faults: { hangMs: 3_000 } },
      client: { timeoutMs: 300 },
    });
  });
  afterAll(() => slow.close());

  it('is UPSTREAM_TIMEOUT for the hung field only, without a retry', async () => {
    const ids = (await rest<{ data: { id: string }[] }>(slow, '/contacts')).data.map((c) => c.id);
    const [failing, healthy] = ids;
    slow.sandbox.setFaults({
      hangMs: 3_000,
      rules: [{ kind: 'hang', method: 'GET', path: `/contact/${failing}` }],
    });
    slow.resetCalls();

    const res = await gqlSlow(ErrorsTwoContactsDocument, { failing, healthy });

    expect(errorsOf(res)).toEqual([
      {
        message: 'The HueChat API did not answer in time',
        path: ['failing'],
        extensions: { code: 'UPSTREAM_TIMEOUT' },
      },
    ]);
    expect(res.body.data).toEqual({ failing: null, healthy: { id: healthy, fullName: expect.any(String) } });
    expect(callsTo(slow, 'GET', `/contact/${failing}`)).toHaveLength(1);
  });
});

describe('an upstream that cannot be reached at all', () => {
  let unreachable: Stack;
  const gqlUnreachable = sender(() => unreachable);
  beforeAll(async () => {
    const port = await closedPort();
    unreachable = await startStack({
      sandbox: { seedContacts: 0 },
      client: { baseUrl: `http://127.0.0.1:${port}/v2` },
    });
  });
  afterAll(() => unreachable.close());

  it('is UPSTREAM_UNAVAILABLE for every field that needed it', async () => {
    const res = await gqlUnreachable(ErrorsTwoContactsDocument, {
      failing: 'cnt_aaaaaa',
      healthy: 'cnt_bbbbbb',
    });

    const byPath = errorsOf(res).sort((a, b) => String(a.path).localeCompare(String(b.path)));
    expect(byPath).toEqual(
      ['failing', 'healthy'].map((alias) => ({
        message: 'The HueChat API could not be reached',
        path: [alias],
        extensions: { code: 'UPSTREAM_UNAVAILABLE' },
      })),
    );
    expect(res.body.data).toEqual({ failing: null, healthy: null });
    expect(unreachable.calls()).toEqual([]);
  });
});

describe('reads are retried, writes never', () => {
  it('a read that meets one 503 is retried and succeeds', async () => {
    const [id] = contactIds;
    fault({ kind: 'status', status: 503, method: 'GET', path: `/contact/${id}`, times: 1 });

    const res = await gql(ErrorsContactByIdDocument, { id });

    expect(res.body).toEqual({ data: { contact: { id, fullName: expect.any(String) } } });
    expect(callsTo(stack, 'GET', `/contact/${id}`).map((c) => c.status)).toEqual([503, 200]);
  });

  it('a message send that meets one 503 is UPSTREAM_ERROR after exactly one POST', async () => {
    const contactId = await createContact({ email: uniqueEmail() });
    fault({ kind: 'status', status: 503, method: 'POST', path: `/contact/${contactId}/message`, times: 1 });
    stack.resetCalls();

    const res = await gql(ErrorsSendMessageDocument, {
      contactId,
      input: { channel: 'EMAIL', content: 'Your order shipped' },
    });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([
      {
        message: 'The service is temporarily unavailable. Please try again later.',
        path: ['sendMessage'],
        extensions: {
          code: 'UPSTREAM_ERROR',
          upstream: { status: 503, error: 'service_unavailable', requestId: REQUEST_ID },
        },
      },
    ]);
    expect(describeCalls(stack.calls())).toEqual([`POST /v2/contact/${contactId}/message`]);
  });

  it('a send whose answer is lost after HueChat applied it is UPSTREAM_UNAVAILABLE after exactly one POST', async () => {
    const contactId = await createContact({ email: uniqueEmail() });
    fault({ kind: 'reset-after', method: 'POST', path: `/contact/${contactId}/message`, times: 1 });
    stack.resetCalls();

    const res = await gql(ErrorsSendMessageDocument, {
      contactId,
      input: { channel: 'EMAIL', content: 'Sent once, answer lost' },
    });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([
      {
        message: 'The HueChat API could not be reached',
        path: ['sendMessage'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE' },
      },
    ]);
    expect(describeCalls(stack.calls())).toEqual([`POST /v2/contact/${contactId}/message`]);
    // HueChat has the message exactly once: a retry would have sent it twice.
    const [conversation] = (
      await rest<{ data: { id: string }[] }>(stack, `/contact/${contactId}/conversations`)
    ).data;
    const sent = await rest<{ data: { content: string }[] }>(
      stack,
      `/conversation/${conversation?.id}/messages`,
    );
    expect(sent.data.map((m) => m.content)).toEqual(['Sent once, answer lost']);
  });
});

describe('other conflicts', () => {
  it('a 409 that is not duplicate_contact is CONFLICT with the upstream facts', async () => {
    const contactId = await createContact({ email: uniqueEmail() });
    fault({ kind: 'status', status: 409, method: 'PUT', path: `/contact/${contactId}`, times: 1 });
    stack.resetCalls();

    const res = await gql(ErrorsUpdateContactDocument, { id: contactId, input: { firstName: 'Clash' } });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([
      {
        message: expect.any(String),
        path: ['updateContact'],
        extensions: {
          code: 'CONFLICT',
          upstream: { status: 409, error: 'conflict', requestId: REQUEST_ID },
        },
      },
    ]);
    expect(describeCalls(stack.calls())).toEqual([`PUT /v2/contact/${contactId}`]);
  });
});

describe('partial failure', () => {
  /** A contact with at least two conversations that have messages. */
  function inboxContact() {
    const withMessages = new Map<string, string[]>();
    for (const c of conversations.filter((c) => c.message_count > 0))
      withMessages.set(c.contact_id, [...(withMessages.get(c.contact_id) ?? []), c.id]);
    const found = [...withMessages].find(([, ids]) => ids.length >= 2);
    if (!found) throw new Error('the seed has no contact with two conversations with messages');
    return found[0];
  }

  it("one conversation's failing messages null its nearest nullable ancestor only; the others keep their messages", async () => {
    const id = inboxContact();
    const healthy = await gql(ErrorsInboxDocument, { id });
    expect(healthy.body.errors).toBeUndefined();
    const nodes = healthy.body.data?.contact?.conversations.nodes ?? [];
    expect(nodes.length).toBeGreaterThanOrEqual(2);
    const failingIndex = 1;
    const failing = nodes[failingIndex]?.id;
    if (!failing) throw new Error('no second conversation');
    fault({ kind: 'error', status: 500, method: 'GET', path: `/conversation/${failing}/messages` });
    stack.resetCalls();

    const res = await gql(ErrorsInboxDocument, { id });

    const errorPath = ['contact', 'conversations', 'nodes', failingIndex, 'messages'];
    expect(errorsOf(res)).toEqual([
      {
        message: 'An internal error occurred. Please try again.',
        path: errorPath,
        extensions: {
          code: 'UPSTREAM_ERROR',
          upstream: { status: 500, error: 'internal_error', requestId: REQUEST_ID },
        },
      },
    ]);
    // Conversation.messages is non-null, so the error nulls the conversation; the connection's items
    // are nullable, so that is where it stops.
    const nulled = nearestNullable(errorPath);
    expect(nulled).toEqual(['contact', 'conversations', 'nodes', failingIndex]);
    expect(res.body.data).toEqual(withNullAt(healthy.body.data, nulled));
    const survivors = res.body.data?.contact?.conversations.nodes.filter((n) => n !== null) ?? [];
    expect(survivors).toHaveLength(nodes.length - 1);
    for (const conversation of survivors) {
      expect(conversation.messages.nodes).toHaveLength(Math.min(conversation.messageCount, 50));
    }
    expect(callsTo(stack, 'GET', `/conversation/${failing}/messages`)).toHaveLength(1);
  });

  it('conversations fetched side by side at the root fail one at a time', async () => {
    const [failing, healthy] = conversations.filter((c) => c.message_count > 0).map((c) => c.id);
    fault({ kind: 'error', status: 500, method: 'GET', path: `/conversation/${failing}/messages` });

    const res = await gql(ErrorsTwoConversationsMessagesDocument, { failing, healthy });

    expect(errorsOf(res)).toEqual([
      {
        message: 'An internal error occurred. Please try again.',
        path: ['failing', 'messages'],
        extensions: {
          code: 'UPSTREAM_ERROR',
          upstream: { status: 500, error: 'internal_error', requestId: REQUEST_ID },
        },
      },
    ]);
    expect(res.body.data?.failing).toBeNull();
    expect(res.body.data?.healthy?.id).toBe(healthy);
    expect(res.body.data?.healthy?.messages.totalCount).toBeGreaterThan(0);
  });
});

describe('nothing leaks', () => {
  it('no error response names the upstream URL, the key, a stack frame or a raw upstream body', async () => {
    const [failing, healthy] = contactIds;
    const responses: GraphQLResponse<unknown>[] = [];
    const scenarios: [FaultRule | undefined, () => Promise<GraphQLResponse<unknown>>][] = [
      [
        undefined,
        () => stack.gql(ErrorsContactByIdDocument, { id: failing }, { apiKey: 'sk_test_wrong_key' }),
      ],
      [{ kind: 'error', status: 500 }, () => stack.gql(ErrorsTwoContactsDocument, { failing, healthy })],
      [{ kind: 'status', status: 502 }, () => stack.gql(ErrorsTwoContactsDocument, { failing, healthy })],
      [{ kind: 'malformed' }, () => stack.gql(ErrorsTwoContactsDocument, { failing, healthy })],
      [{ kind: 'reset' }, () => stack.gql(ErrorsTwoContactsDocument, { failing, healthy })],
      [undefined, () => stack.gql(ErrorsDeleteContactDocument, { id: MISSING_CONTACT })],
      [undefined, () => stack.gql(ErrorsCreateContactDocument, { input: { firstName: 'X', phone: '+123' } })],
      [undefined, () => stack.gql(ErrorsContactByPhoneDocument, { phone: 'not a phone' })],
    ];
    for (const [rule, run] of scenarios) {
      stack.sandbox.setFaults(rule ? { ...QUIET_FAULTS, rules: [rule] } : QUIET_FAULTS);
      responses.push(await run());
    }

    for (const res of responses) {
      expect(res.body.errors?.length).toBeGreaterThan(0);
      expectNoLeak(stack, res);
      expect(res.text).not.toContain('sk_test_wrong_key');
      expect(res.text).not.toContain('INTERNAL_SERVER_ERROR');
    }
  });
});
