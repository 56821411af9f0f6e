import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import {
  call,
  contactSchema,
  conversationSchema,
  createContact,
  createdWebhookSchema,
  type Delivery,
  expectError,
  expectInvalidInput,
  expectStatus,
  listAll,
  OTHER_KEY,
  pageSchema,
  type Receiver,
  SANDBOX_KEY,
  SECONDS_TIMESTAMP,
  sendMessage,
  startReceiver,
  webhookSchema,
} from '../helpers/rest.js';
import { sleep, waitFor } from '../helpers/time.js';

const ALL_EVENTS = [
  'message.received',
  'message.sent',
  'message.delivered',
  'message.read',
  'conversation.created',
  'conversation.updated',
  'conversation.resolved',
  'conversation.assigned',
  'contact.created',
  'contact.updated',
  'contact.deleted',
];

const envelopeSchema = z.object({
  id: z.string().startsWith('evt_'),
  type: z.string(),
  timestamp: z.string().regex(SECONDS_TIMESTAMP),
  retry_count: z.number().int().nonnegative(),
  data: z.looseObject({ id: z.string() }),
  organization_id: z.string().startsWith('org_'),
});
type Envelope = z.infer<typeof envelopeSchema>;

let sandbox: Sandbox;
let receiver: Receiver;
const responders = new Map<string, (delivery: Delivery, attempt: number) => number>();

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    seedContacts: 10,
    webhookRetryDelaysMs: { exponential: [30, 30, 30, 30, 30], linear: [30] },
    webhookTimeoutMs: 300,
  });
  receiver = await startReceiver();
  receiver.respond = (delivery) => {
    const responder = responders.get(delivery.path);
    if (responder === undefined) return 200;
    return responder(delivery, receivedAt(delivery.path).length);
  };
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

function receivedAt(path: string): Delivery[] {
  return receiver.deliveries.filter((d) => d.path === path);
}
function envelopes(path: string): Envelope[] {
  return receivedAt(path).map((d) => envelopeSchema.parse(JSON.parse(d.rawBody)));
}

async function subscribe(path: string, events: string[], extra: Record<string, unknown> = {}) {
  const res = await call(sandbox, 'POST', '/webhooks', {
    body: { url: `${receiver.url}${path}`, events, active: true, ...extra },
  });
  return expectStatus(res, 201, createdWebhookSchema);
}

/** Checks `X-HueChat-Signature: t=…,v1=…` = HMAC-SHA256(secret, `${t}.${rawBody}`) and returns t. */
function verifySignature(delivery: Delivery, secret: string): number {
  const header = delivery.headers['x-huechat-signature'];
  expect(typeof header).toBe('string');
  const parts = new Map(
    String(header)
      .split(',')
      .map((part) => {
        const [name, ...value] = part.trim().split('=');
        return [name, value.join('=')] as const;
      }),
  );
  const t = parts.get('t') ?? '';
  const v1 = parts.get('v1') ?? '';
  expect(t).toMatch(/^\d+$/);
  expect(v1).toMatch(/^[0-9a-f]{64}$/);
  const expected = createHmac('sha256', secret).update(`${t}.${delivery.rawBody}`).digest();
  expect(timingSafeEqual(Buffer.from(v1, 'hex'), expected)).toBe(true);
  return Number(t);
}

