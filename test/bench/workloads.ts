import { isDeepStrictEqual } from 'node:util';
import type { Request } from 'autocannon';
import { API_KEY, type EmbedContact } from './processes.js';

export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4';
export const WORKLOAD_IDS: readonly WorkloadId[] = ['W1', 'W2', 'W3', 'W4'];

export const W1_QUERY = `query Inbox($id: ID!) {
  contact(id: $id) {
    id fullName
    conversations(first: 10) {
      totalCount
      nodes {
        id subject lastMessageAt
        contact { fullName }
        messages(first: 20) { totalCount nodes { id content status sentAt } }
      }
    }
  }
}`;
export const W2_QUERY = `query OpenConversations {
  conversations(first: 50, filter: { status: OPEN }) { nodes { id subject contact { fullName email } } }
}`;
export const W3_QUERY = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Contact { id fullName email } }
}`;
const W4_CREATE = `mutation Create($input: CreateContactInput!) { createContact(input: $input) { id fullName } }`;
const W4_SEND = `mutation Send($contactId: ID!, $input: SendMessageInput!) {
  sendMessage(contactId: $contactId, input: $input) { id status sentAt conversation { id } }
}`;

const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json',
  'x-api-key': API_KEY,
};

/** Data the workloads are built from, found in the seeded sandbox before anything is timed. */
export interface Fixtures {
  /** Contacts with 10+ conversations (W1 rotates over them). */
  inboxContacts: string[];
  /** 50 distinct contacts (W3's representations). */
  entityContacts: string[];
}

export interface Workload {
  id: WorkloadId;
  title: string;
  path: '/graphql' | '/subgraph';
  /** Whether the hand-written reference answers it (only W1). */
  hasReference: boolean;
  /** Operations per HTTP request: W4 counts createContact + sendMessage pairs, two requests each. */
  opsPerRequest: number;
  /** The request sequence each load connection cycles through. */
  requests(): Request[];
  /** A cheap check of every response under load (the full check runs before timing). */
  verifyBody(body: string | Buffer | undefined): boolean;
}

const graphqlRequest = (path: string, query: string, variables?: Record<string, unknown>): Request => ({
  method: 'POST',
  path,
  headers: HEADERS,
  body: JSON.stringify(variables ? { query, variables } : { query }),
});

/** autocannon hands over the body as a string; anything else cannot be an answer. */
const isAnswer = (body: string | Buffer | undefined, ...prefixes: string[]) =>
  typeof body === 'string' && prefixes.some((p) => body.startsWith(p)) && !body.includes('"errors"');
const looksLike = (prefix: string) => (body: string | Buffer | undefined) => isAnswer(body, prefix);

/** Unique per harness run, so W4's contacts never collide with seeded ones or each other. */
const runTag = Date.now().toString(36);
let writeCounter = 0;
const nextEmail = () => `bench-${runTag}-${++writeCounter}@bench.example.com`;

interface WriteContext {
  contactId?: string;
}

export function workloads(fixtures: Fixtures): Record<WorkloadId, Workload> {
  const representations = fixtures.entityContacts.map((id) => ({ __typename: 'Contact', id }));
  return {
    W1: {
      id: 'W1',
      title: 'inbox: contact > 10 conversations > 20 messages',
      path: '/graphql',
      hasReference: true,
      opsPerRequest: 1,
      requests: () => fixtures.inboxContacts.map((id) => graphqlRequest('/graphql', W1_QUERY, { id })),
      verifyBody: looksLike('{"data":{"contact":{"id":'),
    },
    W2: {
      id: 'W2',
      title: 'list: 50 open conversations with contact name + email',
      path: '/graphql',
      hasReference: false,
      opsPerRequest: 1,
      requests: () => [graphqlRequest('/graphql', W2_QUERY)],
      verifyBody: looksLike('{"data":{"conversations":{"nodes":[{'),
    },
    W3: {
      id: 'W3',
      title: 'federation: _entities with 50 Contact representations',
      path: '/subgraph',
      hasReference: false,
      opsPerRequest: 1,
      requests: () => [graphqlRequest('/subgraph', W3_QUERY, { representations })],
      verifyBody: looksLike('{"data":{"_entities":[{"id":'),
    },
    W4: {
      id: 'W4',
      title: 'writes: createContact + sendMessage pairs',
      path: '/graphql',
      hasReference: false,
      opsPerRequest: 0.5,
      requests: () => [
        {
          ...graphqlRequest('/graphql', W4_CREATE),
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({
              query: W4_CREATE,
              variables: { input: { firstName: 'Bench', lastName: 'Writer', email: nextEmail() } },
            }),
          }),
          onResponse: (_status, body, context) => {
            const write = context as WriteContext;
            write.contactId = createdContactId(body);
          },
        },
        {
          ...graphqlRequest('/graphql', W4_SEND),
          setupRequest: (request, context) => ({
            ...request,
            body: JSON.stringify({
              query: W4_SEND,
              variables: {
                // A failed create sends to an id that cannot exist: the error is counted, not hidden.
                contactId: (context as WriteContext).contactId ?? 'cnt_000000000000',
                input: { channel: 'EMAIL', content: 'Benchmark message' },
              },
            }),
          }),
        },
      ],
      verifyBody: (body) =>
        isAnswer(body, '{"data":{"createContact":{"id":', '{"data":{"sendMessage":{"id":'),
    },
  };
}

function createdContactId(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { data?: { createContact?: { id?: unknown } | null } | null };
    const id = parsed.data?.createContact?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// The sandbox, spoken to directly: discovery, the request log, and expected answers.

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

const callSignature = (c: RecordedCall) => {
  const qs = new URLSearchParams(c.query).toString();
  return `${c.method} ${c.path}${qs ? `?${qs}` : ''}`;
};

export class SandboxClient {
  constructor(
    /** Base URL including /v2. */
    readonly url: string,
    readonly origin: string,
  ) {}

  async rest<T>(pathAndQuery: string): Promise<T> {
    const res = await fetch(`${this.url}${pathAndQuery}`, {
      headers: { 'x-api-key': API_KEY, accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${pathAndQuery} answered ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  private async control(method: 'GET' | 'PUT' | 'DELETE', route: string, body?: unknown): Promise<string> {
    const res = await fetch(`${this.origin}/_sandbox${route}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${method} /_sandbox${route} answered ${res.status}: ${text}`);
    return text;
  }

  async setLatency(latencyMs: number): Promise<void> {
    await this.control('PUT', '/latency', { latency_ms: latencyMs, jitter_ms: 0 });
  }

  async clearCalls(): Promise<void> {
    await this.control('DELETE', '/requests');
  }

  async calls(): Promise<RecordedCall[]> {
    return (JSON.parse(await this.control('GET', '/requests')) as { data: RecordedCall[] }).data;
  }
}

interface RestPage<T> {
  data: T[];
  pagination: { total: number; has_more: boolean };
}
interface RestContact {
  id: string;
  first_name: string;
  last_name?: string | null;
  full_name?: string | null;
  email?: string | null;
}
interface RestConversation {
  id: string;
  contact_id: string;
  subject?: string | null;
  contact?: (Partial<RestContact> & { id: string }) | null;
}

const restFullName = (c: RestContact) => c.full_name ?? [c.first_name, c.last_name].filter(Boolean).join(' ');

export async function discoverFixtures(sandbox: SandboxClient): Promise<Fixtures> {
  const contacts: RestContact[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await sandbox.rest<RestPage<RestContact>>(`/contacts?limit=100&offset=${offset}`);
    contacts.push(...page.data);
    if (!page.pagination.has_more) break;
  }
  const inboxContacts: string[] = [];
  for (const contact of contacts) {
    const page = await sandbox.rest<RestPage<RestConversation>>(
      `/contact/${encodeURIComponent(contact.id)}/conversations?limit=1`,
    );
    if (page.pagination.total >= 10) inboxContacts.push(contact.id);
  }
  if (inboxContacts.length === 0) throw new Error('the sandbox has no contact with 10+ conversations');
  if (contacts.length < 50) throw new Error(`W3 needs 50 contacts; the sandbox has ${contacts.length}`);
  await sandbox.clearCalls();
  return { inboxContacts, entityContacts: contacts.slice(0, 50).map((c) => c.id) };
}

// ---------------------------------------------------------------------------------------------------
// Correctness checks: one request each, its REST calls counted by the sandbox.

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string }[];
}

async function post(url: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLBody> {
  const res = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify(variables ? { query, variables } : { query }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  try {
    return JSON.parse(text) as GraphQLBody;
  } catch {
    return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}` }] };
  }
}

