/**
 * The gateway benchmark: `npm run build && tsx test/bench/run.ts [flags]`. See --help and BENCHMARKS.md.
 *
 * Starts the REST sandbox, the gateway (compiled, with `npm run start:prod`'s node flags) and the hand-written reference
 * each in its own process on 127.0.0.1, checks every workload for a correct answer and its REST call
 * count, then loads each with autocannon (targets interleaved A B A B), reading CPU time and peak RSS of
 * the processes from /proc. Prints a table, writes bench-results/latest.json and latest.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type Measurement, measureCell, type Target, warmUp } from './load.js';
import {
  type EmbedContact,
  killAllNow,
  PRODUCTION_SCRIPT,
  ROOT,
  requireBuild,
  rssMb,
  type SandboxProcess,
  type ServerProcess,
  scriptNodeFlags,
  startGatewayProcess,
  startReferenceProcess,
  startSandboxProcess,
  stopAll,
} from './processes.js';
import { monotonicUs, newestProfile, summarizeProfile } from './profile.js';
import { type BenchResults, evaluateTargets, type Machine, renderMarkdown, renderText } from './report.js';
import { measureTelemetryCost, renderTelemetryMarkdown } from './telemetry.js';
import {
  type CheckResult,
  checkW1,
  checkW2,
  checkW3,
  checkW4,
  discoverFixtures,
  type Fixtures,
  SandboxClient,
  WORKLOAD_IDS,
  type WorkloadId,
  workloads,
} from './workloads.js';

const HELP = `Usage: tsx test/bench/run.ts [options]     (build first: npm run build)

  --duration <s>          seconds per timed run (default 5; env BENCH_DURATION)
  --rounds <n>            A/B rounds when the reference runs too (W1; default 2; env BENCH_ROUNDS)
  --warmup <s>            untimed load per target before each cell (default 1; env BENCH_WARMUP)
  --jit-warmup <s>        untimed load of each workload on every freshly started target before its first
                          cell, so V8 has compiled the hot paths (default 5, quick 1; env BENCH_JIT_WARMUP)
  --workloads <list>      W1,W2,W3,W4 (default all; env BENCH_WORKLOADS)
  --latencies <list>      upstream latency in ms (default 0,20; env BENCH_LATENCIES)
  --connections <list>    load connections (default 1,50; env BENCH_CONNECTIONS)
  --memory-connections <n>  extra W1 cell for peak RSS (default 200, 0 = skip; env BENCH_MEMORY_CONNECTIONS)
  --embed <list>          sandbox conversation.contact modes: full first, then W2 only (default full,summary)
  --seed-contacts <n>     contacts in the sandbox (default 600: the seed's 10 contacts with 10+ conversations)
  --quick                 smoke check: 1 s runs, 0.3 s warm-up (env BENCH_QUICK=1)
  --profile               also profile the gateway (node --cpu-prof) under W1 at 0 ms, 50 connections
  --profile-duration <s>  seconds of profiled load (default: --duration)
  --out <file>            JSON results (default bench-results/latest.json; Markdown beside it)
  --quiet-wait <s>        before each timed run, wait up to this long for other processes on the
                          machine to go idle (default 20, quick 2; env BENCH_QUIET_WAIT)
  --skip-like-for-like    skip W1 @0 ms ×50 and @20 ms ×1 again with UPSTREAM_COALESCE=false
  --telemetry <list>      W1 cells (latency:connections) measured with metrics and tracing off, both on,
                          and on with one trace in ten sampled
                          (default 0:50,20:50; "none" skips it; env BENCH_TELEMETRY)
  --gateway-script <name> the npm script whose node flags start the gateway (default start:prod, as
                          production runs it; start:prod:v8-defaults for V8's own heap sizing;
                          env BENCH_GATEWAY_SCRIPT)
  --gateway-node-flags <f>  more node flags after the script's, for experiments only, e.g.
                          "--max-semi-space-size=16" (env BENCH_GATEWAY_NODE_FLAGS; default none)
  --timeout <s>           hard limit for the whole run (default: twice the estimate + 3 min)
  --no-fanout             skip the fan-out run (test/bench/fanout.ts: subscribers over SSE fed by
                          webhooks, with and without Redis) that follows the workloads
  --help

Gateway tuning variables (UPSTREAM_*, ADMISSION_*: UPSTREAM_CONNECTIONS, ADMISSION_CONTROL, ...) are passed through to the gateway.`;

interface Options {
  durationS: number;
  rounds: number;
  warmupS: number;
  /** Per workload and freshly started process, before its first cell: steady state, not start-up. */
  jitWarmupS: number;
  workloads: WorkloadId[];
  latencies: number[];
  connections: number[];
  memoryConnections: number;
  embeds: EmbedContact[];
  seedContacts: number;
  profile: boolean;
  profileDurationS: number;
  out: string;
  timeoutS: number | undefined;
  quietWaitS: number;
  /** The npm script whose node flags the gateway starts with (default start:prod: production as is). */
  gatewayScript: string;
  /** The node flags that script gives, read from package.json. */
  gatewayScriptFlags: string[];
  /** Extra node flags for the gateway process, after the script's, for experiments (default none). */
  gatewayNodeFlags: string[];
  /** Also measure W1's T2/T4 cells with coalescing off. */
  likeForLike: boolean;
  /** W1 cells [latency ms, connections] measured with telemetry off vs on. */
  telemetryCells: [number, number][];
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function positive(name: string, value: string, integer = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
    throw new Error(`${name} must be a ${integer ? 'whole ' : ''}number ≥ 0, got "${value}"`);
  return n;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      'jit-warmup': { type: 'string' },
      workloads: { type: 'string' },
      latencies: { type: 'string' },
      connections: { type: 'string' },
      'memory-connections': { type: 'string' },
      embed: { type: 'string' },
      'seed-contacts': { type: 'string' },
      quick: { type: 'boolean' },
      profile: { type: 'boolean' },
      'profile-duration': { type: 'string' },
      out: { type: 'string' },
      timeout: { type: 'string' },
      'quiet-wait': { type: 'string' },
      'gateway-script': { type: 'string' },
      'gateway-node-flags': { type: 'string' },
      'skip-like-for-like': { type: 'boolean' },
      telemetry: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return undefined;
  }
  const env = process.env;
  const quick = values.quick ?? (env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true');
  const gatewayScript = values['gateway-script'] ?? env.BENCH_GATEWAY_SCRIPT ?? PRODUCTION_SCRIPT;
  const durationS = positive('--duration', values.duration ?? env.BENCH_DURATION ?? (quick ? '1' : '5'));
  const workloadsList = list(values.workloads ?? env.BENCH_WORKLOADS ?? WORKLOAD_IDS.join(',')).map((w) =>
    w.toUpperCase(),
  );
  for (const w of workloadsList)
    if (!(WORKLOAD_IDS as readonly string[]).includes(w)) throw new Error(`unknown workload ${w}`);
  const embeds = list(values.embed ?? env.BENCH_EMBED ?? 'full,summary');
  for (const e of embeds)
    if (!['full', 'summary', 'none'].includes(e))
      throw new Error(`--embed takes full, summary, none; got ${e}`);
  if (embeds.length === 0) throw new Error('--embed needs at least one mode');
  return {
    durationS,
    rounds: positive('--rounds', values.rounds ?? env.BENCH_ROUNDS ?? '2', true) || 1,
    warmupS: positive('--warmup', values.warmup ?? env.BENCH_WARMUP ?? (quick ? '0.3' : '1')),
    jitWarmupS: positive('--jit-warmup', values['jit-warmup'] ?? env.BENCH_JIT_WARMUP ?? (quick ? '1' : '5')),
    workloads: workloadsList as WorkloadId[],
    latencies: list(values.latencies ?? env.BENCH_LATENCIES ?? '0,20').map((v) =>
      positive('--latencies', v, true),
    ),
    connections: list(values.connections ?? env.BENCH_CONNECTIONS ?? '1,50').map((v) =>
      positive('--connections', v, true),
    ),
    memoryConnections: positive(
      '--memory-connections',
      values['memory-connections'] ?? env.BENCH_MEMORY_CONNECTIONS ?? '200',
      true,
    ),
    embeds: embeds as EmbedContact[],
    seedContacts: positive('--seed-contacts', values['seed-contacts'] ?? '600', true),
    profile: values.profile ?? (env.BENCH_PROFILE === '1' || env.BENCH_PROFILE === 'true'),
    profileDurationS: positive('--profile-duration', values['profile-duration'] ?? String(durationS)),
    out: values.out ?? env.BENCH_OUT ?? join(ROOT, 'bench-results/latest.json'),
    timeoutS: values.timeout ? positive('--timeout', values.timeout) : undefined,
    likeForLike: !(values['skip-like-for-like'] ?? env.BENCH_SKIP_LIKE_FOR_LIKE === '1'),
    telemetryCells: list(values.telemetry ?? env.BENCH_TELEMETRY ?? '0:50,20:50')
      .filter((c) => c !== 'none')
      .map((c) => {
        const [latency, connections] = c.split(':');
        if (connections === undefined) throw new Error(`--telemetry takes latency:connections, got "${c}"`);
        return [positive('--telemetry', latency, true), positive('--telemetry', connections, true)];
      }),
    gatewayScript,
    gatewayScriptFlags: scriptNodeFlags(gatewayScript),
    gatewayNodeFlags: list(values['gateway-node-flags'] ?? env.BENCH_GATEWAY_NODE_FLAGS ?? '').flatMap((f) =>
      f.split(/\s+/).filter(Boolean),
    ),
    quietWaitS: positive(
      '--quiet-wait',
      values['quiet-wait'] ?? env.BENCH_QUIET_WAIT ?? (quick ? '2' : '20'),
    ),
  };
}

