import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Sandbox,
  SandboxConfigError,
  type SandboxOptions,
  sandboxOptionsFromEnv,
  startSandbox,
} from '../../src/sandbox/index.js';
import { client, type Page, SANDBOX_KEY, startReceiver } from '../helpers/rest.js';

type Json = Record<string, unknown>;
const open: Sandbox[] = [];

async function sandboxWith(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({ port: 0, seedContacts: 20, ...options });
  open.push(sandbox);
  return sandbox;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function newContact(sandbox: Sandbox): Promise<string> {
  const res = await client(sandbox)('POST', '/contact', { phone: '+14155550110', first_name: 'Webhook' });
  return String(res.body.id);
}

describe('faults', () => {
  it('applies targeted rules with times, and records the requests', async () => {
    const sandbox = await sandboxWith({
      faults: { rules: [{ kind: 'status', status: 503, method: 'GET', path: '/contacts', times: 1 }] },
    });
    const api = client(sandbox);
    const first = await api('GET', '/contacts');
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ error: 'service_unavailable', code: 503 });
    expect((await api('GET', '/contacts')).status).toBe(200);
    expect(sandbox.requests.map((r) => [r.status, r.fault])).toEqual([
      [503, 'status'],
      [200, undefined],
    ]);
  });

  it('resets sockets, serves malformed bodies and answers 429 with Retry-After', async () => {
    const sandbox = await sandboxWith({
      keys: [{ key: SANDBOX_KEY, organizationId: 'org_demo', rateLimitPerMinute: 2 }],
      faults: {
        rules: [
          { kind: 'reset', path: '/contact/*', times: 1 },
          { kind: 'malformed', path: '/conversations' },
        ],
      },
    });
    const api = client(sandbox);
    await expect(api('GET', '/contact/cnt_x')).rejects.toThrow();
    await expect(api('GET', '/conversations')).rejects.toThrow(SyntaxError);
    const last = await api('GET', '/contacts');
    expect([last.status, last.headers.get('x-ratelimit-remaining')]).toEqual([200, '0']);
    const limited = await api('GET', '/contacts');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.body.retry_after).toBeGreaterThan(0);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('holds hung requests until close() ends them', async () => {
    const sandbox = await sandboxWith({ faults: { hangRate: 1 } });
    const pending = client(sandbox)('GET', '/contacts').catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sandbox.requests[0]).toMatchObject({ status: 0, fault: 'hang' });
    await sandbox.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it('adds latency, visible in the recorded timings', async () => {
    const sandbox = await sandboxWith({ latencyMs: 60 });
    const api = client(sandbox);
    await Promise.all([api('GET', '/contacts'), api('GET', '/contacts')]);
    const [a, b] = sandbox.requests;
    expect((a?.finishedAt ?? 0) - (a?.startedAt ?? 0)).toBeGreaterThanOrEqual(55);
    expect(a && b && a.startedAt < b.finishedAt && b.startedAt < a.finishedAt).toBe(true);
  });
});

describe('control routes', () => {
  it('simulates inbound messages that open the WhatsApp window, and advances statuses', async () => {
    let now = Date.parse('2026-01-25T10:00:00Z');
    const sandbox = await sandboxWith({ now: () => now });
    const api = client(sandbox);
    const contact = await newContact(sandbox);
    const text = { channel: 'whatsapp', message_type: 'text', content: 'Hello' };
    // The business may start the conversation; 25 h later, with no reply, the window is closed.
    const opener = await api('POST', `/contact/${contact}/message`, text);
    expect(opener.status).toBe(201);
    now += 25 * 3600_000;
    const refused = await api('POST', `/contact/${contact}/message`, text);
    expect(refused.body.details).toMatchObject({ window_expires_at: '2026-01-26T10:00:00Z' });
    const inbound = await fetch(`${sandbox.origin}/_sandbox/inbound`, {
      method: 'POST',
      headers: { 'X-API-Key': SANDBOX_KEY },
      body: JSON.stringify({ contact_id: contact, channel: 'whatsapp', content: 'Hi there' }),
    });
    expect(inbound.status).toBe(201);
    const sent = await api('POST', `/contact/${contact}/message`, text);
    expect(sent.body).toMatchObject({ status: 'sent', sent_by: 'user' });
    now += 2500;
    const listed = await api<Page<Json>>(
      'GET',
      `/conversation/${String(sent.body.conversation_id)}/messages`,
    );
    expect(listed.body.data.map((m) => m.status)).toEqual(['read', 'delivered', 'delivered']);
    expect(sandbox.advance(SANDBOX_KEY, { message_id: String(sent.body.id), to: 'read' })).toBe(1);
    now += 25 * 3600_000;
    const closed = await api('POST', `/contact/${contact}/message`, text);
    expect(closed.body.details).toMatchObject({
      reason: 'outside_24h_window',
      window_expires_at: '2026-01-27T11:00:00Z',
    });
  });

  it('resets to the seeded state', async () => {
    const sandbox = await sandboxWith();
    const api = client(sandbox);
    const before = (await api<Page<Json>>('GET', '/contacts?limit=1')).body;
    await newContact(sandbox);
    expect((await fetch(`${sandbox.origin}/_sandbox/reset`, { method: 'POST' })).status).toBe(200);
    expect(sandbox.requests).toEqual([]);
    expect((await api<Page<Json>>('GET', '/contacts?limit=1')).body.pagination).toEqual(before.pagination);
  });
});

describe('webhooks', () => {
  it('delivers signed events and retries failures with the same event id', async () => {
    const receiver = await startReceiver();
    const received = receiver.deliveries;
    receiver.respond = () => (received.length === 1 ? 500 : 200);
    try {
      const sandbox = await sandboxWith({ webhookRetryDelaysMs: { exponential: [20, 20], linear: [20] } });
      const api = client(sandbox);
      const hook = await api('POST', '/webhooks', {
        url: `${receiver.url}/hook`,
        events: ['contact.created'],
      });
      expect(hook.status).toBe(201);
      expect(hook.body).toMatchObject({ active: true, retry_policy: 'exponential' });
      await newContact(sandbox);
      await expect.poll(() => received.length).toBe(2);
      const [first, retry] = received.map((r) => ({ ...r, json: JSON.parse(r.rawBody) as Json }));
      expect(first?.json).toMatchObject({
        type: 'contact.created',
        retry_count: 0,
        organization_id: 'org_demo',
      });
      expect(retry?.json).toMatchObject({ id: first?.json.id, retry_count: 1 });
      const [, t, v1] =
        /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(retry?.headers['x-huechat-signature'])) ?? [];
      const expected = createHmac('sha256', String(hook.body.signing_secret))
        .update(`${t}.${retry?.rawBody}`)
        .digest('hex');
      expect(v1).toBe(expected);
      expect(retry?.headers['x-huechat-event']).toBe('contact.created');
    } finally {
      await receiver.close();
    }
  });
});

describe('environment', () => {
  it('parses keys with scopes and limits, and names a bad variable', () => {
    const options = sandboxOptionsFromEnv({
      SANDBOX_PORT: '0',
      SANDBOX_KEYS: 'sk_a:org_a,sk_b:org_b:contacts:read+conversations:read:60',
      SANDBOX_ERROR_RATE: '0.1',
    });
    expect(options.keys).toEqual([
      { key: 'sk_a', organizationId: 'org_a', scopes: undefined, rateLimitPerMinute: undefined },
      {
        key: 'sk_b',
        organizationId: 'org_b',
        scopes: ['contacts:read', 'conversations:read'],
        rateLimitPerMinute: 60,
      },
    ]);
    expect(options.faults).toEqual({ errorRate: 0.1 });
    expect(() => sandboxOptionsFromEnv({ SANDBOX_HANG_RATE: '2' })).toThrow(SandboxConfigError);
    expect(() => sandboxOptionsFromEnv({ SANDBOX_EMBED_CONTACT: 'half' })).toThrow(/SANDBOX_EMBED_CONTACT/);
  });
});
