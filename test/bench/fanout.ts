/**
 * The fan-out benchmark: `npm run build && tsx test/bench/fanout.ts [--duration s] [--rate n] [--quick]`.
 *
 * Starts the REST sandbox and the compiled gateway (with `npm run start:prod`'s node flags) each in its
 * own process, opens N GraphQL-over-SSE subscriptions to the gateway from this process, then POSTs
 * signed webhooks at a fixed rate and measures, per run: deliveries per second, the time from sending
 * a webhook to each subscriber's frame (p50/p99), the gateway's CPU per event, and its peak RSS. Runs
 * with and without Redis (a real redis-server). Writes bench-results/fanout.json and fanout.md.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import {
  API_KEY,
  cpuMs,
  killAllNow,
  PRODUCTION_SCRIPT,
  ROOT,
  RssWatch,
  requireBuild,
  rssMb,
  type ServerProcess,
  startGatewayProcess,
  startSandboxProcess,
  stopAll,
} from './processes.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_FANOUT_DURATION ?? '10' },
    warmup: { type: 'string', default: '2' },
    rate: { type: 'string', default: '100' },
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    redis: { type: 'string', default: 'both' },
  },
});
const QUICK = values.quick === true;
const DURATION_S = QUICK ? 2 : Number(values.duration);
const WARMUP_S = QUICK ? 0.5 : Number(values.warmup);
const RATE = Number(values.rate);
const CONVERSATIONS = 100;

interface Scenario {
  name: string;
  subscribers: number;
  /** Each subscriber watches one conversation (messageAdded(conversationId:)); false: every event. */
  filtered: boolean;
}
const SCENARIOS: Scenario[] = [
  { name: '1,000 SSE, 10 per conversation', subscribers: 1_000, filtered: true },
  { name: '100 SSE, 1 per conversation', subscribers: 100, filtered: true },
  { name: '100 SSE, unfiltered', subscribers: 100, filtered: false },
];

interface Conversation {
  id: string;
  contact_id: string;
  channel: string;
}

