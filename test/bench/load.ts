import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { cpuMs, RssWatch, systemBusyMs } from './processes.js';
import type { SandboxClient, Workload } from './workloads.js';

/** Who answers: the gateway under test, or the hand-written reference. */
export type TargetName = 'gateway' | 'reference';

export interface Target {
  name: TargetName;
  origin: string;
  pid: number;
}

/** One timed autocannon run against one target. */
interface RunSample {
  latencies: number[];
  responses: number;
  /** Connection errors and timeouts, non-2xx answers, and bodies that failed the check. */
  errors: number;
  durationS: number;
  targetCpuMs: number;
  sandboxCpuMs: number;
  loadCpuMs: number;
  /** CPU the rest of the machine used meanwhile (other users of the shared cores). */
  otherCpuMs: number;
  restCalls: number;
  peakRssMb: number;
}

/** A cell of the matrix for one target: every timed run merged. */
export interface Measurement {
  target: TargetName;
  workload: string;
  embedContact: string;
  latencyMs: number;
  connections: number;
  /** Set when the gateway ran in a non-production configuration (e.g. 'coalescing off'). */
  variant?: string;
  runs: number;
  durationS: number;
  responses: number;
  /** HTTP requests per second (W4: each pair is two requests). */
  requestsPerSec: number;
  /** Operations per second (W4: pairs). */
  opsPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** REST calls per operation under load, counted by the sandbox (see restCallsNote). */
  restCallsPerOp: number;
  /** CPU time of the target process per operation. */
  cpuMsPerOp: number;
  /** CPU time of the sandbox process per operation (it shares the two cores). */
  sandboxCpuMsPerOp: number;
  /** Cores the target used while loaded (1 = one core busy all the time). */
  cpuCores: number;
  /** Cores the sandbox used meanwhile. */
  sandboxCores: number;
  /** Cores the load generator (this process, autocannon) used meanwhile. */
  loadCores: number;
  /** Cores every other process on the machine used meanwhile: high values mean a noisy neighbour. */
  otherCores: number;
  peakRssMb: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

function cannon(
  target: Target,
  workload: Workload,
  connections: number,
  durationS: number,
  onResponse?: (ms: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolveRun, reject) => {
    const instance = autocannon(
      {
        url: `${target.origin}${workload.path}`,
        connections,
        pipelining: 1,
        duration: durationS,
        timeout: 10,
        requests: workload.requests(),
        verifyBody: workload.verifyBody,
      },
      (err: unknown, result) => (err ? reject(err) : resolveRun(result)),
    );
    if (onResponse)
      instance.on('response', (_client, _status, _bytes, responseTime: number) => onResponse(responseTime));
  });
}

/** Untimed load so the JIT, the pools and the sockets are warm before anything is measured. */
export async function warmUp(target: Target, workload: Workload, connections: number, seconds: number) {
  if (seconds > 0) await cannon(target, workload, connections, seconds);
}

/** Cores the machine has beyond what the benchmark's own processes are using: a neighbour's load. */
async function otherLoad(pids: number[], windowMs: number): Promise<number> {
  const self = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const ours = () => pids.reduce((n, pid) => n + cpuMs(pid), 0) + self();
  const busy0 = systemBusyMs();
  const ours0 = ours();
  await sleep(windowMs);
  return Math.max(0, systemBusyMs() - busy0 - (ours() - ours0)) / windowMs;
}

/**
 * The cores are shared: before a timed run, wait (bounded) until the rest of the machine is nearly idle,
 * so that a neighbour's compile or test run does not land inside one target's run only.
 */
export async function waitForQuiet(pids: number[], maxWaitMs: number, threshold = 0.25): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let load = await otherLoad(pids, 300);
  while (load > threshold && Date.now() < deadline) load = await otherLoad(pids, 500);
  return load;
}

async function timedRun(
  target: Target,
  workload: Workload,
  connections: number,
  durationS: number,
  sandbox: SandboxClient,
  sandboxPid: number,
): Promise<RunSample> {
  await sandbox.clearCalls();
  const latencies: number[] = [];
  const rss = new RssWatch(target.pid);
  const cpu0 = cpuMs(target.pid);
  const sandboxCpu0 = cpuMs(sandboxPid);
  const loadCpu0 = process.cpuUsage();
  const busy0 = systemBusyMs();
  const result = await cannon(target, workload, connections, durationS, (ms) => latencies.push(ms));
  const targetCpuMs = cpuMs(target.pid) - cpu0;
  const sandboxCpuMs = cpuMs(sandboxPid) - sandboxCpu0;
  const loadCpu = process.cpuUsage(loadCpu0);
  const busyMs = systemBusyMs() - busy0;
  const loadCpuMs = (loadCpu.user + loadCpu.system) / 1000;
  const peakRssMb = rss.stop();
  const restCalls = (await sandbox.calls()).length;
  return {
    latencies,
    responses: latencies.length,
    errors: result.errors + result.timeouts + result.non2xx + result.mismatches,
    durationS: result.duration,
    targetCpuMs,
    sandboxCpuMs,
    loadCpuMs,
    otherCpuMs: Math.max(0, busyMs - targetCpuMs - sandboxCpuMs - loadCpuMs),
    restCalls,
    peakRssMb,
  };
}

