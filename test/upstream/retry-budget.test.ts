import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { contacts } from '../../src/upstream/contacts.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import { RetryBudget } from '../../src/upstream/retry.js';
import { timed } from '../helpers/time.js';
import {
  caller,
  closeClients,
  closeStubs,
  contactJson,
  createClient,
  sendJson,
  startStub,
  upstreamFailure,
} from '../helpers/upstream.js';

const me = caller();

function unavailable(res: ServerResponse): void {
  sendJson(res, 503, { error: 'service_unavailable', message: 'Down', request_id: 'req_stub' });
}

afterAll(async () => {
  await closeClients();
  await closeStubs();
});

describe('RetryBudget', () => {
  /** A budget on a clock the test moves by hand. */
  function budget(ratio: number, minPerSecond = 10, maxTokens = 100) {
    const clock = { now: 1_000 };
    return { budget: new RetryBudget(ratio, minPerSecond, maxTokens, () => clock.now), clock };
  }
  function spendAll(b: RetryBudget): number {
    let n = 0;
    while (b.trySpend()) n++;
    return n;
  }

  it('starts with one second of the floor and refills it with time, never past it', () => {
    const { budget: b, clock } = budget(0.2);

    expect(spendAll(b)).toBe(10);
    clock.now += 100;
    expect(spendAll(b)).toBe(1);
    clock.now += 350;
    expect(spendAll(b)).toBe(3);
    clock.now += 60_000;
    // A long quiet spell banks one second of floor, not a minute's.
    expect(spendAll(b)).toBe(10);
  });

  it('adds ratio tokens per first attempt, on top of the floor', () => {
    const { budget: b } = budget(0.2);
    for (let i = 0; i < 50; i++) b.deposit();

    expect(spendAll(b)).toBe(20);
  });

  it('banks deposits up to maxTokens only', () => {
    const { budget: b } = budget(0.5, 10, 100);
    for (let i = 0; i < 10_000; i++) b.deposit();

    expect(spendAll(b)).toBe(100);
  });

  it('allows only the floor with a ratio of 0', () => {
    const { budget: b, clock } = budget(0);
    for (let i = 0; i < 1_000; i++) b.deposit();

    expect(spendAll(b)).toBe(10);
    clock.now += 1_000;
    expect(spendAll(b)).toBe(10);
  });
});

describe('the retry budget over HTTP', () => {
  it('keeps an upstream that fails everything from getting (1 + retries)× the reads', async () => {
    let flakyCalls = 0;
    const upstream = await startStub((res, hit) => {
      // /contact/flaky fails its first call only; everything else is down.
      if (hit.url === '/v2/contact/flaky' && flakyCalls++ > 0) sendJson(res, 200, contactJson('flaky'));
      else unavailable(res);
    });
    const client = createClient(upstream.url, { retries: 2, coalesceReads: false });
    const n = 200;

    const { ms, result } = await timed(() =>
      Promise.allSettled(Array.from({ length: n }, (_, i) => contacts.get(client, me, `cnt_${i}`))),
    );

    for (const r of result) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(UpstreamError);
      expect((r as PromiseRejectedResult).reason).toMatchObject({ kind: 'http', status: 503 });
    }
    // First attempts, plus 0.2 per first attempt, plus the floor: 10 at the start and 10 a second.
    const floor = 10 + Math.ceil((10 * ms) / 1000) + 1;
    expect(upstream.hits.length).toBeLessThanOrEqual(n + 0.2 * n + floor);
    expect(upstream.hits.length).toBeGreaterThanOrEqual(n + 0.2 * n - 1);
    expect(upstream.hits.length).toBeLessThan(1.5 * n);

    // The floor refills with time: a read after a pause still gets its retry.
    await sleep(300);
    const before = upstream.hits.length;
    const contact = await contacts.get(client, me, 'flaky');

    expect(contact.id).toBe('flaky');
    expect(upstream.hits.slice(before).map((h) => h.url)).toEqual(['/v2/contact/flaky', '/v2/contact/flaky']);
  });

  it('still retries a single read that fails once', async () => {
    const upstream = await startStub((res, _hit, index) =>
      index === 0 ? unavailable(res) : sendJson(res, 200, contactJson('cnt_1')),
    );

    const contact = await contacts.get(createClient(upstream.url, { retries: 2 }), me, 'cnt_1');

    expect(contact.id).toBe('cnt_1');
    expect(upstream.hits).toHaveLength(2);
  });
});

describe('the total wait of one read', () => {
  it('does not make a retry whose wait would take the read past retryMaxTotalWaitMs', async () => {
    const upstream = await startStub((res) =>
      sendJson(res, 429, { error: 'rate_limited', message: 'Slow down' }, { 'retry-after': '1' }),
    );
    const client = createClient(upstream.url, {
      retries: 3,
      retryMaxWaitMs: 1_500,
      retryMaxTotalWaitMs: 1_500,
    });

    const { ms, result: err } = await timed(() => upstreamFailure(contacts.get(client, me, 'cnt_1')));

    // One wait of 1 s fits in 1.5 s; a second would not, so the second 429 is returned.
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfter: 1 });
    expect(upstream.hits).toHaveLength(2);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(1_900);
  });
});
