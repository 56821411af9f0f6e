import { describe, expect, it } from 'vitest';
import {
  call,
  contactSchema,
  conversationSchema,
  createContact,
  E164,
  expectError,
  expectInvalidInput,
  expectStatus,
  listAll,
  pageSchema,
  SANDBOX_KEY,
  SECONDS_TIMESTAMP,
  sandbox,
  sendMessage,
  uniqueEmail,
  uniquePhone,
  uniqueToken,
  useSandbox,
} from '../helpers/rest.js';

useSandbox({ seedContacts: 8 });

describe('POST /contact (E1)', () => {
  it('creates a contact with 201 and returns the full object with explicit nulls', async () => {
    const phone = uniquePhone();
    const res = await call(sandbox, 'POST', '/contact', { body: { first_name: 'Ada', phone } });
    const contact = expectStatus(res, 201, contactSchema);
    expect(contact.id).toMatch(/^cnt_[a-z0-9]{12}$/);
    expect(contact).toMatchObject({
      phone,
      email: null,
      first_name: 'Ada',
      last_name: null,
      preferred_channel: null,
      metadata: {},
      status: 'active',
      last_contacted: null,
    });
    for (const field of ['email', 'last_name', 'preferred_channel', 'last_contacted']) {
      expect(Object.hasOwn(res.json as object, field), field).toBe(true);
    }
    expect(contact.created_at).toMatch(SECONDS_TIMESTAMP);
    expect(contact.updated_at).toMatch(SECONDS_TIMESTAMP);
  });

  it('stores every documented field and derives full_name from first and last name', async () => {
    const phone = uniquePhone();
    const email = uniqueEmail();
    const metadata = {
      customer_id: 'cust_123',
      mrr: 500,
      tags: ['vip'],
      preferences: { marketing_opt_in: true },
    };
    const contact = await createContact(sandbox, {
      first_name: 'John',
      last_name: 'Doe',
      phone,
      email,
      preferred_channel: 'whatsapp',
      metadata,
    });
    expect(contact).toMatchObject({
      phone,
      email,
      first_name: 'John',
      last_name: 'Doe',
      full_name: 'John Doe',
      preferred_channel: 'whatsapp',
      metadata,
    });
  });

  it('accepts an email-only contact', async () => {
    const email = uniqueEmail();
    const contact = await createContact(sandbox, { phone: undefined, email });
    expect(contact.email).toBe(email);
    expect(contact.phone).toBeNull();
  });

  it('accepts a JSON body sent without a Content-Type header', async () => {
    const res = await fetch(`${sandbox.url}/contact`, {
      method: 'POST',
      headers: { 'x-api-key': SANDBOX_KEY },
      body: new TextEncoder().encode(JSON.stringify({ first_name: 'NoHeader', phone: uniquePhone() })),
    });
    expect(res.status).toBe(201);
    const contact = contactSchema.parse(await res.json());
    expect(contact.first_name).toBe('NoHeader');
  });

  it('rejects a phone without a leading + with 400 invalid_input naming the field and the expected format', async () => {
    const res = await call(sandbox, 'POST', '/contact', { body: { first_name: 'Bad', phone: '1234567890' } });
    const details = expectInvalidInput(res, 'phone');
    expect(details.received).toBe('1234567890');
    expect(typeof details.reason).toBe('string');
    expect(details.expected).toEqual(expect.stringMatching(/^\+/));
  });

  it('rejects a missing first_name with 400 invalid_input', async () => {
    const res = await call(sandbox, 'POST', '/contact', { body: { phone: uniquePhone() } });
    expectInvalidInput(res, 'first_name');
  });

  it('rejects a contact with neither phone nor email with 400 invalid_input', async () => {
    const res = await call(sandbox, 'POST', '/contact', { body: { first_name: 'Nobody' } });
    expectError(res, 400, 'invalid_input');
  });

  it('rejects an unknown preferred_channel with 400 invalid_input', async () => {
    const res = await call(sandbox, 'POST', '/contact', {
      body: { first_name: 'X', phone: uniquePhone(), preferred_channel: 'fax' },
    });
    expectInvalidInput(res, 'preferred_channel');
  });

  it('rejects a malformed email with 400 invalid_input', async () => {
    const res = await call(sandbox, 'POST', '/contact', { body: { first_name: 'X', email: 'not-an-email' } });
    expectInvalidInput(res, 'email');
  });

  it('rejects a body that is not JSON with 400 invalid_input', async () => {
    const res = await call(sandbox, 'POST', '/contact', { body: '{"first_name": ' });
    expectError(res, 400, 'invalid_input');
  });

  it('answers a duplicate phone with 409 duplicate_contact and the existing contact id', async () => {
    const existing = await createContact(sandbox);
    const res = await call(sandbox, 'POST', '/contact', {
      body: { first_name: 'Dup', phone: existing.phone, email: uniqueEmail() },
    });
    const error = expectError(res, 409, 'duplicate_contact');
    expect(error.details).toEqual({ existing_contact_id: existing.id });
  });

  it('answers a duplicate email with 409 duplicate_contact and the existing contact id', async () => {
    const existing = await createContact(sandbox);
    const res = await call(sandbox, 'POST', '/contact', {
      body: { first_name: 'Dup', phone: uniquePhone(), email: existing.email },
    });
    const error = expectError(res, 409, 'duplicate_contact');
    expect(error.details).toEqual({ existing_contact_id: existing.id });
  });
});

