import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createTelemetry, type Telemetry } from '../../src/telemetry/index.js';
import { FirstQueryDocument } from '../gql/graphql.js';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  type RecordingProxy,
  SPAN_KIND,
  startOtlpReceiver,
  startRecordingProxy,
} from '../helpers/otlp-receiver.js';
import { type Stack, startStack } from '../helpers/stack.js';

const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const CLIENT_TRACEPARENT = `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`;

/** Anything that would identify a resource, a key or a person. */
const FORBIDDEN = /cnt_|conv_|msg_|usr_|org_|sk_test|\+\d{6,}|@|%2B|%40/;

let receiver: OtlpReceiver;
let proxy: RecordingProxy;
let telemetry: Telemetry;
let stack: Stack;

/** Flushes the exporter until the spans of `traceId` hold `count` spans (the server span ends with its response). */
async function spansOf(traceId: string, count: number): Promise<ReceivedSpan[]> {
  for (let i = 0; i < 200; i++) {
    await telemetry.tracer?.flush();
    const spans = receiver.spans().filter((s) => s.traceId === traceId);
    if (spans.length >= count) return spans;
    await new Promise((r) => setTimeout(r, 10));
  }
  return receiver.spans().filter((s) => s.traceId === traceId);
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  proxy = await startRecordingProxy();
  telemetry = await createTelemetry({
    logger: createLogger('silent'),
    metrics: false,
    tracing: { url: receiver.tracesUrl, protocol: 'http/json', serviceName: 'gateway-under-test' },
  });
  // The gateway's REST calls go through a recording proxy, so the test sees the traceparent they carry.
  stack = await startStack({
    sandbox: { seedContacts: 200 },
    client: { baseUrl: `${proxy.origin}/v2` },
    gateway: { telemetry },
  });
  proxy.target = new URL(stack.sandbox.url).origin;
});
afterAll(async () => {
  await stack.close();
  await telemetry.shutdown();
  await proxy.close();
  await receiver.close();
});
afterEach(() => {
  stack.sandbox.setFaults({});
  stack.resetCalls();
  proxy.clear();
  receiver.clear();
});

