import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a client that goes away', () => {
  let stack: Stack;
  let contactId: string;
  beforeAll(async () => {
    stack = await startStack();
    const res = await stack.gql('{ conversations(first: 1) { nodes { contact { id } } } }');
    contactId = (res.body.data as { conversations: { nodes: { contact: { id: string } }[] } }).conversations
      .nodes[0].contact.id;
  });
  afterAll(() => stack.close());

  it('stops the REST calls its query still needed', async () => {
    // Every REST answer takes 300 ms: the client leaves while the conversation list is on the wire.
    stack.sandbox.setLatency(300, 0);
    stack.resetCalls();
    const body = JSON.stringify({
      query: `query($id: ID!) { contact(id: $id) { conversations(first: 5) { nodes { messages(first: 5) { totalCount } } } } }`,
      variables: { id: contactId },
    });
    const req = httpRequest(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': SANDBOX_KEY },
    });
    req.on('error', () => undefined);
    req.end(body);
    await pause(100);
    req.destroy();
    await pause(800);
    stack.sandbox.setLatency(0, 0);
    const paths = stack.calls().map((c) => c.path);
    // The list's answer never reached a resolver, so no message page was asked for.
    expect(paths.filter((p) => p.includes('/conversations'))).toHaveLength(1);
    expect(paths.filter((p) => p.endsWith('/messages') || p.includes('/messages?'))).toEqual([]);
  });

  it('lets every REST call of a request listen for it at once, without a listener-leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      stack.resetCalls();
      // One list, then 30 message pages in one batch: 30 REST calls in flight on the request's signal.
      const res = await stack.gql(
        '{ conversations(first: 30) { nodes { messages(first: 1) { totalCount } } } }',
      );
      expect(res.body.errors).toBeUndefined();
      expect(stack.calls()).toHaveLength(31);
      await pause(20); // a warning is emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});
