import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Everything the benchmark binds or calls lives on loopback. */
export const HOST = '127.0.0.1';
export const ROOT = resolve(import.meta.dirname, '../..');
export const API_KEY = 'sk_test_sandbox';

/** How long a child may take to start listening before the run fails. */
const START_TIMEOUT_MS = 20_000;
/** How long a child gets after SIGTERM before SIGKILL. */
const STOP_TIMEOUT_MS = 12_000;

const children = new Set<ChildProcess>();

/** A process the harness started; its output is kept (last lines only) for error messages. */
export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last lines it wrote, for a failure message. */
  tail(): string;
  /** Resolves with the exit code (or signal) once it has exited. */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv): Managed {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${args.join(' ')}`);
  children.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exitedPromise = new Promise<string>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exited = true;
      children.delete(child);
      resolveExit(signal ?? String(code));
    });
  });
  const pid = child.pid;
  return {
    name,
    child,
    pid,
    tail: () => lines.join('\n'),
    exited: exitedPromise,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout');
      if ((await Promise.race([exitedPromise, timer])) === 'timeout') {
        child.kill('SIGKILL');
        await exitedPromise;
      }
    },
  };
}

/** Kills every child still running: SIGTERM, then SIGKILL for those that linger. */
export async function stopAll(): Promise<void> {
  const running = [...children];
  for (const child of running) child.kill('SIGTERM');
  const deadline = Date.now() + 5_000;
  while (children.size > 0 && Date.now() < deadline) await sleep(50);
  killAllNow();
}

/** Synchronous last resort for process 'exit': nothing the harness started may outlive it. */
export function killAllNow(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** A port the OS says is free on loopback (released again before the child binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitFor<T>(
  managed: Managed,
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exitCode: string | undefined;
  void managed.exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`${managed.name} exited (${exitCode}) before ${what}:\n${managed.tail()}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  await managed.stop();
  throw new Error(`${managed.name} did not get to ${what} within ${START_TIMEOUT_MS} ms:\n${managed.tail()}`);
}

async function healthy(url: string): Promise<true | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  await res.arrayBuffer();
  return res.ok ? true : undefined;
}

/** Environment for a child: nothing inherited but PATH and HOME, so no loader or flag leaks in. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  return env;
}

export function requireBuild(): void {
  for (const file of ['dist/main.js', 'dist/sandbox/main.js']) {
    if (!existsSync(resolve(ROOT, file)))
      throw new Error(`${file} is missing: run \`npm run build\` first (the gateway is measured as built)`);
  }
}

export type EmbedContact = 'full' | 'summary' | 'none';

export interface SandboxProcess extends Managed {
  /** Base URL including /v2. */
  url: string;
  origin: string;
}

export interface SandboxSettings {
  embedContact: EmbedContact;
  seedContacts: number;
}

/** The REST sandbox in its own process, from the compiled build (`node dist/sandbox/main.js`). */
export async function startSandboxProcess(settings: SandboxSettings): Promise<SandboxProcess> {
  const managed = start(
    'sandbox',
    [resolve(ROOT, 'dist/sandbox/main.js')],
    baseEnv({
      NODE_ENV: 'production',
      SANDBOX_HOST: HOST,
      SANDBOX_PORT: '0',
      SANDBOX_LATENCY_MS: '0',
      SANDBOX_EMBED_CONTACT: settings.embedContact,
      SANDBOX_SEED_CONTACTS: String(settings.seedContacts),
    }),
  );
  const url = await waitFor(managed, 'listening', () => {
    const match = /listening on (http:\/\/\S+\/v2)/.exec(managed.tail());
    return match?.[1];
  });
  const origin = new URL(url).origin;
  await waitFor(managed, 'answering health checks', () => healthy(`${origin}/_sandbox/health`));
  return { ...managed, url, origin };
}

export interface ServerProcess extends Managed {
  /** http://127.0.0.1:PORT */
  origin: string;
}

/** The npm script production starts the gateway with; its node flags are part of "as production runs it". */
export const PRODUCTION_SCRIPT = 'start:prod';

/**
 * The node flags of an npm script that runs the compiled gateway (`node [flags] dist/main.js`), read from
 * package.json, so the benchmark starts the gateway exactly as that script does.
 */
