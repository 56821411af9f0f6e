import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/*
 * `npm run sandbox` as a process: started the way package.json's script starts it (without npm in
 * between, so the signal reaches the runner the script names), with its real stdout, stderr, signals
 * and exit codes.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT: string = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).scripts.sandbox;
/** A slow, shared machine can take a while to compile the sandbox on the fly. */
const START_TIMEOUT_MS = 30_000;

const children: ChildProcess[] = [];

afterEach(() => {
  // SIGTERM, not SIGKILL: tsx passes it on to the node process it started, which would outlive a killed tsx.
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

/** Runs the sandbox script with only the given SANDBOX_* variables (the test's own are left out). */
function runSandbox(vars: Record<string, string>): ChildProcess {
  const [runner, ...args] = SCRIPT.split(' ');
  expect(runner, 'the sandbox script runs its entry point with tsx').toBe('tsx');
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('SANDBOX_')) env[name] = value;
  const child = spawn(process.execPath, [`${ROOT}node_modules/tsx/dist/cli.mjs`, ...args], {
    cwd: ROOT,
    env: { ...env, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

function collect(stream: NodeJS.ReadableStream | null): { text: () => string } {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text += chunk;
  });
  return { text: () => text };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Reads stdout until the banner has named the URL and the first key. */
function banner(child: ChildProcess, stderr: { text: () => string }): Promise<{ url: string; key: string }> {
  return new Promise((resolve, reject) => {
    let url: string | undefined;
    const timer = setTimeout(
      () => reject(new Error(`no banner after ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      url ??= /listening on (http:\/\/\S+\/v2)$/.exec(line)?.[1];
      const key = /^\s+API key (\S+)/.exec(line)?.[1];
      if (url !== undefined && key !== undefined) {
        clearTimeout(timer);
        lines.close();
        resolve({ url, key });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited with ${code} before its banner: ${stderr.text()}`));
    });
  });
}

describe('npm run sandbox', () => {
  it('prints its URL and keys, serves an authenticated GET and exits 0 on SIGTERM', async () => {
    const child = runSandbox({ SANDBOX_PORT: '0', SANDBOX_SEED_CONTACTS: '5' });
    const stderr = collect(child.stderr);
    const { url, key } = await banner(child, stderr);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    expect(url).not.toMatch(/:0\/v2$/);
    expect(key).toBe('sk_test_sandbox');

    const res = await fetch(`${url}/contacts?limit=2`, { headers: { 'X-API-Key': key } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: unknown[]; pagination: { total: number } };
    expect(body.data).toHaveLength(2);
    expect(body.pagination.total).toBe(5);

    child.kill('SIGTERM');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    expect(stderr.text()).toBe('');
  }, 60_000);

  it('exits 1 on a bad variable, with one line on stderr naming it', async () => {
    const child = runSandbox({ SANDBOX_PORT: '0', SANDBOX_JITTER_MS: 'soon' });
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    expect((await exited(child)).code).toBe(1);
    const lines = stderr.text().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^SANDBOX_JITTER_MS="soon" is invalid: expected /);
    expect(stdout.text()).toBe('');
  }, 60_000);

  it('exits 1 with one line naming SANDBOX_PORT when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const child = runSandbox({ SANDBOX_PORT: String(port), SANDBOX_SEED_CONTACTS: '0' });
      const stderr = collect(child.stderr);
      expect((await exited(child)).code).toBe(1);
      expect(stderr.text()).toBe(`Port ${port} is in use: set SANDBOX_PORT to another port\n`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 60_000);
});
