import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_KEYS, startSandbox } from '../../src/sandbox/index.js';
import { contacts } from '../../src/upstream/contacts.js';
import { messages } from '../../src/upstream/messages.js';
import { closedOrigin } from '../helpers/http.js';
import { READONLY_KEY, uniquePhone } from '../helpers/rest.js';
import { ManualClock, timed } from '../helpers/time.js';
import {
  caller,
  client,
  createClient,
  requestsTo,
  sandbox,
  sendJson,
  startStub,
  upstreamFailure,
  useSandboxClient,
} from '../helpers/upstream.js';

const LIMITED_KEY = 'sk_test_limited';
const REQUEST_ID = /^req_/;

useSandboxClient({
  seedContacts: 3,
  keys: [...DEFAULT_KEYS, { key: LIMITED_KEY, organizationId: 'org_limited', rateLimitPerMinute: 1 }],
  faults: { hangMs: 5_000 },
});
const me = caller();

afterEach(() => {
  sandbox.setFaults({ hangMs: 5_000 });
});

describe('authentication', () => {
  it('fails with 401 unauthorized and the upstream request id when the key is wrong', async () => {
    const err = await upstreamFailure(contacts.list(client, caller('sk_test_nope'), {}));

    expect(err).toMatchObject({
      kind: 'http',
      status: 401,
      error: 'unauthorized',
      upstreamMessage: 'Invalid API key',
      requestId: expect.stringMatching(REQUEST_ID),
      method: 'GET',
      route: '/contacts',
    });
    expect(sandbox.requests.map((r) => r.apiKey)).toEqual(['sk_test_nope']);
  });

  it('fails with 403 forbidden and the missing scope when the key may only read', async () => {
    const err = await upstreamFailure(
      contacts.create(client, caller(READONLY_KEY), { first_name: 'No', phone: uniquePhone() }),
    );

    expect(err).toMatchObject({
      kind: 'http',
      status: 403,
      error: 'forbidden',
      details: { required_permission: 'contacts:write' },
    });
  });
});

describe('http errors carry the upstream status, error, details and request id', () => {
  it('reports a 400 with the invalid field', async () => {
    const err = await upstreamFailure(contacts.create(client, me, { first_name: 'Bad', phone: '12345' }));

    expect(err).toMatchObject({
      kind: 'http',
      status: 400,
      error: 'invalid_input',
      details: { field: 'phone', received: '12345' },
      requestId: expect.stringMatching(REQUEST_ID),
      method: 'POST',
      route: '/contact',
    });
  });

  it('reports a 404 with the resource and identifier, naming the route template and not the id', async () => {
    const err = await upstreamFailure(contacts.get(client, me, 'cnt_missing'));

    expect(err).toMatchObject({
      kind: 'http',
      status: 404,
      error: 'not_found',
      details: { resource: 'contact', identifier: 'cnt_missing' },
      requestId: expect.stringMatching(REQUEST_ID),
      route: '/contact/{id}',
    });
    expect(err.message).toBe('GET /contact/{id}: http 404');
  });

  it('reports a 409 duplicate with the existing contact id', async () => {
    const phone = uniquePhone();
    const first = await contacts.create(client, me, { first_name: 'First', phone });

    const err = await upstreamFailure(contacts.create(client, me, { first_name: 'Second', phone }));

    expect(err).toMatchObject({
      kind: 'http',
      status: 409,
      error: 'duplicate_contact',
      details: { existing_contact_id: first.id },
      requestId: expect.stringMatching(REQUEST_ID),
    });
  });

  it('reports a 422 when a free-form WhatsApp message falls outside the 24-hour window', async () => {
    // The first text opens the window (the business starts the conversation); a day later it is shut.
    const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
    const quiet = await startSandbox({ port: 0, seedContacts: 1, now: clock.now });
    try {
      const quietClient = createClient(quiet.url);
      const contact = await contacts.create(quietClient, me, { first_name: 'Quiet', phone: uniquePhone() });
      const text = { channel: 'whatsapp', message_type: 'text', content: 'hi' } as const;
      await messages.send(quietClient, me, contact.id, text);
      clock.advance(24 * 3600_000 + 1000);

      const err = await upstreamFailure(messages.send(quietClient, me, contact.id, text));

      expect(err).toMatchObject({
        kind: 'http',
        status: 422,
        error: 'validation_failed',
        details: { reason: 'outside_24h_window', window_expires_at: '2026-03-03T09:00:00Z' },
        requestId: expect.stringMatching(REQUEST_ID),
        route: '/contact/{id}/message',
      });
    } finally {
      await quiet.close();
    }
  });

  it('still reports the status when the error body is not JSON', async () => {
    const stub = await startStub((res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
    });

    const err = await upstreamFailure(contacts.create(createClient(stub.url), me, { first_name: 'X' }));

    expect(err).toMatchObject({ kind: 'http', status: 502, error: undefined, requestId: undefined });
  });
});

