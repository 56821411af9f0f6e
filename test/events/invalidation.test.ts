import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';
import { deliver, envelope, newSecret, until } from '../helpers/webhooks.js';

// A verified event ends the in-flight sharing of reads of what it touched, as a write does: a request
// that starts after the event never joins a read that began before it.
const secret = newSecret();
let stack: Stack;
let conversations: Array<Record<string, unknown> & { id: string }>;

beforeAll(async () => {
  stack = await startStack({
    client: { coalesceReads: true },
    sandbox: { latencyMs: 300 },
    live: { secrets: [secret] },
  });
  const page = await fetch(`${stack.sandbox.url}/conversations?limit=2`, {
    headers: { 'x-api-key': SANDBOX_KEY },
  });
  conversations = ((await page.json()) as { data: typeof conversations }).data;
});
afterAll(() => stack.close());
beforeEach(() => stack.resetCalls());

const QUERY = `query ($id: ID!) { conversation(id: $id) { id subject } }`;
const getsOf = (id: string) =>
  stack.calls().filter((c) => c.method === 'GET' && c.path.endsWith(`/conversation/${id}`));

/** Starts one read, waits until it is on the wire, runs `between`, then starts an identical read. */
async function twoReads(id: string, between: () => Promise<void>) {
  const first = stack.gql(QUERY, { id });
  await until(() => getsOf(id).length === 1, 'the first read to reach HueChat');
  await between();
  const second = stack.gql(QUERY, { id });
  const answers = await Promise.all([first, second]);
  for (const answer of answers) {
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toMatchObject({ conversation: { id } });
  }
}

describe('events invalidate in-flight sharing', () => {
  it('shares an identical read in flight when nothing happened in between', async () => {
    const [conversation] = conversations;
    await twoReads(conversation.id, async () => {});
    expect(getsOf(conversation.id)).toHaveLength(1);
  });

  it('sends a fresh read after an event about that conversation', async () => {
    const [conversation] = conversations;
    await twoReads(conversation.id, async () => {
      const event = envelope({ type: 'conversation.updated', data: { ...conversation, subject: 'Changed' } });
      expect((await deliver(stack.origin, event, { secret })).status).toBe(204);
    });
    expect(getsOf(conversation.id)).toHaveLength(2);
  });

  it('keeps sharing a read that an event about another conversation does not touch', async () => {
    const [conversation, other] = conversations;
    await twoReads(conversation.id, async () => {
      const event = envelope({ type: 'conversation.updated', data: other });
      expect((await deliver(stack.origin, event, { secret })).status).toBe(204);
    });
    expect(getsOf(conversation.id)).toHaveLength(1);
  });

  it('does nothing for a delivery it refused', async () => {
    const [conversation] = conversations;
    await twoReads(conversation.id, async () => {
      const event = envelope({ type: 'conversation.updated', data: conversation });
      expect((await deliver(stack.origin, event, { secret: newSecret() })).status).toBe(401);
    });
    expect(getsOf(conversation.id)).toHaveLength(1);
  });
});
