import { existsSync } from 'node:fs';
import { type Browser, chromium, type Locator } from 'playwright-core';

// Debian's chromium, driven by playwright-core, for the GraphiQL tests.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** CI installs chromium, so there a missing browser is a failure, not a skip. */
export const noBrowser = !existsSync(CHROMIUM) && !process.env.CI;
if (noBrowser) {
  console.warn(
    `Skipping the GraphiQL browser tests: no Chromium at ${CHROMIUM}. Install it (apt-get install chromium) ` +
      'or set CHROMIUM_PATH; with CI set the tests run and fail instead.',
  );
}

/** Headless, as root, and without the background connections this closed network refuses. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });

/** Monaco renders spaces as U+00A0; read its text the way a person does. */
// biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node; the rendered text is the point.
export const textOf = async (locator: Locator) => (await locator.innerText()).replace(/\u00a0/g, ' ');
