import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { AdmissionControl } from '../../src/server/admission.js';
import { createTelemetry } from '../../src/telemetry/index.js';
import { GatewayMetrics } from '../../src/telemetry/metrics.js';
import { FirstQueryDocument } from '../gql/graphql.js';
import { OTHER_KEY, type Stack, startStack } from '../helpers/stack.js';

/** One sample of a Prometheus text exposition. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { samples, types };
}

const sum = (samples: Sample[], name: string, where: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);

/** Anything that would identify a resource, a key or a person. */
const FORBIDDEN = /cnt_|conv_|msg_|usr_|org_|sk_test|\+\d{6,}|@|%2B|%40/;

let stack: Stack;
let admission: AdmissionControl;
const origin = () => stack.url.replace(/\/graphql$/, '');
const scrape = async () => {
  const res = await fetch(`${origin()}/metrics`);
  return { res, text: await res.text() };
};

beforeAll(async () => {
  admission = new AdmissionControl();
  const telemetry = await createTelemetry({
    logger: createLogger('silent'),
    metrics: true,
    admission,
    maxOperationNames: 6,
  });
  stack = await startStack({ sandbox: { seedContacts: 200 }, gateway: { telemetry, admission } });
});
afterAll(async () => {
  admission.close();
  await stack.close();
});

