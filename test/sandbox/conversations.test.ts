import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { startSandbox } from '../../src/sandbox/index.js';
import {
  type agentSchema,
  type Conversation,
  call,
  contactSchema,
  conversationSchema,
  createContact,
  expectError,
  expectInvalidInput,
  expectStatus,
  listAll,
  messageSchema,
  pageSchema,
  sandbox,
  sendMessage,
  uniqueToken,
  useSandbox,
} from '../helpers/rest.js';

useSandbox({ seedContacts: 30 });
let all: Conversation[];

beforeAll(async () => {
  all = await listAll(sandbox, '/conversations', conversationSchema, { query: { status: 'all' } });
});

function ids(conversations: { id: string }[]): string[] {
  return conversations.map((c) => c.id);
}

async function freshConversation(): Promise<Conversation> {
  const contact = await createContact(sandbox);
  const message = await sendMessage(sandbox, contact.id, {
    channel: 'sms',
    message_type: 'text',
    content: 'hi',
  });
  const res = await call(sandbox, 'GET', `/conversation/${message.conversation_id}`);
  return expectStatus(res, 200, conversationSchema);
}

function agents(): z.infer<typeof agentSchema>[] {
  const byId = new Map<string, z.infer<typeof agentSchema>>();
  for (const conversation of all) {
    if (conversation.assigned_to !== null) byId.set(conversation.assigned_to.id, conversation.assigned_to);
  }
  return [...byId.values()];
}

describe('GET /conversation/{id} (E9)', () => {
  it('returns the full conversation with the full contact embedded', async () => {
    const conversation = all[0];
    const res = await call(sandbox, 'GET', `/conversation/${conversation.id}`);
    const fetched = expectStatus(res, 200, conversationSchema);
    expect(fetched.id).toBe(conversation.id);
    const embedded = contactSchema.parse(fetched.contact);
    const contact = expectStatus(
      await call(sandbox, 'GET', `/contact/${fetched.contact_id}`),
      200,
      contactSchema,
    );
    expect(embedded).toEqual(contact);
  });

  it('answers an unknown id with 404 not_found naming the conversation', async () => {
    const error = expectError(
      await call(sandbox, 'GET', '/conversation/conv_unknown00000'),
      404,
      'not_found',
    );
    expect(error.details).toMatchObject({ identifier: 'conv_unknown00000' });
    expect(String(error.details?.resource)).toMatch(/conversation/i);
  });
});

describe('embedContact option', () => {
  it('embeds {id, full_name, phone} with embedContact "summary" and nothing with "none"', async () => {
    for (const embedContact of ['summary', 'none'] as const) {
      const other = await startSandbox({ port: 0, seedContacts: 0, embedContact });
      try {
        const contact = await createContact(other);
        const message = await sendMessage(other, contact.id, {
          channel: 'sms',
          message_type: 'text',
          content: 'x',
        });
        const res = await call(other, 'GET', `/conversation/${message.conversation_id}`);
        const conversation = expectStatus(res, 200, conversationSchema);
        if (embedContact === 'summary') {
          expect(conversation.contact).toEqual({
            id: contact.id,
            full_name: contact.full_name,
            phone: contact.phone,
          });
        } else {
          expect(Object.hasOwn(res.json as object, 'contact')).toBe(false);
        }
      } finally {
        await other.close();
      }
    }
  });
});

