import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import {
  type ApiResponse,
  call,
  contactSchema,
  conversationSchema,
  createContact,
  expectError,
  expectStatus,
  listAll,
  OTHER_KEY,
  pageSchema,
  READONLY_KEY,
  SANDBOX_KEY,
  sandbox,
  sendMessage,
  uniquePhone,
  useSandbox,
} from '../helpers/rest.js';
import { ManualClock } from '../helpers/time.js';

useSandbox({ seedContacts: 5 });
let contactId: string;
let conversationId: string;

beforeAll(async () => {
  const contact = await createContact(sandbox);
  contactId = contact.id;
  conversationId = (
    await sendMessage(sandbox, contact.id, { channel: 'sms', message_type: 'text', content: 'x' })
  ).conversation_id;
});

/** Every endpoint E1–E12 and I1–I5 with a request that would succeed for a Full Access key. */
function endpoints(): { name: string; method: string; path: string; body?: unknown; scope: string }[] {
  return [
    {
      name: 'E1',
      method: 'POST',
      path: '/contact',
      body: { first_name: 'A', phone: uniquePhone() },
      scope: 'contacts:write',
    },
    { name: 'E2', method: 'GET', path: `/contact/${contactId}`, scope: 'contacts:read' },
    {
      name: 'E3',
      method: 'PUT',
      path: `/contact/${contactId}`,
      body: { first_name: 'B' },
      scope: 'contacts:write',
    },
    { name: 'E4', method: 'DELETE', path: `/contact/${contactId}`, scope: 'contacts:write' },
    { name: 'E5', method: 'GET', path: `/contact/${contactId}/conversations`, scope: 'contacts:read' },
    {
      name: 'E6',
      method: 'POST',
      path: `/contact/${contactId}/message`,
      body: { channel: 'sms', message_type: 'text', content: 'hi' },
      scope: 'conversations:write',
    },
    { name: 'E7', method: 'GET', path: '/contacts', scope: 'contacts:read' },
    { name: 'E8', method: 'GET', path: '/conversations', scope: 'conversations:read' },
    { name: 'E9', method: 'GET', path: `/conversation/${conversationId}`, scope: 'conversations:read' },
    {
      name: 'E10',
      method: 'GET',
      path: `/conversation/${conversationId}/messages`,
      scope: 'conversations:read',
    },
    {
      name: 'E11',
      method: 'POST',
      path: '/webhooks',
      body: { url: 'http://127.0.0.1:9/hook', events: ['contact.created'] },
      scope: 'webhooks:manage',
    },
    { name: 'E12', method: 'GET', path: '/channels/whatsapp/templates', scope: 'channels:read' },
    { name: 'I1', method: 'GET', path: '/webhooks', scope: 'webhooks:manage' },
    { name: 'I2', method: 'GET', path: '/webhooks/wh_abc123xyz000', scope: 'webhooks:manage' },
    {
      name: 'I3',
      method: 'PUT',
      path: '/webhooks/wh_abc123xyz000',
      body: { active: false },
      scope: 'webhooks:manage',
    },
    { name: 'I4', method: 'DELETE', path: '/webhooks/wh_abc123xyz000', scope: 'webhooks:manage' },
    {
      name: 'I5',
      method: 'PUT',
      path: `/conversation/${conversationId}`,
      body: { priority: 'high' },
      scope: 'conversations:write',
    },
  ];
}

const ERROR_FIELDS = ['code', 'details', 'error', 'message', 'request_id', 'timestamp'];

function expectOnlyErrorFields(res: ApiResponse, extra: string[] = []): void {
  const keys = Object.keys(res.json as object);
  for (const key of keys) expect([...ERROR_FIELDS, ...extra], `unexpected field ${key}`).toContain(key);
}

