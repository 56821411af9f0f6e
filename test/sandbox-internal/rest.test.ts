import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { client, type Page } from '../helpers/rest.js';

type Json = Record<string, unknown>;

let sandbox: Sandbox;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  api = client(sandbox);
});
afterAll(() => sandbox.close());

async function allConversations(): Promise<Json[]> {
  const out: Json[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await api<Page<Json>>('GET', `/conversations?status=all&limit=100&offset=${offset}`);
    out.push(...page.body.data);
    if (!page.body.pagination.has_more) return out;
  }
}

describe('seed', () => {
  it('gives the same ids and content for the same seed, and other ones for another seed', async () => {
    const again = await startSandbox({ port: 0 });
    const other = await startSandbox({ port: 0, seed: 7 });
    try {
      const a = await api<Page<Json>>('GET', '/contacts?limit=5');
      const b = await client(again)<Page<Json>>('GET', '/contacts?limit=5');
      const c = await client(other)<Page<Json>>('GET', '/contacts?limit=5');
      const strip = (list: Json[]) => list.map(({ created_at, updated_at, last_contacted, ...rest }) => rest);
      expect(strip(b.body.data)).toEqual(strip(a.body.data));
      expect(c.body.data[0]?.id).not.toEqual(a.body.data[0]?.id);
    } finally {
      await Promise.all([again.close(), other.close()]);
    }
  });

  it('keeps ids and content when only the clock differs, and embeds contacts as configured', async () => {
    const early = await startSandbox({
      port: 0,
      seedContacts: 30,
      now: () => Date.parse('2026-01-01T00:00:00Z'),
    });
    const late = await startSandbox({
      port: 0,
      seedContacts: 30,
      now: () => Date.parse('2026-06-01T12:34:56Z'),
      embedContact: 'summary',
    });
    try {
      const path = '/conversations?sort=created_at:desc&limit=100';
      const a = (await client(early)<Page<Json>>('GET', path)).body.data;
      const b = (await client(late)<Page<Json>>('GET', path)).body.data;
      expect(b.map((c) => [c.id, c.subject, c.last_message_preview])).toEqual(
        a.map((c) => [c.id, c.subject, c.last_message_preview]),
      );
      expect(Object.keys(b[0]?.contact as Json)).toEqual(['id', 'full_name', 'phone']);
      expect(String(a[0]?.created_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    } finally {
      await Promise.all([early.close(), late.close()]);
    }
  });

  it('has heavy contacts, messages in every conversation and open and closed WhatsApp windows', async () => {
    const conversations = await allConversations();
    const perContact = new Map<string, number>();
    for (const conv of conversations) {
      perContact.set(String(conv.contact_id), (perContact.get(String(conv.contact_id)) ?? 0) + 1);
      expect(conv.message_count).toBeGreaterThan(0);
    }
    expect([...perContact.values()].filter((n) => n >= 12).length).toBeGreaterThanOrEqual(10);
    expect(new Set(conversations.map((c) => c.channel))).toEqual(
      new Set(['whatsapp', 'instagram', 'sms', 'email']),
    );
    expect(new Set(conversations.map((c) => c.status))).toEqual(new Set(['open', 'closed', 'archived']));
    const dayAgo = Date.now() - 24 * 3600_000;
    const whatsapp = conversations.filter((c) => c.channel === 'whatsapp');
    const recent = whatsapp.filter((c) => Date.parse(String(c.last_message_at)) > dayAgo);
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(whatsapp.length);
  });

  it('lets a WhatsApp text through inside the window', async () => {
    const conversations = await allConversations();
    const dayAgo = Date.now() - 20 * 3600_000;
    const open = conversations.find(
      (c) =>
        c.channel === 'whatsapp' && c.status === 'open' && Date.parse(String(c.last_message_at)) > dayAgo,
    );
    expect(open).toBeDefined();
    const messages = await api<Page<Json>>('GET', `/conversation/${String(open?.id)}/messages?limit=100`);
    expect(messages.body.data.at(-1)?.sent_by).toBe('contact');
    const sent = await api('POST', `/contact/${String(open?.contact_id)}/message`, {
      channel: 'whatsapp',
      message_type: 'text',
      content: 'Thanks for waiting!',
    });
    expect(sent.status).toBe(201);
  });
});

describe('contacts', () => {
  it('creates, updates with merged metadata, finds by phone and email, and deletes with a cascade', async () => {
    const created = await api('POST', '/contact', {
      phone: '+14155550100',
      email: 'Ada@Example.com',
      first_name: 'Ada',
      last_name: 'Lovelace',
      metadata: { tier: 'pro', keep: 1 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      full_name: 'Ada Lovelace',
      preferred_channel: null,
      last_contacted: null,
    });
    const id = String(created.body.id);
    expect(id).toMatch(/^cnt_[a-z0-9]{12}$/);

    const updated = await api('PUT', `/contact/${encodeURIComponent('+14155550100')}`, {
      last_name: 'King',
      metadata: { tier: null, plan: 'annual' },
    });
    expect(updated.body).toMatchObject({ full_name: 'Ada King', metadata: { keep: 1, plan: 'annual' } });
    expect((await api('GET', '/contact/ada@example.com')).body.id).toBe(id);

    const sent = await api('POST', `/contact/${id}/message`, {
      channel: 'sms',
      message_type: 'text',
      content: 'Hi',
    });
    const convId = String(sent.body.conversation_id);
    expect((await api('DELETE', `/contact/${id}`)).status).toBe(204);
    expect((await api('GET', `/contact/${id}`)).status).toBe(404);
    const gone = await api('GET', `/conversation/${convId}`);
    expect(gone.status).toBe(404);
    expect(gone.body.details).toEqual({ resource: 'conversation', identifier: convId });
  });

  it('rejects duplicates on create and update, and bad input with details', async () => {
    const first = await api('POST', '/contact', { phone: '+14155550101', first_name: 'One' });
    const second = await api('POST', '/contact', { email: 'two@example.com', first_name: 'Two' });
    const dup = await api('POST', '/contact', { phone: '+14155550101', first_name: 'Again' });
    expect(dup.status).toBe(409);
    expect(dup.body.details).toEqual({ existing_contact_id: first.body.id });
    const clash = await api('PUT', `/contact/${String(second.body.id)}`, { phone: '+14155550101' });
    expect(clash.status).toBe(409);
    const bad = await api('POST', '/contact', { phone: '1234567890', first_name: 'X' });
    expect(bad.body).toMatchObject({
      error: 'invalid_input',
      code: 400,
      details: { field: 'phone', received: '1234567890', expected: '+1234567890' },
    });
    expect(bad.headers.get('x-request-id')).toBe(bad.body.request_id);
    expect((await api('POST', '/contact', { first_name: 'Nobody' })).status).toBe(400);
    expect((await api('POST', '/contact', { phone: '+14155550102' })).body.details).toMatchObject({
      field: 'first_name',
    });
  });
});

describe('lists', () => {
  it('validates limit, offset and enums', async () => {
    for (const q of ['limit=0', 'limit=101', 'limit=1.5', 'offset=-1', 'status=bogus', 'sort=name']) {
      const res = await api('GET', `/conversations?${q}`);
      expect(res.status, q).toBe(400);
      expect((res.body.details as Json).field).toBe(q.split('=')[0]);
    }
    const past = await api<Page<Json>>('GET', '/contacts?offset=100000');
    expect(past.body.data).toEqual([]);
    expect(past.body.pagination.has_more).toBe(false);
  });

  it('filters conversations and sorts by last message', async () => {
    const list = await api<Page<Json>>('GET', '/conversations?status=open&channel=email&limit=100');
    expect(list.body.data.every((c) => c.status === 'open' && c.channel === 'email')).toBe(true);
    const times = list.body.data.map((c) => Date.parse(String(c.last_message_at)));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const unassigned = await api<Page<Json>>('GET', '/conversations?assigned_to=none&limit=100');
    expect(unassigned.body.data.every((c) => c.assigned_to === null)).toBe(true);
    const search = await api<Page<Json>>('GET', '/conversations?search=REFUND&limit=5');
    expect(search.body.pagination.total).toBeGreaterThan(0);
  });
});

describe('conversations', () => {
  it('updates status, assignment and labels', async () => {
    const [conv] = (await api<Page<Json>>('GET', '/conversations?status=open&limit=1')).body.data;
    const id = String(conv?.id);
    const res = await api('PUT', `/conversation/${id}`, {
      status: 'closed',
      assigned_to: 'usr_agent2',
      labels: ['billing'],
      unread_count: 0,
    });
    expect(res.body).toMatchObject({
      status: 'closed',
      labels: ['billing'],
      unread_count: 0,
      assigned_to: { id: 'usr_agent2', name: 'Miguel Torres' },
    });
    expect((await api('PUT', `/conversation/${id}`, { assigned_to: 'usr_nobody' })).status).toBe(422);
    expect((await api('PUT', `/conversation/${id}`, { assigned_to: null })).body.assigned_to).toBeNull();
  });
});

describe('auth', () => {
  it('answers 401 for unknown keys and 403 with details for a missing scope', async () => {
    expect((await client(sandbox, 'sk_test_nope')('GET', '/contacts')).status).toBe(401);
    expect((await client(sandbox, null)('GET', '/contacts')).status).toBe(401);
    const readonly = client(sandbox, 'sk_test_readonly');
    expect((await readonly('GET', '/contacts?limit=1')).status).toBe(200);
    const denied = await readonly('POST', '/contact', { phone: '+14155550103', first_name: 'X' });
    expect(denied.status).toBe(403);
    expect(denied.body.details).toEqual({
      required_permission: 'contacts:write',
      key_permissions: ['contacts:read', 'conversations:read'],
    });
  });

  it('keeps organisations apart', async () => {
    const [contact] = (await api<Page<Json>>('GET', '/contacts?limit=1')).body.data;
    const other = client(sandbox, 'sk_test_other');
    expect((await other('GET', `/contact/${String(contact?.id)}`)).status).toBe(404);
  });
});
