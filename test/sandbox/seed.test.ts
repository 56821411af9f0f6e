import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import {
  type Contact,
  type Conversation,
  call,
  contactSchema,
  conversationSchema,
  E164,
  expectError,
  expectStatus,
  listAll,
  type Message,
  messageSchema,
  OTHER_KEY,
  pageSchema,
  templateSchema,
} from '../helpers/rest.js';
import { isoSeconds, ManualClock } from '../helpers/time.js';

const T0 = Date.parse('2026-01-25T10:30:00Z');
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

interface Snapshot {
  contacts: Contact[];
  conversations: Conversation[];
  messages: Message[][];
}

async function withSandbox<T>(options: SandboxOptions, run: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  const sandbox = await startSandbox({ port: 0, ...options });
  try {
    return await run(sandbox);
  } finally {
    await sandbox.close();
  }
}

async function snapshot(sandbox: Sandbox, key?: string): Promise<Snapshot> {
  const contacts = await listAll(sandbox, '/contacts', contactSchema, { key });
  const conversations = await listAll(sandbox, '/conversations', conversationSchema, {
    key,
    query: { status: 'all', sort: 'created_at:desc' },
  });
  const messages: Message[][] = [];
  for (const conversation of conversations.slice(0, 5)) {
    messages.push(
      await listAll(sandbox, `/conversation/${conversation.id}/messages`, messageSchema, { key }),
    );
  }
  return { contacts, conversations, messages };
}

function content(snap: Snapshot) {
  return {
    contacts: snap.contacts.map((c) => [c.id, c.full_name, c.phone, c.email, c.metadata]),
    conversations: snap.conversations.map((c) => [
      c.id,
      c.contact_id,
      c.channel,
      c.subject,
      c.status,
      c.labels,
    ]),
    messages: snap.messages.map((list) => list.map((m) => [m.id, m.message_type, m.content, m.sent_by])),
  };
}