describe('GET /contact/{identifier} (E2)', () => {
  it('finds a contact by id, by %2B-encoded phone and by raw email', async () => {
    const created = await createContact(sandbox);
    const phone = created.phone ?? '';
    const email = created.email ?? '';
    const byId = await call(sandbox, 'GET', `/contact/${created.id}`);
    expect(expectStatus(byId, 200, contactSchema)).toEqual(created);

    const encodedPath = `/contact/%2B${phone.slice(1)}`;
    const byPhone = await call(sandbox, 'GET', encodedPath);
    expect(expectStatus(byPhone, 200, contactSchema)).toEqual(created);

    const byEmail = await call(sandbox, 'GET', `/contact/${email}`);
    expect(expectStatus(byEmail, 200, contactSchema)).toEqual(created);
  });

  it('answers an unknown id with 404 not_found naming the resource and the identifier', async () => {
    const res = await call(sandbox, 'GET', '/contact/cnt_doesnotexist');
    const error = expectError(res, 404, 'not_found');
    expect(error.details).toMatchObject({ identifier: 'cnt_doesnotexist' });
    expect(String(error.details?.resource)).toMatch(/contact/i);
  });

  it('answers an unknown phone and an unknown email with 404 not_found', async () => {
    expectError(
      await call(sandbox, 'GET', `/contact/${encodeURIComponent(uniquePhone())}`),
      404,
      'not_found',
    );
    expectError(await call(sandbox, 'GET', `/contact/${uniqueEmail()}`), 404, 'not_found');
  });

  it('serves seeded contacts with E.164 phones and seconds-precision timestamps', async () => {
    const contacts = await listAll(sandbox, '/contacts', contactSchema);
    expect(contacts.length).toBeGreaterThanOrEqual(8);
    for (const contact of contacts) {
      if (contact.phone !== null) expect(contact.phone).toMatch(E164);
      const res = await call(sandbox, 'GET', `/contact/${contact.id}`);
      expect(expectStatus(res, 200, contactSchema).id).toBe(contact.id);
    }
  });
});

