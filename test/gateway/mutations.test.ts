import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ContactByIdDocument,
  ContactByPhoneDocument,
  type ContactDetailFragment,
  ConversationByIdDocument,
  CreateContactDocument,
  type CreateContactInput,
  DeleteContactDocument,
  MessageRenameMessageDocument,
  NodeByIdDocument,
  PrioritizeThenMessageDocument,
  RenameSeenThroughListDocument,
  SendMessageDocument,
  type SendMessageInput,
  UpdateContactDocument,
  UpdateConversationDocument,
} from '../gql/graphql.js';
import { type Message, type Page, rest } from '../helpers/rest.js';
import { callLines, dataOf, errorCodes, present, type Stack, startStack } from '../helpers/stack.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

let stack: Stack;
let serial = 0;

beforeAll(async () => {
  stack = await startStack({ sandbox: { seedContacts: 5 } });
});
beforeEach(() => {
  stack.resetCalls();
});
afterAll(async () => {
  await stack?.close();
});

/** +1 415 555 1xxx: outside the seed's number ranges, one per call. */
const newPhone = () => `+1415555${1000 + ++serial}`;
const newEmail = () => `mutation-${++serial}@example.org`;

/** A fresh contact of this test's own, so tests never see each other's changes. */
async function newContact(input: Partial<CreateContactInput> = {}): Promise<ContactDetailFragment> {
  const data = dataOf(
    await stack.gql(CreateContactDocument, {
      input: { firstName: 'Ada', lastName: 'Lovelace', phone: newPhone(), email: newEmail(), ...input },
    }),
  );
  stack.resetCalls();
  return data.createContact;
}

/** A fresh contact with one open SMS conversation. */
async function newConversation() {
  const contact = await newContact();
  const data = dataOf(
    await stack.gql(SendMessageDocument, {
      contactId: contact.id,
      input: { channel: 'SMS', messageType: 'TEXT', content: 'Hello from the test suite' },
    }),
  );
  stack.resetCalls();
  return { contact, conversationId: data.sendMessage.conversation.id };
}

describe('createContact', () => {
  it('creates a contact from every input field and returns the full object', async () => {
    const phone = newPhone();
    const email = newEmail();
    const metadata = { tier: 'gold', mrr: 1200, tags: ['vip'], preferences: { language: 'en' } };

    const data = dataOf(
      await stack.gql(CreateContactDocument, {
        input: {
          firstName: 'Ada',
          lastName: 'Lovelace',
          phone,
          email,
          preferredChannel: 'WHATSAPP',
          metadata,
        },
      }),
    );

    const created = data.createContact;
    expect(created).toEqual({
      id: expect.stringMatching(/^cnt_/),
      phone,
      email,
      firstName: 'Ada',
      lastName: 'Lovelace',
      fullName: 'Ada Lovelace',
      preferredChannel: 'WHATSAPP',
      status: 'ACTIVE',
      metadata,
      createdAt: expect.stringMatching(ISO),
      updatedAt: created.createdAt,
      lastContactedAt: null,
    });
    expect(callLines(stack.calls())).toEqual(['POST /v2/contact']);

    const read = dataOf(await stack.gql(ContactByIdDocument, { id: created.id }));
    expect(read.contact).toEqual(created);
  });

  it('creates a contact from only a first name and an email, leaving the rest empty', async () => {
    const email = newEmail();

    const data = dataOf(await stack.gql(CreateContactDocument, { input: { firstName: 'Grace', email } }));

    expect(data.createContact).toMatchObject({
      phone: null,
      email,
      firstName: 'Grace',
      lastName: null,
      fullName: 'Grace',
      preferredChannel: null,
      metadata: {},
    });
  });
});