export interface CheckResult {
  workload: WorkloadId;
  embedContact: EmbedContact;
  ok: boolean;
  /** REST calls the sandbox counted for one operation (W1: the most over the checked contacts). */
  restCalls: number;
  /** What the REST calls of one operation should at most be, per the targets. */
  expectedRestCalls: number;
  /** W1 only: the reference's REST calls, same method+path+query multiset as the gateway's. */
  sameCallsAsReference?: boolean;
  /** W2 only: distinct contacts of the 50 conversations. */
  distinctContacts?: number;
  problems: string[];
}

async function callsOf(sandbox: SandboxClient, run: () => Promise<GraphQLBody>) {
  await sandbox.clearCalls();
  const body = await run();
  const calls = await sandbox.calls();
  return { body, calls };
}

const describeErrors = (body: GraphQLBody) =>
  body.errors?.length ? `errors: ${body.errors.map((e) => e.message).join('; ')}` : undefined;

export async function checkW1(
  sandbox: SandboxClient,
  gatewayOrigin: string,
  referenceOrigin: string,
  fixtures: Fixtures,
  embedContact: EmbedContact,
): Promise<CheckResult> {
  const problems: string[] = [];
  let restCalls = 0;
  let sameCalls = true;
  for (const id of fixtures.inboxContacts) {
    const gw = await callsOf(sandbox, () => post(`${gatewayOrigin}/graphql`, W1_QUERY, { id }));
    const ref = await callsOf(sandbox, () => post(`${referenceOrigin}/graphql`, W1_QUERY, { id }));
    restCalls = Math.max(restCalls, gw.calls.length);
    const gwErr = describeErrors(gw.body);
    if (gwErr) problems.push(`${id}: gateway ${gwErr}`);
    const refErr = describeErrors(ref.body);
    if (refErr) problems.push(`${id}: reference ${refErr}`);
    if (gw.calls.length !== 12) problems.push(`${id}: gateway made ${gw.calls.length} REST calls, not 12`);
    const gwSigs = gw.calls.map(callSignature).sort();
    const refSigs = ref.calls.map(callSignature).sort();
    if (!isDeepStrictEqual(gwSigs, refSigs)) {
      sameCalls = false;
      problems.push(
        `${id}: REST calls differ: gateway ${gwSigs.join(', ')} / reference ${refSigs.join(', ')}`,
      );
    }
    if (!gwErr && !isDeepStrictEqual(gw.body.data, ref.body.data))
      problems.push(`${id}: gateway answer differs from the reference's`);
    const nodes = (gw.body.data?.contact as { conversations?: { nodes?: unknown[] } } | null)?.conversations
      ?.nodes;
    if (nodes?.length !== 10) problems.push(`${id}: expected 10 conversations, got ${nodes?.length}`);
  }
  await sandbox.clearCalls();
  return {
    workload: 'W1',
    embedContact,
    ok: problems.length === 0,
    restCalls,
    expectedRestCalls: 12,
    sameCallsAsReference: sameCalls,
    problems,
  };
}