describe('GET /metrics after a mixed workload', () => {
  let samples: Sample[];
  let types: Map<string, string>;
  let restCalls: number;
  let contentType: string | null;

  beforeAll(async () => {
    stack.resetCalls();
    stack.sandbox.setFaults({
      rules: [{ kind: 'status', status: 503, method: 'GET', path: '/contacts', times: 1 }],
    });
    expect((await stack.gql(FirstQueryDocument, {})).body.errors).toBeUndefined();
    expect((await stack.gql(FirstQueryDocument, {})).body.errors).toBeUndefined();
    await stack.gql('query ByPhone { contact(phone: "+13125550106") { id email } }');
    await stack.gql('query ByEmail($e: EmailAddress) { contact(email: $e) { id } }', {
      e: 'nobody@example.com',
    });
    await stack.gql('query Retried { contacts(first: 3) { nodes { fullName } } }');
    await stack.gql('mutation Create($i: CreateContactInput!) { createContact(input: $i) { id } }', {
      i: { firstName: 'Metra', phone: '+14155550998', email: 'metra@example.com' },
    });
    await stack.gql('mutation Gone { deleteContact(id: "cnt_doesnotexist0") { deletedContactId } }');
    await stack.gql('{ conversation(id: "conv_doesnotexist") { id } }');
    await stack.gql('{ contacts(first: 1) { nodes { id } } }', undefined, { apiKey: OTHER_KEY });
    await stack.gql('query NoKey { contacts { totalCount } }', undefined, { apiKey: null });
    await stack.gql('query Broken { contact(id: "x") { nope } }');
    // More distinct names than the cap of 6 allows.
    for (const name of ['N1', 'N2', 'N3', 'N4', 'N5', 'N6']) await stack.gql(`query ${name} { __typename }`);
    restCalls = stack.calls().length;
    stack.sandbox.setFaults({});
    const scraped = await scrape();
    expect(scraped.res.status).toBe(200);
    contentType = scraped.res.headers.get('content-type');
    ({ samples, types } = parseExposition(scraped.text));
  });

  test('is the Prometheus text format', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  test('has the GraphQL, REST, admission and process families', () => {
    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith('huechat_')))).toEqual({
      huechat_graphql_requests_total: 'counter',
      huechat_graphql_request_duration_seconds: 'histogram',
      huechat_graphql_request_upstream_calls: 'histogram',
      huechat_upstream_requests_total: 'counter',
      huechat_upstream_request_duration_seconds: 'histogram',
      huechat_upstream_retries_total: 'counter',
      huechat_upstream_coalesced_total: 'counter',
      huechat_upstream_ratelimit_remaining: 'gauge',
      huechat_admission_queue_length: 'gauge',
      huechat_admission_executing: 'gauge',
      huechat_admission_limit: 'gauge',
      huechat_admission_wait_seconds: 'histogram',
    });
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ])
      expect(types.has(name), name).toBe(true);
  });

  test('counts GraphQL requests by operation, type and outcome', () => {
    expect(
      sum(samples, 'huechat_graphql_requests_total', {
        operation: 'FirstQuery',
        type: 'query',
        outcome: 'ok',
      }),
    ).toBe(2);
    expect(
      sum(samples, 'huechat_graphql_requests_total', {
        operation: 'Create',
        type: 'mutation',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(sum(samples, 'huechat_graphql_requests_total', { operation: 'Gone', outcome: 'NOT_FOUND' })).toBe(
      1,
    );
    expect(sum(samples, 'huechat_graphql_requests_total', { outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(
      sum(samples, 'huechat_graphql_requests_total', {
        operation: '[other]',
        outcome: 'GRAPHQL_VALIDATION_FAILED',
      }),
    ).toBe(1);
    expect(sum(samples, 'huechat_graphql_request_duration_seconds_count', { operation: 'FirstQuery' })).toBe(
      2,
    );
    expect(sum(samples, 'huechat_graphql_requests_total')).toBe(17);
  });

  test('folds anonymous operations and names past the cap into one value', () => {
    const operations = new Set(
      samples.filter((s) => s.name === 'huechat_graphql_requests_total').map((s) => s.labels.operation),
    );
    // The first six names seen keep their value; anonymous operations and every later name are [other].
    expect([...operations].sort()).toEqual(
      ['ByEmail', 'ByPhone', 'Create', 'FirstQuery', 'Gone', 'Retried', '[other]'].sort(),
    );
    expect(operations.size).toBeLessThanOrEqual(7);
    expect(operations.has('N6')).toBe(false);
    expect(sum(samples, 'huechat_graphql_requests_total', { operation: '[other]' })).toBeGreaterThanOrEqual(
      9,
    );
  });

  test('counts the REST calls of each operation', () => {
    expect(sum(samples, 'huechat_graphql_request_upstream_calls_sum', { operation: 'FirstQuery' })).toBe(24);
    expect(sum(samples, 'huechat_graphql_request_upstream_calls_count', { operation: 'FirstQuery' })).toBe(2);
    expect(sum(samples, 'huechat_graphql_request_upstream_calls_sum', { operation: 'Retried' })).toBe(2);
    expect(sum(samples, 'huechat_graphql_request_upstream_calls_sum')).toBe(restCalls);
  });

  test('counts every REST call the sandbox recorded, by method, route template and status', () => {
    expect(sum(samples, 'huechat_upstream_requests_total')).toBe(restCalls);
    expect(sum(samples, 'huechat_upstream_request_duration_seconds_count')).toBe(restCalls);
    expect(
      sum(samples, 'huechat_upstream_requests_total', {
        method: 'GET',
        route: '/conversation/{id}/messages',
        status_code: '200',
      }),
    ).toBe(20);
    expect(
      sum(samples, 'huechat_upstream_requests_total', {
        method: 'GET',
        route: '/contacts',
        status_code: '503',
      }),
    ).toBe(1);
    expect(
      sum(samples, 'huechat_upstream_requests_total', {
        method: 'POST',
        route: '/contact',
        status_code: '201',
      }),
    ).toBe(1);
    expect(sum(samples, 'huechat_upstream_retries_total', { method: 'GET', route: '/contacts' })).toBe(1);
  });

  test('keeps the rate-limit remaining per short key hash, one series per key', () => {
    const series = samples.filter((s) => s.name === 'huechat_upstream_ratelimit_remaining');
    expect(series).toHaveLength(2);
    for (const s of series) expect(s.labels.key_hash).toMatch(/^[0-9a-f]{12}$/);
  });

  test('holds no id, key, phone or email in any label value', () => {
    expect(samples.length).toBeGreaterThan(100);
    for (const s of samples)
      for (const [key, value] of Object.entries(s.labels)) expect(`${key}=${value}`).not.toMatch(FORBIDDEN);
    const routes = new Set(samples.flatMap((s) => (s.labels.route ? [s.labels.route] : [])));
    for (const route of routes) expect(route).toMatch(/^(\/[a-z_]+|\/\{id\})+$/);
  });

  test('is not itself counted as a GraphQL request', async () => {
    const before = sum(parseExposition((await scrape()).text).samples, 'huechat_graphql_requests_total');
    const after = sum(parseExposition((await scrape()).text).samples, 'huechat_graphql_requests_total');
    expect(after).toBe(before);
  });
});

describe('a family added later', () => {
  test('is one declaration, and shows in the scrape with its labels', async () => {
    const metrics = new GatewayMetrics();
    const deliveries = metrics.counter('huechat_test_deliveries_total', 'Deliveries by outcome.', [
      'outcome',
    ]);
    let open = 3;
    metrics.gauge('huechat_test_open', 'Open things.', [], () => open);
    deliveries.inc({ outcome: 'accepted' });
    deliveries.inc({ outcome: 'accepted' });
    deliveries.inc({ outcome: 'rejected' });
    open = 5;
    const { samples, types } = parseExposition(await metrics.scrape());
    expect(types.get('huechat_test_deliveries_total')).toBe('counter');
    expect(sum(samples, 'huechat_test_deliveries_total', { outcome: 'accepted' })).toBe(2);
    expect(sum(samples, 'huechat_test_deliveries_total', { outcome: 'rejected' })).toBe(1);
    expect(sum(samples, 'huechat_test_open')).toBe(5);
  });
});

describe('METRICS=false', () => {
  test('serves no /metrics', async () => {
    const off = await startStack({
      gateway: { telemetry: await createTelemetry({ logger: createLogger('silent'), metrics: false }) },
    });
    try {
      const res = await fetch(off.url.replace(/\/graphql$/, '/metrics'));
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('huechat_');
    } finally {
      await off.close();
    }
  });
});