describe('PUT /contact/{identifier} (E3)', () => {
  it('updates only the fields sent and recomputes full_name', async () => {
    const created = await createContact(sandbox, {
      first_name: 'Jane',
      last_name: 'Roe',
      preferred_channel: 'sms',
    });
    const res = await call(sandbox, 'PUT', `/contact/${created.id}`, { body: { last_name: 'Smith' } });
    const updated = expectStatus(res, 200, contactSchema);
    expect(updated).toMatchObject({
      id: created.id,
      first_name: 'Jane',
      last_name: 'Smith',
      full_name: 'Jane Smith',
      phone: created.phone,
      email: created.email,
      preferred_channel: 'sms',
      created_at: created.created_at,
    });
    expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));

    const again = await call(sandbox, 'PUT', `/contact/${created.id}`, { body: { first_name: 'Janet' } });
    expect(expectStatus(again, 200, contactSchema).full_name).toBe('Janet Smith');
  });

  it('merges metadata key by key and removes a key set to null', async () => {
    const created = await createContact(sandbox, { metadata: { a: 1, b: 'two', nested: { x: true } } });
    const res = await call(sandbox, 'PUT', `/contact/${created.id}`, {
      body: { metadata: { b: null, c: [1, 2] } },
    });
    const updated = expectStatus(res, 200, contactSchema);
    expect(updated.metadata).toEqual({ a: 1, nested: { x: true }, c: [1, 2] });
    const fetched = expectStatus(await call(sandbox, 'GET', `/contact/${created.id}`), 200, contactSchema);
    expect(fetched.metadata).toEqual({ a: 1, nested: { x: true }, c: [1, 2] });
  });

  it('updates a contact addressed by %2B-encoded phone and by email', async () => {
    const created = await createContact(sandbox);
    const byPhone = await call(sandbox, 'PUT', `/contact/${encodeURIComponent(created.phone ?? '')}`, {
      body: { first_name: 'ByPhone' },
    });
    expect(expectStatus(byPhone, 200, contactSchema)).toMatchObject({
      id: created.id,
      first_name: 'ByPhone',
    });
    const byEmail = await call(sandbox, 'PUT', `/contact/${created.email}`, {
      body: { first_name: 'ByEmail' },
    });
    expect(expectStatus(byEmail, 200, contactSchema)).toMatchObject({
      id: created.id,
      first_name: 'ByEmail',
    });
  });

  it('changes the phone so the new number finds the contact and the old one no longer does', async () => {
    const created = await createContact(sandbox);
    const newPhone = uniquePhone();
    expectStatus(await call(sandbox, 'PUT', `/contact/${created.id}`, { body: { phone: newPhone } }), 200);
    const found = await call(sandbox, 'GET', `/contact/${encodeURIComponent(newPhone)}`);
    expect(expectStatus(found, 200, contactSchema).id).toBe(created.id);
    expectError(
      await call(sandbox, 'GET', `/contact/${encodeURIComponent(created.phone ?? '')}`),
      404,
      'not_found',
    );
  });

  it('rejects a phone without + on update with 400 invalid_input', async () => {
    const created = await createContact(sandbox);
    const res = await call(sandbox, 'PUT', `/contact/${created.id}`, { body: { phone: '447911123456' } });
    const details = expectInvalidInput(res, 'phone');
    expect(details.received).toBe('447911123456');
  });

  it('answers a phone taken by another contact with 409 duplicate_contact', async () => {
    const first = await createContact(sandbox);
    const second = await createContact(sandbox);
    const res = await call(sandbox, 'PUT', `/contact/${second.id}`, { body: { phone: first.phone } });
    expect(expectError(res, 409, 'duplicate_contact').details).toEqual({ existing_contact_id: first.id });
  });

  it('answers an email taken by another contact with 409 duplicate_contact', async () => {
    const first = await createContact(sandbox);
    const second = await createContact(sandbox);
    const res = await call(sandbox, 'PUT', `/contact/${second.id}`, { body: { email: first.email } });
    expect(expectError(res, 409, 'duplicate_contact').details).toEqual({ existing_contact_id: first.id });
  });

  it('lets a contact keep its own phone and email on update', async () => {
    const created = await createContact(sandbox);
    const res = await call(sandbox, 'PUT', `/contact/${created.id}`, {
      body: { phone: created.phone, email: created.email, first_name: 'Same' },
    });
    expect(expectStatus(res, 200, contactSchema).first_name).toBe('Same');
  });

  it('answers an update of an unknown contact with 404 not_found', async () => {
    const res = await call(sandbox, 'PUT', '/contact/cnt_missing00000', { body: { first_name: 'X' } });
    expectError(res, 404, 'not_found');
  });
});

