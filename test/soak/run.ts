/**
 * `npm run soak`: many clients for tens of seconds against the compiled gateway (started as
 * `npm run start:prod` starts it) over two tenants, in three phases: healthy reads, reads under upstream
 * faults (5xx, hangs, resets, malformed JSON), then writes under the same faults. It reports
 * requests/s, p50/p99, errors by code, the gateway's RSS at start, middle and end, duplicated and lost
 * writes, and records of one tenant seen by the other; then a burst of 2,000 distinct hostile documents
 * and the RSS after it and over 20 s idle. Loopback only; every loop is bounded in time
 * and count. Not part of `npm test`.
 *
 *   npm run soak -- [--seconds 30] [--clients 32]
 */
import { parseArgs } from 'node:util';
import { startSandbox } from '../../src/sandbox/index.js';
import { percentile } from '../bench/load.js';
import { requireBuild, rssMb, startGatewayProcess, stopAll } from '../bench/processes.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '30' }, clients: { type: 'string', default: '32' } },
});
const SECONDS = Math.max(3, Number(values.seconds));
const CLIENTS = Math.max(1, Number(values.clients));
/** A ceiling on requests per phase, whatever the speed. */
const MAX_REQUESTS_PER_PHASE = 500_000;
const TENANTS = [
  { key: 'sk_test_sandbox', name: 'org_demo' },
  { key: 'sk_test_other', name: 'org_other' },
] as const;
type Tenant = (typeof TENANTS)[number];

const FAULTS = { errorRate: 0.05, hangRate: 0.01, resetRate: 0.03, malformedRate: 0.03, hangMs: 3_000 };

interface Answer {
  status: number;
  body?: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
  failure?: string;
}

interface PhaseStats {
  name: string;
  requests: number;
  seconds: number;
  latencies: number[];
  errors: Map<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  requireBuild();
  const sandbox = await startSandbox({ port: 0, seedContacts: 60, seed: 11 });
  const gateway = await startGatewayProcess({
    upstreamUrl: sandbox.url,
    env: { UPSTREAM_TIMEOUT_MS: '1000', UPSTREAM_RETRY_MAX_WAIT_MS: '200' },
  });
  const url = `${gateway.origin}/graphql`;

