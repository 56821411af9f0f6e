import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import {
  call,
  contactSchema,
  control,
  createContact,
  errorSchema,
  expectError,
  expectStatus,
  KEY,
  pageSchema,
  waitFor,
} from './helpers.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seedContacts: 3 });
});
afterEach(() => {
  sandbox.setFaults({});
  sandbox.setLatency(0, 0);
});
afterAll(async () => {
  await sandbox.close();
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
    await fetch(`${sandbox.url}${path}`, { headers: { 'x-api-key': KEY } });
  } catch (error) {
    return error;
  }
  throw new Error(`expected GET ${path} to fail at the socket level`);
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

  it('changes latency at runtime with setLatency, jitter only adding to it', async () => {
    sandbox.setLatency(100, 50);
    const { ms } = await timed(() => call(sandbox, 'GET', '/contacts'));
    expect(ms).toBeGreaterThanOrEqual(95);
  });

  it('changes latency over HTTP with PUT /_sandbox/latency', async () => {
    const res = await control(sandbox, 'PUT', '/latency', { body: { latency_ms: 100, jitter_ms: 0 } });
    expect(res.status).toBeLessThan(300);
    const { ms } = await timed(() => call(sandbox, 'GET', '/contacts'));
    expect(ms).toBeGreaterThanOrEqual(95);
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
    const pending = fetch(`${hanging.url}/contacts`, { headers: { 'x-api-key': KEY } }).then(
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
      apiKey: KEY,
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
