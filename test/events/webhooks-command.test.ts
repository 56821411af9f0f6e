import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seedContacts: 2 });
});
afterAll(() => sandbox.close());

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/webhooks.ts', ...args], {
    env: { ...process.env, HUECHAT_API_URL: sandbox.url, HUECHAT_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('npm run webhooks -- register', () => {
  it('registers the receiver for every event with the key and prints the signing secret once', async () => {
    const url = 'https://gateway.example.com/webhooks/huechat';
    const out = await run(['register', '--url', url], { HUECHAT_API_KEY: 'sk_test_sandbox' });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const listed = await fetch(`${sandbox.url}/webhooks`, {
      headers: { 'x-api-key': 'sk_test_sandbox' },
    }).then((r) => r.json());
    const hook = (
      listed.data as Array<{ id: string; url: string; events: string[]; signing_secret: string }>
    ).find((h) => h.url === url);
    expect(hook?.events).toHaveLength(11);
    expect(out.stdout).toContain(`Registered webhook ${hook?.id} -> ${url} (11 event types).`);
    expect(out.stdout).toContain(`HUECHAT_WEBHOOK_SECRETS=${hook?.signing_secret}`);
  });

  it('takes a narrower event list and a retry policy', async () => {
    const url = 'https://gateway.example.com/webhooks/huechat?narrow';
    const out = await run(
      ['register', '--url', url, '--events', 'message.received,message.sent', '--retry-policy', 'linear'],
      {
        HUECHAT_API_KEY: 'sk_test_sandbox',
      },
    );
    expect(out.code).toBe(0);
    const listed = await fetch(`${sandbox.url}/webhooks`, {
      headers: { 'x-api-key': 'sk_test_sandbox' },
    }).then((r) => r.json());
    const hook = (listed.data as Array<{ url: string; events: string[]; retry_policy: string }>).find(
      (h) => h.url === url,
    );
    expect(hook).toMatchObject({ events: ['message.received', 'message.sent'], retry_policy: 'linear' });
  });

  it.each([
    [['register', '--url', 'https://x.example/webhooks/huechat'], {}, /HUECHAT_API_KEY must be set/],
    [['register'], { HUECHAT_API_KEY: 'sk_test_sandbox' }, /--url is required/],
    [
      ['register', '--url', 'not a url'],
      { HUECHAT_API_KEY: 'sk_test_sandbox' },
      /--url must be an absolute URL/,
    ],
    [['list'], { HUECHAT_API_KEY: 'sk_test_sandbox' }, /the only command is "register"/],
    [
      ['register', '--url', 'https://x.example/h', '--events', 'message.nope'],
      { HUECHAT_API_KEY: 'sk_test_sandbox' },
      /--events: each one of message\.received/,
    ],
    [
      ['register', '--url', 'https://x.example/h'],
      { HUECHAT_API_KEY: 'sk_test_readonly' },
      /Could not register the webhook: HueChat answered 403/,
    ],
  ])('stops with exit 1 and one clear line: %j', async (args, env, message) => {
    const out = await run(args, env as Record<string, string>);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(out.stdout).toBe('');
  });
});