export async function checkW2(
  sandbox: SandboxClient,
  gatewayOrigin: string,
  embedContact: EmbedContact,
): Promise<CheckResult> {
  const problems: string[] = [];
  const gw = await callsOf(sandbox, () => post(`${gatewayOrigin}/graphql`, W2_QUERY));
  const err = describeErrors(gw.body);
  if (err) problems.push(`gateway ${err}`);
  // Replay the gateway's own list call to get what it should have answered.
  const list = gw.calls.find((c) => c.method === 'GET' && c.path.endsWith('/conversations'));
  let distinct = 0;
  if (!list) problems.push('the gateway made no GET /conversations');
  else {
    const qs = new URLSearchParams(list.query).toString();
    const page = await sandbox.rest<RestPage<RestConversation>>(`/conversations?${qs}`);
    if (list.query.status !== 'open') problems.push(`list call filtered status=${list.query.status}`);
    const ids = [...new Set(page.data.map((c) => c.contact_id))];
    distinct = ids.length;
    const byId = new Map<string, RestContact>();
    for (const id of ids) byId.set(id, await sandbox.rest<RestContact>(`/contact/${encodeURIComponent(id)}`));
    const expected = page.data.map((c) => {
      const contact = byId.get(c.contact_id);
      return {
        id: c.id,
        subject: c.subject ?? null,
        contact: contact ? { fullName: restFullName(contact), email: contact.email ?? null } : null,
      };
    });
    const actual = (gw.body.data?.conversations as { nodes?: unknown } | undefined)?.nodes;
    if (expected.length !== 50)
      problems.push(`the sandbox has ${expected.length} open conversations, not 50`);
    if (!isDeepStrictEqual(actual, expected)) problems.push('gateway answer differs from the REST data');
  }
  const expectedRestCalls = embedContact === 'full' ? 1 : 1 + distinct;
  if (gw.calls.length > expectedRestCalls)
    problems.push(`gateway made ${gw.calls.length} REST calls; the target is at most ${expectedRestCalls}`);
  await sandbox.clearCalls();
  return {
    workload: 'W2',
    embedContact,
    ok: problems.length === 0,
    restCalls: gw.calls.length,
    expectedRestCalls,
    distinctContacts: distinct,
    problems,
  };
}

