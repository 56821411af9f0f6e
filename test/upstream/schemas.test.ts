import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contactPageSchema, contactSchema } from '../../src/upstream/contacts.js';
import { conversationPageSchema, conversationSchema } from '../../src/upstream/conversations.js';
import { messagePageSchema, messageSchema } from '../../src/upstream/messages.js';

const message = (i: number) => ({
  id: `msg_${i}`,
  conversation_id: 'conv_1',
  contact_id: 'cnt_1',
  channel: 'whatsapp',
  content: `hello ${i}`,
  sent_at: '2026-11-30T10:00:00Z',
});
const page = <T>(data: T[]) => ({
  data,
  pagination: { limit: 20, offset: 0, total: data.length, has_more: false },
});

describe('upstream response schemas', () => {
  it('can all be compiled: a construct z.compile cannot generate would fall back to the runtime parser unseen', () => {
    const schemas = {
      contactSchema,
      contactPageSchema,
      conversationSchema,
      conversationPageSchema,
      messageSchema,
      messagePageSchema,
    };
    for (const [name, schema] of Object.entries(schemas)) {
      expect(() => z.compile(schema, { strict: true }), name).not.toThrow();
    }
  });

  it('fill defaults and keep nulls as the runtime parser does, with a fresh default per body', () => {
    const parsed = messagePageSchema.parse(page([message(1), { ...message(2), read_at: null }]));
    expect(parsed.data[0]).toEqual({ ...message(1), message_type: 'text', status: 'sent', sent_by: 'user' });
    expect(parsed.data[1].read_at).toBeNull();

    const bare = {
      id: 'cnt_1',
      first_name: 'Ana',
      created_at: '2026-11-30T10:00:00Z',
      updated_at: '2026-11-30T10:00:00.123+01:00',
    };
    const a = contactSchema.parse(bare);
    const b = contactSchema.parse(bare);
    expect(a).toMatchObject({ metadata: {}, status: 'active' });
    a.metadata.touched = true;
    expect(b.metadata).toEqual({});
  });

  it('reject a body that breaks the schema with zod’s own issues and paths', () => {
    const result = messagePageSchema.safeParse(page([message(1), { ...message(2), sent_at: 'yesterday' }]));
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ code: 'invalid_format', path: ['data', 1, 'sent_at'] }),
    ]);
    const conversation = conversationSchema.safeParse({ id: 'conv_1', contact_id: 'cnt_1', channel: 'fax' });
    expect(conversation.error?.issues.map((i) => i.path.join('.'))).toEqual(['channel', 'created_at']);
  });
});
