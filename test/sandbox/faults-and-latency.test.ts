import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FaultOptions, type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import {
  call,
  contactSchema,
  control,
  createContact,
  errorSchema,
  expectError,
  expectStatus,
  pageSchema,
  SANDBOX_KEY,
  sandbox,
  uniquePhone,
  useSandbox,
} from '../helpers/rest.js';
import { waitFor } from '../helpers/time.js';

useSandbox({ seedContacts: 3 });

afterEach(() => {
  sandbox.setFaults({});
  sandbox.setLatency(0, 0);
});

const SERVER_ERRORS: Record<number, string> = {
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
};

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await run();
  return { ms: performance.now() - started, result };
}

/** The error code behind a rejected fetch (undici puts the socket error in `cause`). */
function causeCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause !== null && typeof cause === 'object' && 'code' in cause) return String(cause.code);
  return undefined;
}

async function fetchError(path: string): Promise<unknown> {
  try {
    await fetch(`${sandbox.url}${path}`, { headers: { 'x-api-key': SANDBOX_KEY } });
  } catch (error) {
    return error;
  }
  throw new Error(`expected GET ${path} to fail at the socket level`);
}

async function postError(path: string, body: unknown): Promise<unknown> {
  try {
    await fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': SANDBOX_KEY, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    return error;
  }
  throw new Error(`expected POST ${path} to fail at the socket level`);
}

describe('latency', () => {
  it('delays each /v2 response by at least latencyMs', async () => {
    const slow = await startSandbox({ port: 0, seedContacts: 1, latencyMs: 120 });
    try {
      const { ms, result } = await timed(() => call(slow, 'GET', '/contacts'));
      expect(result.status).toBe(200);
      expect(ms).toBeGreaterThanOrEqual(115);
    } finally {
      await slow.close();
    }
  });

  it('changes latency at runtime with setLatency, jitter spreading answers over [L, L + J]', async () => {
    const L = 20;
    const J = 300;
    sandbox.setLatency(L, J);
    sandbox.clearRequests();
    // Concurrent, so each request's time is its own delay, not the queue in front of it.
    await Promise.all(
      Array.from({ length: 20 }, () => call(sandbox, 'GET', '/contacts', { query: { limit: 1 } })),
    );
    await waitFor(() => sandbox.requests.length === 20, 2000, 'twenty recorded requests');
    const durations = sandbox.requests.map((r) => r.finishedAt - r.startedAt);
    const min = Math.min(...durations);
    const max = Math.max(...durations);
    // Timers may fire a hair early against performance.now(); a loaded machine makes them late, not early.
    for (const ms of durations) {
      expect(ms).toBeGreaterThanOrEqual(L - 2);
      expect(ms).toBeLessThanOrEqual(L + J + 250);
    }
    // No jitter would bunch them at L, a fixed extra at L + J: 20 uniform draws fail these about once in 10^6.
    expect(max - min).toBeGreaterThan(J / 3);
    expect(min).toBeLessThan(L + J / 2);
    expect(max).toBeGreaterThan(L + J / 2);
  });

  it('changes latency over HTTP with PUT /_sandbox/latency', async () => {
    const res = await control(sandbox, 'PUT', '/latency', { body: { latency_ms: 100, jitter_ms: 0 } });
    expect(res.status).toBeLessThan(300);
    const { ms } = await timed(() => call(sandbox, 'GET', '/contacts'));
    expect(ms).toBeGreaterThanOrEqual(95);
  });

  it('keeps the jitter when PUT /_sandbox/latency sets only latency_ms, and the latency when only jitter_ms', async () => {
    sandbox.setLatency(10, 40);
    const onlyLatency = await control(sandbox, 'PUT', '/latency', { body: { latency_ms: 25 } });
    expect(onlyLatency.json).toEqual({ latency_ms: 25, jitter_ms: 40 });
    const onlyJitter = await control(sandbox, 'PUT', '/latency', { body: { jitterMs: 5 } });
    expect(onlyJitter.json).toEqual({ latency_ms: 25, jitter_ms: 5 });
    expect((await control(sandbox, 'GET', '/latency')).json).toEqual({ latency_ms: 25, jitter_ms: 5 });
    const both = await control(sandbox, 'PUT', '/latency', { body: { latency_ms: 0, jitter_ms: 0 } });
    expect(both.json).toEqual({ latency_ms: 0, jitter_ms: 0 });
  });

  it('does not delay the control routes', async () => {
    sandbox.setLatency(3000);
    const { ms, result } = await timed(() => control(sandbox, 'GET', '/health'));
    expect(result.status).toBe(200);
    expect(ms).toBeLessThan(2000);
  });

  it('serves concurrent slow requests concurrently, as the request log shows', async () => {
    sandbox.setLatency(100);
    sandbox.clearRequests();
    await Promise.all(Array.from({ length: 5 }, () => call(sandbox, 'GET', '/contacts')));
    await waitFor(() => sandbox.requests.length === 5, 2000, 'five recorded requests');
    const latestStart = Math.max(...sandbox.requests.map((r) => r.startedAt));
    const earliestEnd = Math.min(...sandbox.requests.map((r) => r.finishedAt));
    expect(latestStart).toBeLessThan(earliestEnd);
    for (const request of sandbox.requests)
      expect(request.finishedAt - request.startedAt).toBeGreaterThanOrEqual(95);
  });
});

