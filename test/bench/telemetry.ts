import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Measurement, measureCell, type Target, warmUp } from './load.js';
import {
  type EmbedContact,
  HOST,
  type ServerProcess,
  startGatewayProcess,
  startSandboxProcess,
} from './processes.js';
import { discoverFixtures, SandboxClient, workloads } from './workloads.js';

/** The cost of telemetry: the same gateway with metrics and tracing off, then both on, interleaved. */
export interface TelemetryCost {
  cells: TelemetryCell[];
  /** OTLP export requests and bytes the local receiver got from the gateway with tracing on. */
  exports: { requests: number; bytes: number };
}

export interface TelemetryCell {
  workload: string;
  latencyMs: number;
  connections: number;
  off: Measurement[];
  on: Measurement[];
  /** Metrics on and one trace in ten (OTEL_TRACES_SAMPLER=parentbased_traceidratio, ratio 0.1). */
  sampled: Measurement[];
  /** Throughput on / off over all rounds (1 = no cost). */
  throughputRatio: number;
  /** Gateway CPU per operation on / off (1 = no cost). */
  cpuRatio: number;
  sampledThroughputRatio: number;
  sampledCpuRatio: number;
}

export interface TelemetryOptions {
  durationS: number;
  rounds: number;
  warmupS: number;
  jitWarmupS: number;
  quietWaitS: number;
  seedContacts: number;
  gatewayScript: string;
  gatewayNodeFlags: string[];
  /** [latency ms, connections] pairs to measure W1 at. */
  cells: [number, number][];
}

