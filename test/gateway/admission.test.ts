import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionControl } from '../../src/server/admission.js';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Every request of a test holds its slot for the sandbox's latency, long enough for all of them to arrive. */
const HOLD_MS = 600;
const CONTACTS = '{ contacts(first: 1) { nodes { id } } }';

describe('admission control', () => {
  // The loop's utilization is set by each test; the limit is revised only when a test calls revise().
  let utilization = 0;
  let admission: AdmissionControl;
  let stack: Stack;
  beforeAll(async () => {
    admission = new AdmissionControl({
      minConcurrency: 1,
      maxConcurrency: 8,
      intervalMs: 3_600_000,
      utilization: () => utilization,
    });
    stack = await startStack({ gateway: { admission } });
    // A first query compiles the gateway's code paths, so the tests' requests arrive close together.
    expect((await stack.gql(CONTACTS)).body.errors).toBeUndefined();
  });
  afterEach(async () => {
    stack.sandbox.setLatency(0, 0);
    await expect.poll(() => admission.executing + admission.queued).toBe(0);
  });
  afterAll(async () => {
    admission.close();
    await stack.close();
  });

  /** Waits until `n` requests have reached the gateway, executing or waiting. */
  const arrived = (n: number) =>
    expect
      .poll(() => admission.executing + admission.queued, { timeout: (HOLD_MS * 2) / 3, interval: 5 })
      .toBe(n);

  /** Saturates the loop once: the limit falls to what is executing (times 0.8), at least the minimum. */
  const saturate = () => {
    utilization = 1;
    admission.revise();
    utilization = 0;
  };

  it('lets every request start at once while the loop has idle time', async () => {
    stack.sandbox.setLatency(HOLD_MS, 0);
    stack.resetCalls();
    const answers = Promise.all([1, 2, 3, 4].map(() => stack.gql(CONTACTS)));
    await arrived(4);
    expect({ executing: admission.executing, queued: admission.queued }).toEqual({ executing: 4, queued: 0 });
    for (const res of await answers) expect(res.body.errors).toBeUndefined();
    const calls = stack.calls();
    expect(calls).toHaveLength(4);
    // All four REST calls were in flight together.
    expect(Math.max(...calls.map((c) => c.startedAt))).toBeLessThan(
      Math.min(...calls.map((c) => c.finishedAt)),
    );
  });

  it('on a saturated loop, runs requests up to the limit and answers the others in arrival order', async () => {
    saturate();
    expect(admission.limit).toBe(1);
    stack.sandbox.setLatency(HOLD_MS, 0);
    stack.resetCalls();
    const finished: number[] = [];
    const answers = Promise.all(
      [0, 1, 2].map(async (i) => {
        const res = await stack.gql(CONTACTS);
        finished.push(i);
        return res;
      }),
    );
    await arrived(3);
    expect({ executing: admission.executing, queued: admission.queued }).toEqual({ executing: 1, queued: 2 });
    for (const res of await answers) {
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
    }
    expect(finished).toEqual([0, 1, 2]);
    const calls = stack.calls();
    expect(calls).toHaveLength(3);
    // One at a time: each REST call started after the previous one had been answered.
    for (let i = 1; i < calls.length; i++)
      expect(calls[i].startedAt).toBeGreaterThanOrEqual(calls[i - 1].finishedAt);
  });

  it('grows the limit again once the loop has idle time and requests are waiting', async () => {
    saturate();
    stack.sandbox.setLatency(HOLD_MS, 0);
    const answers = Promise.all([1, 2, 3, 4].map(() => stack.gql(CONTACTS)));
    await arrived(4);
    expect({ executing: admission.executing, queued: admission.queued }).toEqual({ executing: 1, queued: 3 });
    admission.revise(); // idle loop, three waiting: 1 → 2
    expect({ limit: admission.limit, executing: admission.executing, queued: admission.queued }).toEqual({
      limit: 2,
      executing: 2,
      queued: 2,
    });
    admission.revise(); // 2 → 3
    admission.revise(); // 3 → 4
    expect({ executing: admission.executing, queued: admission.queued }).toEqual({ executing: 4, queued: 0 });
    for (const res of await answers) expect(res.body.errors).toBeUndefined();
    admission.revise(); // nobody waits: the limit stays where it is
    expect(admission.limit).toBe(4);
  });

  it('drops a waiting request whose client has gone, without a REST call for it', async () => {
    saturate();
    stack.sandbox.setLatency(HOLD_MS, 0);
    stack.resetCalls();
    const first = stack.gql(CONTACTS);
    await arrived(1);
    const req = httpRequest(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': SANDBOX_KEY },
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ query: '{ conversations(first: 1) { nodes { id } } }' }));
    await arrived(2);
    expect(admission.queued).toBe(1);
    req.destroy();
    expect((await first).body.errors).toBeUndefined();
    // The slot freed by the first query is where the dropped one would have made its REST call.
    await pause(100);
    expect(stack.calls().map((c) => c.path)).toEqual(['/v2/contacts']);
  });

  it('answers health and readiness probes at once, never behind waiting requests', async () => {
    saturate();
    stack.sandbox.setLatency(HOLD_MS, 0);
    const order: string[] = [];
    const done =
      (name: string) =>
      <T>(value: T): T => {
        order.push(name);
        return value;
      };
    const slow = [stack.gql(CONTACTS).then(done('query 1')), stack.gql(CONTACTS).then(done('query 2'))];
    await arrived(2);
    expect(admission.queued).toBe(1);
    const origin = new URL(stack.url).origin;
    const [health, ready] = await Promise.all([
      fetch(`${origin}/healthz`).then(done('health')),
      fetch(`${origin}/readyz`).then(done('ready')),
    ]);
    expect([health.status, ready.status]).toEqual([200, 200]);
    await Promise.all(slow);
    // Health answers before the executing query; readiness pings HueChat (one latency) and still
    // answers before the waiting query, which needs two.
    expect(order.indexOf('health')).toBeLessThan(order.indexOf('query 1'));
    expect(order.indexOf('ready')).toBeLessThan(order.indexOf('query 2'));
  });
});
