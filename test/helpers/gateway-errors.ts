import {
  type GraphQLOutputType,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { DEFAULT_KEYS, type FaultRule } from '../../src/sandbox/index.js';
import { schema } from '../../src/schema/index.js';
import { type Conversation, call, rest } from './rest.js';
import { type GraphQLResponse, type Stack, startStack } from './stack.js';

// The fixture and the checks the gateway's error tests (test/gateway/errors-*.test.ts) share.

export const LIMITED_KEY = 'sk_test_errors_limited';
export const REQUEST_ID = expect.stringMatching(/^req_/);
export const QUIET_FAULTS = { hangMs: 5_000 };
export const MISSING_CONTACT = 'cnt_missing000000';
export const MISSING_CONVERSATION = 'conv_missing000000';

export type PathSegment = string | number;

/** What a test compares: everything a client relies on, without source locations. */
export const errorsOf = (res: GraphQLResponse<unknown>) =>
  (res.body.errors ?? []).map(({ message, path, extensions }) => ({ message, path, extensions }));

/** A value the typed documents would refuse, sent on purpose. */
export const unchecked = <T>(value: unknown) => value as T;

/** Fails the test when an error response names the upstream, a key, a stack or a raw REST body. */
export function expectNoLeak(stack: Stack, res: GraphQLResponse<unknown>) {
  const text = res.text;
  for (const secret of [
    stack.sandbox.origin,
    stack.client.origin,
    new URL(stack.client.origin).host,
    `:${stack.sandbox.port}`,
    '127.0.0.1',
    'localhost',
    'sk_test',
    '/v2/',
  ]) {
    expect(text, `response leaks ${secret}`).not.toContain(secret);
  }
  // Only the errors: partial data may hold a contact named Stackhouse.
  const errors = JSON.stringify(res.body.errors ?? []);
  expect(errors.toLowerCase()).not.toContain('stack');
  expect(errors).not.toMatch(/\bat (?:async )?[\w$.<>]+ \(|\bat (?:file|node):|\.[jt]s:\d+:\d+/);
  // Fields only a raw REST error body (SPEC §3.8) or the truncated fault body would carry.
  expect(text).not.toMatch(/"request_id"|"timestamp"|"code":\d|"retry_after"/);
  expect(text).not.toContain('{"data":[{"id":"cnt_"');
}

/** Runs an operation; every answer with errors is checked for leaks on the way. */
export function sender(stack: () => Stack): Stack['gql'] {
  return async (document, variables, options) => {
    const res = await stack().gql(document, variables, options);
    if (res.body.errors) expectNoLeak(stack(), res);
    return res;
  };
}

/** The path where a field error ends up: the field itself or its nearest nullable ancestor (spec §6.4.4). */
export function nearestNullable(path: readonly PathSegment[]): PathSegment[] {
  const query = schema.getQueryType();
  if (!query) throw new Error('the schema has no Query type');
  let type: GraphQLOutputType = query;
  let depth = 0;
  path.forEach((segment, i) => {
    if (typeof segment === 'number') {
      const list = getNullableType(type);
      if (!isListType(list)) throw new Error(`${String(segment)} indexes a non-list`);
      type = list.ofType;
    } else {
      const parent = getNamedType(type);
      if (!isObjectType(parent) && !isInterfaceType(parent)) throw new Error(`${segment} on a leaf`);
      type = parent.getFields()[segment].type;
    }
    if (!isNonNullType(type)) depth = i + 1;
  });
  return path.slice(0, depth);
}

export function withNullAt<T>(data: T, path: readonly PathSegment[]): unknown {
  if (path.length === 0) return null;
  const copy = structuredClone(data) as Record<PathSegment, unknown>;
  let parent: Record<PathSegment, unknown> = copy;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<PathSegment, unknown>;
  parent[path[path.length - 1]] = null;
  return copy;
}

export const callsTo = (stack: Stack, method: string, path: string) =>
  stack.calls().filter((c) => c.method === method && c.path === `/v2${path}`);

/** The file's stack: 20 seeded contacts, a key limited to two requests a minute, faults that hang quietly. */
export let stack: Stack;
export const gql = sender(() => stack);
export let contactIds: string[];
export let conversations: Conversation[];

/** Starts `stack` for the file, forgets its calls before each test and clears its faults after each. */
export function useErrorsStack(): void {
  beforeAll(async () => {
    stack = await startStack({
      sandbox: {
        seedContacts: 20,
        keys: [...DEFAULT_KEYS, { key: LIMITED_KEY, organizationId: 'org_demo', rateLimitPerMinute: 2 }],
        faults: QUIET_FAULTS,
      },
    });
    contactIds = (await rest<{ data: { id: string }[] }>(stack, '/contacts?limit=100')).data.map((c) => c.id);
    conversations = (await rest<{ data: Conversation[] }>(stack, '/conversations?limit=100')).data;
  });
  beforeEach(() => stack.resetCalls());
  afterEach(() => stack.sandbox.setFaults(QUIET_FAULTS));
  afterAll(() => stack.close());
}

export const fault = (rule: FaultRule) => stack.sandbox.setFaults({ ...QUIET_FAULTS, rules: [rule] });

/** Creates a contact straight in the sandbox: setup that does not depend on the mutation under test. */
export async function createContact(input: { phone?: string; email?: string }): Promise<string> {
  const res = await call(stack.sandbox, 'POST', '/contact', { body: { first_name: 'Errors', ...input } });
  expect(res.status).toBe(201);
  return (res.json as { id: string }).id;
}
