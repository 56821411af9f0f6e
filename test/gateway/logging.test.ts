import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createGateway } from '../../src/server/gateway.js';
import { ErrorsContactByPhoneDocument, ErrorsCreateContactDocument } from '../gql/graphql.js';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

const lines: LogLine[] = [];
const logger = createLogger('debug', (line) => lines.push(JSON.parse(line) as LogLine));
const above = (level: 'info' | 'warn') =>
  lines.filter((l) => (level === 'warn' ? ['warn', 'error'] : ['info', 'warn', 'error']).includes(l.level));

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sandbox: { seedContacts: 3 }, logger });
});
beforeEach(() => {
  lines.length = 0;
  stack.resetCalls();
});
afterAll(() => stack.close());

describe('what the gateway logs', () => {
  it("logs a client's bad input and a lookup that finds nothing at debug only, without the query text", async () => {
    const phone = '+14155559876';
    const bad = await stack.gql(ErrorsCreateContactDocument, { input: { firstName: '', phone } });
    const missing = await stack.gql(ErrorsContactByPhoneDocument, { phone });

    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(missing.body).toEqual({ data: { contact: null } });
    expect(above('warn')).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain(phone);
    expect(JSON.stringify(lines)).not.toContain(SANDBOX_KEY);
  });

  it('logs an upstream 500 as a warning naming the route template, not the id or the key', async () => {
    const id = 'cnt_logged500x';
    stack.sandbox.setFaults({
      rules: [{ kind: 'status', status: 500, method: 'GET', path: `/contact/${id}` }],
    });
    try {
      const res = await stack.gql(`{ contact(id: "${id}") { id } }`);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    } finally {
      stack.sandbox.setFaults({ rules: [] });
    }

    expect(above('warn')).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'upstream failure',
        method: 'GET',
        route: '/contact/{id}',
        status: 500,
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(id);
    expect(JSON.stringify(lines)).not.toContain(SANDBOX_KEY);
  });

  it('masks an unexpected error as INTERNAL_SERVER_ERROR and logs it once, with its cause', async () => {
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          boom: {
            type: GraphQLString,
            resolve: () => {
              throw new Error('connection string postgres://admin:hunter2@db');
            },
          },
        },
      }),
    });
    const yoga = createGateway({ client: stack.client, logger, schema, defaultApiKey: SANDBOX_KEY });
    const res = await yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ boom }' }),
    });
    const text = await res.text();

    expect(JSON.parse(text)).toEqual({
      data: { boom: null },
      errors: [
        {
          message: 'Unexpected error.',
          locations: [{ line: 1, column: 3 }],
          path: ['boom'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ],
    });
    expect(text).not.toContain('hunter2');
    expect(above('warn')).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'internal error',
        path: 'boom',
        cause: expect.objectContaining({ message: 'connection string postgres://admin:hunter2@db' }),
      }),
    ]);
  });
});
