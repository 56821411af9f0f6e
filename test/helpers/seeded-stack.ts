import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Contact, type Conversation, restAll } from './rest.js';
import { type Stack, startStack } from './stack.js';

// The fixture of the gateway's read tests: one stack per file, and its seed as REST shows it, the oracle
// the GraphQL answers are checked against. The bindings are set once `useSeededStack()`'s beforeAll ran.

export let stack: Stack;
/** Every contact of the seed, in the REST order. */
export let contacts: Contact[];
/** Every conversation of the seed, in the REST order. */
export let conversations: Conversation[];

/** Starts `stack` for the file with `seedContacts` contacts, and forgets its calls before each test. */
export function useSeededStack(seedContacts: number): void {
  beforeAll(async () => {
    stack = await startStack({ sandbox: { seedContacts } });
    contacts = await restAll<Contact>(stack, '/contacts');
    conversations = await restAll<Conversation>(stack, '/conversations');
  });
  beforeEach(() => {
    stack.resetCalls();
  });
  afterAll(async () => {
    await stack?.close();
  });
}
