import { describe, expect, it } from 'vitest';
import {
  call,
  contactSchema,
  conversationSchema,
  createContact,
  expectError,
  expectInvalidInput,
  expectStatus,
  messageSchema,
  pageSchema,
  sandbox,
  sendMessage,
  templateSchema,
} from '../helpers/rest.js';
import {
  clock,
  getConversation,
  getMessages,
  send,
  useMessagesSandbox,
} from '../helpers/sandbox-messages.js';
import { isoSeconds } from '../helpers/time.js';

useMessagesSandbox();

describe('POST /contact/{id}/message (E6)', () => {
  it('returns 201 with a full Message in status sent, sent by the user', async () => {
    const contact = await createContact(sandbox);
    const res = await send(contact.id, {
      channel: 'sms',
      message_type: 'text',
      content: 'Hello! How can we help?',
    });
    const message = expectStatus(res, 201, messageSchema);
    expect(message.id).toMatch(/^msg_[a-z0-9]{12}$/);
    expect(message).toMatchObject({
      contact_id: contact.id,
      channel: 'sms',
      message_type: 'text',
      content: 'Hello! How can we help?',
      status: 'sent',
      sent_by: 'user',
      sent_at: isoSeconds(clock.time),
      delivered_at: null,
      read_at: null,
      error: null,
    });
    for (const field of ['delivered_at', 'read_at', 'error', 'sender']) {
      expect(Object.hasOwn(res.json as object, field), field).toBe(true);
    }
  });

  it('creates the conversation on the first send and reuses it afterwards, updating its counters', async () => {
    const contact = await createContact(sandbox);
    const first = await sendMessage(sandbox, contact.id, {
      channel: 'sms',
      message_type: 'text',
      content: 'one',
    });
    const created = await getConversation(first.conversation_id);
    expect(created).toMatchObject({
      contact_id: contact.id,
      channel: 'sms',
      status: 'open',
      priority: 'medium',
      labels: [],
      message_count: 1,
      unread_count: 0,
      last_message_at: isoSeconds(clock.time),
      last_message_preview: 'one',
      created_at: isoSeconds(clock.time),
    });
    const afterFirst = expectStatus(await call(sandbox, 'GET', `/contact/${contact.id}`), 200, contactSchema);
    expect(afterFirst.last_contacted).toBe(isoSeconds(clock.time));

    clock.advance(60_000);
    const second = await sendMessage(sandbox, contact.id, {
      channel: 'sms',
      message_type: 'text',
      content: 'two',
    });
    expect(second.conversation_id).toBe(first.conversation_id);
    const updated = await getConversation(first.conversation_id);
    expect(updated).toMatchObject({
      message_count: 2,
      last_message_at: isoSeconds(clock.time),
      last_message_preview: 'two',
      updated_at: isoSeconds(clock.time),
      created_at: created.created_at,
    });
    const afterSecond = expectStatus(
      await call(sandbox, 'GET', `/contact/${contact.id}`),
      200,
      contactSchema,
    );
    expect(afterSecond.last_contacted).toBe(isoSeconds(clock.time));
    expect((await getMessages(first.conversation_id)).map((m) => m.id)).toEqual([first.id, second.id]);
  });

  it('starts a separate conversation per channel', async () => {
    const contact = await createContact(sandbox);
    const sms = await sendMessage(sandbox, contact.id, {
      channel: 'sms',
      message_type: 'text',
      content: 'a',
    });
    const email = await sendMessage(sandbox, contact.id, {
      channel: 'email',
      message_type: 'text',
      content: 'b',
    });
    expect(email.conversation_id).not.toBe(sms.conversation_id);
    const res = await call(sandbox, 'GET', `/contact/${contact.id}/conversations`, {
      query: { status: 'all' },
    });
    expect(expectStatus(res, 200, pageSchema(conversationSchema)).pagination.total).toBe(2);
  });

  it('reuses a closed conversation but starts a new one when the old one is archived', async () => {
    const contact = await createContact(sandbox);
    const first = await sendMessage(sandbox, contact.id, {
      channel: 'email',
      message_type: 'text',
      content: 'a',
    });
    const closeRes = await call(sandbox, 'PUT', `/conversation/${first.conversation_id}`, {
      body: { status: 'closed' },
    });
    expectStatus(closeRes, 200);
    const second = await sendMessage(sandbox, contact.id, {
      channel: 'email',
      message_type: 'text',
      content: 'b',
    });
    expect(second.conversation_id).toBe(first.conversation_id);

    const archiveRes = await call(sandbox, 'PUT', `/conversation/${first.conversation_id}`, {
      body: { status: 'archived' },
    });
    expectStatus(archiveRes, 200);
    const third = await sendMessage(sandbox, contact.id, {
      channel: 'email',
      message_type: 'text',
      content: 'c',
    });
    expect(third.conversation_id).not.toBe(first.conversation_id);
    expect(await getConversation(third.conversation_id)).toMatchObject({ status: 'open', message_count: 1 });
    expect((await getConversation(first.conversation_id)).message_count).toBe(2);
  });

  it('sends an approved template with positional parameters', async () => {
    const contact = await createContact(sandbox);
    const message = await sendMessage(sandbox, contact.id, {
      channel: 'whatsapp',
      message_type: 'template',
      template_name: 'order_confirmation',
      template_parameters: { '1': 'John', '2': 'ORD-12345', '3': '$99.99', '4': 'January 27, 2026' },
    });
    expect(message).toMatchObject({ channel: 'whatsapp', message_type: 'template', status: 'sent' });
    expect(message.content.length).toBeGreaterThan(0);
  });

  it('sends an image and a document with media_url stored as the content', async () => {
    const contact = await createContact(sandbox);
    const image = await sendMessage(sandbox, contact.id, {
      channel: 'instagram',
      message_type: 'image',
      media_url: 'https://example.com/receipt.png',
      caption: 'Your receipt',
    });
    expect(image).toMatchObject({ message_type: 'image', content: 'https://example.com/receipt.png' });
    const document = await sendMessage(sandbox, contact.id, {
      channel: 'email',
      message_type: 'document',
      media_url: 'https://example.com/invoice.pdf',
      filename: 'invoice.pdf',
      caption: 'Invoice',
    });
    expect(document).toMatchObject({ message_type: 'document', content: 'https://example.com/invoice.pdf' });
  });

  it('rejects missing or unknown channel and message_type with 400 invalid_input', async () => {
    const contact = await createContact(sandbox);
    expectInvalidInput(await send(contact.id, { message_type: 'text', content: 'x' }), 'channel');
    expectInvalidInput(await send(contact.id, { channel: 'sms', content: 'x' }), 'message_type');
    expectInvalidInput(
      await send(contact.id, { channel: 'pigeon', message_type: 'text', content: 'x' }),
      'channel',
    );
    expectInvalidInput(
      await send(contact.id, { channel: 'sms', message_type: 'video', content: 'x' }),
      'message_type',
    );
  });

  it('rejects a text without content and a template without template_name with 400 invalid_input', async () => {
    const contact = await createContact(sandbox);
    expectInvalidInput(await send(contact.id, { channel: 'sms', message_type: 'text' }), 'content');
    expectInvalidInput(
      await send(contact.id, { channel: 'whatsapp', message_type: 'template', template_parameters: {} }),
      'template_name',
    );
  });

  it('rejects an image without media_url with 422 validation_failed', async () => {
    const contact = await createContact(sandbox);
    expectError(
      await send(contact.id, { channel: 'email', message_type: 'image' }),
      422,
      'validation_failed',
    );
  });

  it('rejects an unknown template and unapproved templates with 422 validation_failed', async () => {
    const contact = await createContact(sandbox);
    expectError(
      await send(contact.id, {
        channel: 'whatsapp',
        message_type: 'template',
        template_name: 'no_such_template',
        template_parameters: { '1': 'x' },
      }),
      422,
      'validation_failed',
    );
    const templates = expectStatus(
      await call(sandbox, 'GET', '/channels/whatsapp/templates', { query: { limit: 100 } }),
      200,
      pageSchema(templateSchema),
    ).data;
    const unapproved = templates.filter((t) => t.status !== 'approved');
    expect(unapproved.map((t) => t.status).sort()).toEqual(expect.arrayContaining(['pending', 'rejected']));
    for (const template of unapproved) {
      const parameters = Object.fromEntries(
        Array.from({ length: template.parameter_count }, (_, i) => [String(i + 1), 'x']),
      );
      expectError(
        await send(contact.id, {
          channel: 'whatsapp',
          message_type: 'template',
          template_name: template.name,
          template_parameters: parameters,
        }),
        422,
        'validation_failed',
      );
    }
  });

  it('answers a send to an unknown contact with 404 not_found', async () => {
    expectError(
      await send('cnt_unknown00000', { channel: 'sms', message_type: 'text', content: 'x' }),
      404,
      'not_found',
    );
  });
});
