import { describe, expect, it } from 'vitest';
import {
  call,
  control,
  createContact,
  expectError,
  expectStatus,
  messageSchema,
  SANDBOX_KEY,
  sandbox,
  sendMessage,
} from '../helpers/rest.js';
import { clock, DAY, getConversation, send, useMessagesSandbox } from '../helpers/sandbox-messages.js';
import { isoSeconds } from '../helpers/time.js';

useMessagesSandbox();

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
