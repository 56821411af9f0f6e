import type { Measurement } from './load.js';
import type { ProfileSummary } from './profile.js';
import type { TelemetryCost } from './telemetry.js';
import type { CheckResult } from './workloads.js';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  os: string;
  node: string;
  date: string;
  command: string;
  /** Commit of the tree measured, and whether src/ had uncommitted changes at the time. */
  git: string;
}

export interface TargetResult {
  id: string;
  description: string;
  /** null: not measured in this run (workload or cell skipped). */
  met: boolean | null;
  measured: string;
  margin: string;
}

export interface BenchResults {
  machine: Machine;
  options: Record<string, unknown>;
  checks: CheckResult[];
  /** Idle RSS of each gateway process right after start, MB. */
  gatewayIdleRssMb: number[];
  measurements: Measurement[];
  targets: TargetResult[];
  profile?: ProfileSummary & { workload: string; latencyMs: number; connections: number; opsPerSec: number };
  /** Metrics and tracing off vs on (see telemetry.ts). */
  telemetryCost?: TelemetryCost;
}

const find = (
  ms: Measurement[],
  target: Measurement['target'],
  workload: string,
  latencyMs: number,
  connections: number,
  embedContact = 'full',
  variant: string | undefined = undefined,
) =>
  ms.find(
    (m) =>
      m.target === target &&
      m.workload === workload &&
      m.latencyMs === latencyMs &&
      m.connections === connections &&
      m.embedContact === embedContact &&
      m.variant === variant,
  );

const OFF = 'coalescing off';

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');

export function evaluateTargets(results: Pick<BenchResults, 'checks' | 'measurements'>): TargetResult[] {
  const { checks, measurements } = results;
  const targets: TargetResult[] = [];

  const w1Checks = checks.filter((c) => c.workload === 'W1');
  targets.push({
    id: 'T1',
    description: 'W1 makes exactly 12 REST calls',
    met: w1Checks.length ? w1Checks.every((c) => c.restCalls === 12 && c.ok) : null,
    measured: w1Checks.map((c) => `${c.restCalls} (embed ${c.embedContact})`).join(', ') || 'not measured',
    margin: w1Checks.length
      ? w1Checks.map((c) => `${c.restCalls - 12 >= 0 ? '+' : ''}${c.restCalls - 12}`).join(', ')
      : '',
  });

  const latencyTarget = (id: string, variant: string | undefined, label: string) => {
    const gw = find(measurements, 'gateway', 'W1', 20, 1, 'full', variant);
    const ref = find(measurements, 'reference', 'W1', 20, 1, 'full', variant);
    const gap = gw && ref ? gw.p50Ms - ref.p50Ms : Number.NaN;
    targets.push({
      id,
      description: `W1 at 20 ms upstream latency, 1 connection: p50 within 3 ms of the reference's p50 (${label})`,
      met: gw && ref ? gap <= 3 : null,
      measured:
        gw && ref
          ? `gateway ${f2(gw.p50Ms)} ms, reference ${f2(ref.p50Ms)} ms (gap ${f2(gap)} ms)`
          : 'not measured',
      margin: gw && ref ? (gap <= 3 ? `${f2(3 - gap)} ms to spare` : `${f2(gap - 3)} ms over`) : '',
    });
  };
  latencyTarget('T2', undefined, 'as in production');
  latencyTarget("T2'", OFF, OFF);

  const w2Checks = checks.filter((c) => c.workload === 'W2');
  targets.push({
    id: 'T3',
    description: 'W2: 1 REST call with full embedded contacts; at most 1 + distinct contacts otherwise',
    met: w2Checks.length ? w2Checks.every((c) => c.restCalls <= c.expectedRestCalls && c.ok) : null,
    measured:
      w2Checks
        .map(
          (c) =>
            `${c.restCalls} calls (embed ${c.embedContact}, limit ${c.expectedRestCalls}, ${c.distinctContacts} distinct contacts)`,
        )
        .join('; ') || 'not measured',
    margin: w2Checks
      .map((c) => `${c.expectedRestCalls - c.restCalls} under the limit (${c.embedContact})`)
      .join('; '),
  });

  const throughputTarget = (id: string, variant: string | undefined, label: string) => {
    const gw = find(measurements, 'gateway', 'W1', 0, 50, 'full', variant);
    const ref = find(measurements, 'reference', 'W1', 0, 50, 'full', variant);
    const ratio = gw && ref ? gw.opsPerSec / ref.opsPerSec : Number.NaN;
    targets.push({
      id,
      description: `W1 at 0 ms latency, 50 connections: throughput ≥ 0.5 × reference (${label})`,
      met: gw && ref ? ratio >= 0.5 : null,
      measured:
        gw && ref
          ? `gateway ${f1(gw.opsPerSec)} req/s at ${f1(gw.restCallsPerOp)} REST/op and ${f2(gw.cpuMsPerOp)} CPU ms/op, reference ${f1(ref.opsPerSec)} req/s at ${f1(ref.restCallsPerOp)} REST/op and ${f2(ref.cpuMsPerOp)} CPU ms/op (${f2(ratio)}×)`
          : 'not measured',
      margin: gw && ref ? `${ratio >= 0.5 ? '+' : ''}${f2(ratio - 0.5)}× vs 0.5×` : '',
    });
  };
  throughputTarget('T4', undefined, 'as in production');
  throughputTarget("T4'", OFF, OFF);

  const at200 = measurements.filter((m) => m.target === 'gateway' && m.connections === 200 && !m.variant);
  const peak = Math.max(...at200.map((m) => m.peakRssMb));
  const ref200 = measurements.filter((m) => m.target === 'reference' && m.connections === 200 && !m.variant);
  const refPeak = ref200.length
    ? `; the reference under the same load: ${f1(Math.max(...ref200.map((m) => m.peakRssMb)))} MB`
    : '';
  targets.push({
    id: 'T5',
    description: 'Peak RSS of the gateway under 200 connections < 150 MB',
    met: at200.length ? peak < 150 : null,
    measured: at200.length
      ? `${f1(peak)} MB (${at200.map((m) => `${m.workload} @${m.latencyMs} ms: ${f1(m.peakRssMb)} MB`).join(', ')}${refPeak})`
      : 'not measured',
    margin: at200.length ? (peak < 150 ? `${f1(150 - peak)} MB to spare` : `${f1(peak - 150)} MB over`) : '',
  });
  return targets;
}

