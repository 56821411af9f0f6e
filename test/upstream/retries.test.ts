import type { ServerResponse } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { contacts } from '../../src/upstream/contacts.js';
import { messages } from '../../src/upstream/messages.js';
import { closedOrigin } from '../helpers/http.js';
import { uniquePhone } from '../helpers/rest.js';
import { timed } from '../helpers/time.js';
import {
  caller,
  client,
  contactJson,
  createClient,
  requestsTo,
  sandbox,
  sendJson,
  startStub,
  TEST_OPTIONS,
  tracingCaller,
  upstreamFailure,
  useSandboxClient,
} from '../helpers/upstream.js';

useSandboxClient({ seedContacts: 3 });
const me = caller();
let contactId: string;

function rateLimited(retryAfter: string | undefined, body: Record<string, unknown> = {}) {
  return (res: ServerResponse) =>
    sendJson(
      res,
      429,
      { error: 'rate_limited', message: 'Slow down', request_id: 'req_stub', ...body },
      retryAfter === undefined ? {} : { 'retry-after': retryAfter },
    );
}

beforeAll(async () => {
  ({ id: contactId } = await contacts.create(client, me, { first_name: 'Retry', phone: uniquePhone() }));
});
afterEach(() => {
  sandbox.setFaults({});
});

describe('reads are retried when the failure is passing', () => {
  it.each([502, 503, 504])(
    'retries a GET that failed twice with %i and returns the third answer',
    async (status) => {
      sandbox.setFaults({ rules: [{ kind: 'status', status, method: 'GET', path: '/contact/*', times: 2 }] });

      const contact = await contacts.get(client, me, contactId);

      expect(contact.id).toBe(contactId);
      expect(requestsTo(sandbox, 'GET', `/v2/contact/${contactId}`).map((r) => r.status)).toEqual([
        status,
        status,
        200,
      ]);
    },
  );

  it('retries a GET whose connection was reset and returns the next answer', async () => {
    sandbox.setFaults({ rules: [{ kind: 'reset', method: 'GET', path: '/contacts', times: 1 }] });

    const page = await contacts.list(client, me, { limit: 1 });

    expect(page.data).toHaveLength(1);
    expect(requestsTo(sandbox, 'GET', '/v2/contacts').map((r) => r.fault ?? 'ok')).toEqual(['reset', 'ok']);
  });

  it('retries a GET against a port nothing listens on, then reports unavailable', async () => {
    const offline = createClient(`${await closedOrigin()}/v2`);
    const { caller: traced, traces } = tracingCaller();

    const err = await upstreamFailure(contacts.get(offline, traced, 'cnt_1'));

    expect(err.kind).toBe('unavailable');
    expect(traces.map((t) => [t.attempt, t.outcome, t.status])).toEqual([
      [0, 'unavailable', undefined],
      [1, 'unavailable', undefined],
      [2, 'unavailable', undefined],
    ]);
  });

  it('gives up after retries + 1 calls when the upstream keeps failing', async () => {
    sandbox.setFaults({ rules: [{ kind: 'status', status: 503, path: '/contacts' }] });

    const err = await upstreamFailure(contacts.list(client, me, {}));

    expect(err).toMatchObject({ kind: 'http', status: 503, error: 'service_unavailable' });
    expect(requestsTo(sandbox, 'GET', '/v2/contacts')).toHaveLength(TEST_OPTIONS.retries + 1);
  });

  it('gives up after retries + 1 calls when every connection is reset', async () => {
    sandbox.setFaults({ rules: [{ kind: 'reset', path: '/contacts' }] });

    const err = await upstreamFailure(contacts.list(client, me, {}));

    expect(err.kind).toBe('unavailable');
    expect(requestsTo(sandbox, 'GET', '/v2/contacts')).toHaveLength(3);
  });

  it('makes a single call when the client is configured with no retries', async () => {
    sandbox.setFaults({ rules: [{ kind: 'status', status: 503, path: '/contacts' }] });
    const once = createClient(sandbox.url, { retries: 0 });

    await upstreamFailure(contacts.list(once, me, {}));

    expect(requestsTo(sandbox, 'GET', '/v2/contacts')).toHaveLength(1);
  });
});