describe('GET /conversations (E8)', () => {
  it('has seeded conversations on several channels, statuses and assignees', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(new Set(all.map((c) => c.channel)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(all.map((c) => c.status)).size).toBeGreaterThanOrEqual(2);
    expect(agents().length).toBeGreaterThanOrEqual(2);
  });

  it('sorts by last_message_at descending by default, nulls last', () => {
    let seenNull = false;
    for (let i = 1; i < all.length; i++) {
      const [prev, next] = [all[i - 1], all[i]];
      if (prev.last_message_at === null) seenNull = true;
      if (seenNull) {
        expect(next.last_message_at).toBeNull();
        expect(Date.parse(prev.created_at)).toBeGreaterThanOrEqual(Date.parse(next.created_at));
      } else if (next.last_message_at !== null) {
        expect(Date.parse(prev.last_message_at ?? '')).toBeGreaterThanOrEqual(
          Date.parse(next.last_message_at),
        );
      }
    }
  });

  it('sorts by created_at descending with sort=created_at:desc and by last_message_at with sort=last_message_at:desc', async () => {
    const byCreated = await listAll(sandbox, '/conversations', conversationSchema, {
      query: { status: 'all', sort: 'created_at:desc' },
    });
    const created = byCreated.map((c) => Date.parse(c.created_at));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(ids(byCreated).sort()).toEqual(ids(all).sort());

    const byLast = await listAll(sandbox, '/conversations', conversationSchema, {
      query: { status: 'all', sort: 'last_message_at:desc' },
    });
    const last = byLast
      .filter((c) => c.last_message_at !== null)
      .map((c) => Date.parse(c.last_message_at ?? ''));
    expect(last).toEqual([...last].sort((a, b) => b - a));
  });

  it('rejects an unknown sort with 400 invalid_input', async () => {
    expectInvalidInput(
      await call(sandbox, 'GET', '/conversations', { query: { sort: 'created_at:asc' } }),
      'sort',
    );
  });

  it('filters by each status, and the statuses add up to status=all', async () => {
    let sum = 0;
    for (const status of ['open', 'closed', 'archived'] as const) {
      const list = await listAll(sandbox, '/conversations', conversationSchema, { query: { status } });
      for (const conversation of list) expect(conversation.status).toBe(status);
      expect(ids(list).sort()).toEqual(ids(all.filter((c) => c.status === status)).sort());
      sum += list.length;
    }
    expect(sum).toBe(all.length);
  });

  it('filters by channel', async () => {
    for (const channel of ['whatsapp', 'instagram', 'sms', 'email'] as const) {
      const list = await listAll(sandbox, '/conversations', conversationSchema, {
        query: { status: 'all', channel },
      });
      expect(ids(list).sort()).toEqual(ids(all.filter((c) => c.channel === channel)).sort());
    }
  });

  it('filters by assignee id and by assigned_to=none', async () => {
    const agent = agents()[0];
    const assigned = await listAll(sandbox, '/conversations', conversationSchema, {
      query: { status: 'all', assigned_to: agent.id },
    });
    expect(assigned.length).toBeGreaterThan(0);
    expect(ids(assigned).sort()).toEqual(ids(all.filter((c) => c.assigned_to?.id === agent.id)).sort());

    const unassigned = await listAll(sandbox, '/conversations', conversationSchema, {
      query: { status: 'all', assigned_to: 'none' },
    });
    expect(ids(unassigned).sort()).toEqual(ids(all.filter((c) => c.assigned_to === null)).sort());
  });

  it('filters by label', async () => {
    const label = all.flatMap((c) => c.labels)[0];
    expect(label).toBeDefined();
    const list = await listAll(sandbox, '/conversations', conversationSchema, {
      query: { status: 'all', label },
    });
    expect(ids(list).sort()).toEqual(ids(all.filter((c) => c.labels.includes(label))).sort());
  });

  it('searches the subject and the message text case-insensitively', async () => {
    const bySubject = await freshConversation();
    const subjectToken = uniqueToken('subj');
    const put = await call(sandbox, 'PUT', `/conversation/${bySubject.id}`, {
      body: { subject: `Order ${subjectToken} inquiry` },
    });
    expectStatus(put, 200);
    const found = await call(sandbox, 'GET', '/conversations', {
      query: { status: 'all', search: subjectToken.toUpperCase() },
    });
    expect(ids(expectStatus(found, 200, pageSchema(conversationSchema)).data)).toEqual([bySubject.id]);

    const contact = await createContact(sandbox);
    const textToken = uniqueToken('body');
    await sendMessage(sandbox, contact.id, { channel: 'email', message_type: 'text', content: 'first' });
    const message = await sendMessage(sandbox, contact.id, {
      channel: 'email',
      message_type: 'text',
      content: `Where is ${textToken}?`,
    });
    await sendMessage(sandbox, contact.id, { channel: 'email', message_type: 'text', content: 'last' });
    const byText = await call(sandbox, 'GET', '/conversations', {
      query: { status: 'all', search: textToken.toUpperCase() },
    });
    expect(ids(expectStatus(byText, 200, pageSchema(conversationSchema)).data)).toEqual([
      message.conversation_id,
    ]);
  });

  it('rejects unknown status and channel values with 400 invalid_input', async () => {
    expectInvalidInput(
      await call(sandbox, 'GET', '/conversations', { query: { status: 'resolved' } }),
      'status',
    );
    expectInvalidInput(
      await call(sandbox, 'GET', '/conversations', { query: { channel: 'telegram' } }),
      'channel',
    );
  });
});