describe('rate limiting', () => {
  it('fails with rate_limited and the seconds to wait, without waiting a minute', async () => {
    const limited = caller(LIMITED_KEY);
    await contacts.list(client, limited, { limit: 1 });

    const { ms, result: err } = await timed(() =>
      upstreamFailure(contacts.list(client, limited, { limit: 1 })),
    );

    expect(err).toMatchObject({
      kind: 'rate_limited',
      status: 429,
      error: 'rate_limited',
      requestId: expect.stringMatching(REQUEST_ID),
    });
    expect(err.retryAfter).toBeGreaterThanOrEqual(50);
    expect(err.retryAfter).toBeLessThanOrEqual(60);
    // A minute is far beyond retryMaxWaitMs: the read is not retried.
    expect(requestsTo(sandbox, 'GET', '/v2/contacts')).toHaveLength(2);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('timeouts, lost connections and aborts', () => {
  it('times out a request that gets no answer', async () => {
    sandbox.setFaults({ hangMs: 5_000, rules: [{ kind: 'hang', path: '/contact/cnt_slow' }] });

    const { ms, result: err } = await timed(() => upstreamFailure(contacts.get(client, me, 'cnt_slow')));

    expect(err).toMatchObject({ kind: 'timeout', status: undefined, route: '/contact/{id}' });
    expect(ms).toBeGreaterThanOrEqual(250);
  });

  it('reports unavailable when nothing listens on the port', async () => {
    const offline = createClient(`${await closedOrigin()}/v2`);

    const err = await upstreamFailure(contacts.get(offline, me, 'cnt_any'));

    expect(err).toMatchObject({
      kind: 'unavailable',
      status: undefined,
      method: 'GET',
      route: '/contact/{id}',
    });
  });

  it('reports unavailable when the upstream drops the connection', async () => {
    sandbox.setFaults({ rules: [{ kind: 'reset', path: '/contacts' }] });

    const err = await upstreamFailure(contacts.list(client, me, {}));

    expect(err).toMatchObject({ kind: 'unavailable', status: undefined });
  });

  it('reports aborted when the caller aborts mid-request', async () => {
    sandbox.setFaults({ hangMs: 5_000, rules: [{ kind: 'hang', path: '/contact/cnt_hang' }] });
    const patient = createClient(sandbox.url, { timeoutMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    const err = await upstreamFailure(
      contacts.get(patient, caller(undefined, { signal: controller.signal }), 'cnt_hang'),
    );

    expect(err).toMatchObject({ kind: 'aborted', route: '/contact/{id}' });
    expect(requestsTo(sandbox, 'GET', '/v2/contact/cnt_hang')).toHaveLength(1);
  });

  it('reports aborted without calling when the signal is already aborted', async () => {
    const err = await upstreamFailure(
      contacts.get(client, caller(undefined, { signal: AbortSignal.abort() }), 'cnt_never'),
    );

    expect(err.kind).toBe('aborted');
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe('bad responses', () => {
  it('reports bad_response for a 200 whose body is not JSON', async () => {
    sandbox.setFaults({ rules: [{ kind: 'malformed', path: '/contacts' }] });

    const err = await upstreamFailure(contacts.list(client, me, {}));

    expect(err).toMatchObject({ kind: 'bad_response', status: 200, route: '/contacts' });
    expect(requestsTo(sandbox, 'GET', '/v2/contacts')).toHaveLength(1);
  });

  it('reports bad_response for valid JSON of the wrong shape', async () => {
    const stub = await startStub((res) => sendJson(res, 200, { id: 42, first_name: null }));

    const err = await upstreamFailure(contacts.get(createClient(stub.url), me, 'cnt_1'));

    expect(err).toMatchObject({ kind: 'bad_response', status: 200, route: '/contact/{id}' });
    expect(stub.hits).toHaveLength(1);
  });

  it('reports bad_response for a list whose items break the schema', async () => {
    const stub = await startStub((res) =>
      sendJson(res, 200, {
        data: [{ id: 'cnt_1' }],
        pagination: { limit: 20, offset: 0, total: 1, has_more: false },
      }),
    );

    const err = await upstreamFailure(contacts.list(createClient(stub.url), me, {}));

    expect(err.kind).toBe('bad_response');
  });
});