const log = (line: string) => process.stdout.write(`${line}\n`);

interface Cell {
  workload: WorkloadId;
  latencyMs: number;
  connections: number;
  /** Runs on freshly started processes, so its peak RSS is its own and not an earlier cell's. */
  fresh: boolean;
  /** A gateway configured otherwise than production, named in the results (e.g. coalescing off). */
  variant?: string;
  gatewayEnv?: Record<string, string>;
}

/** In-flight sharing of identical GETs across requests is on in production; off, the gateway makes the reference's calls. */
const COALESCING_OFF = { variant: 'coalescing off', gatewayEnv: { UPSTREAM_COALESCE: 'false' } };

/** Cells to measure in one sandbox: every workload in the first (full) mode, only W2 in the others. */
function cellsFor(options: Options, primary: boolean): Cell[] {
  const cells: Cell[] = [];
  const selected = primary ? options.workloads : options.workloads.filter((w) => w === 'W2');
  // Workload-major, so W4's writes (new open conversations) come after every read workload.
  for (const workload of selected)
    for (const latencyMs of options.latencies)
      for (const connections of options.connections)
        cells.push({ workload, latencyMs, connections, fresh: false });
  if (primary && selected.includes('W1') && options.memoryConnections > 0)
    for (const latencyMs of options.latencies)
      cells.push({ workload: 'W1', latencyMs, connections: options.memoryConnections, fresh: true });
  // The T2 and T4 cells again, like for like: the W1 rotation over 10 contacts lets concurrent requests
  // share nearly every GET, which the reference (and traffic over many contacts) cannot.
  if (primary && selected.includes('W1') && options.likeForLike) {
    const t4 = options.latencies.includes(0) && options.connections.includes(50);
    const t2 = options.latencies.includes(20) && options.connections.includes(1);
    if (t4) cells.push({ workload: 'W1', latencyMs: 0, connections: 50, fresh: true, ...COALESCING_OFF });
    if (t2) cells.push({ workload: 'W1', latencyMs: 20, connections: 1, fresh: !t4, ...COALESCING_OFF });
  }
  return cells;
}

