import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import {
  call,
  contactSchema,
  control,
  conversationSchema,
  createContact,
  expectError,
  expectInvalidInput,
  expectStatus,
  type Message,
  messageSchema,
  pageSchema,
  SANDBOX_KEY,
  SECONDS_TIMESTAMP,
  sendMessage,
  templateSchema,
} from '../helpers/rest.js';
import { isoSeconds, ManualClock } from '../helpers/time.js';

const T0 = Date.parse('2026-01-25T10:30:00Z');
const DAY = 24 * 60 * 60 * 1000;
const clock = new ManualClock(T0);
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    seedContacts: 0,
    now: clock.now,
    deliverAfterMs: 2000,
    readAfterMs: 5000,
  });
});
afterAll(async () => {
  await sandbox.close();
});

async function getConversation(id: string) {
  return expectStatus(await call(sandbox, 'GET', `/conversation/${id}`), 200, conversationSchema);
}
async function getMessages(conversationId: string): Promise<Message[]> {
  const res = await call(sandbox, 'GET', `/conversation/${conversationId}/messages`, {
    query: { limit: 100 },
  });
  return expectStatus(res, 200, pageSchema(messageSchema)).data;
}
async function getMessage(message: Message): Promise<Message> {
  const found = (await getMessages(message.conversation_id)).find((m) => m.id === message.id);
  if (found === undefined) throw new Error(`message ${message.id} is not listed in its conversation`);
  return found;
}
function send(contactId: string, body: Record<string, unknown>) {
  return call(sandbox, 'POST', `/contact/${contactId}/message`, { body });
}

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

