import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionControl } from '../../src/admission.js';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
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
  });
  afterEach(async () => {
    stack.sandbox.setLatency(0, 0);
    await expect.poll(() => admission.executing + admission.queued).toBe(0);
  });
  afterAll(async () => {
    admission.close();
    await stack.close();
  });

  /** Saturates the loop once: the limit falls to what is executing (times 0.8), at least the minimum. */
  const saturate = () => {
    utilization = 1;
    admission.revise();
    utilization = 0;
  };

  it('lets every request start at once while the loop has idle time', async () => {
    stack.sandbox.setLatency(150, 0);
    stack.resetCalls();
    const answers = Promise.all([1, 2, 3, 4].map(() => stack.gql(CONTACTS)));
    await pause(60);
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
    stack.sandbox.setLatency(100, 0);
    stack.resetCalls();
    const finished: number[] = [];
    const answers = Promise.all(
      [0, 1, 2].map(async (i) => {
        const res = await stack.gql(CONTACTS);
        finished.push(i);
        return res;
      }),
    );
    await pause(50);
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
    stack.sandbox.setLatency(200, 0);
    const answers = Promise.all([1, 2, 3, 4].map(() => stack.gql(CONTACTS)));
    await pause(50);
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
    stack.sandbox.setLatency(150, 0);
    stack.resetCalls();
    const first = stack.gql(CONTACTS);
    await pause(20);
    const req = httpRequest(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': SANDBOX_KEY },
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ query: '{ conversations(first: 1) { nodes { id } } }' }));
    await pause(40);
    expect(admission.queued).toBe(1);
    req.destroy();
    expect((await first).body.errors).toBeUndefined();
    await pause(50);
    expect(stack.calls().map((c) => c.path)).toEqual(['/v2/contacts']);
  });

  it('answers health and readiness probes at once, never behind waiting requests', async () => {
    saturate();
    stack.sandbox.setLatency(300, 0);
    const slow = [stack.gql(CONTACTS), stack.gql(CONTACTS)];
    await pause(50);
    expect(admission.queued).toBe(1);
    const origin = new URL(stack.url).origin;
    const started = performance.now();
    const [health, ready] = await Promise.all([fetch(`${origin}/healthz`), fetch(`${origin}/readyz`)]);
    expect([health.status, ready.status]).toEqual([200, 200]);
    // Readiness pings HueChat (300 ms here); neither probe waited for the two queries (600 ms).
    expect(performance.now() - started).toBeLessThan(550);
    await Promise.all(slow);
  });
});