/** Expected seconds when the machine is quiet, and the number of timed runs (each may wait for quiet). */
function estimate(options: Options): { seconds: number; runs: number } {
  let seconds = 0;
  let runs = 0;
  options.embeds.forEach((_, i) => {
    seconds += 8; // processes, discovery, checks
    for (const cell of cellsFor(options, i === 0)) {
      const targets = cell.workload === 'W1' ? 2 : 1;
      const rounds = targets > 1 ? options.rounds : 1;
      runs += targets * rounds;
      seconds += targets * (options.warmupS + rounds * (options.durationS + 0.6)) + (cell.fresh ? 3 : 0);
      seconds += targets * options.jitWarmupS * (cell.fresh ? 1 : 0.25);
    }
  });
  if (options.telemetryCells.length > 0) {
    seconds += 10 + 2 * options.jitWarmupS;
    runs += options.telemetryCells.length * 2 * options.rounds;
    seconds +=
      options.telemetryCells.length * 2 * (options.warmupS + options.rounds * (options.durationS + 0.6));
  }
  if (options.profile) {
    seconds += 10 + options.warmupS + options.profileDurationS;
    runs += 1;
  }
  return { seconds, runs };
}

function machine(argv: string[]): Machine {
  let git = 'unknown commit';
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    git = `commit ${head}${dirty ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    // not a git checkout
  }
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    command:
      process.env.npm_lifecycle_event === 'bench'
        ? ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' ')
        : ['tsx test/bench/run.ts', ...argv].join(' '),
    git,
  };
}

async function runChecks(
  options: Options,
  embed: EmbedContact,
  sandbox: SandboxClient,
  gateway: ServerProcess,
  reference: ServerProcess | undefined,
  fixtures: Fixtures,
  primary: boolean,
): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  await sandbox.setLatency(0);
  for (const w of options.workloads) {
    if (w === 'W1' && reference)
      checks.push(await checkW1(sandbox, gateway.origin, reference.origin, fixtures, embed));
    if (w === 'W2') checks.push(await checkW2(sandbox, gateway.origin, embed));
    if (w === 'W3' && primary) checks.push(await checkW3(sandbox, gateway.origin, fixtures, embed));
    if (w === 'W4' && primary) checks.push(await checkW4(sandbox, gateway.origin, embed));
  }
  for (const c of checks)
    log(
      `  check ${c.workload} (embed ${embed}): ${c.ok ? 'ok' : 'FAILED'}, ${c.restCalls} REST calls${c.problems.length ? `\n    ${c.problems.slice(0, 5).join('\n    ')}` : ''}`,
    );
  return checks;
}

async function measureEmbedMode(
  options: Options,
  embed: EmbedContact,
  primary: boolean,
  results: BenchResults,
): Promise<void> {
  log(`\n== sandbox with conversation.contact = ${embed}`);
  const needsReference = options.workloads.includes('W1');
  const sandboxProcess: SandboxProcess = await startSandboxProcess({
    embedContact: embed,
    seedContacts: options.seedContacts,
  });
  const startTargets = async (env?: Record<string, string>) => {
    const gw = await startGatewayProcess({
      upstreamUrl: sandboxProcess.url,
      script: options.gatewayScript,
      nodeFlags: options.gatewayNodeFlags,
      env,
    });
    results.gatewayIdleRssMb.push(rssMb(gw.pid));
    const ref = needsReference ? await startReferenceProcess(sandboxProcess.url) : undefined;
    return { gateway: gw, reference: ref };
  };
  let servers: { gateway: ServerProcess; reference: ServerProcess | undefined } | undefined;
  try {
    servers = await startTargets();
    const sandbox = new SandboxClient(sandboxProcess.url, sandboxProcess.origin);
    const fixtures = await discoverFixtures(sandbox);
    log(
      `  fixtures: ${fixtures.inboxContacts.length} contacts with 10+ conversations, ${fixtures.entityContacts.length} for _entities`,
    );
    const checks = await runChecks(
      options,
      embed,
      sandbox,
      servers.gateway,
      servers.reference,
      fixtures,
      primary,
    );
    results.checks.push(...checks);
    const defs = workloads(fixtures);
    // Workloads each target has run since it started: V8 compiles hot code after many calls, and the
    // first cell of a workload on a new process would otherwise time the compiler, not the server.
    let warmed = new Set<WorkloadId>();
    for (const cell of cellsFor(options, primary)) {
      if (checks.some((c) => c.workload === cell.workload && !c.ok)) {
        log(`  ${cell.workload} @${cell.latencyMs} ms ×${cell.connections}: skipped, its check failed`);
        continue;
      }
      if (cell.fresh) {
        log(`  (restarting the gateway${cell.variant ? ` with ${cell.variant}` : ''} and the reference)`);
        await Promise.all([servers.gateway.stop(), servers.reference?.stop()]);
        servers = await startTargets(cell.gatewayEnv);
        warmed = new Set();
      }
      const { gateway, reference } = servers;
      const workload = defs[cell.workload];
      const targets: Target[] = [{ name: 'gateway', origin: gateway.origin, pid: gateway.pid }];
      if (workload.hasReference && reference)
        targets.push({ name: 'reference', origin: reference.origin, pid: reference.pid });
      if (!warmed.has(cell.workload) && options.jitWarmupS > 0) {
        await sandbox.setLatency(0);
        for (const target of targets) await warmUp(target, workload, 10, options.jitWarmupS);
        warmed.add(cell.workload);
      }
      await sandbox.setLatency(cell.latencyMs);
      log(
        `  ${cell.workload} embed ${embed} @${cell.latencyMs} ms ×${cell.connections} connections${cell.variant ? ` (gateway: ${cell.variant})` : ''}`,
      );
      const measured: Measurement[] = await measureCell(
        {
          workload,
          embedContact: embed,
          latencyMs: cell.latencyMs,
          connections: cell.connections,
          variant: cell.variant,
          durationS: options.durationS,
          rounds: targets.length > 1 ? options.rounds : 1,
          warmupS: options.warmupS,
          quietWaitMs: options.quietWaitS * 1000,
        },
        targets,
        sandbox,
        sandboxProcess.pid,
        log,
      );
      results.measurements.push(...measured);
    }
  } finally {
    await Promise.all([servers?.gateway.stop(), servers?.reference?.stop()]);
    await sandboxProcess.stop();
  }
}

/** A separate gateway with --cpu-prof under W1 at 0 ms: its figures are not mixed with the timed ones. */
async function profileGateway(options: Options, results: BenchResults, outDir: string): Promise<void> {
  log('\n== CPU profile of the gateway (W1, 0 ms, 50 connections)');
  mkdirSync(outDir, { recursive: true });
  const dir = mkdtempSync(join(outDir, 'profile-'));
  const sandboxProcess = await startSandboxProcess({
    embedContact: 'full',
    seedContacts: options.seedContacts,
  });
  let gateway: ServerProcess | undefined;
  try {
    gateway = await startGatewayProcess({
      upstreamUrl: sandboxProcess.url,
      script: options.gatewayScript,
      nodeFlags: [...options.gatewayNodeFlags, '--cpu-prof', `--cpu-prof-dir=${dir}`],
    });
    const sandbox = new SandboxClient(sandboxProcess.url, sandboxProcess.origin);
    const fixtures = await discoverFixtures(sandbox);
    const target: Target = { name: 'gateway', origin: gateway.origin, pid: gateway.pid };
    const w1 = workloads(fixtures).W1;
    await warmUp(target, w1, 50, options.warmupS);
    const fromUs = monotonicUs();
    const [m] = await measureCell(
      {
        workload: w1,
        embedContact: 'full',
        latencyMs: 0,
        connections: 50,
        durationS: options.profileDurationS,
        rounds: 1,
        warmupS: 0,
        quietWaitMs: options.quietWaitS * 1000,
      },
      [target],
      sandbox,
      sandboxProcess.pid,
      log,
    );
    const toUs = monotonicUs();
    // SIGTERM: the gateway shuts down and exits normally, which is when V8 writes the profile.
    await gateway.stop();
    const file = newestProfile(dir);
    if (!file) throw new Error(`the gateway wrote no .cpuprofile into ${dir}`);
    results.profile = {
      ...summarizeProfile(file, { fromUs, toUs }),
      workload: 'W1',
      latencyMs: 0,
      connections: 50,
      opsPerSec: m.opsPerSec,
    };
  } finally {
    await gateway?.stop();
    await sandboxProcess.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (!options) return 0;
  requireBuild();
  const expected = estimate(options);
  const timeoutS = options.timeoutS ?? expected.seconds * 1.5 + expected.runs * options.quietWaitS + 180;
  const hardStop = setTimeout(() => {
    log(`\nThe benchmark passed its time limit (${Math.round(timeoutS)} s): stopping everything.`);
    void stopAll().finally(() => process.exit(124));
  }, timeoutS * 1000);
  hardStop.unref();
  log(
    `huechat-gateway benchmark: ${options.workloads.join(',')} @ ${options.latencies.join('/')} ms, ` +
      `${options.connections.join('/')} connections (+${options.memoryConnections} for RSS), ${options.durationS} s runs; ` +
      `about ${Math.ceil(expected.seconds / 60)} min (limit ${Math.ceil(timeoutS / 60)} min)`,
  );
  const results: BenchResults = {
    machine: machine(argv),
    options: { ...options },
    checks: [],
    gatewayIdleRssMb: [],
    measurements: [],
    targets: [],
  };
  for (const [i, embed] of options.embeds.entries()) {
    // A later mode only matters for W2 (W1 is checked too): skip it when W2 and W1 are not selected.
    if (i > 0 && !options.workloads.some((w) => w === 'W1' || w === 'W2')) continue;
    await measureEmbedMode(options, embed, i === 0, results);
    await sleep(200);
  }
  if (options.telemetryCells.length > 0)
    results.telemetryCost = await measureTelemetryCost({ ...options, cells: options.telemetryCells }, log);
  const outDir = join(options.out, '..');
  if (options.profile) await profileGateway(options, results, outDir);
  results.targets = evaluateTargets(results);

  log('');
  log(renderText(results));
  if (results.telemetryCost) log(`\n${renderTelemetryMarkdown(results.telemetryCost)}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = `${options.out.replace(/\.json$/, '')}.md`;
  writeFileSync(
    markdown,
    renderMarkdown(results) +
      (results.telemetryCost ? `\n${renderTelemetryMarkdown(results.telemetryCost)}` : ''),
  );
  log(`\nWrote ${options.out} and ${markdown}`);
  return results.checks.every((c) => c.ok) ? 0 : 1;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${signal}: stopping the sandbox, gateway and reference`);
    void stopAll().finally(() => process.exit(130));
  });
}
process.on('exit', killAllNow);

const argv = process.argv.slice(2);
// The fan-out run has its own processes and flags; it sees --quick and nothing else.
const fanout = !argv.includes('--no-fanout') && !argv.includes('--help');
main(argv.filter((a) => a !== '--no-fanout')).then(
  async (code) => {
    await stopAll();
    if (fanout && code === 0) {
      const quick = argv.includes('--quick') ? ['--quick'] : [];
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'test/bench/fanout.ts'), ...quick],
        {
          stdio: 'inherit',
          cwd: ROOT,
        },
      );
      process.exit(run.status ?? 1);
    }
    process.exit(code);
  },
  async (err: unknown) => {
    process.stderr.write(
      `benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    await stopAll();
    process.exit(1);
  },
);