describe('updateContact', () => {
  it('merges metadata into the stored metadata and removes keys set to null, as upstream', async () => {
    const contact = await newContact({ metadata: { keep: 1, drop: 'x', change: 'old', nested: { a: 1 } } });

    const data = dataOf(
      await stack.gql(UpdateContactDocument, {
        id: contact.id,
        input: { metadata: { drop: null, change: 'new', added: true, nested: { b: 2 } } },
      }),
    );

    expect(data.updateContact.metadata).toEqual({ keep: 1, change: 'new', added: true, nested: { b: 2 } });
    expect(callLines(stack.calls())).toEqual([`PUT /v2/contact/${contact.id}`]);
  });

  it('changes only the fields given: every other field stays as it was', async () => {
    const contact = await newContact({ preferredChannel: 'SMS', metadata: { tier: 'pro' } });

    const data = dataOf(
      await stack.gql(UpdateContactDocument, { id: contact.id, input: { lastName: 'Byron' } }),
    );

    expect(data.updateContact).toEqual({
      ...contact,
      lastName: 'Byron',
      fullName: 'Ada Byron',
      updatedAt: expect.stringMatching(ISO),
    });
    const metadataOnly = dataOf(
      await stack.gql(UpdateContactDocument, { id: contact.id, input: { metadata: { city: 'London' } } }),
    );
    expect(metadataOnly.updateContact).toMatchObject({
      firstName: 'Ada',
      lastName: 'Byron',
      phone: contact.phone,
      email: contact.email,
      preferredChannel: 'SMS',
      metadata: { tier: 'pro', city: 'London' },
    });
  });

  it('clears email, lastName and preferredChannel given as null', async () => {
    const contact = await newContact({ preferredChannel: 'EMAIL' });

    const data = dataOf(
      await stack.gql(UpdateContactDocument, {
        id: contact.id,
        input: { email: null, lastName: null, preferredChannel: null },
      }),
    );

    expect(data.updateContact).toMatchObject({
      phone: contact.phone,
      email: null,
      lastName: null,
      fullName: 'Ada',
      preferredChannel: null,
    });
  });

  it('moves the contact to a new phone number: found by the new one, not by the old one', async () => {
    const contact = await newContact();
    const phone = newPhone();

    dataOf(await stack.gql(UpdateContactDocument, { id: contact.id, input: { phone } }));

    const byNew = dataOf(await stack.gql(ContactByPhoneDocument, { phone }));
    const byOld = dataOf(await stack.gql(ContactByPhoneDocument, { phone: contact.phone ?? '' }));
    expect(byNew.contact?.id).toBe(contact.id);
    expect(byOld.contact).toBeNull();
  });

  it('rejects an input that changes nothing with BAD_USER_INPUT and no REST call', async () => {
    const contact = await newContact();

    const res = await stack.gql(UpdateContactDocument, { id: contact.id, input: {} });

    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(stack.calls()).toEqual([]);
  });
});

describe('deleteContact', () => {
  it('deletes a contact and its conversations: both are null in the next request', async () => {
    const { contact, conversationId } = await newConversation();

    const data = dataOf(await stack.gql(DeleteContactDocument, { id: contact.id }));

    expect(data.deleteContact).toEqual({ deletedContactId: contact.id });
    expect(callLines(stack.calls())).toEqual([`DELETE /v2/contact/${contact.id}`]);
    expect(dataOf(await stack.gql(ContactByIdDocument, { id: contact.id })).contact).toBeNull();
    expect(dataOf(await stack.gql(ConversationByIdDocument, { id: conversationId })).conversation).toBeNull();
    expect(dataOf(await stack.gql(NodeByIdDocument, { id: contact.id })).node).toBeNull();
  });

  it('fails with NOT_FOUND for a contact that is already gone', async () => {
    const contact = await newContact();
    dataOf(await stack.gql(DeleteContactDocument, { id: contact.id }));

    const again = await stack.gql(DeleteContactDocument, { id: contact.id });

    expect(errorCodes(again)).toEqual(['NOT_FOUND']);
  });
});