describe('tracing the README inbox query', () => {
  test('gives one server span continuing the client trace and one client span per REST call, each carried upstream', async () => {
    stack.resetCalls();
    const res = await stack.gql(FirstQueryDocument, {}, { headers: { traceparent: CLIENT_TRACEPARENT } });
    expect(res.body.errors).toBeUndefined();
    const calls = stack.calls();
    expect(calls).toHaveLength(12);

    const spans = await spansOf(CLIENT_TRACE_ID, 1 + calls.length);
    const servers = spans.filter((s) => s.kind === SPAN_KIND.server);
    const clients = spans.filter((s) => s.kind === SPAN_KIND.client);
    expect(servers).toHaveLength(1);
    expect(clients).toHaveLength(calls.length);
    expect(spans).toHaveLength(1 + calls.length);

    const [operation] = servers;
    expect(operation.parentSpanId).toBe(CLIENT_SPAN_ID);
    expect(operation.name).toBe('query FirstQuery');
    expect(operation.resource['service.name']).toBe('gateway-under-test');
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'FirstQuery',
      'huechat.graphql.outcome': 'ok',
      'http.request.method': 'POST',
      'http.route': '/graphql',
      'http.response.status_code': 200,
    });
    expect(typeof operation.attributes['huechat.admission.wait_ms']).toBe('number');
    expect(operation.statusCode).not.toBe(2);

    const templates = clients.map((s) => s.attributes['url.template']).sort();
    // The same routes the sandbox recorded, as templates.
    const recorded = calls
      .map((c) => c.path.replace(/^\/v2/, '').replace(/\/(cnt|conv)_[^/]+/g, '/{id}'))
      .sort();
    expect(templates).toEqual(recorded);
    expect(templates).toEqual([
      '/contact/{id}',
      '/contact/{id}/conversations',
      ...Array(10).fill('/conversation/{id}/messages'),
    ]);
    for (const span of clients) {
      expect(span.parentSpanId).toBe(operation.spanId);
      expect(span.name).toBe(`GET ${span.attributes['url.template']}`);
      expect(span.attributes).toMatchObject({
        'http.request.method': 'GET',
        'http.response.status_code': 200,
        'server.address': '127.0.0.1',
        'huechat.upstream.coalesced': false,
        'huechat.upstream.cache_hit': false,
      });
      expect(span.attributes).not.toHaveProperty('http.request.resend_count');
    }

    // Each REST call carried its own span's context upstream.
    const sent = proxy.requests().map((r) => r.traceparent);
    expect(sent).toHaveLength(calls.length);
    expect(sent.sort()).toEqual(clients.map((s) => `00-${CLIENT_TRACE_ID}-${s.spanId}-01`).sort());
  });

  test('starts a new trace when the client sends none', async () => {
    await stack.gql('query One { contact(id: "cnt_qa7b2wi35g3k") { fullName } }');
    const traceparent = proxy.requests()[0]?.traceparent;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const traceId = traceparent?.split('-')[1] ?? '';
    expect(traceId).not.toBe(CLIENT_TRACE_ID);
    const spans = await spansOf(traceId, 2);
    const server = spans.find((s) => s.kind === SPAN_KIND.server);
    expect(server?.parentSpanId).toBeUndefined();
    expect(server?.name).toBe('query One');
  });

  test('puts no id, key, phone or email in any span name or attribute', async () => {
    await stack.gql(FirstQueryDocument, {}, { headers: { traceparent: CLIENT_TRACEPARENT } });
    await stack.gql('query ByPhone { contact(phone: "+13125550106") { id email } }');
    await stack.gql('query ByEmail($e: EmailAddress) { contact(email: $e) { id } }', {
      e: 'someone@example.com',
    });
    await stack.gql('mutation Create($i: CreateContactInput!) { createContact(input: $i) { id } }', {
      i: { firstName: 'Tracy', phone: '+14155550999', email: 'tracy@example.com' },
    });
    await stack.gql('{ conversation(id: "conv_doesnotexist") { id } }');
    await spansOf(CLIENT_TRACE_ID, 13);
    await telemetry.tracer?.flush();

    const spans = receiver.spans();
    expect(spans.length).toBeGreaterThan(13);
    for (const span of spans) {
      expect(span.name).not.toMatch(FORBIDDEN);
      for (const value of Object.values(span.attributes)) expect(String(value)).not.toMatch(FORBIDDEN);
      for (const event of span.events)
        for (const value of Object.values(event.attributes)) expect(String(value)).not.toMatch(FORBIDDEN);
    }
    expect(spans.map((s) => s.name)).toContain('mutation Create');
    expect(spans.map((s) => s.name)).toContain('POST /contact');
  });

  test('gives a retried read one span per attempt, the resend counted and the retry an event of the operation', async () => {
    stack.sandbox.setFaults({
      rules: [{ kind: 'status', status: 503, method: 'GET', path: '/contact/*', times: 1 }],
    });
    const res = await stack.gql('query Retried { contact(id: "cnt_qa7b2wi35g3k") { fullName } }', undefined, {
      headers: { traceparent: CLIENT_TRACEPARENT },
    });
    expect(res.body.errors).toBeUndefined();
    expect(stack.calls().map((c) => c.status)).toEqual([503, 200]);

    const spans = await spansOf(CLIENT_TRACE_ID, 3);
    const clients = spans.filter((s) => s.kind === SPAN_KIND.client);
    expect(clients).toHaveLength(2);
    const [failed, retried] = [...clients].sort(
      (a, b) =>
        Number(a.attributes['http.request.resend_count'] ?? 0) -
        Number(b.attributes['http.request.resend_count'] ?? 0),
    );
    expect(failed.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
    expect(failed.statusCode).toBe(2);
    expect(retried.attributes).toMatchObject({
      'http.response.status_code': 200,
      'http.request.resend_count': 1,
    });
    const operation = spans.find((s) => s.kind === SPAN_KIND.server);
    expect(operation?.events.map((e) => e.name)).toEqual(['huechat.upstream.retry']);
    expect(operation?.events[0]?.attributes).toMatchObject({
      'url.template': '/contact/{id}',
      'http.request.resend_count': 1,
    });
  });

  test('marks the operation span with the error code its result carries', async () => {
    const res = await stack.gql(
      'mutation Gone { updateContact(id: "cnt_doesnotexist0", input: { firstName: "X" }) { id } }',
      undefined,
      { headers: { traceparent: CLIENT_TRACEPARENT } },
    );
    expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const spans = await spansOf(CLIENT_TRACE_ID, 2);
    const operation = spans.find((s) => s.kind === SPAN_KIND.server);
    expect(operation?.attributes).toMatchObject({
      'huechat.graphql.outcome': 'NOT_FOUND',
      'error.type': 'NOT_FOUND',
    });
    expect(operation?.statusCode).toBe(2);
    expect(spans.find((s) => s.kind === SPAN_KIND.client)?.attributes).toMatchObject({
      'http.request.method': 'PUT',
      'url.template': '/contact/{id}',
      'http.response.status_code': 404,
    });
  });
});

