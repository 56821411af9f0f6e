import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createTelemetry } from '../../src/telemetry/index.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { deliver, envelope, newSecret, seededMessage, subscribeSse, until } from '../helpers/webhooks.js';

const secret = newSecret();
let stack: Stack;
let message: Record<string, unknown>;

/** `name{labels} value` lines of one family, as a scrape shows them. */
async function family(name: string): Promise<string[]> {
  const text = await fetch(`${stack.origin}/metrics`).then((r) => r.text());
  return text.split('\n').filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`));
}

beforeAll(async () => {
  const telemetry = await createTelemetry({ logger: createLogger('silent'), metrics: true });
  stack = await startStack({ live: { secrets: [secret] }, gateway: { telemetry } });
  message = await seededMessage(stack.sandbox.url);
});
afterAll(() => stack.close());

describe('metrics of live updates', () => {
  it('counts open subscriptions, and webhook deliveries by outcome with no id in any label', async () => {
    expect(await family('huechat_subscriptions_open')).toEqual(['huechat_subscriptions_open 0']);

    const sub = await subscribeSse(stack.url, 'subscription { messageAdded { id } }');
    await until(() => (stack.live?.hub.size ?? 0) === 1, 'the subscription to open');
    expect(await family('huechat_subscriptions_open')).toEqual(['huechat_subscriptions_open 1']);

    const event = envelope({ type: 'message.received', data: message });
    expect((await deliver(stack.origin, event, { secret })).status).toBe(204);
    expect((await deliver(stack.origin, event, { secret })).status).toBe(204);
    expect((await deliver(stack.origin, event, { secret: newSecret() })).status).toBe(401);
    expect((await deliver(stack.origin, null, { secret, body: '{"not":"an envelope"}' })).status).toBe(400);
    await sub.next();

    const lines = await family('huechat_webhook_deliveries_total');
    expect(lines.sort()).toEqual([
      'huechat_webhook_deliveries_total{outcome="accepted"} 1',
      'huechat_webhook_deliveries_total{outcome="bad_request"} 1',
      'huechat_webhook_deliveries_total{outcome="duplicate"} 1',
      'huechat_webhook_deliveries_total{outcome="unauthorized"} 1',
    ]);
    expect(lines.join('\n')).not.toMatch(/evt_|msg_|conv_|cnt_|org_|whsec_/);

    sub.close();
    await until(() => (stack.live?.hub.size ?? 0) === 0, 'the subscription to close');
    expect(await family('huechat_subscriptions_open')).toEqual(['huechat_subscriptions_open 0']);
  });
});