describe('webhook subscriptions (E11, I1–I4)', () => {
  it('creates a subscription with 201, a whsec_ signing secret and the exponential retry policy by default', async () => {
    const res = await call(sandbox, 'POST', '/webhooks', {
      body: { url: `${receiver.url}/crud`, events: ['contact.created', 'message.received'], active: true },
    });
    const webhook = expectStatus(res, 201, createdWebhookSchema);
    expect(webhook).toMatchObject({
      url: `${receiver.url}/crud`,
      events: ['contact.created', 'message.received'],
      active: true,
      retry_policy: 'exponential',
    });
    expect(webhook.id).toMatch(/^wh_[a-z0-9]{12}$/);
  });

  it('gets, lists, updates partially and deletes a subscription', async () => {
    const created = await subscribe('/crud2', ['contact.created']);
    const got = expectStatus(await call(sandbox, 'GET', `/webhooks/${created.id}`), 200, webhookSchema);
    expect(got).toMatchObject({ id: created.id, url: created.url, events: created.events, active: true });

    const list = await listAll(sandbox, '/webhooks', webhookSchema);
    expect(list.map((w) => w.id)).toContain(created.id);

    const put = await call(sandbox, 'PUT', `/webhooks/${created.id}`, {
      body: { events: ['contact.updated', 'contact.deleted'], active: false, retry_policy: 'linear' },
    });
    const updated = expectStatus(put, 200, webhookSchema);
    expect(updated).toMatchObject({
      id: created.id,
      url: created.url,
      events: ['contact.updated', 'contact.deleted'],
      active: false,
      retry_policy: 'linear',
      created_at: created.created_at,
    });

    const del = await call(sandbox, 'DELETE', `/webhooks/${created.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    const error = expectError(await call(sandbox, 'GET', `/webhooks/${created.id}`), 404, 'not_found');
    expect(error.details).toMatchObject({ identifier: created.id });
    expectError(
      await call(sandbox, 'PUT', `/webhooks/${created.id}`, { body: { active: true } }),
      404,
      'not_found',
    );
    expectError(await call(sandbox, 'DELETE', `/webhooks/${created.id}`), 404, 'not_found');
    const after = await listAll(sandbox, '/webhooks', webhookSchema);
    expect(after.map((w) => w.id)).not.toContain(created.id);
  });

  it('rejects a missing or invalid url, missing or unknown events and an unknown retry policy with 400', async () => {
    const url = `${receiver.url}/invalid`;
    expectInvalidInput(
      await call(sandbox, 'POST', '/webhooks', { body: { events: ['contact.created'] } }),
      'url',
    );
    expectInvalidInput(
      await call(sandbox, 'POST', '/webhooks', { body: { url: 'not a url', events: ['contact.created'] } }),
      'url',
    );
    expectInvalidInput(await call(sandbox, 'POST', '/webhooks', { body: { url } }), 'events');
    expectInvalidInput(
      await call(sandbox, 'POST', '/webhooks', { body: { url, events: ['contact.exploded'] } }),
      /^events(\.0|\[0\])?$/,
    );
    expectInvalidInput(
      await call(sandbox, 'POST', '/webhooks', {
        body: { url, events: ['contact.created'], retry_policy: 'random' },
      }),
      'retry_policy',
    );
  });

  it('keeps subscriptions per organisation', async () => {
    const mine = await subscribe('/isolated', ['contact.created']);
    expectError(await call(sandbox, 'GET', `/webhooks/${mine.id}`, { key: OTHER_KEY }), 404, 'not_found');
    expectError(await call(sandbox, 'DELETE', `/webhooks/${mine.id}`, { key: OTHER_KEY }), 404, 'not_found');
    const theirs = await listAll(sandbox, '/webhooks', webhookSchema, { key: OTHER_KEY });
    expect(theirs.map((w) => w.id)).not.toContain(mine.id);
  });
});

describe('webhook deliveries', () => {
  it('POSTs the §3.6 envelope with the event headers and a valid HMAC-SHA256 signature', async () => {
    const webhook = await subscribe('/signed', ['contact.created']);
    const contact = await createContact(sandbox);
    await waitFor(() => receivedAt('/signed').length >= 1, 3000, 'the contact.created delivery');
    const [delivery] = receivedAt('/signed');
    expect(delivery.method).toBe('POST');
    expect(delivery.headers['content-type']).toMatch(/^application\/json/);
    expect(delivery.headers['x-huechat-event']).toBe('contact.created');

    const envelope = envelopeSchema.parse(JSON.parse(delivery.rawBody));
    expect(delivery.headers['x-huechat-delivery']).toBe(envelope.id);
    expect(envelope).toMatchObject({ type: 'contact.created', retry_count: 0, organization_id: 'org_demo' });
    expect(contactSchema.parse(envelope.data)).toEqual(contact);

    const t = verifySignature(delivery, webhook.signing_secret);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(300);
    const withoutPrefix = createHmac('sha256', webhook.signing_secret.slice('whsec_'.length))
      .update(`${t}.${delivery.rawBody}`)
      .digest('hex');
    expect(String(delivery.headers['x-huechat-signature'])).not.toContain(withoutPrefix);
  });

  it('delivers only the subscribed events, and only for the subscriber’s organisation', async () => {
    await subscribe('/only-created', ['contact.created']);
    await subscribe('/control-updated', ['contact.updated']);
    const first = await createContact(sandbox);
    expectStatus(
      await call(sandbox, 'PUT', `/contact/${first.id}`, { body: { first_name: 'Changed' } }),
      200,
    );
    await createContact(sandbox, {}, OTHER_KEY);
    const second = await createContact(sandbox);
    expect((await call(sandbox, 'DELETE', `/contact/${second.id}`)).status).toBe(204);

    await waitFor(
      () => receivedAt('/only-created').length >= 2 && receivedAt('/control-updated').length >= 1,
    );
    await sleep(150);
    const created = envelopes('/only-created');
    expect(created.map((e) => e.type)).toEqual(['contact.created', 'contact.created']);
    expect(created.map((e) => e.data.id).sort()).toEqual([first.id, second.id].sort());
    expect(envelopes('/control-updated').map((e) => [e.type, e.data.id])).toEqual([
      ['contact.updated', first.id],
    ]);
  });

  it('sends nothing to inactive subscriptions, including one deactivated later and one deleted', async () => {
    await subscribe('/inactive', ['contact.created'], { active: false });
    const deactivated = await subscribe('/deactivated', ['contact.created']);
    expectStatus(await call(sandbox, 'PUT', `/webhooks/${deactivated.id}`, { body: { active: false } }), 200);
    const deleted = await subscribe('/deleted', ['contact.created']);
    expect((await call(sandbox, 'DELETE', `/webhooks/${deleted.id}`)).status).toBe(204);
    await subscribe('/active', ['contact.created']);

    await createContact(sandbox);
    await waitFor(() => receivedAt('/active').length >= 1);
    await sleep(150);
    expect(receivedAt('/inactive')).toEqual([]);
    expect(receivedAt('/deactivated')).toEqual([]);
    expect(receivedAt('/deleted')).toEqual([]);
  });

  it('fires every documented event type for contact, conversation and message changes', async () => {
    await subscribe('/everything', ALL_EVENTS);
    const conversations = await listAll(sandbox, '/conversations', conversationSchema, {
      query: { status: 'all' },
    });
    const agent = conversations.find((c) => c.assigned_to !== null)?.assigned_to;
    expect(agent, 'a seeded conversation with an assignee').toBeDefined();

    const contact = await createContact(sandbox);
    expectStatus(
      await call(sandbox, 'PUT', `/contact/${contact.id}`, { body: { last_name: 'Webhook' } }),
      200,
    );
    const message = await sendMessage(sandbox, contact.id, {
      channel: 'sms',
      message_type: 'text',
      content: 'hello',
    });
    sandbox.inbound(SANDBOX_KEY, { contact_id: contact.id, channel: 'sms', content: 'hi back' });
    expect(sandbox.advance(SANDBOX_KEY, { message_id: message.id, to: 'delivered' })).toBe(1);
    expect(sandbox.advance(SANDBOX_KEY, { message_id: message.id, to: 'read' })).toBe(1);
    const conversationPath = `/conversation/${message.conversation_id}`;
    expectStatus(await call(sandbox, 'PUT', conversationPath, { body: { assigned_to: agent?.id } }), 200);
    expectStatus(await call(sandbox, 'PUT', conversationPath, { body: { status: 'closed' } }), 200);
    expect((await call(sandbox, 'DELETE', `/contact/${contact.id}`)).status).toBe(204);

    await waitFor(
      () => ALL_EVENTS.every((type) => envelopes('/everything').some((e) => e.type === type)),
      3000,
      'one delivery of every event type',
    );
    const byType = new Map(envelopes('/everything').map((e) => [e.type, e]));
    const data = (type: string) => byType.get(type)?.data ?? {};
    expect(data('contact.created')).toMatchObject({ id: contact.id });
    expect(data('contact.updated')).toMatchObject({ id: contact.id, last_name: 'Webhook' });
    expect(data('contact.deleted')).toMatchObject({ id: contact.id });
    expect(data('conversation.created')).toMatchObject({
      id: message.conversation_id,
      contact_id: contact.id,
    });
    expect(data('message.sent')).toMatchObject({ id: message.id, status: 'sent', sent_by: 'user' });
    expect(data('message.received')).toMatchObject({ sent_by: 'contact', content: 'hi back' });
    expect(data('message.delivered')).toMatchObject({ id: message.id, status: 'delivered' });
    expect(data('message.delivered')).toHaveProperty(
      'delivered_at',
      expect.stringMatching(SECONDS_TIMESTAMP),
    );
    expect(data('message.read')).toMatchObject({ id: message.id, status: 'read' });
    expect(data('message.read')).toHaveProperty('read_at', expect.stringMatching(SECONDS_TIMESTAMP));
    expect(data('conversation.assigned')).toMatchObject({ id: message.conversation_id, assigned_to: agent });
    expect(data('conversation.resolved')).toMatchObject({ id: message.conversation_id, status: 'closed' });
    expect(data('conversation.updated')).toMatchObject({ id: message.conversation_id });
    for (const envelope of envelopes('/everything')) expect(envelope.organization_id).toBe('org_demo');
  });

  it('retries a failed delivery with the same event id and retry_count incremented, then stops on success', async () => {
    responders.set('/flaky', (_delivery, attempt) => (attempt <= 2 ? 500 : 200));
    const webhook = await subscribe('/flaky', ['contact.created']);
    await createContact(sandbox);
    await waitFor(() => receivedAt('/flaky').length >= 3, 3000, 'three attempts');
    await sleep(200);
    const attempts = envelopes('/flaky');
    expect(attempts.map((e) => e.retry_count)).toEqual([0, 1, 2]);
    expect(new Set(attempts.map((e) => e.id)).size).toBe(1);
    for (const delivery of receivedAt('/flaky')) {
      verifySignature(delivery, webhook.signing_secret);
      expect(delivery.headers['x-huechat-delivery']).toBe(attempts[0].id);
    }
  });

  it('gives up after five retries when the receiver keeps failing', async () => {
    responders.set('/down', () => 500);
    await subscribe('/down', ['contact.created']);
    await createContact(sandbox);
    await waitFor(() => receivedAt('/down').length >= 6, 3000, 'six attempts');
    await sleep(250);
    expect(envelopes('/down').map((e) => e.retry_count)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('retries with the linear policy too', async () => {
    responders.set('/linear', (_delivery, attempt) => (attempt === 1 ? 503 : 200));
    await subscribe('/linear', ['contact.created'], { retry_policy: 'linear' });
    await createContact(sandbox);
    await waitFor(() => receivedAt('/linear').length >= 2, 3000, 'a linear retry');
    expect(envelopes('/linear').map((e) => e.retry_count)).toEqual([0, 1]);
  });

  it('treats a receiver that does not answer within webhookTimeoutMs as a failure and retries', async () => {
    responders.set('/slow', (_delivery, attempt) => (attempt === 1 ? 0 : 200));
    await subscribe('/slow', ['contact.created']);
    await createContact(sandbox);
    await waitFor(() => receivedAt('/slow').length >= 2, 3000, 'a retry after the timeout');
    expect(envelopes('/slow').map((e) => e.retry_count)).toEqual([0, 1]);
  });
});

describe('webhook list', () => {
  it('lists subscriptions in the pagination envelope', async () => {
    const page = expectStatus(await call(sandbox, 'GET', '/webhooks'), 200, pageSchema(webhookSchema));
    expect(page.pagination.total).toBeGreaterThan(0);
    expect(page.pagination.offset).toBe(0);
  });
});
