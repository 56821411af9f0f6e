import { parse, validate } from 'graphql';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { DEFAULT_QUERY } from '../../src/server/graphiql.js';
import { launchChromium, noBrowser, textOf } from '../helpers/browser.js';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

// GraphiQL as a person meets it: `npm start` in sandbox mode, open /graphql in a browser, press run.

let stack: Stack;
let browser: Browser;

describe('the GraphiQL default query', () => {
  it('is valid against the public schema, so the first click in GraphiQL works', () => {
    // Runs without a browser too: the cheapest guard for what the browser test below shows.
    expect(validate(schema, parse(DEFAULT_QUERY)).map((e) => e.message)).toEqual([]);
  });
});

describe.skipIf(noBrowser)('GraphiQL in Chromium', () => {
  beforeAll(async () => {
    stack = await startStack({
      sandbox: { seedContacts: 10 },
      defaultApiKey: SANDBOX_KEY,
      gateway: { graphiqlApiKey: SANDBOX_KEY },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('runs the default query from the page and shows a contact with its conversations', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const offline: string[] = [];
    // Everything GraphiQL needs comes from the gateway itself; nothing from a CDN.
    page.on('request', (request) => {
      if (!request.url().startsWith(new URL(stack.url).origin) && !request.url().startsWith('blob:')) {
        offline.push(request.url());
      }
    });

    const response = await page.goto(stack.url);
    expect(response?.status()).toBe(200);
    const queryEditor = page.locator('.graphiql-query-editor');
    await expect.poll(() => textOf(queryEditor), { timeout: 10_000 }).toContain('query Inbox');

    // The contact the default query shows: the sandbox's newest, as HueChat itself lists it.
    const newest = await fetch(`${stack.sandbox.url}/contacts?limit=1`, {
      headers: { 'x-api-key': SANDBOX_KEY },
    });
    const [contact] = ((await newest.json()) as { data: { id: string; full_name: string }[] }).data;
    stack.resetCalls();
    await page.locator('.graphiql-execute-button').click();

    const responsePane = page.locator('.graphiql-response');
    await expect
      .poll(() => textOf(responsePane), { timeout: 10_000 })
      .toContain(`"fullName": "${contact?.full_name}"`);
    const text = await textOf(responsePane);
    expect(text).toContain(`"id": "${contact?.id}"`);
    expect(text).toContain('"conversations"');
    expect(text).toContain('"contacts"');
    expect(text).not.toContain('"errors"');
    // The pre-filled X-API-Key header went out with the request and reached HueChat.
    expect(stack.calls().length).toBeGreaterThan(0);
    expect(stack.calls().every((c) => c.apiKey === SANDBOX_KEY)).toBe(true);

    expect(pageErrors).toEqual([]);
    expect(offline).toEqual([]);
    await page.close();
  });

  it('runs a query typed into the editor with Ctrl+Enter', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(stack.url);
    const queryEditor = page.locator('.graphiql-query-editor');
    await expect.poll(() => textOf(queryEditor), { timeout: 10_000 }).toContain('query Inbox');

    await queryEditor.locator('.monaco-editor').click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    // insertText, not type(): Monaco would auto-close every bracket typed one key at a time.
    await page.keyboard.insertText(
      'query Typed { contacts(first: 2) { totalCount nodes { fullName conversations(first: 1) { totalCount } } } }',
    );
    // GraphiQL re-reads the operation name a moment after an edit; running earlier sends the old one.
    await expect.poll(() => textOf(page.locator('.graphiql-tab-active'))).toBe('Typed');
    stack.resetCalls();
    await page.keyboard.press('ControlOrMeta+Enter');

    const responsePane = page.locator('.graphiql-response');
    await expect.poll(() => textOf(responsePane), { timeout: 10_000 }).toContain('"totalCount"');
    const text = await textOf(responsePane);
    expect(text).toContain('"fullName"');
    expect(text).not.toContain('"errors"');
    expect(stack.calls().every((c) => c.apiKey === SANDBOX_KEY)).toBe(true);
    await page.close();
  });
});
