import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TrafficContactSummaryDocument } from '../gql/graphql.js';
import { type Stack, startStack } from '../helpers/stack.js';

interface WaterfallEntry {
  method: string;
  path: string;
  status: number | null;
  startMs: number;
  durationMs: number;
  attempt: number;
  outcome: string;
  coalesced: boolean;
}

let stack: Stack;
let off: Stack;
let contactId: string;
const ASK = { 'x-huechat-waterfall': '1' };

beforeAll(async () => {
  [stack, off] = await Promise.all([
    startStack({ sandbox: { seedContacts: 20, latencyMs: 20 } }),
    startStack({ sandbox: { seedContacts: 5 }, gateway: { waterfall: false } }),
  ]);
  const list = await stack.gql<{ contacts: { nodes: { id: string }[] } }, object>(
    '{ contacts(first: 1) { nodes { id } } }',
  );
  contactId = list.body.data!.contacts.nodes[0].id;
});
afterAll(() => Promise.all([stack.close(), off.close()]));

describe('the upstream call waterfall', () => {
  test('lists every REST call with its route template, status and timing when the request asks for it', async () => {
    stack.resetCalls();
    const res = await stack.gql(TrafficContactSummaryDocument, { id: contactId }, { headers: ASK });
    expect(res.body.errors).toBeUndefined();
    const waterfall = res.body.extensions?.upstream as WaterfallEntry[];
    expect(waterfall).toHaveLength(stack.calls().length);
    const routes = waterfall.map((w) => `${w.method} ${w.path}`);
    expect(routes.slice(0, 2).sort()).toEqual(['GET /contact/{id}', 'GET /contact/{id}/conversations']);
    expect(routes.slice(2).every((r) => r === 'GET /conversation/{id}/messages')).toBe(true);
    for (const w of waterfall) {
      expect(w).toMatchObject({ status: 200, attempt: 0, outcome: 'ok', coalesced: false });
      expect(w.durationMs).toBeGreaterThanOrEqual(15);
      expect(w.startMs).toBeGreaterThanOrEqual(0);
    }
    // The contact and its conversation list start together; the message lists only after the list.
    expect(Math.abs(waterfall[0].startMs - waterfall[1].startMs)).toBeLessThan(15);
    const listEnd = waterfall[1].startMs + waterfall[1].durationMs;
    for (const w of waterfall.slice(2)) expect(w.startMs).toBeGreaterThanOrEqual(listEnd - 1);
  });

  test('never shows ids or the key', async () => {
    const res = await stack.gql(TrafficContactSummaryDocument, { id: contactId }, { headers: ASK });
    const text = JSON.stringify(res.body.extensions);
    expect(text).not.toContain(contactId);
    expect(text).not.toMatch(/conv_|sk_test/);
  });

  test('is absent when the request does not ask for it', async () => {
    const res = await stack.gql(TrafficContactSummaryDocument, { id: contactId });
    expect(res.body.extensions?.upstream).toBeUndefined();
  });

  test('is absent when the gateway has it switched off, even when asked for', async () => {
    const list = await off.gql<{ contacts: { nodes: { id: string }[] } }, object>(
      '{ contacts(first: 1) { nodes { id } } }',
      undefined,
      {
        headers: ASK,
      },
    );
    expect(list.body.data?.contacts.nodes).toHaveLength(1);
    expect(list.body.extensions?.upstream).toBeUndefined();
  });
});
