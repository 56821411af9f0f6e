import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_KEYS } from '../../src/sandbox/index.js';
import {
  type ApiResponse,
  call,
  control,
  errorSchema,
  SANDBOX_KEY,
  sandbox,
  uniquePhone,
  useSandbox,
} from '../helpers/rest.js';

const LIMITED_KEY = 'sk_test_headers_limited';
/** Just over the 1 MB the sandbox reads. */
const TOO_LARGE = JSON.stringify({ first_name: 'Big', note: 'x'.repeat(1_100_000) });

useSandbox({
  seedContacts: 2,
  keys: [...DEFAULT_KEYS, { key: LIMITED_KEY, organizationId: 'org_demo', rateLimitPerMinute: 1000 }],
});

afterEach(() => {
  sandbox.setFaults({});
});

function expectRequestId(res: ApiResponse, what: string): void {
  expect(res.headers.get('x-request-id'), what).toMatch(/^req_[a-z0-9]{12}$/);
  // An error body names the same request as the header, so a support ticket can quote either.
  const body = errorSchema.safeParse(res.json);
  if (body.success) expect(body.data.request_id, what).toBe(res.headers.get('x-request-id'));
}

function expectRateHeaders(res: ApiResponse, what: string): void {
  for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
    expect(res.headers.get(name), `${name} on ${what}`).toMatch(/^\d+$/);
  }
}

/** Raw requests outside the /v2 base URL. */
function fromOrigin(method: string, path: string, key: string | null = SANDBOX_KEY): Promise<ApiResponse> {
  return call({ url: sandbox.origin }, method, path, { key });
}

describe('every /v2 response carries X-Request-Id and the rate-limit headers', () => {
  const cases: Array<[string, number, () => Promise<ApiResponse>]> = [
    ['a list', 200, () => call(sandbox, 'GET', '/contacts')],
    [
      'a create',
      201,
      () => call(sandbox, 'POST', '/contact', { body: { first_name: 'H', phone: uniquePhone() } }),
    ],
    ['invalid JSON', 400, () => call(sandbox, 'POST', '/contact', { body: '{"first_name":' })],
    [
      'a validation error',
      400,
      () => call(sandbox, 'POST', '/contact', { body: { first_name: 'H', phone: '1' } }),
    ],
    ['no key', 401, () => call(sandbox, 'GET', '/contacts', { key: null })],
    ['a wrong key', 401, () => call(sandbox, 'GET', '/contacts', { key: 'sk_test_wrong' })],
    ['a missing scope', 403, () => call(sandbox, 'POST', '/contact', { key: DEFAULT_KEYS[2].key, body: {} })],
    ['a missing resource', 404, () => call(sandbox, 'GET', '/contact/cnt_nothere00000')],
    ['an unknown route', 404, () => call(sandbox, 'GET', '/no/such/route')],
    ['/v2 itself', 404, () => call(sandbox, 'GET', '')],
    ['a wrong method', 405, () => call(sandbox, 'DELETE', '/contacts')],
    ['a body over 1 MB', 413, () => call(sandbox, 'POST', '/contact', { body: TOO_LARGE })],
    [
      'a wrong key with a body over 1 MB',
      413,
      () => call(sandbox, 'POST', '/contact', { key: 'sk_x', body: TOO_LARGE }),
    ],
  ];

  for (const [what, status, send] of cases) {
    it(`on ${what} (${status})`, async () => {
      const res = await send();
      expect(res.status, res.text.slice(0, 300)).toBe(status);
      expectRequestId(res, what);
      expectRateHeaders(res, what);
    });
  }

  it('on 405 it also sends Allow', async () => {
    const res = await call(sandbox, 'DELETE', '/contacts');
    expect(res.headers.get('allow')).toBe('GET');
  });

  it('on fault answers: injected 5xx, a status rule and a malformed 200', async () => {
    sandbox.setFaults({
      rules: [
        { kind: 'error', status: 503, path: '/conversations' },
        { kind: 'status', status: 429, path: '/channels/*' },
        { kind: 'malformed', path: '/contacts' },
      ],
    });
    for (const [path, status] of [
      ['/conversations', 503],
      ['/channels/whatsapp/templates', 429],
      ['/contacts', 200],
    ] as const) {
      const res = await call(sandbox, 'GET', path);
      expect(res.status).toBe(status);
      expectRequestId(res, path);
      expectRateHeaders(res, path);
    }
  });

  it('counts a 413 against the key like any other request', async () => {
    const first = await call(sandbox, 'GET', '/contacts', { key: LIMITED_KEY });
    const tooLarge = await call(sandbox, 'POST', '/contact', { key: LIMITED_KEY, body: TOO_LARGE });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(Number(tooLarge.headers.get('x-ratelimit-remaining'))).toBe(
      Number(first.headers.get('x-ratelimit-remaining')) - 1,
    );
  });
});

describe('X-Request-Id outside /v2', () => {
  // Rate-limit headers describe a key's /v2 window, so these need only the request id.
  const cases: Array<[string, number, () => Promise<ApiResponse>]> = [
    ['GET /_sandbox/health', 200, () => control(sandbox, 'GET', '/health', { key: null })],
    ['GET /_sandbox/faults', 200, () => control(sandbox, 'GET', '/faults')],
    [
      'PUT /_sandbox/faults with a bad body',
      400,
      () => control(sandbox, 'PUT', '/faults', { body: { x: 1 } }),
    ],
    ['POST /_sandbox/inbound without a key', 401, () => control(sandbox, 'POST', '/inbound', { key: null })],
    ['an unknown control route', 404, () => control(sandbox, 'GET', '/nothing')],
    ['a wrong method on a control route', 405, () => control(sandbox, 'DELETE', '/health')],
    ['a control body over 1 MB', 413, () => control(sandbox, 'PUT', '/faults', { body: TOO_LARGE })],
    ['GET /', 404, () => fromOrigin('GET', '/')],
    ['GET /v3/contacts', 404, () => fromOrigin('GET', '/v3/contacts')],
    ['GET /v2contacts', 404, () => fromOrigin('GET', '/v2contacts')],
    ['POST /favicon.ico without a key', 404, () => fromOrigin('POST', '/favicon.ico', null)],
  ];

  for (const [what, status, send] of cases) {
    it(`on ${what} (${status})`, async () => {
      const res = await send();
      expect(res.status, res.text.slice(0, 300)).toBe(status);
      expectRequestId(res, what);
    });
  }

  it('answers a path outside /v2 with the SPEC error body', async () => {
    const res = await fromOrigin('GET', '/v3/contacts');
    expect(errorSchema.parse(res.json)).toMatchObject({ error: 'not_found', code: 404 });
  });
});