describe('reads are not retried when another try cannot help', () => {
  it('does not retry a 400', async () => {
    const err = await upstreamFailure(contacts.list(client, me, { limit: 500 }));

    expect(err).toMatchObject({ kind: 'http', status: 400, details: { field: 'limit' } });
    expect(requestsTo(sandbox, 'GET', '/v2/contacts')).toHaveLength(1);
  });

  it('does not retry a 404', async () => {
    await upstreamFailure(contacts.get(client, me, 'cnt_missing'));

    expect(requestsTo(sandbox, 'GET', '/v2/contact/cnt_missing')).toHaveLength(1);
  });

  it('does not retry a 500', async () => {
    sandbox.setFaults({ rules: [{ kind: 'error', status: 500, path: '/contacts' }] });

    const err = await upstreamFailure(contacts.list(client, me, {}));

    expect(err).toMatchObject({ kind: 'http', status: 500, error: 'internal_error' });
    expect(requestsTo(sandbox, 'GET', '/v2/contacts')).toHaveLength(1);
  });

  it('does not retry a malformed 200', async () => {
    sandbox.setFaults({ rules: [{ kind: 'malformed', path: '/contacts' }] });

    await upstreamFailure(contacts.list(client, me, {}));

    expect(requestsTo(sandbox, 'GET', '/v2/contacts')).toHaveLength(1);
  });
});

describe('writes are never retried', () => {
  it('does not retry a POST that got 503', async () => {
    sandbox.setFaults({ rules: [{ kind: 'status', status: 503, method: 'POST' }] });

    const err = await upstreamFailure(
      messages.send(client, me, contactId, { channel: 'sms', message_type: 'text', content: 'once' }),
    );

    expect(err).toMatchObject({ kind: 'http', status: 503 });
    expect(requestsTo(sandbox, 'POST', `/v2/contact/${contactId}/message`)).toHaveLength(1);
  });

  it('does not retry a POST whose connection was reset', async () => {
    sandbox.setFaults({ rules: [{ kind: 'reset', method: 'POST' }] });

    const err = await upstreamFailure(
      messages.send(client, me, contactId, { channel: 'sms', message_type: 'text', content: 'once' }),
    );

    expect(err.kind).toBe('unavailable');
    expect(requestsTo(sandbox, 'POST', `/v2/contact/${contactId}/message`)).toHaveLength(1);
  });

  it('does not retry a PUT that got 503 or was reset', async () => {
    sandbox.setFaults({
      rules: [
        { kind: 'status', status: 503, method: 'PUT', times: 1 },
        { kind: 'reset', method: 'PUT', times: 1 },
      ],
    });

    const first = await upstreamFailure(contacts.update(client, me, contactId, { last_name: 'A' }));
    const second = await upstreamFailure(contacts.update(client, me, contactId, { last_name: 'B' }));

    expect(first).toMatchObject({ kind: 'http', status: 503 });
    expect(second.kind).toBe('unavailable');
    expect(requestsTo(sandbox, 'PUT', `/v2/contact/${contactId}`)).toHaveLength(2);
  });

  it('does not retry a DELETE that got 503 or was reset', async () => {
    sandbox.setFaults({
      rules: [
        { kind: 'status', status: 503, method: 'DELETE', times: 1 },
        { kind: 'reset', method: 'DELETE', times: 1 },
      ],
    });

    const first = await upstreamFailure(contacts.delete(client, me, 'cnt_any'));
    const second = await upstreamFailure(contacts.delete(client, me, 'cnt_any'));

    expect(first).toMatchObject({ kind: 'http', status: 503 });
    expect(second.kind).toBe('unavailable');
    expect(requestsTo(sandbox, 'DELETE', '/v2/contact/cnt_any')).toHaveLength(2);
  });

  it('does not retry a POST that was rate limited with a short Retry-After', async () => {
    const limited = await startStub(rateLimited('1'));

    const err = await upstreamFailure(contacts.create(createClient(limited.url), me, { first_name: 'X' }));

    expect(err).toMatchObject({ kind: 'rate_limited', retryAfter: 1 });
    expect(limited.hits).toHaveLength(1);
  });
});