export function scriptNodeFlags(script: string): string[] {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const command = pkg.scripts?.[script]?.trim();
  const match = command ? /^node((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/main\.js$/.exec(command) : null;
  if (!match)
    throw new Error(`npm script "${script}" is not "node [--flags] dist/main.js": ${command ?? 'missing'}`);
  return match[1].split(/\s+/).filter(Boolean);
}

export interface GatewaySettings {
  upstreamUrl: string;
  /** The npm script whose node flags the gateway starts with (default: PRODUCTION_SCRIPT). */
  script?: string;
  /** Extra node flags after the script's, e.g. --cpu-prof (only for the profiling run) or an experiment. */
  nodeFlags?: string[];
  /** Extra gateway variables for a variant cell (e.g. UPSTREAM_COALESCE=false). */
  env?: Record<string, string>;
}

/** Gateway variables (UPSTREAM_CONNECTIONS, UPSTREAM_COALESCE, ADMISSION_CONTROL, …) passed through so a tuning run can set them. */
const GATEWAY_PASSTHROUGH = /^(UPSTREAM|ADMISSION)_/;

/** The gateway exactly as production runs it: `npm run start:prod`'s node flags and compiled JS, LOG_LEVEL=warn. */
export async function startGatewayProcess(settings: GatewaySettings): Promise<ServerProcess> {
  const port = await freePort();
  const passthrough: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (GATEWAY_PASSTHROUGH.test(name) && value !== undefined) passthrough[name] = value;
  const managed = start(
    'gateway',
    [
      ...scriptNodeFlags(settings.script ?? PRODUCTION_SCRIPT),
      ...(settings.nodeFlags ?? []),
      resolve(ROOT, 'dist/main.js'),
    ],
    baseEnv({
      ...passthrough,
      NODE_ENV: 'production',
      HOST,
      PORT: String(port),
      HUECHAT_API_URL: settings.upstreamUrl,
      HUECHAT_API_KEY: API_KEY,
      LOG_LEVEL: 'warn',
      ...settings.env,
    }),
  );
  const origin = `http://${HOST}:${port}`;
  await waitFor(managed, 'answering /healthz', () => healthy(`${origin}/healthz`));
  return { ...managed, origin };
}

/** The hand-written reference (plain node:http + undici), through tsx's loader: it is TypeScript. */
export async function startReferenceProcess(upstreamUrl: string): Promise<ServerProcess> {
  const port = await freePort();
  const managed = start(
    'reference',
    ['--import', 'tsx', resolve(ROOT, 'test/bench/reference-server.ts')],
    baseEnv({
      NODE_ENV: 'production',
      REFERENCE_HOST: HOST,
      REFERENCE_PORT: String(port),
      REFERENCE_UPSTREAM_URL: upstreamUrl,
      REFERENCE_API_KEY: API_KEY,
    }),
  );
  const origin = `http://${HOST}:${port}`;
  await waitFor(managed, 'answering /healthz', () => healthy(`${origin}/healthz`));
  return { ...managed, origin };
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time of a process in ms, from /proc/<pid>/stat (clock-tick resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

/**
 * Peak resident memory of one process over a window: the kernel's high-water mark (VmHWM), reset at
 * the start through /proc/<pid>/clear_refs where allowed, plus 50 ms samples of VmRSS as a fallback.
 */
export class RssWatch {
  private peakKb = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly resetWorked: boolean;

  constructor(private readonly pid: number) {
    let reset = false;
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      reset = true;
    } catch {
      // not permitted: the samples alone decide
    }
    this.resetWorked = reset;
    this.sample();
    this.timer = setInterval(() => this.sample(), 50);
  }

  private sample() {
    try {
      this.peakKb = Math.max(this.peakKb, statusKb(this.pid, 'VmRSS'));
    } catch {
      // the process is gone
    }
  }

  /** Stops sampling; the peak in MB. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    let peak = this.peakKb;
    if (this.resetWorked) {
      try {
        peak = Math.max(peak, statusKb(this.pid, 'VmHWM'));
      } catch {
        // gone
      }
    }
    return peak / 1024;
  }
}

/** Resident memory of a process now, in MB (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    return statusKb(pid, 'VmRSS') / 1024;
  } catch {
    return 0;
  }
}

/** CPU time the whole machine spent busy (all cores, all processes) in ms, from /proc/stat. */
export function systemBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + (steal || 0)) * 1000) / CLOCK_TICKS;
}