describe('fault rates', () => {
  it('answers every request with a 5xx and the error body when errorRate is 1', async () => {
    sandbox.setFaults({ errorRate: 1 });
    sandbox.clearRequests();
    for (let i = 0; i < 5; i++) {
      const res = await call(sandbox, 'GET', '/contacts');
      expect([500, 502, 503]).toContain(res.status);
      expectError(res, res.status, SERVER_ERRORS[res.status]);
    }
    await waitFor(() => sandbox.requests.length === 5);
    for (const request of sandbox.requests) expect(request.fault).toBe('error');
  });

  it('returns a 200 whose body is not JSON when malformedRate is 1', async () => {
    sandbox.setFaults({ malformedRate: 1 });
    const res = await call(sandbox, 'GET', '/contacts');
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.text)).toThrow();
  });

  it('destroys the socket without an answer when resetRate is 1, so fetch rejects', async () => {
    sandbox.setFaults({ resetRate: 1 });
    sandbox.clearRequests();
    const error = await fetchError('/contacts');
    expect(error).toBeInstanceOf(TypeError);
    expect(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']).toContain(causeCode(error));
    await waitFor(() => sandbox.requests.length >= 1);
    expect(sandbox.requests[0]).toMatchObject({ status: 0, fault: 'reset' });
  });

  it('holds the request when hangRate is 1 until the client’s timeout fires', async () => {
    sandbox.setFaults({ hangRate: 1, hangMs: 3000 });
    const started = performance.now();
    const error = await call(sandbox, 'GET', '/contacts', { signal: AbortSignal.timeout(150) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('TimeoutError');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('ends hung requests on close()', async () => {
    const hanging = await startSandbox({ port: 0, seedContacts: 1, faults: { hangRate: 1 } });
    const pending = fetch(`${hanging.url}/contacts`, { headers: { 'x-api-key': SANDBOX_KEY } }).then(
      () => 'answered',
      () => 'rejected',
    );
    await waitFor(() => hanging.requests.length > 0, 300, 'the hung request to be recorded').catch(
      () => undefined,
    );
    await hanging.close();
    expect(await pending).toBe('rejected');
  });

  it('stops faulting once setFaults replaces the settings', async () => {
    sandbox.setFaults({ errorRate: 1 });
    expect((await call(sandbox, 'GET', '/contacts')).status).toBeGreaterThanOrEqual(500);
    sandbox.setFaults({ malformedRate: 0 });
    expectStatus(await call(sandbox, 'GET', '/contacts'), 200, pageSchema(contactSchema));
  });
});

type Outcome = 'ok' | 'error' | 'malformed' | 'dropped';

/** Sends `count` GETs one after another (so the fault stream is drawn in a fixed order) and classifies each answer. */
async function outcomes(target: Sandbox, count: number): Promise<Outcome[]> {
  const seen: Outcome[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const res = await call(target, 'GET', '/contacts', { query: { limit: 1 } });
      if (res.status >= 500) seen.push('error');
      else if (res.status === 200 && res.json === undefined) seen.push('malformed');
      else if (res.status === 200) seen.push('ok');
      else throw new Error(`unexpected status ${res.status}`);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      seen.push('dropped');
    }
  }
  return seen;
}

function shares<T extends string>(items: readonly T[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  for (const key of Object.keys(counts)) counts[key] /= items.length;
  return counts;
}

describe('fractional fault rates', () => {
  const open: Sandbox[] = [];
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
  });
  async function seeded(seed: number, faults: FaultOptions): Promise<Sandbox> {
    const s = await startSandbox({ port: 0, seedContacts: 1, seed, faults });
    open.push(s);
    return s;
  }

  it('faults about errorRate of the requests, the same ones again for the same seed', async () => {
    const a = await seeded(11, { errorRate: 0.3 });
    const b = await seeded(11, { errorRate: 0.3 });
    const first = await outcomes(a, 200);
    // The fault stream is seeded and drawn in request order: a failing run repeats exactly.
    expect(await outcomes(b, 200)).toEqual(first);
    const share = shares(first).error ?? 0;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
    expect(new Set(a.requests.map((r) => r.fault))).toEqual(new Set(['error', undefined]));
  });

  it('splits requests into one band per kind when several rates are set at once', async () => {
    const mixed = await seeded(12, {
      errorRate: 0.2,
      resetRate: 0.1,
      malformedRate: 0.15,
      hangRate: 0.05,
      hangMs: 0,
    });
    const seen = await outcomes(mixed, 200);
    // Every request reached the sandbox once: a dropped one is not retried behind the test's back.
    expect(mixed.requests).toHaveLength(200);
    const logged = shares(mixed.requests.map((r) => r.fault ?? 'none'));
    const expected: Record<string, number> = {
      error: 0.2,
      reset: 0.1,
      malformed: 0.15,
      hang: 0.05,
      none: 0.5,
    };
    for (const [kind, share] of Object.entries(expected)) {
      expect(logged[kind] ?? 0, kind).toBeGreaterThan(share - 0.08);
      expect(logged[kind] ?? 0, kind).toBeLessThan(share + 0.08);
    }
    // What the client saw matches the log: hangs (held 0 ms) and resets both end without an answer.
    const client = shares(seen);
    expect(client.error).toBe(logged.error);
    expect(client.malformed).toBe(logged.malformed);
    expect(client.dropped).toBeCloseTo((logged.reset ?? 0) + (logged.hang ?? 0), 10);
  });

  it('fires a rule with rate 0.3 on about 30% of the matching requests', async () => {
    const ruled = await seeded(13, { rules: [{ kind: 'error', status: 502, path: '/contacts', rate: 0.3 }] });
    const share = shares(await outcomes(ruled, 200)).error ?? 0;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
  });
});

describe('targeted fault rules', () => {
  it('applies a status rule to one method and exact path, only the given number of times', async () => {
    sandbox.setFaults({
      rules: [{ kind: 'status', status: 503, method: 'GET', path: '/contacts', times: 2 }],
    });
    expectError(await call(sandbox, 'GET', '/contacts'), 503, 'service_unavailable');
    expectStatus(await call(sandbox, 'GET', '/conversations'), 200);
    await createContact(sandbox);
    expectError(await call(sandbox, 'GET', '/contacts'), 503, 'service_unavailable');
    expectStatus(await call(sandbox, 'GET', '/contacts'), 200);
  });

  it('matches a path prefix ending in *, and an error rule defaults to 500', async () => {
    const contact = await createContact(sandbox);
    sandbox.setFaults({ rules: [{ kind: 'error', path: '/contact/*' }] });
    expectError(await call(sandbox, 'GET', `/contact/${contact.id}`), 500, 'internal_error');
    expectError(await call(sandbox, 'GET', `/contact/${contact.id}/conversations`), 500, 'internal_error');
    expectStatus(await call(sandbox, 'GET', '/contacts'), 200);
  });

  it('answers a status rule with any status and a SPEC error body', async () => {
    sandbox.setFaults({ rules: [{ kind: 'status', status: 429, path: '/contacts' }] });
    const res = await call(sandbox, 'GET', '/contacts');
    expect(res.status).toBe(429);
    const body = errorSchema.parse(res.json);
    expect(body.code).toBe(429);
  });

  it('checks rules before rates', async () => {
    sandbox.setFaults({ errorRate: 1, rules: [{ kind: 'status', status: 409, path: '/contacts' }] });
    expect((await call(sandbox, 'GET', '/contacts')).status).toBe(409);
    expect([500, 502, 503]).toContain((await call(sandbox, 'GET', '/conversations')).status);
  });

  it('never fires a rule with rate 0', async () => {
    sandbox.setFaults({ rules: [{ kind: 'error', path: '/contacts', rate: 0 }] });
    for (let i = 0; i < 5; i++) expectStatus(await call(sandbox, 'GET', '/contacts'), 200);
  });

  it('applies reset and malformed rules only where they match', async () => {
    sandbox.setFaults({
      rules: [
        { kind: 'reset', path: '/conversations' },
        { kind: 'malformed', method: 'GET', path: '/channels/*' },
      ],
    });
    expect(causeCode(await fetchError('/conversations'))).toBeDefined();
    const malformed = await call(sandbox, 'GET', '/channels/whatsapp/templates');
    expect(malformed.status).toBe(200);
    expect(() => JSON.parse(malformed.text)).toThrow();
    expectStatus(await call(sandbox, 'GET', '/contacts'), 200);
  });
});

describe('the reset-after fault: the write is applied, its answer lost', () => {
  it('creates the contact and then drops the connection, so a blind retry would be a duplicate', async () => {
    sandbox.setFaults({ rules: [{ kind: 'reset-after', method: 'POST', path: '/contact', times: 1 }] });
    sandbox.clearRequests();
    const phone = uniquePhone();
    const lost = await fetch(`${sandbox.url}/contact`, {
      method: 'POST',
      headers: { 'x-api-key': SANDBOX_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'Lost', phone }),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(lost).toBeInstanceOf(TypeError);
    expect(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']).toContain(causeCode(lost));
    await waitFor(() => sandbox.requests.length >= 1);
    expect(sandbox.requests[0]).toMatchObject({ method: 'POST', status: 0, fault: 'reset-after' });

    const found = await call(sandbox, 'GET', `/contact/${encodeURIComponent(phone)}`);
    const contact = expectStatus(found, 200, contactSchema);
    expect(contact.first_name).toBe('Lost');
    const retry = await call(sandbox, 'POST', '/contact', { body: { first_name: 'Lost', phone } });
    expect(expectError(retry, 409, 'duplicate_contact').details).toEqual({ existing_contact_id: contact.id });
  });

  it('drops the answer of a request the sandbox refused too, and leaves unmatched requests alone', async () => {
    sandbox.setFaults({ rules: [{ kind: 'reset-after', method: 'POST', path: '/contact' }] });
    expect(causeCode(await postError('/contact', { first_name: 'Bad', phone: '123' }))).toBeDefined();
    expectStatus(await call(sandbox, 'GET', '/contacts'), 200);
  });

  it('is accepted over PUT /_sandbox/faults', async () => {
    const res = await control(sandbox, 'PUT', '/faults', {
      body: { rules: [{ kind: 'reset-after', path: '/contact/*', rate: 0.5 }] },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ rules: [{ kind: 'reset-after', path: '/contact/*', rate: 0.5 }] });
  });
});

describe('control routes', () => {
  it('answers GET /_sandbox/health with {ok: true}', async () => {
    const res = await control(sandbox, 'GET', '/health', { key: null });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
  });

  it('sets and reads the faults over HTTP, without faulting the control routes themselves', async () => {
    const put = await control(sandbox, 'PUT', '/faults', { body: { errorRate: 1 } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ errorRate: 1 });
    const got = await control(sandbox, 'GET', '/faults');
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ errorRate: 1 });
    expect((await call(sandbox, 'GET', '/contacts')).status).toBeGreaterThanOrEqual(500);
    expect((await control(sandbox, 'GET', '/health')).status).toBe(200);

    const cleared = await control(sandbox, 'PUT', '/faults', { body: {} });
    expect(cleared.status).toBe(200);
    expectStatus(await call(sandbox, 'GET', '/contacts'), 200);
  });

  it('resets the data to the seeded state but keeps the faults', async () => {
    const created = await createContact(sandbox);
    sandbox.setFaults({ rules: [{ kind: 'status', status: 503, path: '/conversations' }] });
    sandbox.reset();
    expect(sandbox.requests).toEqual([]);
    expectStatus(await call(sandbox, 'GET', `/contact/${created.id}`), 404);
    const after = expectStatus(await call(sandbox, 'GET', '/contacts'), 200, pageSchema(contactSchema));
    expect(after.pagination.total).toBe(3);
    expect((await call(sandbox, 'GET', '/conversations')).status).toBe(503);
  });

  it('resets over HTTP with POST /_sandbox/reset', async () => {
    const created = await createContact(sandbox);
    const res = await control(sandbox, 'POST', '/reset');
    expect(res.status).toBeLessThan(300);
    expectStatus(await call(sandbox, 'GET', `/contact/${created.id}`), 404);
  });
});

const recordedSchema = z.object({
  method: z.string(),
  path: z.string(),
  query: z.record(z.string(), z.string()),
  status: z.number(),
  startedAt: z.number(),
  finishedAt: z.number(),
});

describe('the request log', () => {
  it('records method, raw path, query, status, key and organisation of each /v2 request, oldest first', async () => {
    const contact = await createContact(sandbox);
    sandbox.clearRequests();
    await call(sandbox, 'GET', '/contacts', { query: { limit: 5, search: 'ann' } });
    await call(sandbox, 'GET', `/contact/%2B${(contact.phone ?? '').slice(1)}`);
    await call(sandbox, 'GET', '/contacts', { key: null });
    await control(sandbox, 'GET', '/health');
    await waitFor(() => sandbox.requests.length >= 3);
    expect(sandbox.requests).toHaveLength(3);
    const [list, byPhone, unauthorized] = sandbox.requests;
    expect(list).toMatchObject({
      method: 'GET',
      path: '/v2/contacts',
      query: { limit: '5', search: 'ann' },
      status: 200,
      apiKey: SANDBOX_KEY,
      organizationId: 'org_demo',
    });
    expect(list.startedAt).toBeLessThanOrEqual(list.finishedAt);
    expect(byPhone).toMatchObject({
      method: 'GET',
      path: `/v2/contact/%2B${(contact.phone ?? '').slice(1)}`,
      status: 200,
    });
    expect(unauthorized).toMatchObject({ status: 401, apiKey: undefined, organizationId: undefined });
  });

  it('serves the log at GET /_sandbox/requests and clears it with DELETE', async () => {
    sandbox.clearRequests();
    await call(sandbox, 'POST', '/contact', { body: { first_name: 'Log' } });
    await waitFor(() => sandbox.requests.length >= 1);
    const res = await control(sandbox, 'GET', '/requests');
    const body = expectStatus(res, 200, z.object({ data: z.array(recordedSchema) }));
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ method: 'POST', path: '/v2/contact', status: 400 });
    const cleared = await control(sandbox, 'DELETE', '/requests');
    expect(cleared.status).toBeLessThan(300);
    expect(sandbox.requests).toEqual([]);
  });
});