export interface CellSpec {
  workload: Workload;
  embedContact: string;
  latencyMs: number;
  connections: number;
  variant?: string;
  durationS: number;
  rounds: number;
  warmupS: number;
  /** Longest wait for the rest of the machine to go quiet before each timed run. */
  quietWaitMs: number;
}

/**
 * Measures one cell for every target, interleaved A B A B so that drift (thermal, GC, the sandbox's
 * growing store) falls on both alike; merges each target's runs into one measurement.
 */
export async function measureCell(
  spec: CellSpec,
  targets: Target[],
  sandbox: SandboxClient,
  sandboxPid: number,
  log: (line: string) => void,
): Promise<Measurement[]> {
  for (const target of targets) await warmUp(target, spec.workload, spec.connections, spec.warmupS);
  const samples = new Map<TargetName, RunSample[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < spec.rounds; round++) {
    for (const target of targets) {
      const started = Date.now();
      const other = await waitForQuiet([...targets.map((t) => t.pid), sandboxPid], spec.quietWaitMs);
      if (Date.now() - started > 1_000 || other > 0.25)
        log(
          `    (waited ${((Date.now() - started) / 1000).toFixed(1)} s for other processes; their load ${other.toFixed(2)} cores)`,
        );
      const sample = await timedRun(
        target,
        spec.workload,
        spec.connections,
        spec.durationS,
        sandbox,
        sandboxPid,
      );
      samples.get(target.name)?.push(sample);
      log(
        `    ${target.name.padEnd(9)} round ${round + 1}/${spec.rounds}: ${(sample.responses / sample.durationS).toFixed(0)} req/s, ${sample.errors} errors`,
      );
    }
  }
  return targets.map((target) => merge(spec, target.name, samples.get(target.name) ?? []));
}

function merge(spec: CellSpec, target: TargetName, runs: RunSample[]): Measurement {
  const all = new Float64Array(runs.reduce((n, r) => n + r.latencies.length, 0));
  let at = 0;
  for (const run of runs) {
    all.set(run.latencies, at);
    at += run.latencies.length;
  }
  all.sort();
  const sum = (pick: (r: RunSample) => number) => runs.reduce((n, r) => n + pick(r), 0);
  const responses = sum((r) => r.responses);
  const durationS = sum((r) => r.durationS);
  const ops = responses * spec.workload.opsPerRequest;
  // At the cut-off every connection has one request in flight whose REST calls are already counted.
  const opsStarted = ops + runs.length * spec.connections * spec.workload.opsPerRequest;
  return {
    target,
    workload: spec.workload.id,
    embedContact: spec.embedContact,
    latencyMs: spec.latencyMs,
    connections: spec.connections,
    variant: spec.variant,
    runs: runs.length,
    durationS,
    responses,
    requestsPerSec: responses / durationS,
    opsPerSec: ops / durationS,
    p50Ms: percentile(all, 50),
    p90Ms: percentile(all, 90),
    p99Ms: percentile(all, 99),
    maxMs: all.length ? all[all.length - 1] : Number.NaN,
    errors: sum((r) => r.errors),
    restCallsPerOp: opsStarted > 0 ? sum((r) => r.restCalls) / opsStarted : Number.NaN,
    cpuMsPerOp: ops > 0 ? sum((r) => r.targetCpuMs) / ops : Number.NaN,
    sandboxCpuMsPerOp: ops > 0 ? sum((r) => r.sandboxCpuMs) / ops : Number.NaN,
    cpuCores: sum((r) => r.targetCpuMs) / (durationS * 1000),
    sandboxCores: sum((r) => r.sandboxCpuMs) / (durationS * 1000),
    loadCores: sum((r) => r.loadCpuMs) / (durationS * 1000),
    otherCores: sum((r) => r.otherCpuMs) / (durationS * 1000),
    peakRssMb: Math.max(0, ...runs.map((r) => r.peakRssMb)),
  };
}