describe('authentication (401)', () => {
  it('answers every endpoint without a key with 401 unauthorized', async () => {
    for (const endpoint of endpoints()) {
      const res = await call(sandbox, endpoint.method, endpoint.path, { key: null, body: endpoint.body });
      expect(res.status, endpoint.name).toBe(401);
      expectError(res, 401, 'unauthorized');
      expectOnlyErrorFields(res);
    }
  });

  it('answers an unknown key with 401 unauthorized', async () => {
    expectError(await call(sandbox, 'GET', '/contacts', { key: 'sk_test_nope' }), 401, 'unauthorized');
    expectError(await call(sandbox, 'GET', '/contacts', { key: '' }), 401, 'unauthorized');
  });

  it('accepts the key as Authorization: Bearer', async () => {
    const res = await call(sandbox, 'GET', `/contact/${contactId}`, {
      key: null,
      headers: { authorization: `Bearer ${SANDBOX_KEY}` },
    });
    expect(expectStatus(res, 200, contactSchema).id).toBe(contactId);
  });

  it('rejects a Bearer header with an unknown key with 401', async () => {
    const res = await call(sandbox, 'GET', '/contacts', {
      key: null,
      headers: { authorization: 'Bearer sk_test_nope' },
    });
    expectError(res, 401, 'unauthorized');
  });

  it('lets X-API-Key win when both headers are sent', async () => {
    const asOther = await call(sandbox, 'GET', `/contact/${contactId}`, {
      key: OTHER_KEY,
      headers: { authorization: `Bearer ${SANDBOX_KEY}` },
    });
    expectError(asOther, 404, 'not_found');

    const badWins = await call(sandbox, 'GET', `/contact/${contactId}`, {
      key: 'sk_test_nope',
      headers: { authorization: `Bearer ${SANDBOX_KEY}` },
    });
    expectError(badWins, 401, 'unauthorized');
  });
});

describe('permissions (403)', () => {
  it('answers writes with a read-only key with 403 forbidden, naming the required and the granted scopes', async () => {
    const writes = endpoints().filter((e) => e.scope.endsWith(':write') || e.scope === 'webhooks:manage');
    const reads = endpoints().filter((e) => !writes.includes(e));
    for (const endpoint of [...writes, ...reads.filter((e) => e.scope === 'channels:read')]) {
      const res = await call(sandbox, endpoint.method, endpoint.path, {
        key: READONLY_KEY,
        body: endpoint.body,
      });
      expect(res.status, `${endpoint.name}: ${res.text}`).toBe(403);
      const error = expectError(res, 403, 'forbidden');
      expect(error.details?.required_permission, endpoint.name).toBe(endpoint.scope);
      expect([...((error.details?.key_permissions as string[]) ?? [])].sort()).toEqual([
        'contacts:read',
        'conversations:read',
      ]);
      expectOnlyErrorFields(res);
    }
    expectStatus(await call(sandbox, 'GET', `/contact/${contactId}`), 200, contactSchema);
    const conversation = expectStatus(
      await call(sandbox, 'GET', `/conversation/${conversationId}`),
      200,
      conversationSchema,
    );
    expect(conversation.priority).toBe('medium');
  });

  it('lets a read-only key read contacts and conversations', async () => {
    for (const endpoint of endpoints().filter(
      (e) => e.scope === 'contacts:read' || e.scope === 'conversations:read',
    )) {
      const res = await call(sandbox, endpoint.method, endpoint.path, { key: READONLY_KEY });
      expect(res.status, `${endpoint.name}: ${res.text}`).toBe(200);
    }
  });
});