describe('the WhatsApp 24-hour window', () => {
  const text = { channel: 'whatsapp', message_type: 'text', content: 'Hi, this is HueChat' };

  it('lets the business start a conversation with a text, as S2 does, creating it with message_count 1', async () => {
    const contact = await createContact(sandbox);
    const message = expectStatus(await send(contact.id, text), 201, messageSchema);
    expect(message).toMatchObject({ channel: 'whatsapp', message_type: 'text', status: 'sent' });
    expect(await getConversation(message.conversation_id)).toMatchObject({
      contact_id: contact.id,
      channel: 'whatsapp',
      status: 'open',
      message_count: 1,
      unread_count: 0,
      created_at: isoSeconds(clock.time),
      last_message_preview: 'Hi, this is HueChat',
    });
  });

  it('keeps the window that conversation opened for 24 h, then refuses with the creation time + 24 h', async () => {
    const contact = await createContact(sandbox);
    const createdAt = clock.time;
    const first = await sendMessage(sandbox, contact.id, text);

    clock.advance(DAY - 60_000);
    const inside = await sendMessage(sandbox, contact.id, { ...text, content: 'Still there?' });
    expect(inside.conversation_id).toBe(first.conversation_id);

    clock.advance(2 * 60_000);
    const late = expectError(await send(contact.id, text), 422, 'validation_failed');
    expect(late.details).toEqual({
      reason: 'outside_24h_window',
      window_expires_at: isoSeconds(createdAt + DAY),
    });
    expect((await getConversation(first.conversation_id)).message_count).toBe(2);

    // A customer's message reopens it, in the same conversation.
    sandbox.inbound(SANDBOX_KEY, { contact_id: contact.id, channel: 'whatsapp', content: 'Yes!' });
    const reply = await sendMessage(sandbox, contact.id, { ...text, content: 'Great' });
    expect(reply.conversation_id).toBe(first.conversation_id);
  });

  it('refuses images outside the window too, but never templates or other channels', async () => {
    const contact = await createContact(sandbox);
    await sendMessage(sandbox, contact.id, text);
    clock.advance(DAY + 60_000);
    const image = await send(contact.id, {
      channel: 'whatsapp',
      message_type: 'image',
      media_url: 'https://example.com/a.png',
    });
    expect(expectError(image, 422, 'validation_failed').details?.reason).toBe('outside_24h_window');
    await sendMessage(sandbox, contact.id, {
      channel: 'whatsapp',
      message_type: 'template',
      template_name: 'welcome_message',
      template_parameters: { '1': 'Test' },
    });
    // The template changed nothing: only the customer or a new conversation opens the window.
    expectError(await send(contact.id, text), 422, 'validation_failed');
    await sendMessage(sandbox, contact.id, { channel: 'sms', message_type: 'text', content: 'sms is fine' });
  });

  it('starts a new conversation, and so a new window, when the old WhatsApp one is archived', async () => {
    const contact = await createContact(sandbox);
    const first = await sendMessage(sandbox, contact.id, text);
    clock.advance(2 * DAY);
    expectError(await send(contact.id, text), 422, 'validation_failed');
    expectStatus(
      await call(sandbox, 'PUT', `/conversation/${first.conversation_id}`, { body: { status: 'archived' } }),
      200,
    );
    const fresh = await sendMessage(sandbox, contact.id, text);
    expect(fresh.conversation_id).not.toBe(first.conversation_id);
    expect((await getConversation(fresh.conversation_id)).message_count).toBe(1);
  });

  it('opens after an inbound message, stays open inside 24 h and closes after', async () => {
    const contact = await createContact(sandbox);
    const inboundAt = clock.time;
    const inbound = messageSchema.parse(
      sandbox.inbound(SANDBOX_KEY, {
        contact_id: contact.id,
        channel: 'whatsapp',
        content: 'Where is my order?',
      }),
    );
    expect(inbound).toMatchObject({
      contact_id: contact.id,
      channel: 'whatsapp',
      sent_by: 'contact',
      content: 'Where is my order?',
      sent_at: isoSeconds(inboundAt),
    });
    const conversation = await getConversation(inbound.conversation_id);
    expect(conversation).toMatchObject({
      message_count: 1,
      unread_count: 1,
      last_message_preview: 'Where is my order?',
    });

    clock.advance(DAY - 60_000);
    const reply = await sendMessage(sandbox, contact.id, {
      channel: 'whatsapp',
      message_type: 'text',
      content: 'On its way',
    });
    expect(reply.conversation_id).toBe(inbound.conversation_id);
    await sendMessage(sandbox, contact.id, {
      channel: 'whatsapp',
      message_type: 'image',
      media_url: 'https://example.com/tracking.png',
    });

    clock.advance(2 * 60_000);
    const late = expectError(
      await send(contact.id, { channel: 'whatsapp', message_type: 'text', content: 'Too late' }),
      422,
      'validation_failed',
    );
    expect(late.details).toMatchObject({
      reason: 'outside_24h_window',
      window_expires_at: isoSeconds(inboundAt + DAY),
    });
    const template = await sendMessage(sandbox, contact.id, {
      channel: 'whatsapp',
      message_type: 'template',
      template_name: 'order_confirmation',
      template_parameters: { '1': 'A', '2': 'B', '3': 'C', '4': 'D' },
    });
    expect(template.conversation_id).toBe(inbound.conversation_id);
  });

  it('opens through POST /_sandbox/inbound too, which answers 201 with the Message', async () => {
    const contact = await createContact(sandbox);
    const res = await control(sandbox, 'POST', '/inbound', {
      body: { contact_id: contact.id, channel: 'whatsapp', content: 'Hi there' },
    });
    const inbound = expectStatus(res, 201, messageSchema);
    expect(inbound).toMatchObject({ sent_by: 'contact', content: 'Hi there', contact_id: contact.id });
    await sendMessage(sandbox, contact.id, { channel: 'whatsapp', message_type: 'text', content: 'Hello!' });
  });
});

