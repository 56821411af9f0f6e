import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, noBrowser, textOf } from '../helpers/browser.js';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';
import { registerWebhook, until } from '../helpers/webhooks.js';

// A subscription run from GraphiQL shows a message as the sandbox's webhook brings it in.

let stack: Stack;
let browser: Browser;

describe.skipIf(noBrowser)('GraphiQL runs subscriptions', () => {
  beforeAll(async () => {
    stack = await startStack({
      sandbox: { seedContacts: 10, deliverAfterMs: 3_600_000, readAfterMs: 7_200_000 },
      defaultApiKey: SANDBOX_KEY,
      gateway: { graphiqlApiKey: SANDBOX_KEY },
      live: {},
    });
    stack.live?.setSecrets([
      await registerWebhook(stack.sandbox.url, SANDBOX_KEY, `${stack.origin}/webhooks/huechat`),
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows each message that arrives while the subscription runs', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(stack.url);
    const queryEditor = page.locator('.graphiql-query-editor');
    await expect.poll(() => textOf(queryEditor), { timeout: 10_000 }).toContain('query Inbox');
    await queryEditor.locator('.monaco-editor').click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(
      'subscription Live { messageAdded { content sentBy contact { fullName } } }',
    );
    await expect.poll(() => textOf(page.locator('.graphiql-tab-active'))).toBe('Live');
    await page.keyboard.press('ControlOrMeta+Enter');
    await until(() => (stack.live?.hub.size ?? 0) === 1, 'GraphiQL to subscribe', 10_000);

    const conversations = await fetch(`${stack.sandbox.url}/conversations?limit=1`, {
      headers: { 'x-api-key': SANDBOX_KEY },
    }).then((r) => r.json());
    const { contact_id, channel } = conversations.data[0] as { contact_id: string; channel: string };
    stack.sandbox.inbound(SANDBOX_KEY, { contact_id, channel, content: 'Shown live in GraphiQL' });

    const responsePane = page.locator('.graphiql-response');
    await expect.poll(() => textOf(responsePane), { timeout: 10_000 }).toContain('Shown live in GraphiQL');
    const text = await textOf(responsePane);
    expect(text).toContain('"sentBy": "CONTACT"');
    expect(text).toContain('"fullName"');
    expect(text).not.toContain('"errors"');
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
