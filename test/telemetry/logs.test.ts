import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { FirstQueryDocument } from '../gql/graphql.js';
import { type Stack, startStack } from '../helpers/stack.js';

let stack: Stack;
let lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  stack = await startStack({
    sandbox: { seedContacts: 200 },
    logger: createLogger('info', (line) => lines.push(JSON.parse(line))),
  });
});
afterAll(() => stack.close());
beforeEach(() => {
  lines = [];
  stack.resetCalls();
  stack.sandbox.setFaults({});
});

/** The access-log line of the request with this id (written once its response has been sent). */
async function accessLine(requestId: string): Promise<Record<string, unknown> | undefined> {
  for (let i = 0; i < 100; i++) {
    const line = lines.find((l) => l.msg === 'request' && l.requestId === requestId);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 5));
  }
  return undefined;
}

describe('request ids', () => {
  test('keeps a sane X-Request-Id of the client and returns it', async () => {
    const res = await stack.gql(
      FirstQueryDocument,
      {},
      { headers: { 'x-request-id': 'inbox-7f3a.42:retry_1' } },
    );
    expect(res.headers.get('x-request-id')).toBe('inbox-7f3a.42:retry_1');
    expect(await accessLine('inbox-7f3a.42:retry_1')).toBeDefined();
  });

  test.each([
    ['with a space', 'a b'],
    ['with markup', '<script>'],
    ['too long', 'x'.repeat(200)],
    ['with a newline', 'a\\nb'],
  ])('replaces one %s with its own', async (_, sent) => {
    const res = await stack.gql('{ __typename }', undefined, { headers: { 'x-request-id': sent } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await accessLine(id ?? '')).toBeDefined();
  });

  test('gives every request its own id when the client sends none', async () => {
    const [a, b] = await Promise.all([stack.gql('{ __typename }'), stack.gql('{ __typename }')]);
    expect(a.headers.get('x-request-id')).toBeTruthy();
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  test('is on every line logged while handling the request, upstream failures keeping their fields', async () => {
    stack.sandbox.setFaults({ rules: [{ kind: 'error', status: 500, method: 'GET', path: '/contact/*' }] });
    const res = await stack.gql('query Failing { contact(id: "cnt_qa7b2wi35g3k") { fullName } }', undefined, {
      headers: { 'x-request-id': 'failing-1' },
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    await accessLine('failing-1');
    const failure = lines.find((l) => l.msg === 'upstream failure');
    expect(failure).toMatchObject({
      level: 'warn',
      requestId: 'failing-1',
      method: 'GET',
      route: '/contact/{id}',
      status: 500,
    });
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line.requestId).toBe('failing-1');
  });
});

describe('the access log', () => {
  test('writes one line per request with its operation, duration, REST calls, status and outcome', async () => {
    const res = await stack.gql(FirstQueryDocument, {}, { headers: { 'x-request-id': 'inbox-1' } });
    expect(res.body.errors).toBeUndefined();
    const line = await accessLine('inbox-1');
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      requestId: 'inbox-1',
      path: '/graphql',
      operation: 'FirstQuery',
      type: 'query',
      status: 200,
      outcome: 'ok',
      restCalls: stack.calls().length,
    });
    expect(line?.restCalls).toBe(12);
    expect(typeof line?.durationMs).toBe('number');
    expect(lines.filter((l) => l.msg === 'request')).toHaveLength(1);
  });

  test('gives the error code as the outcome, and never the query text or the variables', async () => {
    const res = await stack.gql(
      'mutation Rename($id: ID!, $name: String!) { updateContact(id: $id, input: { firstName: $name }) { id } }',
      { id: 'cnt_doesnotexist0', name: 'Secretname' },
      { headers: { 'x-request-id': 'rename-1' } },
    );
    expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const line = await accessLine('rename-1');
    expect(line).toMatchObject({ operation: 'Rename', type: 'mutation', outcome: 'NOT_FOUND', restCalls: 1 });
    const all = JSON.stringify(lines);
    expect(all).not.toContain('Secretname');
    expect(all).not.toContain('cnt_doesnotexist0');
    expect(all).not.toContain('updateContact');
    expect(all).not.toContain('sk_test');
  });

  test('logs a request refused for want of a key with its status and code, and no REST call', async () => {
    const res = await stack.gql('query NoKey { contacts { totalCount } }', undefined, {
      apiKey: null,
      headers: { 'x-request-id': 'nokey-1' },
    });
    expect(res.status).toBe(401);
    expect(await accessLine('nokey-1')).toMatchObject({
      status: 401,
      outcome: 'UNAUTHENTICATED',
      restCalls: 0,
    });
  });
});

describe('the tracing SDK', () => {
  test('is imported only by the module that tracing loads on demand', () => {
    const src = new URL('../../src/', import.meta.url);
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('telemetry/otel.ts');
    for (const file of files) {
      if (file === 'telemetry/otel.ts') continue;
      const source = readFileSync(new URL(file, src), 'utf8');
      expect(source, file).not.toMatch(/^import [^;]*'@opentelemetry\//m);
      expect(source, file).not.toMatch(/^import [^;]*'\.\/otel\.js'/m);
    }
    const tracing = readFileSync(new URL('telemetry/tracing.ts', src), 'utf8');
    expect(tracing).toContain("await import('./otel.js')");
  });
});
