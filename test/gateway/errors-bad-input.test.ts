import { describe, expect, it } from 'vitest';
import {
  type ConversationStatus,
  ErrorsContactByEmailDocument,
  ErrorsContactByPhoneDocument,
  ErrorsContactConversationsPageDocument,
  ErrorsContactsPageDocument,
  ErrorsConversationsDocument,
  ErrorsCreateContactDocument,
  ErrorsSendMessageDocument,
} from '../gql/graphql.js';
import {
  contactIds,
  errorsOf,
  fault,
  gql,
  REQUEST_ID,
  stack,
  unchecked,
  useErrorsStack,
} from '../helpers/gateway-errors.js';
import { uniquePhone } from '../helpers/rest.js';
import { describeCalls } from '../helpers/stack.js';

useErrorsStack();

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
