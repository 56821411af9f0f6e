import { fileURLToPath } from 'node:url';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LiveConversationDocument } from '../gql/graphql.js';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';
import { registerWebhook, until } from '../helpers/webhooks.js';

/** The manifest `npm run codegen` writes for test/operations (client preset, persistedDocuments). */
const MANIFEST = fileURLToPath(new URL('../gql/persisted-documents.json', import.meta.url));
const liveId = String((LiveConversationDocument as { __meta__?: { hash?: string } }).__meta__?.hash);

let stack: Stack;
let client: Client;
let conversationId: string;
let contactId: string;
let channel: string;

interface Outcome {
  data?: unknown;
  error?: string;
  codes?: unknown[];
}

/** The first result of a subscription, or how it ended before one. */
function firstOf(payload: {
  query: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}) {
  return new Promise<Outcome>((resolve) => {
    const dispose = client.subscribe(payload, {
      next: (result) => {
        resolve({ data: result.data, codes: result.errors?.map((e) => e.extensions?.code) });
        dispose();
      },
      error: (err) =>
        resolve({
          error: 'error',
          codes: Array.isArray(err)
            ? err.map((e: { extensions?: { code?: unknown } }) => e.extensions?.code)
            : [],
        }),
      complete: () => resolve({ error: 'complete' }),
    });
  });
}

beforeAll(async () => {
  stack = await startStack({
    sandbox: { deliverAfterMs: 3_600_000, readAfterMs: 7_200_000 },
    live: {},
    gateway: { trustedDocuments: { path: MANIFEST, mode: 'require' } },
  });
  stack.live?.setSecrets([
    await registerWebhook(stack.sandbox.url, SANDBOX_KEY, `${stack.origin}/webhooks/huechat`),
  ]);
  const page = await fetch(`${stack.sandbox.url}/conversations?limit=1`, {
    headers: { 'x-api-key': SANDBOX_KEY },
  });
  const first = ((await page.json()) as { data: Array<{ id: string; contact_id: string; channel: string }> })
    .data[0];
  ({ id: conversationId, contact_id: contactId, channel } = first);
  client = createClient({
    url: stack.url.replace('http:', 'ws:'),
    webSocketImpl: WebSocket,
    connectionParams: { 'X-API-Key': SANDBOX_KEY },
    retryAttempts: 0,
    lazy: true,
  });
});
afterAll(async () => {
  await client.dispose();
  await stack.close();
});

beforeEach(() => stack.resetCalls());

describe('trusted documents over WebSocket (PERSISTED_DOCUMENTS_MODE=require)', () => {
  it('refuses a plain query, even the text of a manifest document, with PERSISTED_QUERY_ONLY', async () => {
    const outcome = await firstOf({ query: print(LiveConversationDocument), variables: { conversationId } });
    expect(outcome).toEqual({ error: 'error', codes: ['PERSISTED_QUERY_ONLY'] });
    expect(stack.calls()).toEqual([]);
  });

  it('refuses an id that is not in the manifest with PERSISTED_QUERY_NOT_FOUND', async () => {
    const outcome = await firstOf({ query: '', extensions: { documentId: `sha256:${'0'.repeat(64)}` } });
    expect(outcome).toEqual({ error: 'error', codes: ['PERSISTED_QUERY_NOT_FOUND'] });
  });

  it('runs a manifest subscription sent by its documentId', async () => {
    const open = stack.live?.hub.size ?? 0;
    const result = firstOf({
      query: '',
      variables: { conversationId },
      extensions: { documentId: liveId },
    });
    await until(() => (stack.live?.hub.size ?? 0) === open + 1, 'the subscription to open');
    stack.sandbox.inbound(SANDBOX_KEY, { contact_id: contactId, channel, content: 'trusted over websocket' });
    expect(await result).toMatchObject({
      data: { messageAdded: { content: 'trusted over websocket', conversation: { id: conversationId } } },
    });
  });
});