describe('error body and headers', () => {
  it('sends an X-Request-Id on every response, unique per request', async () => {
    const seen = new Set<string>();
    const responses = [
      await call(sandbox, 'GET', '/contacts'),
      await call(sandbox, 'GET', '/contacts', { key: null }),
      await call(sandbox, 'POST', '/contact', { body: { first_name: 'R', phone: uniquePhone() } }),
      await call(sandbox, 'GET', '/contact/cnt_nothere00000'),
      await call(sandbox, 'GET', '/contacts', { query: { limit: 0 } }),
    ];
    const created = contactSchema.parse(responses[2].json);
    responses.push(await call(sandbox, 'DELETE', `/contact/${created.id}`));
    expect(responses.map((r) => r.status)).toEqual([200, 401, 201, 404, 400, 204]);
    for (const res of responses) {
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^req_/);
      seen.add(id ?? '');
    }
    expect(seen.size).toBe(responses.length);
  });

  it('sends X-RateLimit-Limit, -Remaining and -Reset on /v2 responses', async () => {
    for (const res of [
      await call(sandbox, 'GET', '/contacts'),
      await call(sandbox, 'GET', '/contact/cnt_nothere00000'),
      await call(sandbox, 'POST', '/contact', { body: {} }),
    ]) {
      expect(res.headers.get('x-ratelimit-limit')).toMatch(/^\d+$/);
      expect(res.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
      expect(res.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
    }
  });

  it('gives errors exactly the documented fields, with code equal to the status', async () => {
    const notFound = await call(sandbox, 'GET', '/contact/cnt_nothere00000');
    expectError(notFound, 404, 'not_found');
    expectOnlyErrorFields(notFound);
    const invalid = await call(sandbox, 'POST', '/contact', { body: { first_name: 'X', phone: '12345' } });
    expectError(invalid, 400, 'invalid_input');
    expectOnlyErrorFields(invalid);
    expect(Object.keys((invalid.json as { details: object }).details).sort()).toEqual([
      'expected',
      'field',
      'reason',
      'received',
    ]);
  });

  it('answers an unknown path with 404 and the error body', async () => {
    const res = await call(sandbox, 'GET', '/no/such/thing');
    expectError(res, 404, 'not_found');
  });
});

describe('rate limiting (429)', () => {
  const clock = new ManualClock(Date.parse('2026-01-25T10:30:00Z'));
  let limited: Sandbox;

  beforeAll(async () => {
    limited = await startSandbox({
      port: 0,
      seedContacts: 2,
      now: clock.now,
      keys: [
        { key: 'sk_test_limited', organizationId: 'org_demo', rateLimitPerMinute: 3 },
        { key: SANDBOX_KEY, organizationId: 'org_demo' },
      ],
    });
  });
  afterAll(async () => {
    await limited.close();
  });

  it('counts down X-RateLimit-Remaining and answers the request over the limit with 429, Retry-After and retry_after', async () => {
    const nowSeconds = Math.floor(clock.time / 1000);
    for (const remaining of [2, 1, 0]) {
      const res = await call(limited, 'GET', '/contacts', { key: 'sk_test_limited' });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(remaining));
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThan(nowSeconds);
      expect(reset).toBeLessThanOrEqual(nowSeconds + 60);
    }
    const res = await call(limited, 'GET', '/contacts', { key: 'sk_test_limited' });
    const error = expectError(res, 429, 'rate_limited');
    expectOnlyErrorFields(res, ['retry_after']);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((res.json as { retry_after: unknown }).retry_after).toBe(retryAfter);
    expect(error.code).toBe(429);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('limits per key, so another key is still served', async () => {
    expectStatus(await call(limited, 'GET', '/contacts', { key: SANDBOX_KEY }), 200);
  });

  it('serves the limited key again once the minute has passed', async () => {
    clock.advance(61_000);
    const res = await call(limited, 'GET', '/contacts', { key: 'sk_test_limited' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('2');
  });

  it('replaces the default keys when keys are given', async () => {
    expectError(await call(limited, 'GET', '/contacts', { key: OTHER_KEY }), 401, 'unauthorized');
  });
});

describe('singular and plural paths', () => {
  it('serves single resources on singular paths and collections on plural paths', async () => {
    const contacts = await listAll(sandbox, '/contacts', contactSchema);
    expect(contacts.length).toBeGreaterThan(0);
    expectStatus(await call(sandbox, 'GET', `/contact/${contacts[0].id}`), 200, contactSchema);
    const conversations = expectStatus(
      await call(sandbox, 'GET', '/conversations', { query: { status: 'all' } }),
      200,
      pageSchema(conversationSchema),
    );
    expectStatus(
      await call(sandbox, 'GET', `/conversation/${conversations.data[0].id}`),
      200,
      conversationSchema,
    );
  });
});
