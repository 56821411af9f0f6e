import { describe, expect, it } from 'vitest';
import {
  call,
  contactSchema,
  conversationSchema,
  createContact,
  expectError,
  expectStatus,
  listAll,
  OTHER_KEY,
  sandbox,
  sendMessage,
  useSandbox,
} from '../helpers/rest.js';

useSandbox({ seedContacts: 8 });

describe('tenant isolation', () => {
  it('keeps the two organisations’ contact lists disjoint', async () => {
    const demo = await listAll(sandbox, '/contacts', contactSchema);
    const other = await listAll(sandbox, '/contacts', contactSchema, { key: OTHER_KEY });
    expect(other.length).toBeGreaterThan(0);
    const demoIds = new Set(demo.map((c) => c.id));
    expect(other.filter((c) => demoIds.has(c.id))).toEqual([]);
  });

  it('answers 404 for another organisation’s contact, conversation and messages', async () => {
    const created = await createContact(sandbox);
    const message = await sendMessage(sandbox, created.id, {
      channel: 'sms',
      message_type: 'text',
      content: 'x',
    });
    const asOther = { key: OTHER_KEY };
    expectError(await call(sandbox, 'GET', `/contact/${created.id}`, asOther), 404, 'not_found');
    expectError(
      await call(sandbox, 'GET', `/contact/${encodeURIComponent(created.phone ?? '')}`, asOther),
      404,
      'not_found',
    );
    expectError(await call(sandbox, 'GET', `/contact/${created.email}`, asOther), 404, 'not_found');
    expectError(
      await call(sandbox, 'GET', `/contact/${created.id}/conversations`, asOther),
      404,
      'not_found',
    );
    expectError(
      await call(sandbox, 'GET', `/conversation/${message.conversation_id}`, asOther),
      404,
      'not_found',
    );
    expectError(
      await call(sandbox, 'GET', `/conversation/${message.conversation_id}/messages`, asOther),
      404,
      'not_found',
    );
  });

  it('refuses writes to another organisation’s records with 404 and leaves them unchanged', async () => {
    const created = await createContact(sandbox, { first_name: 'Mine' });
    const message = await sendMessage(sandbox, created.id, {
      channel: 'sms',
      message_type: 'text',
      content: 'x',
    });
    const asOther = { key: OTHER_KEY };
    expectError(
      await call(sandbox, 'PUT', `/contact/${created.id}`, { ...asOther, body: { first_name: 'Theirs' } }),
      404,
      'not_found',
    );
    expectError(await call(sandbox, 'DELETE', `/contact/${created.id}`, asOther), 404, 'not_found');
    expectError(
      await call(sandbox, 'POST', `/contact/${created.id}/message`, {
        ...asOther,
        body: { channel: 'sms', message_type: 'text', content: 'y' },
      }),
      404,
      'not_found',
    );
    expectError(
      await call(sandbox, 'PUT', `/conversation/${message.conversation_id}`, {
        ...asOther,
        body: { status: 'closed' },
      }),
      404,
      'not_found',
    );
    const mine = expectStatus(await call(sandbox, 'GET', `/contact/${created.id}`), 200, contactSchema);
    expect(mine.first_name).toBe('Mine');
    const conversation = expectStatus(
      await call(sandbox, 'GET', `/conversation/${message.conversation_id}`),
      200,
      conversationSchema,
    );
    expect(conversation.status).toBe('open');
    expect(conversation.message_count).toBe(1);
  });

  it('keeps phone and email uniqueness per organisation and hides one organisation’s writes from the other', async () => {
    const mine = await createContact(sandbox);
    const theirs = await createContact(sandbox, { phone: mine.phone, email: mine.email }, OTHER_KEY);
    expect(theirs.id).not.toBe(mine.id);
    const otherList = await listAll(sandbox, '/contacts', contactSchema, { key: OTHER_KEY });
    expect(otherList.some((c) => c.id === mine.id)).toBe(false);
    const byPhone = await call(sandbox, 'GET', `/contact/${encodeURIComponent(mine.phone ?? '')}`, {
      key: OTHER_KEY,
    });
    expect(expectStatus(byPhone, 200, contactSchema).id).toBe(theirs.id);
  });
});
