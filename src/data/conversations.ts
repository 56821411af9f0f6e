import type { GraphQLResolveInfo } from 'graphql';
import { isId } from '../ids.js';
import {
  type Conversation,
  type ConversationListParams,
  type ConversationWrite,
  conversations,
} from '../upstream/conversations.js';
import { type Message, messages, type SendMessageBody } from '../upstream/messages.js';
import { selectedChildArgs } from './lookahead.js';
import { type ConnectionArgs, pageParams, pageParamsOf, toConnection } from './pages.js';
import { lookups, type RequestScope, requireChanges, restFields } from './scope.js';
import type { ConversationSource } from './sources.js';

export interface ConversationFilterInput {
  status?: string | null;
  channel?: string | null;
  assignedTo?: string | number | null;
  unassigned?: boolean | null;
  label?: string | null;
  search?: string | null;
}

export interface ConversationListArgs extends ConnectionArgs {
  filter?: ConversationFilterInput | null;
  orderBy?: ConversationListParams['sort'] | null;
}

export interface ConversationInput {
  status?: string | null;
  priority?: string | null;
  assignedTo?: string | number | null;
  labels?: string[] | null;
  subject?: string | null;
}

export interface MessageInput {
  channel: string;
  messageType: string;
  content?: string | null;
  templateName?: string | null;
  templateParameters?: Record<string, unknown> | null;
  mediaUrl?: string | null;
  caption?: string | null;
  filename?: string | null;
}

const MESSAGE_NAMES: Record<keyof MessageInput, keyof SendMessageBody> = {
  channel: 'channel',
  messageType: 'message_type',
  content: 'content',
  templateName: 'template_name',
  templateParameters: 'template_parameters',
  mediaUrl: 'media_url',
  caption: 'caption',
  filename: 'filename',
};

/** The fields of a message that were given a value; HueChat refuses explicit nulls here. */
const present = <T extends object>(input: T) =>
  Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null)) as Record<string, unknown>;

/** Reads and writes of conversations and their messages for one request. */
export function conversationData(scope: RequestScope) {
  const { client, caller, loaders } = scope;
  const { find, get } = lookups(loaders.conversation);

  /** Starts E10 for every `messages` selected under a conversation that is about to be fetched by id. */
  const prefetchMessages = (info: GraphQLResolveInfo, conversationId: string) => {
    for (const args of selectedChildArgs(info, 'Conversation', 'messages')) {
      const page = pageParamsOf(args);
      if (page) loaders.conversationMessages.load({ conversationId, ...page }).catch(() => undefined);
    }
  };

  return {
    /** A conversation by id, with the message lists its selection asks for started alongside. */
    byId(id: string, info?: GraphQLResolveInfo): Promise<Conversation | null> | null {
      if (!isId('conversation', id)) return null;
      const pending = find(id);
      if (info) prefetchMessages(info, id);
      return pending;
    },
    /** The whole conversation behind a source; fails with NOT_FOUND when it no longer exists. */
    load: (source: ConversationSource): Promise<Conversation> =>
      'stub' in source ? get(source.id) : Promise.resolve(source),
    async list(args: ConversationListArgs) {
      const page = pageParams(args);
      const f = args.filter;
      const result = await loaders.conversationList.load({
        status: f?.status ?? undefined,
        channel: f?.channel ?? undefined,
        assigned_to: f?.unassigned ? 'none' : f?.assignedTo != null ? String(f.assignedTo) : undefined,
        label: f?.label ?? undefined,
        search: f?.search ?? undefined,
        sort: args.orderBy ?? undefined,
        ...page,
      });
      return toConnection(result, page.offset);
    },
    async messages(conversationId: string, args: ConnectionArgs) {
      const page = pageParams(args);
      return toConnection(await loaders.conversationMessages.load({ conversationId, ...page }), page.offset);
    },
    prefetchMessages,

    async update(id: string, input: ConversationInput): Promise<Conversation> {
      const body: ConversationWrite = {};
      if (input.status != null) body.status = input.status;
      if (input.priority != null) body.priority = input.priority;
      if (input.assignedTo !== undefined)
        body.assigned_to = input.assignedTo === null ? null : String(input.assignedTo);
      if (input.labels != null) body.labels = input.labels;
      if (input.subject !== undefined) body.subject = input.subject;
      const conversation = await conversations.update(client, caller, id, requireChanges(body));
      scope.changed({ type: 'conversation.updated', conversation });
      return conversation;
    },
    /** E6: never retried; starts a conversation on that channel when none is open. */
    async send(contactId: string, input: MessageInput): Promise<Message> {
      const body = restFields<SendMessageBody>(present(input), MESSAGE_NAMES) as SendMessageBody;
      const message = await messages.send(client, caller, contactId, body);
      scope.changed({ type: 'message.added', message });
      return message;
    },
  };
}
