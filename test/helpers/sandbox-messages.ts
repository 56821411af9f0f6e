import {
  call,
  conversationSchema,
  expectStatus,
  type Message,
  messageSchema,
  pageSchema,
  sandbox,
  useSandbox,
} from './rest.js';
import { ManualClock } from './time.js';

// The fixture of the sandbox's message tests (test/sandbox/messages-*.test.ts): a sandbox without seed on
// a clock that moves only when a test says so, delivering after 2 s and reading after 5 s.

export const T0 = Date.parse('2026-01-25T10:30:00Z');
export const DAY = 24 * 60 * 60 * 1000;
export const clock = new ManualClock(T0);

/** Starts the file's `sandbox` (from rest.ts) on `clock`. */
export function useMessagesSandbox(): void {
  useSandbox({ seedContacts: 0, now: clock.now, deliverAfterMs: 2000, readAfterMs: 5000 });
}

export async function getConversation(id: string) {
  return expectStatus(await call(sandbox, 'GET', `/conversation/${id}`), 200, conversationSchema);
}
export async function getMessages(conversationId: string): Promise<Message[]> {
  const res = await call(sandbox, 'GET', `/conversation/${conversationId}/messages`, {
    query: { limit: 100 },
  });
  return expectStatus(res, 200, pageSchema(messageSchema)).data;
}
export async function getMessage(message: Message): Promise<Message> {
  const found = (await getMessages(message.conversation_id)).find((m) => m.id === message.id);
  if (found === undefined) throw new Error(`message ${message.id} is not listed in its conversation`);
  return found;
}
export function send(contactId: string, body: Record<string, unknown>) {
  return call(sandbox, 'POST', `/contact/${contactId}/message`, { body });
}
