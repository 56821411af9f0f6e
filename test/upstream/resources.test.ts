import { beforeAll, describe, expect, it } from 'vitest';
import { contacts } from '../../src/upstream/contacts.js';
import { conversations } from '../../src/upstream/conversations.js';
import { messages } from '../../src/upstream/messages.js';
import { OTHER_KEY, SANDBOX_KEY, uniqueEmail, uniquePhone } from '../helpers/rest.js';
import {
  caller,
  client,
  requestsTo,
  sandbox,
  upstreamFailure,
  useSandboxClient,
} from '../helpers/upstream.js';

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

useSandboxClient({ seedContacts: 8 });
const me = caller();

describe('contacts', () => {
  it('creates a contact and returns the full parsed object', async () => {
    const phone = uniquePhone();
    const email = uniqueEmail();
    const contact = await contacts.create(client, me, {
      first_name: 'Ada',
      last_name: 'Lovelace',
      phone,
      email,
      preferred_channel: 'sms',
      metadata: { tier: 'gold' },
    });

    expect(contact).toEqual({
      id: expect.stringMatching(/^cnt_/),
      phone,
      email,
      first_name: 'Ada',
      last_name: 'Lovelace',
      full_name: 'Ada Lovelace',
      preferred_channel: 'sms',
      metadata: { tier: 'gold' },
      status: 'active',
      created_at: expect.stringMatching(ISO_SECONDS),
      updated_at: expect.stringMatching(ISO_SECONDS),
      last_contacted: null,
    });
    expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v2/contact']);
  });

  it('sends the caller key as X-API-Key on every call', async () => {
    await contacts.list(client, caller(OTHER_KEY), { limit: 1 });
    await contacts.list(client, me, { limit: 1 });

    expect(sandbox.requests.map((r) => r.apiKey)).toEqual([OTHER_KEY, SANDBOX_KEY]);
    expect(sandbox.requests.map((r) => r.organizationId)).toEqual(['org_other', 'org_demo']);
  });

  it('keeps one organisation from seeing another one’s contact', async () => {
    const contact = await contacts.create(client, me, { first_name: 'Mine', phone: uniquePhone() });

    const err = await upstreamFailure(contacts.get(client, caller(OTHER_KEY), contact.id));

    expect(err).toMatchObject({ kind: 'http', status: 404, error: 'not_found' });
  });

  describe('lookup by identifier', () => {
    let phone: string;
    let email: string;
    let id: string;

    beforeAll(async () => {
      phone = uniquePhone();
      email = uniqueEmail('first.last+tag');
      ({ id } = await contacts.create(client, me, { first_name: 'Look', last_name: 'Up', phone, email }));
    });

    it('gets a contact by id', async () => {
      const contact = await contacts.get(client, me, id);

      expect(contact).toMatchObject({ id, phone, email, full_name: 'Look Up' });
      expect(sandbox.requests.map((r) => r.path)).toEqual([`/v2/contact/${id}`]);
    });

    it('gets a contact by E.164 phone, sending the plus as %2B', async () => {
      const contact = await contacts.get(client, me, phone);

      expect(contact.id).toBe(id);
      expect(sandbox.requests.map((r) => r.path)).toEqual([`/v2/contact/%2B${phone.slice(1)}`]);
    });

    it('gets a contact by email, leaving the @ raw and encoding a plus in the local part', async () => {
      const contact = await contacts.get(client, me, email);

      expect(contact.id).toBe(id);
      const [request] = sandbox.requests;
      expect(request.path).toBe(`/v2/contact/${email.replace('+', '%2B')}`);
      expect(request.path).toContain('@');
    });
  });

  it('lists contacts with limit and offset and returns the page envelope', async () => {
    const all = await contacts.list(client, me, { limit: 100 });
    const page = await contacts.list(client, me, { limit: 2, offset: 1 });

    expect(page.pagination).toEqual({ limit: 2, offset: 1, total: all.pagination.total, has_more: true });
    expect(page.data.map((c) => c.id)).toEqual(all.data.slice(1, 3).map((c) => c.id));
    expect(sandbox.requests[1]).toMatchObject({
      method: 'GET',
      path: '/v2/contacts',
      query: { limit: '2', offset: '1' },
    });
  });

  it('searches contacts and leaves unset parameters out of the query', async () => {
    const email = uniqueEmail('needle');
    const contact = await contacts.create(client, me, { first_name: 'Needle', email });
    sandbox.clearRequests();

    const page = await contacts.list(client, me, { search: email, limit: undefined });

    expect(page.data.map((c) => c.id)).toEqual([contact.id]);
    expect(sandbox.requests[0].query).toEqual({ search: email });
  });

  it('updates a contact, merging metadata and removing null keys', async () => {
    const created = await contacts.create(client, me, {
      first_name: 'Old',
      phone: uniquePhone(),
      metadata: { keep: 1, drop: 2 },
    });

    const updated = await contacts.update(client, me, created.id, {
      first_name: 'New',
      metadata: { drop: null, add: 'x' },
    });

    expect(updated).toMatchObject({ id: created.id, first_name: 'New', metadata: { keep: 1, add: 'x' } });
    expect(requestsTo(sandbox, 'PUT', `/v2/contact/${created.id}`)).toHaveLength(1);
  });

  it('deletes a contact, returning nothing, after which it is not found', async () => {
    const created = await contacts.create(client, me, { first_name: 'Gone', phone: uniquePhone() });

    await expect(contacts.delete(client, me, created.id)).resolves.toBeUndefined();
    const err = await upstreamFailure(contacts.get(client, me, created.id));

    expect(err).toMatchObject({ kind: 'http', status: 404 });
    expect(requestsTo(sandbox, 'DELETE', `/v2/contact/${created.id}`)).toHaveLength(1);
  });
});