describe('DELETE /contact/{identifier} (E4)', () => {
  it('answers 204 with an empty body, then 404 for the contact', async () => {
    const created = await createContact(sandbox);
    const res = await call(sandbox, 'DELETE', `/contact/${created.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectError(await call(sandbox, 'GET', `/contact/${created.id}`), 404, 'not_found');
    expectError(await call(sandbox, 'DELETE', `/contact/${created.id}`), 404, 'not_found');
  });

  it('deletes a contact addressed by email and frees its phone and email for a new contact', async () => {
    const created = await createContact(sandbox);
    expect((await call(sandbox, 'DELETE', `/contact/${created.email}`)).status).toBe(204);
    const again = await createContact(sandbox, { phone: created.phone, email: created.email });
    expect(again.id).not.toBe(created.id);
  });

  it('cascades to the contact’s conversations and messages', async () => {
    const created = await createContact(sandbox);
    const token = uniqueToken('cascade');
    const sms = await sendMessage(sandbox, created.id, {
      channel: 'sms',
      message_type: 'text',
      content: token,
    });
    const email = await sendMessage(sandbox, created.id, {
      channel: 'email',
      message_type: 'text',
      content: `${token} by mail`,
    });
    expectStatus(await call(sandbox, 'GET', `/conversation/${sms.conversation_id}`), 200);

    expect(
      (await call(sandbox, 'DELETE', `/contact/${encodeURIComponent(created.phone ?? '')}`)).status,
    ).toBe(204);

    for (const conversationId of [sms.conversation_id, email.conversation_id]) {
      expectError(await call(sandbox, 'GET', `/conversation/${conversationId}`), 404, 'not_found');
      expectError(await call(sandbox, 'GET', `/conversation/${conversationId}/messages`), 404, 'not_found');
    }
    expectError(await call(sandbox, 'GET', `/contact/${created.id}/conversations`), 404, 'not_found');
    const search = await call(sandbox, 'GET', '/conversations', { query: { status: 'all', search: token } });
    expect(expectStatus(search, 200, pageSchema(conversationSchema)).pagination.total).toBe(0);
    const all = await listAll(sandbox, '/conversations', conversationSchema, { query: { status: 'all' } });
    expect(all.some((c) => c.contact_id === created.id)).toBe(false);
    const contacts = await listAll(sandbox, '/contacts', contactSchema);
    expect(contacts.some((c) => c.id === created.id)).toBe(false);
  });
});

describe('GET /contacts (E7)', () => {
  it('includes a new contact first, since contacts are sorted by created_at descending', async () => {
    const created = await createContact(sandbox);
    const page = expectStatus(await call(sandbox, 'GET', '/contacts'), 200, pageSchema(contactSchema));
    const times = page.data.map((c) => Date.parse(c.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(page.data.some((c) => c.id === created.id)).toBe(true);
  });

  it('searches by name, email and phone, case-insensitively', async () => {
    const token = uniqueToken('Zyx');
    const created = await createContact(sandbox, { first_name: token, email: `${token}@example.test` });
    const byName = await call(sandbox, 'GET', '/contacts', { query: { search: token.toUpperCase() } });
    expect(expectStatus(byName, 200, pageSchema(contactSchema)).data.map((c) => c.id)).toContain(created.id);

    const other = await createContact(sandbox);
    const local = (other.email ?? '').split('@')[0];
    const byEmail = await call(sandbox, 'GET', '/contacts', { query: { search: local } });
    expect(expectStatus(byEmail, 200, pageSchema(contactSchema)).data.map((c) => c.id)).toEqual([other.id]);

    const byPhone = await call(sandbox, 'GET', '/contacts', { query: { search: other.phone ?? '' } });
    expect(expectStatus(byPhone, 200, pageSchema(contactSchema)).data.map((c) => c.id)).toEqual([other.id]);
  });

  it('filters by status', async () => {
    const res = await call(sandbox, 'GET', '/contacts', { query: { status: 'active', limit: 100 } });
    const page = expectStatus(res, 200, pageSchema(contactSchema));
    expect(page.data.length).toBeGreaterThan(0);
    for (const contact of page.data) expect(contact.status).toBe('active');
  });

  it('rejects an unknown status filter with 400 invalid_input', async () => {
    expectInvalidInput(await call(sandbox, 'GET', '/contacts', { query: { status: 'gone' } }), 'status');
  });
});

describe('GET /contact/{id}/conversations (E5)', () => {
  it('lists the contact’s conversations and filters them by channel and status', async () => {
    const created = await createContact(sandbox);
    const sms = await sendMessage(sandbox, created.id, {
      channel: 'sms',
      message_type: 'text',
      content: 'hi',
    });
    const mail = await sendMessage(sandbox, created.id, {
      channel: 'email',
      message_type: 'text',
      content: 'hi',
    });
    expectStatus(
      await call(sandbox, 'PUT', `/conversation/${mail.conversation_id}`, { body: { status: 'closed' } }),
      200,
    );

    const all = await call(sandbox, 'GET', `/contact/${created.id}/conversations`, {
      query: { status: 'all' },
    });
    const allPage = expectStatus(all, 200, pageSchema(conversationSchema));
    expect(allPage.data.map((c) => c.id).sort()).toEqual([sms.conversation_id, mail.conversation_id].sort());
    expect(allPage.pagination).toEqual({ limit: 20, offset: 0, total: 2, has_more: false });
    for (const conversation of allPage.data) expect(conversation.contact_id).toBe(created.id);

    const bySms = await call(sandbox, 'GET', `/contact/${created.id}/conversations`, {
      query: { channel: 'sms', status: 'all' },
    });
    expect(expectStatus(bySms, 200, pageSchema(conversationSchema)).data.map((c) => c.id)).toEqual([
      sms.conversation_id,
    ]);
    const closed = await call(sandbox, 'GET', `/contact/${created.id}/conversations`, {
      query: { status: 'closed' },
    });
    expect(expectStatus(closed, 200, pageSchema(conversationSchema)).data.map((c) => c.id)).toEqual([
      mail.conversation_id,
    ]);
  });

  it('rejects an unknown status or channel with 400 invalid_input', async () => {
    const created = await createContact(sandbox);
    const path = `/contact/${created.id}/conversations`;
    expectInvalidInput(await call(sandbox, 'GET', path, { query: { status: 'pending' } }), 'status');
    expectInvalidInput(await call(sandbox, 'GET', path, { query: { channel: 'fax' } }), 'channel');
  });

  it('answers an unknown contact with 404 not_found', async () => {
    expectError(await call(sandbox, 'GET', '/contact/cnt_nobodyhere00/conversations'), 404, 'not_found');
  });
});
