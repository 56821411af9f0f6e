import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthContactsTotalDocument,
  AuthCreateContactDocument,
  ErrorsSendMessageDocument,
} from '../gql/graphql.js';
import {
  type GraphQLResponse,
  OTHER_KEY,
  READONLY_KEY,
  type RequestOptions,
  SANDBOX_KEY,
  type Stack,
  startStack,
} from '../helpers/stack.js';

const WRONG_KEY = 'sk_test_not_a_real_key';
const REQUEST_ID = expect.stringMatching(/^req_/);
const NO_KEY_MESSAGE = 'Send a HueChat API key in X-API-Key or Authorization: Bearer';

const errorsOf = (res: GraphQLResponse<unknown>) =>
  (res.body.errors ?? []).map(({ message, path, extensions }) => ({ message, path, extensions }));

/** Keys, the upstream origin and stack traces never appear in an answer. */
function expectNoLeak(stack: Stack, res: GraphQLResponse<unknown>) {
  for (const secret of ['sk_test', stack.sandbox.origin, `:${stack.sandbox.port}`, '127.0.0.1']) {
    expect(res.text, `response leaks ${secret}`).not.toContain(secret);
  }
  expect(res.text.toLowerCase()).not.toContain('stack');
  expect(res.text).not.toMatch(/\bat (?:async )?[\w$.<>]+ \(|\.[jt]s:\d+:\d+/);
}

let stack: Stack;
let withDefault: Stack;

beforeAll(async () => {
  [stack, withDefault] = await Promise.all([
    startStack({ sandbox: { seedContacts: 3 } }),
    startStack({ sandbox: { seedContacts: 3 }, defaultApiKey: OTHER_KEY }),
  ]);
});
beforeEach(() => {
  stack.resetCalls();
  withDefault.resetCalls();
});
afterAll(() => Promise.all([stack.close(), withDefault.close()]));

async function contactsTotal(on: Stack, options: RequestOptions) {
  const res = await on.gql(AuthContactsTotalDocument, {}, options);
  if (res.body.errors) expectNoLeak(on, res);
  return res;
}

/** The key the upstream saw on each call. */
const forwardedKeys = (on: Stack) => on.calls().map((c) => c.apiKey);

describe('a request without a key', () => {
  it('is HTTP 401 UNAUTHENTICATED and makes no upstream call when the gateway has no default key', async () => {
    const res = await contactsTotal(stack, { apiKey: null });

    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      errors: [{ message: NO_KEY_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(stack.calls()).toEqual([]);
  });

  it.each([
    ['an empty X-API-Key', { 'x-api-key': '' }],
    ['a Bearer with no token', { authorization: 'Bearer ' }],
    [
      'a Basic authorization',
      { authorization: `Basic ${Buffer.from(`user:${SANDBOX_KEY}`).toString('base64')}` },
    ],
    ['a bare key in Authorization, without a scheme', { authorization: SANDBOX_KEY }],
  ])('treats %s as no key at all', async (_case, headers) => {
    const res = await contactsTotal(stack, { apiKey: null, headers });

    expect(res.status).toBe(401);
    expect(errorsOf(res)).toEqual([
      { message: NO_KEY_MESSAGE, path: undefined, extensions: { code: 'UNAUTHENTICATED' } },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it('cannot write either: the mutation is refused before it reaches the upstream', async () => {
    const res = await stack.gql(
      AuthCreateContactDocument,
      { input: { firstName: 'Nobody', email: 'nobody@example.com' } },
      { apiKey: null },
    );

    expect(res.status).toBe(401);
    expect(errorsOf(res)).toEqual([
      { message: NO_KEY_MESSAGE, path: undefined, extensions: { code: 'UNAUTHENTICATED' } },
    ]);
    expect(stack.calls()).toEqual([]);
  });
});

describe('a key the upstream rejects', () => {
  const rejected = {
    message: 'Invalid API key',
    path: ['contacts'],
    extensions: {
      code: 'UNAUTHENTICATED',
      upstream: { status: 401, error: 'unauthorized', requestId: REQUEST_ID },
    },
  };

  it('is UNAUTHENTICATED at the field, with the upstream 401', async () => {
    const res = await contactsTotal(stack, { apiKey: WRONG_KEY });

    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([rejected]);
    // A 401 is not retried: the key will not become valid.
    expect(forwardedKeys(stack)).toEqual([WRONG_KEY]);
  });

  it('is rejected the same way when sent as a Bearer token', async () => {
    const res = await contactsTotal(stack, {
      apiKey: null,
      headers: { authorization: `Bearer ${WRONG_KEY}` },
    });

    expect(errorsOf(res)).toEqual([rejected]);
    expect(forwardedKeys(stack)).toEqual([WRONG_KEY]);
  });

  it('does not fall back to the default key', async () => {
    const res = await contactsTotal(withDefault, { apiKey: WRONG_KEY });

    expect(errorsOf(res)).toEqual([rejected]);
    expect(forwardedKeys(withDefault)).toEqual([WRONG_KEY]);
  });
});

describe('which key is forwarded', () => {
  it('takes the key from Authorization: Bearer and forwards it upstream', async () => {
    const res = await contactsTotal(stack, {
      apiKey: null,
      headers: { authorization: `Bearer ${OTHER_KEY}` },
    });

    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.contacts.totalCount).toBe(3);
    expect(forwardedKeys(stack)).toEqual([OTHER_KEY]);
    expect(stack.calls()[0].organizationId).toBe('org_other');
  });

  it('reads the Bearer scheme case-insensitively', async () => {
    const res = await contactsTotal(stack, {
      apiKey: null,
      headers: { authorization: `bearer ${OTHER_KEY}` },
    });

    expect(res.body.errors).toBeUndefined();
    expect(forwardedKeys(stack)).toEqual([OTHER_KEY]);
  });

  it('prefers X-API-Key when both headers are sent', async () => {
    const res = await contactsTotal(stack, {
      apiKey: SANDBOX_KEY,
      headers: { authorization: `Bearer ${OTHER_KEY}` },
    });

    expect(res.body.errors).toBeUndefined();
    expect(forwardedKeys(stack)).toEqual([SANDBOX_KEY]);
  });

  it('falls back to Bearer when X-API-Key is empty', async () => {
    const res = await contactsTotal(stack, {
      apiKey: null,
      headers: { 'x-api-key': '', authorization: `Bearer ${OTHER_KEY}` },
    });

    expect(res.body.errors).toBeUndefined();
    expect(forwardedKeys(stack)).toEqual([OTHER_KEY]);
  });

  it('uses the default key when the request carries none', async () => {
    const res = await contactsTotal(withDefault, { apiKey: null });

    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(forwardedKeys(withDefault)).toEqual([OTHER_KEY]);
  });

  it("prefers the request's own key over the default key", async () => {
    const viaHeader = await contactsTotal(withDefault, { apiKey: SANDBOX_KEY });
    const viaBearer = await contactsTotal(withDefault, {
      apiKey: null,
      headers: { authorization: `Bearer ${SANDBOX_KEY}` },
    });

    expect(viaHeader.body.errors).toBeUndefined();
    expect(viaBearer.body.errors).toBeUndefined();
    expect(forwardedKeys(withDefault)).toEqual([SANDBOX_KEY, SANDBOX_KEY]);
  });
});

describe('a key without the permission', () => {
  it('is FORBIDDEN on createContact, with the permission it needs and the ones it has', async () => {
    const res = await stack.gql(
      AuthCreateContactDocument,
      { input: { firstName: 'Read', email: 'read-only@example.com' } },
      { apiKey: READONLY_KEY },
    );
    expectNoLeak(stack, res);

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([
      {
        message: 'API key does not have permission for contacts:write',
        path: ['createContact'],
        extensions: {
          code: 'FORBIDDEN',
          upstream: { status: 403, error: 'forbidden', requestId: REQUEST_ID },
          details: {
            requiredPermission: 'contacts:write',
            keyPermissions: ['contacts:read', 'conversations:read'],
          },
        },
      },
    ]);
    expect(stack.calls().map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual(['POST /v2/contact 403']);
  });

  it('is FORBIDDEN on sendMessage, which needs conversations:write', async () => {
    const contactId = (await contactsTotal(stack, { apiKey: READONLY_KEY })).body.data?.contacts.nodes[0]?.id;
    if (!contactId) throw new Error('the read-only key sees no contact');
    stack.resetCalls();

    const res = await stack.gql(
      ErrorsSendMessageDocument,
      { contactId, input: { channel: 'SMS', content: 'Hello' } },
      { apiKey: READONLY_KEY },
    );
    expectNoLeak(stack, res);

    expect(errorsOf(res)).toEqual([
      {
        message: 'API key does not have permission for conversations:write',
        path: ['sendMessage'],
        extensions: {
          code: 'FORBIDDEN',
          upstream: { status: 403, error: 'forbidden', requestId: REQUEST_ID },
          details: {
            requiredPermission: 'conversations:write',
            keyPermissions: ['contacts:read', 'conversations:read'],
          },
        },
      },
    ]);
    expect(stack.calls()).toHaveLength(1);
  });

  it('still reads what it may read', async () => {
    const res = await contactsTotal(stack, { apiKey: READONLY_KEY });

    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.contacts.totalCount).toBeGreaterThan(0);
    expect(forwardedKeys(stack)).toEqual([READONLY_KEY]);
  });
});
