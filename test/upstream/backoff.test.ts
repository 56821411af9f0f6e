import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { UpstreamCallTrace } from '../../src/upstream/client.js';
import { contacts } from '../../src/upstream/contacts.js';
import {
  closeClients,
  closeStubs,
  createClient,
  sendJson,
  startStub,
  tracingCaller,
  upstreamFailure,
} from '../helpers/upstream.js';

// The client's waits, as asked of node:timers/promises, so the bounds are checked exactly rather than
// through timers that a busy machine fires late. The waits still happen: the real timer runs.
const asked = vi.hoisted(() => ({ waits: [] as number[] }));
vi.mock('node:timers/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:timers/promises')>();
  return {
    ...actual,
    setTimeout: ((ms: number, ...rest: unknown[]) => {
      asked.waits.push(ms);
      return (actual.setTimeout as (...args: unknown[]) => Promise<unknown>)(ms, ...rest);
    }) as typeof actual.setTimeout,
  };
});

afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  await closeClients();
  await closeStubs();
});

/** Milliseconds between the end of each attempt and the start of the next, as the traces show them. */
function observedWaits(traces: UpstreamCallTrace[]): number[] {
  return traces.slice(1).map((t, i) => t.startedAt - (traces[i].startedAt + traces[i].durationMs));
}

// 50 ms doubling per attempt, capped by retryMaxWaitMs: 50, 100, then 120 instead of 200.
const caps = [50, 100, 120];

async function alwaysDown() {
  const upstream = await startStub((res) =>
    sendJson(res, 503, { error: 'service_unavailable', message: 'Down', request_id: 'req_stub' }),
  );
  // A generous budget and total wait, so only the backoff decides.
  const client = createClient(upstream.url, {
    retries: 3,
    retryMaxWaitMs: 120,
    retryMaxTotalWaitMs: 1_000,
    retryBudgetRatio: 10,
  });
  return { upstream, client };
}

/** One read against the always-503 stub: the waits it asked for and the waits the traces show. */
async function oneRead(client: Awaited<ReturnType<typeof alwaysDown>>['client']) {
  const { caller, traces } = tracingCaller();
  asked.waits.length = 0;
  await upstreamFailure(contacts.get(client, caller, 'cnt_1'));
  expect(traces.map((t) => t.attempt)).toEqual([0, 1, 2, 3]);
  return { asked: [...asked.waits], observed: observedWaits(traces) };
}

describe('jittered backoff between the attempts of a read', () => {
  it('waits a random time under the cap before each retry, different from run to run', async () => {
    const { upstream, client } = await alwaysDown();
    const runs = [];
    for (let run = 0; run < 5; run++) runs.push(await oneRead(client));

    expect(upstream.hits).toHaveLength(5 * 4);
    for (const run of runs) {
      expect(run.asked).toHaveLength(caps.length);
      run.asked.forEach((wait, attempt) => {
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(caps[attempt]);
        // The wait really happened between the two HTTP attempts (a timer never fires early).
        expect(run.observed[attempt]).toBeGreaterThanOrEqual(wait - 2);
      });
    }
    for (let attempt = 0; attempt < caps.length; attempt++) {
      expect(new Set(runs.map((run) => run.asked[attempt])).size).toBeGreaterThan(1);
    }
  });

  it('waits the capped backoff at most, however large the random draw', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.9999);
    const { client } = await alwaysDown();

    const { asked: waits, observed } = await oneRead(client);

    expect(waits).toEqual(caps);
    observed.forEach((wait, attempt) => {
      expect(wait).toBeGreaterThanOrEqual(caps[attempt] - 2);
    });
  });
});
