import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { TrafficContactSummaryDocument, UpdateContactDocument } from '../gql/graphql.js';
import { READONLY_KEY, SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

let stack: Stack;
let contactId: string;
let conversationCount: number;

const get = (path: string) => stack.calls().filter((c) => c.method === 'GET' && c.path === path);

beforeAll(async () => {
  stack = await startStack({ sandbox: { seedContacts: 40, latencyMs: 40 }, client: { coalesceReads: true } });
  // A contact with several conversations, so one query fans out to many REST calls.
  const list = await stack.gql<
    { contacts: { nodes: { id: string; conversations: { totalCount: number } }[] } },
    object
  >('{ contacts(first: 40) { nodes { id conversations(first: 1) { totalCount } } } }');
  const best = list.body.data!.contacts.nodes.sort(
    (a, b) => b.conversations.totalCount - a.conversations.totalCount,
  )[0];
  contactId = best.id;
  conversationCount = Math.min(best.conversations.totalCount, 10);
  expect(conversationCount).toBeGreaterThanOrEqual(5);
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.sandbox.setFaults({});
  stack.resetCalls();
});

describe('in-flight sharing of identical reads', () => {
  test('100 identical concurrent inbox queries with one key cost at most a fifth of 100 separate ones', async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => stack.gql(TrafficContactSummaryDocument, { id: contactId })),
    );
    for (const res of responses) {
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.contact?.id).toBe(contactId);
      expect(res.body.data?.contact?.conversations.nodes).toHaveLength(conversationCount);
    }
    const separate = 100 * (2 + conversationCount);
    expect(stack.calls().length).toBeLessThanOrEqual(0.2 * separate);
    expect(get(`/v2/contact/${contactId}`).length).toBeLessThan(100);
  });

  test('two keys never share a call, even for the same path', async () => {
    const [a, b] = await Promise.all([
      stack.gql(TrafficContactSummaryDocument, { id: contactId }, { apiKey: SANDBOX_KEY }),
      stack.gql(TrafficContactSummaryDocument, { id: contactId }, { apiKey: READONLY_KEY }),
    ]);
    expect(a.body.data?.contact?.id).toBe(contactId);
    expect(b.body.data?.contact?.id).toBe(contactId);
    const contactGets = get(`/v2/contact/${contactId}`);
    expect(contactGets.map((c) => c.apiKey).sort()).toEqual([READONLY_KEY, SANDBOX_KEY].sort());
  });

  test('an error reaches only the requests that were waiting for it, and is not kept', async () => {
    stack.sandbox.setFaults({
      rules: [{ kind: 'status', status: 404, method: 'GET', path: `/contact/${contactId}`, times: 1 }],
    });
    const waiting = await Promise.all(
      Array.from({ length: 5 }, () => stack.gql(TrafficContactSummaryDocument, { id: contactId })),
    );
    // The one 404 was shared by the five that were waiting: each sees the contact as missing.
    for (const res of waiting) expect(res.body.data?.contact).toBeNull();
    expect(get(`/v2/contact/${contactId}`)).toHaveLength(1);

    const later = await stack.gql(TrafficContactSummaryDocument, { id: contactId });
    expect(later.body.data?.contact?.id).toBe(contactId);
    expect(get(`/v2/contact/${contactId}`)).toHaveLength(2);
  });

  test('a write through the gateway ends the sharing: a read that starts during it makes its own GET and sees the change', async () => {
    stack.sandbox.setLatency(150);
    try {
      // A is in flight when the write starts; B starts while the write is in flight and A still is.
      const before = stack.gql(TrafficContactSummaryDocument, { id: contactId });
      await new Promise((r) => setTimeout(r, 30));
      const write = stack.gql(UpdateContactDocument, { id: contactId, input: { lastName: 'Rewritten' } });
      await new Promise((r) => setTimeout(r, 30));
      const after = stack.gql(TrafficContactSummaryDocument, { id: contactId });

      expect((await write).body.errors).toBeUndefined();
      expect((await after).body.data?.contact?.fullName).toMatch(/ Rewritten$/);
      expect((await before).body.data?.contact?.fullName).not.toMatch(/ Rewritten$/);
      expect(get(`/v2/contact/${contactId}`)).toHaveLength(2);
    } finally {
      stack.sandbox.setLatency(40);
    }
  });

  test('without a write in between, a read that starts while an identical one is in flight joins it', async () => {
    stack.sandbox.setLatency(150);
    try {
      const first = stack.gql(TrafficContactSummaryDocument, { id: contactId });
      await new Promise((r) => setTimeout(r, 30));
      const second = await stack.gql(TrafficContactSummaryDocument, { id: contactId });
      expect(second.body.data?.contact?.id).toBe(contactId);
      expect((await first).body.data?.contact?.id).toBe(contactId);
      expect(get(`/v2/contact/${contactId}`)).toHaveLength(1);
    } finally {
      stack.sandbox.setLatency(40);
    }
  });
});