describe('tracing with coalesced reads', () => {
  test('gives a request that joined a read in flight an internal span marked coalesced, and no REST call', async () => {
    const joinReceiver = await startOtlpReceiver();
    const joinTelemetry = await createTelemetry({
      logger: createLogger('silent'),
      metrics: false,
      tracing: { url: joinReceiver.tracesUrl, protocol: 'http/json', serviceName: 'coalescing' },
    });
    const coalescing = await startStack({
      sandbox: { latencyMs: 50 },
      client: { coalesceReads: true },
      gateway: { telemetry: joinTelemetry },
    });
    try {
      const query = '{ contacts(first: 5) { nodes { fullName } } }';
      const [a, b] = await Promise.all([coalescing.gql(query), coalescing.gql(query)]);
      expect(a.body.errors).toBeUndefined();
      expect(b.body.errors).toBeUndefined();
      expect(coalescing.calls()).toHaveLength(1);

      let spans: ReceivedSpan[] = [];
      for (let i = 0; i < 200 && spans.length < 4; i++) {
        await joinTelemetry.tracer?.flush();
        spans = joinReceiver.spans();
        if (spans.length < 4) await new Promise((r) => setTimeout(r, 10));
      }
      const rest = spans.filter((s) => s.kind !== SPAN_KIND.server);
      expect(rest.map((s) => [s.kind, s.attributes['huechat.upstream.coalesced']]).sort()).toEqual(
        [
          [SPAN_KIND.internal, true],
          [SPAN_KIND.client, false],
        ].sort(),
      );
      expect(new Set(spans.filter((s) => s.kind === SPAN_KIND.server).map((s) => s.traceId)).size).toBe(2);
    } finally {
      await coalescing.close();
      await joinTelemetry.shutdown();
      await joinReceiver.close();
    }
  });
});

describe('tracing over http/protobuf', () => {
  test('exports protobuf to /v1/traces, with the span names and attribute keys in the message', async () => {
    const protoReceiver = await startOtlpReceiver();
    const protoTelemetry = await createTelemetry({
      logger: createLogger('silent'),
      metrics: false,
      tracing: { url: protoReceiver.tracesUrl, protocol: 'http/protobuf', serviceName: 'proto' },
    });
    const protoStack = await startStack({ gateway: { telemetry: protoTelemetry } });
    try {
      const res = await protoStack.gql('query Proto { contacts(first: 1) { nodes { fullName } } }');
      expect(res.body.errors).toBeUndefined();
      let received = '';
      for (let i = 0; i < 200 && !received.includes('query Proto'); i++) {
        await protoTelemetry.tracer?.flush();
        received = Buffer.concat(protoReceiver.exports().map((e) => e.body)).toString('latin1');
        if (!received.includes('query Proto')) await new Promise((r) => setTimeout(r, 10));
      }
      const exports = protoReceiver.exports();
      expect(exports.length).toBeGreaterThan(0);
      for (const e of exports) {
        expect(e.path).toBe('/v1/traces');
        expect(e.contentType).toBe('application/x-protobuf');
      }
      // Protobuf carries strings as raw UTF-8: the names and keys are there, JSON punctuation is not.
      expect(received).toContain('query Proto');
      expect(received).toContain('GET /contacts');
      expect(received).toContain('url.template');
      expect(received).toContain('huechat.upstream.coalesced');
      expect(received).not.toContain('"resourceSpans"');
    } finally {
      await protoStack.close();
      await protoTelemetry.shutdown();
      await protoReceiver.close();
    }
  });
});

describe('an unreachable collector', () => {
  test('is reported in the log, and the requests are answered as usual', async () => {
    const lines: Record<string, unknown>[] = [];
    const unreachable = await createTelemetry({
      logger: createLogger('warn', (line) => lines.push(JSON.parse(line))),
      metrics: false,
      // A port nothing listens on: the receiver is closed at once.
      tracing: { url: await closedTracesUrl(), protocol: 'http/json', serviceName: 'nowhere' },
    });
    const lonely = await startStack({ gateway: { telemetry: unreachable } });
    try {
      const res = await lonely.gql('query Lonely { contacts(first: 1) { nodes { fullName } } }');
      expect(res.body.errors).toBeUndefined();
      for (let i = 0; i < 200 && !lines.some((l) => l.msg === 'opentelemetry'); i++) {
        await unreachable.tracer?.flush().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(lines.find((l) => l.msg === 'opentelemetry')).toMatchObject({ level: 'warn' });
    } finally {
      await lonely.close();
      await unreachable.shutdown().catch(() => undefined);
    }
  });
});

async function closedTracesUrl(): Promise<string> {
  const closed = await startOtlpReceiver();
  await closed.close();
  return closed.tracesUrl;
}
