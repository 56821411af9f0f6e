import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../src/sandbox/index.js';
import {
  ErrorsContactByIdDocument,
  ErrorsContactByPhoneDocument,
  ErrorsCreateContactDocument,
  ErrorsDeleteContactDocument,
  ErrorsInboxDocument,
  ErrorsSendMessageDocument,
  ErrorsTwoContactsDocument,
  ErrorsTwoConversationsMessagesDocument,
} from '../gql/graphql.js';
import {
  callsTo,
  contactIds,
  conversations,
  createContact,
  errorsOf,
  expectNoLeak,
  fault,
  gql,
  MISSING_CONTACT,
  nearestNullable,
  QUIET_FAULTS,
  REQUEST_ID,
  sender,
  stack,
  useErrorsStack,
  withNullAt,
} from '../helpers/gateway-errors.js';
import { closedOrigin } from '../helpers/http.js';
import { rest, uniqueEmail } from '../helpers/rest.js';
import { describeCalls, type GraphQLResponse, type Stack, startStack } from '../helpers/stack.js';

useErrorsStack();

describe('upstream failures map to their codes, and sibling fields still resolve', () => {
  it('a 500 is UPSTREAM_ERROR and is not retried', async () => {
    const [failing, healthy] = contactIds;
    fault({ kind: 'error', status: 500, method: 'GET', path: `/contact/${failing}` });

    const res = await gql(ErrorsTwoContactsDocument, { failing, healthy });

    expect(errorsOf(res)).toEqual([
      {
        message: 'An internal error occurred. Please try again.',
        path: ['failing'],
        extensions: {
          code: 'UPSTREAM_ERROR',
          upstream: { status: 500, error: 'internal_error', requestId: REQUEST_ID },
        },
      },
    ]);
    expect(res.body.data).toEqual({ failing: null, healthy: { id: healthy, fullName: expect.any(String) } });
    expect(callsTo(stack, 'GET', `/contact/${failing}`)).toHaveLength(1);
  });

  it('a connection reset is UPSTREAM_UNAVAILABLE after the read was retried', async () => {
    const [failing, healthy] = contactIds;
    fault({ kind: 'reset', method: 'GET', path: `/contact/${failing}` });

    const res = await gql(ErrorsTwoContactsDocument, { failing, healthy });

    expect(errorsOf(res)).toEqual([
      {
        message: 'The HueChat API could not be reached',
        path: ['failing'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE' },
      },
    ]);
    expect(res.body.data).toEqual({ failing: null, healthy: { id: healthy, fullName: expect.any(String) } });
    // The first attempt and the stack's two retries.
    expect(callsTo(stack, 'GET', `/contact/${failing}`).map((c) => c.fault)).toEqual([
      'reset',
      'reset',
      'reset',
    ]);
  });

  it('a body that is not the documented shape is UPSTREAM_BAD_RESPONSE, and the body is not shown', async () => {
    const [failing, healthy] = contactIds;
    fault({ kind: 'malformed', method: 'GET', path: `/contact/${failing}` });

    const res = await gql(ErrorsTwoContactsDocument, { failing, healthy });

    expect(errorsOf(res)).toEqual([
      {
        message: 'The HueChat API answered with an unexpected response',
        path: ['failing'],
        extensions: {
          code: 'UPSTREAM_BAD_RESPONSE',
          upstream: { status: 200, error: null, requestId: expect.stringMatching(/^req_/) },
        },
      },
    ]);
    expect(res.body.data).toEqual({ failing: null, healthy: { id: healthy, fullName: expect.any(String) } });
    expect(callsTo(stack, 'GET', `/contact/${failing}`)).toHaveLength(1);
  });
});

describe('an upstream that does not answer in time', () => {
  let slow: Stack;
  const gqlSlow = sender(() => slow);
  beforeAll(async () => {
    slow = await startStack({
      sandbox: { seedContacts: 3, faults: { hangMs: 3_000 } },
      client: { timeoutMs: 300 },
    });
  });
  afterAll(() => slow.close());

  it('is UPSTREAM_TIMEOUT for the hung field only, without a retry', async () => {
    const ids = (await rest<{ data: { id: string }[] }>(slow, '/contacts')).data.map((c) => c.id);
    const [failing, healthy] = ids;
    slow.sandbox.setFaults({
      hangMs: 3_000,
      rules: [{ kind: 'hang', method: 'GET', path: `/contact/${failing}` }],
    });
    slow.resetCalls();

    const res = await gqlSlow(ErrorsTwoContactsDocument, { failing, healthy });

    expect(errorsOf(res)).toEqual([
      {
        message: 'The HueChat API did not answer in time',
        path: ['failing'],
        extensions: { code: 'UPSTREAM_TIMEOUT' },
      },
    ]);
    expect(res.body.data).toEqual({ failing: null, healthy: { id: healthy, fullName: expect.any(String) } });
    expect(callsTo(slow, 'GET', `/contact/${failing}`)).toHaveLength(1);
  });
});

describe('an upstream that cannot be reached at all', () => {
  let unreachable: Stack;
  const gqlUnreachable = sender(() => unreachable);
  beforeAll(async () => {
    const origin = await closedOrigin();
    unreachable = await startStack({
      sandbox: { seedContacts: 0 },
      client: { baseUrl: `${origin}/v2` },
    });
  });
  afterAll(() => unreachable.close());

  it('is UPSTREAM_UNAVAILABLE for every field that needed it', async () => {
    const res = await gqlUnreachable(ErrorsTwoContactsDocument, {
      failing: 'cnt_aaaaaa',
      healthy: 'cnt_bbbbbb',
    });

    const byPath = errorsOf(res).sort((a, b) => String(a.path).localeCompare(String(b.path)));
    expect(byPath).toEqual(
      ['failing', 'healthy'].map((alias) => ({
        message: 'The HueChat API could not be reached',
        path: [alias],
        extensions: { code: 'UPSTREAM_UNAVAILABLE' },
      })),
    );
    expect(res.body.data).toEqual({ failing: null, healthy: null });
    expect(unreachable.calls()).toEqual([]);
  });
});

describe('reads are retried, writes never', () => {
  it('a read that meets one 503 is retried and succeeds', async () => {
    const [id] = contactIds;
    fault({ kind: 'status', status: 503, method: 'GET', path: `/contact/${id}`, times: 1 });

    const res = await gql(ErrorsContactByIdDocument, { id });

    expect(res.body).toEqual({ data: { contact: { id, fullName: expect.any(String) } } });
    expect(callsTo(stack, 'GET', `/contact/${id}`).map((c) => c.status)).toEqual([503, 200]);
  });

  it('a message send that meets one 503 is UPSTREAM_ERROR after exactly one POST', async () => {
    const contactId = await createContact({ email: uniqueEmail() });
    fault({ kind: 'status', status: 503, method: 'POST', path: `/contact/${contactId}/message`, times: 1 });
    stack.resetCalls();

    const res = await gql(ErrorsSendMessageDocument, {
      contactId,
      input: { channel: 'EMAIL', content: 'Your order shipped' },
    });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([
      {
        message: 'The service is temporarily unavailable. Please try again later.',
        path: ['sendMessage'],
        extensions: {
          code: 'UPSTREAM_ERROR',
          upstream: { status: 503, error: 'service_unavailable', requestId: REQUEST_ID },
        },
      },
    ]);
    expect(describeCalls(stack.calls())).toEqual([`POST /v2/contact/${contactId}/message`]);
  });

  it('a send whose answer is lost after HueChat applied it is UPSTREAM_UNAVAILABLE after exactly one POST', async () => {
    const contactId = await createContact({ email: uniqueEmail() });
    fault({ kind: 'reset-after', method: 'POST', path: `/contact/${contactId}/message`, times: 1 });
    stack.resetCalls();

    const res = await gql(ErrorsSendMessageDocument, {
      contactId,
      input: { channel: 'EMAIL', content: 'Sent once, answer lost' },
    });

    expect(res.body.data).toBeNull();
    expect(errorsOf(res)).toEqual([
      {
        message: 'The HueChat API could not be reached',
        path: ['sendMessage'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE' },
      },
    ]);
    expect(describeCalls(stack.calls())).toEqual([`POST /v2/contact/${contactId}/message`]);
    // HueChat has the message exactly once: a retry would have sent it twice.
    const [conversation] = (
      await rest<{ data: { id: string }[] }>(stack, `/contact/${contactId}/conversations`)
    ).data;
    const sent = await rest<{ data: { content: string }[] }>(
      stack,
      `/conversation/${conversation?.id}/messages`,
    );
    expect(sent.data.map((m) => m.content)).toEqual(['Sent once, answer lost']);
  });
});

describe('partial failure', () => {
  /** A contact with at least two conversations that have messages. */
  function inboxContact() {
    const withMessages = new Map<string, string[]>();
    for (const c of conversations.filter((c) => c.message_count > 0))
      withMessages.set(c.contact_id, [...(withMessages.get(c.contact_id) ?? []), c.id]);
    const found = [...withMessages].find(([, ids]) => ids.length >= 2);
    if (!found) throw new Error('the seed has no contact with two conversations with messages');
    return found[0];
  }

  it("one conversation's failing messages null its nearest nullable ancestor only; the others keep their messages", async () => {
    const id = inboxContact();
    const healthy = await gql(ErrorsInboxDocument, { id });
    expect(healthy.body.errors).toBeUndefined();
    const nodes = healthy.body.data?.contact?.conversations.nodes ?? [];
    expect(nodes.length).toBeGreaterThanOrEqual(2);
    const failingIndex = 1;
    const failing = nodes[failingIndex]?.id;
    if (!failing) throw new Error('no second conversation');
    fault({ kind: 'error', status: 500, method: 'GET', path: `/conversation/${failing}/messages` });
    stack.resetCalls();

    const res = await gql(ErrorsInboxDocument, { id });

    const errorPath = ['contact', 'conversations', 'nodes', failingIndex, 'messages'];
    expect(errorsOf(res)).toEqual([
      {
        message: 'An internal error occurred. Please try again.',
        path: errorPath,
        extensions: {
          code: 'UPSTREAM_ERROR',
          upstream: { status: 500, error: 'internal_error', requestId: REQUEST_ID },
        },
      },
    ]);
    // Conversation.messages is non-null, so the error nulls the conversation; the connection's items
    // are nullable, so that is where it stops.
    const nulled = nearestNullable(errorPath);
    expect(nulled).toEqual(['contact', 'conversations', 'nodes', failingIndex]);
    expect(res.body.data).toEqual(withNullAt(healthy.body.data, nulled));
    const survivors = res.body.data?.contact?.conversations.nodes.filter((n) => n !== null) ?? [];
    expect(survivors).toHaveLength(nodes.length - 1);
    for (const conversation of survivors) {
      expect(conversation.messages.nodes).toHaveLength(Math.min(conversation.messageCount, 50));
    }
    expect(callsTo(stack, 'GET', `/conversation/${failing}/messages`)).toHaveLength(1);
  });

  it('conversations fetched side by side at the root fail one at a time', async () => {
    const [failing, healthy] = conversations.filter((c) => c.message_count > 0).map((c) => c.id);
    fault({ kind: 'error', status: 500, method: 'GET', path: `/conversation/${failing}/messages` });

    const res = await gql(ErrorsTwoConversationsMessagesDocument, { failing, healthy });

    expect(errorsOf(res)).toEqual([
      {
        message: 'An internal error occurred. Please try again.',
        path: ['failing', 'messages'],
        extensions: {
          code: 'UPSTREAM_ERROR',
          upstream: { status: 500, error: 'internal_error', requestId: REQUEST_ID },
        },
      },
    ]);
    expect(res.body.data?.failing).toBeNull();
    expect(res.body.data?.healthy?.id).toBe(healthy);
    expect(res.body.data?.healthy?.messages.totalCount).toBeGreaterThan(0);
  });
});

describe('nothing leaks', () => {
  it('no error response names the upstream URL, the key, a stack frame or a raw upstream body', async () => {
    const [failing, healthy] = contactIds;
    const responses: GraphQLResponse<unknown>[] = [];
    const scenarios: [FaultRule | undefined, () => Promise<GraphQLResponse<unknown>>][] = [
      [
        undefined,
        () => stack.gql(ErrorsContactByIdDocument, { id: failing }, { apiKey: 'sk_test_wrong_key' }),
      ],
      [{ kind: 'error', status: 500 }, () => stack.gql(ErrorsTwoContactsDocument, { failing, healthy })],
      [{ kind: 'status', status: 502 }, () => stack.gql(ErrorsTwoContactsDocument, { failing, healthy })],
      [{ kind: 'malformed' }, () => stack.gql(ErrorsTwoContactsDocument, { failing, healthy })],
      [{ kind: 'reset' }, () => stack.gql(ErrorsTwoContactsDocument, { failing, healthy })],
      [undefined, () => stack.gql(ErrorsDeleteContactDocument, { id: MISSING_CONTACT })],
      [undefined, () => stack.gql(ErrorsCreateContactDocument, { input: { firstName: 'X', phone: '+123' } })],
      [undefined, () => stack.gql(ErrorsContactByPhoneDocument, { phone: 'not a phone' })],
    ];
    for (const [rule, run] of scenarios) {
      stack.sandbox.setFaults(rule ? { ...QUIET_FAULTS, rules: [rule] } : QUIET_FAULTS);
      responses.push(await run());
    }

    for (const res of responses) {
      expect(res.body.errors?.length).toBeGreaterThan(0);
      expectNoLeak(stack, res);
      expect(res.text).not.toContain('sk_test_wrong_key');
      expect(res.text).not.toContain('INTERNAL_SERVER_ERROR');
    }
  });
});
