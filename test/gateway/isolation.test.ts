import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrganisationIdsDocument, OrganisationProbeDocument } from '../gql/graphql.js';
import { type Contact, type Conversation, restAll } from '../helpers/rest.js';
import { dataOf, OTHER_KEY, present, SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

interface Organisation {
  key: string;
  contacts: string[];
  conversations: string[];
  /** Every contact and conversation id of the organisation. */
  ids: Set<string>;
}

let stack: Stack;
let orgs: [Organisation, Organisation];

async function organisation(key: string): Promise<Organisation> {
  const contacts = (await restAll<Contact>(stack, '/contacts', key)).map((c) => c.id);
  const conversations = (await restAll<Conversation>(stack, '/conversations', key)).map((c) => c.id);
  return { key, contacts, conversations, ids: new Set([...contacts, ...conversations]) };
}

/** Every HueChat id anywhere in a JSON value. */
function idsIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string' && /^(cnt|conv|msg)_/.test(value)) found.push(value);
  else if (Array.isArray(value)) for (const v of value) idsIn(v, found);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) idsIn(v, found);
  return found;
}

beforeAll(async () => {
  stack = await startStack({ sandbox: { seedContacts: 12, latencyMs: 20 } });
  orgs = [await organisation(SANDBOX_KEY), await organisation(OTHER_KEY)];
  stack.resetCalls();
});
afterAll(async () => {
  await stack?.close();
});

describe('two organisations behind one gateway', () => {
  it('have no id in common', () => {
    const [a, b] = orgs;
    expect(a.contacts.length).toBeGreaterThan(0);
    expect(b.contacts.length).toBeGreaterThan(0);
    expect([...a.ids].filter((id) => b.ids.has(id))).toEqual([]);
  });

  it("each see only their own contacts and conversations in the lists, and null for the other's ids", async () => {
    for (const [own, other] of [orgs, [orgs[1], orgs[0]]] as const) {
      const lists = dataOf(await stack.gql(OrganisationIdsDocument, {}, { apiKey: own.key }));
      for (const id of idsIn(lists)) expect(own.ids).toContain(id);
      expect(present(lists.contacts.nodes).map((n) => n.id)).toEqual(own.contacts);

      const probe = dataOf(
        await stack.gql(
          OrganisationProbeDocument,
          {
            contact: other.contacts[0] ?? '',
            conversation: other.conversations[0] ?? '',
            foreignContact: other.contacts[1] ?? '',
          },
          { apiKey: own.key },
        ),
      );
      expect(probe.contact).toBeNull();
      expect(probe.conversation).toBeNull();
      expect(probe.foreign).toBeNull();
    }
  });

  it('keep 40 interleaved concurrent requests apart: every answer and every REST call belongs to its own organisation', async () => {
    stack.resetCalls();
    const requests = Array.from({ length: 40 }, (_, i) => {
      const own = orgs[i % 2] as Organisation;
      const other = orgs[(i + 1) % 2] as Organisation;
      const variables = {
        contact: own.contacts[i % own.contacts.length] ?? '',
        conversation: own.conversations[i % own.conversations.length] ?? '',
        foreignContact: other.contacts[i % other.contacts.length] ?? '',
      };
      return { own, variables };
    });

    const responses = await Promise.all(
      requests.map(({ own, variables }) =>
        stack.gql(OrganisationProbeDocument, variables, { apiKey: own.key }),
      ),
    );

    responses.forEach((res, i) => {
      const { own, variables } = requests[i] as (typeof requests)[number];
      const data = dataOf(res);
      expect(data.contact?.id).toBe(variables.contact);
      expect(data.conversation?.id).toBe(variables.conversation);
      expect(data.foreign).toBeNull();
      expect(present(data.contacts.nodes).map((n) => n.id)).toEqual(own.contacts.slice(0, 5));
      for (const id of idsIn(data).filter((id) => !id.startsWith('msg_'))) expect(own.ids).toContain(id);
    });

    const calls = stack.calls();
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const own = orgs.find((o) => o.key === call.apiKey);
      if (!own) throw new Error(`a REST call carried an unexpected key: ${call.method} ${call.path}`);
      const [, , , id] = call.path.split('/');
      // The foreign contact is asked for with the caller's own key, and the upstream says 404.
      if (id && !own.ids.has(id)) expect(call.status, `${call.apiKey} ${call.path}`).toBe(404);
    }
    for (const { key } of orgs) {
      const paths = new Set(calls.filter((c) => c.apiKey === key).map((c) => c.path));
      const expected = requests
        .filter((r) => r.own.key === key)
        .flatMap(({ variables: v }) => [
          '/v2/contacts',
          `/v2/contact/${v.contact}`,
          `/v2/contact/${v.contact}/conversations`,
          `/v2/conversation/${v.conversation}`,
          `/v2/conversation/${v.conversation}/messages`,
          `/v2/contact/${v.foreignContact}`,
        ]);
      expect(paths).toEqual(new Set(expected));
    }
  });
});