describe('message status progression', () => {
  it('moves sent -> delivered -> read as the clock passes deliverAfterMs and readAfterMs', async () => {
    const contact = await createContact(sandbox);
    const sentAt = clock.time;
    const message = await sendMessage(sandbox, contact.id, {
      channel: 'sms',
      message_type: 'text',
      content: 'tick',
    });

    clock.advance(1000);
    expect(await getMessage(message)).toMatchObject({ status: 'sent', delivered_at: null, read_at: null });

    clock.advance(1500);
    const delivered = await getMessage(message);
    expect(delivered.status).toBe('delivered');
    expect(delivered.read_at).toBeNull();
    expect(delivered.delivered_at).toMatch(SECONDS_TIMESTAMP);
    expect(Date.parse(delivered.delivered_at ?? '')).toBeGreaterThanOrEqual(sentAt + 2000);
    expect(Date.parse(delivered.delivered_at ?? '')).toBeLessThanOrEqual(sentAt + 3000);

    clock.advance(3500);
    const read = await getMessage(message);
    expect(read.status).toBe('read');
    expect(read.delivered_at).toBe(delivered.delivered_at);
    expect(Date.parse(read.read_at ?? '')).toBeGreaterThanOrEqual(sentAt + 5000);
    expect(Date.parse(read.read_at ?? '')).toBeLessThanOrEqual(sentAt + 7000);
  });

  it('advances a message on demand with sandbox.advance, including to failed', async () => {
    const contact = await createContact(sandbox);
    const one = await sendMessage(sandbox, contact.id, {
      channel: 'email',
      message_type: 'text',
      content: 'one',
    });
    const two = await sendMessage(sandbox, contact.id, {
      channel: 'email',
      message_type: 'text',
      content: 'two',
    });

    expect(sandbox.advance(SANDBOX_KEY, { message_id: one.id, to: 'delivered' })).toBe(1);
    const delivered = await getMessage(one);
    expect(delivered.status).toBe('delivered');
    expect(delivered.delivered_at).toMatch(SECONDS_TIMESTAMP);
    expect(delivered.read_at).toBeNull();

    expect(sandbox.advance(SANDBOX_KEY, { message_id: one.id, to: 'read' })).toBe(1);
    const read = await getMessage(one);
    expect(read.status).toBe('read');
    expect(read.read_at).toMatch(SECONDS_TIMESTAMP);

    expect(sandbox.advance(SANDBOX_KEY, { message_id: two.id, to: 'failed' })).toBe(1);
    const failed = await getMessage(two);
    expect(failed.status).toBe('failed');
    expect(typeof failed.error).toBe('string');

    clock.advance(10_000);
    expect((await getMessage(two)).status).toBe('failed');
  });

  it('advances a whole conversation through POST /_sandbox/advance', async () => {
    const contact = await createContact(sandbox);
    const one = await sendMessage(sandbox, contact.id, {
      channel: 'sms',
      message_type: 'text',
      content: 'one',
    });
    await sendMessage(sandbox, contact.id, { channel: 'sms', message_type: 'text', content: 'two' });
    const res = await control(sandbox, 'POST', '/advance', {
      body: { conversation_id: one.conversation_id, to: 'read' },
    });
    const body = expectStatus(res, 200, z.object({ advanced: z.number().int() }));
    expect(body.advanced).toBe(2);
    for (const message of await getMessages(one.conversation_id)) {
      expect(message.status).toBe('read');
      expect(message.read_at).toMatch(SECONDS_TIMESTAMP);
    }
  });

  it('does not let advance touch another organisation’s messages', async () => {
    const contact = await createContact(sandbox);
    const message = await sendMessage(sandbox, contact.id, {
      channel: 'sms',
      message_type: 'text',
      content: 'x',
    });
    // The design only says advance returns the number of messages changed; 0 or a not-found error both keep
    // the organisations apart.
    let changed = 0;
    try {
      changed = sandbox.advance('sk_test_other', { message_id: message.id, to: 'read' });
    } catch {
      changed = 0;
    }
    expect(changed).toBe(0);
    expect((await getMessage(message)).status).toBe('sent');
  });
});