describe('PUT /conversation/{id} (I5)', () => {
  it('updates status and priority and leaves everything else unchanged', async () => {
    const conversation = await freshConversation();
    const res = await call(sandbox, 'PUT', `/conversation/${conversation.id}`, {
      body: { status: 'closed', priority: 'high' },
    });
    const updated = expectStatus(res, 200, conversationSchema);
    expect(updated).toMatchObject({
      ...conversation,
      status: 'closed',
      priority: 'high',
      updated_at: expect.any(String),
    });
    expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(conversation.updated_at));
    const fetched = expectStatus(
      await call(sandbox, 'GET', `/conversation/${conversation.id}`),
      200,
      conversationSchema,
    );
    expect(fetched).toMatchObject({ status: 'closed', priority: 'high' });
  });

  it('assigns an agent as {id, name, email} and unassigns with null', async () => {
    const conversation = await freshConversation();
    const agent = agents()[0];
    const assigned = await call(sandbox, 'PUT', `/conversation/${conversation.id}`, {
      body: { assigned_to: agent.id },
    });
    const body = expectStatus(assigned, 200, conversationSchema);
    expect(body.assigned_to).toEqual(agent);
    const filtered = await listAll(sandbox, '/conversations', conversationSchema, {
      query: { status: 'all', assigned_to: agent.id },
    });
    expect(ids(filtered)).toContain(conversation.id);

    const unassigned = await call(sandbox, 'PUT', `/conversation/${conversation.id}`, {
      body: { assigned_to: null },
    });
    expect(expectStatus(unassigned, 200, conversationSchema).assigned_to).toBeNull();
  });

  it('rejects an unknown agent id', async () => {
    const conversation = await freshConversation();
    const res = await call(sandbox, 'PUT', `/conversation/${conversation.id}`, {
      body: { assigned_to: 'usr_nobody' },
    });
    expect([400, 422]).toContain(res.status);
    expectError(res, res.status, res.status === 400 ? 'invalid_input' : 'validation_failed');
  });

  it('replaces labels and tags and sets the subject', async () => {
    const conversation = await freshConversation();
    const first = await call(sandbox, 'PUT', `/conversation/${conversation.id}`, {
      body: { labels: ['billing', 'urgent'], tags: ['t1'], subject: 'Refund request' },
    });
    expect(expectStatus(first, 200, conversationSchema)).toMatchObject({
      labels: ['billing', 'urgent'],
      tags: ['t1'],
      subject: 'Refund request',
    });
    const second = await call(sandbox, 'PUT', `/conversation/${conversation.id}`, {
      body: { labels: ['vip'] },
    });
    expect(expectStatus(second, 200, conversationSchema)).toMatchObject({
      labels: ['vip'],
      tags: ['t1'],
      subject: 'Refund request',
    });
    const byLabel = await call(sandbox, 'GET', '/conversations', {
      query: { status: 'all', label: 'billing' },
    });
    expect(ids(expectStatus(byLabel, 200, pageSchema(conversationSchema)).data)).not.toContain(
      conversation.id,
    );
  });

  it('marks a conversation read with unread_count 0', async () => {
    const withUnread = all.find((c) => c.unread_count > 0) ?? all[0];
    const res = await call(sandbox, 'PUT', `/conversation/${withUnread.id}`, { body: { unread_count: 0 } });
    expect(expectStatus(res, 200, conversationSchema).unread_count).toBe(0);
  });

  it('rejects an unknown status or priority with 400 invalid_input', async () => {
    const conversation = await freshConversation();
    const path = `/conversation/${conversation.id}`;
    expectInvalidInput(await call(sandbox, 'PUT', path, { body: { status: 'resolved' } }), 'status');
    expectInvalidInput(await call(sandbox, 'PUT', path, { body: { priority: 'urgent' } }), 'priority');
  });

  it('answers an unknown conversation with 404 not_found', async () => {
    const res = await call(sandbox, 'PUT', '/conversation/conv_unknown00000', { body: { status: 'closed' } });
    expectError(res, 404, 'not_found');
  });
});

describe('GET /conversation/{id}/messages (E10)', () => {
  it('lists the messages oldest first, all belonging to the conversation, as many as message_count', async () => {
    const conversation = all.find((c) => c.message_count > 2) ?? all[0];
    const messages = await listAll(sandbox, `/conversation/${conversation.id}/messages`, messageSchema);
    expect(messages.length).toBe(conversation.message_count);
    const sentAt = messages.map((m) => Date.parse(m.sent_at));
    expect(sentAt).toEqual([...sentAt].sort((a, b) => a - b));
    for (const message of messages) {
      expect(message).toMatchObject({
        conversation_id: conversation.id,
        contact_id: conversation.contact_id,
        channel: conversation.channel,
      });
    }
  });

  it('answers an unknown conversation with 404 not_found', async () => {
    expectError(await call(sandbox, 'GET', '/conversation/conv_unknown00000/messages'), 404, 'not_found');
  });
});
