import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { scriptNodeFlags } from './bench/processes.js';
import { closedOrigin } from './helpers/http.js';

// The real process, as `npm start` runs it: config, sandbox, listen, shutdown.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  lines: string[];
  origin: string;
  exited: Promise<number | null>;
}

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  const stderr: string[] = [];
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, stderr, exited };
}

async function start(env: Record<string, string> = {}): Promise<Started> {
  const { child, lines, exited } = run(env);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const ready = lines.map((l) => /GraphiQL at (http:\/\/[^/]+)\/graphql/.exec(l)).find(Boolean);
    if (ready) return { child, lines, origin: ready[1].replace('localhost', '127.0.0.1'), exited };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway did not start:\n${lines.join('\n')}`);
}

describe('the gateway process', () => {
  test('without HUECHAT_API_URL it serves the embedded sandbox, says so first, and answers with no key', async () => {
    const gw = await start({ HUECHAT_API_URL: '', HUECHAT_API_KEY: '' });
    expect(JSON.parse(gw.lines[0]).msg).toMatch(
      /HUECHAT_API_URL is not set: serving the embedded HueChat sandbox/,
    );

    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.origin}/readyz`)).status).toBe(200);

    const res = await fetch(`${gw.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ contacts(first: 2) { totalCount nodes { id fullName } } }' }),
    });
    const body = (await res.json()) as {
      data: { contacts: { totalCount: number; nodes: { id: string }[] } };
    };
    expect(body.data.contacts.totalCount).toBe(200);
    expect(body.data.contacts.nodes[0].id).toMatch(/^cnt_/);

    const page = await (await fetch(`${gw.origin}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('sk_test_sandbox');

    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  });

  test('on SIGTERM it finishes the request in flight, then exits 0', async () => {
    const gw = await start({ HUECHAT_API_URL: '', SANDBOX_LATENCY_MS: '400' });
    const inFlight = fetch(`${gw.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ contacts(first: 1) { totalCount } }' }),
    });
    await new Promise((r) => setTimeout(r, 100));
    gw.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(
      ((await res.json()) as { data: { contacts: { totalCount: number } } }).data.contacts.totalCount,
    ).toBe(200);
    expect(await gw.exited).toBe(0);
  });

  test('readiness fails while the configured upstream cannot be reached, health does not', async () => {
    const gw = await start({
      HUECHAT_API_URL: `${await closedOrigin()}/v2`,
      UPSTREAM_CONNECT_TIMEOUT_MS: '300',
    });
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.origin}/readyz`)).status).toBe(503);
    // A configured upstream and no default key: a request without a key is refused before any call.
    const res = await fetch(`${gw.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ contacts { totalCount } }' }),
    });
    expect(res.status).toBe(401);
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  });

  test('a bad setting stops start-up with one line naming the variable', async () => {
    const { stderr, exited } = run({ PORT: 'abc' });
    expect(await exited).toBe(1);
    const text = stderr.join('').trim();
    expect(text.split('\n').filter((l) => !l.startsWith('npm warn'))).toEqual([
      'Invalid configuration: PORT must be an integer from 0 to 65535 (got "abc")',
    ]);
  });
});

describe('the production start command (npm run start:prod)', () => {
  test('runs dist/main.js with node flags this Node accepts, the ones the benchmark starts the gateway with', () => {
    const flags = scriptNodeFlags('start:prod');
    expect(flags).toEqual(['--max-semi-space-size=8', '--heap-growing-percent=30']);
    const probe = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
    expect(probe.stderr).toBe('');
    expect(probe.status).toBe(0);
    expect(scriptNodeFlags('start:prod:v8-defaults')).toEqual([]);
    expect(() => scriptNodeFlags('test')).toThrow(/not "node \[--flags\] dist\/main\.js"/);
  });
});