describe('conversations and messages', () => {
  let contactId: string;
  let conversationId: string;

  beforeAll(async () => {
    ({ id: contactId } = await contacts.create(client, me, { first_name: 'Texter', phone: uniquePhone() }));
  });

  it('sends an SMS text, which creates a conversation', async () => {
    const message = await messages.send(client, me, contactId, {
      channel: 'sms',
      message_type: 'text',
      content: 'Hello from the gateway',
    });

    expect(message).toMatchObject({
      id: expect.stringMatching(/^msg_/),
      conversation_id: expect.stringMatching(/^conv_/),
      contact_id: contactId,
      channel: 'sms',
      message_type: 'text',
      content: 'Hello from the gateway',
      sent_by: 'user',
      sent_at: expect.stringMatching(ISO_SECONDS),
    });
    expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /v2/contact/${contactId}/message`,
    ]);
    conversationId = message.conversation_id;

    const conversation = await conversations.get(client, me, conversationId);
    expect(conversation).toMatchObject({
      id: conversationId,
      contact_id: contactId,
      channel: 'sms',
      status: 'open',
      message_count: 1,
      last_message_preview: 'Hello from the gateway',
    });
    expect(conversation.contact?.id).toBe(contactId);
  });

  it('lists the contact’s conversations with filters in the query', async () => {
    const page = await conversations.listForContact(client, me, contactId, { channel: 'sms', limit: 5 });

    expect(page.data.map((c) => c.id)).toEqual([conversationId]);
    expect(page.pagination).toEqual({ limit: 5, offset: 0, total: 1, has_more: false });
    expect(sandbox.requests[0]).toMatchObject({
      method: 'GET',
      path: `/v2/contact/${contactId}/conversations`,
      query: { channel: 'sms', limit: '5' },
    });
  });

  it('lists all conversations with filters, sort and paging', async () => {
    const page = await conversations.list(client, me, {
      channel: 'sms',
      status: 'all',
      sort: 'created_at:desc',
      limit: 3,
      offset: 0,
    });

    expect(page.data.length).toBeGreaterThan(0);
    expect(page.data.length).toBeLessThanOrEqual(3);
    expect(page.data.every((c) => c.channel === 'sms')).toBe(true);
    expect(sandbox.requests[0].query).toEqual({
      channel: 'sms',
      status: 'all',
      sort: 'created_at:desc',
      limit: '3',
      offset: '0',
    });
  });

  it('lists a conversation’s messages oldest first', async () => {
    await messages.send(client, me, contactId, { channel: 'sms', message_type: 'text', content: 'Second' });

    const page = await messages.list(client, me, conversationId, { limit: 10 });

    expect(page.data.map((m) => m.content)).toEqual(['Hello from the gateway', 'Second']);
    expect(page.pagination.total).toBe(2);
    expect(requestsTo(sandbox, 'GET', `/v2/conversation/${conversationId}/messages`)).toHaveLength(1);
  });

  it('updates a conversation and returns the new state', async () => {
    const updated = await conversations.update(client, me, conversationId, {
      status: 'closed',
      priority: 'high',
      assigned_to: 'usr_agent1',
      labels: ['vip'],
      subject: 'Follow-up',
    });

    expect(updated).toMatchObject({
      id: conversationId,
      status: 'closed',
      priority: 'high',
      assigned_to: { id: 'usr_agent1', name: 'Sarah Johnson' },
      labels: ['vip'],
      subject: 'Follow-up',
    });
    expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /v2/conversation/${conversationId}`,
    ]);
  });
});