describe('deterministic seed', () => {
  it('produces identical data for the same seed and clock', async () => {
    const clock = () => T0;
    const a = await withSandbox({ seed: 7, seedContacts: 12, now: clock }, snapshot);
    const b = await withSandbox({ seed: 7, seedContacts: 12, now: clock }, snapshot);
    expect(a.contacts.length).toBe(12);
    expect(a.conversations.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('keeps ids and content for the same seed under another clock, with timestamps moved along', async () => {
    const a = await withSandbox({ seed: 7, seedContacts: 12, now: () => T0 }, snapshot);
    const later = await withSandbox({ seed: 7, seedContacts: 12, now: () => T0 + HOUR }, snapshot);
    expect(content(later)).toEqual(content(a));
    const shift = later.contacts.map(
      (c, i) => Date.parse(c.created_at) - Date.parse(a.contacts[i].created_at),
    );
    expect(new Set(shift)).toEqual(new Set([HOUR]));
    for (const contact of later.contacts)
      expect(Date.parse(contact.created_at)).toBeLessThanOrEqual(T0 + HOUR);
  });

  it('produces different ids for a different seed', async () => {
    const a = await withSandbox({ seed: 7, seedContacts: 12 }, snapshot);
    const b = await withSandbox({ seed: 8, seedContacts: 12 }, snapshot);
    const idsA = new Set(a.contacts.map((c) => c.id));
    expect(b.contacts.filter((c) => idsA.has(c.id))).toEqual([]);
    expect(content(b).contacts).not.toEqual(content(a).contacts);
  });

  it('uses seed 42 by default', async () => {
    const byDefault = await withSandbox({ seedContacts: 5, now: () => T0 }, snapshot);
    const explicit = await withSandbox({ seed: 42, seedContacts: 5, now: () => T0 }, snapshot);
    expect(byDefault).toEqual(explicit);
  });

  it('seeds each organisation with its own data', async () => {
    await withSandbox({ seed: 7, seedContacts: 12 }, async (sandbox) => {
      const demo = await snapshot(sandbox);
      const other = await snapshot(sandbox, OTHER_KEY);
      expect(other.contacts.length).toBe(12);
      const demoIds = new Set(demo.contacts.map((c) => c.id));
      expect(other.contacts.filter((c) => demoIds.has(c.id))).toEqual([]);
    });
  });
});

describe('seed size', () => {
  it('seeds exactly seedContacts contacts', async () => {
    await withSandbox({ seedContacts: 12 }, async (sandbox) => {
      const page = expectStatus(await call(sandbox, 'GET', '/contacts'), 200, pageSchema(contactSchema));
      expect(page.pagination.total).toBe(12);
    });
  });

  it('starts empty with seedContacts 0 but still offers the templates', async () => {
    await withSandbox({ seedContacts: 0 }, async (sandbox) => {
      const contacts = expectStatus(await call(sandbox, 'GET', '/contacts'), 200, pageSchema(contactSchema));
      expect(contacts.pagination).toEqual({ limit: 20, offset: 0, total: 0, has_more: false });
      expect(contacts.data).toEqual([]);
      const conversations = await call(sandbox, 'GET', '/conversations', { query: { status: 'all' } });
      expect(expectStatus(conversations, 200, pageSchema(conversationSchema)).pagination.total).toBe(0);
      const templates = await call(sandbox, 'GET', '/channels/whatsapp/templates');
      expect(expectStatus(templates, 200, pageSchema(templateSchema)).data.length).toBeGreaterThan(0);
    });
  });
});

describe('the default seed (200 contacts)', () => {
  let sandbox: Sandbox;
  let contacts: Contact[];
  let conversations: Conversation[];
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, now: clock.now });
    contacts = await listAll(sandbox, '/contacts', contactSchema);
    conversations = await listAll(sandbox, '/conversations', conversationSchema, {
      query: { status: 'all' },
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('has 200 contacts with E.164 phones, emails and unique phone numbers', () => {
    expect(contacts.length).toBe(200);
    const phones = contacts.flatMap((c) => (c.phone === null ? [] : [c.phone]));
    expect(phones.length).toBeGreaterThan(150);
    for (const phone of phones) expect(phone).toMatch(E164);
    expect(new Set(phones).size).toBe(phones.length);
    for (const contact of contacts) if (contact.email !== null) expect(contact.email).toContain('@');
    expect(contacts.some((c) => Object.keys(c.metadata).length > 0)).toBe(true);
  });

  it('has at least 10 contacts with 12 or more conversations each (the benchmark inbox)', () => {
    const perContact = new Map<string, number>();
    for (const conversation of conversations) {
      perContact.set(conversation.contact_id, (perContact.get(conversation.contact_id) ?? 0) + 1);
    }
    expect([...perContact.values()].filter((n) => n >= 12).length).toBeGreaterThanOrEqual(10);
  });

  it('has conversations on all four channels, in every status and priority, with labels and several agents', () => {
    expect(new Set(conversations.map((c) => c.channel))).toEqual(
      new Set(['whatsapp', 'instagram', 'sms', 'email']),
    );
    expect(new Set(conversations.map((c) => c.status))).toEqual(new Set(['open', 'closed', 'archived']));
    expect(new Set(conversations.map((c) => c.priority))).toEqual(new Set(['low', 'medium', 'high']));
    expect(conversations.some((c) => c.labels.length > 0)).toBe(true);
    expect(conversations.some((c) => c.assigned_to === null)).toBe(true);
    const agents = new Set(conversations.flatMap((c) => (c.assigned_to === null ? [] : [c.assigned_to.id])));
    expect(agents.size).toBeGreaterThanOrEqual(3);
    for (const conversation of conversations) {
      expect(conversation.message_count).toBeGreaterThanOrEqual(1);
      expect(Date.parse(conversation.created_at)).toBeLessThanOrEqual(clock.time);
    }
  });

  it('has messages of every type and status, matching each conversation’s message_count', async () => {
    const types = new Set<string>();
    const statuses = new Set<string>();
    const senders = new Set<string>();
    for (const conversation of conversations.slice(0, 60)) {
      const messages = await listAll(sandbox, `/conversation/${conversation.id}/messages`, messageSchema);
      expect(messages.length).toBe(conversation.message_count);
      expect(messages.length).toBeGreaterThanOrEqual(1);
      for (const message of messages) {
        types.add(message.message_type);
        statuses.add(message.status);
        senders.add(message.sent_by);
        expect(Date.parse(message.sent_at)).toBeLessThanOrEqual(clock.time);
      }
      expect(conversation.last_message_at).toBe(messages[messages.length - 1].sent_at);
    }
    expect(types).toEqual(new Set(['text', 'template', 'image', 'document']));
    expect(statuses).toEqual(new Set(['sent', 'delivered', 'read', 'failed']));
    expect(senders.has('user') && senders.has('contact')).toBe(true);
  });

  it('offers order_confirmation (approved, 4 parameters) plus a pending and a rejected template', async () => {
    const res = await call(sandbox, 'GET', '/channels/whatsapp/templates', { query: { limit: 100 } });
    const templates = expectStatus(res, 200, pageSchema(templateSchema)).data;
    expect(templates.find((t) => t.name === 'order_confirmation')).toMatchObject({
      status: 'approved',
      parameter_count: 4,
    });
    const statuses = templates.map((t) => t.status);
    expect(statuses).toContain('pending');
    expect(statuses).toContain('rejected');
  });

  it('has WhatsApp contacts with an open 24-hour window and others without one', async () => {
    const whatsappContacts = [
      ...new Set(
        conversations
          .filter((c) => c.channel === 'whatsapp' && c.status !== 'archived')
          .map((c) => c.contact_id),
      ),
    ];
    const outcomes = new Set<number>();
    for (const contactId of whatsappContacts.slice(0, 80)) {
      const res = await call(sandbox, 'POST', `/contact/${contactId}/message`, {
        body: { channel: 'whatsapp', message_type: 'text', content: 'Following up' },
      });
      outcomes.add(res.status);
      if (outcomes.has(201) && outcomes.has(422)) break;
    }
    expect(outcomes).toEqual(new Set([201, 422]));
  });

  it('still refuses texts to seeded contacts whose WhatsApp conversations went quiet over 24 h ago', async () => {
    const whatsapp = await listAll(sandbox, '/conversations', conversationSchema, {
      query: { status: 'all', channel: 'whatsapp' },
    });
    const byContact = new Map<string, Conversation[]>();
    for (const conv of whatsapp)
      byContact.set(conv.contact_id, [...(byContact.get(conv.contact_id) ?? []), conv]);
    const quiet = [...byContact].filter(
      ([, convs]) =>
        convs.some((c) => c.status !== 'archived') &&
        convs.every((c) => Date.parse(c.last_message_at ?? c.created_at) < clock.time - DAY),
    );
    expect(quiet.length).toBeGreaterThanOrEqual(5);
    for (const [contactId, convs] of quiet.slice(0, 5)) {
      // The list is newest message first, so the first non-archived one is the conversation a send reuses.
      const target = convs.find((c) => c.status !== 'archived');
      let opened = Date.parse(target?.created_at ?? '');
      for (const conv of convs) {
        for (const m of await listAll(sandbox, `/conversation/${conv.id}/messages`, messageSchema)) {
          if (m.sent_by === 'contact') opened = Math.max(opened, Date.parse(m.sent_at));
        }
      }
      const res = await call(sandbox, 'POST', `/contact/${contactId}/message`, {
        body: { channel: 'whatsapp', message_type: 'text', content: 'Following up' },
      });
      expect(expectError(res, 422, 'validation_failed').details).toEqual({
        reason: 'outside_24h_window',
        window_expires_at: isoSeconds(opened + DAY),
      });
    }
  });
});
