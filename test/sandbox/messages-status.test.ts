import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  control,
  createContact,
  expectStatus,
  SANDBOX_KEY,
  SECONDS_TIMESTAMP,
  sandbox,
  sendMessage,
} from '../helpers/rest.js';
import { clock, getMessage, getMessages, useMessagesSandbox } from '../helpers/sandbox-messages.js';

useMessagesSandbox();

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