function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const sep = align.map((a) => (a === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const LEGEND = [
  '  req/s: HTTP requests per second (W4: two per createContact + sendMessage pair); p50/p99: per request.',
  '  REST/op: sandbox-counted calls per operation under load (in-flight requests at the cut-off included);',
  '    below the checked count when concurrent requests share identical in-flight GETs (coalescing).',
  '  CPU ms/op: target (gateway or reference) process CPU from /proc/<pid>/stat; sandbox likewise.',
  '  cores: target/sandbox/load generator/every other process on the machine (a noisy neighbour shows here).',
  '  peak RSS: max VmRSS/VmHWM of the target during the timed runs (earlier cells of the same process carry over;',
  '    the 200-connection cells run on freshly started processes).',
];

const MEASUREMENT_HEADER = [
  'workload',
  'embed',
  'latency',
  'conns',
  'target',
  'req/s',
  'p50 ms',
  'p99 ms',
  'errors',
  'REST/op',
  'CPU ms/op',
  'sandbox CPU ms/op',
  'cores target/sandbox/load/other',
  'peak RSS MB',
  'vs reference',
];
const MEASUREMENT_ALIGN: ('l' | 'r')[] = [
  'l',
  'l',
  'r',
  'r',
  'l',
  'r',
  'r',
  'r',
  'r',
  'r',
  'r',
  'r',
  'r',
  'r',
  'l',
];

function measurementRows(measurements: Measurement[]): string[][] {
  return measurements.map((m) => {
    const ref =
      m.target === 'gateway'
        ? find(measurements, 'reference', m.workload, m.latencyMs, m.connections, m.embedContact, m.variant)
        : undefined;
    const versus = ref
      ? m.connections === 1
        ? `p50 ${m.p50Ms - ref.p50Ms >= 0 ? '+' : ''}${f2(m.p50Ms - ref.p50Ms)} ms`
        : `${f2(m.opsPerSec / ref.opsPerSec)}× req/s`
      : '';
    return [
      m.workload,
      m.variant ? `${m.embedContact}, gateway ${m.variant}` : m.embedContact,
      `${m.latencyMs} ms`,
      String(m.connections),
      m.target,
      m.workload === 'W4' ? `${f1(m.requestsPerSec)} (${f1(m.opsPerSec)} pairs)` : f1(m.requestsPerSec),
      f2(m.p50Ms),
      f2(m.p99Ms),
      String(m.errors),
      f1(m.restCallsPerOp),
      f2(m.cpuMsPerOp),
      f2(m.sandboxCpuMsPerOp),
      `${f2(m.cpuCores)}/${f2(m.sandboxCores)}/${f2(m.loadCores)}/${f2(m.otherCores)}`,
      f1(m.peakRssMb),
      versus,
    ];
  });
}

function checkRows(checks: CheckResult[]): string[][] {
  return checks.map((c) => [
    c.workload,
    c.embedContact,
    c.ok ? 'ok' : 'FAILED',
    String(c.restCalls),
    String(c.expectedRestCalls),
    c.problems.slice(0, 3).join('; '),
  ]);
}

function targetRows(targets: TargetResult[]): string[][] {
  return targets.map((t) => [
    t.id,
    t.description,
    t.met === null ? 'not measured' : t.met ? 'met' : 'NOT MET',
    t.measured,
    t.margin,
  ]);
}

/** How the gateway process was started: the npm script's node flags plus any experiment flags. */
export function gatewayStart(options: BenchResults['options']): string {
  const strings = (v: unknown) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  const flags = [...strings(options.gatewayScriptFlags), ...strings(options.gatewayNodeFlags)];
  const script = typeof options.gatewayScript === 'string' ? options.gatewayScript : 'start:prod';
  const extra = strings(options.gatewayNodeFlags).length > 0 ? ' plus experiment flags' : '';
  return `\`node ${[...flags, 'dist/main.js'].join(' ')}\` (npm run ${script}${extra})`;
}

export function renderText(results: BenchResults): string {
  const out: string[] = [`Gateway: ${gatewayStart(results.options)}`, ''];
  out.push('Correctness checks (one operation each, REST calls counted by the sandbox)');
  out.push(
    table(['workload', 'embed', 'result', 'REST calls', 'limit', 'problems'], checkRows(results.checks), [
      'l',
      'l',
      'l',
      'r',
      'r',
      'l',
    ]),
  );
  out.push('');
  out.push('Load');
  out.push(LEGEND.join('\n'));
  out.push(table(MEASUREMENT_HEADER, measurementRows(results.measurements), MEASUREMENT_ALIGN));
  out.push('');
  out.push('Targets');
  out.push(
    table(['id', 'target', 'result', 'measured', 'margin'], targetRows(results.targets), [
      'l',
      'l',
      'l',
      'l',
      'l',
    ]),
  );
  if (results.profile) {
    out.push('');
    out.push(profileText(results.profile));
  }
  return out.join('\n');
}

function profileText(p: NonNullable<BenchResults['profile']>): string {
  const rows = p.topFunctions.map((f) => [f2(f.selfMs), `${f1(f.percent)}%`, f.name, f.where]);
  const pkgs = p.byPackage.map((f) => [f2(f.selfMs), `${f1(f.percent)}%`, f.name]);
  return [
    `CPU profile of the gateway: ${p.workload} at ${p.latencyMs} ms, ${p.connections} connections, ${f1(p.opsPerSec)} req/s; busy ${f1(p.busyMs)} of ${f1(p.wallMs)} ms (${p.file})`,
    table(['self ms', 'busy', 'function', 'where'], rows.slice(0, 20), ['r', 'r', 'l', 'l']),
    '',
    table(['self ms', 'busy', 'package / file'], pkgs.slice(0, 15), ['r', 'r', 'l']),
  ].join('\n');
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const out: string[] = [
    `Machine: ${m.cpus} × ${m.cpuModel}, ${f1(m.memoryGb)} GB, ${m.os}; Node ${m.node}; ${m.date}; ${m.git}`,
    '',
    `Command: \`${m.command}\``,
    '',
    `Gateway: ${gatewayStart(results.options)}`,
    '',
    '### Targets',
    '',
    markdownTable(['', 'target', 'result', 'measured', 'margin'], targetRows(results.targets), [
      'l',
      'l',
      'l',
      'l',
      'l',
    ]),
    '',
    '### Correctness checks',
    '',
    markdownTable(
      ['workload', 'embed', 'result', 'REST calls', 'limit', 'problems'],
      checkRows(results.checks),
      ['l', 'l', 'l', 'r', 'r', 'l'],
    ),
    '',
    '### Load',
    '',
    // A deeper-indented legend line continues the previous item.
    LEGEND.map((l) => (l.startsWith('    ') ? `  ${l.trim()}` : `- ${l.trim()}`)).join('\n'),
    '',
    markdownTable(MEASUREMENT_HEADER, measurementRows(results.measurements), MEASUREMENT_ALIGN),
  ];
  if (results.profile) {
    const p = results.profile;
    out.push(
      '',
      '### CPU profile',
      '',
      `Gateway under ${p.workload} at ${p.latencyMs} ms, ${p.connections} connections (${f1(p.opsPerSec)} req/s while profiled); busy ${f1(p.busyMs)} ms of ${f1(p.wallMs)} ms.`,
      '',
      markdownTable(
        ['self ms', 'busy', 'function', 'where'],
        p.topFunctions.slice(0, 20).map((f) => [f2(f.selfMs), `${f1(f.percent)}%`, `\`${f.name}\``, f.where]),
        ['r', 'r', 'l', 'l'],
      ),
      '',
      markdownTable(
        ['self ms', 'busy', 'package / file'],
        p.byPackage.slice(0, 15).map((f) => [f2(f.selfMs), `${f1(f.percent)}%`, f.name]),
        ['r', 'r', 'l'],
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