describe('sendMessage', () => {
  it('sends a TEXT message on SMS, which starts an open conversation', async () => {
    const contact = await newContact();

    const data = dataOf(
      await stack.gql(SendMessageDocument, {
        contactId: contact.id,
        input: { channel: 'SMS', content: 'Your order has shipped' },
      }),
    );

    const message = data.sendMessage;
    expect(message).toEqual({
      id: expect.stringMatching(/^msg_/),
      conversation: {
        id: expect.stringMatching(/^conv_/),
        channel: 'SMS',
        status: 'OPEN',
        messageCount: 1,
        lastMessagePreview: 'Your order has shipped',
        contact: { id: contact.id },
      },
      contact: { id: contact.id },
      channel: 'SMS',
      messageType: 'TEXT',
      content: 'Your order has shipped',
      status: 'SENT',
      sentBy: 'USER',
      sender: null,
      sentAt: expect.stringMatching(ISO),
      deliveredAt: null,
      readAt: null,
      error: null,
    });
    expect(callLines(stack.calls())).toEqual([
      `POST /v2/contact/${contact.id}/message`,
      `GET /v2/conversation/${message.conversation.id}`,
    ]);
  });

  it('adds a second SMS to the conversation the first one opened', async () => {
    const { contact, conversationId } = await newConversation();

    const data = dataOf(
      await stack.gql(SendMessageDocument, {
        contactId: contact.id,
        input: { channel: 'SMS', content: 'Again' },
      }),
    );

    expect(data.sendMessage.conversation).toMatchObject({ id: conversationId, messageCount: 2 });
  });

  it('sends an approved TEMPLATE with templateParameters on WhatsApp', async () => {
    const contact = await newContact();

    const data = dataOf(
      await stack.gql(SendMessageDocument, {
        contactId: contact.id,
        input: {
          channel: 'WHATSAPP',
          messageType: 'TEMPLATE',
          templateName: 'welcome_message',
          templateParameters: { '1': 'Ada' },
        },
      }),
    );

    expect(data.sendMessage).toMatchObject({
      channel: 'WHATSAPP',
      messageType: 'TEMPLATE',
      content: 'Welcome to HueChat, Ada! Reply to this message any time to reach our team.',
      conversation: { channel: 'WHATSAPP', messageCount: 1 },
    });
  });

  it.each([
    ['IMAGE', 'SMS', 'https://cdn.example.org/photo.jpg', 'Our new store', null],
    ['DOCUMENT', 'EMAIL', 'https://cdn.example.org/files/invoice.pdf', null, 'invoice.pdf'],
  ] as const)(
    'sends an %s on %s with its mediaUrl, caption and filename',
    async (messageType, channel, mediaUrl, caption, filename) => {
      const contact = await newContact();

      const data = dataOf(
        await stack.gql(SendMessageDocument, {
          contactId: contact.id,
          input: { channel, messageType, mediaUrl, caption, filename },
        }),
      );

      expect(data.sendMessage).toMatchObject({ channel, messageType, content: mediaUrl });
      // The media fields are not in the GraphQL Message; the REST message shows they were sent.
      const stored = await rest<
        Page<Message & { media_url?: string; caption?: string | null; filename?: string | null }>
      >(stack, `/conversation/${data.sendMessage.conversation.id}/messages`);
      expect(stored.data[0]).toMatchObject({ media_url: mediaUrl, caption, filename });
    },
  );

  it.each<[string, SendMessageInput]>([
    ['TEXT without content', { channel: 'SMS', messageType: 'TEXT' }],
    ['TEXT with blank content', { channel: 'SMS', messageType: 'TEXT', content: '   ' }],
    [
      'TEMPLATE without templateName',
      { channel: 'WHATSAPP', messageType: 'TEMPLATE', templateParameters: { '1': 'A' } },
    ],
    ['IMAGE without mediaUrl', { channel: 'SMS', messageType: 'IMAGE', caption: 'x' }],
    ['DOCUMENT without mediaUrl', { channel: 'EMAIL', messageType: 'DOCUMENT', filename: 'a.pdf' }],
  ])('rejects %s with BAD_USER_INPUT and no REST call', async (_label, input) => {
    const contact = await newContact();

    const res = await stack.gql(SendMessageDocument, { contactId: contact.id, input });

    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors?.[0]?.path).toEqual(['sendMessage']);
    expect(stack.calls()).toEqual([]);
  });
});

