import { describe, expect, it } from 'vitest';
import {
  ErrorsContactByEmailDocument,
  ErrorsContactByIdDocument,
  ErrorsContactByPhoneDocument,
  ErrorsConversationByIdDocument,
  ErrorsCreateContactDocument,
  ErrorsDeleteContactDocument,
  ErrorsSendMessageDocument,
  ErrorsTwoContactsDocument,
  ErrorsUpdateContactDocument,
  ErrorsUpdateConversationDocument,
} from '../gql/graphql.js';
import {
  contactIds,
  createContact,
  errorsOf,
  fault,
  gql,
  LIMITED_KEY,
  MISSING_CONTACT,
  MISSING_CONVERSATION,
  REQUEST_ID,
  stack,
  useErrorsStack,
} from '../helpers/gateway-errors.js';
import { uniqueEmail, uniquePhone } from '../helpers/rest.js';
import { describeCalls, SANDBOX_KEY, startStack } from '../helpers/stack.js';
import { ManualClock } from '../helpers/time.js';

useErrorsStack();

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
