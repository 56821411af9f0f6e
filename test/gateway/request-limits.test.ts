import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DISCARD_BYTES } from '../../src/server/plugins/use-request-body-limit.js';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

const LIMIT = 4_096;
const QUERY = '{ contacts(first: 1) { nodes { id } } }';

/** A JSON body of about `bytes` bytes: the query plus a padding variable. */
const bodyOf = (bytes: number) => {
  const base = JSON.stringify({ query: QUERY, variables: { pad: '' } });
  return JSON.stringify({ query: QUERY, variables: { pad: 'x'.repeat(Math.max(0, bytes - base.length)) } });
};

interface RawAnswer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** POSTs over node:http, either with Content-Length or chunked (no length declared). */
function post(url: string, body: string, mode: 'length' | 'chunked'): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-api-key': SANDBOX_KEY };
    if (mode === 'length') headers['content-length'] = String(Buffer.byteLength(body));
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    if (mode === 'chunked') {
      // Several writes without a length: Node sends Transfer-Encoding: chunked.
      for (let i = 0; i < body.length; i += 1_000) req.write(body.slice(i, i + 1_000));
      req.end();
    } else req.end(body);
  });
}

describe('request body limit (MAX_REQUEST_BODY_BYTES)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateway: { maxRequestBodyBytes: LIMIT } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCalls());

  describe.each(['length', 'chunked'] as const)('with the body sent %s', (mode) => {
    it('answers a body within the limit', async () => {
      const body = bodyOf(LIMIT - 100);
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(LIMIT);
      const res = await post(stack.url, body, mode);
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data).toEqual({ contacts: { nodes: [{ id: expect.stringMatching(/^cnt_/) }] } });
      expect(stack.calls()).toHaveLength(1);
    });

    it('refuses a larger body with 413 before any REST call', async () => {
      const res = await post(stack.url, bodyOf(LIMIT + 2_000), mode);
      expect(res.status).toBe(413);
      expect(res.body.errors).toEqual([
        {
          message: `The request body is larger than the ${LIMIT} bytes this gateway accepts`,
          extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' },
        },
      ]);
      expect(stack.calls()).toHaveLength(0);
    });
  });

  it('reads a refused body to its end before the 413, so the client gets it and the connection stays open', async () => {
    // Two requests on one raw keep-alive connection: the first is written whole before anything is read.
    const { port } = new URL(stack.url);
    const over = bodyOf(LIMIT * 50);
    const small = JSON.stringify({ query: '{ __typename }' });
    const head = (body: string) =>
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-API-Key: ${SANDBOX_KEY}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (c: Buffer) => {
        received += c.toString('utf8');
        if ((received.match(/HTTP\/1\.1 /g) ?? []).length === 2 && received.endsWith('}')) socket.end();
      });
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
      socket.write(head(over) + over);
      socket.write(head(small) + small);
    });

    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    expect(statuses).toEqual([413, 200]);
    expect(text).toContain('REQUEST_ENTITY_TOO_LARGE');
    expect(text).toContain('{"data":{"__typename":"Query"}}');
    expect(stack.calls()).toHaveLength(0);
  });

  it('closes the connection after the 413 when the body goes on past what it reads', async () => {
    const res = await post(stack.url, bodyOf(LIMIT + DISCARD_BYTES + 1_000_000), 'length').catch(
      (error: NodeJS.ErrnoException) => ({ status: 0, code: error.code }),
    );
    // A client that writes its whole body first may see the reset before the answer; either way nothing ran.
    expect([413, 0]).toContain(res.status);
    expect(stack.calls()).toHaveLength(0);
    const alive = await stack.gql('{ __typename }');
    expect(alive.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('applies to the federation subgraph endpoint too', async () => {
    const res = await post(stack.subgraphUrl, bodyOf(LIMIT + 2_000), 'length');
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('defaults to 2,000,000 bytes', async () => {
    const wide = await startStack();
    try {
      const within = await post(wide.url, bodyOf(1_999_000), 'length');
      expect(within.status).toBe(200);
      expect(within.body.errors).toBeUndefined();
      const over = await post(wide.url, bodyOf(2_000_500), 'chunked');
      expect(over.status).toBe(413);
    } finally {
      await wide.close();
    }
  });
});