describe('updateConversation', () => {
  it('changes status, priority, subject and labels, and the next request sees them', async () => {
    const { conversationId } = await newConversation();

    const data = dataOf(
      await stack.gql(UpdateConversationDocument, {
        id: conversationId,
        input: { status: 'CLOSED', priority: 'HIGH', subject: 'Refund request', labels: ['billing', 'vip'] },
      }),
    );

    expect(data.updateConversation).toMatchObject({
      id: conversationId,
      status: 'CLOSED',
      priority: 'HIGH',
      subject: 'Refund request',
      labels: ['billing', 'vip'],
      assignedTo: null,
    });
    expect(callLines(stack.calls())).toEqual([`PUT /v2/conversation/${conversationId}`]);
    const read = dataOf(await stack.gql(ConversationByIdDocument, { id: conversationId })).conversation;
    expect(read).toMatchObject({ status: 'CLOSED', priority: 'HIGH', subject: 'Refund request' });
  });

  it('replaces the labels and leaves fields that are not given unchanged', async () => {
    const { conversationId } = await newConversation();
    dataOf(
      await stack.gql(UpdateConversationDocument, {
        id: conversationId,
        input: { labels: ['a', 'b'], subject: 'First', priority: 'LOW' },
      }),
    );

    const data = dataOf(
      await stack.gql(UpdateConversationDocument, { id: conversationId, input: { labels: ['c'] } }),
    );

    expect(data.updateConversation).toMatchObject({
      labels: ['c'],
      subject: 'First',
      priority: 'LOW',
      status: 'OPEN',
    });
  });

  it('assigns to a team member by usr id and unassigns with assignedTo: null', async () => {
    const { conversationId } = await newConversation();

    const assigned = dataOf(
      await stack.gql(UpdateConversationDocument, {
        id: conversationId,
        input: { assignedTo: 'usr_agent2' },
      }),
    );
    const unassigned = dataOf(
      await stack.gql(UpdateConversationDocument, { id: conversationId, input: { assignedTo: null } }),
    );

    expect(assigned.updateConversation.assignedTo).toEqual({
      id: 'usr_agent2',
      name: 'Miguel Torres',
      email: 'miguel.torres@huechat-demo.example',
    });
    expect(unassigned.updateConversation.assignedTo).toBeNull();
    const read = dataOf(await stack.gql(ConversationByIdDocument, { id: conversationId })).conversation;
    expect(read?.assignedTo).toBeNull();
  });

  it('rejects an input that changes nothing with BAD_USER_INPUT and no REST call', async () => {
    const { conversationId } = await newConversation();

    const res = await stack.gql(UpdateConversationDocument, { id: conversationId, input: {} });

    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(stack.calls()).toEqual([]);
  });
});

describe('reads after writes in one request', () => {
  it('a message sent after an update in the same request sees the updated conversation and counts', async () => {
    const { contact, conversationId } = await newConversation();

    const data = dataOf(
      await stack.gql(PrioritizeThenMessageDocument, {
        conversationId,
        contactId: contact.id,
        content: 'Second message',
      }),
    );

    expect(data.prioritized).toEqual({ priority: 'HIGH', messageCount: 1, messages: { totalCount: 1 } });
    expect(data.sent.conversation).toMatchObject({
      id: conversationId,
      priority: 'HIGH',
      messageCount: 2,
      lastMessagePreview: 'Second message',
      messages: { totalCount: 2 },
    });
    expect(data.sent.conversation.messages.nodes.at(-1)?.id).toBe(data.sent.id);
  });

  it('a list read before a rename is read again after it, showing the new name', async () => {
    const { contact } = await newConversation();

    const data = dataOf(
      await stack.gql(RenameSeenThroughListDocument, { contactId: contact.id, firstName: 'Augusta' }),
    );

    const names = (nodes: readonly ({ contact: { firstName: string } } | null)[]) =>
      present(nodes).map((c) => c.contact.firstName);
    expect(names(data.before.contact.conversations.nodes)).toEqual(['Ada']);
    expect(names(data.renamed.conversations.nodes)).toEqual(['Augusta']);
    expect(
      callLines(stack.calls()).filter((l) => l.startsWith(`GET /v2/contact/${contact.id}/conversations`)),
    ).toHaveLength(2);
  });

  it('a contact renamed in the middle of a request shows its new name to the fields after it', async () => {
    const { contact } = await newConversation();

    const data = dataOf(
      await stack.gql(MessageRenameMessageDocument, { contactId: contact.id, firstName: 'Augusta' }),
    );

    expect(data.before.contact.firstName).toBe('Ada');
    expect(data.renamed.firstName).toBe('Augusta');
    expect(data.after.contact).toEqual({ firstName: 'Augusta', fullName: 'Augusta Lovelace' });
    expect(data.after.conversation.contact.firstName).toBe('Augusta');
  });
});