  const ask = async (tenant: Tenant, query: string, variables?: unknown): Promise<Answer> => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': tenant.key },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text) };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      return { status: 0, failure: cause?.code ?? (error as Error).name };
    }
  };

  // What each tenant owns, from HueChat itself: the oracle for foreign records.
  const owned = new Map<Tenant, Set<string>>();
  const listAll = async (tenant: Tenant) => {
    const ids = new Set<string>();
    for (let offset = 0; offset < 10_000; offset += 100) {
      const res = await fetch(`${sandbox.url}/contacts?limit=100&offset=${offset}`, {
        headers: { 'x-api-key': tenant.key },
      });
      const page = (await res.json()) as { data: { id: string }[] };
      for (const c of page.data) ids.add(c.id);
      if (page.data.length < 100) break;
    }
    return ids;
  };
  for (const tenant of TENANTS) owned.set(tenant, await listAll(tenant));
  const sample = new Map<Tenant, string[]>();
  for (const tenant of TENANTS) sample.set(tenant, [...(owned.get(tenant) ?? [])].slice(0, 20));

  const seen = new Map<Tenant, Set<string>>(TENANTS.map((t) => [t, new Set<string>()]));
  const collectIds = (tenant: Tenant, value: unknown) => {
    const stack = [value];
    while (stack.length > 0) {
      const item = stack.pop();
      if (Array.isArray(item)) stack.push(...item);
      else if (item && typeof item === 'object') {
        for (const [k, v] of Object.entries(item)) {
          if (k === 'id' && typeof v === 'string' && v.startsWith('cnt_')) seen.get(tenant)?.add(v);
          else stack.push(v);
        }
      }
    }
  };

  const reads: ((tenant: Tenant, i: number) => [string, Record<string, unknown>])[] = [
    (t, i) => [
      `query ($id: ID!) { contact(id: $id) { id fullName conversations(first: 5) { totalCount nodes { id subject
        contact { id fullName } messages(first: 5) { nodes { id content status } } } } } }`,
      { id: sample.get(t)?.[i % 20] },
    ],
    () => ['{ contacts(first: 20) { totalCount nodes { id fullName email } } }', {}],
    (t, i) => [
      'query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Contact { fullName } } }',
      { ids: sample.get(t)?.slice(i % 10, (i % 10) + 6) },
    ],
    () => [
      '{ conversations(first: 10, filter: { status: OPEN }) { nodes { id contact { id phone } } } }',
      {},
    ],
  ];

  // Writes: unique content per write, so duplicates and losses can be counted on HueChat's side.
  const writeLog: {
    tenant: Tenant;
    kind: 'contact' | 'message';
    marker: string;
    ok: boolean;
    id?: string;
  }[] = [];
  const smsContact = new Map<Tenant, string>();
  let writeSeq = 0;

  const run = async (name: string, seconds: number, op: (tenant: Tenant, i: number) => Promise<Answer>) => {
    const stats: PhaseStats = { name, requests: 0, seconds, latencies: [], errors: new Map() };
    const started = performance.now();
    const end = started + seconds * 1_000;
    const count = (code: string) => stats.errors.set(code, (stats.errors.get(code) ?? 0) + 1);
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (
          let i = client;
          performance.now() < end && stats.requests < MAX_REQUESTS_PER_PHASE;
          i += CLIENTS
        ) {
          const tenant = TENANTS[i % TENANTS.length];
          const t0 = performance.now();
          const answer = await op(tenant, i);
          stats.latencies.push(performance.now() - t0);
          stats.requests++;
          if (answer.failure) count(`transport ${answer.failure}`);
          else if (answer.status >= 500) count(`HTTP ${answer.status}`);
          for (const e of answer.body?.errors ?? []) count(e.extensions?.code ?? 'no code');
          if (answer.body?.data) collectIds(tenant, answer.body.data);
        }
      }),
    );
    stats.seconds = (performance.now() - started) / 1_000;
    return stats;
  };

  const read = (tenant: Tenant, i: number) => {
    const [query, variables] = reads[i % reads.length](tenant, i);
    return ask(tenant, query, variables);
  };
  const write = async (tenant: Tenant, i: number): Promise<Answer> => {
    const n = ++writeSeq;
    if (i % 2 === 0) {
      const marker = `soak-${n}@example.com`;
      const answer = await ask(
        tenant,
        'mutation ($input: CreateContactInput!) { createContact(input: $input) { id email } }',
        { input: { firstName: 'Soak', lastName: String(n), email: marker } },
      );
      const id = (answer.body?.data?.createContact as { id?: string } | null)?.id;
      writeLog.push({ tenant, kind: 'contact', marker, ok: Boolean(id), id });
      return answer;
    }
    const marker = `soak message ${n}`;
    const answer = await ask(
      tenant,
      'mutation ($c: ID!, $text: String!) { sendMessage(contactId: $c, input: { channel: SMS, content: $text }) { id content } }',
      { c: smsContact.get(tenant), text: marker },
    );
    writeLog.push({ tenant, kind: 'message', marker, ok: Boolean(answer.body?.data?.sendMessage) });
    return answer;
  };

  // Warm up, then measure.
  for (let i = 0; i < 40; i++) await read(TENANTS[i % 2], i);
  for (const tenant of TENANTS) {
    const res = await fetch(`${sandbox.url}/contacts?limit=100`, { headers: { 'x-api-key': tenant.key } });
    const page = (await res.json()) as { data: { id: string; phone: string | null }[] };
    smsContact.set(tenant, page.data.find((c) => c.phone)?.id ?? '');
  }
  const rss = { start: rssMb(gateway.pid), middle: 0, end: 0, afterHostile: 0, idle: 0 };
  const third = SECONDS / 3;

  const phases: PhaseStats[] = [];
  phases.push(await run('healthy reads', third, read));
  sandbox.setFaults(FAULTS);
  phases.push(await run('reads under faults', third, read));
  rss.middle = rssMb(gateway.pid);
  phases.push(await run('writes under faults', third, write));
  rss.end = rssMb(gateway.pid);
  sandbox.setFaults({});

  // A burst of hostile requests, every document distinct (nothing a cache could share): a megabyte
  // of comment around a query, 4,900 tokens of aliases, fragment bombs, deep JSON variables.
  const hostile = [
    (n: number) => ({ query: `#${'x'.repeat(1_000_000)}\n{ n${n}: __typename }` }),
    (n: number) => ({
      query: `{ ${Array.from({ length: 1_600 }, (_, i) => `a${n}_${i}: __typename`).join(' ')} }`,
    }),
    (n: number) => {
      let query = `query B${n} { ...F0 }\n`;
      for (let i = 0; i < 30; i++) query += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
      return { query: `${query}fragment F30 on Query { x${n}: __typename }` };
    },
    // Written out: JSON.stringify itself would overflow the stack on 5,000 levels.
    (n: number) =>
      `{"query":"query ($v: JSON) { n${n}: __typename }","variables":{"v":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}}`,
  ];
  const HOSTILE_REQUESTS = 2_000;
  const hostileCodes = new Map<string, number>();
  let hostileNext = 0;
  const hostileStarted = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (hostileNext < HOSTILE_REQUESTS) {
        const n = hostileNext++;
        const made = hostile[n % hostile.length](n);
        const body = typeof made === 'string' ? made : JSON.stringify(made);
        let code: string;
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': TENANTS[n % 2].key },
            body,
            signal: AbortSignal.timeout(15_000),
          });
          const answer = (await res.json()) as Answer['body'];
          code = `${res.status} ${answer?.errors?.[0]?.extensions?.code ?? 'ok'}`;
        } catch (error) {
          code = `transport ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name}`;
        }
        hostileCodes.set(code, (hostileCodes.get(code) ?? 0) + 1);
      }
    }),
  );
  const hostileSeconds = (performance.now() - hostileStarted) / 1_000;
  rss.afterHostile = rssMb(gateway.pid);
  // V8 gives memory back after a few seconds without allocation (its memory reducer): sample while idle.
  const idleSamples: number[] = [];
  for (let i = 0; i < 4; i++) {
    await sleep(5_000);
    idleSamples.push(rssMb(gateway.pid));
  }
  rss.idle = idleSamples[idleSamples.length - 1];

  // Writes, checked against HueChat's own state with faults off.
  let duplicates = 0;
  let lost = 0;
  let appliedUnanswered = 0;
  const postsByTenant = new Map<string, number>();
  for (const r of sandbox.requests)
    if (r.method === 'POST' && r.status !== 0 && r.apiKey)
      postsByTenant.set(r.apiKey, (postsByTenant.get(r.apiKey) ?? 0) + 1);
  for (const tenant of TENANTS) {
    const mine = writeLog.filter((w) => w.tenant === tenant);
    for (const w of mine.filter((x) => x.kind === 'contact')) {
      const res = await fetch(`${sandbox.url}/contact/${encodeURIComponent(w.marker)}`, {
        headers: { 'x-api-key': tenant.key },
      });
      await res.arrayBuffer();
      if (w.ok && res.status !== 200) lost++;
      if (!w.ok && res.status === 200) appliedUnanswered++;
    }
    // Every message of the SMS contact's conversations, by content.
    const contents = new Map<string, number>();
    const convs = await fetch(`${sandbox.url}/contact/${smsContact.get(tenant)}/conversations?limit=100`, {
      headers: { 'x-api-key': tenant.key },
    }).then((r) => r.json() as Promise<{ data: { id: string }[] }>);
    for (const conv of convs.data) {
      for (let offset = 0; offset < 100_000; offset += 100) {
        const page = await fetch(
          `${sandbox.url}/conversation/${conv.id}/messages?limit=100&offset=${offset}`,
          {
            headers: { 'x-api-key': tenant.key },
          },
        ).then((r) => r.json() as Promise<{ data: { content?: string | null }[] }>);
        for (const m of page.data)
          if (m.content?.startsWith('soak message '))
            contents.set(m.content, (contents.get(m.content) ?? 0) + 1);
        if (page.data.length < 100) break;
      }
    }
    for (const w of mine.filter((x) => x.kind === 'message')) {
      const times = contents.get(w.marker) ?? 0;
      if (times > 1) duplicates += times - 1;
      if (w.ok && times === 0) lost++;
      if (!w.ok && times === 1) appliedUnanswered++;
    }
  }
  const writesSent = writeLog.length;
  const postsSeen = [...postsByTenant.values()].reduce((a, b) => a + b, 0);

  // Foreign records: an id one tenant saw that belongs to the other.
  let foreign = 0;
  const [a, b] = TENANTS;
  const ownedNow = new Map<Tenant, Set<string>>();
  for (const tenant of TENANTS) ownedNow.set(tenant, await listAll(tenant));
  for (const [me, other] of [
    [a, b],
    [b, a],
  ] as const)
    for (const id of seen.get(me) ?? []) if (ownedNow.get(other)?.has(id)) foreign++;

  const lines: string[] = [];
  lines.push(`soak: ${CLIENTS} clients, ${SECONDS} s, two tenants, faults ${JSON.stringify(FAULTS)}`);
  lines.push('| phase | requests | req/s | p50 ms | p99 ms | errors by code |');
  lines.push('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const p of phases) {
    const sorted = Float64Array.from(p.latencies).sort();
    const errors = [...p.errors.entries()]
      .sort((x, y) => y[1] - x[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    lines.push(
      `| ${p.name} | ${p.requests} | ${(p.requests / p.seconds).toFixed(0)} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ${errors || 'none'} |`,
    );
  }
  lines.push(
    `hostile burst: ${HOSTILE_REQUESTS} distinct documents in ${hostileSeconds.toFixed(1)} s: ${[...hostileCodes.entries()].map(([c, n]) => `${c} ${n}`).join(', ')}`,
  );
  lines.push(
    `gateway RSS: start ${rss.start.toFixed(0)} MB, middle ${rss.middle.toFixed(0)} MB, end of writes ${rss.end.toFixed(0)} MB, after the hostile burst ${rss.afterHostile.toFixed(0)} MB, idle after it ${idleSamples.map((m, i) => `${(i + 1) * 5} s ${m.toFixed(0)} MB`).join(', ')}`,
  );
  lines.push(
    `writes: ${writesSent} sent, ${postsSeen} POSTs reached HueChat; duplicates ${duplicates}, lost ${lost}, applied but answered with an error ${appliedUnanswered}`,
  );
  lines.push(`foreign records: ${foreign} (ids seen: ${[...seen.values()].reduce((n, s) => n + s.size, 0)})`);
  console.log(lines.join('\n'));

  await gateway.stop();
  await sandbox.close();
  if (duplicates > 0 || lost > 0 || foreign > 0 || postsSeen > writesSent) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
