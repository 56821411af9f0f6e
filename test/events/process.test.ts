import { type ChildProcess, spawn } from 'node:child_process';
import { createClient } from 'graphql-ws';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { subscribeSse } from '../helpers/webhooks.js';

// The real process, as `npm start` runs it in sandbox mode: it registers its own webhook on the
// embedded sandbox, so subscriptions get events with no setup at all.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function start(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      HUECHAT_API_URL: '',
      HUECHAT_API_KEY: '',
      HUECHAT_WEBHOOK_SECRETS: '',
      REDIS_URL: '',
      SANDBOX_DELIVER_AFTER_MS: '3600000',
      SANDBOX_READ_AFTER_MS: '7200000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const ready = lines.map((l) => /GraphiQL at (http:\/\/[^/]+)\/graphql/.exec(l)).find(Boolean);
    if (ready) {
      const sandboxUrl = JSON.parse(lines[0]).sandboxUrl as string;
      return { child, lines, exited, origin: ready[1].replace('localhost', '127.0.0.1'), sandboxUrl };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway did not start:\n${lines.join('\n')}`);
}

describe('live updates in the gateway process', () => {
  test('sandbox mode registers its webhook and delivers an inbound message and a sendMessage to subscribers; SIGTERM ends streams cleanly', async () => {
    const gw = await start();
    const registered = gw.lines
      .map((l) => JSON.parse(l))
      .find((l) => l.msg.startsWith('registered the gateway webhook'));
    expect(registered).toMatchObject({
      url: `${gw.origin}/webhooks/huechat`,
      webhookId: expect.stringMatching(/^wh_/),
    });
    // No secret is ever logged.
    expect(gw.lines.join('\n')).not.toContain('whsec_');

    const conversations = await fetch(`${gw.sandboxUrl}/conversations?limit=1`, {
      headers: { 'x-api-key': 'sk_test_sandbox' },
    }).then((r) => r.json());
    const conversation = conversations.data[0] as { id: string; contact_id: string; channel: string };

    // No key on the subscription: sandbox mode's default key applies, as in GraphiQL.
    const sse = await subscribeSse(
      `${gw.origin}/graphql`,
      `subscription { messageAdded { content contact { id } } }`,
      {},
      null,
    );
    expect(sse.status).toBe(200);
    const ws = createClient({
      url: `${gw.origin.replace('http:', 'ws:')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const closed = new Promise<number>((resolve) =>
      ws.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    const wsEvents: unknown[] = [];
    let firstWs!: () => void;
    const gotWs = new Promise<void>((resolve) => {
      firstWs = resolve;
    });
    ws.subscribe(
      { query: `subscription { messageAdded { content } }` },
      {
        next: (r) => {
          wsEvents.push(r.data);
          firstWs();
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await new Promise<void>((resolve) => ws.on('connected', () => resolve()));

    const inbound = await fetch(`${gw.sandboxUrl.replace(/\/v2$/, '')}/_sandbox/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk_test_sandbox' },
      body: JSON.stringify({
        contact_id: conversation.contact_id,
        channel: conversation.channel,
        content: 'Hello from a customer',
      }),
    });
    expect(inbound.status).toBe(201);
    expect((await sse.next()).data).toEqual({
      messageAdded: { content: 'Hello from a customer', contact: { id: conversation.contact_id } },
    });

    // A second tab sends a message: the subscriber sees it too.
    const sent = await fetch(`${gw.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation ($id: ID!, $channel: Channel!) { sendMessage(contactId: $id, input: { channel: $channel, content: "We are on it" }) { id } }`,
        // The channel the customer just wrote on (it opened the WhatsApp window, if WhatsApp).
        variables: { id: conversation.contact_id, channel: conversation.channel.toUpperCase() },
      }),
    }).then((r) => r.json());
    expect(sent.errors, JSON.stringify(sent.errors)).toBeUndefined();
    expect((await sse.next()).data).toEqual({
      messageAdded: { content: 'We are on it', contact: { id: conversation.contact_id } },
    });
    await gotWs;
    expect(wsEvents[0]).toEqual({ messageAdded: { content: 'Hello from a customer' } });

    gw.child.kill('SIGTERM');
    await sse.completed;
    expect(await closed).toBe(1001);
    expect(await gw.exited).toBe(0);
  });
});