/** A local OTLP/HTTP receiver: reads every export to the end, counts it, answers success. */
async function startOtlpSink(): Promise<{
  url: string;
  counts: TelemetryCost['exports'];
  close(): Promise<void>;
}> {
  const counts = { requests: 0, bytes: 0 };
  const server: Server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      counts.bytes += chunk.length;
    });
    req.on('end', () => {
      counts.requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    url: `http://${HOST}:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const total = (ms: Measurement[], pick: (m: Measurement) => number) => ms.reduce((n, m) => n + pick(m), 0);
const ops = (m: Measurement) => m.opsPerSec * m.durationS;
const throughput = (ms: Measurement[]) => total(ms, ops) / total(ms, (m) => m.durationS);
const cpuPerOp = (ms: Measurement[]) => total(ms, (m) => m.cpuMsPerOp * ops(m)) / total(ms, ops);

/**
 * W1 against three gateway processes on one sandbox: one with METRICS=false and no OTLP endpoint, one
 * with metrics on and every request traced (the default parent-based always-on sampler), one with
 * metrics on and a tenth of the traces sampled, exporting http/protobuf to a local receiver in this
 * process. Runs go off, on, sampled, off, on, sampled, so drift falls on all alike.
 */
export async function measureTelemetryCost(
  options: TelemetryOptions,
  log: (line: string) => void,
): Promise<TelemetryCost> {
  log('\n== telemetry cost: W1, metrics and tracing off vs both on');
  const embed: EmbedContact = 'full';
  const sandboxProcess = await startSandboxProcess({
    embedContact: embed,
    seedContacts: options.seedContacts,
  });
  const sink = await startOtlpSink();
  let off: ServerProcess | undefined;
  let on: ServerProcess | undefined;
  let sampled: ServerProcess | undefined;
  try {
    // Like for like: with in-flight sharing on, W1's rotation over ten contacts lets a faster gateway
    // share more of its reads, so any extra work per request also changes how many REST calls each
    // request makes, and the comparison measures that feedback more than the telemetry itself.
    const start = (env: Record<string, string>) =>
      startGatewayProcess({
        upstreamUrl: sandboxProcess.url,
        script: options.gatewayScript,
        nodeFlags: options.gatewayNodeFlags,
        env: { UPSTREAM_COALESCE: 'false', ...env },
      });
    off = await start({ METRICS: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    on = await start({ METRICS: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'bench' });
    sampled = await start({
      METRICS: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_SERVICE_NAME: 'bench-sampled',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    });
    const sandbox = new SandboxClient(sandboxProcess.url, sandboxProcess.origin);
    const w1 = workloads(await discoverFixtures(sandbox)).W1;
    const targets: [string, Target][] = [
      ['off', { name: 'gateway', origin: off.origin, pid: off.pid }],
      ['on', { name: 'gateway', origin: on.origin, pid: on.pid }],
      ['sampled', { name: 'gateway', origin: sampled.origin, pid: sampled.pid }],
    ];
    await sandbox.setLatency(0);
    for (const [, target] of targets) await warmUp(target, w1, 10, options.jitWarmupS);
    const cells: TelemetryCell[] = [];
    for (const [latencyMs, connections] of options.cells) {
      await sandbox.setLatency(latencyMs);
      log(`  W1 @${latencyMs} ms ×${connections} connections`);
      const runs: Record<string, Measurement[]> = { off: [], on: [], sampled: [] };
      for (let round = 0; round < options.rounds; round++) {
        for (const [which, target] of targets) {
          log(`    telemetry ${which}:`);
          const [m] = await measureCell(
            {
              workload: w1,
              embedContact: embed,
              latencyMs,
              connections,
              variant: `telemetry ${which}`,
              durationS: options.durationS,
              rounds: 1,
              warmupS: round === 0 ? options.warmupS : 0,
              quietWaitMs: options.quietWaitS * 1000,
            },
            [target],
            sandbox,
            sandboxProcess.pid,
            log,
          );
          runs[which].push(m);
        }
      }
      const cell: TelemetryCell = {
        workload: 'W1',
        latencyMs,
        connections,
        off: runs.off,
        on: runs.on,
        sampled: runs.sampled,
        throughputRatio: throughput(runs.on) / throughput(runs.off),
        cpuRatio: cpuPerOp(runs.on) / cpuPerOp(runs.off),
        sampledThroughputRatio: throughput(runs.sampled) / throughput(runs.off),
        sampledCpuRatio: cpuPerOp(runs.sampled) / cpuPerOp(runs.off),
      };
      log(
        `    on/off: throughput ${cell.throughputRatio.toFixed(3)}, CPU per operation ${cell.cpuRatio.toFixed(3)}; ` +
          `10 % sampled/off: throughput ${cell.sampledThroughputRatio.toFixed(3)}, CPU ${cell.sampledCpuRatio.toFixed(3)}`,
      );
      cells.push(cell);
    }
    return { cells, exports: { ...sink.counts } };
  } finally {
    await Promise.all([off?.stop(), on?.stop(), sampled?.stop()]);
    await sink.close();
    await sandboxProcess.stop();
  }
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;

/** The telemetry section of the Markdown report. */
export function renderTelemetryMarkdown(cost: TelemetryCost): string {
  const lines = [
    '## Telemetry cost (metrics + tracing on vs both off)',
    '',
    'Same build, same sandbox, three gateway processes measured in turn (off, on, sampled, off, on, sampled, …):',
    '`METRICS=false` with no OTLP endpoint; `METRICS=true` with every request traced; and metrics with one trace',
    'in ten (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, `OTEL_TRACES_SAMPLER_ARG=0.1`). Spans go as',
    "http/protobuf to a local OTLP receiver in the load generator's process. All three run with",
    '`UPSTREAM_COALESCE=false`, so each request makes its own 12 REST calls and the difference is the',
    "telemetry's own work.",
    '',
    '| cell | off ops/s | on ops/s | on/off throughput | off CPU ms/op | on CPU ms/op | on/off CPU | 10 % sampled ops/s | sampled/off throughput | sampled/off CPU |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of cost.cells) {
    lines.push(
      `| W1 @${c.latencyMs} ms ×${c.connections} | ${f0(throughput(c.off))} | ${f0(throughput(c.on))} | ${f2(c.throughputRatio)} (${pct(c.throughputRatio)}) | ${f2(cpuPerOp(c.off))} | ${f2(cpuPerOp(c.on))} | ${f2(c.cpuRatio)} (${pct(c.cpuRatio)}) | ${f0(throughput(c.sampled))} | ${f2(c.sampledThroughputRatio)} (${pct(c.sampledThroughputRatio)}) | ${f2(c.sampledCpuRatio)} (${pct(c.sampledCpuRatio)}) |`,
    );
  }
  lines.push(
    '',
    `The receiver got ${cost.exports.requests} OTLP export requests (${(cost.exports.bytes / 2 ** 20).toFixed(1)} MiB).`,
    '',
  );
  return lines.join('\n');
}
