import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '../helpers/otlp-receiver.js';

// The real process, as `npm start` runs it, configured by the standard OTEL_* variables.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

async function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', HUECHAT_API_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const ready = lines.map((l) => /GraphiQL at (http:\/\/[^/]+)\/graphql/.exec(l)).find(Boolean);
    if (ready) return { child, lines, exited, origin: ready[1].replace('localhost', '127.0.0.1') };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway did not start:\n${lines.join('\n')}`);
}

const query = (origin: string, body: string) =>
  fetch(`${origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('the gateway process with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  test('exports its spans to the collector, the last ones at shutdown, and serves /metrics', async () => {
    receiver.clear();
    const gw = await start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.tracesUrl.replace(/\/v1\/traces$/, ''),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'gateway-process',
      // Nothing is exported on a timer during the test: what arrives was flushed by the shutdown.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    const ready = JSON.parse(gw.lines.find((l) => l.includes('huechat-gateway ready')) ?? '{}');
    expect(ready).toMatchObject({
      metrics: '/metrics',
      tracing: expect.stringMatching(/^http\/json to http:\/\/127\.0\.0\.1:/),
    });

    const res = await query(
      gw.origin,
      JSON.stringify({ query: 'query Proc { contacts(first: 2) { nodes { fullName } } }' }),
    );
    expect(res.status).toBe(200);
    const metrics = await fetch(`${gw.origin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(
      /huechat_graphql_requests_total\{operation="Proc",type="query",outcome="ok"\} 1/,
    );
    expect(receiver.spans()).toHaveLength(0);

    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    const spans = receiver.spans();
    expect(spans.map((s) => [s.kind, s.name]).sort()).toEqual([
      [SPAN_KIND.server, 'query Proc'],
      [SPAN_KIND.client, 'GET /contacts'],
    ]);
    expect(spans[0]?.resource['service.name']).toBe('gateway-process');
  }, 30_000);

  test('METRICS=false serves no /metrics, and without an endpoint nothing is exported', async () => {
    receiver.clear();
    const gw = await start({ METRICS: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    const ready = JSON.parse(gw.lines.find((l) => l.includes('huechat-gateway ready')) ?? '{}');
    expect(ready).toMatchObject({ metrics: 'off', tracing: 'off' });
    expect((await query(gw.origin, JSON.stringify({ query: '{ __typename }' }))).status).toBe(200);
    expect((await fetch(`${gw.origin}/metrics`)).status).toBe(404);
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    expect(receiver.exports()).toHaveLength(0);
  }, 30_000);
});