interface RunResult {
  scenario: string;
  redis: boolean;
  subscribers: number;
  events: number;
  deliveries: number;
  expectedDeliveries: number;
  eventsPerS: number;
  deliveriesPerS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuMsPerEvent: number;
  cpuUsPerDelivery: number;
  peakRssMb: number;
  rssAfterMb: number;
  /** The machine's 1-minute load average at the end of the run: other processes compete for the cores. */
  loadAverage: number;
  /**
   * p99 event-loop delay of this harness (which sends the webhooks and reads every frame): when it is
   * large, the latencies above include the harness's own waiting, not only the gateway's.
   */
  harnessLoopDelayP99Ms: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** One SSE subscription over plain node:http: records when each event's frame arrives. */
function subscribe(
  origin: string,
  agent: Agent,
  query: string,
  variables: Record<string, unknown>,
  onFrame: (seq: number) => void,
): Promise<() => void> {
  const url = new URL('/graphql', origin);
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          accept: 'text/event-stream',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-api-key': API_KEY,
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`subscription answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            const at = frame.indexOf('"content":"');
            if (at === -1) continue;
            onFrame(Number.parseInt(frame.slice(at + 11), 10));
          }
        });
        res.on('error', () => undefined);
        resolve(() => req.destroy());
      },
    );
    req.on('error', (err) => reject(err));
    req.end(body);
  });
}

const sign = (secret: string, body: string) => {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
};

async function run(
  gateway: ServerProcess,
  secret: string,
  conversations: Conversation[],
  scenario: Scenario,
  redis: boolean,
): Promise<RunResult> {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let deliveries = 0;
  let measuring = false;
  const onFrame = (seq: number) => {
    const at = sentAt.get(seq);
    if (at === undefined || !measuring) return;
    deliveries++;
    latencies.push(performance.now() - at);
  };
  const closers: Array<() => void> = [];
  for (let i = 0; i < scenario.subscribers; i++) {
    const conversation = conversations[i % conversations.length];
    const query = scenario.filtered
      ? 'subscription ($id: ID) { messageAdded(conversationId: $id) { id content } }'
      : 'subscription { messageAdded { id content } }';
    closers.push(await subscribe(gateway.origin, agent, query, { id: conversation.id }, onFrame));
  }
  const perEvent = scenario.filtered ? scenario.subscribers / conversations.length : scenario.subscribers;

  const webhooks = new Pool(gateway.origin, { connections: 8 });
  let seq = 0;
  let failures = 0;
  const post = (n: number) => {
    const conversation = conversations[n % conversations.length];
    const now = new Date().toISOString();
    const body = JSON.stringify({
      id: `evt_bench${n}_${randomBytes(4).toString('hex')}`,
      type: 'message.received',
      timestamp: now,
      retry_count: 0,
      organization_id: 'org_demo',
      data: {
        id: `msg_bench${n}`,
        conversation_id: conversation.id,
        contact_id: conversation.contact_id,
        channel: conversation.channel,
        message_type: 'text',
        content: String(n),
        status: 'delivered',
        sent_by: 'contact',
        sender: null,
        sent_at: now,
        delivered_at: now,
        read_at: null,
        error: null,
      },
    });
    sentAt.set(n, performance.now());
    return webhooks
      .request({
        method: 'POST',
        path: '/webhooks/huechat',
        headers: { 'content-type': 'application/json', 'x-huechat-signature': sign(secret, body) },
        body,
      })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode !== 204) failures++;
      });
  };
  /** Sends events at RATE per second for `seconds`, on a fixed schedule (not "as fast as it answers"). */
  const send = async (seconds: number) => {
    const count = Math.round(seconds * RATE);
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      inFlight.push(post(seq++));
    }
    await Promise.all(inFlight);
    return count;
  };

  await send(WARMUP_S);
  await sleep(500);
  measuring = true;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpuBefore = cpuMs(gateway.pid);
  const rss = new RssWatch(gateway.pid);
  const t0 = performance.now();
  const events = await send(DURATION_S);
  const sendEnd = performance.now();
  // Stragglers: wait until every expected frame came, or a second passed.
  const expected = events * perEvent;
  const deadline = performance.now() + 1_000;
  while (deliveries < expected && performance.now() < deadline) await sleep(10);
  const cpu = cpuMs(gateway.pid) - cpuBefore;
  const peakRssMb = rss.stop();
  loopDelay.disable();
  measuring = false;
  const wall = (sendEnd - t0) / 1000;
  for (const close of closers) close();
  await webhooks.close();
  agent.destroy();
  if (failures > 0) throw new Error(`${failures} webhook deliveries were not answered 204`);
  latencies.sort((a, b) => a - b);
  const result: RunResult = {
    scenario: scenario.name,
    redis,
    subscribers: scenario.subscribers,
    events,
    deliveries,
    expectedDeliveries: expected,
    eventsPerS: events / wall,
    deliveriesPerS: deliveries / wall,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    cpuMsPerEvent: cpu / events,
    cpuUsPerDelivery: deliveries > 0 ? (cpu * 1000) / deliveries : Number.NaN,
    peakRssMb,
    rssAfterMb: 0,
    loadAverage: os.loadavg()[0],
    harnessLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
  };
  // Subscribers gone: what the gateway keeps once they left.
  await sleep(1_000);
  result.rssAfterMb = rssMb(gateway.pid);
  return result;
}

function render(results: RunResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.scenario} | ${r.redis ? 'yes' : 'no'} | ${r.eventsPerS.toFixed(0)} | ${r.deliveriesPerS.toFixed(0)} | ${r.deliveries}/${r.expectedDeliveries} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.maxMs.toFixed(1)} | ${r.cpuMsPerEvent.toFixed(2)} | ${r.cpuUsPerDelivery.toFixed(0)} | ${r.peakRssMb.toFixed(0)} | ${r.loadAverage.toFixed(1)} | ${r.harnessLoopDelayP99Ms.toFixed(0)} |`,
  );
  return [
    '| run | Redis | events/s | deliveries/s | delivered | p50 ms | p99 ms | max ms | CPU ms/event | CPU µs/delivery | peak RSS MB | load avg | harness loop p99 ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

async function main() {
  requireBuild();
  const secret = `whsec_${randomBytes(16).toString('hex')}`;
  const sandbox = await startSandboxProcess({ embedContact: 'full', seedContacts: 600 });
  const page = await fetch(`${sandbox.url}/conversations?limit=${CONVERSATIONS}`, {
    headers: { 'x-api-key': API_KEY },
  }).then((r) => r.json() as Promise<{ data: Conversation[] }>);
  const conversations = page.data;
  if (conversations.length < CONVERSATIONS)
    throw new Error(`only ${conversations.length} conversations seeded`);
  const modes = values.redis === 'only' ? [true] : values.redis === 'no' ? [false] : [false, true];
  let redis: RedisServer | undefined;
  const results: RunResult[] = [];
  try {
    for (const withRedis of modes) {
      if (withRedis) redis ??= await startRedis();
      for (const scenario of SCENARIOS) {
        // A fresh gateway per run: each one's RSS and CPU are its own.
        const gateway = await startGatewayProcess({
          upstreamUrl: sandbox.url,
          script: PRODUCTION_SCRIPT,
          env: {
            HUECHAT_WEBHOOK_SECRETS: secret,
            // One key holds every subscriber here; the default allows 100 per key.
            SUBSCRIPTIONS_PER_KEY: String(scenario.subscribers),
            ...(withRedis && redis ? { REDIS_URL: redis.url } : {}),
          },
        });
        try {
          const result = await run(gateway, secret, conversations, scenario, withRedis);
          results.push(result);
          process.stdout.write(`${render([result]).split('\n')[2]}\n`);
        } finally {
          await gateway.stop();
        }
      }
    }
  } finally {
    await redis?.stop();
    await stopAll();
  }
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  const markdown = [
    `Fan-out at ${RATE} events/s for ${DURATION_S} s per run (${machine}); latency from sending the webhook to the subscriber's frame.`,
    '',
    render(results),
    '',
  ].join('\n');
  process.stdout.write(`\n${markdown}`);
  const dir = join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'fanout.json'),
    `${JSON.stringify({ rate: RATE, durationS: DURATION_S, machine, results }, null, 2)}\n`,
  );
  writeFileSync(join(dir, 'fanout.md'), markdown);
}

main().catch((err) => {
  killAllNow();
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