describe('Retry-After', () => {
  it('waits the seconds Retry-After asks for, then retries once', async () => {
    const upstream = await startStub((res, _hit, index) =>
      index === 0 ? rateLimited('1')(res) : sendJson(res, 200, contactJson('cnt_1')),
    );

    const contact = await contacts.get(createClient(upstream.url), me, 'cnt_1');

    expect(contact.id).toBe('cnt_1');
    expect(upstream.hits).toHaveLength(2);
    expect(upstream.hits[1].at - upstream.hits[0].at).toBeGreaterThanOrEqual(900);
  });

  it('fails at once with retryAfter when Retry-After is longer than retryMaxWaitMs', async () => {
    const upstream = await startStub(rateLimited('30'));

    const { ms, result: err } = await timed(() =>
      upstreamFailure(contacts.get(createClient(upstream.url), me, 'cnt_1')),
    );

    expect(err).toMatchObject({
      kind: 'rate_limited',
      status: 429,
      error: 'rate_limited',
      retryAfter: 30,
      requestId: 'req_stub',
    });
    expect(upstream.hits).toHaveLength(1);
    expect(ms).toBeLessThan(5_000);
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const upstream = await startStub((res) => rateLimited(new Date(Date.now() + 120_000).toUTCString())(res));

    const err = await upstreamFailure(contacts.get(createClient(upstream.url), me, 'cnt_1'));

    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfter).toBeGreaterThanOrEqual(115);
    expect(err.retryAfter).toBeLessThanOrEqual(121);
    expect(upstream.hits).toHaveLength(1);
  });

  it('retries at once when the Retry-After date has already passed', async () => {
    const upstream = await startStub((res, _hit, index) =>
      index === 0
        ? rateLimited(new Date(Date.now() - 5_000).toUTCString())(res)
        : sendJson(res, 200, contactJson('cnt_1')),
    );

    const contact = await contacts.get(createClient(upstream.url), me, 'cnt_1');

    expect(contact.id).toBe('cnt_1');
    expect(upstream.hits).toHaveLength(2);
  });

  it('falls back to retry_after in the body when the header is missing', async () => {
    const upstream = await startStub(rateLimited(undefined, { retry_after: 45 }));

    const err = await upstreamFailure(contacts.get(createClient(upstream.url), me, 'cnt_1'));

    expect(err).toMatchObject({ kind: 'rate_limited', retryAfter: 45 });
    expect(upstream.hits).toHaveLength(1);
  });

  it('stops waiting and reports aborted when the caller aborts during the wait', async () => {
    const upstream = await startStub(rateLimited('4'));
    const willing = createClient(upstream.url, { retryMaxWaitMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);

    const { ms, result: err } = await timed(() =>
      upstreamFailure(contacts.get(willing, caller(undefined, { signal: controller.signal }), 'cnt_1')),
    );

    expect(err.kind).toBe('aborted');
    expect(upstream.hits).toHaveLength(1);
    // Far below the 4 s the upstream asked for: the wait ended with the abort.
    expect(ms).toBeLessThan(3_000);
  });
});

describe('trace', () => {
  it('reports every attempt with the route template, status and outcome', async () => {
    sandbox.setFaults({
      rules: [{ kind: 'status', status: 503, method: 'GET', path: '/contact/*', times: 2 }],
    });
    const { caller: traced, traces } = tracingCaller();

    await contacts.get(client, traced, contactId);

    expect(
      traces.map(({ method, route, status, attempt, outcome }) => ({
        method,
        route,
        status,
        attempt,
        outcome,
      })),
    ).toEqual([
      { method: 'GET', route: '/contact/{id}', status: 503, attempt: 0, outcome: 'http' },
      { method: 'GET', route: '/contact/{id}', status: 503, attempt: 1, outcome: 'http' },
      { method: 'GET', route: '/contact/{id}', status: 200, attempt: 2, outcome: 'ok' },
    ]);
    for (const trace of traces) {
      expect(trace.durationMs).toBeGreaterThanOrEqual(0);
      expect(JSON.stringify(trace)).not.toContain(contactId);
    }
    expect(traces[1].startedAt).toBeGreaterThan(traces[0].startedAt);
  });

  it('never puts a phone, email or key into a trace', async () => {
    const phone = uniquePhone();
    await contacts.create(client, me, { first_name: 'Traced', phone });
    const { caller: traced, traces } = tracingCaller();

    await contacts.get(client, traced, phone);
    await upstreamFailure(contacts.get(client, traced, 'nobody@example.test'));

    expect(traces.map((t) => `${t.method} ${t.route} ${t.status} ${t.outcome}`)).toEqual([
      'GET /contact/{id} 200 ok',
      'GET /contact/{id} 404 http',
    ]);
    const text = JSON.stringify(traces);
    expect(text).not.toContain(phone.slice(1));
    expect(text).not.toContain('nobody');
    expect(text).not.toContain('sk_test');
  });

  it('reports a write and a timeout under their templates', async () => {
    sandbox.setFaults({ hangMs: 5_000, rules: [{ kind: 'hang', method: 'GET', path: '/conversation/*' }] });
    const { caller: traced, traces } = tracingCaller();

    await messages.send(client, traced, contactId, {
      channel: 'sms',
      message_type: 'text',
      content: 'traced',
    });
    await upstreamFailure(
      client.request(traced, {
        method: 'GET',
        route: '/conversation/{id}',
        params: { id: 'conv_x' },
        schema: null,
      }),
    );

    expect(traces.map((t) => [t.method, t.route, t.status, t.attempt, t.outcome])).toEqual([
      ['POST', '/contact/{id}/message', 201, 0, 'ok'],
      ['GET', '/conversation/{id}', undefined, 0, 'timeout'],
    ]);
  });
});