export async function checkW3(
  sandbox: SandboxClient,
  gatewayOrigin: string,
  fixtures: Fixtures,
  embedContact: EmbedContact,
): Promise<CheckResult> {
  const problems: string[] = [];
  const representations = fixtures.entityContacts.map((id) => ({ __typename: 'Contact', id }));
  const gw = await callsOf(sandbox, () => post(`${gatewayOrigin}/subgraph`, W3_QUERY, { representations }));
  const err = describeErrors(gw.body);
  if (err) problems.push(`gateway ${err}`);
  const expected = [];
  for (const id of fixtures.entityContacts) {
    const c = await sandbox.rest<RestContact>(`/contact/${encodeURIComponent(id)}`);
    expected.push({ id: c.id, fullName: restFullName(c), email: c.email ?? null });
  }
  if (!isDeepStrictEqual(gw.body.data?._entities, expected))
    problems.push('gateway _entities differ from the REST data');
  if (gw.calls.length > fixtures.entityContacts.length)
    problems.push(
      `gateway made ${gw.calls.length} REST calls for ${fixtures.entityContacts.length} contacts`,
    );
  await sandbox.clearCalls();
  return {
    workload: 'W3',
    embedContact,
    ok: problems.length === 0,
    restCalls: gw.calls.length,
    expectedRestCalls: fixtures.entityContacts.length,
    problems,
  };
}

export async function checkW4(
  sandbox: SandboxClient,
  gatewayOrigin: string,
  embedContact: EmbedContact,
): Promise<CheckResult> {
  const problems: string[] = [];
  await sandbox.clearCalls();
  const email = nextEmail();
  const created = await post(`${gatewayOrigin}/graphql`, W4_CREATE, {
    input: { firstName: 'Bench', lastName: 'Writer', email },
  });
  const contactId = (created.data?.createContact as { id?: string } | undefined)?.id;
  const createErr = describeErrors(created);
  if (createErr || !contactId) problems.push(`createContact: ${createErr ?? 'no id'}`);
  const sent = await post(`${gatewayOrigin}/graphql`, W4_SEND, {
    contactId: contactId ?? 'cnt_000000000000',
    input: { channel: 'EMAIL', content: 'Benchmark message' },
  });
  const sendErr = describeErrors(sent);
  const message = sent.data?.sendMessage as { id?: string; status?: string } | undefined;
  if (sendErr || !message?.id?.startsWith('msg_'))
    problems.push(`sendMessage: ${sendErr ?? 'no message id'}`);
  const calls = await sandbox.calls();
  if (contactId) {
    const stored = await sandbox.rest<RestContact>(`/contact/${encodeURIComponent(contactId)}`);
    if (stored.email !== email) problems.push('the created contact is not stored with its email');
  }
  await sandbox.clearCalls();
  return {
    workload: 'W4',
    embedContact,
    ok: problems.length === 0,
    restCalls: calls.length,
    expectedRestCalls: 2,
    problems,
  };
}
